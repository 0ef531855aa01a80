//! Result codes, their names, the last error text and the version.

use super::boundary::FfiReturn;
use crate::error::{Error, ErrorKind};
use std::ffi::{c_char, c_int};

/// The result of every fallible zil call. The numbers are stable: a code is
/// never renumbered or reused.
#[repr(C)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum zil_result {
    /// Success.
    ZIL_OK = 0,
    /// An argument was out of range, malformed, not UTF-8, or an address was
    /// invalid; `zil_last_error()` names it.
    ZIL_INVALID_ARGUMENT = 1,
    /// A required pointer argument was NULL.
    ZIL_NULL_ARGUMENT = 2,
    /// Nothing arrived, or no answer came, before the timeout.
    ZIL_TIMEOUT = 3,
    /// A blocking call was woken up on purpose (e.g. `zil_inport_wake`).
    ZIL_INTERRUPTED = 4,
    /// A peer broke the wire format.
    ZIL_PROTOCOL_ERROR = 5,
    /// The remote RPC handler answered with an error; `zil_last_error()`
    /// holds the remote message.
    ZIL_REMOTE_ERROR = 6,
    /// A session was not confirmed by the authorization service.
    ZIL_UNAUTHORIZED = 7,
    /// libzmq reported an error; `zil_last_error()` has its text and errno.
    ZIL_ZMQ_ERROR = 8,
    /// The object was stopped or closed.
    ZIL_CLOSED = 9,
    /// Not available in this build or state.
    ZIL_NOT_SUPPORTED = 10,
    /// An internal error (a bug in zil, caught at the boundary). Please report it.
    ZIL_PANIC = 11,
}

impl From<ErrorKind> for zil_result {
    fn from(kind: ErrorKind) -> Self {
        match kind {
            ErrorKind::InvalidArgument => zil_result::ZIL_INVALID_ARGUMENT,
            ErrorKind::NullArgument => zil_result::ZIL_NULL_ARGUMENT,
            ErrorKind::Timeout => zil_result::ZIL_TIMEOUT,
            ErrorKind::Interrupted => zil_result::ZIL_INTERRUPTED,
            ErrorKind::Protocol => zil_result::ZIL_PROTOCOL_ERROR,
            ErrorKind::Remote => zil_result::ZIL_REMOTE_ERROR,
            ErrorKind::Unauthorized => zil_result::ZIL_UNAUTHORIZED,
            ErrorKind::Zmq => zil_result::ZIL_ZMQ_ERROR,
            ErrorKind::Closed => zil_result::ZIL_CLOSED,
            ErrorKind::NotSupported => zil_result::ZIL_NOT_SUPPORTED,
            ErrorKind::Panic => zil_result::ZIL_PANIC,
        }
    }
}

/// A failing call returns the code of its error's kind.
impl FfiReturn for zil_result {
    fn on_error(err: &Error) -> Self {
        zil_result::from(err.kind())
    }
}

/// What a result code means, in words, e.g. `"no answer or message
/// before the timeout"` for `ZIL_TIMEOUT`; `"not a zil result code"` for a
/// number that is no code. `zil_result_name` gives the enum's name. Static
/// string: never free it. Thread-safe.
#[no_mangle]
pub extern "C" fn zil_result_str(code: c_int) -> *const c_char {
    ffi! {
        let text: &'static [u8] = match code {
            0 => b"success\0",
            1 => b"invalid argument\0",
            2 => b"a required pointer argument was NULL\0",
            3 => b"no answer or message before the timeout\0",
            4 => b"woken up on purpose\0",
            5 => b"the peer broke the wire format\0",
            6 => b"the RPC server answered with an error\0",
            7 => b"the session was not confirmed\0",
            8 => b"libzmq reported an error\0",
            9 => b"the object was stopped or closed\0",
            10 => b"not available in this build or state\0",
            11 => b"internal error in zil (please report it)\0",
            _ => b"not a zil result code\0",
        };
        Ok(text.as_ptr().cast::<c_char>())
    }
}

/// The name of a result code, e.g. `"ZIL_TIMEOUT"`; `"ZIL_UNKNOWN"` for a
/// number that is no code. Static string: never free it. Thread-safe.
#[no_mangle]
pub extern "C" fn zil_result_name(code: c_int) -> *const c_char {
    ffi! {
        let name: &'static [u8] = match code {
            0 => b"ZIL_OK\0",
            1 => b"ZIL_INVALID_ARGUMENT\0",
            2 => b"ZIL_NULL_ARGUMENT\0",
            3 => b"ZIL_TIMEOUT\0",
            4 => b"ZIL_INTERRUPTED\0",
            5 => b"ZIL_PROTOCOL_ERROR\0",
            6 => b"ZIL_REMOTE_ERROR\0",
            7 => b"ZIL_UNAUTHORIZED\0",
            8 => b"ZIL_ZMQ_ERROR\0",
            9 => b"ZIL_CLOSED\0",
            10 => b"ZIL_NOT_SUPPORTED\0",
            11 => b"ZIL_PANIC\0",
            _ => b"ZIL_UNKNOWN\0",
        };
        Ok(name.as_ptr().cast::<c_char>())
    }
}

/// The message of the last failed zil call on this thread, naming its cause
/// (e.g. `invalid endpoint 'tcp://nope': cannot bind: Invalid argument
/// (errno 22)`); `""` if none failed yet. Never NULL. Owned by zil, valid
/// until the next failing zil call on the same thread; copy it to keep it.
/// A successful call leaves it unchanged.
#[no_mangle]
pub extern "C" fn zil_last_error() -> *const c_char {
    ffi! { Ok(super::boundary::last_error_ptr()) }
}

/// zil's version, e.g. `"0.1.0"` (also `ZIL_VERSION` in this header). Static
/// string: never free it.
#[no_mangle]
pub extern "C" fn zil_version() -> *const c_char {
    ffi! { Ok(concat!(env!("CARGO_PKG_VERSION"), "\0").as_ptr().cast::<c_char>()) }
}

/// Finishes zil's work before the process exits: releases zil's ZeroMQ
/// context and, when every handle has been freed, waits at most
/// `timeout_ms` (-1 forever) until the messages that freed ports still hold
/// are delivered (each port keeps them for its linger time, default
/// 1000 ms). Without it, a process that pushes, frees its port and exits at
/// once may lose the tail of its stream. `ZIL_TIMEOUT` if delivery was still
/// going on at the timeout. zil stays usable afterwards, but new handles use
/// a new ZeroMQ context: an `inproc://` address of a handle still open from
/// before is not reachable from them. The log callback is removed (its
/// `release` runs; later lines go to stderr). Call it from one thread,
/// after the last `*_free`.
#[no_mangle]
pub extern "C" fn zil_shutdown(timeout_ms: i32) -> zil_result {
    ffi! {
        crate::logging::set_sink(None)?;
        crate::context::shutdown(super::convert::timeout_arg(timeout_ms)?)?;
        Ok(zil_result::ZIL_OK)
    }
}
