#!/usr/bin/env python3
"""A Python peer for zil's wire-compatibility tests (tests/interop_stream.rs).

It speaks the streaming format of Python's ``zmq_integration_lib`` exactly
(see /work/shared/design/WIRE.md): every message is the three frames
``[topic, data, event]``, the event frame holding ``None`` when the sender
gave no event. ``OutputPort`` and ``InputPort`` below mirror the original's
classes (a PUB that binds, a SUB that connects and subscribes with the topic
bytes, ``push(data, event=None)``, ``data_and_event_generator()``), so that
zil is tested against the original's behaviour, including its flaws (prefix
subscriptions, no check of the received topic, a crash on a message with
another frame count).

Modes (every line this script writes to stdout is one JSON object):

``sub``  An InputPort: connects (``--connect``, repeatable) or binds
         (``--bind``), subscribes to ``--topic``, prints
         ``{"ready": true, "endpoint": ...}``, then one line per message:
         ``{"topic": <str>, "data": <hex>, "event": <str or null>}``.
         Exits 0 after ``--count`` messages; on ``--timeout`` seconds
         without them prints ``{"timeout": true, "received": n}`` and exits 3.
         A message the original cannot unpack prints ``{"error": ...}`` and
         exits 4 (the original raises there).

``pub``  An OutputPort: binds (``--bind``; an address ending in ``:*`` binds
         an ephemeral port via ``bind_to_random_port``) or connects
         (``--connect``), prints ``{"ready": true, "endpoint": ...}``, then
         follows commands, one JSON object per stdin line:
           {"cmd": "push", "data": <hex>, "event": <str or null>,
            "topic": <optional str: push as a port of that topic>}
           {"cmd": "raw", "frames": [<hex>, ...]}   raw send_multipart
           {"cmd": "sync"}   push sync probes (event "__zil_sync__", empty
                             data) every 10 ms until the next stdin line
                             arrives (that line is then executed), so that
                             the subscriber's subscription has surely
                             reached this PUB (slow joiner) before the
                             real messages.
           {"cmd": "end"}    close the port (linger) and exit 0.
         Every command is acknowledged with {"ok": <cmd>} after it ran.
         EOF on stdin or ``--timeout`` seconds of silence also end it.
"""

import argparse
import json
import os
import select
import sys
import time

try:
    import zmq
except ImportError:  # pragma: no cover - reported by the Rust test
    sys.stderr.write(
        "stream_peer.py: pyzmq is missing: "
        "python3 -m pip install -r tests/python/requirements.txt\n"
    )
    sys.exit(2)

SYNC_EVENT = "__zil_sync__"


# --- Mirror of zmq_integration_lib's streaming classes ---------------------


class OutputPort:
    """The original's OutputPort: a PUB that binds ``addr``.

    ``push`` sends ``[topic, data, str(event)]``; ``str(None)`` is the
    four bytes ``None`` that zil maps back to "no event".
    """

    def __init__(self, addr, topic, context=None, connect=False):
        self.context = context or zmq.Context.instance()
        self.socket = self.context.socket(zmq.PUB)
        self.topic = topic
        if connect:
            self.socket.connect(addr)
            self.endpoint = addr
        elif addr.endswith(":*"):
            # zil's tests need an ephemeral port; the original binds a fixed one.
            port = self.socket.bind_to_random_port(addr[: -len(":*")])
            self.endpoint = "%s:%d" % (addr[: -len(":*")], port)
        else:
            self.socket.bind(addr)
            self.endpoint = addr

    def push(self, data, event=None):
        self.socket.send_multipart(
            [self.topic.encode("utf-8"), data, str(event).encode("utf-8")]
        )

    def close(self, linger_ms=2000):
        self.socket.close(linger=linger_ms)


class InputPort:
    """The original's InputPort: a SUB that connects ``addr`` and subscribes
    with the topic's bytes (libzmq prefix matching; the received topic is
    never checked)."""

    def __init__(self, addrs, topic, context=None, bind=False, curve=None):
        self.context = context or zmq.Context.instance()
        self.socket = self.context.socket(zmq.SUB)
        self.endpoint = None
        if curve is not None:
            # Not in the original: a CURVE client (server key, own pair).
            server_key, public, secret = curve
            self.socket.curve_serverkey = server_key.encode("ascii")
            self.socket.curve_publickey = public.encode("ascii")
            self.socket.curve_secretkey = secret.encode("ascii")
        for addr in addrs:
            if bind:
                if addr.endswith(":*"):
                    port = self.socket.bind_to_random_port(addr[: -len(":*")])
                    self.endpoint = "%s:%d" % (addr[: -len(":*")], port)
                else:
                    self.socket.bind(addr)
                    self.endpoint = addr
            else:
                self.socket.connect(addr)
                self.endpoint = addr
        self.socket.setsockopt(zmq.SUBSCRIBE, topic.encode("utf-8"))
        self.topic = topic
        # Not in the original: the topic frame of the last message, so the
        # test can see which topic leaked through the prefix subscription.
        self.last_topic = None

    def data_and_event_generator(self):
        while True:
            topic, data, event = self.socket.recv_multipart()
            self.last_topic = topic
            event = event.decode("utf-8")
            if event == "None":
                event = None
            yield data, event


