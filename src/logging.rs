//! Where zil's log lines go: a host callback (GStreamer's GST_DEBUG, syslog…)
//! or, without one, stderr filtered by the `ZIL_LOG` environment variable
//! (`off`, `error`, `warn` — the default —, `info`, `debug`, `trace`).
//!
//! The Rust core logs through the `log` crate. The C library installs this
//! logger for its own copy of `log` the first time a handle is created; a
//! Rust program using zil as a crate keeps its own logger.

use std::ffi::c_void;
use std::io::Write;
use std::sync::{Once, RwLock};

/// A host's log function: `(user_data, level, message)`; level 1 = error …
/// 5 = trace. The message is valid only during the call.
pub type LogFn =
    unsafe extern "C" fn(user_data: *mut c_void, level: i32, message: *const std::ffi::c_char);

struct Sink {
    callback: LogFn,
    user_data: *mut c_void,
}

// SAFETY: the C API documents that the callback and user_data may be used
// from any thread.
unsafe impl Send for Sink {}
// SAFETY: as above.
unsafe impl Sync for Sink {}

static SINK: RwLock<Option<Sink>> = RwLock::new(None);
static INIT: Once = Once::new();

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
        let sink = SINK.read().unwrap_or_else(|p| p.into_inner());
        match sink.as_ref() {
            Some(sink) => {
                let line = std::ffi::CString::new(text.replace('\0', " ")).unwrap_or_default();
                // SAFETY: the host's callback with its user_data; the line
                // lives until it returns.
                unsafe { (sink.callback)(sink.user_data, record.level() as i32, line.as_ptr()) };
            }
            None => {
                let _ = writeln!(std::io::stderr(), "[{}] {text}", record.level());
            }
        }
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

/// Routes log lines to `callback` (or back to stderr for `None`).
pub(crate) fn set_callback(callback: Option<LogFn>, user_data: *mut c_void) {
    init();
    *SINK.write().unwrap_or_else(|p| p.into_inner()) = callback.map(|callback| Sink {
        callback,
        user_data,
    });
}

/// Sets the most verbose level delivered (0 = off … 5 = trace).
pub(crate) fn set_level(level: log::LevelFilter) {
    init();
    log::set_max_level(level);
}
