//! Strings zil hands to C for the caller to own.

use std::ffi::{c_char, CString};

/// Moves `text` to C as a NUL-terminated string the caller frees with
/// `zil_string_free` (text up to an interior NUL, which JSON never has).
pub(crate) fn into_c_string(text: String) -> *mut c_char {
    let bytes = match text.find('\0') {
        Some(end) => text[..end].to_owned(),
        None => text,
    };
    CString::new(bytes).unwrap_or_default().into_raw()
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
