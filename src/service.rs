//! The background threads zil runs for one ZeroMQ context (the ZAP handler,
//! the connection monitor hub): how they start, and how they are told that
//! the context was shut down. Each one ends by itself once released and
//! idle, so it never keeps a context from terminating.

use crate::error::{Error, ErrorKind, Result};
use crate::waker::Waker;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};

/// What every service shares with its thread: a waker to interrupt its
/// poll, and whether zil's context was shut down.
pub(crate) struct Lifecycle {
    waker: Waker,
    released: AtomicBool,
}

impl Lifecycle {
    pub(crate) fn new() -> Result<Self> {
        Ok(Lifecycle {
            waker: Waker::new()?,
            released: AtomicBool::new(false),
        })
    }

    /// Wakes the service's thread (to look at new work, or to end).
    pub(crate) fn waker(&self) -> &Waker {
        &self.waker
    }

    /// True once zil's context was shut down: the service ends when idle.
    pub(crate) fn is_released(&self) -> bool {
        self.released.load(Ordering::Acquire)
    }
}

/// A service that can be released.
pub(crate) trait Service {
    fn lifecycle(&self) -> &Lifecycle;
}

/// Takes the current service out of `slot` (so the next use starts a new
/// one, on the new context) and tells it to end once idle.
pub(crate) fn release<S: Service>(slot: &Mutex<Option<Arc<S>>>) {
    let taken = slot.lock().unwrap_or_else(|p| p.into_inner()).take();
    if let Some(service) = taken {
        let lifecycle = service.lifecycle();
        lifecycle.released.store(true, Ordering::Release);
        lifecycle.waker.wake();
    }
}

/// Runs `body` on a thread named `name`; `what` names the service in the
/// error when the thread cannot start.
pub(crate) fn spawn(name: &str, what: &str, body: impl FnOnce() + Send + 'static) -> Result<()> {
    std::thread::Builder::new()
        .name(name.into())
        .spawn(move || {
            // The services' work has no panicking paths; this is the
            // thread-level boundary for anything else.
            let _ = std::panic::catch_unwind(std::panic::AssertUnwindSafe(body));
        })
        .map(drop)
        .map_err(|e| {
            Error::new(
                ErrorKind::Zmq,
                format!("cannot start the {what} thread: {e}"),
            )
        })
}
