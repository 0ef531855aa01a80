//! `zil_outport_t`: publishing `(data, event)` messages.

use super::convert::{bytes_arg, opt_str_arg, out_arg, str_arg, timeout_arg};
use super::handle::{borrow, free, hold, into_raw, WithEndpoint};
use super::options::{options_or_default, zil_options_t};
use super::result::zil_result;
use super::stats::{write_stats, zil_stats_t};
use crate::error::{Error, ErrorKind};
use crate::stream::ForeignFrame;
use crate::stream::Outport;
use std::ffi::{c_char, c_void};

/// An output port (publisher). Thread-safe: any number of threads may
/// push to one port at once (GStreamer streaming threads included); each
/// message stays whole. Free it only when no other thread uses it.
pub struct zil_outport_t {
    _private: [u8; 0],
}
impl_handle!(zil_outport_t => shared WithEndpoint<Outport>);

/// Creates an output port that binds `addr` (e.g. `"tcp://0.0.0.0:5555"` (all interfaces),
/// `"tcp://127.0.0.1:*"` for an ephemeral port, `"ipc:///tmp/zil.sock"`,
/// `"inproc://name"`) and publishes on `topic`, with default options.
/// Returns NULL on failure (`zil_last_error()` names the cause, e.g. a bad
/// address). Free with `zil_outport_free`.
#[no_mangle]
pub unsafe extern "C" fn zil_outport_new(
    addr: *const c_char,
    topic: *const c_char,
) -> *mut zil_outport_t {
    zil_outport_new_with_options(addr, topic, std::ptr::null())
}

/// Like `zil_outport_new` with options (`opts` may be NULL for defaults;
/// it is only read during the call).
#[no_mangle]
pub unsafe extern "C" fn zil_outport_new_with_options(
    addr: *const c_char,
    topic: *const c_char,
    opts: *const zil_options_t,
) -> *mut zil_outport_t {
    ffi! {
        let addr = str_arg(addr, "addr")?;
        let topic = str_arg(topic, "topic")?;
        crate::logging::init();
        let port = Outport::with_options(addr, topic, &options_or_default(opts))?;
        let endpoint = port.endpoint().to_owned();
        Ok(into_raw::<zil_outport_t>(WithEndpoint::new(port, &endpoint)))
    }
}

/// Publishes `len` bytes at `data` (copied; NULL allowed when `len` is 0)
/// with `event` (NUL-terminated UTF-8, or NULL for no event: the wire then
/// carries `None`, like the Python original). Never blocks by default: a
/// subscriber past its high-water mark misses the message. A lossless port
/// (`zil_options_set_lossless`) waits for room instead, at most its
/// timeout (then `ZIL_TIMEOUT`, the message dropped and counted), and
/// returns `ZIL_INTERRUPTED` while `zil_outport_set_interrupted` is on.
/// Thread-safe.
#[no_mangle]
pub unsafe extern "C" fn zil_outport_push(
    port: *const zil_outport_t,
    data: *const u8,
    len: usize,
    event: *const c_char,
) -> zil_result {
    ffi! {
        let port = borrow(port, "port")?;
        let data = bytes_arg(data, len, "data")?;
        let event = opt_str_arg(event, "event")?;
        port.push(data, event)?;
        Ok(zil_result::ZIL_OK)
    }
}

/// Releases a buffer given to `zil_outport_push_zero_copy`:
/// `free_fn(data, hint)`. Called exactly once, from a libzmq I/O thread
/// (or the calling thread when the push fails), when zil and libzmq are
/// done with the buffer, an empty one included; `data` is what the caller passed, NULL
/// included. Must not call zil.
pub type zil_free_fn = Option<unsafe extern "C" fn(data: *mut c_void, hint: *mut c_void)>;

/// Publishes `len` bytes at `data` WITHOUT copying them: the buffer belongs
/// to zil from this call on, and `free_fn(data, hint)` releases it once the
/// message has left (for large audio/video buffers). The caller must not
/// write to or free the buffer after the call, whatever the result: on
/// failure `free_fn` has already run. `free_fn` NULL means the buffer is
/// never released by zil (static or caller-managed memory that outlives the
/// send). Thread-safe, like `zil_outport_push`.
#[no_mangle]
pub unsafe extern "C" fn zil_outport_push_zero_copy(
    port: *const zil_outport_t,
    data: *mut u8,
    len: usize,
    event: *const c_char,
    free_fn: zil_free_fn,
    hint: *mut c_void,
) -> zil_result {
    ffi! {
        let release = free_fn.unwrap_or(no_release);
        let checked = borrow(port, "port").and_then(|port| {
            bytes_arg(data, len, "data")?;
            Ok((port, opt_str_arg(event, "event")?))
        });
        let (port, event) = match checked {
            Ok(parts) => parts,
            Err(err) => {
                release(data.cast(), hint);
                return Err(err);
            }
        };
        let frame = ForeignFrame::new(data, len, release, hint).ok_or_else(|| {
            Error::new(ErrorKind::Zmq, "cannot wrap the buffer in a zmq message")
        })?;
        port.push_foreign(frame, len, event)?;
        Ok(zil_result::ZIL_OK)
    }
}

