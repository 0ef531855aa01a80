//! `zil_inpad_t`: receiving data of verified sessions only.

use super::convert::{out_arg, str_arg, timeout_arg};
use super::handle::{borrow, borrow_mut, free, hold, into_raw, WithEndpoint};
use super::msg::{zil_msg_t, MsgHandle};
use super::options::{options_or_default, zil_options_t};
use super::outpad::zil_outpad_t;
use super::result::zil_result;
use super::stats::{write_stats, zil_inpad_stats_t};
use crate::error::Error;
use crate::session::Inpad;
use std::ffi::{c_char, c_int};

/// A session-aware input port: unwraps each envelope, verifies its session
/// with an RPC server (`verify`) and hands out only verified data. One
/// thread receives at a time; the other functions may be called from any
/// thread. It may be freed while another thread is blocked receiving on it
/// (see `zil_inpad_free`).
pub struct zil_inpad_t {
    _private: [u8; 0],
}
impl_handle!(zil_inpad_t => shared WithEndpoint<Inpad>);

/// Creates an inpad that connects to `addr`, receives `topic`, and verifies
/// sessions with the RPC server at `rpc_addr` (each call bounded by 1000 ms;
/// see `zil_options_set_rpc_timeout`). Verification results are cached for
/// 1000 ms (`zil_inpad_set_cache_ttl`). Unlinked, it passes sessions to the
/// process-wide bus that outpads without a session of their own read
/// (`zil_inpad_link_outpad` for an explicit link). Returns NULL on failure.
/// Free with `zil_inpad_free`.
#[no_mangle]
pub unsafe extern "C" fn zil_inpad_new(
    addr: *const c_char,
    topic: *const c_char,
    rpc_addr: *const c_char,
) -> *mut zil_inpad_t {
    zil_inpad_new_with_options(addr, topic, rpc_addr, std::ptr::null())
}

/// Like `zil_inpad_new` with options (`opts` may be NULL).
#[no_mangle]
pub unsafe extern "C" fn zil_inpad_new_with_options(
    addr: *const c_char,
    topic: *const c_char,
    rpc_addr: *const c_char,
    opts: *const zil_options_t,
) -> *mut zil_inpad_t {
    ffi! {
        let addr = str_arg(addr, "addr")?;
        let topic = str_arg(topic, "topic")?;
        let rpc_addr = str_arg(rpc_addr, "rpc_addr")?;
        crate::logging::init();
        let pad = Inpad::with_options(addr, topic, rpc_addr, &options_or_default(opts))?;
        let endpoint = pad.port().endpoint().to_owned();
        Ok(into_raw::<zil_inpad_t>(WithEndpoint::new(pad, &endpoint)))
    }
}

/// Receives the next message of a verified session, waiting at most
/// `timeout_ms` (-1 forever, 0 only what is queued): it returns within
/// `timeout_ms` + 5 ms however slow the authz server is. `verify` calls
/// still unanswered then go on, and a later receive picks their answers up
/// (messages are delivered in arrival order); when the server stays silent
/// for the RPC timeout (`zil_options_set_rpc_timeout`), the messages waiting
/// on it are dropped (`dropped_rpc_failed`). On `ZIL_OK` writes a
/// new message to `*msg` (free with `zil_msg_free`): `zil_msg_data` is the
/// decoded payload, `zil_msg_session_id` its session. Messages that are
/// malformed, session-less, unverified, or whose verification failed (RPC
/// server down: the inpad fails closed) are dropped and counted in
/// `zil_inpad_stats`. `ZIL_TIMEOUT`, `ZIL_INTERRUPTED` and `ZIL_CLOSED`
/// (freed by another thread during the call) as for input ports.
#[no_mangle]
pub unsafe extern "C" fn zil_inpad_recv(
    inpad: *const zil_inpad_t,
    msg: *mut *mut zil_msg_t,
    timeout_ms: i32,
) -> zil_result {
    ffi! {
        let inpad = hold(inpad, "inpad")?;
        let out = out_arg(msg, "msg")?;
        let timeout_ms = timeout_arg(timeout_ms)?;
        let received = inpad.recv(timeout_ms)?;
        *out = into_raw::<zil_msg_t>(MsgHandle::new(received));
        Ok(zil_result::ZIL_OK)
    }
}

/// Like `zil_inpad_recv`, receiving into `msg` (see
/// `zil_inport_recv_into`) and reusing its storage.
#[no_mangle]
pub unsafe extern "C" fn zil_inpad_recv_into(
    inpad: *const zil_inpad_t,
    msg: *mut zil_msg_t,
    timeout_ms: i32,
) -> zil_result {
    ffi! {
        let inpad = hold(inpad, "inpad")?;
        let msg = borrow_mut(msg, "msg")?;
        inpad.recv_into(msg.reuse(), timeout_arg(timeout_ms)?)?;
        Ok(zil_result::ZIL_OK)
    }
}

