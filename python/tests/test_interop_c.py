"""zil-Python against zil's C API: the C examples (examples-c/, built by
scripts/test.sh's ctest build into build/examples/, or wherever
$ZIL_C_EXAMPLES says) as the other process, streaming and RPC in both
directions."""

import os
import re
import subprocess
from pathlib import Path

import pytest

import zil
import zmq_integration_lib as z
from conftest import REPO


def c_example(name):
    """An example program; missing is a failure when $ZIL_C_EXAMPLES names
    the build (scripts/test.sh does), a skip when pytest runs alone."""
    where = os.environ.get("ZIL_C_EXAMPLES")
    path = Path(where or REPO / "build" / "examples") / name
    if path.is_file():
        return str(path)
    if where:
        pytest.fail(f"{path} is missing: the C examples were not built")
    pytest.skip(f"{path} is not built (cmake -S tests/c -B build && cmake --build build)")


def test_c_publisher_to_python_inport(peers):
    pub = peers([c_example("publisher"), "tcp://127.0.0.1:*", "50", "64"])
    endpoint = re.search(r"listening on (\S+),", pub.line()).group(1)
    with zil.Inport(endpoint, "audio") as port:
        for i in range(50):
            data, event = port.recv(timeout=10)
            assert event == "pcm"
            assert len(data) == 64
            assert int.from_bytes(data[:8], "little") == i, "in order, none lost"
            assert data[8:] == bytes(56)
        assert port.recv(timeout=10) == (b"", "EOS")
    assert pub.wait(40) == 0, pub.stderr()


def test_python_outport_to_c_subscriber(peers):
    with zil.Outport("tcp://127.0.0.1:*", "audio", sndhwm=0) as out:
        sub = peers([c_example("subscriber"), out.endpoint, "200"])
        assert out.wait_subscribers(1, timeout=10) == 1
        for i in range(200):
            out.push(i.to_bytes(8, "little") * 40, "pcm")
        out.push(b"", "EOS")
        assert sub.wait(30) == 0, sub.stderr()
    lines = [sub.line(), sub.line()]
    assert lines[1].startswith("subscriber: received 200 messages, 64000 bytes and EOS"), lines


def test_python_compat_client_against_the_c_authz_server(peers):
    server = peers([c_example("authz_server"), "tcp://127.0.0.1:*", "20"])
    endpoint = re.search(r"(tcp://\S+)", server.line()).group(1)
    client = z.RPCClient(endpoint, z.supported_cmds)
    token = client.get_token()
    assert re.fullmatch(r"[0-9a-f]{32}", token), token
    assert client.verify(token) is True
    assert client.logout(token) is True
    assert client.verify(token) is False


def test_c_rpc_client_against_a_python_server():
    sessions = set()

    def get_token():
        sessions.add("%032x" % (len(sessions) + 1))
        return max(sessions)

    def logout(sid):
        found = sid in sessions
        sessions.discard(sid)
        return found

    with zil.RpcServer("tcp://127.0.0.1:*") as server:
        server.set_handler("get_token", get_token)
        server.set_handler("verify", lambda sid: sid in sessions)
        server.set_handler("logout", logout)
        server.start()
        run = subprocess.run([c_example("rpc_client"), server.endpoint],
                             capture_output=True, text=True, timeout=30)
    assert run.returncode == 0, run.stderr
    assert run.stdout.splitlines()[:3] == [
        "get_token -> 00000000000000000000000000000001",
        "verify    -> true",
        "logout    -> true",
    ], run.stdout
    assert sessions == set()
