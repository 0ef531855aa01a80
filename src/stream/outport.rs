//! The output port: a publisher of `[topic, data, event]` messages.

use super::drain::{self, Drain};
use super::foreign::ForeignFrame;
use super::subscribers::Subscribers;
use super::NO_EVENT;
use crate::deadline::Deadline;
use crate::error::{Error, ErrorKind, Result};
use crate::monitor::Monitor;
use crate::options::{Attach, PortOptions};
use crate::port_socket::{self, PortSocket};
use crate::socket;
use crate::stats::{Counters, Stats};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, TryLockError, Weak};
use std::time::{Duration, Instant};

/// libzmq's `ZMQ_XPUB_VERBOSER`: pass every subscribe and unsubscribe up,
/// so zil can count subscribers exactly.
const ZMQ_XPUB_VERBOSER: u32 = 78;

/// While waiting for subscribers the socket lock is released this often so
/// that pushes from other threads are not held up for long.
const WAIT_SLICE: Duration = Duration::from_millis(5);

/// A push drains the subscription frames when the last drain is this old
/// (see `drain.rs`): a flood of them is held for about this long at most.
const PUSH_DRAIN_AGE: Duration = Duration::from_millis(1);

/// A lossless push waits for room in slices this long, each a blocking
/// send, so that [`Outport::set_interrupted`] ends the wait within one.
const LOSSLESS_SLICE_MS: i32 = 10;

/// One drain reads at most this many frames before it lets the lock go.
const DRAIN_BATCH: usize = 4096;

/// The receive high-water mark of an output port, whose receive side
/// carries subscription frames only. libzmq moves every frame the peer's
/// connection delivers into the XPUB's own unbounded queue in one go while
/// the connection keeps up; a small mark makes the connection wait for the
/// port instead, so a flood of subscriptions is mostly held back in the
/// peer's TCP buffers rather than in zil's memory. What libzmq still copies
/// while the I/O thread keeps its queue fed is bounded per frame by
/// [`subscription_limit`].
const SUBSCRIPTION_HWM: i32 = 16;

/// The `max_msg_size` of an output port's receive side, which carries
/// subscription frames only: the topic, the one-byte (un)subscribe flag or
/// a ZMTP 3.1 command name, and room for the handshake's commands (CURVE's
/// INITIATE is about 300 bytes). libzmq drops the connection of a peer that
/// sends a frame over twice this. A subscription longer than
/// the topic can never match it, and libzmq's XPUB walks its trie and
/// copies every frame it is sent into a queue with no bound while the
/// connection keeps up, so long frames are the cheapest way to flood a port
/// (100k frames of 5 KB: +100 to +200 MB before this limit; of 1 KB:
/// +3 to +5 MB).
fn subscription_limit(topic: &str) -> i64 {
    i64::try_from(topic.len()).unwrap_or(i64::MAX / 4) + 512
}

/// An output port. It binds (by default) an XPUB socket, which a plain SUB
/// peer cannot tell from a PUB, and which lets zil count subscribers: the
/// distinct peers whose subscriptions match the topic (`subscribers.rs`).
/// Whatever peers send, the port holds a bounded amount of it: the
/// subscription frames are read as they come (`drain.rs`), also while the
/// port only pushes or sits idle.
///
/// Thread safety: `Outport` is `Send + Sync`; any number of threads may push
/// at once (a short internal lock keeps each 3-frame message whole).
pub struct Outport {
    /// Dropped first: the drainer forgets the port before its socket closes.
    _drain: drain::Registration,
    inner: Arc<Mutex<Publisher>>,
    /// Set by [`Outport::close`]: ends `wait_subscribers`.
    closed: AtomicBool,
    /// [`PortOptions::lossless_timeout_ms`].
    lossless_timeout_ms: Option<i32>,
    /// Set by [`Outport::set_interrupted`]: lossless pushes do not wait.
    interrupted: AtomicBool,
    topic: Box<str>,
    endpoint: String,
    counters: Counters,
}

/// Why a message was not sent.
enum Unsent {
    Zmq(zmq::Error),
    Interrupted,
}

struct Publisher {
    socket: PortSocket,
    subscribers: Subscribers,
    drained: Instant,
}

