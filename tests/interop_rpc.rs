//! Wire compatibility of zil's RPC mode with Python's `zmq_integration_lib`
//! (WIRE.md, RPC section): a client written to the original's behaviour
//! (`tests/python/rpc_peer.py client`) calls a zil server, and a zil client
//! calls a server written to the original's behaviour (`rpc_peer.py
//! server`), for `verify`, `get_token`, `logout` and an unknown method.
//!
//! Needs python3 with pyzmq (`python3 -m pip install -r
//! tests/python/requirements.txt`); without them these tests fail with that
//! hint. Peers are killed on drop and every wait is bounded.

#[path = "common/python.rs"]
mod python;

use python::Peer;
use serde_json::{json, Value};
use std::collections::HashSet;
use std::sync::{Arc, Mutex};
use zil::rpc::{Client, Server};
use zil::ErrorKind;

const SID: &str = "4a501b51317e2c8f4a0fd7831d3e09dc";

/// A zil authorization server like the one a C service would run, which
/// also records the params each handler got.
/// What each handler got: (method, params).
type CallLog = Arc<Mutex<Vec<(String, Option<Value>)>>>;

fn zil_authz(log: CallLog) -> Server {
    let server = Server::new("tcp://127.0.0.1:*").unwrap();
    let table = Arc::new(Mutex::new(HashSet::from([SID.to_string()])));
    let tokens = Arc::new(Mutex::new(vec!["tok-1".to_string()]));
    let (t, l) = (Arc::clone(&table), Arc::clone(&log));
    server.set_handler("verify", move |p| {
        l.lock().unwrap().push(("verify".into(), p.cloned()));
        Ok(json!(t
            .lock()
            .unwrap()
            .contains(p.and_then(Value::as_str).unwrap_or(""))))
    });
    let l = Arc::clone(&log);
    server.set_handler("get_token", move |p| {
        l.lock().unwrap().push(("get_token".into(), p.cloned()));
        let mut tokens = tokens.lock().unwrap();
        Ok(if tokens.is_empty() {
            Value::Null
        } else {
            json!(tokens.remove(0))
        })
    });
    let (t, l) = (table, log);
    server.set_handler("logout", move |p| {
        l.lock().unwrap().push(("logout".into(), p.cloned()));
        t.lock()
            .unwrap()
            .remove(p.and_then(Value::as_str).unwrap_or(""));
        Ok(json!(true))
    });
    server
}

/// Checks one line of the Python client: the call, its outcome, that the
/// raw reply is the JSON-RPC reply with `id`, and that its bytes are those
/// the original server's `json.dumps` writes.
fn expect_result(line: &Value, call: Value, result: Value, id: Value) {
    assert_eq!(line["call"], call, "{line}");
    assert!(line.get("error").is_none(), "{line}");
    assert_eq!(line["result"], result, "{line}");
    assert_eq!(line["reply"], line["original_reply"], "{line}");
    let reply: Value = serde_json::from_str(line["reply"].as_str().expect("raw reply")).unwrap();
    assert_eq!(
        reply,
        json!({"jsonrpc": "2.0", "result": result, "id": id}),
        "{line}"
    );
}

#[test]
fn python_client_calls_a_zil_server() {
    let log = Arc::new(Mutex::new(Vec::new()));
    let server = zil_authz(Arc::clone(&log));
    server.start().unwrap();
    let calls = json!([
        ["verify", SID],
        ["verify", "ffffffffffffffffffffffffffffffff"],
        ["get_token"],
        ["get_token"],
        ["logout", SID],
        ["verify", SID],
        ["raw", "frobnicate", "x", "9"],
        ["raw", "verify", "", 42]
    ]);
    let mut py = Peer::spawn(
        "rpc_peer.py",
        &[
            "client",
            "--addr",
            server.endpoint(),
            "--calls",
            &calls.to_string(),
        ],
    );
    expect_result(&py.next(), json!(["verify", SID]), json!(true), json!("1"));
    expect_result(
        &py.next(),
        json!(["verify", "ffffffffffffffffffffffffffffffff"]),
        json!(false),
        json!("1"),
    );
    expect_result(&py.next(), json!(["get_token"]), json!("tok-1"), json!("2"));
    expect_result(&py.next(), json!(["get_token"]), Value::Null, json!("2"));
    expect_result(&py.next(), json!(["logout", SID]), json!(true), json!("3"));
    expect_result(&py.next(), json!(["verify", SID]), json!(false), json!("1"));

    // Unknown method: the original client sees an "error" key and raises.
    let line = py.next();
    assert_eq!(
        line["call"],
        json!(["raw", "frobnicate", "x", "9"]),
        "{line}"
    );
    assert!(
        line.get("result").is_none(),
        "the Python client raised: {line}"
    );
    let message = line["error"]["message"]
        .as_str()
        .unwrap_or_else(|| panic!("a JSON-RPC error object: {line}"));
    assert!(message.starts_with("Command Not Supported"), "{line}");
    assert_eq!(line["error"]["code"], json!(-32601));
    assert_eq!(
        line["reply"],
        json!(
            r#"{"jsonrpc": "2.0", "error": {"code": -32601, "message": "Command Not Supported: method 'frobnicate' not found"}, "id": "9"}"#
        ),
        "laid out as json.dumps writes it"
    );

    // A number id and empty params are fine for zil.
    expect_result(
        &py.next(),
        json!(["raw", "verify", "", 42]),
        json!(false),
        json!(42),
    );
    assert_eq!(py.next(), json!({"done": true}));
    py.finish_ok();

    // What zil's handlers got: everything the original client sent,
    // including get_token's `{}` (zil does not drop falsy params).
    let log = log.lock().unwrap().clone();
    assert_eq!(
        log,
        vec![
            ("verify".to_string(), Some(json!(SID))),
            (
                "verify".into(),
                Some(json!("ffffffffffffffffffffffffffffffff"))
            ),
            ("get_token".into(), Some(json!({}))),
            ("get_token".into(), Some(json!({}))),
            ("logout".into(), Some(json!(SID))),
            ("verify".into(), Some(json!(SID))),
            ("verify".into(), Some(json!(""))),
        ]
    );
    assert_eq!(server.request_counts(), (8, 1));
    server.stop(1000).unwrap();
}