# --- Test driver -------------------------------------------------------------


def emit(obj):
    sys.stdout.write(json.dumps(obj) + "\n")
    sys.stdout.flush()


class StdinLines:
    """Unbuffered line reader on fd 0, so select() tells the truth."""

    def __init__(self):
        self.buf = b""
        self.eof = False

    def _pop(self):
        if b"\n" in self.buf:
            line, self.buf = self.buf.split(b"\n", 1)
            return line
        return None

    def readline(self, timeout_s):
        """A line (bytes), or None on timeout or EOF (then self.eof)."""
        deadline = time.monotonic() + timeout_s
        while True:
            line = self._pop()
            if line is not None:
                return line
            if self.eof:
                return None
            left = deadline - time.monotonic()
            if left <= 0:
                return None
            ready, _, _ = select.select([0], [], [], left)
            if ready:
                chunk = os.read(0, 1 << 20)
                if not chunk:
                    self.eof = True
                    if self.buf:
                        line, self.buf = self.buf, b""
                        return line
                else:
                    self.buf += chunk


def run_sub(args):
    curve = None
    if args.curve_client:
        if not zmq.has("curve"):
            emit({"error": "this pyzmq's libzmq has no CURVE"})
            return 5
        curve = args.curve_client.split(",")
    port = InputPort(args.connect or args.bind, args.topic, bind=bool(args.bind), curve=curve)
    emit({"ready": True, "endpoint": port.endpoint})
    deadline = time.monotonic() + args.timeout
    received = 0
    gen = port.data_and_event_generator()
    while received < args.count:
        left_ms = int((deadline - time.monotonic()) * 1000)
        # The original blocks forever here; the test bounds every wait.
        if left_ms <= 0 or not port.socket.poll(left_ms, zmq.POLLIN):
            emit({"timeout": True, "received": received})
            return 3
        try:
            data, event = next(gen)
        except (ValueError, UnicodeDecodeError) as e:
            # The original raises here and its receive loop dies.
            emit({"error": "%s: %s" % (type(e).__name__, e)})
            return 4
        received += 1
        emit(
            {
                "topic": port.last_topic.decode("utf-8", "replace"),
                "data": data.hex(),
                "event": event,
            }
        )
    port.socket.close(linger=0)
    return 0


def run_pub(args):
    port = OutputPort(args.connect or args.bind, args.topic, connect=bool(args.connect))
    emit({"ready": True, "endpoint": port.endpoint})
    stdin = StdinLines()
    pending = None
    while True:
        line = pending if pending is not None else stdin.readline(args.timeout)
        pending = None
        if line is None:
            emit({"exit": "eof" if stdin.eof else "timeout"})
            port.close()
            return 0 if stdin.eof else 3
        line = line.strip()
        if not line:
            continue
        cmd = json.loads(line)
        kind = cmd.get("cmd")
        if kind == "push":
            data = bytes.fromhex(cmd.get("data", ""))
            topic = cmd.get("topic")
            if topic is not None and topic != port.topic:
                saved, port.topic = port.topic, topic
                port.push(data, cmd.get("event"))
                port.topic = saved
            else:
                port.push(data, cmd.get("event"))
        elif kind == "raw":
            port.socket.send_multipart([bytes.fromhex(f) for f in cmd["frames"]])
        elif kind == "sync":
            deadline = time.monotonic() + args.timeout
            probes = 0
            while time.monotonic() < deadline:
                port.push(b"", SYNC_EVENT)
                probes += 1
                pending = stdin.readline(0.01)
                if pending is not None or stdin.eof:
                    break
            emit({"ok": "sync", "probes": probes})
            continue
        elif kind == "end":
            port.close()
            emit({"ok": "end"})
            return 0
        else:
            emit({"error": "unknown command %r" % (kind,)})
            return 5
        emit({"ok": kind})


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("mode", choices=["pub", "sub"])
    where = p.add_mutually_exclusive_group(required=True)
    where.add_argument("--bind", action="append", help="address to bind")
    where.add_argument("--connect", action="append", help="address to connect")
    p.add_argument("--topic", required=True)
    p.add_argument("--count", type=int, default=1, help="sub: messages to receive")
    p.add_argument("--timeout", type=float, default=20.0, help="seconds, bounds every wait")
    p.add_argument(
        "--curve-client",
        help="sub: SERVER_KEY,PUBLIC,SECRET (Z85): receive as a CURVE client",
    )
    args = p.parse_args()
    if args.mode == "pub":
        if len(args.connect or args.bind) != 1:
            p.error("pub takes exactly one address")
        args.connect = args.connect[0] if args.connect else None
        args.bind = args.bind[0] if args.bind else None
        return run_pub(args)
    return run_sub(args)


if __name__ == "__main__":
    sys.exit(main())
