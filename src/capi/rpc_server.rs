//! `zil_rpc_server_t` and `zil_rpc_reply_t`: serving JSON-RPC methods with C
//! callbacks.

use super::convert::{opt_str_arg, str_arg, timeout_arg};
use super::handle::{borrow, borrow_mut, free, into_raw, lend, WithEndpoint};
use super::options::{options_or_default, zil_options_t};
use super::result::zil_result;
use super::stats::{write_stats, zil_rpc_server_stats_t};
use crate::error::Error;
use crate::rpc::{self, RpcError, Server};
use serde_json::Value;
use std::ffi::{c_char, c_void, CString};
use std::ptr;

/// JSON-RPC "parse error": the request was not JSON.
#[allow(dead_code, reason = "C-only: declared in zil.h, never named in Rust")]
pub const ZIL_RPC_PARSE_ERROR: i64 = -32700;
/// JSON-RPC "invalid request": not a request object.
#[allow(dead_code, reason = "C-only: declared in zil.h, never named in Rust")]
pub const ZIL_RPC_INVALID_REQUEST: i64 = -32600;
/// JSON-RPC "method not found".
#[allow(dead_code, reason = "C-only: declared in zil.h, never named in Rust")]
pub const ZIL_RPC_METHOD_NOT_FOUND: i64 = -32601;
/// JSON-RPC "invalid params": for handlers that refuse their params.
#[allow(dead_code, reason = "C-only: declared in zil.h, never named in Rust")]
pub const ZIL_RPC_INVALID_PARAMS: i64 = -32602;
/// JSON-RPC "internal error": the handler failed or answered invalid JSON.
#[allow(dead_code, reason = "C-only: declared in zil.h, never named in Rust")]
pub const ZIL_RPC_INTERNAL_ERROR: i64 = -32603;

/// A method handler. Called on the thread that runs the server (the caller
/// of `zil_rpc_server_run`, or the server's own thread after
/// `zil_rpc_server_start`), one request at a time.
///
/// - `user_data`: as given to `zil_rpc_server_set_handler`.
/// - `method`: the method name.
/// - `params_json`: the request's `params` as JSON text (e.g. `"\"4a50…\""`,
///   `"{}"`), or NULL when the request had none.
/// - `params_string`: when `params` is a JSON string, its text (unquoted),
///   else NULL — what `verify` and `logout` receive. A string with a NUL
///   character (`\u0000`) would be cut short as C text: such a request is
///   answered with error -32602 and the handler is not called.
/// - `reply`: answer through `zil_rpc_reply_set_*`; with no answer the
///   result is `null`.
///
/// Every pointer is valid only during the call. The handler may call any
/// zil function, including `zil_rpc_server_stop` and `zil_rpc_server_free`
/// on its own server (the server then stops after the handler returns).
pub type zil_rpc_handler = Option<
    unsafe extern "C" fn(
        user_data: *mut c_void,
        method: *const c_char,
        params_json: *const c_char,
        params_string: *const c_char,
        reply: *mut zil_rpc_reply_t,
    ),
>;

/// Releases the `user_data` of a callback once zil no longer calls it: an
/// RPC handler replaced, removed, or its server freed and stopped
/// (`zil_rpc_server_set_handler`), a log callback replaced or removed
/// (`zil_set_log_callback`, `zil_shutdown`). Called exactly once, never
/// during a call of the callback.
pub type zil_release_fn = Option<unsafe extern "C" fn(user_data: *mut c_void)>;

/// A JSON-RPC server bound to an address. Thread-safe: handlers may be set
/// from any thread, also while it runs; stop and free from any thread.
pub struct zil_rpc_server_t {
    _private: [u8; 0],
}
impl_handle!(zil_rpc_server_t => WithEndpoint<Server>);

/// The answer a handler is building. Lent: zil owns it and passes it to
/// one handler call; it is valid only until that handler returns. Never
/// free it, keep it, or use it from another thread.
pub struct zil_rpc_reply_t {
    _private: [u8; 0],
}
impl_handle!(zil_rpc_reply_t => lent Reply);

/// A handler's answer: a result (default `null`) or an error.
pub struct Reply {
    outcome: Result<Value, RpcError>,
}

/// The C handler's pointers, owned by the server's handler table.
struct CHandler {
    callback: unsafe extern "C" fn(
        *mut c_void,
        *const c_char,
        *const c_char,
        *const c_char,
        *mut zil_rpc_reply_t,
    ),
    user_data: *mut c_void,
    release: zil_release_fn,
    method: CString,
}

// SAFETY: zil_rpc_server_set_handler documents that user_data is used from
// the server's thread; C guarantees it may be.
unsafe impl Send for CHandler {}
// SAFETY: as above; zil never touches user_data itself.
unsafe impl Sync for CHandler {}

