//! zil's RPC mode from the safe Rust API: `zil::rpc::Server` and
//! `zil::rpc::Client` against each other and against raw ZeroMQ sockets
//! (what the typed helpers put on the wire, malformed requests, broken
//! replies), error replies, panics, timeouts with lazy-pirate recovery, and
//! the server's run/start/stop life cycle.
//!
//! Every wait is bounded; every address is an ephemeral TCP port, an
//! `ipc://` path in a temp dir of its own, or a port freed just before use.

#[path = "common/python.rs"]
mod python;

use python::{free_tcp_port, wait_until, BlockedCall, TempDir};
use serde_json::{json, Value};
use std::collections::HashSet;
use std::sync::mpsc;
use std::sync::{Arc, Mutex};
use std::thread;
use std::time::{Duration, Instant};
use zil::rpc::{
    Client, RpcError, Server, INTERNAL_ERROR, INVALID_REQUEST, METHOD_NOT_FOUND, PARSE_ERROR,
};
use zil::ErrorKind;

const SID: &str = "4a501b51317e2c8f4a0fd7831d3e09dc";
/// Client timeout where no timeout is expected.
const CALL_MS: i32 = 5000;

// --- helpers ---------------------------------------------------------------

/// An authorization service: a session table with `verify`, `get_token`
/// (hands out the tokens given, then `null`) and `logout` (drops a session).
fn authz(sessions: &[&str], tokens: &[&str]) -> (Server, Arc<Mutex<HashSet<String>>>) {
    let server = Server::new("tcp://127.0.0.1:*").expect("bind an ephemeral port");
    let table: Arc<Mutex<HashSet<String>>> =
        Arc::new(Mutex::new(sessions.iter().map(|s| s.to_string()).collect()));
    let t = Arc::clone(&table);
    server.set_handler("verify", move |params| {
        let sid = params.and_then(Value::as_str).unwrap_or_default();
        Ok(json!(t.lock().unwrap().contains(sid)))
    });
    let tokens = Mutex::new(tokens.iter().map(|s| s.to_string()).collect::<Vec<_>>());
    server.set_handler("get_token", move |_| {
        let mut tokens = tokens.lock().unwrap();
        Ok(if tokens.is_empty() {
            Value::Null
        } else {
            json!(tokens.remove(0))
        })
    });
    let t = Arc::clone(&table);
    server.set_handler("logout", move |params| {
        let token = params.and_then(Value::as_str).unwrap_or_default();
        t.lock().unwrap().remove(token);
        Ok(json!(true))
    });
    (server, table)
}

fn raw_context() -> &'static zmq::Context {
    static CTX: std::sync::OnceLock<zmq::Context> = std::sync::OnceLock::new();
    CTX.get_or_init(zmq::Context::new)
}

/// A raw socket of `kind` connected to `addr`, with bounded receives.
fn raw_socket(kind: zmq::SocketType, addr: &str) -> zmq::Socket {
    let s = raw_context().socket(kind).expect("socket");
    s.set_linger(0).unwrap();
    s.set_rcvtimeo(5000).unwrap();
    s.set_sndtimeo(5000).unwrap();
    s.connect(addr).expect("connect");
    s
}

/// Sends `request` as one frame through a raw REQ and returns the parsed reply.
fn raw_call(req: &zmq::Socket, request: &[u8]) -> Value {
    req.send(request, 0).expect("send request");
    let frames = req
        .recv_multipart(0)
        .expect("a reply within 5 s (the server must keep serving)");
    assert_eq!(frames.len(), 1, "a reply is one frame");
    serde_json::from_slice(&frames[0]).expect("the reply is JSON")
}

/// Asserts `reply` is a JSON-RPC error reply with `code` and `id`; returns
/// the message.
fn assert_error(reply: &Value, code: i64, id: &Value) -> String {
    assert_error_of("request", reply, code, id)
}

fn assert_error_of(what: &str, reply: &Value, code: i64, id: &Value) -> String {
    assert_eq!(reply["jsonrpc"], "2.0", "{what}: {reply}");
    assert!(
        reply.get("result").is_none(),
        "{what}: an error reply has no result: {reply}"
    );
    assert_eq!(reply["error"]["code"], json!(code), "{what}: {reply}");
    assert_eq!(&reply["id"], id, "{what}: {reply}");
    let message = reply["error"]["message"]
        .as_str()
        .unwrap_or_else(|| panic!("error.message is a string: {reply}"));
    assert!(!message.is_empty(), "{reply}");
    message.to_owned()
}

fn assert_result(reply: &Value, result: &Value, id: &Value) {
    assert_eq!(
        reply,
        &json!({"jsonrpc": "2.0", "result": result, "id": id}),
        "success reply"
    );
}

// --- round trips ------------------------------------------------------------

