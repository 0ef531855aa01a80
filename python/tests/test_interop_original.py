"""zil-Python against peers that behave like the original (tests/python,
pyzmq), in all three modes and both directions, through the compatibility
module."""

import base64
import json

import pytest
import zmq

import zil
import zmq_integration_lib as z
from conftest import SID, original

PAYLOADS = [(b"hello", "pcm"), (b"", "EOS"), (bytes(range(256)), None), (b"\xff" * 70000, "FINAL")]


def synced_original_publisher(peers, topic):
    """An original-like publisher with a compat InputPort that has surely
    joined (the peer sends probes until told to go on)."""
    pub = peers(original("stream_peer.py", "pub", "--bind", "tcp://127.0.0.1:*", "--topic", topic))
    endpoint = pub.json()["endpoint"]
    return pub, endpoint


def skip_probes(port):
    data, event = port.recv(timeout=5)
    while event == "__zil_sync__":
        data, event = port.recv(timeout=5)
    return data, event


def test_stream_original_publisher_to_compat_input_port(peers):
    pub, endpoint = synced_original_publisher(peers, "asr")
    port = z.InputPortWithEvents(endpoint, "asr")
    pub.send({"cmd": "sync"})
    assert port.port.recv(timeout=5) == (b"", "__zil_sync__")
    # The original's prefix leak: "asr2" must not reach an exact port.
    pub.send({"cmd": "push", "data": b"leak".hex(), "event": None, "topic": "asr2"})
    for data, event in PAYLOADS:
        pub.send({"cmd": "push", "data": data.hex(), "event": event})
    got = []
    gen = port.data_and_event_generator()
    while len(got) < len(PAYLOADS):
        data, event = next(gen)
        if event != "__zil_sync__":
            got.append((data, event))
    assert got == PAYLOADS
    assert port.port.stats()["messages_filtered"] == 1
    # A message the original's receiver would crash on is skipped and counted.
    pub.send({"cmd": "raw", "frames": [b"asr".hex(), b"only two".hex()]})
    pub.send({"cmd": "push", "data": b"after".hex(), "event": None})
    assert skip_probes(port.port) == (b"after", None)
    assert port.port.stats()["messages_rejected"] == 1
    port.close()


def test_stream_prefix_on_request(peers):
    pub, endpoint = synced_original_publisher(peers, "asr")
    port = z.InputPort(endpoint, "asr", prefix=True)
    pub.send({"cmd": "sync"})
    assert port.port.recv(timeout=5)[1] == "__zil_sync__"
    pub.send({"cmd": "push", "data": b"two".hex(), "event": "pcm", "topic": "asr2"})
    topic, data, event = port.port.recv_with_topic(timeout=5)
    while event == "__zil_sync__":
        topic, data, event = port.port.recv_with_topic(timeout=5)
    assert (topic, data, event) == ("asr2", b"two", "pcm")


def test_stream_compat_output_port_to_original_subscriber(peers):
    out = z.OutputPort("tcp://127.0.0.1:*", "asr", wait_for_subscriber=10)
    sub = peers(original("stream_peer.py", "sub", "--connect", out.port.endpoint, "--topic", "asr",
                         "--count", str(len(PAYLOADS))))
    assert sub.json()["ready"]
    for data, event in PAYLOADS:
        out.push(data, event)  # the first push waits for the subscriber
    lines = [sub.json() for _ in PAYLOADS]
    assert [(bytes.fromhex(l["data"]), l["event"]) for l in lines] == PAYLOADS
    assert {l["topic"] for l in lines} == {"asr"}
    assert sub.wait() == 0
    out.close()


def test_rpc_compat_client_to_original_server(peers):
    server = peers(original("rpc_peer.py", "server", "--sessions", SID, "--tokens", "tok1"))
    endpoint = server.json()["endpoint"]
    client = z.RPCClient(endpoint, z.supported_cmds)
    assert client.verify(SID) is True
    assert client.verify("nope") is False
    assert client.get_token() == "tok1"
    assert client.get_token() is None
    assert client.logout(SID) is True
    assert client.verify(SID) is False
    with pytest.raises(zil.RemoteError, match="Command Not Supported"):
        client.call("reboot", "now")
    requests = [json.loads(server.json()["request"]) for _ in range(7)]
    assert requests[0] == {"jsonrpc": "2.0", "method": "verify", "params": SID, "id": "1"}
    assert requests[2] == {"jsonrpc": "2.0", "method": "get_token", "params": {}, "id": "2"}
    assert requests[4] == {"jsonrpc": "2.0", "method": "logout", "params": SID, "id": "3"}
    client.close()


