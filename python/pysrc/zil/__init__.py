"""zil for Python: ZeroMQ messaging wire-compatible with zmq_integration_lib.

Streaming::

    with zil.Outport("tcp://*:5555", "asr") as out:
        out.wait_subscribers(1, timeout=5)
        out.push(b"pcm bytes", "pcm")

    with zil.Inport("tcp://localhost:5555", "asr") as port:
        for data, event in port:          # Ctrl-C interrupts
            ...
        data, event = port.recv(timeout=0.5)   # raises zil.Timeout

RPC::

    server = zil.RpcServer("tcp://*:6900")
    server.set_handler("verify", lambda sid: sid in sessions)
    server.run()                          # or start() / stop()

    client = zil.RpcClient("tcp://localhost:6900", timeout=2.0)
    client.verify("4a501b51317e2c8f4a0fd7831d3e09dc")

Session-aware streaming: :class:`Outpad`, :class:`Inpad`. Every blocking
call releases the GIL; errors are the classes of :mod:`zil.errors`.
"""

from zil._zil import (  # noqa: F401  (the public API)
    VERSION,
    Inpad,
    Inport,
    Outpad,
    Outport,
    RpcClient,
    RpcServer,
)
from zil.errors import (  # noqa: F401
    Closed,
    InvalidArgument,
    Interrupted,
    ProtocolError,
    RemoteError,
    RpcError,
    Timeout,
    Unauthorized,
    ZilError,
    ZmqError,
)

__version__ = VERSION
__all__ = [
    "VERSION", "Inpad", "Inport", "Outpad", "Outport", "RpcClient", "RpcServer",
    "Closed", "InvalidArgument", "Interrupted", "ProtocolError", "RemoteError",
    "RpcError", "Timeout", "Unauthorized", "ZilError", "ZmqError",
]