#[test]
fn typed_helpers_round_trip() {
    let (server, table) = authz(&[SID], &["tok-1"]);
    server.start().unwrap();
    let client = Client::new(server.endpoint(), CALL_MS).unwrap();
    assert_eq!(client.addr(), server.endpoint());

    assert_eq!(client.verify(SID), Ok(true));
    assert_eq!(client.verify("0000000000000000000000000000dead"), Ok(false));
    assert_eq!(client.verify(""), Ok(false));
    assert_eq!(client.get_token(), Ok(Some("tok-1".into())));
    assert_eq!(client.get_token(), Ok(None), "server answered null");
    assert_eq!(client.logout(SID), Ok(true));
    assert!(!table.lock().unwrap().contains(SID));
    assert_eq!(client.verify(SID), Ok(false), "logged out");
    assert_eq!(server.request_counts(), (7, 0));
    server.stop(1000).unwrap();
}

#[test]
fn arbitrary_methods_with_any_params_and_ids() {
    let server = Server::new("tcp://127.0.0.1:*").unwrap();
    server.set_handler("echo", |params| {
        Ok(match params {
            Some(p) => json!({"params": p}),
            None => json!("<absent>"),
        })
    });
    server.set_handler("sum", |params| {
        let list = params
            .and_then(Value::as_array)
            .ok_or_else(|| RpcError::new(zil::rpc::INVALID_PARAMS, "sum wants a list"))?;
        Ok(json!(list.iter().filter_map(Value::as_i64).sum::<i64>()))
    });
    server.start().unwrap();
    let client = Client::new(server.endpoint(), CALL_MS).unwrap();

    for params in [
        json!("a bare string, as the original sends"),
        json!(""),
        json!({"nested": {"list": [1, 2.5, null, true]}, "ü": "✓"}),
        json!({}),
        json!([1, "two", [3]]),
        json!([]),
        json!(17),
        json!(null),
    ] {
        assert_eq!(
            client.call("echo", params.clone()),
            Ok(json!({"params": params})),
            "echo {params}"
        );
    }
    assert_eq!(client.call("sum", json!([1, 2, 39])), Ok(json!(42)));
    let err = client.call("sum", json!("nope")).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Remote);
    assert!(err.message().contains("sum wants a list"), "{err}");
    assert!(err.message().contains("-32602"), "the code is named: {err}");

    // Absent params and every kind of id, through a raw REQ.
    let req = raw_socket(zmq::REQ, server.endpoint());
    let reply = raw_call(&req, br#"{"jsonrpc":"2.0","method":"echo","id":"x"}"#);
    assert_result(&reply, &json!("<absent>"), &json!("x"));
    for id in [
        json!("1"),
        json!("abc"),
        json!(42),
        json!(-7),
        json!(1.5),
        json!(null),
    ] {
        let request = json!({"jsonrpc": "2.0", "method": "echo", "params": "p", "id": id});
        let reply = raw_call(&req, request.to_string().as_bytes());
        assert_result(&reply, &json!({"params": "p"}), &id);
    }
    // No id at all: answered with id null.
    let reply = raw_call(&req, br#"{"jsonrpc":"2.0","method":"echo","params":[1]}"#);
    assert_result(&reply, &json!({"params": [1]}), &Value::Null);
    // No "jsonrpc" member: zil is lenient, like the original.
    let reply = raw_call(&req, br#"{"method":"echo","params":{"k":1},"id":9}"#);
    assert_result(&reply, &json!({"params": {"k": 1}}), &json!(9));
    server.stop(1000).unwrap();
}

#[test]
fn typed_helpers_send_the_originals_requests() {
    let rep = raw_context().socket(zmq::REP).unwrap();
    rep.set_linger(0).unwrap();
    rep.set_rcvtimeo(5000).unwrap();
    rep.bind("tcp://127.0.0.1:*").unwrap();
    let endpoint = rep.get_last_endpoint().unwrap().unwrap();

    let client_side = thread::spawn(move || {
        let client = Client::new(&endpoint, CALL_MS).unwrap();
        (
            client.verify(SID),
            client.get_token(),
            client.logout("tok-1"),
            client.call("echo", json!([1, "a"])),
            client.call("echo", json!({"k": "v"})),
            client.verify("other"),
        )
    });

    let mut seen_ids = Vec::new();
    let mut exchange = |expected: Value, result: Value| {
        let frames = rep
            .recv_multipart(0)
            .expect("the client's request within 5 s");
        assert_eq!(frames.len(), 1, "a request is one frame");
        let text = std::str::from_utf8(&frames[0]).expect("a request is UTF-8");
        let request: Value = serde_json::from_str(text).expect("a request is JSON");
        let mut expected = expected;
        if expected["id"].is_null() {
            // Generic calls: a fresh number per call.
            let id = request["id"].clone();
            assert!(id.is_u64(), "generic call ids are numbers: {text}");
            seen_ids.push(id.as_u64().unwrap());
            expected["id"] = id;
        }
        assert_eq!(request, expected, "request on the wire: {text}");
        let reply = json!({"jsonrpc": "2.0", "result": result, "id": request["id"]});
        rep.send(reply.to_string().as_bytes(), 0).unwrap();
    };
    exchange(
        json!({"jsonrpc": "2.0", "method": "verify", "params": SID, "id": "1"}),
        json!(true),
    );
    exchange(
        json!({"jsonrpc": "2.0", "method": "get_token", "params": {}, "id": "2"}),
        json!("tok-1"),
    );
    exchange(
        json!({"jsonrpc": "2.0", "method": "logout", "params": "tok-1", "id": "3"}),
        json!(true),
    );
    exchange(
        json!({"jsonrpc": "2.0", "method": "echo", "params": [1, "a"], "id": null}),
        json!("r1"),
    );
    exchange(
        json!({"jsonrpc": "2.0", "method": "echo", "params": {"k": "v"}, "id": null}),
        json!("r2"),
    );
    // The ids of the typed helpers are fixed per method, not per call.
    exchange(
        json!({"jsonrpc": "2.0", "method": "verify", "params": "other", "id": "1"}),
        json!(false),
    );
    assert_eq!(seen_ids.len(), 2);
    assert!(seen_ids[1] > seen_ids[0], "fresh ids: {seen_ids:?}");

    let (v, t, l, c1, c2, v2) = client_side.join().unwrap();
    assert_eq!(v, Ok(true));
    assert_eq!(t, Ok(Some("tok-1".into())));
    assert_eq!(l, Ok(true));
    assert_eq!(c1, Ok(json!("r1")));
    assert_eq!(c2, Ok(json!("r2")));
    assert_eq!(v2, Ok(false));
}

// --- malformed requests at a running server --------------------------------

#[test]
fn malformed_requests_are_answered_and_the_server_keeps_serving() {
    let (server, _table) = authz(&[SID], &[]);
    server.start().unwrap();
    let req = raw_socket(zmq::REQ, server.endpoint());
    let valid = json!({"jsonrpc": "2.0", "method": "verify", "params": SID, "id": "1"}).to_string();

    // 10 MB of pseudo-random bytes (mostly invalid UTF-8).
    let mut x: u32 = 0x2545_f491;
    let garbage: Vec<u8> = (0..10 * 1024 * 1024)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 17;
            x ^= x << 5;
            x as u8
        })
        .collect();
    // Nesting far deeper than any parser's recursion limit.
    let deep = format!(
        r#"{{"jsonrpc":"2.0","method":"verify","params":{}1{},"id":"1"}}"#,
        "[".repeat(100_000),
        "]".repeat(100_000)
    )
    .into_bytes();
    // 10 MB of valid UTF-8 that is not JSON.
    let text_garbage = vec![b'x'; 10 * 1024 * 1024];

    let cases: Vec<(&str, Vec<u8>, i64, Value)> = vec![
        ("not JSON", b"not json".to_vec(), PARSE_ERROR, Value::Null),
        ("empty frame", Vec::new(), PARSE_ERROR, Value::Null),
        (
            "truncated JSON",
            br#"{"jsonrpc":"2.0","method":"verify","params":"s","id":"1""#.to_vec(),
            PARSE_ERROR,
            Value::Null,
        ),
        (
            "JSON array",
            br#"[{"method":"verify"}]"#.to_vec(),
            INVALID_REQUEST,
            Value::Null,
        ),
        ("JSON number", b"42".to_vec(), INVALID_REQUEST, Value::Null),
        (
            "JSON string",
            br#""verify""#.to_vec(),
            INVALID_REQUEST,
            Value::Null,
        ),
        ("JSON null", b"null".to_vec(), INVALID_REQUEST, Value::Null),
        (
            "missing method",
            br#"{"jsonrpc":"2.0","params":"s","id":"5"}"#.to_vec(),
            INVALID_REQUEST,
            json!("5"),
        ),
        (
            "method not a string",
            br#"{"jsonrpc":"2.0","method":42,"params":"s","id":"6"}"#.to_vec(),
            INVALID_REQUEST,
            json!("6"),
        ),
        (
            "method null",
            br#"{"jsonrpc":"2.0","method":null,"id":7}"#.to_vec(),
            INVALID_REQUEST,
            json!(7),
        ),
        (
            "id an object",
            br#"{"jsonrpc":"2.0","method":"verify","params":"s","id":{"a":1}}"#.to_vec(),
            INVALID_REQUEST,
            Value::Null,
        ),
        (
            "id a list",
            br#"{"jsonrpc":"2.0","method":"verify","params":"s","id":[1]}"#.to_vec(),
            INVALID_REQUEST,
            Value::Null,
        ),
        ("10 MB of garbage", garbage, PARSE_ERROR, Value::Null),
        ("100000 nested lists", deep, PARSE_ERROR, Value::Null),
        ("10 MB of text", text_garbage, PARSE_ERROR, Value::Null),
        (
            "invalid UTF-8",
            b"\xff\xfe{\"method\":\"verify\"}".to_vec(),
            PARSE_ERROR,
            Value::Null,
        ),
        (
            "invalid UTF-8 inside a string",
            b"{\"method\":\"verify\",\"params\":\"\xc3\x28\",\"id\":\"1\"}".to_vec(),
            PARSE_ERROR,
            Value::Null,
        ),
        (
            "unknown method",
            br#"{"jsonrpc":"2.0","method":"frobnicate","params":"s","id":"8"}"#.to_vec(),
            METHOD_NOT_FOUND,
            json!("8"),
        ),
    ];
    let mut answered = 0;
    for (what, request, code, id) in &cases {
        let reply = raw_call(&req, request);
        let message = assert_error_of(what, &reply, *code, id);
        if *code == METHOD_NOT_FOUND {
            assert!(
                message.starts_with("Command Not Supported"),
                "{what}: {message}"
            );
        }
        // A valid request right after is still answered.
        let ok = raw_call(&req, valid.as_bytes());
        assert_result(&ok, &json!(true), &json!("1"));
        answered += 2;
    }

    // Two frames through a DEALER (with REP's empty delimiter frame).
    let dealer = raw_socket(zmq::DEALER, server.endpoint());
    dealer
        .send_multipart([&b""[..], valid.as_bytes(), valid.as_bytes()], 0)
        .unwrap();
    let frames = dealer
        .recv_multipart(0)
        .expect("an answer to the 2-frame request");
    assert_eq!(frames.len(), 2, "delimiter + one reply frame");
    assert!(frames[0].is_empty());
    let reply: Value = serde_json::from_slice(&frames[1]).unwrap();
    let message = assert_error(&reply, INVALID_REQUEST, &Value::Null);
    assert!(message.contains("2 frames"), "{message}");
    // Three frames too.
    dealer
        .send_multipart([&b""[..], b"a", b"b", b"c"], 0)
        .unwrap();
    let frames = dealer
        .recv_multipart(0)
        .expect("an answer to the 3-frame request");
    let reply: Value = serde_json::from_slice(&frames[1]).unwrap();
    let message = assert_error(&reply, INVALID_REQUEST, &Value::Null);
    assert!(message.contains("3 frames"), "{message}");
    answered += 2;

    // The typed client still works, and the counters add up.
    let client = Client::new(server.endpoint(), CALL_MS).unwrap();
    assert_eq!(client.verify(SID), Ok(true));
    answered += 1;
    let (requests, errors) = server.request_counts();
    assert_eq!(requests, answered);
    assert_eq!(errors, cases.len() as u64 + 2);
    server.stop(1000).unwrap();
}

