//! The JSON-RPC 2.0 messages zil reads and writes, and the standard error
//! codes. Lenient where the Python original is (bare-string `params`, string
//! or number ids), strict about everything else.

use super::python_json;
use serde_json::{json, Map, Value};
use std::fmt;

/// Invalid JSON (or not UTF-8) was received.
pub const PARSE_ERROR: i64 = -32700;
/// The JSON is not a valid request object (or the message had several frames).
pub const INVALID_REQUEST: i64 = -32600;
/// No handler is registered for the method.
pub const METHOD_NOT_FOUND: i64 = -32601;
/// The handler refused the params.
pub const INVALID_PARAMS: i64 = -32602;
/// The handler failed (panicked, answered invalid JSON, or did not answer).
pub const INTERNAL_ERROR: i64 = -32603;

/// The message of the original's unknown-method error, kept so that
/// operators and log scrapers see the same words.
pub const NOT_SUPPORTED: &str = "Command Not Supported";

/// An error a handler answers with: a JSON-RPC code and a message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RpcError {
    /// JSON-RPC error code (e.g. `-32602`, or an application code).
    pub code: i64,
    /// Human message sent to the caller.
    pub message: String,
}

impl RpcError {
    /// An error with `code` and `message`.
    pub fn new(code: i64, message: impl Into<String>) -> Self {
        RpcError {
            code,
            message: message.into(),
        }
    }
}

impl fmt::Display for RpcError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} (code {})", self.message, self.code)
    }
}

/// A request that passed validation.
#[derive(Debug)]
pub(crate) struct Request {
    pub(crate) method: String,
    pub(crate) params: Option<Value>,
    pub(crate) id: Value,
}

/// Parses one request message; on failure returns the error reply's code,
/// message and the id (when it could be read).
pub(crate) fn parse_request(bytes: &[u8]) -> Result<Request, (RpcError, Value)> {
    let text = std::str::from_utf8(bytes).map_err(|e| {
        (
            RpcError::new(
                PARSE_ERROR,
                format!("Parse error: request is not UTF-8 ({e})"),
            ),
            Value::Null,
        )
    })?;
    let value: Value = serde_json::from_str(text).map_err(|e| {
        (
            RpcError::new(PARSE_ERROR, format!("Parse error: {e}")),
            Value::Null,
        )
    })?;
    let Value::Object(mut object) = value else {
        return Err((
            RpcError::new(INVALID_REQUEST, "Invalid Request: not a JSON object"),
            Value::Null,
        ));
    };
    let id = match object.remove("id") {
        Some(id @ (Value::String(_) | Value::Number(_) | Value::Null)) => id,
        None => Value::Null,
        Some(_) => {
            return Err((
                RpcError::new(
                    INVALID_REQUEST,
                    "Invalid Request: id must be a string, number or null",
                ),
                Value::Null,
            ))
        }
    };
    let method = match object.remove("method") {
        Some(Value::String(m)) => m,
        Some(_) => {
            return Err((
                RpcError::new(INVALID_REQUEST, "Invalid Request: method must be a string"),
                id,
            ))
        }
        None => {
            return Err((
                RpcError::new(INVALID_REQUEST, "Invalid Request: no method"),
                id,
            ))
        }
    };
    Ok(Request {
        method,
        params: object.remove("params"),
        id,
    })
}

/// A reply the server sends, laid out as the original's `json.dumps`
/// writes its replies (its `Display` is the text on the wire).
#[derive(Debug)]
pub(crate) enum Reply {
    /// `{"jsonrpc": "2.0", "result": <value>, "id": <id>}`, the original's
    /// success reply byte for byte.
    Result(Value, Value),
    /// `{"jsonrpc": "2.0", "error": {"code": N, "message": "…"}, "id": <id>}`:
    /// a JSON-RPC 2.0 error object where the original sends a bare string.
    /// Its client treats any reply with an `error` key as a failure, so it
    /// understands it, and zil's callers get a code.
    Error(RpcError, Value),
}

impl Reply {
    /// The reply as a JSON value.
    pub(crate) fn to_value(&self) -> Value {
        match self {
            Reply::Result(result, id) => json!({"jsonrpc": "2.0", "result": result, "id": id}),
            Reply::Error(err, id) => {
                json!({"jsonrpc": "2.0", "error": error_object(err), "id": id})
            }
        }
    }
}