/// Makes this inpad feed `outpad`: the session of every message it delivers
/// becomes `outpad`'s own session, so a middle stage never handles session
/// ids. NULL `outpad` returns the inpad to the process-wide bus. The link
/// keeps no reference the caller must manage: either side may be freed
/// first.
#[no_mangle]
pub unsafe extern "C" fn zil_inpad_link_outpad(
    inpad: *const zil_inpad_t,
    outpad: *const zil_outpad_t,
) -> zil_result {
    ffi! {
        let inpad = borrow(inpad, "inpad")?;
        if outpad.is_null() {
            inpad.unlink();
        } else {
            inpad.link(borrow(outpad, "outpad")?);
        }
        Ok(zil_result::ZIL_OK)
    }
}

/// Sets how long a verification result is trusted, in ms (default 1000; 0
/// verifies every message, like the original). A logout takes effect within
/// this time. Changing it forgets cached results. `ZIL_INVALID_ARGUMENT`
/// for a negative TTL. Any thread.
#[no_mangle]
pub unsafe extern "C" fn zil_inpad_set_cache_ttl(
    inpad: *const zil_inpad_t,
    ttl_ms: i32,
) -> zil_result {
    ffi! {
        let inpad = borrow(inpad, "inpad")?;
        let ttl_ms = u64::try_from(ttl_ms)
            .map_err(|_| Error::invalid(format!("cache TTL {ttl_ms} ms is invalid (>= 0)")))?;
        inpad.set_cache_ttl(ttl_ms);
        Ok(zil_result::ZIL_OK)
    }
}

/// Wakes a `zil_inpad_recv` blocked in another thread (it returns
/// `ZIL_INTERRUPTED`), or makes the next one return it. Any thread.
#[no_mangle]
pub unsafe extern "C" fn zil_inpad_wake(inpad: *const zil_inpad_t) -> zil_result {
    ffi! {
        borrow(inpad, "inpad")?.wake();
        Ok(zil_result::ZIL_OK)
    }
}

/// As `zil_inport_fd`, for an inpad: readable while a message is queued or
/// verified, when an answer of the authz server has come, and when the
/// server's silence has lasted the RPC timeout. A readable
/// descriptor means `zil_inpad_recv(inpad, &msg, 0)` makes progress, though
/// it may return `ZIL_TIMEOUT` when the message is dropped (unverified or
/// malformed) or its verification is still under way.
#[no_mangle]
pub unsafe extern "C" fn zil_inpad_fd(inpad: *const zil_inpad_t, fd: *mut c_int) -> zil_result {
    ffi! {
        let inpad = borrow(inpad, "inpad")?;
        let out = out_arg(fd, "fd")?;
        *out = inpad.port().ready_fd()?;
        Ok(zil_result::ZIL_OK)
    }
}

/// The address the inpad is attached to. Borrowed: valid until the inpad is
/// freed. NULL if `inpad` is NULL.
#[no_mangle]
pub unsafe extern "C" fn zil_inpad_endpoint(inpad: *const zil_inpad_t) -> *const c_char {
    ffi! { Ok(borrow(inpad, "inpad")?.endpoint_ptr()) }
}

/// Copies the inpad's delivery and drop counters into `*stats`, whose `size` the
/// caller sets first (see `zil_inpad_stats_t`). Any thread.
#[no_mangle]
pub unsafe extern "C" fn zil_inpad_stats(
    inpad: *const zil_inpad_t,
    stats: *mut zil_inpad_stats_t,
) -> zil_result {
    ffi! {
        let inpad = borrow(inpad, "inpad")?;
        write_stats(stats, inpad.stats())?;
        Ok(zil_result::ZIL_OK)
    }
}

/// Frees the inpad. NULL is a no-op. Messages already received stay valid.
///
/// The rule of `zil_inport_free` holds for a `zil_inpad_recv` or
/// `zil_inpad_recv_into` blocked in another thread: it returns `ZIL_CLOSED`
/// promptly, also from a `verify` call in progress (which is ended), and
/// the sockets close once it has returned. A call that starts after this
/// function began is a use after free; other calls on the inpad must have
/// returned before the free.
#[no_mangle]
pub unsafe extern "C" fn zil_inpad_free(inpad: *mut zil_inpad_t) {
    ffi! {
        free(inpad);
        Ok(())
    }
}
