"""RPC mode, as the original's ``RPCServer`` / ``RPCClient`` (JSON-RPC 2.0
over REQ/REP), on zil."""

import zil

#: The remote procedures of the original. A value that is callable is used
#: as the server's handler of that command; ``None`` means "set one with
#: ``set_handler``".
supported_cmds = {"get_token": None, "logout": None, "verify": None}

#: How long an RPCClient call waits for its answer (the original: forever).
DEFAULT_TIMEOUT = 5.0


class RPCServer:
    """Serves ``supported_cmds`` at ``addr`` (binds).

    Changes from the original: malformed requests and handlers that raise
    are answered with JSON-RPC errors and the server keeps serving; ``run``
    can be stopped with Ctrl-C or ``stop()``."""

    def __init__(self, addr, supported_cmds=supported_cmds):
        self.addr = addr
        self.server = zil.RpcServer(addr)
        self.cmds = dict(supported_cmds)
        for cmd, handler in self.cmds.items():
            if callable(handler):
                self.server.set_handler(cmd, handler)

    def set_handler(self, cmd, handler):
        """Makes ``handler`` answer ``cmd``: ``handler(params)`` when the
        request has params, else ``handler()``."""
        self.cmds[cmd] = handler
        self.server.set_handler(cmd, handler)

    def run(self):
        """Serves until ``stop()`` or Ctrl-C."""
        self.server.run()

    def stop(self):
        """Stops ``run`` (not in the original)."""
        self.server.stop()

    def close(self):
        """Stops and releases the address (not in the original)."""
        self.server.close()


class RPCClient:
    """Calls the server at ``addr`` (connects).

    Changes from the original: a call waits at most ``timeout`` seconds
    (``zil.Timeout``, a ``TimeoutError``) and the next call works once the
    server is back; an error reply raises ``zil.RemoteError``."""

    def __init__(self, addr, supported_cmds=supported_cmds, timeout=DEFAULT_TIMEOUT):
        self.addr = addr
        self.cmds = dict(supported_cmds)
        self.client = zil.RpcClient(addr, timeout=timeout)

    def verify(self, session_id):
        """True if the server confirms ``session_id``."""
        return self.client.verify(session_id)

    def get_token(self):
        """A token from the server, or ``None``."""
        return self.client.get_token()

    def logout(self, token):
        """Ends ``token``'s session; true if the server confirms."""
        return self.client.logout(token)

    def call(self, method, params=None):
        """Any other command (not in the original's API)."""
        return self.client.call(method, params)

    def close(self):
        """Releases the socket (not in the original)."""
        self.client.close()
