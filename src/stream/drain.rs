//! The subscription drainer: one thread that reads the subscription frames
//! peers send to output ports, as they come, so that a port that only
//! pushes — or sits idle for hours — holds none of them.
//!
//! An XPUB queues every (un)subscribe frame it is sent until the
//! application reads it, without any limit; a port read only when it is
//! asked for its subscribers would grow with each connection a peer ever
//! made, and without bound under a flood of subscriptions. Each output port
//! registers its socket's `ZMQ_FD`, which libzmq signals when the socket
//! has news (a new connection, subscription frames). The drainer polls
//! those descriptors and, when one is readable, takes the port's lock
//! without waiting and drains it. A port whose lock is held (a push in
//! progress) is retried a few milliseconds later; every push drains as
//! well, since a push that lets libzmq process the news quiets `ZMQ_FD`.
//!
//! The drainer holds no socket, only descriptors and weak references, so it
//! never keeps a port or zil's context alive; it starts with the first port.

use crate::error::Result;
use crate::waker::Waker;
use once_cell::sync::OnceCell;
use std::os::fd::RawFd;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, Weak};
use std::time::{Duration, Instant};

/// A port the drainer can empty.
pub(super) trait Drain: Send + Sync {
    /// Reads the queued subscription frames unless the port is busy; false
    /// when it was, or when frames were left (a flood: a drain reads a
    /// bounded number), and the drainer should come back shortly.
    fn try_drain(&self) -> bool;
}

/// How soon a port found busy, or left with frames, is tried again.
const RETRY: Duration = Duration::from_millis(2);

/// Every port is drained at least this often: a push can let libzmq take
/// in frames (quieting `ZMQ_FD`) without draining them itself.
const SWEEP: Duration = Duration::from_secs(1);

struct Entry {
    id: u64,
    fd: RawFd,
    port: Weak<dyn Drain>,
}

struct Drainer {
    entries: Mutex<Vec<Entry>>,
    /// Wakes the thread to rebuild its poll set.
    waker: Waker,
}

static DRAINER: OnceCell<Arc<Drainer>> = OnceCell::new();
static NEXT_ID: AtomicU64 = AtomicU64::new(1);

/// A port's place in the drainer; dropping it (with the port) removes it.
pub(super) struct Registration {
    id: u64,
    drainer: Arc<Drainer>,
}

impl Drop for Registration {
    fn drop(&mut self) {
        self.drainer.entries().retain(|e| e.id != self.id);
        self.drainer.waker.wake();
    }
}

/// Registers `port`, whose socket's `ZMQ_FD` is `fd`, starting the drainer
/// on first use.
pub(super) fn register(fd: RawFd, port: Weak<dyn Drain>) -> Result<Registration> {
    let drainer = Arc::clone(DRAINER.get_or_try_init(start)?);
    let id = NEXT_ID.fetch_add(1, Ordering::Relaxed);
    drainer.entries().push(Entry { id, fd, port });
    drainer.waker.wake();
    Ok(Registration { id, drainer })
}

impl Drainer {
    fn entries(&self) -> MutexGuard<'_, Vec<Entry>> {
        self.entries.lock().unwrap_or_else(|p| p.into_inner())
    }
}

fn start() -> Result<Arc<Drainer>> {
    let drainer = Arc::new(Drainer {
        entries: Mutex::new(Vec::new()),
        waker: Waker::new()?,
    });
    let serving = Arc::clone(&drainer);
    crate::service::spawn("zil-drain", "subscription drainer", move || run(&serving))?;
    Ok(drainer)
}

fn run(drainer: &Drainer) {
    // Ports found busy last round: left out of one poll, retried after it.
    let mut busy: Vec<u64> = Vec::new();
    let mut next_sweep = Instant::now() + SWEEP;
    loop {
        let watched: Vec<(u64, RawFd, Weak<dyn Drain>)> = drainer
            .entries()
            .iter()
            .filter(|e| !busy.contains(&e.id))
            .map(|e| (e.id, e.fd, Weak::clone(&e.port)))
            .collect();
        let mut fds: Vec<libc::pollfd> = std::iter::once(drainer.waker.fd())
            .chain(watched.iter().map(|(_, fd, _)| *fd))
            .map(|fd| libc::pollfd {
                fd,
                events: libc::POLLIN,
                revents: 0,
            })
            .collect();
        let until_sweep = next_sweep.saturating_duration_since(Instant::now());
        let timeout = if busy.is_empty() {
            until_sweep
        } else {
            until_sweep.min(RETRY)
        };
        let timeout = timeout.as_millis().min(i32::MAX as u128) as i32;
        // SAFETY: `fds` is a live array of `fds.len()` pollfd structs.
        let n = unsafe { libc::poll(fds.as_mut_ptr(), fds.len() as libc::nfds_t, timeout) };
        if n < 0 {
            // EINTR; anything else would be a bug in the set, so look again
            // after a pause rather than spin.
            std::thread::sleep(RETRY);
        }
        if fds[0].revents != 0 {
            drainer.waker.take();
        }
        let retried = std::mem::take(&mut busy);
        let sweep = Instant::now() >= next_sweep;
        if sweep {
            next_sweep = Instant::now() + SWEEP;
        }
        let mut due: Vec<(u64, Weak<dyn Drain>)> = fds[1..]
            .iter()
            .zip(&watched)
            .filter(|(polled, _)| polled.revents != 0)
            .map(|(_, (id, _, port))| (*id, Weak::clone(port)))
            .collect();
        due.extend(
            drainer
                .entries()
                .iter()
                .filter(|e| sweep || retried.contains(&e.id))
                .map(|e| (e.id, Weak::clone(&e.port))),
        );
        for (id, port) in due {
            if let Some(port) = port.upgrade() {
                if !port.try_drain() {
                    busy.push(id);
                }
            }
        }
    }
}
