#!/usr/bin/env python3
"""RPC side of zil's wire-compatibility tests (tests/interop_rpc.rs).

A server and a client written to the behaviour of the Python original's
``RPCServer`` / ``RPCClient`` (docs: WIRE.md, RPC section), using pyzmq only:

* the server binds a REP socket, answers
  ``{"jsonrpc": "2.0", "result": <handler's value>, "id": <id>}``, calls
  ``handler(params)`` only when ``params`` is truthy (else ``handler()``),
  and answers ``{"jsonrpc": "2.0", "error": "Command Not Supported", "id": <id>}``
  for an unknown method (or a handler raising KeyError/IndexError);
* the client sends the original's fixed-id requests (verify "1",
  get_token "2", logout "3"), returns ``result`` and raises on ``error``.

Test-only additions (not in the original): every receive has a timeout, the
peer reports what it saw as JSON lines on stdout, exits when its stdin
closes, and kills itself after --lifetime seconds.

Usage:
  rpc_peer.py server [--addr ADDR] [--sessions S1,S2] [--tokens T1,T2]
      [--truthy JSON] [--falsy JSON]
      Prints {"ready": true, "endpoint": ...}, then for each request
      {"request": "<raw text>", "handled_with": "params"|"no params"|null,
       "original_form": "<what the original client sends for that call>"}.
      verify answers --truthy (default true) for a known session, else
      --falsy (default false).
  rpc_peer.py client --addr ADDR --calls JSON [--timeout-ms N]
      JSON is a list of ["verify", sid] | ["get_token"] | ["logout", token] |
      ["raw", method, params, id]. Prints one line per call:
      {"call": ..., "result": ..., "original_reply": "<the original server's
      reply>"} or {"call": ..., "error": ...}, each with the raw "reply"
      text; then {"done": true}.
"""

import argparse
import json
import os
import sys
import threading

import zmq


def emit(obj):
    sys.stdout.write(json.dumps(obj) + "\n")
    sys.stdout.flush()


def die_with_parent(lifetime_s):
    """Exit when stdin closes (the test ended) or after lifetime_s."""

    def watch():
        try:
            while sys.stdin.readline():
                pass
        finally:
            os._exit(0)

    threading.Thread(target=watch, daemon=True).start()
    timer = threading.Timer(lifetime_s, lambda: os._exit(3))
    timer.daemon = True
    timer.start()


# --- the original's server ------------------------------------------------------


class RPCServer:
    def __init__(self, addr, supported_cmds, context):
        self.socket = context.socket(zmq.REP)
        self.socket.setsockopt(zmq.LINGER, 0)
        if addr.endswith(":*"):
            port = self.socket.bind_to_random_port(addr[: -len(":*")])
            self.endpoint = "%s:%d" % (addr[: -len(":*")], port)
        else:
            self.socket.bind(addr)
            self.endpoint = addr
        self.cmds = dict(supported_cmds)

    def set_handler(self, cmd, handler):
        self.cmds[cmd] = handler

    def run(self):
        while True:
            raw = self.socket.recv()
            msg = json.loads(raw)
            handled_with = None
            try:
                handler = self.cmds[msg["method"]]
                params = msg["params"]
                if params:
                    handled_with = "params"
                    result = handler(params)
                else:
                    handled_with = "no params"
                    result = handler()
                reply = {"jsonrpc": "2.0", "result": result, "id": msg["id"]}
            except (KeyError, IndexError):
                handled_with = None
                reply = {"jsonrpc": "2.0", "error": "Command Not Supported", "id": msg["id"]}
            # What the original client sends for this call, to compare
            # the received bytes with.
            original = {"jsonrpc": "2.0", "method": msg.get("method"),
                        "params": msg.get("params"), "id": msg.get("id")}
            emit({"request": raw.decode("utf-8"), "handled_with": handled_with,
                  "original_form": json.dumps(original)})
            self.socket.send_string(json.dumps(reply))


def serve(args):
    sessions = set(filter(None, args.sessions.split(",")))
    tokens = list(filter(None, args.tokens.split(",")))

    truthy = json.loads(args.truthy)
    falsy = json.loads(args.falsy)

    def verify(sid):
        return truthy if sid in sessions else falsy

    def get_token():
        return tokens.pop(0) if tokens else None

    def logout(token):
        sessions.discard(token)
        return True

    ctx = zmq.Context()
    server = RPCServer(args.addr, {}, ctx)
    server.set_handler("verify", verify)
    server.set_handler("get_token", get_token)
    server.set_handler("logout", logout)
    emit({"ready": True, "endpoint": server.endpoint})
    server.run()


# --- the original's client ------------------------------------------------------


class RPCError(Exception):
    pass


class RPCClient:
    def __init__(self, addr, context, timeout_ms):
        self.socket = context.socket(zmq.REQ)
        self.socket.setsockopt(zmq.LINGER, 0)
        # The original blocks forever; the test bounds every receive.
        self.socket.setsockopt(zmq.RCVTIMEO, timeout_ms)
        self.socket.connect(addr)
        self.last_reply = None

    def _call(self, method, params, id_):
        request = {"jsonrpc": "2.0", "method": method, "params": params, "id": id_}
        self.socket.send_string(json.dumps(request))
        raw = self.socket.recv()
        self.last_reply = raw.decode("utf-8")
        reply = json.loads(raw)
        if "error" in reply:
            raise RPCError(reply["error"])
        return reply["result"]

    def verify(self, sid):
        return self._call("verify", sid, "1")

    def get_token(self):
        return self._call("get_token", {}, "2")

    def logout(self, token):
        return self._call("logout", token, "3")


def call(args):
    ctx = zmq.Context()
    client = RPCClient(args.addr, ctx, args.timeout_ms)
    for spec in json.loads(args.calls):
        kind = spec[0]
        try:
            if kind == "verify":
                result = client.verify(spec[1])
            elif kind == "get_token":
                result = client.get_token()
            elif kind == "logout":
                result = client.logout(spec[1])
            elif kind == "raw":
                result = client._call(spec[1], spec[2], spec[3])
            else:
                raise SystemExit("unknown call %r" % (kind,))
            # The original server's reply to this call, to compare with.
            original = {"jsonrpc": "2.0", "result": result, "id": json.loads(client.last_reply)["id"]}
            emit({"call": spec, "result": result, "reply": client.last_reply,
                  "original_reply": json.dumps(original)})
        except RPCError as err:
            emit({"call": spec, "error": err.args[0], "reply": client.last_reply})
        except zmq.Again:
            emit({"call": spec, "timeout": True})
            sys.exit(4)
    emit({"done": True})


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("mode", choices=["server", "client"])
    parser.add_argument("--addr", default="tcp://127.0.0.1:*")
    parser.add_argument("--sessions", default="")
    parser.add_argument("--tokens", default="")
    parser.add_argument("--calls", default="[]")
    # What verify answers for a known / unknown session (JSON): authz
    # services written for the original may answer any truthy value.
    parser.add_argument("--truthy", default="true")
    parser.add_argument("--falsy", default="false")
    parser.add_argument("--timeout-ms", type=int, default=5000)
    parser.add_argument("--lifetime", type=float, default=60.0)
    args = parser.parse_args()
    die_with_parent(args.lifetime)
    if args.mode == "server":
        serve(args)
    else:
        call(args)


if __name__ == "__main__":
    main()
