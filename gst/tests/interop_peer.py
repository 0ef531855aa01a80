#!/usr/bin/env python3
"""A peer speaking the Python original's wire format with plain pyzmq.

  interop_peer.py recv ADDR TOPIC OUT_FILE EXPECT
      SUB connects to ADDR, subscribes TOPIC and receives until the EOS
      message. Every message must have exactly 3 frames [topic, data,
      event]; EXPECT says what the event frames must hold:
        none      b"None" (zilsink's default: no event)
        pcm       b"pcm"
        meta:pcm  send-meta: first b"caps:<caps>", then
                  b"pts=<ns>;dur=<ns>;seq=<n>;event=pcm", n = 0, 1, 2, …,
                  and the EOS message's data b"seq=<count>"
      The data frames are written, concatenated, to OUT_FILE.

  interop_peer.py send ADDR TOPIC COUNT EXPECTED_FILE
      Binds ADDR with an XPUB socket (a PUB whose subscriptions can be
      read: on the wire the subscriber cannot tell the difference), waits
      for the subscription to TOPIC, then sends COUNT messages
      [topic, data, b"None"], some traps zilsrc must skip (a longer topic
      that only shares the prefix, a 2-frame message), and the EOS message
      [topic, b"", b"EOS"]. Writes the data zilsrc must deliver to
      EXPECTED_FILE.

Exit status 0 on success, 77 when pyzmq is missing.
"""
import os
import re
import sys

try:
    import zmq
except ImportError:
    print("SKIP: pyzmq is not installed (python3 -m pip install pyzmq)")
    sys.exit(77)

TIMEOUT_MS = 15000


def fail(text):
    print("interop_peer: FAIL: " + text, file=sys.stderr)
    sys.exit(1)


def recv(addr, topic, out_file, expect):
    ctx = zmq.Context.instance()
    sub = ctx.socket(zmq.SUB)
    sub.setsockopt(zmq.LINGER, 0)
    sub.connect(addr)
    sub.setsockopt(zmq.SUBSCRIBE, topic.encode())
    poller = zmq.Poller()
    poller.register(sub, zmq.POLLIN)

    data = bytearray()
    count = 0
    caps_seen = False
    meta_re = re.compile(rb"^pts=(\d+|none);dur=(\d+|none);seq=(\d+)(;delta=1)?;event=pcm$")
    while True:
        if not poller.poll(TIMEOUT_MS):
            fail("no EOS within %d ms (%d messages)" % (TIMEOUT_MS, count))
        frames = sub.recv_multipart()
        if len(frames) != 3:
            fail("message with %d frames: %r" % (len(frames), frames[:4]))
        t, payload, event = frames
        if t != topic.encode():
            fail("topic %r, expected %r" % (t, topic))
        if event == b"EOS":
            # send-meta: the stream's buffer count; else empty, like the original
            want = b"seq=%d" % count if expect.startswith("meta:") else b""
            if payload != want:
                fail("EOS message carries %r, expected %r" % (payload, want))
            break
        if expect == "meta:pcm" and event.startswith(b"caps:"):
            if payload or count:
                fail("caps message with data, or after a buffer")
            if not event.startswith(b"caps:audio/x-raw, format=(string)S16LE"):
                fail("unexpected caps event %r" % event)
            caps_seen = True
            continue
        if expect == "none" and event != b"None":
            fail("event frame %r, expected b'None'" % event)
        if expect == "pcm" and event != b"pcm":
            fail("event frame %r, expected b'pcm'" % event)
        if expect == "meta:pcm":
            m = meta_re.match(event)
            if not m or m.group(1) == b"none" or m.group(2) == b"none":
                fail("event frame %r is not pts=<ns>;dur=<ns>;seq=<n>;event=pcm" % event)
            if int(m.group(3)) != count:
                fail("event frame %r: sequence number %d expected" % (event, count))
        data += payload
        count += 1
    if expect == "meta:pcm" and not caps_seen:
        fail("no caps message before the buffers")
    with open(out_file, "wb") as f:
        f.write(data)
    print("interop_peer: received %d messages, %d bytes, then EOS" % (count, len(data)))


def send(addr, topic, count, expected_file):
    ctx = zmq.Context.instance()
    pub = ctx.socket(zmq.XPUB)
    pub.bind(addr)
    t = topic.encode()
    # Wait for the subscription (b"\x01" + topic): no slow-joiner loss.
    if not pub.poll(TIMEOUT_MS):
        fail("no subscriber within %d ms" % TIMEOUT_MS)
    sub = pub.recv()
    if sub != b"\x01" + t:
        fail("unexpected subscription %r" % sub)

    expected = bytearray()
    for i in range(count):
        payload = os.urandom(100 + 997 * i)
        pub.send_multipart([t, payload, b"None"])
        expected += payload
        if i == count // 2:
            # Traps: a topic that only shares the prefix (zil matches topics
            # exactly), a message with 2 frames (skipped, never a crash), an
            # empty message with an ordinary event (an empty buffer).
            pub.send_multipart([t + b"2", b"not for zilsrc", b"None"])
            pub.send_multipart([t, b"two frames only"])
            pub.send_multipart([t, b"", b"signin"])
    pub.send_multipart([t, b"with event pcm", b"pcm"])
    expected += b"with event pcm"
    pub.send_multipart([t, b"", b"EOS"])
    pub.close(linger=5000)
    ctx.term()
    with open(expected_file, "wb") as f:
        f.write(expected)
    print("interop_peer: sent %d messages and EOS" % (count + 1))


def main(argv):
    if len(argv) == 6 and argv[1] == "recv":
        recv(argv[2], argv[3], argv[4], argv[5])
    elif len(argv) == 6 and argv[1] == "send":
        send(argv[2], argv[3], int(argv[4]), argv[5])
    else:
        print(__doc__, file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
