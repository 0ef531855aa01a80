"""zmq_integration_lib on zil: the original's API, unchanged, with its
faults fixed (see python/README.md, "What changes for you").

Streaming: :class:`OutputPort`, :class:`InputPort`,
:class:`InputPortWithEvents`. RPC: :class:`RPCServer`, :class:`RPCClient`,
:data:`supported_cmds`. Session-aware streaming: :func:`get_inpad`,
:func:`get_outpad`, :func:`update_session_id` (also in
:mod:`zmq_integration_lib.session_aware`).
"""

from zmq_integration_lib.rpc import RPCClient, RPCServer, supported_cmds
from zmq_integration_lib.session_aware import get_inpad, get_outpad, update_session_id
from zmq_integration_lib.streaming import InputPort, InputPortWithEvents, OutputPort

__all__ = [
    "InputPort", "InputPortWithEvents", "OutputPort",
    "RPCClient", "RPCServer", "supported_cmds",
    "get_inpad", "get_outpad", "update_session_id",
]