/// The next request the Python server saw, parsed, with how it called the
/// handler; its bytes must be those the original client's `json.dumps`
/// writes for the same call.
fn seen(py: &Peer) -> (Value, Value) {
    let line = py.next();
    let text = line["request"].as_str().unwrap_or_else(|| panic!("{line}"));
    assert_eq!(line["request"], line["original_form"], "{line}");
    let request: Value = serde_json::from_str(text).unwrap();
    (request, line["handled_with"].clone())
}

#[test]
fn zil_client_calls_a_python_server() {
    let py = Peer::spawn(
        "rpc_peer.py",
        &["server", "--sessions", SID, "--tokens", "tok-1"],
    );
    let endpoint = py.ready();
    let client = Client::new(&endpoint, 5000).unwrap();

    assert_eq!(client.verify(SID), Ok(true));
    let line = py.next();
    assert_eq!(
        line["request"],
        json!(format!(
            r#"{{"jsonrpc": "2.0", "method": "verify", "params": "{SID}", "id": "1"}}"#
        )),
        "byte for byte what the original client sends"
    );
    assert_eq!(line["handled_with"], json!("params"));
    // Escapes as json.dumps does (ensure_ascii): quote, backslash,
    // control, DEL and non-ASCII characters (UTF-16 surrogates).
    let odd = "s\u{e9}\u{1F600}\"\\\n\u{7f}";
    assert_eq!(client.verify(odd), Ok(false));
    let line = py.next();
    assert_eq!(
        line["request"],
        json!(
            r#"{"jsonrpc": "2.0", "method": "verify", "params": "s\u00e9\ud83d\ude00\"\\\n\u007f", "id": "1"}"#
        )
    );
    assert_eq!(line["request"], line["original_form"], "{line}");
    assert_eq!(client.verify("ffffffffffffffffffffffffffffffff"), Ok(false));
    seen(&py);
    assert_eq!(client.get_token(), Ok(Some("tok-1".into())));
    assert_eq!(
        seen(&py),
        (
            json!({"jsonrpc": "2.0", "method": "get_token", "params": {}, "id": "2"}),
            json!("no params")
        ),
        "the original calls get_token() without arguments for params {{}}"
    );
    assert_eq!(
        client.get_token(),
        Ok(None),
        "the server's None is JSON null"
    );
    seen(&py);
    assert_eq!(client.logout(SID), Ok(true));
    assert_eq!(
        seen(&py),
        (
            json!({"jsonrpc": "2.0", "method": "logout", "params": SID, "id": "3"}),
            json!("params")
        )
    );
    assert_eq!(
        client.verify(SID),
        Ok(false),
        "logged out on the Python side"
    );
    seen(&py);

    // Unknown method: the original's bare-string error.
    // Its params hold the numbers whose text Python writes its own way.
    let params = json!(["x", 1.0, 1e16, 0.00001, -7, {"k": "\u{e9}"}]);
    let err = client.call("frobnicate", params.clone()).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Remote, "{err}");
    assert!(err.message().contains("Command Not Supported"), "{err}");
    assert!(
        err.message().contains("frobnicate"),
        "names the method: {err}"
    );
    let (request, handled) = seen(&py);
    assert_eq!(request["method"], json!("frobnicate"));
    assert_eq!(request["params"], params);
    assert!(
        request["id"].is_u64(),
        "generic calls send number ids: {request}"
    );
    assert_eq!(handled, Value::Null);

    // A generic call of a known method: the Python server echoes zil's id.
    assert_eq!(
        client.call("verify", json!("ffffffffffffffffffffffffffffffff")),
        Ok(json!(false))
    );
    seen(&py);
    // The server is still up and answering.
    assert_eq!(client.get_token(), Ok(None));
    seen(&py);
    drop(client);
    let mut py = py;
    py.finish_ok();
}
