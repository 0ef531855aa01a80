//! RPC mode: JSON-RPC 2.0 over REQ/REP, compatible with the Python
//! original (WIRE.md, RPC section). A [`Server`] dispatches each request's
//! `method` to a registered handler; a [`Client`] calls methods with a
//! timeout and never hangs on a dead server.

mod client;
mod pipeline;
pub(crate) mod protocol;
pub(crate) mod python_json;
mod server;

pub use client::Client;
pub(crate) use pipeline::{Progress, VerifyPipeline};
pub use protocol::{
    truthy, RpcError, INTERNAL_ERROR, INVALID_PARAMS, INVALID_REQUEST, METHOD_NOT_FOUND,
    PARSE_ERROR,
};
pub(crate) use server::run as run_shared;
pub use server::{Handler, Server, ServerStats};

/// The methods of the Python original, with the ids its client sends.
pub mod methods {
    /// `verify(session_id) -> bool`, request id `"1"`.
    pub const VERIFY: &str = "verify";
    /// `get_token() -> string | null`, request id `"2"`.
    pub const GET_TOKEN: &str = "get_token";
    /// `logout(token) -> true`, request id `"3"`.
    pub const LOGOUT: &str = "logout";
}
