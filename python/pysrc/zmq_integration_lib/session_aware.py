"""Session-aware streaming, as the original's ``get_inpad`` / ``get_outpad``:
payloads travel as ``{"data": base64, "session_id": id}`` and an inpad
hands out only those whose session the RPC server confirms (``verify``).

A process's inpads pass the session they see on to its outpads that have
none of their own (the original's databus), so a middle stage needs no
session handling.

Changes from the original: a confirmation is trusted for ``cache_ttl``
seconds (default 1 s: one ``verify`` call per session and second instead of
one per message; ``cache_ttl=0`` asks for every message), a dead RPC server
makes the inpad drop messages after ``rpc_timeout`` instead of hanging, and
the outpad's first pushes wait for a subscriber like ``OutputPort``'s."""

import weakref

import zil

from zmq_integration_lib._ports import DEFAULT_SUBSCRIBER_WAIT, FirstSubscriberWait, event_text

_outpads = weakref.WeakSet()


class StreamingInpad:
    """Receives verified payloads of ``topic`` from ``addr``."""

    def __init__(self, addr, topic, rpc_addr, prefix=False, **options):
        self.addr = addr
        self.topic = topic
        self.rpc_addr = rpc_addr
        self.pad = zil.Inpad(addr, topic, rpc_addr, prefix=prefix, **options)
        #: The session of the last message handed out.
        self.session_id = None

    def data_and_event_generator(self):
        """Yields ``(data, event)`` of every message of a confirmed session."""
        recv = self.pad.recv_with_session
        try:
            while True:
                data, event, self.session_id = recv()
                yield data, event
        except zil.Closed:
            return

    def data_generator(self):
        """Yields the data of every message of a confirmed session."""
        for data, _event in self.data_and_event_generator():
            yield data

    def close(self):
        """Ends the generators and releases the sockets (not in the original)."""
        self.pad.close()


class StreamingOutpad:
    """Publishes payloads with a session id on ``topic``; binds ``addr``."""

    def __init__(self, addr, topic, wait_for_subscriber=DEFAULT_SUBSCRIBER_WAIT, **options):
        self.addr = addr
        self.topic = topic
        self.pad = zil.Outpad(addr, topic, **options)
        self._first_subscriber = FirstSubscriberWait(self.pad, wait_for_subscriber)
        _outpads.add(self)

    @property
    def session_id(self):
        """The session the next push carries (``None``: sent as ``null``)."""
        return self.pad.session_id

    def update_session_id(self, session_id):
        """Sets this outpad's session (the first sender of a pipeline)."""
        self.pad.session_id = session_id

    def push(self, data, event=None):
        """Publishes ``data`` (bytes) with an optional ``event``."""
        self._first_subscriber()
        self.pad.push(data, event_text(event))

    def close(self):
        """Releases the address (not in the original)."""
        self.pad.close()


def get_inpad(addr, topic, rpc_addr, **options):
    """A :class:`StreamingInpad` (extra keywords: ``cache_ttl``,
    ``rpc_timeout``, ``prefix``, ``rcvhwm``)."""
    return StreamingInpad(addr, topic, rpc_addr, **options)


def get_outpad(addr, topic, **options):
    """A :class:`StreamingOutpad`."""
    return StreamingOutpad(addr, topic, **options)


def update_session_id(session_id):
    """Sets the session of every outpad of this process made by
    :func:`get_outpad` (as the original's databus notification does)."""
    for outpad in list(_outpads):
        outpad.update_session_id(session_id)
