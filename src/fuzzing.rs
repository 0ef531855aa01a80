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

/// A raw socket in zil's process-wide ZeroMQ context, so it can reach a zil
/// port over `inproc://` (which only works within one context).
pub fn zmq_socket(kind: zmq::SocketType) -> crate::Result<Socket> {
    crate::socket::new_socket(kind).map(Socket)
}

/// A raw socket of [`zmq_socket`]; dereferences to the `zmq` crate's
/// socket and keeps zil's context alive.
pub struct Socket(crate::context::Socket);

impl std::ops::Deref for Socket {
    type Target = zmq::Socket;

    fn deref(&self) -> &zmq::Socket {
        &self.0
    }
}
