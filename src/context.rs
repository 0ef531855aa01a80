//! The one ZeroMQ context of the process, shared by every zil handle so that
//! `inproc://` works between ports and a process pays for one I/O thread.

use once_cell::sync::Lazy;

static CONTEXT: Lazy<zmq::Context> = Lazy::new(zmq::Context::new);

/// The process-wide context (created on first use, never terminated: sockets
/// are closed by their handles, so process exit never waits on it).
pub(crate) fn context() -> &'static zmq::Context {
    &CONTEXT
}
