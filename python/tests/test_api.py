"""The Pythonic API's promises: measured timeouts, typed exceptions, the
GIL released while blocked, Ctrl-C, wake/close from another thread,
handler errors as JSON-RPC errors on a server that keeps serving."""

import array
import signal
import subprocess
import sys
import textwrap
import threading
import time

import pytest

import zil
import zmq_integration_lib as z
from conftest import SID


def pair(topic="asr", **inport_options):
    out = zil.Outport("tcp://127.0.0.1:*", topic)
    port = zil.Inport(out.endpoint, topic, **inport_options)
    out.wait_subscribers(1, timeout=5)
    return out, port


def test_recv_timeout_is_measured_and_typed():
    out, port = pair()
    start = time.monotonic()
    with pytest.raises(zil.Timeout, match=r"no message on 'tcp://127\.0\.0\.1:\d+' \(topic 'asr'\)"):
        port.recv(timeout=0.3)
    elapsed = time.monotonic() - start
    assert 0.29 <= elapsed < 0.5
    with pytest.raises(TimeoutError):  # also Python's own class
        port.recv(timeout=0)
    out.close()
    port.close()


def test_exact_topic_by_default_prefix_on_request():
    out = zil.Outport("tcp://127.0.0.1:*", "asr2")
    exact = zil.Inport(out.endpoint, "asr")
    prefix = zil.Inport(out.endpoint, "asr", prefix=True)
    # Both: libzmq delivers "asr2" to each "asr" subscription (zil filters
    # the exact port's), but only once that port's subscription is there.
    out.wait_subscribers(2, timeout=5)
    deadline = time.monotonic() + 5
    while prefix.stats()["messages_received"] == 0 and time.monotonic() < deadline:
        out.push(b"x", "pcm")
        try:
            assert prefix.recv_with_topic(timeout=0.05) == ("asr2", b"x", "pcm")
        except zil.Timeout:
            pass
    assert prefix.stats()["messages_received"] >= 1
    with pytest.raises(zil.Timeout):
        exact.recv(timeout=0.1)
    assert exact.stats()["messages_filtered"] >= 1


def test_gil_is_released_while_blocked():
    out, port = pair()
    ticks = []
    stop = threading.Event()

    def spin():
        while not stop.is_set():
            ticks.append(1)
            time.sleep(0.001)

    thread = threading.Thread(target=spin)
    thread.start()
    with pytest.raises(zil.Timeout):
        port.recv(timeout=0.3)
    stop.set()
    thread.join()
    assert len(ticks) > 50


def test_wake_and_close_from_another_thread():
    out, port = pair()
    threading.Timer(0.1, port.wake).start()
    start = time.monotonic()
    with pytest.raises(zil.Interrupted, match="woken up"):
        port.recv()
    assert time.monotonic() - start < 1.0
    got = []
    threading.Timer(0.2, port.close).start()
    for item in port:  # ends with the close, no exception
        got.append(item)
    assert got == []
    with pytest.raises(zil.Closed, match="closed"):
        port.recv(timeout=0)


def test_context_managers_release_the_address():
    with zil.Outport("tcp://127.0.0.1:*", "t") as out:
        endpoint = out.endpoint
        out.push(b"a")
    with pytest.raises(zil.Closed):
        out.push(b"b")
    with pytest.raises(zil.Closed):
        _ = out.endpoint
    assert endpoint.startswith("tcp://127.0.0.1:")


def test_bad_arguments_are_typed():
    with pytest.raises(zil.InvalidArgument, match="nope"):
        zil.Outport("nope://x", "t")
    with pytest.raises(ValueError):
        zil.Inport("tcp://127.0.0.1:1", "t").recv(timeout=-1)
    with pytest.raises(TypeError, match="buffer protocol.*not str"):
        zil.Outport("tcp://127.0.0.1:*", "t").push("text is not bytes")


def test_any_buffer_is_a_payload():
    out, port = pair()
    samples = array.array("h", [0, 1, -1, 32767, -32768])
    sent = [b"bytes", bytearray(b"bytearray"), memoryview(b"view"), samples,
            memoryview(b"a-b-c-")[::2]]  # not contiguous
    for data in sent:
        out.push(data, "pcm")
    for data in sent:
        got, event = port.recv(timeout=5)
        assert got == memoryview(data).tobytes() and event == "pcm"


