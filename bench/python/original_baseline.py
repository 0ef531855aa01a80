#!/usr/bin/env python3
"""Python baseline for zil-bench: what the Python zmq_integration_lib does per
message, with pyzmq, so zil's numbers can be set beside the original's.

Run by `zil-bench` (one JSON line on stdout); by hand:

    python3 benches/python/original_baseline.py stream  --size 64 --count 100000 --seconds 0.4
    python3 benches/python/original_baseline.py session --size 64 --count 20000 --seconds 0.4
    python3 benches/python/original_baseline.py rpc     --count 20000 --seconds 0.4

The per-message work follows the original (see shared/design/WIRE.md):

- stream: OutputPort.push encodes topic and event and calls
  send_multipart([topic, data, event]); InputPortWithEvents receives with
  recv_multipart and maps the event "None" to None.
- session: the outpad wraps every payload as
  json.dumps({"data": base64, "session_id": sid}); the inpad parses the JSON,
  notifies the data bus, makes one blocking `verify` REQ call per message to
  a Python REP server, parses the JSON a second time and base64-decodes the
  data (the original parses twice).
- rpc: a REQ client sends the original's verify request and parses the
  reply; the REP server parses the request, dispatches to its handler and
  answers {"jsonrpc": "2.0", "result": true, "id": "1"}.

Publisher, subscriber and RPC server run in separate processes
(multiprocessing). Differences from the original, for a fair and lossless
measurement (the same as zil-bench's raw and zil paths): high-water marks are
0 (unlimited), the publisher sends probe messages until the subscriber has
joined (the original loses the first messages instead), the publisher stays at
most --window messages ahead of the subscriber, and an "EOS" message carrying
the count ends the run. The first --warmup messages are not timed; the rate is
measured at the subscriber, first to last timed data message.
"""

import argparse
import base64
import json
import multiprocessing as mp
import sys
import time

try:
    import zmq
except ImportError as exc:  # zil-bench checks first; this is for hand runs
    print(json.dumps({"error": "pyzmq is missing: %s" % exc}))
    sys.exit(3)

TOPIC = "bench"
EVENT = "pcm"
SESSION_ID = "4a501b51317e2c8f4a0fd7831d3e09dc"
TIMEOUT_MS = 5000
CREDIT_EVERY = 64


# ------------------------------------------------------------ the original


class OriginalOutputPort:
    """OutputPort of the original: PUB that binds; push sends 3 frames."""

    def __init__(self, ctx, addr, topic):
        self.topic = topic
        self.socket = ctx.socket(zmq.PUB)
        self.socket.setsockopt(zmq.SNDHWM, 0)
        self.socket.setsockopt(zmq.RCVHWM, 0)
        self.port = self.socket.bind_to_random_port(addr)

    def push(self, data, event="None"):
        return self.socket.send_multipart(
            (bytes(self.topic, encoding="utf-8"), data, bytes(event, encoding="utf-8"))
        )


class OriginalOutpad(OriginalOutputPort):
    """The session-aware outpad: base64 + JSON envelope around every push."""

    session_id = None

    def update_session_id(self, session_id):
        self.session_id = session_id

    def push(self, data, event="None"):
        data_str = base64.b64encode(data).decode()
        d = bytes(json.dumps({"data": data_str, "session_id": self.session_id}), encoding="utf-8")
        return super().push(d, event)


class OriginalInputPort:
    """InputPortWithEvents of the original: SUB that connects."""

    def __init__(self, ctx, addr, topic):
        self.socket = ctx.socket(zmq.SUB)
        self.socket.setsockopt(zmq.SNDHWM, 0)
        self.socket.setsockopt(zmq.RCVHWM, 0)
        self.socket.setsockopt(zmq.RCVTIMEO, TIMEOUT_MS)  # the original blocks forever
        self.socket.connect(addr)
        self.socket.setsockopt(zmq.SUBSCRIBE, bytes(topic, "utf-8"))

    def recv(self):
        topic, array, event = self.socket.recv_multipart()
        event_name = event.decode()
        if event_name == "None":
            event_name = None
        return array, event_name


