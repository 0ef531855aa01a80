//! Routing zil's log lines into the host's logging.

use super::result::zil_result;
use super::rpc_server::zil_release_fn;
use crate::error::Error;
use crate::logging::{self, Sink};
use std::ffi::{c_char, c_void};

/// Log levels, most severe first.
#[allow(dead_code, reason = "C-only: declared in zil.h, never named in Rust")]
#[repr(C)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum zil_log_level {
    /// No log lines at all (only for `zil_set_log_level`).
    ZIL_LOG_OFF = 0,
    /// Failures zil could not recover from on its own.
    ZIL_LOG_ERROR = 1,
    /// Dropped or rejected messages, RPC timeouts and reconnections.
    ZIL_LOG_WARN = 2,
    /// Lifecycle events.
    ZIL_LOG_INFO = 3,
    /// Per-message details (e.g. each drop reason of an inpad).
    ZIL_LOG_DEBUG = 4,
    /// Everything.
    ZIL_LOG_TRACE = 5,
}

/// A host log function: receives the `user_data` given to
/// `zil_set_log_callback`, a `zil_log_level` value and one NUL-terminated
/// line (valid only during the call). Called from whichever thread logs —
/// a caller's thread or a zil thread — possibly at the same time from
/// several: it must be thread-safe.
///
/// It may call any zil function except `zil_set_log_callback` and
/// `zil_shutdown`, which return `ZIL_INVALID_ARGUMENT` from inside it (they
/// would wait for the callback to end). Lines that zil logs during the
/// callback's own zil calls go to stderr, never back into the callback.
pub type zil_log_fn =
    Option<unsafe extern "C" fn(user_data: *mut c_void, level: i32, message: *const c_char)>;

/// Sends zil's log lines to `callback` (NULL: back to stderr, zil's default)
/// and sets the most verbose level delivered (`min_level`, a
/// `zil_log_level`). Without a callback, lines go to stderr at the level
/// named by the environment variable `ZIL_LOG` (default `warn`).
///
/// `release` (may be NULL) is called with `user_data` exactly once, when zil
/// no longer calls `callback`: when the callback is replaced or removed by a
/// later `zil_set_log_callback`, or by `zil_shutdown`. It runs after every
/// call of `callback` in progress has returned, on the thread that replaced
/// or removed it. With a NULL `callback`, `user_data` and `release` are
/// not used. On failure (a bad `min_level`, or a call from inside the
/// log callback) nothing changes and `release` is not called. Affects only
/// zil's own logging; zil touches no other process-wide state.
#[no_mangle]
pub unsafe extern "C" fn zil_set_log_callback(
    callback: zil_log_fn,
    user_data: *mut c_void,
    release: zil_release_fn,
    min_level: i32,
) -> zil_result {
    ffi! {
        let level = level_filter(min_level)?;
        logging::set_sink(callback.map(|callback| Sink { callback, user_data, release }))?;
        logging::set_level(level);
        Ok(zil_result::ZIL_OK)
    }
}

/// Sets the most verbose level delivered (a `zil_log_level`, e.g.
/// `ZIL_LOG_DEBUG`), to the callback or stderr.
#[no_mangle]
pub extern "C" fn zil_set_log_level(level: i32) -> zil_result {
    ffi! {
        logging::set_level(level_filter(level)?);
        Ok(zil_result::ZIL_OK)
    }
}

fn level_filter(level: i32) -> crate::Result<log::LevelFilter> {
    Ok(match level {
        0 => log::LevelFilter::Off,
        1 => log::LevelFilter::Error,
        2 => log::LevelFilter::Warn,
        3 => log::LevelFilter::Info,
        4 => log::LevelFilter::Debug,
        5 => log::LevelFilter::Trace,
        _ => {
            return Err(Error::invalid(format!(
                "log level {level} is no zil_log_level (0..5)"
            )))
        }
    })
}