unsafe extern "C" fn no_release(_data: *mut c_void, _hint: *mut c_void) {}

/// Waits until at least `count` subscribers of this port's topic are
/// connected, at most `timeout_ms` (-1 forever, 0 checks once): the cure for
/// ZeroMQ's slow joiner, whose first messages are otherwise lost. Writes the
/// number of subscribers to `*subscribers` if it is not NULL (on success
/// and on `ZIL_TIMEOUT`).
#[no_mangle]
pub unsafe extern "C" fn zil_outport_wait_subscribers(
    port: *const zil_outport_t,
    count: usize,
    timeout_ms: i32,
    subscribers: *mut usize,
) -> zil_result {
    ffi! { wait_subscribers(&**hold(port, "port")?, count, timeout_ms, subscribers) }
}

/// The body of `zil_outport_wait_subscribers` and `zil_outpad_wait_subscribers`.
///
/// # Safety
/// `subscribers` is NULL or valid for writing one `size_t`.
pub(crate) unsafe fn wait_subscribers(
    port: &Outport,
    count: usize,
    timeout_ms: i32,
    subscribers: *mut usize,
) -> crate::Result<zil_result> {
    let timeout_ms = timeout_arg(timeout_ms)?;
    let result = port.wait_subscribers(count, timeout_ms);
    if !subscribers.is_null() {
        *out_arg(subscribers, "subscribers")? = port.subscribers();
    }
    result?;
    Ok(zil_result::ZIL_OK)
}

/// Interrupts the port's lossless pushes, for a pipeline that flushes or
/// stops (GStreamer's `unlock` / `unlock_stop`): while `interrupted` is
/// true, a push that finds a subscriber full returns `ZIL_INTERRUPTED` at
/// once instead of waiting, a push waiting in another thread returns it
/// within 10 ms, and the message is not sent (a zero-copy buffer is
/// released; nothing is counted as dropped). A push with room is sent as
/// usual. `false` lets pushes wait again. No effect on a port that is not
/// lossless. Thread-safe: meant to be called while another thread pushes.
#[no_mangle]
pub unsafe extern "C" fn zil_outport_set_interrupted(
    port: *const zil_outport_t,
    interrupted: bool,
) -> zil_result {
    ffi! {
        borrow(port, "port")?.set_interrupted(interrupted);
        Ok(zil_result::ZIL_OK)
    }
}

/// The address the port is bound to, e.g. `"tcp://127.0.0.1:41234"` for a
/// port created on `"tcp://127.0.0.1:*"`. Borrowed: valid until the port is
/// freed. NULL if `port` is NULL.
#[no_mangle]
pub unsafe extern "C" fn zil_outport_endpoint(port: *const zil_outport_t) -> *const c_char {
    ffi! { Ok(borrow(port, "port")?.endpoint_ptr()) }
}

/// Copies the port's counters into `*stats`, whose `size` the
/// caller sets first (see `zil_stats_t`).
#[no_mangle]
pub unsafe extern "C" fn zil_outport_stats(
    port: *const zil_outport_t,
    stats: *mut zil_stats_t,
) -> zil_result {
    ffi! {
        let port = borrow(port, "port")?;
        write_stats(stats, port.stats())?;
        Ok(zil_result::ZIL_OK)
    }
}

/// Frees the port: its socket closes and unsent messages linger per the
/// options. NULL is a no-op.
///
/// Freeing while another thread is blocked in
/// `zil_outport_wait_subscribers` on it is defined: that call returns
/// `ZIL_CLOSED` within a few milliseconds, and the socket closes once it
/// has returned. Any other call racing the free (a push, stats) is the
/// caller's error, as is a call that starts after it.
#[no_mangle]
pub unsafe extern "C" fn zil_outport_free(port: *mut zil_outport_t) {
    ffi! {
        free(port);
        Ok(())
    }
}