impl CHandler {
    fn call(&self, params: Option<&Value>) -> Result<Value, RpcError> {
        // JSON text escapes a NUL (`\u0000`), so `params_json` always holds
        // the whole of `params`.
        let params_json = params.map(|p| CString::new(p.to_string()).unwrap_or_default());
        let params_string = match params {
            // A C string ends at its first NUL: the handler would see less
            // than was sent. Refused, never shortened or changed.
            Some(Value::String(s)) => Some(CString::new(s.as_str()).map_err(|_| {
                RpcError::new(
                    rpc::INVALID_PARAMS,
                    "Invalid params: the string holds a NUL character, which a C handler \
                     cannot take as text",
                )
            })?),
            _ => None,
        };
        let mut reply = Reply {
            outcome: Ok(Value::Null),
        };
        // SAFETY: the callback is the C function given for this method; every
        // pointer lives until it returns.
        unsafe {
            (self.callback)(
                self.user_data,
                self.method.as_ptr(),
                params_json.as_ref().map_or(ptr::null(), |p| p.as_ptr()),
                params_string.as_ref().map_or(ptr::null(), |p| p.as_ptr()),
                lend::<zil_rpc_reply_t>(&mut reply),
            )
        };
        reply.outcome
    }
}

impl Drop for CHandler {
    fn drop(&mut self) {
        if let Some(release) = self.release {
            // SAFETY: the release function given with this user_data, called
            // once, after the last call of the handler.
            unsafe { release(self.user_data) };
        }
    }
}

/// Creates a server bound to `addr` (e.g. `"tcp://0.0.0.0:6900"`,
/// `"tcp://127.0.0.1:*"`, `"ipc:///run/authz"`). It answers nothing until
/// run. Returns NULL on failure (`zil_last_error()`). Free with
/// `zil_rpc_server_free`.
#[no_mangle]
pub unsafe extern "C" fn zil_rpc_server_new(addr: *const c_char) -> *mut zil_rpc_server_t {
    zil_rpc_server_new_with_options(addr, ptr::null())
}

/// Like `zil_rpc_server_new` with options (`opts` may be NULL for defaults;
/// only read during the call): CURVE (`zil_options_set_curve_server`, an
/// allow-list with `zil_options_allow_curve_client`), the maximum request
/// size (default 16 MiB), high-water marks and bind/connect are used.
#[no_mangle]
pub unsafe extern "C" fn zil_rpc_server_new_with_options(
    addr: *const c_char,
    opts: *const zil_options_t,
) -> *mut zil_rpc_server_t {
    ffi! {
        let addr = str_arg(addr, "addr")?;
        crate::logging::init();
        let server = Server::with_options(addr, &options_or_default(opts))?;
        let endpoint = server.endpoint().to_owned();
        Ok(into_raw::<zil_rpc_server_t>(WithEndpoint::new(server, &endpoint)))
    }
}

/// Registers `callback` for `method` (any name; replaces an earlier handler,
/// whose `release` then runs). A NULL `callback` removes the method's
/// handler. `release` (may be NULL) is called with `user_data` when the
/// handler is replaced, removed or its server freed. On failure `release`
/// is not called. Unregistered methods are answered with error -32601.
#[no_mangle]
pub unsafe extern "C" fn zil_rpc_server_set_handler(
    server: *const zil_rpc_server_t,
    method: *const c_char,
    callback: zil_rpc_handler,
    user_data: *mut c_void,
    release: zil_release_fn,
) -> zil_result {
    ffi! {
        let server = borrow(server, "server")?;
        let name = str_arg(method, "method")?;
        match callback {
            None => {
                server.remove_handler(name);
            }
            Some(callback) => {
                let handler = CHandler {
                    callback,
                    user_data,
                    release,
                    method: CString::new(name).unwrap_or_default(),
                };
                server.set_handler(name, move |params| handler.call(params));
            }
        }
        Ok(zil_result::ZIL_OK)
    }
}

/// Serves requests on the calling thread until `zil_rpc_server_stop` (from
/// another thread or a handler). Returns `ZIL_OK` once stopped, `ZIL_CLOSED`
/// if the server already runs or was stopped. A malformed request never ends
/// the loop: it is answered with a JSON-RPC error.
#[no_mangle]
pub unsafe extern "C" fn zil_rpc_server_run(server: *const zil_rpc_server_t) -> zil_result {
    ffi! {
        // Only the shared state is held while serving, so a handler may free
        // the server handle.
        let shared = borrow(server, "server")?.shared();
        rpc::run_shared(shared)?;
        Ok(zil_result::ZIL_OK)
    }
}

/// Serves requests on a background thread that zil owns. `ZIL_CLOSED` if
/// the server already runs or was stopped.
#[no_mangle]
pub unsafe extern "C" fn zil_rpc_server_start(server: *const zil_rpc_server_t) -> zil_result {
    ffi! {
        borrow(server, "server")?.start()?;
        Ok(zil_result::ZIL_OK)
    }
}

