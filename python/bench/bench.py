#!/usr/bin/env python3
"""zil for Python against the original's work done with pyzmq, one run.

    cargo build --release && python3 -m pip install ./python
    taskset -c 0,1 python3 python/bench/bench.py

Three rows, each zil-Python (through the drop-in zmq_integration_lib)
beside the pyzmq baseline that the Rust benchmark uses too
(original_baseline.py, which does exactly the original's per-message
work):

- stream: 64 B messages, OutputPort.push -> InputPort generator;
- session: 64 B messages through get_outpad -> get_inpad, the inpad
  verifying with an RPCServer in its own process (zil: default 1 s cache;
  the original: one blocking verify call per message);
- rpc: RPCClient.verify round trips to an RPCServer in its own process.

Both sides get the same treatment: publisher and subscriber in separate
processes, unlimited high-water marks, the publisher at most --window
messages ahead, the rate measured at the subscriber from the first to the
last timed message. Prints one JSON line per row and a Markdown table.
"""

import argparse
import json
import multiprocessing as mp
import subprocess
import sys
import time
from pathlib import Path

TOPIC = "bench"
EVENT = "pcm"
SID = "4a501b51317e2c8f4a0fd7831d3e09dc"
CREDIT_EVERY = 64
REPO = Path(__file__).resolve().parents[2]


BASELINE = REPO / "bench" / "python" / "original_baseline.py"
sys.path.insert(0, str(BASELINE.parent))
from original_baseline import time_verify  # noqa: E402  (the same timing loop)


def rpc_server(port_queue, stop):
    import zmq_integration_lib as z

    server = z.RPCServer("tcp://127.0.0.1:*", z.supported_cmds)
    server.set_handler("verify", lambda session_id: True)
    server.server.start()
    port_queue.put(server.server.endpoint)
    stop.wait()
    server.close()


def subscriber(endpoint, mode, rpc_endpoint, size, warmup, credit, results):
    import zmq_integration_lib as z

    if mode == "session":
        port = z.get_inpad(endpoint, TOPIC, rpc_endpoint, rcvhwm=0)
    else:
        port = z.InputPort(endpoint, TOPIC, rcvhwm=0)
    received = timed = bad = 0
    first = last = total = None
    error = None
    clock = time.perf_counter
    for data, event in port.data_and_event_generator():
        if event == "EOS":
            total = int(data)
            break
        if received >= warmup:
            last = clock()
            if first is None:
                first = last
            timed += 1
        received += 1
        if len(data) != size or event != EVENT:
            bad += 1
        if received % CREDIT_EVERY == 0:
            credit.value = received
    credit.value = received
    results.put({"received": received, "timed": timed, "bad": bad, "total": total,
                 "error": error, "seconds": (last - first) if first is not None else 0.0})


def run_stream(args, mode):
    import zmq_integration_lib as z

    ctx = mp.get_context("spawn")
    stop = ctx.Event()
    rpc_endpoint = None
    server = None
    if mode == "session":
        endpoints = ctx.Queue()
        server = ctx.Process(target=rpc_server, args=(endpoints, stop), daemon=True)
        server.start()
        rpc_endpoint = endpoints.get(timeout=10)
        out = z.get_outpad("tcp://127.0.0.1:*", TOPIC, sndhwm=0)
        out.update_session_id(SID)
        endpoint = out.pad.endpoint
        wait = out.pad.wait_subscribers
    else:
        out = z.OutputPort("tcp://127.0.0.1:*", TOPIC, sndhwm=0)
        endpoint = out.port.endpoint
        wait = out.port.wait_subscribers
    credit = ctx.RawValue("q", 0)
    results = ctx.Queue()
    sub = ctx.Process(target=subscriber, daemon=True,
                      args=(endpoint, mode, rpc_endpoint, args.size, args.warmup, credit, results))
    sub.start()
    wait(1, timeout=20)  # zil's slow-joiner fix instead of probes
    payload = bytes((i * 31 & 0xFF) ^ 0x5A for i in range(args.size))
    push = out.push
    sent = 0
    window = args.window
    start = time.perf_counter()
    while sent < args.warmup + args.count:
        if sent == args.warmup:
            start = time.perf_counter()
        if sent % 256 == 0 and sent >= args.warmup and time.perf_counter() - start >= args.seconds:
            break
        if sent - credit.value >= window:
            while sent - credit.value > window // 2 and sub.is_alive():
                time.sleep(0.0002)
        push(payload, EVENT)
        sent += 1
    push(str(sent).encode(), "EOS")
    res = results.get(timeout=60)
    stop.set()
    sub.join(5)
    if server is not None:
        server.join(5)
    rate = (res["timed"] - 1) / res["seconds"] if res["timed"] > 1 and res["seconds"] > 0 else 0.0
    return {"mode": mode, "size": args.size, "sent": sent, "received": res["received"],
            "lost": sent - res["received"], "bad": res["bad"], "msgs_per_s": rate}


def run_rpc(args):
    import zmq_integration_lib as z

    ctx = mp.get_context("spawn")
    stop = ctx.Event()
    endpoints = ctx.Queue()
    server = ctx.Process(target=rpc_server, args=(endpoints, stop), daemon=True)
    server.start()
    client = z.RPCClient(endpoints.get(timeout=10), z.supported_cmds)
    result = time_verify(lambda: client.verify(SID), args.warmup, args.rpc_count, args.seconds)
    stop.set()
    server.join(5)
    if "error" in result:
        raise SystemExit(result["error"])
    return result


def baseline(mode, args):
    count = args.rpc_count if mode == "rpc" else args.count
    cmd = [sys.executable, str(BASELINE), mode, "--size", str(args.size), "--count",
           str(count), "--seconds", str(args.seconds), "--window", str(args.window)]
    out = subprocess.run(cmd, capture_output=True, text=True, timeout=300)
    return json.loads(out.stdout.strip().splitlines()[-1])


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--size", type=int, default=64)
    parser.add_argument("--count", type=int, default=2_000_000)
    parser.add_argument("--rpc-count", type=int, default=20_000)
    parser.add_argument("--seconds", type=float, default=1.0)
    parser.add_argument("--window", type=int, default=100_000)
    parser.add_argument("--warmup", type=int, default=20)
    args = parser.parse_args()
    rows = []
    for mode in ("stream", "session"):
        rows.append((mode, run_stream(args, mode), baseline(mode, args)))
    rows.append(("rpc", run_rpc(args), baseline("rpc", args)))
    failed = False
    for mode, ours, theirs in rows:
        print(json.dumps({"zil_python": ours, "original": theirs}))
        failed |= "error" in theirs or ours.get("lost", 0) != 0 or ours.get("bad", 0) != 0
    print()
    print("| path | zil-Python | original (pyzmq) | zil/original |")
    print("|---|---:|---:|---:|")
    for mode, ours, theirs in rows:
        if mode == "rpc":
            print("| rpc verify round trip, p50 | %.1f µs | %.1f µs | %.2f× faster |"
                  % (ours["p50_us"], theirs["p50_us"], theirs["p50_us"] / ours["p50_us"]))
            print("| rpc verify round trip, p99 | %.1f µs | %.1f µs | |"
                  % (ours["p99_us"], theirs["p99_us"]))
        else:
            label = "stream 64 B" if mode == "stream" else "session-aware 64 B (zil: 1 s cache)"
            print("| %s | %.0f msg/s | %.0f msg/s | %.1f× |"
                  % (label, ours["msgs_per_s"], theirs["msgs_per_s"],
                     ours["msgs_per_s"] / max(theirs["msgs_per_s"], 1e-9)))
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
