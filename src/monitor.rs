//! Connection events of a port (libzmq's socket monitor underneath): a peer
//! connected, was accepted, or went away.
//!
//! libzmq sends each event to the monitor with a *blocking* send from its
//! own threads (the I/O thread, the reaper). So zil (1) makes the monitor's
//! queue unbounded (an unread monitor costs memory per connection event,
//! never a stuck I/O thread), (2) keeps the monitor's socket alive as long as
//! the port lives, whatever the user frees first, and (3) stops monitoring
//! while the port's socket is still open, before it is closed.

use crate::deadline::Deadline;
use crate::error::{Error, ErrorKind, Result};
use crate::waker::{Wait, Waker};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};

/// What happened to a connection.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PeerEventKind {
    /// This side connected to a peer.
    Connected,
    /// This side (bound) accepted a peer's connection.
    Accepted,
    /// A peer went away (or the connection broke).
    Disconnected,
    /// A connection attempt failed and will be retried.
    ConnectRetried,
    /// The port was freed; no more events will come.
    Stopped,
    /// Another libzmq event (its number is in `raw`).
    Other,
}

/// One connection event.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PeerEvent {
    /// The kind of event.
    pub kind: PeerEventKind,
    /// libzmq's event number (`ZMQ_EVENT_*`).
    pub raw: u16,
    /// The endpoint concerned, e.g. `tcp://127.0.0.1:5555`.
    pub endpoint: String,
}

/// Receives the connection events of one port. Several `Monitor`s of one
/// port share its events (each event goes to one of them).
///
/// Thread safety: `Send + Sync`; one thread waits for events at a time. It
/// may outlive its port (it then reports `Stopped`). [`Monitor::close`]
/// ends a `next` blocked in another thread.
pub struct Monitor {
    pair: Arc<Mutex<zmq::Socket>>,
    /// This monitor's own: closing it ends only its own waits.
    waker: Waker,
}

/// The monitoring state a port keeps: the receiving end of its events.
#[derive(Default)]
pub(crate) struct MonitorSlot(Option<Arc<Mutex<zmq::Socket>>>);

static NEXT_ID: AtomicU64 = AtomicU64::new(1);

impl MonitorSlot {
    /// A monitor of `socket`, starting monitoring on first use.
    pub(crate) fn monitor(&mut self, socket: &zmq::Socket) -> Result<Monitor> {
        if let Some(pair) = &self.0 {
            return Ok(Monitor {
                pair: Arc::clone(pair),
                waker: Waker::new()?,
            });
        }
        let addr = format!(
            "inproc://zil-monitor-{}-{}",
            std::process::id(),
            NEXT_ID.fetch_add(1, Ordering::Relaxed)
        );
        let events = zmq::SocketEvent::CONNECTED.to_raw()
            | zmq::SocketEvent::ACCEPTED.to_raw()
            | zmq::SocketEvent::DISCONNECTED.to_raw()
            | zmq::SocketEvent::CONNECT_RETRIED.to_raw()
            | zmq::SocketEvent::MONITOR_STOPPED.to_raw();
        socket
            .monitor(&addr, i32::from(events))
            .map_err(|e| Error::zmq("cannot monitor the socket", e))?;
        let pair = crate::socket::new_socket(zmq::PAIR)?;
        // rcvhwm 0: the pipe from libzmq's monitor is unbounded, so its
        // blocking sends never stall a libzmq thread.
        pair.set_linger(0)
            .and_then(|_| pair.set_rcvhwm(0))
            .and_then(|_| pair.connect(&addr))
            .map_err(|e| Error::zmq(format!("cannot connect the monitor '{addr}'"), e))?;
        let pair = Arc::new(Mutex::new(pair));
        let waker = Waker::new()?;
        self.0 = Some(Arc::clone(&pair));
        Ok(Monitor { pair, waker })
    }

    /// Stops monitoring `socket` (still open): libzmq sends its last event,
    /// `Stopped`, to the monitor, which is still connected.
    pub(crate) fn stop(&mut self, socket: &mut zmq::Socket) {
        if let Some(pair) = self.0.take() {
            // SAFETY: a live socket; a NULL address stops monitoring.
            unsafe { zmq_sys::zmq_socket_monitor(socket.as_mut_ptr(), std::ptr::null(), 0) };
            // Only now may the receiving end go (if no Monitor holds it):
            // the stop above sent its last event to it.
            drop(pair);
        }
    }
}

impl Monitor {
    fn lock(&self) -> MutexGuard<'_, zmq::Socket> {
        self.pair.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Closes the monitor, from any thread: a `next` blocked now returns
    /// `Closed` at once, and so does every later one. Final. For a monitor
    /// shared between threads; `zil_monitor_free` calls it.
    pub fn close(&self) {
        self.waker.close();
    }

    /// The next event, waiting at most `timeout_ms` (`-1` forever).
    /// `Closed` after [`Monitor::close`].
    pub fn next(&self, timeout_ms: i32) -> Result<PeerEvent> {
        let closed = || Error::closed("wait for a connection event", "monitor");
        // A call on a closed monitor fails at once, without waiting for the
        // pair, which another monitor of the same port may hold in its wait.
        if self.waker.is_closed() {
            return Err(closed());
        }
        let pair = self.lock();
        let deadline = Deadline::after_ms(timeout_ms);
        let wait = self
            .waker
            .wait_ready(&pair, zmq::POLLIN, &deadline)
            .map_err(|e| Error::zmq("cannot poll the monitor", e))?;
        match wait {
            Wait::Ready => {}
            Wait::Woken => return Err(closed()),
            Wait::TimedOut => {
                return Err(Error::new(
                    ErrorKind::Timeout,
                    "no connection event before the timeout",
                ))
            }
        }
        let frames = pair
            .recv_multipart(zmq::DONTWAIT)
            .map_err(|e| Error::zmq("cannot read the monitor", e))?;
        let (Some(head), Some(endpoint)) = (frames.first(), frames.get(1)) else {
            return Err(Error::new(ErrorKind::Protocol, "malformed monitor event"));
        };
        let raw = head
            .get(..2)
            .map_or(0, |b| u16::from_le_bytes([b[0], b[1]]));
        // Matched on the numbers: the zmq crate's from_raw panics on events
        // it does not know.
        let kind = match u32::from(raw) {
            zmq_sys::ZMQ_EVENT_CONNECTED => PeerEventKind::Connected,
            zmq_sys::ZMQ_EVENT_ACCEPTED => PeerEventKind::Accepted,
            zmq_sys::ZMQ_EVENT_DISCONNECTED => PeerEventKind::Disconnected,
            zmq_sys::ZMQ_EVENT_CONNECT_RETRIED => PeerEventKind::ConnectRetried,
            zmq_sys::ZMQ_EVENT_MONITOR_STOPPED => PeerEventKind::Stopped,
            _ => PeerEventKind::Other,
        };
        Ok(PeerEvent {
            kind,
            raw,
            endpoint: String::from_utf8_lossy(endpoint).into_owned(),
        })
    }
}
