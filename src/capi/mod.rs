//! The C ABI of zil: thin conversions over the safe Rust API.
//!
//! Every exported function runs its body inside [`ffi!`](boundary), which
//! catches panics and turns errors into a `zil_result` (or NULL, 0, false)
//! plus the thread-local `zil_last_error()` text. Handles are opaque
//! zero-sized C types that stand for a Rust object, boxed or shared ([`handle`]).
#![allow(non_camel_case_types)]
#![allow(clippy::missing_safety_doc)]

// The modules are declared in the order `zil.h` presents them (cbindgen
// emits functions in parse order): results and errors, messages, streaming,
// RPC, session-aware pads, then options, CURVE, monitor and logging.
#[macro_use]
pub(crate) mod boundary;
#[macro_use]
pub(crate) mod handle;
pub(crate) mod convert;

// Results and errors.
pub mod result;

// Messages, and the counters every handle keeps.
pub mod msg;

pub mod stats;

// Streaming.
pub mod outport;

pub mod inport;

// RPC.
pub mod rpc_server;

pub mod rpc_client;

pub mod string;

// Session-aware pads.
pub mod outpad;

pub mod inpad;

// Options, CURVE, monitor, logging.
pub mod options;

pub mod curve;

pub mod monitor;

pub mod log;
