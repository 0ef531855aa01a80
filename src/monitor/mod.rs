//! Connection events of a socket (libzmq's socket monitor underneath): a peer
//! connected, was accepted, or went away; and the count of peers libzmq
//! dropped for breaking the protocol.
//!
//! libzmq sends each event to the monitor with a *blocking* send from its
//! own threads (the I/O thread, the reaper), so events must be read as they
//! come, whether or not anybody asked for them. One zil thread, the hub
//! (`hub.rs`), reads the events of every watched socket: it counts protocol
//! drops and hands the events to the socket's [`Monitor`]s (it discards them
//! when there is none, so a watched port nobody monitors costs no memory).
//! A socket stops its monitoring while it is still open, before it closes;
//! the hub closes the monitor's socket after the last event.
//!
//! How a protocol drop is told apart: libzmq reports it as a plain
//! disconnection. After an ordinary one, a connecting socket reports its
//! reconnection attempt right away; after a protocol violation (a frame over
//! the maximum message size, a malformed frame, a failed handshake) it never
//! reconnects. A disconnection with no retry within [`DROP_GRACE`] is a
//! drop. A bound socket has no such tell: there libzmq 4.3 reports a drop
//! exactly like a peer that left.

mod hub;

use crate::deadline::Deadline;
use crate::error::{Error, ErrorKind, Result};
use crate::stats::SharedCount;
use std::collections::VecDeque;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Condvar, Mutex, MutexGuard, OnceLock};
use std::time::{Duration, Instant};

/// How long a connecting socket's disconnection may go without a
/// reconnection attempt before it counts as a protocol drop.
pub(crate) const DROP_GRACE: Duration = Duration::from_millis(500);

/// The longest a new [`Monitor`] waits for the hub to pass over the events
/// that happened before it (the hub answers in microseconds; the bound is
/// for a hub that is gone).
const FLUSH_WAIT: Duration = Duration::from_secs(1);

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

/// Receives the connection events of one port, from the moment it is made.
/// Several `Monitor`s of one port share its events (each event goes to one
/// of them).
///
/// Thread safety: `Send + Sync`; any number of threads may wait at once. It
/// may outlive its port (it then reports `Stopped`, once). [`Monitor::close`]
/// ends a `next` blocked in another thread.
pub struct Monitor {
    watch: Arc<Watch>,
    /// This monitor's own: closing it ends only its own waits.
    closed: AtomicBool,
}

/// What a watched socket, the hub and the socket's monitors share.
pub(crate) struct Watch {
    /// The socket's address, for the log.
    label: String,
    /// Connecting sockets count protocol drops (see the module docs).
    connecting: bool,
    peers_dropped: SharedCount,
    queue: Mutex<Queue>,
    /// Signalled when an event is queued, a monitor is closed or a flush is
    /// done.
    ready: Condvar,
    /// The hub serving this watch, set when it registers.
    hub: OnceLock<Arc<hub::Hub>>,
}

#[derive(Default)]
struct Queue {
    /// How many `Monitor`s read this queue; events are kept only while one
    /// does.
    monitors: usize,
    events: VecDeque<PeerEvent>,
    /// Flushes asked for by new monitors, and done by the hub: a flush
    /// reads every event already sent, before the new monitor counts.
    flushes_asked: u64,
    flushes_done: u64,
}

impl Watch {
    fn lock(&self) -> MutexGuard<'_, Queue> {
        self.queue.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Hands `event` to the monitors, if any.
    fn deliver(&self, event: PeerEvent) {
        let mut queue = self.lock();
        if queue.monitors > 0 {
            queue.events.push_back(event);
            self.ready.notify_all();
        }
    }

    /// The flush the hub owes, if any (see [`Queue::flushes_asked`]).
    fn flush_due(&self) -> Option<u64> {
        let queue = self.lock();
        (queue.flushes_asked > queue.flushes_done).then_some(queue.flushes_asked)
    }

    /// The hub has read every event sent before flush `ticket` was asked.
    fn flushed(&self, ticket: u64) {
        let mut queue = self.lock();
        queue.flushes_done = queue.flushes_done.max(ticket);
        self.ready.notify_all();
    }

    /// Counts (and logs) a peer libzmq dropped for a protocol violation.
    fn dropped(&self, endpoint: &str) {
        self.peers_dropped.add();
        log::warn!(
            "zil: '{}' lost its connection to {endpoint} for a protocol violation (a frame \
             over the maximum message size, a malformed frame or a failed handshake); \
             libzmq does not reconnect to it",
            self.label
        );
    }
}

static NEXT_ID: AtomicU64 = AtomicU64::new(1);

