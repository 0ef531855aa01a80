"""Streaming mode, as the original's ``OutputPort`` / ``InputPort`` /
``InputPortWithEvents``, on zil."""

import zil

from zmq_integration_lib._ports import DEFAULT_SUBSCRIBER_WAIT, FirstSubscriberWait, event_text


class OutputPort:
    """Publishes ``(data, event)`` on ``topic``; binds ``addr``.

    Changes from the original: the first pushes wait (at most
    ``wait_for_subscriber`` seconds after the port was made) until a
    subscriber has joined. Extra keywords go to :class:`zil.Outport`
    (``sndhwm``, ``linger``, ``lossless_timeout``)."""

    def __init__(self, addr, topic, wait_for_subscriber=DEFAULT_SUBSCRIBER_WAIT, **options):
        self.addr = addr
        self.topic = topic
        self.port = zil.Outport(addr, topic, **options)
        self._first_subscriber = FirstSubscriberWait(self.port, wait_for_subscriber)

    def push(self, data, event=None):
        """Publishes ``data`` (bytes) with an optional ``event``."""
        self._first_subscriber()
        self.port.push(data, event_text(event))

    def close(self):
        """Releases the address (not in the original; optional)."""
        self.port.close()


class InputPort:
    """Receives the messages of ``topic`` from ``addr``.

    Changes from the original: only the exact topic is received
    (``prefix=True`` for the original's prefix matching); the generators
    can be interrupted with Ctrl-C and end when the port is closed. Extra
    keywords go to :class:`zil.Inport` (``rcvhwm``)."""

    def __init__(self, addr, topic, prefix=False, **options):
        self.addr = addr
        self.topic = topic
        self.port = zil.Inport(addr, topic, prefix=prefix, **options)

    def data_and_event_generator(self):
        """Yields ``(data, event)`` for every message; ``event`` is ``None``
        when the sender gave none."""
        yield from self.port

    def data_generator(self):
        """Yields the data of every message."""
        for data, _event in self.port:
            yield data

    def close(self):
        """Ends the generators and releases the socket (not in the original)."""
        self.port.close()


class InputPortWithEvents(InputPort):
    """The original's input port that also yields events; the same as
    :class:`InputPort` here."""