/// Stops the server and waits at most `timeout_ms` (-1 forever) for its loop
/// to end: an idle loop ends at once, a running handler is let finish.
/// `ZIL_TIMEOUT` if a handler still runs then (the loop ends after it). From
/// inside a handler it returns at once. Stopping is final. Any thread.
#[no_mangle]
pub unsafe extern "C" fn zil_rpc_server_stop(
    server: *const zil_rpc_server_t,
    timeout_ms: i32,
) -> zil_result {
    ffi! {
        let server = borrow(server, "server")?;
        server.stop(timeout_arg(timeout_ms)?)?;
        Ok(zil_result::ZIL_OK)
    }
}

/// The address the server is bound to (ephemeral ports resolved). Borrowed:
/// valid until the server is freed. NULL if `server` is NULL.
#[no_mangle]
pub unsafe extern "C" fn zil_rpc_server_endpoint(server: *const zil_rpc_server_t) -> *const c_char {
    ffi! { Ok(borrow(server, "server")?.endpoint_ptr()) }
}

/// Copies the server's counters into `*stats`, whose `size` the
/// caller sets first (see `zil_rpc_server_stats_t`). Any thread.
#[no_mangle]
pub unsafe extern "C" fn zil_rpc_server_stats(
    server: *const zil_rpc_server_t,
    stats: *mut zil_rpc_server_stats_t,
) -> zil_result {
    ffi! {
        write_stats(stats, borrow(server, "server")?.stats())?;
        Ok(zil_result::ZIL_OK)
    }
}

/// Stops the server (waiting up to 2 s for a running handler) and frees it.
/// The handlers' `release` functions have run when it returns — except for
/// a handler still running (a slow one, or the one calling this function),
/// whose release runs when its call returns. NULL is a no-op. May be called
/// from inside one of its own handlers.
///
/// Freeing while another thread is in `zil_rpc_server_run` on it is
/// defined: as with `zil_rpc_server_stop`, that run returns `ZIL_OK` once
/// its loop ends (at once when idle, after the running handler otherwise),
/// and the socket closes when it has returned. A call that starts after
/// this function began is a use after free (the caller's error).
#[no_mangle]
pub unsafe extern "C" fn zil_rpc_server_free(server: *mut zil_rpc_server_t) {
    ffi! {
        free(server);
        Ok(())
    }
}

/// Answers with `result_json`, a JSON text (e.g. `"true"`, `"\"tok\""`,
/// `"{\"a\":1}"`). Invalid JSON makes the answer a -32603 error and
/// returns `ZIL_INVALID_ARGUMENT`; NULL does the same and returns
/// `ZIL_NULL_ARGUMENT`.
#[no_mangle]
pub unsafe extern "C" fn zil_rpc_reply_set_result(
    reply: *mut zil_rpc_reply_t,
    result_json: *const c_char,
) -> zil_result {
    ffi! {
        let reply = borrow_mut(reply, "reply")?;
        let parsed = str_arg(result_json, "result_json").and_then(|text| {
            serde_json::from_str::<Value>(text)
                .map_err(|e| Error::invalid(format!("result_json is not valid JSON: {e}")))
        });
        match parsed {
            Ok(value) => {
                reply.outcome = Ok(value);
                Ok(zil_result::ZIL_OK)
            }
            Err(err) => {
                reply.outcome = Err(RpcError::new(
                    rpc::INTERNAL_ERROR,
                    format!("Internal error: the handler answered invalid JSON ({})", err.message()),
                ));
                Err(err)
            }
        }
    }
}

/// Answers with a JSON string made from `text` (NUL-terminated UTF-8), or
/// `null` when `text` is NULL — e.g. a token for `get_token`.
#[no_mangle]
pub unsafe extern "C" fn zil_rpc_reply_set_string(
    reply: *mut zil_rpc_reply_t,
    text: *const c_char,
) -> zil_result {
    ffi! {
        let reply = borrow_mut(reply, "reply")?;
        let text = opt_str_arg(text, "text")?;
        reply.outcome = Ok(text.map_or(Value::Null, |t| Value::String(t.to_owned())));
        Ok(zil_result::ZIL_OK)
    }
}

/// Answers with a JSON boolean — e.g. for `verify` and `logout`.
#[no_mangle]
pub unsafe extern "C" fn zil_rpc_reply_set_bool(
    reply: *mut zil_rpc_reply_t,
    value: bool,
) -> zil_result {
    ffi! {
        borrow_mut(reply, "reply")?.outcome = Ok(Value::Bool(value));
        Ok(zil_result::ZIL_OK)
    }
}

/// Answers with an error: a JSON-RPC `code` (e.g. `ZIL_RPC_INVALID_PARAMS`
/// or an application code) and a `message` (NULL gives `"error"`). The
/// caller's `zil_rpc_client_*` call returns `ZIL_REMOTE_ERROR` with the
/// message in `zil_last_error()`.
#[no_mangle]
pub unsafe extern "C" fn zil_rpc_reply_set_error(
    reply: *mut zil_rpc_reply_t,
    code: i64,
    message: *const c_char,
) -> zil_result {
    ffi! {
        let reply = borrow_mut(reply, "reply")?;
        let message = opt_str_arg(message, "message")?.unwrap_or("error");
        reply.outcome = Err(RpcError::new(code, message));
        Ok(zil_result::ZIL_OK)
    }
}
