//! `zil_rpc_client_t`: calling JSON-RPC methods with a timeout.

use super::convert::{opt_str_arg, out_arg, str_arg};
use super::handle::{free, hold, into_raw};
use super::options::{options_or_default, zil_options_t};
use super::result::zil_result;
use super::string::into_c_string;
use crate::error::Error;
use crate::rpc::Client;
use serde_json::Value;
use std::ffi::c_char;

/// A JSON-RPC client of one server. Thread-safe: calls from several threads
/// are serialized (one request in flight). It may be freed while other
/// threads are in calls on it (see `zil_rpc_client_free`).
pub struct zil_rpc_client_t {
    _private: [u8; 0],
}
impl_handle!(zil_rpc_client_t => shared Client);

/// Creates a client of the server at `addr` (e.g. `"tcp://localhost:6900"`)
/// whose calls wait at most `timeout_ms` for an answer (-1 forever: only for
/// servers you trust). On a timeout the connection is replaced, so the next
/// call works as soon as the server is back. Never blocks. Returns NULL on
/// failure (`zil_last_error()`). Free with `zil_rpc_client_free`.
#[no_mangle]
pub unsafe extern "C" fn zil_rpc_client_new(
    addr: *const c_char,
    timeout_ms: i32,
) -> *mut zil_rpc_client_t {
    zil_rpc_client_new_with_options(addr, timeout_ms, std::ptr::null())
}

/// Like `zil_rpc_client_new` with options (`opts` may be NULL for
/// defaults; only read during the call): CURVE
/// (`zil_options_set_curve_client`) and the maximum reply size (default
/// 16 MiB) are used.
#[no_mangle]
pub unsafe extern "C" fn zil_rpc_client_new_with_options(
    addr: *const c_char,
    timeout_ms: i32,
    opts: *const zil_options_t,
) -> *mut zil_rpc_client_t {
    ffi! {
        let addr = str_arg(addr, "addr")?;
        crate::logging::init();
        let client = Client::with_options(addr, timeout_ms, &options_or_default(opts))?;
        Ok(into_raw::<zil_rpc_client_t>(client))
    }
}

/// Calls `method` with `params_json` (JSON text, e.g. `"\"abc\""`, `"{}"`,
/// `"[1,2]"`; NULL sends `null`). On `ZIL_OK` writes the result as JSON
/// text to `*result_json`, which the caller frees with `zil_string_free`;
/// on failure `*result_json` is untouched.
///
/// Results: `ZIL_TIMEOUT` (no answer in time; the error names the address),
/// `ZIL_REMOTE_ERROR` (the server answered an error; its message is in
/// `zil_last_error()`), `ZIL_PROTOCOL_ERROR` (the answer is no JSON-RPC
/// reply), `ZIL_INVALID_ARGUMENT` (params_json is not JSON), `ZIL_CLOSED`
/// (another thread freed the client during the call).
#[no_mangle]
pub unsafe extern "C" fn zil_rpc_client_call(
    client: *const zil_rpc_client_t,
    method: *const c_char,
    params_json: *const c_char,
    result_json: *mut *mut c_char,
) -> zil_result {
    ffi! {
        let client = hold(client, "client")?;
        let method = str_arg(method, "method")?;
        let out = out_arg(result_json, "result_json")?;
        let params = match opt_str_arg(params_json, "params_json")? {
            None => Value::Null,
            Some(text) => serde_json::from_str(text)
                .map_err(|e| Error::invalid(format!("params_json is not valid JSON: {e}")))?,
        };
        let result = client.call(method, params)?;
        *out = into_c_string(&result.to_string());
        Ok(zil_result::ZIL_OK)
    }
}

/// Asks the server whether `session_id` is valid (the original's `verify`
/// request, byte for byte). On `ZIL_OK` writes the answer to `*verified`:
/// read as the original reads it, by Python's truthiness (`1`, `"yes"` or
/// a non-empty list are true; `null`, `0`, `""`, `[]`, `{}` false). Other
/// results as `zil_rpc_client_call`.
#[no_mangle]
pub unsafe extern "C" fn zil_rpc_client_verify(
    client: *const zil_rpc_client_t,
    session_id: *const c_char,
    verified: *mut bool,
) -> zil_result {
    ffi! {
        let client = hold(client, "client")?;
        let session_id = str_arg(session_id, "session_id")?;
        let out = out_arg(verified, "verified")?;
        *out = client.verify(session_id)?;
        Ok(zil_result::ZIL_OK)
    }
}

/// Asks the server for a token (the original's `get_token` request). On
/// `ZIL_OK` writes the token to `*token` (the caller frees it with
/// `zil_string_free`), or NULL when the server answered `null`.
#[no_mangle]
pub unsafe extern "C" fn zil_rpc_client_get_token(
    client: *const zil_rpc_client_t,
    token: *mut *mut c_char,
) -> zil_result {
    ffi! {
        let client = hold(client, "client")?;
        let out = out_arg(token, "token")?;
        *out = match client.get_token()? {
            Some(t) => into_c_string(&t),
            None => std::ptr::null_mut(),
        };
        Ok(zil_result::ZIL_OK)
    }
}

/// Ends the session of `token` (the original's `logout` request). On
/// `ZIL_OK` writes the server's answer to `*logged_out`, read by Python's
/// truthiness like `zil_rpc_client_verify`'s.
#[no_mangle]
pub unsafe extern "C" fn zil_rpc_client_logout(
    client: *const zil_rpc_client_t,
    token: *const c_char,
    logged_out: *mut bool,
) -> zil_result {
    ffi! {
        let client = hold(client, "client")?;
        let token = str_arg(token, "token")?;
        let out = out_arg(logged_out, "logged_out")?;
        *out = client.logout(token)?;
        Ok(zil_result::ZIL_OK)
    }
}

/// Frees the client. NULL is a no-op. Its connection closes at once, or,
/// while calls are in progress, when the last of them has returned.
///
/// Freeing while other threads are in `zil_rpc_client_call`, `_verify`,
/// `_get_token` or `_logout` on it is defined: a call waiting for its
/// answer returns `ZIL_CLOSED` promptly (`zil_last_error()` says it was
/// freed), and so does a call still waiting for its turn. A call that
/// starts after this function began is a use after free (the caller's
/// error).
#[no_mangle]
pub unsafe extern "C" fn zil_rpc_client_free(client: *mut zil_rpc_client_t) {
    ffi! {
        free(client);
        Ok(())
    }
}
