//! Where zil's log lines go: a host callback (GStreamer's GST_DEBUG, syslog…)
//! or, without one, stderr filtered by the `ZIL_LOG` environment variable
//! (`off`, `error`, `warn` — the default —, `info`, `debug`, `trace`).
//!
//! The Rust core logs through the `log` crate. The C library installs this
//! logger for its own copy of `log` the first time a handle is created; a
//! Rust program using zil as a crate keeps its own logger.

use crate::error::{Error, Result};
use std::cell::Cell;
use std::ffi::c_void;
use std::io::Write;
use std::sync::{Once, RwLock};

/// A host's log function: `(user_data, level, message)`; level 1 = error …
/// 5 = trace. The message is valid only during the call.
pub type LogFn =
    unsafe extern "C" fn(user_data: *mut c_void, level: i32, message: *const std::ffi::c_char);

/// Releases a log function's `user_data` once zil no longer calls it.
pub type ReleaseFn = unsafe extern "C" fn(user_data: *mut c_void);

/// A host's log function with its `user_data`, released when dropped.
pub(crate) struct Sink {
    pub(crate) callback: LogFn,
    pub(crate) user_data: *mut c_void,
    pub(crate) release: Option<ReleaseFn>,
}

impl Drop for Sink {
    fn drop(&mut self) {
        if let Some(release) = self.release {
            // SAFETY: the release function given with this user_data, called
            // once, when no call of the callback is running (the sink is
            // dropped after the write lock that excluded them).
            unsafe { release(self.user_data) };
        }
    }
}

// SAFETY: the C API documents that the callback and user_data may be used
// from any thread.
unsafe impl Send for Sink {}
// SAFETY: as above.
unsafe impl Sync for Sink {}

static SINK: RwLock<Option<Sink>> = RwLock::new(None);
static INIT: Once = Once::new();

thread_local! {
    /// True on a thread while it runs the host's callback: lines that zil
    /// logs from inside it go to stderr, and the sink cannot be replaced
    /// from inside it (both would wait on the lock the call holds).
    static IN_CALLBACK: Cell<bool> = const { Cell::new(false) };
}

struct Logger;

impl log::Log for Logger {
    fn enabled(&self, metadata: &log::Metadata<'_>) -> bool {
        metadata.level() <= log::max_level()
    }

    fn log(&self, record: &log::Record<'_>) {
        if !self.enabled(record.metadata()) || !record.target().starts_with("zil") {
            return;
        }
        let text = record.args().to_string();
        if !IN_CALLBACK.get() {
            let sink = SINK.read().unwrap_or_else(|p| p.into_inner());
            if let Some(sink) = sink.as_ref() {
                let line = std::ffi::CString::new(text.replace('\0', " ")).unwrap_or_default();
                IN_CALLBACK.set(true);
                // SAFETY: the host's callback with its user_data; the line
                // lives until it returns.
                unsafe { (sink.callback)(sink.user_data, record.level() as i32, line.as_ptr()) };
                IN_CALLBACK.set(false);
                return;
            }
        }
        let _ = writeln!(std::io::stderr(), "[{}] {text}", record.level());
    }

    fn flush(&self) {}
}

/// The level named by `ZIL_LOG`, warn when unset or unknown.
fn env_level() -> log::LevelFilter {
    std::env::var("ZIL_LOG")
        .ok()
        .and_then(|v| v.trim().parse().ok())
        .unwrap_or(log::LevelFilter::Warn)
}

/// Installs zil's logger for the C library (once; a no-op if the process's
/// `log` already has one).
pub(crate) fn init() {
    INIT.call_once(|| {
        if log::set_logger(&Logger).is_ok() {
            log::set_max_level(env_level());
        }
    });
}

/// Routes log lines to `sink` (or back to stderr for `None`). The sink it
/// replaces is released after every running call of its callback ended.
/// Refused from inside the callback, which holds the lock this needs.
pub(crate) fn set_sink(sink: Option<Sink>) -> Result<()> {
    if IN_CALLBACK.get() {
        // Dropping `sink` here would release the new user_data: hand it
        // back to its owner instead by forgetting the release.
        if let Some(mut refused) = sink {
            refused.release = None;
        }
        return Err(Error::invalid(
            "the log callback cannot be replaced or removed from inside the log callback"
                .to_string(),
        ));
    }
    init();
    let old = std::mem::replace(&mut *SINK.write().unwrap_or_else(|p| p.into_inner()), sink);
    drop(old);
    Ok(())
}

/// Sets the most verbose level delivered (0 = off … 5 = trace).
pub(crate) fn set_level(level: log::LevelFilter) {
    init();
    log::set_max_level(level);
}
