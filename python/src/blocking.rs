//! Blocking calls from Python. The GIL is released while zil waits, and a
//! long wait is cut into slices so that Ctrl-C (Python's SIGINT handler,
//! which only runs between bytecodes) ends it within one slice.

use crate::errors::{to_py, IntoPy};
use pyo3::prelude::*;
use std::cell::RefCell;
use std::time::{Duration, Instant};
use zil::{Error, ErrorKind};

/// The longest stretch a blocking call waits before it looks at Python's
/// pending signals.
const SLICE: Duration = Duration::from_millis(100);

/// A Python timeout in seconds (`None`: forever) as zil's milliseconds
/// (`-1`: forever), rounded up so that a small timeout never becomes 0.
pub(crate) fn timeout_ms(timeout: Option<f64>) -> PyResult<i32> {
    match timeout {
        None => Ok(-1),
        Some(secs) if secs.is_finite() && secs >= 0.0 => {
            Ok((secs * 1000.0).ceil().min(f64::from(i32::MAX)) as i32)
        }
        Some(secs) => Err(to_py(Error::invalid(format!(
            "timeout {secs} is invalid (None waits forever, t >= 0 waits t seconds)"
        )))),
    }
}

/// Calls `attempt(ms)` until it returns something other than a `Timeout`,
/// or `timeout` seconds (`None`: forever) have passed. The first attempt
/// takes what is already there without releasing the GIL (the fast path of
/// a busy stream); later ones release it and wait at most one slice each,
/// then run Python's signal handlers (a `KeyboardInterrupt` ends the wait).
pub(crate) fn wait<T, F>(py: Python<'_>, timeout: Option<f64>, attempt: F) -> PyResult<T>
where
    T: Send,
    F: Fn(i32) -> zil::Result<T> + Send + Sync,
{
    wait_raw(py, timeout, attempt)?.py_err()
}

/// Like [`wait`], keeping zil's error for the caller to look at: the outer
/// error is Python's (a signal handler raised, a bad timeout).
pub(crate) fn wait_raw<T, F>(
    py: Python<'_>,
    timeout: Option<f64>,
    attempt: F,
) -> PyResult<zil::Result<T>>
where
    T: Send,
    F: Fn(i32) -> zil::Result<T> + Send + Sync,
{
    let total_ms = timeout_ms(timeout)?;
    let mut last = match attempt(0) {
        Err(e) if e.kind() == ErrorKind::Timeout => e,
        other => return Ok(other),
    };
    let deadline = u64::try_from(total_ms)
        .ok()
        .map(|ms| Instant::now() + Duration::from_millis(ms));
    loop {
        let slice = match deadline {
            None => SLICE,
            Some(at) => SLICE.min(at.saturating_duration_since(Instant::now())),
        };
        if slice.is_zero() {
            return Ok(Err(last));
        }
        let slice_ms = slice.as_millis().max(1) as i32;
        match py.detach(|| attempt(slice_ms)) {
            Err(e) if e.kind() == ErrorKind::Timeout => last = e,
            other => return Ok(other),
        }
        py.check_signals()?;
    }
}

thread_local! {
    /// What a signal handler raised in [`no_signal`], for
    /// [`detach_checking`] to raise.
    static RAISED: RefCell<Option<PyErr>> = const { RefCell::new(None) };
}

/// The "keep waiting?" check of a zil call that waits with the GIL released
/// (`Outport::push_while`, `Client::with_keep_waiting`): takes the GIL and
/// runs Python's signal handlers. `false` (stop waiting) when one raised;
/// [`detach_checking`] then raises its exception.
pub(crate) fn no_signal() -> bool {
    Python::attach(|py| match py.check_signals() {
        Ok(()) => true,
        Err(e) => {
            RAISED.with(|raised| *raised.borrow_mut() = Some(e));
            false
        }
    })
}

/// Runs `call` with the GIL released. A call that [`no_signal`] ended
/// raises what the signal handler raised (`KeyboardInterrupt`), not zil's
/// `Interrupted`.
pub(crate) fn detach_checking<T, F>(py: Python<'_>, call: F) -> PyResult<T>
where
    T: Send,
    F: FnOnce() -> zil::Result<T> + Send,
{
    let result = py.detach(call);
    if let Some(e) = RAISED.with(|raised| raised.borrow_mut().take()) {
        return Err(e);
    }
    result.py_err()
}