class OriginalRPCClient:
    """The original's REQ client: one JSON-RPC request, one blocking reply."""

    def __init__(self, ctx, addr):
        self.socket = ctx.socket(zmq.REQ)
        self.socket.setsockopt(zmq.RCVTIMEO, TIMEOUT_MS)  # the original blocks forever
        self.socket.setsockopt(zmq.LINGER, 0)
        self.socket.connect(addr)

    def verify(self, session_id):
        request = {"jsonrpc": "2.0", "method": "verify", "params": session_id, "id": "1"}
        self.socket.send_string(json.dumps(request))
        reply = json.loads(self.socket.recv_string())
        if "error" in reply:
            raise RuntimeError(reply["error"])
        return reply["result"]


class OriginalInpad(OriginalInputPort):
    """The session-aware inpad: parse, notify, verify, parse again, decode."""

    subscribers = []

    def __init__(self, ctx, addr, topic, rpc_addr):
        super().__init__(ctx, addr, topic)
        self.rpcproxy = OriginalRPCClient(ctx, rpc_addr)

    def handle(self, data, event):
        session_id = json.loads(data.decode())["session_id"]
        for notify in self.subscribers:
            notify(session_id)
        if self.rpcproxy.verify(session_id):
            payload = base64.decodebytes(bytes(json.loads(data.decode())["data"], encoding="utf-8"))
            return payload, event
        return None


def rpc_server(port_queue, stop):
    """The original's REP server with a verify handler that returns True."""
    ctx = zmq.Context()
    socket = ctx.socket(zmq.REP)
    socket.setsockopt(zmq.RCVTIMEO, 200)
    socket.setsockopt(zmq.LINGER, 0)
    port = socket.bind_to_random_port("tcp://127.0.0.1")
    port_queue.put(port)
    handlers = {"verify": lambda session_id: True}
    while not stop.is_set():
        try:
            message = socket.recv_string()
        except zmq.Again:
            continue
        request = json.loads(message)
        method, params = request["method"], request.get("params")
        try:
            handler = handlers[method]
            result = handler(params) if params else handler()
            reply = {"jsonrpc": "2.0", "result": result, "id": request["id"]}
        except (KeyError, IndexError):
            reply = {"jsonrpc": "2.0", "error": "Command Not Supported", "id": request["id"]}
        socket.send_string(json.dumps(reply))
    socket.close()
    ctx.term()


# ------------------------------------------------------------ the harness


def subscriber(port, size, mode, rpc_port, warmup, ready, credit, results):
    ctx = zmq.Context()
    addr = "tcp://127.0.0.1:%d" % port
    if mode == "session":
        port_in = OriginalInpad(ctx, addr, TOPIC, "tcp://127.0.0.1:%d" % rpc_port)
    else:
        port_in = OriginalInputPort(ctx, addr, TOPIC)
    received = timed = bad = 0
    first = last = None
    total = None
    try:
        while True:
            data, event = port_in.recv()
            if event == "probe":
                ready.set()
                continue
            if event == "EOS":
                total = int(data.decode())
                break
            if mode == "session":
                got = port_in.handle(data, event)
                if got is None:
                    continue
                data, event = got
            if received >= warmup:
                now = time.perf_counter()
                if first is None:
                    first = now
                last = now
                timed += 1
            received += 1
            if len(data) != size or event != EVENT:
                bad += 1
            if received % CREDIT_EVERY == 0:
                credit.value = received
        error = None
    except zmq.Again:
        error = "subscriber timed out after %d messages" % received
    except Exception as exc:  # report, never hang the parent
        error = "subscriber failed: %r" % (exc,)
    credit.value = received
    results.put(
        {"received": received, "timed": timed, "bad": bad, "total": total, "error": error,
         "seconds": (last - first) if first is not None else 0.0}
    )