def test_rpc_original_client_to_compat_server(peers):
    sessions = {SID}
    server = z.RPCServer("tcp://127.0.0.1:*", z.supported_cmds)
    server.set_handler("verify", lambda sid: sid in sessions)
    server.set_handler("get_token", lambda: "tok1")
    server.set_handler("logout", lambda token: sessions.discard(token) or True)
    server.server.start()
    calls = [["verify", SID], ["get_token"], ["logout", SID], ["verify", SID], ["raw", "nope", "x", "9"]]
    client = peers(original("rpc_peer.py", "client", "--addr", server.server.endpoint,
                            "--calls", json.dumps(calls)))
    lines = [client.json() for _ in calls]
    assert [l.get("result") for l in lines[:4]] == [True, "tok1", True, False]
    assert json.loads(lines[0]["reply"]) == {"jsonrpc": "2.0", "result": True, "id": "1"}
    assert "error" in lines[4] and "not found" in json.dumps(lines[4]["error"])
    assert client.json() == {"done": True}
    server.close()


def test_session_original_outpad_to_compat_inpad(peers):
    authz = zil.RpcServer("tcp://127.0.0.1:*")
    authz.set_handler("verify", lambda sid: sid == SID)
    authz.start()
    messages = [
        {"data": base64.b64encode(b"one").decode(), "event": "pcm"},
        {"data": base64.b64encode(b"bad").decode(), "event": None, "session_id": "f" * 32},
        {"data": base64.b64encode(b"none").decode(), "event": None, "session_id": None},
        {"data": base64.b64encode(b"\x00two").decode(), "event": None},
    ]
    outpad = peers(original("session_peer.py", "outpad", "--topic", "hello", "--session", SID,
                            "--messages", json.dumps(messages)))
    inpad = z.get_inpad(outpad.json()["endpoint"], "hello", authz.endpoint)
    gen = inpad.data_and_event_generator()
    assert next(gen) == (b"one", "pcm")
    assert inpad.session_id == SID
    assert next(gen) == (b"\x00two", None)
    stats = inpad.pad.stats()
    assert (stats["dropped_unverified"], stats["dropped_no_session"]) == (1, 1)
    inpad.close()
    authz.close()


def test_session_compat_outpad_to_original_inpad(peers):
    rpc = peers(original("rpc_peer.py", "server", "--sessions", SID))
    rpc_endpoint = rpc.json()["endpoint"]
    outpad = z.get_outpad("tcp://127.0.0.1:*", "hello", wait_for_subscriber=10)
    outpad.update_session_id(SID)
    inpad = peers(original("session_peer.py", "inpad", "--addr", outpad.pad.endpoint, "--topic",
                           "hello", "--rpc", rpc_endpoint, "--count", "2"))
    assert inpad.json()["ready"]
    outpad.push(b"Hi boy")
    outpad.push(b"\x00\xffbin", "EOS")
    first, second = inpad.json(), inpad.json()
    assert (base64.b64decode(first["data"]), first["event"], first["session_id"]) == (b"Hi boy", None, SID)
    assert (base64.b64decode(second["data"]), second["event"]) == (b"\x00\xffbin", "EOS")
    envelope = json.loads(first["raw"])
    assert envelope == {"data": base64.b64encode(b"Hi boy").decode(), "session_id": SID}
    assert inpad.json() == {"done": True}
    outpad.close()


def test_compat_server_survives_malformed_json():
    server = z.RPCServer("tcp://127.0.0.1:*")
    server.set_handler("verify", lambda sid: True)
    server.server.start()
    ctx = zmq.Context.instance()
    req = ctx.socket(zmq.REQ)
    req.setsockopt(zmq.RCVTIMEO, 5000)
    req.setsockopt(zmq.LINGER, 0)
    req.connect(server.server.endpoint)
    req.send(b"{not json")
    reply = json.loads(req.recv())
    assert reply["error"]["code"] == -32700
    req.send_string(json.dumps({"jsonrpc": "2.0", "method": "verify", "params": SID, "id": "1"}))
    assert json.loads(req.recv()) == {"jsonrpc": "2.0", "result": True, "id": "1"}
    req.close()
    server.close()
