//! `zil_inport_t`: receiving `(data, event)` messages.

use super::convert::{out_arg, str_arg, timeout_arg};
use super::handle::{borrow, borrow_mut, free, hold, into_raw, WithEndpoint};
use super::msg::{zil_msg_t, MsgHandle};
use super::options::{options_or_default, zil_options_t};
use super::result::zil_result;
use super::stats::{write_stats, zil_stats_t};
use crate::stream::Inport;
use std::ffi::{c_char, c_int};

/// An input port (subscriber). One thread receives at a time (a second
/// receiving thread waits for the first); `zil_inport_wake`,
/// `zil_inport_stats` and `zil_inport_endpoint` may be called from any
/// thread. It may be freed while another thread is blocked receiving on it
/// (see `zil_inport_free`).
pub struct zil_inport_t {
    _private: [u8; 0],
}
impl_handle!(zil_inport_t => shared WithEndpoint<Inport>);

/// Creates an input port that connects to `addr` (e.g.
/// `"tcp://localhost:5555"`) and receives messages whose topic is exactly
/// `topic`, with default options. Returns NULL on failure
/// (`zil_last_error()` names the cause). Free with `zil_inport_free`.
#[no_mangle]
pub unsafe extern "C" fn zil_inport_new(
    addr: *const c_char,
    topic: *const c_char,
) -> *mut zil_inport_t {
    zil_inport_new_with_options(addr, topic, std::ptr::null())
}

/// Like `zil_inport_new` with options (`opts` may be NULL for defaults; it
/// is only read during the call). Prefix topic matching is an option.
#[no_mangle]
pub unsafe extern "C" fn zil_inport_new_with_options(
    addr: *const c_char,
    topic: *const c_char,
    opts: *const zil_options_t,
) -> *mut zil_inport_t {
    ffi! {
        let addr = str_arg(addr, "addr")?;
        let topic = str_arg(topic, "topic")?;
        crate::logging::init();
        let port = Inport::with_options(addr, topic, &options_or_default(opts))?;
        let endpoint = port.endpoint().to_owned();
        Ok(into_raw::<zil_inport_t>(WithEndpoint::new(port, &endpoint)))
    }
}

/// Receives the next message, waiting at most `timeout_ms` (-1 forever, 0
/// only takes what is already queued), and returns within `timeout_ms` + 5 ms
/// however many messages of other topics or malformed ones arrive. On
/// `ZIL_OK` writes a new message to `*msg`; the caller owns it and frees it
/// with `zil_msg_free`. On any other result `*msg` is left untouched.
///
/// Results: `ZIL_TIMEOUT` when nothing came in time, `ZIL_INTERRUPTED` after
/// `zil_inport_wake`, `ZIL_CLOSED` when another thread freed the port
/// during the call. Malformed messages (frame count other than 3,
/// non-UTF-8 topic or event) are skipped and counted in `messages_rejected`.
#[no_mangle]
pub unsafe extern "C" fn zil_inport_recv(
    port: *const zil_inport_t,
    msg: *mut *mut zil_msg_t,
    timeout_ms: i32,
) -> zil_result {
    ffi! {
        let port = hold(port, "port")?;
        let out = out_arg(msg, "msg")?;
        let timeout_ms = timeout_arg(timeout_ms)?;
        let received = port.recv(timeout_ms)?;
        *out = into_raw::<zil_msg_t>(MsgHandle::new(received));
        Ok(zil_result::ZIL_OK)
    }
}

/// Like `zil_inport_recv`, but receives into `msg` (from `zil_msg_new`, or
/// any message the caller owns), replacing its content and reusing its
/// storage, so a receive loop allocates nothing. Views taken from `msg`
/// before the call (data, event, topic) become invalid. On a result other
/// than `ZIL_OK` the message holds nothing valid until the next successful
/// receive.
#[no_mangle]
pub unsafe extern "C" fn zil_inport_recv_into(
    port: *const zil_inport_t,
    msg: *mut zil_msg_t,
    timeout_ms: i32,
) -> zil_result {
    ffi! {
        let port = hold(port, "port")?;
        let msg = borrow_mut(msg, "msg")?;
        port.recv_into(msg.reuse(), timeout_arg(timeout_ms)?)?;
        Ok(zil_result::ZIL_OK)
    }
}

/// Wakes a `zil_inport_recv` blocked in another thread: it returns
/// `ZIL_INTERRUPTED`. If no receive is blocked, the next one returns
/// `ZIL_INTERRUPTED` at once (one wake-up, one interruption). Any thread;
/// async-signal-unsafe.
#[no_mangle]
pub unsafe extern "C" fn zil_inport_wake(port: *const zil_inport_t) -> zil_result {
    ffi! {
        borrow(port, "port")?.wake();
        Ok(zil_result::ZIL_OK)
    }
}

/// Writes to `*fd` a descriptor for event loops (GLib `g_unix_fd_add`,
/// poll, epoll) that is readable exactly while a message can be received
/// without blocking (level-triggered: libzmq's edge-triggered `ZMQ_FD` is
/// handled inside). When it is readable, call `zil_inport_recv(port, &msg,
/// 0)` — once per wake-up, or until it returns `ZIL_TIMEOUT`. Owned by the
/// port: never close it; valid until `zil_inport_free`. Only readability is
/// meaningful (no writes, no edge-triggered epoll on it).
#[no_mangle]
pub unsafe extern "C" fn zil_inport_fd(port: *const zil_inport_t, fd: *mut c_int) -> zil_result {
    ffi! {
        let port = borrow(port, "port")?;
        let out = out_arg(fd, "fd")?;
        *out = port.ready_fd()?;
        Ok(zil_result::ZIL_OK)
    }
}

/// The address the port is attached to. Borrowed: valid until the port is
/// freed. NULL if `port` is NULL.
#[no_mangle]
pub unsafe extern "C" fn zil_inport_endpoint(port: *const zil_inport_t) -> *const c_char {
    ffi! { Ok(borrow(port, "port")?.endpoint_ptr()) }
}

/// Copies the port's counters into `*stats`, whose `size` the
/// caller sets first (see `zil_stats_t`). Any thread.
#[no_mangle]
pub unsafe extern "C" fn zil_inport_stats(
    port: *const zil_inport_t,
    stats: *mut zil_stats_t,
) -> zil_result {
    ffi! {
        let port = borrow(port, "port")?;
        write_stats(stats, port.stats())?;
        Ok(zil_result::ZIL_OK)
    }
}

/// Frees the port. NULL is a no-op. Messages already received stay valid.
///
/// Freeing while another thread is blocked in `zil_inport_recv` or
/// `zil_inport_recv_into` on it is defined: that call returns `ZIL_CLOSED`
/// promptly (`zil_last_error()` says the port was freed), and the socket
/// closes once that call has returned. A call that starts after this
/// function began is a use after free (the caller's error), as for any
/// freed handle.
/// Other calls (`zil_inport_wake`, `_stats`, `_fd`, `_endpoint`) must have
/// returned before the free; the descriptor of `zil_inport_fd` is closed by
/// it or, with a receive still blocked, just after that receive.
#[no_mangle]
pub unsafe extern "C" fn zil_inport_free(port: *mut zil_inport_t) {
    ffi! {
        free(port);
        Ok(())
    }
}
