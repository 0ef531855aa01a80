"""The usage snippets of the original's README (tests/data, a copy of it)
run unchanged against the compatibility module, on the README's own
addresses (ports 5555, 6000, 6900)."""

import re
import socket
import threading
import time
from pathlib import Path

import pytest

README = Path(__file__).parent / "data" / "zmq_integration_lib-README.md"
SID = "4a501b51317e2c8f4a0fd7831d3e09dc"


def snippet(marker):
    """The README's code block containing `marker`, `>>> ` prompts removed."""
    blocks = re.findall(r"```[a-z]*\n(.*?)```", README.read_text(), re.S)
    found = [b for b in blocks if marker in b]
    assert len(found) == 1, "README block with %r: %d found" % (marker, len(found))
    return re.sub(r"^>>> ", "", found[0], flags=re.M)


class SnippetDone(Exception):
    """Raised by the test's stand-ins to leave a snippet's endless loop."""


def run_in_thread(code, namespace):
    """Runs `code` in a thread; returns the thread and where its end lands."""
    outcome = {}

    def run():
        try:
            exec(code, {"__name__": "snippet"}, namespace)
        except SnippetDone:
            outcome["done"] = True
        except BaseException as exc:  # reported by the test
            outcome["error"] = exc

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    return thread, outcome


def test_streaming_snippets():
    some_list = [b"first", b"\x00\x01binary\xff", b"x" * 10000]
    received = []

    def do_something(data):
        received.append(data)
        if len(received) == len(some_list) + 1:
            raise SnippetDone

    receiver, outcome = run_in_thread(snippet("InputPort("), {"do_something": do_something})
    sender = {"some_list": some_list}
    exec(snippet("OutputPort("), {"__name__": "snippet"}, sender)
    receiver.join(10)
    sender["op"].close()
    assert outcome.get("done"), "receiver did not finish: %r" % (outcome.get("error"),)
    # Nothing lost to the slow joiner: the first push waited for it.
    assert received == some_list + [b""]


def start_rpc_server_snippet():
    namespace = {}
    thread, outcome = run_in_thread(snippet("RPCServer("), namespace)
    deadline = time.monotonic() + 5
    while "r" not in namespace and time.monotonic() < deadline:
        time.sleep(0.01)
    assert "r" in namespace, outcome
    return namespace["r"], thread, outcome


def test_rpc_snippets():
    server, thread, outcome = start_rpc_server_snippet()
    try:
        client_code = snippet("RPCClient(").strip().splitlines()
        namespace = {}
        exec("\n".join(client_code[:-1]), {"__name__": "snippet"}, namespace)
        assert eval(client_code[-1], {}, namespace) is True  # c.verify('sometext')
    finally:
        server.stop()
        thread.join(5)
        server.close()
    assert not thread.is_alive() and "error" not in outcome, outcome


def wait_until_unbound(port, timeout=5.0):
    """libzmq releases a closed socket's address in its I/O thread, a moment
    after close() returned: wait until `port` can be bound again."""
    deadline = time.monotonic() + timeout
    while True:
        probe = socket.socket()
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind(("0.0.0.0", port))
            return
        except OSError:
            assert time.monotonic() < deadline, "port %d still bound" % port
            time.sleep(0.01)
        finally:
            probe.close()


class ReceiverNamespace(dict):
    """The session receiver snippet prints `d`, the README's typo for the
    loop's `data`: this namespace resolves `d` to `data`."""

    def __getitem__(self, name):
        if name == "d":
            return dict.__getitem__(self, "data")
        return dict.__getitem__(self, name)


def test_session_aware_snippets():
    server, server_thread, _ = start_rpc_server_snippet()
    printed = []
    first_seen = threading.Event()
    receiver_ns = ReceiverNamespace()

    def print_(value):
        printed.append((value, receiver_ns["ip"].session_id))
        first_seen.set()
        if len(printed) == 2:
            raise SnippetDone

    receiver_ns["print"] = print_
    try:
        receiver, outcome = run_in_thread(snippet("get_inpad("), receiver_ns)
        first = {}
        exec(snippet("update_session_id("), {"__name__": "snippet"}, first)
        assert first_seen.wait(10), outcome
        first["op"].close()
        wait_until_unbound(6000)
        # A later stage of the same process: its outpad sends the session
        # the inpad saw, with no session handling of its own.
        later = {}
        exec(snippet("session_aware import get_outpad"), {"__name__": "snippet"}, later)
        receiver.join(10)
        later["op"].close()
        assert outcome.get("done"), outcome
        assert printed == [(b"Hi boy", SID), (b"Hi boy", SID)]
    finally:
        server.stop()
        server_thread.join(5)
        server.close()
