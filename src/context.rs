//! The one ZeroMQ context of the process, shared by every zil handle so that
//! `inproc://` works between ports and a process pays for one I/O thread.

use crate::error::{Error, ErrorKind, Result};
use std::sync::Mutex;
use std::time::Duration;

static CONTEXT: Mutex<Option<zmq::Context>> = Mutex::new(None);

/// The process-wide context, created on first use. Every socket holds a
/// reference to it, so it lives until zil's own reference is released by
/// [`shutdown`] and the last socket is closed.
pub(crate) fn context() -> zmq::Context {
    let mut slot = CONTEXT.lock().unwrap_or_else(|p| p.into_inner());
    slot.get_or_insert_with(zmq::Context::new).clone()
}

/// Releases zil's reference to the context. When no handle is left open,
/// this terminates the context, which delivers the messages freed ports still
/// hold (each for at most its linger time); the call waits at most
/// `timeout_ms` (`-1` forever) for that. Handles created afterwards use a new
/// context. With handles still open it returns at once, and the last handle
/// freed terminates the context.
pub fn shutdown(timeout_ms: i32) -> Result<()> {
    let Some(ctx) = CONTEXT.lock().unwrap_or_else(|p| p.into_inner()).take() else {
        return Ok(());
    };
    crate::curve::zap::release();
    crate::monitor::release();
    let (done, finished) = std::sync::mpsc::channel();
    std::thread::Builder::new()
        .name("zil-shutdown".into())
        .spawn(move || {
            drop(ctx);
            let _ = done.send(());
        })
        .map_err(|e| {
            Error::new(
                ErrorKind::Zmq,
                format!("cannot start the shutdown thread: {e}"),
            )
        })?;
    let waited = match u64::try_from(timeout_ms) {
        Ok(ms) => finished.recv_timeout(Duration::from_millis(ms)).is_ok(),
        Err(_) => finished.recv().is_ok(),
    };
    if waited {
        Ok(())
    } else {
        Err(Error::new(
            ErrorKind::Timeout,
            format!("unsent messages were still being delivered after {timeout_ms} ms"),
        ))
    }
}
