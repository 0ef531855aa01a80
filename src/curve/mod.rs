//! Encryption and authentication with ZeroMQ's CURVE mechanism.
//!
//! A socket is a CURVE *server* (it holds a secret key; clients must know
//! its public key) or a CURVE *client* (it knows the server's public key and
//! has a key pair of its own). A server may also restrict who connects to an
//! allow-list of client public keys, checked by zil's ZAP handler
//! (its own service, beside the sockets); refused clients are counted and
//! logged. Which side binds and
//! which connects does not matter.
//!
//! CURVE needs a libzmq built with libsodium: [`supported`] tells, and every
//! CURVE setting fails with `NotSupported` on a libzmq without it.

mod keys;

pub(crate) use keys::require;
pub use keys::{supported, KeyPair, PublicKey, SecretKey, Z85_KEY_LEN};

/// CURVE settings of a socket ([`crate::PortOptions::curve`]). The default
/// is no encryption: plain ZeroMQ, like the Python original.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CurveOptions {
    /// Server role: this socket's secret key.
    pub server_secret: Option<SecretKey>,
    /// Server role: when non-empty, only clients with one of these public
    /// keys may connect; empty admits every client that knows the server's
    /// public key.
    pub allowed_clients: Vec<PublicKey>,
    /// Client role: the public key of the server this socket talks to.
    pub server_key: Option<PublicKey>,
    /// Client role: this client's key pair (what a server's allow-list
    /// names), used with `server_key` or `rpc_server_key`; `None` makes a
    /// new one for each socket.
    pub client_keys: Option<KeyPair>,
    /// Inpads: the public key of the RPC (authorization) server; the
    /// `verify` calls then use CURVE with `client_keys`.
    pub rpc_server_key: Option<PublicKey>,
}

impl CurveOptions {
    /// The settings of an inpad's RPC client: a CURVE client of
    /// `rpc_server_key` with this port's key pair; plain without that key.
    pub(crate) fn for_rpc_client(&self) -> CurveOptions {
        CurveOptions {
            server_key: self.rpc_server_key,
            client_keys: self.rpc_server_key.and(self.client_keys.clone()),
            ..CurveOptions::default()
        }
    }
}
