//! # zil
//!
//! Inter-process messaging over ZeroMQ for C, C++ and Rust pipelines,
//! wire-compatible with Python's `zmq_integration_lib`:
//!
//! * [`stream`]: output and input ports (`[topic, data, event]` over PUB/SUB);
//! * [`rpc`]: JSON-RPC 2.0 server with handlers and a client that never hangs;
//! * [`session`]: session-aware streaming (outpad/inpad with RPC verification);
//! * [`curve`]: encryption and client authentication for all of them.
//!
//! The safe Rust API lives in the domain modules; `capi` is the thin C ABI
//! whose header, `include/zil.h`, cbindgen generates from this crate.
//!
//! The modules stand on floors and import only from their own floor or
//! below (`tests/module_layers.rs` checks it): errors, time, logging and
//! counters; the ZeroMQ context, descriptors, CURVE keys and port options;
//! sockets (`socket`); the services that run threads of their own and own
//! their shutdown (`zap`, [`monitor`]); the socket of a port
//! (`port_socket`); [`stream`] and [`rpc`]; [`session`]; and on top the C
//! ABI.

mod capi;
mod context;
pub mod curve;
mod deadline;
mod descriptor;
mod endpoint;
mod error;
#[doc(hidden)]
pub mod fuzzing;
mod logging;
pub mod monitor;
mod options;
mod port_socket;
pub mod rpc;
mod service;
pub mod session;
mod socket;
mod stats;
pub mod stream;
mod waker;
mod zap;

pub use context::shutdown;
pub use error::{Error, ErrorKind, Result};
pub use options::{
    Attach, PortOptions, TcpKeepalive, TopicMatch, DEFAULT_MAX_MSG_SIZE,
    DEFAULT_MAX_SESSION_ID_LEN, DEFAULT_RPC_MAX_MSG_SIZE, DEFAULT_TCP_KEEPALIVE,
};
pub use stats::Stats;

/// zil's version (`major.minor.patch`).
pub const VERSION: &str = env!("CARGO_PKG_VERSION");
