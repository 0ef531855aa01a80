//! Thin, unstable wrappers around crate-private parsers, for the fuzz
//! targets in `fuzz/` and the property tests. Not part of zil's API.

use serde_json::Value;

use crate::rpc::protocol;

/// `rpc::protocol::parse_reply`: `Ok((Ok(result) | Err(remote error text), id))`,
/// or `Err` for a reply that breaks the protocol.
pub fn parse_reply(bytes: &[u8]) -> Result<(Result<Value, String>, Value), String> {
    use protocol::Outcome;
    protocol::parse_reply(bytes).map(|(outcome, id)| {
        let outcome = match outcome {
            Outcome::Result(v) => Ok(v),
            Outcome::RemoteError(e) => Err(e),
        };
        (outcome, id)
    })
}

/// zil's process-wide ZeroMQ context, so a raw socket can reach a zil port
/// over `inproc://` (which only works within one context).
pub fn zmq_context() -> zmq::Context {
    crate::context::context()
}
