//! Connection events of a port (libzmq's socket monitor underneath): a peer
//! connected, was accepted, or went away.

use crate::context::context;
use crate::deadline::Deadline;
use crate::error::{Error, ErrorKind, Result};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Mutex;

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

/// Receives the connection events of one socket.
///
/// Thread safety: `Send + Sync`; one thread waits for events at a time.
pub struct Monitor {
    pair: Mutex<zmq::Socket>,
}

static NEXT_ID: AtomicU64 = AtomicU64::new(1);

impl Monitor {
    /// Starts monitoring `socket` (connect, accept, disconnect, retry).
    pub(crate) fn attach(socket: &zmq::Socket) -> Result<Self> {
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
        let pair = context()
            .socket(zmq::PAIR)
            .map_err(|e| Error::zmq("cannot create the monitor socket", e))?;
        pair.set_linger(0)
            .and_then(|_| pair.connect(&addr))
            .map_err(|e| Error::zmq(format!("cannot connect the monitor '{addr}'"), e))?;
        Ok(Monitor {
            pair: Mutex::new(pair),
        })
    }

    /// The next event, waiting at most `timeout_ms` (`-1` forever).
    pub fn next(&self, timeout_ms: i32) -> Result<PeerEvent> {
        let pair = self.pair.lock().unwrap_or_else(|p| p.into_inner());
        let deadline = Deadline::after_ms(timeout_ms);
        let ready = pair
            .poll(zmq::POLLIN, deadline.remaining_ms())
            .map_err(|e| Error::zmq("cannot poll the monitor", e))?;
        if ready == 0 {
            return Err(Error::new(
                ErrorKind::Timeout,
                "no connection event before the timeout",
            ));
        }
        let frames = pair
            .recv_multipart(0)
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
