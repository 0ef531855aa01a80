//! Converting C arguments (strings, byte buffers, out-parameters) into Rust
//! values, with errors that name the argument.

use crate::error::{Error, ErrorKind, Result};
use std::ffi::{c_char, CStr};

/// A required NUL-terminated UTF-8 string argument.
///
/// # Safety
/// `ptr` is NULL or points to a NUL-terminated string that outlives `'a`.
pub(crate) unsafe fn str_arg<'a>(ptr: *const c_char, name: &str) -> Result<&'a str> {
    opt_str_arg(ptr, name)?.ok_or_else(|| {
        Error::new(
            ErrorKind::NullArgument,
            format!("argument '{name}' is NULL"),
        )
    })
}

/// An optional string argument: NULL is `None`.
///
/// # Safety
/// As [`str_arg`].
pub(crate) unsafe fn opt_str_arg<'a>(ptr: *const c_char, name: &str) -> Result<Option<&'a str>> {
    if ptr.is_null() {
        return Ok(None);
    }
    CStr::from_ptr(ptr)
        .to_str()
        .map(Some)
        .map_err(|e| Error::invalid(format!("argument '{name}' is not valid UTF-8: {e}")))
}

/// A byte buffer argument; NULL is allowed only with length 0.
///
/// # Safety
/// `ptr` is NULL or valid for reads of `len` bytes for `'a`.
pub(crate) unsafe fn bytes_arg<'a>(ptr: *const u8, len: usize, name: &str) -> Result<&'a [u8]> {
    if ptr.is_null() {
        if len == 0 {
            return Ok(&[]);
        }
        return Err(Error::new(
            ErrorKind::NullArgument,
            format!("argument '{name}' is NULL but its length is {len}"),
        ));
    }
    if len > isize::MAX as usize {
        return Err(Error::invalid(format!(
            "argument '{name}' has an impossible length {len}"
        )));
    }
    Ok(std::slice::from_raw_parts(ptr, len))
}

/// Checks that an out-parameter is not NULL and returns it as a reference.
///
/// # Safety
/// `ptr` is NULL or valid for writes of one `T`.
pub(crate) unsafe fn out_arg<'a, T>(ptr: *mut T, name: &str) -> Result<&'a mut T> {
    ptr.as_mut().ok_or_else(|| {
        Error::new(
            ErrorKind::NullArgument,
            format!("out-argument '{name}' is NULL"),
        )
    })
}

/// Writes `value` through an out-parameter the caller may leave NULL (then
/// nothing is written).
///
/// # Safety
/// `ptr` is NULL or valid for writes of one `T`.
pub(crate) unsafe fn write_if_given<T>(ptr: *mut T, value: T) {
    if let Some(out) = ptr.as_mut() {
        *out = value;
    }
}

/// A timeout in the C convention: `-1` waits forever, `0` polls, `n > 0`
/// waits `n` ms; anything below `-1` is an error.
pub(crate) fn timeout_arg(timeout_ms: i32) -> Result<i32> {
    if timeout_ms < -1 {
        return Err(Error::invalid(format!(
            "timeout_ms {timeout_ms} is invalid (-1 waits forever, 0 polls, n > 0 waits n ms)"
        )));
    }
    Ok(timeout_ms)
}
