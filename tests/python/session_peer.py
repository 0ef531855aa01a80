#!/usr/bin/env python3
"""Session side of zil's wire-compatibility tests (tests/interop_session.rs).

An outpad and an inpad written to the behaviour of the Python original's
session-aware streaming (WIRE.md, session section), using pyzmq only:

* outpad: every push sends the 3 frames
  ``[topic, json.dumps({"data": base64(payload), "session_id": sid}), event]``
  with the event ``None`` (``str(None)``) when the sender gives none;
* inpad: for every message, ``json.loads`` the data frame, base64-decode
  ``data``, call ``verify(session_id)`` over REQ (the original client's
  request, id "1") and yield ``(payload, event)`` only when it answers true.

Test-only additions (not in the original): the outpad binds an XPUB (a SUB
peer cannot tell it from a PUB) and waits for the subscription before
pushing, so the slow joiner loses nothing; receives have timeouts; results
go to stdout as JSON lines; the peer exits when stdin closes and kills
itself after --lifetime seconds.

Usage:
  session_peer.py outpad --topic T --session SID --messages JSON
      JSON: a list of {"data": "<base64>", "event": str|null
      [, "session_id": str|null]} (a message's own session_id overrides
      --session). Prints {"ready": true, "endpoint": ...}, pushes once a
      subscriber is there, prints {"sent": n}, then stays up until stdin
      closes (the messages are not lost to an early close).
  session_peer.py inpad --addr ADDR --topic T --rpc RPC_ADDR --count N
      Prints {"ready": true, "endpoint": ADDR}; for each message
      {"data": "<base64>", "event": ..., "session_id": ..., "raw": "<data frame>",
       "redumped": "<json.dumps of the parsed envelope>"} when verified, or
      {"dropped": sid, ...} when not; {"done": true} after N verified ones.
"""

import argparse
import base64
import json
import sys
import threading

import zmq


# The original's client and the peers' plumbing, shared with the RPC peer.
from rpc_peer import RPCClient, die_with_parent, emit  # noqa: E402


# --- outpad ---------------------------------------------------------------------


class StreamingOutpad:
    """The original's outpad: an output port whose payloads are wrapped."""

    def __init__(self, socket, topic):
        self.socket = socket
        self.topic = topic
        self.session_id = None

    def update_session_id(self, sid):
        self.session_id = sid

    def push(self, data, event=None):
        envelope = json.dumps(
            {"data": base64.b64encode(data).decode(), "session_id": self.session_id}
        )
        self.socket.send_multipart([self.topic.encode(), envelope.encode(), str(event).encode()])


def run_outpad(args):
    ctx = zmq.Context()
    sock = ctx.socket(zmq.XPUB)
    sock.setsockopt(zmq.LINGER, 2000)
    port = sock.bind_to_random_port("tcp://127.0.0.1")
    emit({"ready": True, "endpoint": "tcp://127.0.0.1:%d" % port})
    # Wait for a subscription that covers the topic.
    poller = zmq.Poller()
    poller.register(sock, zmq.POLLIN)
    while True:
        if not poller.poll(args.timeout_ms):
            emit({"error": "no subscriber within %d ms" % args.timeout_ms})
            sys.exit(4)
        msg = sock.recv()
        if msg[:1] == b"\x01" and args.topic.encode().startswith(msg[1:]):
            break
    outpad = StreamingOutpad(sock, args.topic)
    messages = json.loads(args.messages)
    for m in messages:
        # A message's own "session_id" (even null) overrides --session.
        outpad.update_session_id(m["session_id"] if "session_id" in m else args.session)
        outpad.push(base64.b64decode(m["data"]), m["event"])
    emit({"sent": len(messages)})
    # Stay up until the test closes stdin (die_with_parent exits then).
    threading.Event().wait()


# --- inpad ----------------------------------------------------------------------


def run_inpad(args):
    ctx = zmq.Context()
    sub = ctx.socket(zmq.SUB)
    sub.setsockopt(zmq.LINGER, 0)
    sub.setsockopt(zmq.RCVTIMEO, args.timeout_ms)
    sub.connect(args.addr)
    sub.setsockopt(zmq.SUBSCRIBE, args.topic.encode())
    rpc = RPCClient(args.rpc, ctx, args.timeout_ms)
    emit({"ready": True, "endpoint": args.addr})
    delivered = 0
    while delivered < args.count:
        try:
            frames = sub.recv_multipart()
        except zmq.Again:
            emit({"error": "no message within %d ms" % args.timeout_ms})
            sys.exit(4)
        if len(frames) != 3:
            raise SystemExit("expected 3 frames, got %d" % len(frames))
        topic, data, event = frames
        envelope = json.loads(data)
        sid = envelope["session_id"]
        payload = base64.b64decode(envelope["data"])
        event = None if event == b"None" else event.decode()
        line = {
            "topic": topic.decode(),
            "data": base64.b64encode(payload).decode(),
            "event": event,
            "session_id": sid,
            "raw": data.decode("utf-8"),
            "redumped": json.dumps(envelope),
        }
        if rpc.verify(sid):
            delivered += 1
            emit(line)
        else:
            line["dropped"] = sid
            emit(line)
    emit({"done": True})


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("mode", choices=["outpad", "inpad"])
    parser.add_argument("--addr", default="")
    parser.add_argument("--topic", required=True)
    parser.add_argument("--session", default=None)
    parser.add_argument("--messages", default="[]")
    parser.add_argument("--rpc", default="")
    parser.add_argument("--count", type=int, default=0)
    parser.add_argument("--timeout-ms", type=int, default=10000)
    parser.add_argument("--lifetime", type=float, default=60.0)
    args = parser.parse_args()
    die_with_parent(args.lifetime)
    if args.mode == "outpad":
        run_outpad(args)
    else:
        run_inpad(args)


if __name__ == "__main__":
    main()
