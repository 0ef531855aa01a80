"""What the compatibility classes share: the wait for the first subscriber
(the original loses what it pushes before a subscriber has joined) and the
original's event argument (any object, sent as its ``str``)."""

import time

import zil

#: How long a new output port's first pushes wait for a subscriber.
DEFAULT_SUBSCRIBER_WAIT = 1.0


def event_text(event):
    """The original sends ``str(event)``; ``None`` stays "no event"."""
    if event is None or type(event) is str:
        return event
    return str(event)


class FirstSubscriberWait:
    """Holds back the first pushes of a new port until one subscriber has
    joined or ``wait`` seconds have passed since the port was made, then
    never again: a publisher that starts first no longer loses its first
    messages to the subscriber's slow join, and a publisher nobody listens
    to costs one wait at most."""

    def __init__(self, port, wait):
        self._port = port
        self._until = None if not wait else time.monotonic() + wait

    def __call__(self):
        if self._until is None:
            return
        left = self._until - time.monotonic()
        self._until = None
        if left > 0:
            try:
                self._port.wait_subscribers(1, timeout=left)
            except zil.Timeout:
                pass
