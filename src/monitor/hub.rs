//! The hub: one thread that reads the connection events of every watched
//! socket as they come (see the `monitor` module docs), counts protocol
//! drops and hands the events on.
//!
//! It starts with the first watch and owns its end: it registers its
//! [`release`] with the context when it starts, and once zil's context was
//! shut down it ends when the last watched socket has stopped, so it never
//! keeps a context from terminating and never leaves a monitor unread, which
//! would stall a libzmq thread.

use super::{parse_event, PeerEventKind, Watch, DROP_GRACE};
use crate::error::{Error, Result};
use crate::service::{self, Lifecycle, Service};
use std::collections::VecDeque;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant};

pub(super) struct Hub {
    /// Watches registered since the hub last looked.
    arrivals: Mutex<Vec<Entry>>,
    lifecycle: Lifecycle,
}

impl Service for Hub {
    fn lifecycle(&self) -> &Lifecycle {
        &self.lifecycle
    }
}

/// One watched socket, as the hub thread (its only user) sees it.
struct Entry {
    /// The receiving end of the socket's monitor.
    pair: crate::context::Socket,
    watch: Arc<Watch>,
    /// Disconnections not (yet) followed by a reconnection attempt: when,
    /// and from which endpoint.
    unanswered: VecDeque<(Instant, String)>,
}

/// The hub of the current context.
static CURRENT: Mutex<Option<Arc<Hub>>> = Mutex::new(None);

impl Hub {
    fn arrivals(&self) -> MutexGuard<'_, Vec<Entry>> {
        self.arrivals.lock().unwrap_or_else(|p| p.into_inner())
    }
}

/// Hands the receiving end of a socket's monitor to the hub, starting the
/// hub if there is none.
/// On failure (no hub thread could start) the pair comes back with the
/// error: the monitor must be stopped while it is still connected.
pub(super) fn register(
    pair: crate::context::Socket,
    watch: Arc<Watch>,
) -> std::result::Result<(), (Error, crate::context::Socket)> {
    // Pushed under the lock that `release` takes, so an entry never goes to
    // a hub that has been told to end.
    let mut slot = CURRENT.lock().unwrap_or_else(|p| p.into_inner());
    let hub = match slot.as_ref() {
        Some(hub) => Arc::clone(hub),
        None => match start() {
            Ok(hub) => {
                *slot = Some(Arc::clone(&hub));
                crate::context::on_shutdown(release);
                hub
            }
            Err(err) => return Err((err, pair)),
        },
    };
    let _ = watch.hub.set(Arc::clone(&hub));
    hub.arrivals().push(Entry {
        pair,
        watch,
        unanswered: VecDeque::new(),
    });
    hub.lifecycle.waker().wake();
    Ok(())
}

/// Wakes `hub` to look at its watches (a flush was asked).
pub(super) fn wake(hub: &Hub) {
    hub.lifecycle.waker().wake();
}

/// Run when zil's context is shut down: the next watch starts a new hub;
/// this one ends once its sockets have stopped.
fn release() {
    service::release(&CURRENT);
}

fn start() -> Result<Arc<Hub>> {
    let hub = Arc::new(Hub {
        arrivals: Mutex::new(Vec::new()),
        lifecycle: Lifecycle::new()?,
    });
    let serving = Arc::clone(&hub);
    service::spawn("zil-monitor", "connection monitor", move || run(&serving))?;
    Ok(hub)
}

fn run(hub: &Hub) {
    let mut entries: Vec<Entry> = Vec::new();
    loop {
        // `released` first: whatever was registered before the release is
        // among the arrivals taken next.
        let released = hub.lifecycle.is_released();
        entries.append(&mut hub.arrivals());
        if released && entries.is_empty() {
            return;
        }
        let mut items = Vec::with_capacity(entries.len() + 1);
        items.push(zmq::PollItem::from_fd(
            hub.lifecycle.waker().fd(),
            zmq::POLLIN,
        ));
        items.extend(entries.iter().map(|e| e.pair.as_poll_item(zmq::POLLIN)));
        match zmq::poll(&mut items, next_expiry_ms(&entries)) {
            Ok(_) | Err(zmq::Error::EINTR) => {}
            Err(e) => {
                // Never seen; giving up would leave monitors unread.
                log::error!("zil: cannot poll the connection monitors: {e}");
                std::thread::sleep(Duration::from_millis(10));
            }
        }
        if items[0].is_readable() {
            hub.lifecycle.waker().take();
        }
        let readable: Vec<bool> = items[1..].iter().map(zmq::PollItem::is_readable).collect();
        drop(items);
        // The wake-up just taken may be a watch's that registered during the
        // poll and then asked for a flush (a new port's first monitor): take
        // the arrivals again now, after the wake-up, so that flush is done in
        // this round. Taken before the wake-up only, it would wait for the
        // next one, up to a monitor's whole FLUSH_WAIT.
        entries.append(&mut hub.arrivals());
        // Those were not polled: read whatever they have.
        let mut readable = readable.into_iter();
        entries.retain_mut(|entry| {
            let flush = entry.watch.flush_due();
            let live = !(readable.next().unwrap_or(true) || flush.is_some()) || entry.read();
            if let Some(ticket) = flush {
                entry.watch.flushed(ticket);
            }
            live
        });
        let now = Instant::now();
        for entry in &mut entries {
            entry.expire(now);
        }
    }
}

/// Milliseconds until the first unanswered disconnection counts as a drop
/// (`-1`: none is waiting).
fn next_expiry_ms(entries: &[Entry]) -> i64 {
    let now = Instant::now();
    entries
        .iter()
        .filter_map(|e| e.unanswered.front())
        .map(|(at, _)| (*at + DROP_GRACE).saturating_duration_since(now))
        .min()
        .map_or(-1, |left| left.as_micros().div_ceil(1000) as i64)
}

impl Entry {
    /// Reads every event waiting; false once the socket stopped (its
    /// monitor will send nothing more, and its pair may close).
    fn read(&mut self) -> bool {
        loop {
            let frames = match self.pair.recv_multipart(zmq::DONTWAIT) {
                Ok(frames) => frames,
                Err(zmq::Error::EINTR) => continue,
                Err(zmq::Error::EAGAIN) => return true,
                Err(e) => {
                    log::error!("zil: cannot read a connection monitor: {e}");
                    return true;
                }
            };
            let Some(event) = parse_event(&frames) else {
                continue;
            };
            match event.kind {
                PeerEventKind::Disconnected if self.watch.connecting => self
                    .unanswered
                    .push_back((Instant::now(), event.endpoint.clone())),
                PeerEventKind::ConnectRetried | PeerEventKind::Connected => {
                    self.unanswered.pop_front();
                }
                PeerEventKind::Stopped => self.unanswered.clear(),
                _ => {}
            }
            let stopped = event.kind == PeerEventKind::Stopped;
            self.watch.deliver(event);
            if stopped {
                return false;
            }
        }
    }

    /// Counts the disconnections that went unanswered for [`DROP_GRACE`].
    fn expire(&mut self, now: Instant) {
        while let Some((at, _)) = self.unanswered.front() {
            if now < *at + DROP_GRACE {
                return;
            }
            if let Some((_, endpoint)) = self.unanswered.pop_front() {
                self.watch.dropped(&endpoint);
            }
        }
    }
}