#[test]
fn handle_answers_without_sockets() {
    let (server, _table) = authz(&[SID], &[]);
    let reply = server.handle(
        json!({"jsonrpc": "2.0", "method": "verify", "params": SID, "id": "1"})
            .to_string()
            .as_bytes(),
    );
    assert_result(&reply, &json!(true), &json!("1"));
    let reply = server.handle(br#"{"jsonrpc":"2.0","method":"nope","params":{},"id":"2"}"#);
    let message = assert_error(&reply, METHOD_NOT_FOUND, &json!("2"));
    assert!(message.starts_with("Command Not Supported"), "{message}");
    assert!(message.contains("nope"), "names the method: {message}");
    assert_error(&server.handle(b"{"), PARSE_ERROR, &Value::Null);
    assert_error(&server.handle(b"\x80"), PARSE_ERROR, &Value::Null);
    assert_error(&server.handle(b"[]"), INVALID_REQUEST, &Value::Null);
    assert_eq!(server.request_counts(), (5, 4));
}

// --- handler errors and panics -------------------------------------------------

#[test]
fn handler_errors_reach_the_client_as_remote_errors() {
    let server = Server::new("tcp://127.0.0.1:*").unwrap();
    server.set_handler("verify", |_| {
        Err(RpcError::new(4001, "session store offline"))
    });
    server.set_handler("fail", |_| Err(RpcError::new(-32000, "custom failure")));
    server.start().unwrap();
    let client = Client::new(server.endpoint(), CALL_MS).unwrap();

    let err = client.verify(SID).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Remote, "{err}");
    assert!(err.message().contains("session store offline"), "{err}");
    assert!(err.message().contains("4001"), "{err}");
    assert!(err.message().contains("verify"), "names the method: {err}");

    let err = client.call("fail", json!(null)).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Remote);
    assert!(err.message().contains("custom failure"), "{err}");

    // On the wire: a JSON-RPC error object.
    let req = raw_socket(zmq::REQ, server.endpoint());
    let reply = raw_call(
        &req,
        br#"{"jsonrpc":"2.0","method":"verify","params":"s","id":"1"}"#,
    );
    assert_eq!(
        reply,
        json!({"jsonrpc": "2.0", "error": {"code": 4001, "message": "session store offline"}, "id": "1"})
    );

    // Unknown and removed methods: -32601, "Command Not Supported".
    let err = client.call("frobnicate", json!("x")).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Remote);
    assert!(err.message().contains("Command Not Supported"), "{err}");
    assert!(server.remove_handler("fail"));
    assert!(!server.remove_handler("fail"));
    let err = client.call("fail", json!(null)).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Remote);
    assert!(err.message().contains("Command Not Supported"), "{err}");
    assert!(
        err.message().contains(&METHOD_NOT_FOUND.to_string()),
        "{err}"
    );
    // Replacing a handler while the server runs takes effect at once.
    server.set_handler("verify", |_| Ok(json!(true)));
    assert_eq!(client.verify(SID), Ok(true));
    server.stop(1000).unwrap();
}

