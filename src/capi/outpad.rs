//! `zil_outpad_t`: publishing session-wrapped messages.

use super::convert::{bytes_arg, opt_str_arg, str_arg};
use super::handle::{borrow, free, hold, into_raw, WithEndpoint};
use super::options::{options_or_default, zil_options_t};
use super::result::zil_result;
use super::stats::{write_stats, zil_stats_t};
use crate::session::Outpad;
use std::ffi::c_char;

/// A session-aware output port: every push is wrapped as
/// `{"data": "<base64>", "session_id": "<id>"}` (the Python original's
/// envelope). Thread-safe like `zil_outport_t`.
pub struct zil_outpad_t {
    _private: [u8; 0],
}
impl_handle!(zil_outpad_t => shared WithEndpoint<Outpad>);

/// Creates an outpad that binds `addr` and publishes on `topic`. Its session
/// is, in order: its own (`zil_outpad_set_session_id`, or set by a linked
/// inpad), else the process-wide session of unlinked inpads, else none
/// (sent as `null`). Returns NULL on failure. Free with `zil_outpad_free`.
#[no_mangle]
pub unsafe extern "C" fn zil_outpad_new(
    addr: *const c_char,
    topic: *const c_char,
) -> *mut zil_outpad_t {
    zil_outpad_new_with_options(addr, topic, std::ptr::null())
}

/// Like `zil_outpad_new` with options (`opts` may be NULL).
#[no_mangle]
pub unsafe extern "C" fn zil_outpad_new_with_options(
    addr: *const c_char,
    topic: *const c_char,
    opts: *const zil_options_t,
) -> *mut zil_outpad_t {
    ffi! {
        let addr = str_arg(addr, "addr")?;
        let topic = str_arg(topic, "topic")?;
        crate::logging::init();
        let pad = Outpad::with_options(addr, topic, &options_or_default(opts))?;
        let endpoint = pad.port().endpoint().to_owned();
        Ok(into_raw::<zil_outpad_t>(WithEndpoint::new(pad, &endpoint)))
    }
}

/// Sets the outpad's own session id (copied; e.g. the 32-hex-digit id of a
/// login), as the first sender of a pipeline does. NULL clears it (the
/// process-wide session, if any, is then sent). Any thread.
#[no_mangle]
pub unsafe extern "C" fn zil_outpad_set_session_id(
    outpad: *const zil_outpad_t,
    session_id: *const c_char,
) -> zil_result {
    ffi! {
        let outpad = borrow(outpad, "outpad")?;
        outpad.set_session_id(opt_str_arg(session_id, "session_id")?);
        Ok(zil_result::ZIL_OK)
    }
}

/// Publishes `len` bytes at `data` wrapped with the current session id, and
/// `event` (NULL for none). Thread-safe; blocks only when lossless, as
/// `zil_outport_push`.
#[no_mangle]
pub unsafe extern "C" fn zil_outpad_push(
    outpad: *const zil_outpad_t,
    data: *const u8,
    len: usize,
    event: *const c_char,
) -> zil_result {
    ffi! {
        let outpad = borrow(outpad, "outpad")?;
        let data = bytes_arg(data, len, "data")?;
        let event = opt_str_arg(event, "event")?;
        outpad.push(data, event)?;
        Ok(zil_result::ZIL_OK)
    }
}

/// As `zil_outport_wait_subscribers`, for an outpad.
#[no_mangle]
pub unsafe extern "C" fn zil_outpad_wait_subscribers(
    outpad: *const zil_outpad_t,
    count: usize,
    timeout_ms: i32,
    subscribers: *mut usize,
) -> zil_result {
    ffi! { super::outport::wait_subscribers(hold(outpad, "outpad")?.port(), count, timeout_ms, subscribers) }
}

/// As `zil_outport_set_interrupted`, for an outpad.
#[no_mangle]
pub unsafe extern "C" fn zil_outpad_set_interrupted(
    outpad: *const zil_outpad_t,
    interrupted: bool,
) -> zil_result {
    ffi! {
        borrow(outpad, "outpad")?.port().set_interrupted(interrupted);
        Ok(zil_result::ZIL_OK)
    }
}

/// The address the outpad is bound to. Borrowed: valid until the outpad is
/// freed. NULL if `outpad` is NULL.
#[no_mangle]
pub unsafe extern "C" fn zil_outpad_endpoint(outpad: *const zil_outpad_t) -> *const c_char {
    ffi! { Ok(borrow(outpad, "outpad")?.endpoint_ptr()) }
}

/// Copies the outpad's counters (payload bytes before wrapping are not
/// counted; `bytes_sent` counts envelope bytes) into `*stats`, whose `size` the
/// caller sets first (see `zil_stats_t`).
#[no_mangle]
pub unsafe extern "C" fn zil_outpad_stats(
    outpad: *const zil_outpad_t,
    stats: *mut zil_stats_t,
) -> zil_result {
    ffi! {
        let outpad = borrow(outpad, "outpad")?;
        write_stats(stats, outpad.port().stats())?;
        Ok(zil_result::ZIL_OK)
    }
}

/// Frees the outpad. NULL is a no-op. An inpad linked to it keeps working
/// (its sessions then go nowhere until relinked). Freeing while another
/// thread is blocked in `zil_outpad_wait_subscribers` is defined, as for
/// `zil_outport_free`.
#[no_mangle]
pub unsafe extern "C" fn zil_outpad_free(outpad: *mut zil_outpad_t) {
    ffi! {
        free(outpad);
        Ok(())
    }
}
