//! The C ABI of zil: thin conversions over the safe Rust API.
//!
//! Every exported function runs its body inside [`ffi!`](boundary), which
//! catches panics and turns errors into a `zil_result` (or NULL, 0, false)
//! plus the thread-local `zil_last_error()` text. Handles are opaque
//! zero-sized C types that stand for a Rust object, boxed or shared ([`handle`]).
#![allow(non_camel_case_types)]
#![allow(clippy::missing_safety_doc)]

#[macro_use]
pub(crate) mod boundary;
#[macro_use]
pub(crate) mod handle;
pub(crate) mod convert;
pub mod curve;
pub mod inpad;
pub mod inport;
pub mod log;
pub mod monitor;
pub mod msg;
pub mod options;
pub mod outpad;
pub mod outport;
pub mod result;
pub mod rpc_client;
pub mod rpc_server;
pub mod string;