def run_stream(args, mode):
    mp_ctx = mp.get_context("spawn")
    stop = mp_ctx.Event()
    rpc_port = 0
    server = None
    if mode == "session":
        port_queue = mp_ctx.Queue()
        server = mp_ctx.Process(target=rpc_server, args=(port_queue, stop), daemon=True)
        server.start()
        rpc_port = port_queue.get(timeout=TIMEOUT_MS / 1000)

    ctx = zmq.Context()
    if mode == "session":
        out = OriginalOutpad(ctx, "tcp://127.0.0.1", TOPIC)
        out.update_session_id(SESSION_ID)
    else:
        out = OriginalOutputPort(ctx, "tcp://127.0.0.1", TOPIC)
    ready = mp_ctx.Event()
    credit = mp_ctx.RawValue("q", 0)
    results = mp_ctx.Queue()
    sub = mp_ctx.Process(
        target=subscriber,
        args=(out.port, args.size, mode, rpc_port, args.warmup, ready, credit, results),
        daemon=True,
    )
    sub.start()

    # Probe until the subscriber has joined (plain frames, before any pad logic).
    deadline = time.monotonic() + TIMEOUT_MS / 1000 * 2
    while not ready.is_set():
        OriginalOutputPort.push(out, b"", "probe")
        if time.monotonic() > deadline:
            return {"error": "the subscriber never joined"}
        time.sleep(0.01)

    payload = bytes((i * 31 & 0xFF) ^ 0x5A for i in range(args.size))
    start = time.perf_counter()
    sent = 0
    window = args.window
    while sent < args.warmup + args.count:
        if sent == args.warmup:
            start = time.perf_counter()
        if sent % 256 == 0 and sent >= args.warmup and time.perf_counter() - start >= args.seconds:
            break
        if sent - credit.value >= window:
            # Wait until the subscriber has caught up to half the window.
            stalled = time.monotonic()
            while sent - credit.value > window // 2:
                if not sub.is_alive() or time.monotonic() - stalled > TIMEOUT_MS / 1000:
                    break
                time.sleep(0.0002)
        out.push(payload, EVENT)
        sent += 1
    OriginalOutputPort.push(out, str(sent).encode(), "EOS")

    try:
        res = results.get(timeout=TIMEOUT_MS / 1000 + args.seconds * 20 + 5)
    except Exception:
        res = {"error": "no result from the subscriber", "received": 0, "timed": 0, "bad": 0,
               "seconds": 0.0}
    stop.set()
    sub.join(2)
    if server is not None:
        server.join(2)
    received, timed = res["received"], res["timed"]
    secs = res["seconds"]
    rate = (timed - 1) / secs if timed > 1 and secs > 0 else 0.0
    result = {
        "mode": mode, "size": args.size, "sent": sent, "received": received, "timed": timed,
        "lost": sent - received, "bad": res["bad"], "seconds": secs,
        "msgs_per_s": rate, "mb_per_s": rate * args.size / 1e6,
    }
    if res.get("error"):
        result["error"] = res["error"]
    return result


def time_verify(verify, warmup, count, seconds):
    """Calls verify() one at a time (after `warmup` untimed calls) until
    `count` calls or `seconds` passed; the rpc result dict, or an error if
    an answer was not True. Also used by python/bench/bench.py, so the zil
    binding and the original are timed by the same loop."""
    for _ in range(warmup):
        verify()
    lat = []
    clock = time.perf_counter_ns
    start = clock()
    limit = start + int(seconds * 1e9)
    while len(lat) < count and clock() < limit:
        t = clock()
        if verify() is not True:
            return {"error": "verify did not answer true"}
        lat.append((clock() - t) / 1000.0)
    total = (clock() - start) / 1e9
    lat.sort()
    n = len(lat)
    return {
        "mode": "rpc", "calls": n, "calls_per_s": n / total if total > 0 else 0.0,
        "p50_us": lat[round((n - 1) * 0.5)] if n else 0.0,
        "p99_us": lat[round((n - 1) * 0.99)] if n else 0.0,
    }


def run_rpc(args):
    mp_ctx = mp.get_context("spawn")
    stop = mp_ctx.Event()
    port_queue = mp_ctx.Queue()
    server = mp_ctx.Process(target=rpc_server, args=(port_queue, stop), daemon=True)
    server.start()
    port = port_queue.get(timeout=TIMEOUT_MS / 1000)
    ctx = zmq.Context()
    client = OriginalRPCClient(ctx, "tcp://127.0.0.1:%d" % port)
    result = time_verify(lambda: client.verify(SESSION_ID), args.warmup, args.count, args.seconds)
    stop.set()
    server.join(2)
    return result


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("mode", choices=["stream", "session", "rpc"])
    parser.add_argument("--size", type=int, default=64)
    parser.add_argument("--count", type=int, default=10000)
    parser.add_argument("--seconds", type=float, default=0.4)
    parser.add_argument("--window", type=int, default=100000)
    parser.add_argument("--warmup", type=int, default=20)
    args = parser.parse_args()
    try:
        result = run_rpc(args) if args.mode == "rpc" else run_stream(args, args.mode)
    except Exception as exc:
        result = {"error": "%s: %r" % (args.mode, exc)}
    print(json.dumps(result), flush=True)
    sys.exit(1 if "error" in result else 0)


if __name__ == "__main__":
    main()
