//! `zil_monitor_t`: connection events of a port.

use super::convert::{out_arg, timeout_arg};
use super::handle::{borrow, free, hold, into_raw};
use super::inpad::zil_inpad_t;
use super::inport::zil_inport_t;
use super::outpad::zil_outpad_t;
use super::outport::zil_outport_t;
use super::result::zil_result;
use crate::monitor::{Monitor, PeerEventKind};
use std::ffi::c_char;

/// The kind of a connection event.
#[repr(C)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum zil_peer_event_kind {
    /// This side connected to a peer.
    ZIL_PEER_CONNECTED = 1,
    /// This side (bound) accepted a peer.
    ZIL_PEER_ACCEPTED = 2,
    /// A peer went away or the connection broke.
    ZIL_PEER_DISCONNECTED = 3,
    /// A connection attempt failed; libzmq retries it.
    ZIL_PEER_CONNECT_RETRIED = 4,
    /// The monitored port was freed: no more events.
    ZIL_PEER_STOPPED = 5,
    /// Another libzmq event (see `raw`).
    ZIL_PEER_OTHER = 6,
}

/// One connection event, filled in by `zil_monitor_next`.
#[repr(C)]
#[derive(Debug, Clone, Copy)]
pub struct zil_peer_event_t {
    /// What happened.
    pub kind: zil_peer_event_kind,
    /// libzmq's `ZMQ_EVENT_*` number.
    pub raw: u32,
    /// The endpoint concerned, NUL-terminated (truncated to 255 bytes).
    pub endpoint: [c_char; 256],
}

/// A source of connection events of one port. One thread waits on it at a
/// time. It may be freed before or after its port, in any order; after the
/// port is freed it reports `ZIL_PEER_STOPPED`. Events nobody reads are kept
/// (memory per connection event) and never hold up the port. It may be
/// freed while another thread waits in `zil_monitor_next` on it (see
/// `zil_monitor_free`).
pub struct zil_monitor_t {
    _private: [u8; 0],
}
impl_handle!(zil_monitor_t => shared Monitor);

/// Starts reporting `port`'s connection events (subscribers arriving and
/// leaving). Returns NULL on failure. Free with `zil_monitor_free`.
#[no_mangle]
pub unsafe extern "C" fn zil_outport_monitor(port: *const zil_outport_t) -> *mut zil_monitor_t {
    ffi! { Ok(into_raw::<zil_monitor_t>(borrow(port, "port")?.monitor()?)) }
}

/// Starts reporting `port`'s connection events (connected to the
/// publisher, disconnected, retrying). Returns NULL on failure.
#[no_mangle]
pub unsafe extern "C" fn zil_inport_monitor(port: *const zil_inport_t) -> *mut zil_monitor_t {
    ffi! { Ok(into_raw::<zil_monitor_t>(borrow(port, "port")?.monitor()?)) }
}

/// As `zil_outport_monitor`, for an outpad.
#[no_mangle]
pub unsafe extern "C" fn zil_outpad_monitor(outpad: *const zil_outpad_t) -> *mut zil_monitor_t {
    ffi! { Ok(into_raw::<zil_monitor_t>(borrow(outpad, "outpad")?.port().monitor()?)) }
}

/// As `zil_inport_monitor`, for an inpad.
#[no_mangle]
pub unsafe extern "C" fn zil_inpad_monitor(inpad: *const zil_inpad_t) -> *mut zil_monitor_t {
    ffi! { Ok(into_raw::<zil_monitor_t>(borrow(inpad, "inpad")?.port().monitor()?)) }
}

/// Waits at most `timeout_ms` (-1 forever, 0 polls) for the next event and
/// writes it to `*event`. `ZIL_TIMEOUT` when none came, `ZIL_CLOSED` when
/// another thread freed the monitor during the call.
#[no_mangle]
pub unsafe extern "C" fn zil_monitor_next(
    monitor: *const zil_monitor_t,
    event: *mut zil_peer_event_t,
    timeout_ms: i32,
) -> zil_result {
    ffi! {
        let monitor = hold(monitor, "monitor")?;
        let out = out_arg(event, "event")?;
        let next = monitor.next(timeout_arg(timeout_ms)?)?;
        let mut endpoint = [0 as c_char; 256];
        for (dst, src) in endpoint.iter_mut().zip(next.endpoint.bytes().take(255)) {
            *dst = src as c_char;
        }
        *out = zil_peer_event_t {
            kind: match next.kind {
                PeerEventKind::Connected => zil_peer_event_kind::ZIL_PEER_CONNECTED,
                PeerEventKind::Accepted => zil_peer_event_kind::ZIL_PEER_ACCEPTED,
                PeerEventKind::Disconnected => zil_peer_event_kind::ZIL_PEER_DISCONNECTED,
                PeerEventKind::ConnectRetried => zil_peer_event_kind::ZIL_PEER_CONNECT_RETRIED,
                PeerEventKind::Stopped => zil_peer_event_kind::ZIL_PEER_STOPPED,
                PeerEventKind::Other => zil_peer_event_kind::ZIL_PEER_OTHER,
            },
            raw: u32::from(next.raw),
            endpoint,
        };
        Ok(zil_result::ZIL_OK)
    }
}

/// Frees a monitor, before or after its port. NULL is a no-op.
///
/// Freeing while another thread is blocked in `zil_monitor_next` on it is
/// defined: that call returns `ZIL_CLOSED` promptly (`zil_last_error()`
/// says it was freed), and the monitor itself goes once that call has
/// returned. A call that starts after this function began is a use after
/// free (the caller's error). Other monitors of the same port are not
/// affected.
#[no_mangle]
pub unsafe extern "C" fn zil_monitor_free(monitor: *mut zil_monitor_t) {
    ffi! {
        free(monitor);
        Ok(())
    }
}