/// Starts watching `socket` (made in `ctx`, attached to `label`, connecting
/// or not), counting protocol drops in `peers_dropped`. Call it before the
/// socket connects, or with the socket held by its owner, and pair it with
/// [`stop`] before the socket closes.
pub(crate) fn start(
    ctx: &crate::context::Context,
    socket: &mut zmq::Socket,
    label: &str,
    connecting: bool,
    peers_dropped: SharedCount,
) -> Result<Arc<Watch>> {
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
    // The reading end first (an inproc connect may come before the bind):
    // libzmq's monitor sends each event with a blocking send, so it must
    // never run without a reader, not even to send `Stopped` after a
    // failure.
    let pair = crate::socket::new_socket_in(ctx, zmq::PAIR)?;
    // rcvhwm 0: the pipe from libzmq's monitor is unbounded, so its
    // blocking sends never stall a libzmq thread.
    pair.set_linger(0)
        .and_then(|_| pair.set_rcvhwm(0))
        .and_then(|_| pair.connect(&addr))
        .map_err(|e| Error::zmq(format!("cannot connect the monitor '{addr}'"), e))?;
    // libzmq makes a socket of its own for the monitor.
    crate::socket::within_socket_limit(|| socket.monitor(&addr, i32::from(events)))
        .map_err(|e| crate::socket::limit_error(Some(ctx), "cannot monitor the socket", e))?;
    let watch = Arc::new(Watch {
        label: label.to_owned(),
        connecting,
        peers_dropped,
        queue: Mutex::default(),
        ready: Condvar::new(),
        hub: OnceLock::new(),
    });
    match hub::register(pair, Arc::clone(&watch)) {
        Ok(()) => Ok(watch),
        Err((err, pair)) => {
            // `Stopped` goes to the pair, which is dropped after it.
            stop(socket);
            drop(pair);
            Err(err)
        }
    }
}

/// Stops watching `socket` (still open): libzmq sends its last event,
/// `Stopped`, after which the hub lets the monitor's socket go.
pub(crate) fn stop(socket: &mut zmq::Socket) {
    // SAFETY: a live socket; a NULL address stops monitoring.
    unsafe { zmq_sys::zmq_socket_monitor(socket.as_mut_ptr(), std::ptr::null(), 0) };
}

/// Reads libzmq's two-frame event `[event number + value, endpoint]`.
fn parse_event(frames: &[Vec<u8>]) -> Option<PeerEvent> {
    let (head, endpoint) = (frames.first()?, frames.get(1)?);
    let raw = u16::from_le_bytes([*head.first()?, *head.get(1)?]);
    // Matched on the numbers: the zmq crate's from_raw panics on events it
    // does not know.
    let kind = match u32::from(raw) {
        zmq_sys::ZMQ_EVENT_CONNECTED => PeerEventKind::Connected,
        zmq_sys::ZMQ_EVENT_ACCEPTED => PeerEventKind::Accepted,
        zmq_sys::ZMQ_EVENT_DISCONNECTED => PeerEventKind::Disconnected,
        zmq_sys::ZMQ_EVENT_CONNECT_RETRIED => PeerEventKind::ConnectRetried,
        zmq_sys::ZMQ_EVENT_MONITOR_STOPPED => PeerEventKind::Stopped,
        _ => PeerEventKind::Other,
    };
    Some(PeerEvent {
        kind,
        raw,
        endpoint: String::from_utf8_lossy(endpoint).into_owned(),
    })
}

impl Monitor {
    /// A monitor of the watched socket that gets the events from now on:
    /// the hub first reads (and passes over) those already sent.
    pub(crate) fn new(watch: Arc<Watch>) -> Monitor {
        let ticket = {
            let mut queue = watch.lock();
            queue.flushes_asked += 1;
            queue.flushes_asked
        };
        if let Some(hub) = watch.hub.get() {
            hub::wake(hub);
        }
        let until = Instant::now() + FLUSH_WAIT;
        let mut queue = watch.lock();
        while queue.flushes_done < ticket {
            let left = until.saturating_duration_since(Instant::now());
            if left.is_zero() {
                break;
            }
            queue = watch
                .ready
                .wait_timeout(queue, left)
                .unwrap_or_else(|p| p.into_inner())
                .0;
        }
        queue.monitors += 1;
        drop(queue);
        Monitor {
            watch,
            closed: AtomicBool::new(false),
        }
    }

    /// Closes the monitor, from any thread: a `next` blocked now returns
    /// `Closed` at once, and so does every later one. Final. For a monitor
    /// shared between threads; `zil_monitor_free` calls it.
    pub fn close(&self) {
        self.closed.store(true, Ordering::SeqCst);
        // Under the lock, so a `next` between its check and its wait cannot
        // miss the signal.
        let _queue = self.watch.lock();
        self.watch.ready.notify_all();
    }

    /// The next event, waiting at most `timeout_ms` (`-1` forever).
    /// `Closed` after [`Monitor::close`].
    pub fn next(&self, timeout_ms: i32) -> Result<PeerEvent> {
        let deadline = Deadline::after_ms(timeout_ms);
        let mut queue = self.watch.lock();
        loop {
            if self.closed.load(Ordering::SeqCst) {
                return Err(Error::closed("wait for a connection event", "monitor"));
            }
            if let Some(event) = queue.events.pop_front() {
                return Ok(event);
            }
            let ready = &self.watch.ready;
            queue = match u64::try_from(deadline.remaining_ms()) {
                Err(_) => ready.wait(queue).unwrap_or_else(|p| p.into_inner()),
                Ok(0) => {
                    return Err(Error::new(
                        ErrorKind::Timeout,
                        "no connection event before the timeout",
                    ))
                }
                Ok(ms) => {
                    ready
                        .wait_timeout(queue, Duration::from_millis(ms))
                        .unwrap_or_else(|p| p.into_inner())
                        .0
                }
            };
        }
    }
}

impl Drop for Monitor {
    fn drop(&mut self) {
        let mut queue = self.watch.lock();
        queue.monitors -= 1;
        if queue.monitors == 0 {
            queue.events.clear();
        }
    }
}