def test_handler_errors_become_rpc_errors_and_the_server_serves_on():
    def verify(sid):
        if sid == "raise":
            raise ValueError("boom")
        if sid == "own":
            raise zil.RpcError(-32602, "session id must be 32 hex digits")
        return sid == SID

    with zil.RpcServer("tcp://127.0.0.1:*") as server:
        server.set_handler("verify", verify)
        server.set_handler("unjsonable", lambda: object())
        server.start()
        client = zil.RpcClient(server.endpoint, timeout=2)
        with pytest.raises(zil.RemoteError, match="the handler of 'verify' raised ValueError: boom"):
            client.call("verify", "raise")
        with pytest.raises(zil.RemoteError, match=r"32 hex digits \(code -32602\)"):
            client.call("verify", "own")
        with pytest.raises(zil.RemoteError, match="JSON cannot hold"):
            client.call("unjsonable")
        assert client.verify(SID) is True
        assert client.call("verify", SID) is True
        assert server.stats()["error_replies"] == 3


def test_rpc_client_times_out_and_recovers():
    with zil.RpcServer("tcp://127.0.0.1:*") as server:
        endpoint = server.endpoint
    client = zil.RpcClient(endpoint, timeout=0.3)
    start = time.monotonic()
    with pytest.raises(zil.Timeout, match="no answer from"):
        client.verify(SID)
    assert 0.29 <= time.monotonic() - start < 0.8
    with zil.RpcServer(endpoint) as server:  # the server is back
        server.set_handler("verify", lambda sid: True)
        server.start()
        assert client.verify(SID) is True


def run_and_interrupt(code):
    """Runs `code` in a child that prints READY, sends it SIGINT, and
    returns (seconds to exit, stderr)."""
    child = subprocess.Popen([sys.executable, "-c", textwrap.dedent(code)],
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    assert child.stdout.readline().strip() == "READY"
    time.sleep(0.2)
    start = time.monotonic()
    child.send_signal(signal.SIGINT)
    child.wait(5)
    return time.monotonic() - start, child.stderr.read()


def test_ctrl_c_interrupts_a_receive_loop():
    elapsed, stderr = run_and_interrupt("""
        import zmq_integration_lib as z
        ip = z.InputPort("tcp://127.0.0.1:1", "asr")
        print("READY", flush=True)
        for data, event in ip.data_and_event_generator():
            pass
    """)
    assert elapsed < 0.5
    assert "KeyboardInterrupt" in stderr


def test_ctrl_c_stops_a_running_server():
    elapsed, stderr = run_and_interrupt("""
        import zmq_integration_lib as z
        r = z.RPCServer("tcp://127.0.0.1:*", z.supported_cmds)
        r.set_handler("verify", lambda sid: True)
        print("READY", flush=True)
        r.run()
    """)
    assert elapsed < 0.5
    assert "KeyboardInterrupt" in stderr


def test_ctrl_c_interrupts_a_lossless_push_waiting_for_a_stuck_subscriber():
    elapsed, stderr = run_and_interrupt("""
        import zil
        out = zil.Outport("tcp://127.0.0.1:*", "t", sndhwm=1, lossless_timeout=None)
        stuck = zil.Inport(out.endpoint, "t", rcvhwm=1)  # never reads
        out.wait_subscribers(1, timeout=10)
        print("READY", flush=True)
        while True:
            out.push(b"x" * 65536)
    """)
    assert elapsed < 0.5
    assert "KeyboardInterrupt" in stderr


def test_ctrl_c_interrupts_an_rpc_call_to_a_silent_server():
    elapsed, stderr = run_and_interrupt("""
        import zil, zmq
        rep = zmq.Context().socket(zmq.REP)  # takes the request, never answers
        port = rep.bind_to_random_port("tcp://127.0.0.1")
        client = zil.RpcClient(f"tcp://127.0.0.1:{port}", timeout=None)
        print("READY", flush=True)
        client.verify("4a501b51317e2c8f4a0fd7831d3e09dc")
    """)
    assert elapsed < 0.5
    assert "KeyboardInterrupt" in stderr


def test_compat_rpc_client_is_bounded():
    client = z.RPCClient("tcp://127.0.0.1:1", z.supported_cmds, timeout=0.2)
    start = time.monotonic()
    with pytest.raises(TimeoutError):
        client.verify(SID)
    assert time.monotonic() - start < 0.6