impl Publisher {
    /// Reads the subscription frames XPUB queued (at most
    /// [`DRAIN_BATCH`]) into the subscriber count; true when none is left.
    fn drain(&mut self) -> bool {
        self.drained = Instant::now();
        let mut done = false;
        for _ in 0..DRAIN_BATCH {
            let mut frame = zmq::Message::new();
            match self.socket.recv(&mut frame, zmq::DONTWAIT) {
                Ok(()) => self.subscribers.take(frame),
                Err(zmq::Error::EINTR) => {}
                Err(_) => {
                    done = true;
                    break;
                }
            }
        }
        self.subscribers.settle();
        done
    }
}

impl Drain for Mutex<Publisher> {
    fn try_drain(&self) -> bool {
        match self.try_lock() {
            Ok(mut publisher) => publisher.drain(),
            Err(TryLockError::Poisoned(p)) => p.into_inner().drain(),
            Err(TryLockError::WouldBlock) => false,
        }
    }
}

impl Outport {
    /// Binds `addr` (e.g. `tcp://0.0.0.0:5555`, `ipc:///tmp/x`, `inproc://x`) and
    /// publishes on `topic`, with default options.
    pub fn new(addr: &str, topic: &str) -> Result<Self> {
        Self::with_options(addr, topic, &PortOptions::default())
    }

    /// Like [`Outport::new`] with explicit options.
    pub fn with_options(addr: &str, topic: &str, opts: &PortOptions) -> Result<Self> {
        let mut socket = port_socket::open(
            zmq::SocketType::XPUB,
            addr,
            &PortOptions {
                // A negative mark is still refused as the caller's mistake.
                rcvhwm: if opts.rcvhwm < 0 {
                    opts.rcvhwm
                } else {
                    SUBSCRIPTION_HWM
                },
                max_msg_size: Some(subscription_limit(topic)),
                ..opts.clone()
            },
            Attach::Bind,
            port_socket::Drops::Ignored,
        )?;
        socket::set_int_option(
            &mut socket,
            ZMQ_XPUB_VERBOSER,
            1,
            "subscriber counting (ZMQ_XPUB_VERBOSER)",
        )?;
        if opts.lossless_timeout_ms.is_some() {
            socket::set_int_option(
                &mut socket,
                zmq_sys::ZMQ_XPUB_NODROP,
                1,
                "lossless sending (ZMQ_XPUB_NODROP)",
            )?;
        }
        let endpoint = socket::last_endpoint(&socket, addr);
        let counters = Counters::with_peers(socket.refusals(), socket.peers_dropped());
        let zmq_fd = socket
            .get_fd()
            .map_err(|e| Error::zmq("cannot read the socket's ZMQ_FD", e))?;
        let inner = Arc::new(Mutex::new(Publisher {
            socket,
            subscribers: Subscribers::new(topic.as_bytes()),
            drained: Instant::now(),
        }));
        let weak: Weak<Mutex<Publisher>> = Arc::downgrade(&inner);
        Ok(Outport {
            _drain: drain::register(zmq_fd, weak)?,
            inner,
            topic: topic.into(),
            endpoint,
            counters,
            closed: AtomicBool::new(false),
            lossless_timeout_ms: opts.lossless_timeout_ms,
            interrupted: AtomicBool::new(false),
        })
    }

    /// Publishes one message. `event` `None` sends the frame `None`, exactly
    /// like the Python original. By default it never blocks: a subscriber
    /// over its high-water mark misses the message (libzmq PUB semantics).
    /// With [`PortOptions::lossless_timeout_ms`] it waits for room instead,
    /// and on timeout drops the message (for every subscriber), counts it in
    /// `messages_dropped` and returns `Timeout`; while the port is
    /// interrupted ([`Outport::set_interrupted`]) it returns `Interrupted`
    /// instead of waiting.
    pub fn push(&self, data: &[u8], event: Option<&str>) -> Result<()> {
        self.push_while(data, event, &|| true)
    }

    /// Like [`Outport::push`], for a caller that must be able to end a
    /// lossless wait itself (an interpreter that handles Ctrl-C): while the
    /// push waits for room, `keep_waiting` is asked every 10 ms, without any
    /// lock of the port held, and `false` ends the wait with `Interrupted`,
    /// as [`Outport::set_interrupted`] does.
    pub fn push_while(
        &self,
        data: &[u8],
        event: Option<&str>,
        keep_waiting: &dyn Fn() -> bool,
    ) -> Result<()> {
        self.send(
            data.len(),
            event,
            |s| s.send(data, zmq::SNDMORE),
            keep_waiting,
        )
    }

