"""The exceptions zil raises. Every one derives from :class:`ZilError`, and
where Python has a matching built-in exception, from that too, so
``except TimeoutError`` works as expected."""


class ZilError(Exception):
    """Any error of zil. ``str(err)`` names the cause (address, topic,
    libzmq's errno text)."""


class Timeout(ZilError, TimeoutError):
    """Nothing arrived, or no answer came, before the timeout."""


class Interrupted(ZilError, InterruptedError):
    """A blocking call was woken up on purpose (``wake()``)."""


class Closed(ZilError):
    """The port, pad, client or server was closed."""


class InvalidArgument(ZilError, ValueError):
    """An argument was out of range or malformed (e.g. a bad address)."""


class ProtocolError(ZilError):
    """A peer sent something that does not follow the wire format."""


class RemoteError(ZilError):
    """The RPC server answered with an error."""


class Unauthorized(ZilError, PermissionError):
    """A session was not confirmed by the authorization service."""


class ZmqError(ZilError, OSError):
    """libzmq reported an error."""


class RpcError(ZilError):
    """Raise it from an RPC handler to answer a JSON-RPC error with your own
    code: ``raise RpcError(-32602, "session id must be a string")``. Any
    other exception a handler raises is answered with code -32603."""

    def __init__(self, code, message):
        super().__init__(message)
        self.code = int(code)
        self.message = str(message)