#[test]
fn a_panicking_handler_is_an_internal_error_and_the_server_survives() {
    let server = Server::new("tcp://127.0.0.1:*").unwrap();
    server.set_handler("boom", |params| {
        if params == Some(&json!("panic")) {
            panic!("handler panics on purpose (expected in this test)");
        }
        Ok(json!("fine"))
    });
    server.start().unwrap();
    let req = raw_socket(zmq::REQ, server.endpoint());
    for round in 0..3 {
        let reply = raw_call(
            &req,
            br#"{"jsonrpc":"2.0","method":"boom","params":"panic","id":"p"}"#,
        );
        let message = assert_error(&reply, INTERNAL_ERROR, &json!("p"));
        assert!(message.contains("boom"), "round {round}: {message}");
        let reply = raw_call(
            &req,
            br#"{"jsonrpc":"2.0","method":"boom","params":"calm","id":"c"}"#,
        );
        assert_result(&reply, &json!("fine"), &json!("c"));
    }
    let client = Client::new(server.endpoint(), CALL_MS).unwrap();
    let err = client.call("boom", json!("panic")).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Remote);
    assert!(err.message().contains("-32603"), "{err}");
    assert_eq!(client.call("boom", json!(1)), Ok(json!("fine")));
    assert_eq!(server.request_counts(), (8, 4));
    server.stop(1000).unwrap();
}

