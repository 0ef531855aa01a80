//! The panic boundary and the thread-local last error: written once, used by
//! every exported function through the `ffi!` macro.

use crate::error::{Error, ErrorKind};
use std::cell::RefCell;
use std::ffi::{c_char, CString};
use std::panic::{catch_unwind, AssertUnwindSafe};

/// Runs an exported function's body: `Ok(v)` returns `v`; an error or a
/// caught panic records `zil_last_error()` and returns the type's failure
/// value ([`FfiReturn`]).
macro_rules! ffi {
    ($($body:tt)*) => {
        $crate::capi::boundary::run(move || -> $crate::Result<_> { $($body)* })
    };
}

/// The value an exported function returns on failure (`zil_result`'s is
/// its code, in `result.rs`).
pub(crate) trait FfiReturn {
    fn on_error(err: &Error) -> Self;
}

impl<T> FfiReturn for *mut T {
    fn on_error(_: &Error) -> Self {
        std::ptr::null_mut()
    }
}

impl<T> FfiReturn for *const T {
    fn on_error(_: &Error) -> Self {
        std::ptr::null()
    }
}

impl FfiReturn for usize {
    fn on_error(_: &Error) -> Self {
        0
    }
}

impl FfiReturn for bool {
    fn on_error(_: &Error) -> Self {
        false
    }
}

impl FfiReturn for () {
    fn on_error(_: &Error) -> Self {}
}

pub(crate) fn run<R: FfiReturn>(body: impl FnOnce() -> crate::Result<R>) -> R {
    let err = match catch_unwind(AssertUnwindSafe(body)) {
        Ok(Ok(value)) => return value,
        Ok(Err(err)) => err,
        Err(payload) => {
            let what = payload
                .downcast_ref::<&str>()
                .map(|s| s.to_string())
                .or_else(|| payload.downcast_ref::<String>().cloned())
                .unwrap_or_else(|| "unknown cause".into());
            Error::new(
                ErrorKind::Panic,
                format!("internal error (panic caught): {what}"),
            )
        }
    };
    set_last_error(err.message());
    R::on_error(&err)
}

thread_local! {
    static LAST_ERROR: RefCell<CString> = RefCell::new(CString::default());
}

/// Records `message` as this thread's last error.
pub(crate) fn set_last_error(message: &str) {
    let text = CString::new(message.replace('\0', "\\0")).unwrap_or_default();
    LAST_ERROR.with(|slot| *slot.borrow_mut() = text);
}

/// The pointer `zil_last_error()` returns; valid until this thread's next
/// failing zil call.
pub(crate) fn last_error_ptr() -> *const c_char {
    LAST_ERROR.with(|slot| slot.borrow().as_ptr())
}
