//! `zil::rpc::Server::handle` on arbitrary request bytes: never panics, and
//! always answers a JSON-RPC reply object with `jsonrpc` and exactly one of
//! `result` / `error`.
#![no_main]

use libfuzzer_sys::fuzz_target;
use serde_json::{json, Value};
use std::sync::OnceLock;

fn server() -> &'static zil::rpc::Server {
    static SERVER: OnceLock<zil::rpc::Server> = OnceLock::new();
    SERVER.get_or_init(|| {
        let server = zil::rpc::Server::new("inproc://fuzz-rpc-request").expect("server");
        // The three methods of the wire format, plus one that refuses params.
        server.set_handler("verify", |params: Option<&Value>| {
            Ok(json!(
                params == Some(&json!("4a501b51317e2c8f4a0fd7831d3e09dc"))
            ))
        });
        server.set_handler("get_token", |_params: Option<&Value>| Ok(json!("token")));
        server.set_handler("logout", |_params: Option<&Value>| Ok(json!(true)));
        server.set_handler("echo", |params: Option<&Value>| match params {
            Some(p) => Ok(p.clone()),
            None => Err(zil::rpc::RpcError::new(
                zil::rpc::INVALID_PARAMS,
                "no params",
            )),
        });
        server
    })
}

fuzz_target!(|data: &[u8]| {
    let reply = server().handle(data);
    let Value::Object(object) = &reply else {
        panic!("reply is not an object: {reply}");
    };
    assert_eq!(object.get("jsonrpc"), Some(&json!("2.0")), "{reply}");
    assert!(object.contains_key("id"), "no id: {reply}");
    assert!(
        object.contains_key("result") != object.contains_key("error"),
        "need exactly one of result/error: {reply}"
    );
    // A request that parses as an object with a valid id gets that id back.
    if let Ok(Value::Object(request)) = serde_json::from_slice::<Value>(data) {
        if let Some(id @ (Value::String(_) | Value::Number(_) | Value::Null)) = request.get("id") {
            if matches!(request.get("method"), Some(Value::String(_))) {
                assert_eq!(object.get("id"), Some(id), "{reply}");
            }
        }
    }
    // The reply must serialize (it goes on the wire as text).
    let _ = reply.to_string();
});