impl fmt::Display for Reply {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let text = match self {
            Reply::Result(result, id) => {
                python_json::object(&[("jsonrpc", &json!("2.0")), ("result", result), ("id", id)])
            }
            Reply::Error(err, id) => python_json::object(&[
                ("jsonrpc", &json!("2.0")),
                ("error", &error_object(err)),
                ("id", id),
            ]),
        };
        f.write_str(&text)
    }
}

fn error_object(err: &RpcError) -> Value {
    let mut object = Map::new();
    object.insert("code".into(), json!(err.code));
    object.insert("message".into(), json!(err.message));
    Value::Object(object)
}

/// The success reply the original sends.
pub(crate) fn result_reply(result: Value, id: Value) -> Reply {
    Reply::Result(result, id)
}

/// An error reply with a JSON-RPC 2.0 error object.
pub(crate) fn error_reply(err: &RpcError, id: Value) -> Reply {
    Reply::Error(err.clone(), id)
}

/// A request's text exactly as the original client's `json.dumps` writes
/// it: `{"jsonrpc": "2.0", "method": "verify", "params": "…", "id": "1"}`.
pub(crate) fn request(method: &str, params: &Value, id: &Value) -> String {
    python_json::object(&[
        ("jsonrpc", &json!("2.0")),
        ("method", &json!(method)),
        ("params", params),
        ("id", id),
    ])
}

/// `value` by Python's truthiness rules, as the original reads a `verify`
/// answer (`if verified:`): `null`, `false`, `0`, `0.0`, `""`, `[]` and
/// `{}` are false, every other value is true.
pub fn truthy(value: &Value) -> bool {
    match value {
        Value::Null => false,
        Value::Bool(b) => *b,
        Value::Number(n) => n.as_f64().is_some_and(|f| f != 0.0),
        Value::String(s) => !s.is_empty(),
        Value::Array(items) => !items.is_empty(),
        Value::Object(members) => !members.is_empty(),
    }
}

/// The name of `value`'s JSON type, for messages that must not repeat the
/// value itself.
pub(crate) fn type_name(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

/// What a reply says: a result, or a remote error (as one line of text).
#[derive(Debug, PartialEq)]
pub(crate) enum Outcome {
    Result(Value),
    RemoteError(String),
}

/// Parses a reply into its outcome and id; `Err` describes a reply that
/// breaks the protocol.
pub(crate) fn parse_reply(bytes: &[u8]) -> Result<(Outcome, Value), String> {
    let text = std::str::from_utf8(bytes).map_err(|e| format!("reply is not UTF-8 ({e})"))?;
    let value: Value =
        serde_json::from_str(text).map_err(|e| format!("reply is not JSON ({e})"))?;
    let Value::Object(mut object) = value else {
        return Err("reply is not a JSON object".into());
    };
    let id = object.remove("id").unwrap_or(Value::Null);
    let outcome = match object.remove("error") {
        Some(error) => Outcome::RemoteError(error_text(&error)),
        None => Outcome::Result(object.remove("result").unwrap_or(Value::Null)),
    };
    Ok((outcome, id))
}

/// A remote error as one line: a bare string (the original's form) as is,
/// an error object as `message (code N)`.
fn error_text(error: &Value) -> String {
    match error {
        Value::String(s) => s.clone(),
        Value::Object(o) => describe_error_object(o),
        other => other.to_string(),
    }
}

fn describe_error_object(o: &Map<String, Value>) -> String {
    let message = o.get("message").and_then(Value::as_str).unwrap_or("error");
    match o.get("code").and_then(Value::as_i64) {
        Some(code) => format!("{message} (code {code})"),
        None => message.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::truthy;
    use serde_json::json;

    #[test]
    fn reads_answers_by_python_truthiness() {
        // bool(x) in Python for each x.
        for value in [
            json!(true),
            json!(1),
            json!(-2),
            json!(0.5),
            json!("yes"),
            json!("false"),
            json!([0]),
            json!({"ok": false}),
        ] {
            assert!(truthy(&value), "{value}");
        }
        for value in [
            json!(false),
            json!(null),
            json!(0),
            json!(0.0),
            json!(-0.0),
            json!(""),
            json!([]),
            json!({}),
        ] {
            assert!(!truthy(&value), "{value}");
        }
    }
}
