//! Strings zil hands to C for the caller to own.

use std::ffi::{c_char, CString};

/// `text` as a C string, up to its first NUL (wire strings may hold one;
/// JSON and libzmq endpoints never do).
pub(crate) fn c_string(text: &str) -> CString {
    let end = text.find('\0').unwrap_or(text.len());
    CString::new(&text[..end]).unwrap_or_default()
}

/// Moves `text` to C as a NUL-terminated string the caller frees with
/// `zil_string_free`.
pub(crate) fn into_c_string(text: &str) -> *mut c_char {
    c_string(text).into_raw()
}

/// Frees a string that zil returned for the caller to own (results of
/// `zil_rpc_client_call`, tokens of `zil_rpc_client_get_token`). NULL is a
/// no-op. Never pass a string zil only lent (e.g. `zil_last_error()`).
#[no_mangle]
pub unsafe extern "C" fn zil_string_free(text: *mut c_char) {
    ffi! {
        if !text.is_null() {
            drop(CString::from_raw(text));
        }
        Ok(())
    }
}