    /// Publishes a payload that libzmq takes over without copying it; the
    /// buffer is released once libzmq has sent it.
    pub fn push_owned(&self, data: Box<[u8]>, event: Option<&str>) -> Result<()> {
        self.push_owned_while(data, event, &|| true)
    }

    /// [`Outport::push_owned`] with [`Outport::push_while`]'s `keep_waiting`.
    pub(crate) fn push_owned_while(
        &self,
        data: Box<[u8]>,
        event: Option<&str>,
        keep_waiting: &dyn Fn() -> bool,
    ) -> Result<()> {
        let len = data.len();
        let frame = zmq::Message::from(data);
        self.send(len, event, |s| s.send(frame, zmq::SNDMORE), keep_waiting)
    }

    /// Publishes a caller's buffer without copying it (see [`ForeignFrame`]).
    pub(crate) fn push_foreign(
        &self,
        mut frame: ForeignFrame,
        len: usize,
        event: Option<&str>,
    ) -> Result<()> {
        self.send(len, event, |s| frame.send(s, zmq::SNDMORE), &|| true)
    }

    /// Sends topic, the data frame that `send_data` sends, and the event, as
    /// one message under the lock.
    fn send(
        &self,
        len: usize,
        event: Option<&str>,
        send_data: impl FnOnce(&mut zmq::Socket) -> zmq::Result<()>,
        keep_waiting: &dyn Fn() -> bool,
    ) -> Result<()> {
        let event = event.map_or(NO_EVENT, str::as_bytes);
        let sent = self.send_topic(keep_waiting).and_then(|mut publisher| {
            let s = &mut publisher.socket;
            let sent = send_data(s)
                .and_then(|_| s.send(event, 0))
                .map_err(Unsent::Zmq);
            if publisher.drained.elapsed() >= PUSH_DRAIN_AGE {
                publisher.drain();
            }
            sent
        });
        if let Err(unsent) = sent {
            let Unsent::Zmq(e) = unsent else {
                return Err(Error::new(
                    ErrorKind::Interrupted,
                    format!(
                        "push interrupted while subscribers of '{}' were full; the message \
                         was not sent",
                        self.endpoint
                    ),
                ));
            };
            if e == zmq::Error::EAGAIN {
                self.counters.dropped();
                log::warn!(
                    "zil: outport '{}' dropped a message: subscribers full until the send timeout",
                    self.endpoint
                );
                return Err(Error::new(
                    ErrorKind::Timeout,
                    format!(
                        "message dropped: subscribers of '{}' stayed full until the send timeout",
                        self.endpoint
                    ),
                ));
            }
            return Err(Error::zmq(
                format!("cannot publish on '{}'", self.endpoint),
                e,
            ));
        }
        self.counters.sent(len);
        Ok(())
    }