// --- broken replies -------------------------------------------------------------

#[test]
fn the_client_reports_broken_replies_as_protocol_errors() {
    let rep = raw_context().socket(zmq::REP).unwrap();
    rep.set_linger(0).unwrap();
    rep.set_rcvtimeo(5000).unwrap();
    rep.bind("tcp://127.0.0.1:*").unwrap();
    let endpoint = rep.get_last_endpoint().unwrap().unwrap();
    // Canned replies, one per request, in order.
    let canned: Vec<Vec<Vec<u8>>> = vec![
        vec![b"not json".to_vec()],
        vec![b"[true]".to_vec()],
        vec![br#"{"jsonrpc":"2.0","result":"yes","id":"1"}"#.to_vec()],
        vec![br#"{"jsonrpc":"2.0","result":true,"id":"999"}"#.to_vec()],
        vec![
            br#"{"jsonrpc":"2.0","result":true,"id":"1"}"#.to_vec(),
            b"extra".to_vec(),
        ],
        vec![b"\xff\xff".to_vec()],
        vec![br#"{"jsonrpc":"2.0","result":5,"id":"2"}"#.to_vec()],
        // Fine replies, interleaved so each error is followed by a success.
        vec![br#"{"jsonrpc":"2.0","error":"Command Not Supported","id":"1"}"#.to_vec()],
        vec![br#"{"jsonrpc":"2.0","result":null,"id":"2"}"#.to_vec()],
        vec![br#"{"jsonrpc":"2.0","result":true,"id":null}"#.to_vec()],
        vec![br#"{"jsonrpc":"2.0","result":false,"id":"1"}"#.to_vec()],
    ];
    let server = thread::spawn(move || {
        for reply in canned {
            let request = rep.recv_multipart(0).expect("a request within 5 s");
            assert_eq!(request.len(), 1);
            let frames: Vec<&[u8]> = reply.iter().map(Vec::as_slice).collect();
            rep.send_multipart(frames, 0).unwrap();
        }
    });
    let client = Client::new(&endpoint, CALL_MS).unwrap();
    let protocol = |r: zil::Result<bool>, why: &str| {
        let err = r.expect_err(why);
        assert_eq!(err.kind(), ErrorKind::Protocol, "{why}: {err}");
        assert!(!err.message().is_empty());
    };
    protocol(client.verify(SID), "reply not JSON");
    protocol(client.verify(SID), "reply a JSON array");
    // A truthy non-boolean is read as the original reads it, and counted.
    assert_eq!(client.verify(SID), Ok(true), "verify answered \"yes\"");
    assert_eq!(client.non_boolean_answers(), 1);
    protocol(client.verify(SID), "reply id does not match");
    protocol(client.verify(SID), "reply of 2 frames");
    protocol(client.verify(SID), "reply not UTF-8");
    let err = client.get_token().unwrap_err();
    assert_eq!(
        err.kind(),
        ErrorKind::Protocol,
        "get_token answered a number: {err}"
    );
    // The original's bare-string error.
    let err = client.verify(SID).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Remote);
    assert!(err.message().contains("Command Not Supported"), "{err}");
    assert_eq!(client.get_token(), Ok(None));
    assert_eq!(client.verify(SID), Ok(true), "an id of null is accepted");
    assert_eq!(client.verify(SID), Ok(false));
    assert_eq!(client.non_boolean_answers(), 1, "booleans are not counted");
    server.join().expect("the raw REP answered all requests");
}

// --- timeouts and recovery -------------------------------------------------------

/// A client of a dead `addr` times out within timeout + 20 %, twice (the REQ
/// socket was replaced, not left waiting for a reply); then a server binds
/// `addr` and the same client's next call succeeds, with no ghost request.
/// `close` (what `zil_rpc_client_free` does first) ends a call waiting
/// forever for an answer (a server bound but never run) with `Closed`, and
/// every later call at once.
#[test]
fn close_ends_a_blocked_call_with_closed() {
    let mute = Server::new("tcp://127.0.0.1:*").expect("bind a server that never runs");
    let client = Arc::new(Client::new(mute.endpoint(), -1).expect("client"));
    let caller = Arc::clone(&client);
    let call = BlockedCall::start(move || caller.call("slow", json!({})));
    // Not needed for the outcome (closing first gives the same answer); it
    // makes the call likely to be waiting already.
    std::thread::sleep(Duration::from_millis(100));
    let caller = Arc::clone(&client);
    let waiting = BlockedCall::start(move || caller.call("queued", json!({})));
    std::thread::sleep(Duration::from_millis(100));
    let err = call.closed_by(|| client.close());
    assert!(err.message().contains("freed"), "{err}");
    // The call that waited for its turn ends too, sending nothing.
    waiting.closed_by(|| {});
    let t = Instant::now();
    assert_eq!(
        client.verify(SID).expect_err("closed").kind(),
        ErrorKind::Closed
    );
    assert!(t.elapsed() < Duration::from_millis(500));
}

/// A client with a `keep_waiting` check ends a call waiting forever for a
/// silent server with `Interrupted` one 10 ms slice after the check says
/// no (100 ms allowed for a loaded machine), asks it only while it waits, and replaces its REQ socket: the
/// same client's next call comes from a new connection and gets its answer.
#[test]
fn keep_waiting_ends_a_blocked_call_with_interrupted() {
    let router = raw_context().socket(zmq::ROUTER).expect("socket");
    router.set_linger(0).unwrap();
    router.set_rcvtimeo(5000).unwrap();
    router.bind("tcp://127.0.0.1:*").expect("bind");
    let addr = router.get_last_endpoint().unwrap().unwrap();
    let stop_at = Arc::new(Mutex::new(None::<Instant>));
    let asked = Arc::new(std::sync::atomic::AtomicU64::new(0));
    let (stop, count) = (Arc::clone(&stop_at), Arc::clone(&asked));
    let client = Client::new(&addr, -1)
        .expect("client")
        .with_keep_waiting(move || {
            count.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
            stop.lock().unwrap().is_none_or(|at| Instant::now() < at)
        });
    *stop_at.lock().unwrap() = Some(Instant::now() + Duration::from_millis(300));
    let start = Instant::now();
    let err = client.verify(SID).expect_err("interrupted");
    let took = start.elapsed();
    assert_eq!(err.kind(), ErrorKind::Interrupted, "{err}");
    assert!(err.message().contains(&addr), "{err}");
    assert!(
        took >= Duration::from_millis(300) && took < Duration::from_millis(400),
        "{took:?}"
    );
    let checks = asked.load(std::sync::atomic::Ordering::Relaxed);
    // Every 10 ms: about 30 times; fewer when the machine is loaded, never
    // a busy loop.
    assert!((5..=40).contains(&checks), "asked {checks} times in 300 ms");
    let unanswered = router.recv_multipart(0).expect("the first request");

    *stop_at.lock().unwrap() = None;
    let answering = thread::spawn(move || {
        let mut request = router.recv_multipart(0).expect("the second request");
        let reply = json!({"jsonrpc": "2.0", "result": true, "id": "1"}).to_string();
        *request.last_mut().unwrap() = reply.into_bytes();
        router.send_multipart(&request, 0).expect("reply");
        request
    });
    assert_eq!(client.verify(SID), Ok(true), "the same client recovers");
    let answered = answering.join().unwrap();
    assert_ne!(answered[0], unanswered[0], "a new REQ socket asked");
}

fn dead_then_alive(addr: &str) {
    const TIMEOUT_MS: i32 = 400;
    let client = Client::new(addr, TIMEOUT_MS).unwrap();
    for attempt in 0..2 {
        let start = Instant::now();
        let err = client.verify(SID).unwrap_err();
        let took = start.elapsed();
        assert_eq!(err.kind(), ErrorKind::Timeout, "attempt {attempt}: {err}");
        assert!(err.message().contains(addr), "names the address: {err}");
        assert!(took >= Duration::from_millis(TIMEOUT_MS as u64), "{took:?}");
        assert!(
            took <= Duration::from_millis(TIMEOUT_MS as u64 * 12 / 10),
            "timeout {TIMEOUT_MS} ms took {took:?}"
        );
    }
    let server = Server::new(addr).expect("the address is free again");
    server.set_handler("verify", |p| Ok(json!(p == Some(&json!(SID)))));
    server.start().unwrap();
    assert_eq!(client.verify(SID), Ok(true), "the same client recovers");
    assert_eq!(client.verify("x"), Ok(false));
    assert_eq!(
        server.request_counts(),
        (2, 0),
        "requests that timed out must not reach the new server"
    );
    server.stop(1000).unwrap();
}

#[test]
fn dead_ipc_server_times_out_then_the_same_client_recovers() {
    let dir = TempDir::new("rpc");
    dead_then_alive(&dir.ipc("authz"));
}

#[test]
fn dead_tcp_server_times_out_then_the_same_client_recovers() {
    let port = free_tcp_port();
    dead_then_alive(&format!("tcp://127.0.0.1:{port}"));
}

#[test]
fn a_server_that_stops_answering_is_a_timeout_not_a_hang() {
    // The server is bound but its handler is stuck past the client timeout.
    let server = Server::new("tcp://127.0.0.1:*").unwrap();
    let (entered, handler_entered) = mpsc::channel::<()>();
    let entered = Mutex::new(entered);
    server.set_handler("slow", move |_| {
        let _ = entered.lock().unwrap().send(());
        thread::sleep(Duration::from_millis(700));
        Ok(json!("late"))
    });
    server.set_handler("fast", |_| Ok(json!("quick")));
    server.start().unwrap();
    let client = Client::new(server.endpoint(), 200).unwrap();
    let start = Instant::now();
    let err = client.call("slow", json!(null)).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Timeout, "{err}");
    assert!(
        start.elapsed() < Duration::from_millis(240),
        "{:?}",
        start.elapsed()
    );
    handler_entered
        .recv_timeout(Duration::from_secs(5))
        .unwrap();
    // Once the server is free again the next call works; the late answer of
    // the abandoned request is not mistaken for it.
    let recovered = wait_until(Duration::from_secs(5), || {
        client.call("fast", json!(null)) == Ok(json!("quick"))
    });
    assert!(
        recovered,
        "the client recovers after the slow handler returns"
    );
    server.stop(1000).unwrap();
}

// --- life cycle --------------------------------------------------------------------

#[test]
fn stop_is_prompt_while_idle() {
    let (server, _t) = authz(&[SID], &[]);
    server.start().unwrap();
    let client = Client::new(server.endpoint(), CALL_MS).unwrap();
    assert_eq!(client.verify(SID), Ok(true));
    thread::sleep(Duration::from_millis(50)); // idle in its receive
    let start = Instant::now();
    server.stop(1000).expect("stop while idle");
    let took = start.elapsed();
    assert!(took < Duration::from_millis(200), "stop took {took:?}");
    // Stopped: no more answers.
    let late = Client::new(server.endpoint(), 150).unwrap();
    assert_eq!(late.verify(SID).unwrap_err().kind(), ErrorKind::Timeout);
    // Stopping again is harmless.
    server.stop(0).unwrap();
}

#[test]
fn stop_times_out_while_a_handler_runs_longer() {
    let server = Server::new("tcp://127.0.0.1:*").unwrap();
    let (entered_tx, entered) = mpsc::channel::<()>();
    let entered_tx = Mutex::new(entered_tx);
    server.set_handler("sleep", move |_| {
        let _ = entered_tx.lock().unwrap().send(());
        thread::sleep(Duration::from_millis(600));
        Ok(json!("slept"))
    });
    server.start().unwrap();
    let endpoint = server.endpoint().to_owned();
    let caller = thread::spawn(move || {
        Client::new(&endpoint, CALL_MS)
            .unwrap()
            .call("sleep", json!(null))
    });
    entered
        .recv_timeout(Duration::from_secs(5))
        .expect("the handler runs");
    let start = Instant::now();
    let err = server.stop(100).unwrap_err();
    let took = start.elapsed();
    assert_eq!(err.kind(), ErrorKind::Timeout, "{err}");
    assert!(took >= Duration::from_millis(100), "{took:?}");
    assert!(took < Duration::from_millis(300), "stop(100) took {took:?}");
    // The request in progress is still answered; then the loop ends.
    assert_eq!(caller.join().unwrap(), Ok(json!("slept")));
    server.stop(2000).expect("the loop ended after the handler");
}

#[test]
fn run_on_one_thread_is_stopped_from_another() {
    let (server, _t) = authz(&[SID], &[]);
    let server = Arc::new(server);
    let runner_server = Arc::clone(&server);
    let (done_tx, done) = mpsc::channel();
    let runner = thread::spawn(move || {
        let _ = done_tx.send(runner_server.run());
    });
    let client = Client::new(server.endpoint(), CALL_MS).unwrap();
    assert_eq!(client.verify(SID), Ok(true), "run() serves");
    // While it runs, neither start nor a second run may serve too.
    assert_eq!(server.start().unwrap_err().kind(), ErrorKind::Closed);
    assert_eq!(server.run().unwrap_err().kind(), ErrorKind::Closed);
    assert!(done.try_recv().is_err(), "run() still blocks");

    let start = Instant::now();
    server.stop(2000).expect("stop a running run()");
    let result = done
        .recv_timeout(Duration::from_secs(2))
        .expect("run() returned after stop");
    assert!(
        start.elapsed() < Duration::from_millis(200),
        "{:?}",
        start.elapsed()
    );
    assert_eq!(result, Ok(()));
    runner.join().unwrap();
    // Stopping is final.
    let err = server.run().unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Closed);
    assert_eq!(server.start().unwrap_err().kind(), ErrorKind::Closed);
}

#[test]
fn start_twice_is_closed() {
    let (server, _t) = authz(&[SID], &[]);
    server.start().unwrap();
    let err = server.start().unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Closed, "{err}");
    assert!(err.message().contains(server.endpoint()), "{err}");
    // The first loop is unharmed.
    let client = Client::new(server.endpoint(), CALL_MS).unwrap();
    assert_eq!(client.verify(SID), Ok(true));
    server.stop(1000).unwrap();
    let err = server.start().unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Closed, "after stop: {err}");
}

#[test]
fn a_handler_may_stop_its_own_server() {
    let server = Arc::new(Server::new("tcp://127.0.0.1:*").unwrap());
    let weak = Arc::downgrade(&server);
    server.set_handler("shutdown", move |_| {
        let stopped = weak.upgrade().map(|s| s.stop(1000).is_ok());
        Ok(json!(stopped == Some(true)))
    });
    server.start().unwrap();
    let client = Client::new(server.endpoint(), 300).unwrap();
    let start = Instant::now();
    assert_eq!(client.call("shutdown", json!(null)), Ok(json!(true)));
    assert!(
        start.elapsed() < Duration::from_millis(300),
        "stop inside a handler does not wait"
    );
    assert_eq!(
        client.call("shutdown", json!(null)).unwrap_err().kind(),
        ErrorKind::Timeout
    );
    server.stop(1000).unwrap();
}

#[test]
fn dropping_a_running_server_stops_it_and_frees_the_address() {
    let dir = TempDir::new("rpcdrop");
    let addr = dir.ipc("s");
    let first = Server::new(&addr).unwrap();
    first.set_handler("who", |_| Ok(json!("first")));
    first.start().unwrap();
    let client = Client::new(&addr, 1000).unwrap();
    assert_eq!(client.call("who", json!(null)), Ok(json!("first")));
    let start = Instant::now();
    drop(first);
    assert!(
        start.elapsed() < Duration::from_millis(500),
        "{:?}",
        start.elapsed()
    );
    let second = Server::new(&addr).expect("the address is free after drop");
    second.set_handler("who", |_| Ok(json!("second")));
    second.start().unwrap();
    let recovered = wait_until(Duration::from_secs(5), || {
        client.call("who", json!(null)) == Ok(json!("second"))
    });
    assert!(recovered, "the same client reaches the second server");
    second.stop(1000).unwrap();
}

// --- arguments and sharing -----------------------------------------------------------

#[test]
fn bad_arguments_are_refused() {
    let err = Client::new("tcp://127.0.0.1:1", -2)
        .err()
        .expect("timeout -2");
    assert_eq!(err.kind(), ErrorKind::InvalidArgument);
    let err = Client::new("", 100).err().expect("empty address");
    assert_eq!(err.kind(), ErrorKind::InvalidArgument);
    let err = Client::new("bogus://x", 100).err().expect("bad transport");
    assert!(err.message().contains("bogus://x"), "{err}");
    let err = Server::new("tcp://127.0.0.1:notaport")
        .err()
        .expect("bad port");
    assert!(err.message().contains("notaport"), "{err}");
    let first = Server::new("tcp://127.0.0.1:*").unwrap();
    let err = Server::new(first.endpoint()).err().expect("address in use");
    assert!(err.message().contains(first.endpoint()), "{err}");
}

#[test]
fn one_client_serves_many_threads() {
    let server = Server::new("tcp://127.0.0.1:*").unwrap();
    server.set_handler("double", |p| {
        let n = p
            .and_then(Value::as_i64)
            .ok_or_else(|| RpcError::new(-32602, "int"))?;
        Ok(json!(n * 2))
    });
    server.start().unwrap();
    let client = Arc::new(Client::new(server.endpoint(), CALL_MS).unwrap());
    let workers: Vec<_> = (0..8i64)
        .map(|t| {
            let client = Arc::clone(&client);
            thread::spawn(move || {
                for i in 0..50i64 {
                    let n = t * 1000 + i;
                    assert_eq!(client.call("double", json!(n)), Ok(json!(n * 2)));
                }
            })
        })
        .collect();
    for w in workers {
        w.join().expect("worker");
    }
    assert_eq!(server.request_counts(), (400, 0));
    server.stop(1000).unwrap();
}
