"""zil-Python against zil's Rust/C side, the `zil` CLI (built by `cargo
build --release --bins`), in all three modes and both directions."""

import base64
import json
import re
import subprocess

import zil
from conftest import SID, zil_cli


def test_stream_cli_publisher_to_python_inport(peers):
    pub = peers([zil_cli(), "pub", "tcp://127.0.0.1:*", "asr", "--wait-subscribers", "1",
                 "--event", "pcm"], stdin_text="first line\nsecond\n")
    endpoint = pub.line().strip()
    with zil.Inport(endpoint, "asr") as port:
        assert port.recv(timeout=10) == (b"first line", "pcm")
        assert port.recv(timeout=5) == (b"second", "pcm")
    pub.proc.stdin.close()
    assert pub.wait() == 0


def test_stream_python_outport_to_cli_subscriber(peers):
    with zil.Outport("tcp://127.0.0.1:*", "asr") as out:
        sub = peers([zil_cli(), "sub", out.endpoint, "asr", "--count", "2", "--timeout-ms", "10000"])
        assert out.wait_subscribers(1, timeout=10) == 1
        out.push(b"hello", "pcm")
        out.push(b"\xff\x01")
        assert sub.line().split("\t") == ["asr", "pcm", "5", "hello"]
        assert sub.line().split("\t") == ["asr", "-", "2", "hex:ff01"]
        assert sub.wait() == 0


def test_rpc_cli_client_to_python_server():
    with zil.RpcServer("tcp://127.0.0.1:*") as server:
        server.set_handler("verify", lambda sid: sid == SID)
        server.set_handler("echo", lambda params: {"got": params})
        server.start()
        ok = subprocess.run([zil_cli(), "rpc", server.endpoint, "verify", "-s", SID],
                            capture_output=True, text=True, timeout=10)
        assert (ok.returncode, ok.stdout.strip()) == (0, "true")
        echo = subprocess.run([zil_cli(), "rpc", server.endpoint, "echo", '[1, "x"]'],
                              capture_output=True, text=True, timeout=10)
        assert json.loads(echo.stdout) == {"got": [1, "x"]}
        missing = subprocess.run([zil_cli(), "rpc", server.endpoint, "nope"],
                                 capture_output=True, text=True, timeout=10)
        assert missing.returncode == 4 and "not found" in missing.stderr


def test_rpc_python_client_to_cli_server(peers):
    authz = peers([zil_cli(), "serve-authz", "tcp://127.0.0.1:*", "--session", SID])
    endpoint = authz.line().strip()
    with zil.RpcClient(endpoint, timeout=5) as client:
        assert client.verify(SID) is True
        assert client.verify("0" * 32) is False
        token = client.get_token()
        assert re.fullmatch(r"[0-9a-f]{32}", token)
        assert client.verify(token) is True
        assert client.logout(token) is True
        assert client.verify(token) is False


def test_session_python_outpad_to_cli_subscriber(peers):
    with zil.Outpad("tcp://127.0.0.1:*", "hello", session_id=SID) as outpad:
        sub = peers([zil_cli(), "sub", outpad.endpoint, "hello", "--session", "--count", "1",
                     "--timeout-ms", "10000"])
        outpad.wait_subscribers(1, timeout=10)
        outpad.push(b"Hi boy", "pcm")
        assert sub.line().split("\t") == ["hello", "pcm", "6", "session=" + SID, "Hi boy"]


def test_session_cli_publisher_and_authz_to_python_inpad(peers):
    authz = peers([zil_cli(), "serve-authz", "tcp://127.0.0.1:*", "--session", SID])
    rpc_endpoint = authz.line().strip()
    envelopes = [
        json.dumps({"data": base64.b64encode(b"verified").decode(), "session_id": SID}),
        json.dumps({"data": base64.b64encode(b"refused").decode(), "session_id": "f" * 32}),
        json.dumps({"data": base64.b64encode(b"again").decode(), "session_id": SID}),
    ]
    pub = peers([zil_cli(), "pub", "tcp://127.0.0.1:*", "hello", "--wait-subscribers", "1"],
                stdin_text="\n".join(envelopes) + "\n")
    with zil.Inpad(pub.line().strip(), "hello", rpc_endpoint) as inpad:
        assert inpad.recv_with_session(timeout=10) == (b"verified", None, SID)
        assert inpad.recv(timeout=5) == (b"again", None)
        stats = inpad.stats()
        assert stats["dropped_unverified"] == 1 and stats["delivered"] == 2