    /// Sends the topic frame and returns the lock, under which the rest of
    /// the message follows: the topic frame is where a lossless push waits
    /// for room (libzmq checks the subscribers' queues at a message's first
    /// frame only, and the later frames follow it whole). The first try does
    /// not wait, so a push with room reads no clock; then the push waits in
    /// blocking sends of at most [`LOSSLESS_SLICE_MS`], the last one cut to
    /// what is left, until the lossless timeout (`EAGAIN`), an interruption
    /// or `keep_waiting` saying no. Between two tries the lock is let go:
    /// other threads push or drain, and `keep_waiting` runs unlocked.
    fn send_topic(
        &self,
        keep_waiting: &dyn Fn() -> bool,
    ) -> std::result::Result<MutexGuard<'_, Publisher>, Unsent> {
        let topic = self.topic.as_bytes();
        let Some(timeout_ms) = self.lossless_timeout_ms else {
            let publisher = self.lock();
            publisher
                .socket
                .send(topic, zmq::SNDMORE)
                .map_err(Unsent::Zmq)?;
            return Ok(publisher);
        };
        let deadline = Deadline::after_ms(timeout_ms);
        let mut wait_ms = None;
        loop {
            let publisher = self.lock();
            let flags = match wait_ms {
                None => zmq::SNDMORE | zmq::DONTWAIT,
                Some(ms) => {
                    publisher.socket.set_sndtimeo(ms).map_err(Unsent::Zmq)?;
                    zmq::SNDMORE
                }
            };
            match publisher.socket.send(topic, flags) {
                Ok(()) => return Ok(publisher),
                Err(zmq::Error::EAGAIN) => {}
                Err(e) => return Err(Unsent::Zmq(e)),
            }
            drop(publisher);
            if self.interrupted.load(Ordering::Acquire) || !keep_waiting() {
                return Err(Unsent::Interrupted);
            }
            wait_ms = Some(match deadline.remaining_ms() {
                0 => return Err(Unsent::Zmq(zmq::Error::EAGAIN)),
                left if left < 0 => LOSSLESS_SLICE_MS,
                left => left.min(i64::from(LOSSLESS_SLICE_MS)) as i32,
            });
        }
    }

    /// Interrupts lossless pushes (for a pipeline that is flushing or
    /// stopping, e.g. GStreamer's `unlock`): while set, a push that finds a
    /// subscriber full returns `Interrupted` at once instead of waiting, one
    /// waiting in another thread returns it within 10 ms, and the message is
    /// not sent (nor counted as dropped). A push with room is sent as usual.
    /// `false` lets pushes wait again. No effect on a port that is not
    /// lossless, whose pushes never wait.
    pub fn set_interrupted(&self, interrupted: bool) {
        self.interrupted.store(interrupted, Ordering::Release);
    }

    /// Waits until at least `count` subscribers of this port's topic are
    /// connected (the slow-joiner fix), at most `timeout_ms` (`-1` forever,
    /// `0` checks once). Returns the number of subscribers; `Closed` after
    /// [`Outport::close`].
    pub fn wait_subscribers(&self, count: usize, timeout_ms: i32) -> Result<usize> {
        let deadline = Deadline::after_ms(timeout_ms);
        loop {
            if self.closed.load(Ordering::Acquire) {
                return Err(Error::closed(
                    format_args!("wait for subscribers on '{}'", self.endpoint),
                    "port",
                ));
            }
            let mut publisher = self.lock();
            publisher.drain();
            let subscribers = publisher.subscribers.count();
            if subscribers >= count {
                return Ok(subscribers);
            }
            let left = deadline.remaining_ms();
            if left == 0 {
                return Err(Error::new(
                    ErrorKind::Timeout,
                    format!(
                        "{subscribers} of {count} subscribers on '{}' (topic '{}') after \
                         {timeout_ms} ms",
                        self.endpoint, self.topic
                    ),
                ));
            }
            let slice = WAIT_SLICE.as_millis() as i64;
            let wait = if left < 0 { slice } else { left.min(slice) };
            // A poll error (EINTR) just means: look again.
            let _ = publisher.socket.poll(zmq::POLLIN, wait);
        }
    }

    /// Closes the port from any thread, for a port shared between threads
    /// (an `Arc<Outport>`) that is about to be dropped: a `wait_subscribers`
    /// blocked now returns `Closed` within a few milliseconds, and so does
    /// every later one. Final. `zil_outport_free` calls it.
    pub fn close(&self) {
        self.closed.store(true, Ordering::Release);
    }

    /// Subscribers of this port's topic known right now: distinct peers
    /// with a subscription that matches the topic (a peer subscribed twice
    /// counts once; each `inproc://` subscription counts as a peer).
    pub fn subscribers(&self) -> usize {
        let mut publisher = self.lock();
        publisher.drain();
        publisher.subscribers.count()
    }

    /// The address the port is bound to (an ephemeral `tcp://127.0.0.1:*`
    /// resolves to the real port).
    pub fn endpoint(&self) -> &str {
        &self.endpoint
    }

    /// The topic this port publishes on.
    pub fn topic(&self) -> &str {
        &self.topic
    }

    /// Starts reporting this port's connection events.
    pub fn monitor(&self) -> Result<Monitor> {
        self.lock().socket.monitor()
    }

    /// The port's counters.
    pub fn stats(&self) -> Stats {
        self.counters.snapshot()
    }

    fn lock(&self) -> MutexGuard<'_, Publisher> {
        // A panic while holding the lock cannot leave a half-sent message
        // behind (libzmq sends multipart messages atomically), so a poisoned
        // lock is safe to take over.
        self.inner.lock().unwrap_or_else(|p| p.into_inner())
    }
}
