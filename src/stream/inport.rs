//! The input port: a subscriber that hands out whole, valid messages only.

use super::message::Message;
use super::ready_fd::ReadyFd;
use super::NO_EVENT;
use crate::deadline::Deadline;
use crate::error::{Error, ErrorKind, Result};
use crate::monitor::Monitor;
use crate::options::{Attach, PortOptions, TopicMatch};
use crate::port_socket::{self, PortSocket};
use crate::socket;
use crate::stats::{Counters, Stats};
use crate::waker::{Wait, Waker};
use once_cell::sync::OnceCell;
use std::os::fd::RawFd;
use std::sync::{Mutex, MutexGuard};
use std::time::Duration;

/// How far past its deadline a receive may go on skipping filtered or
/// rejected messages (a flood of another topic): it returns `Timeout`
/// within its timeout and this.
const SKIP_GRACE: Duration = Duration::from_millis(5);

/// An input port: connects (by default) a SUB socket to an address and
/// receives the messages of one topic.
///
/// Thread safety: `Inport` is `Send + Sync`. One thread receives at a time
/// (a second receiving thread waits for the first); [`Inport::wake`] may be
/// called from any thread, and so may [`Inport::close`] (for an `Inport`
/// shared through an `Arc`: it ends a receive blocked in another thread).
pub struct Inport {
    socket: Mutex<PortSocket>,
    topic: Box<str>,
    topic_match: TopicMatch,
    endpoint: String,
    waker: Waker,
    ready: OnceCell<ReadyFd>,
    counters: Counters,
}

impl Inport {
    /// Connects to `addr` (e.g. `tcp://localhost:5555`) and subscribes to
    /// `topic` with default options (exact topic matching).
    pub fn new(addr: &str, topic: &str) -> Result<Self> {
        Self::with_options(addr, topic, &PortOptions::default())
    }

    /// Like [`Inport::new`] with explicit options.
    pub fn with_options(addr: &str, topic: &str, opts: &PortOptions) -> Result<Self> {
        let socket = port_socket::open(
            zmq::SocketType::SUB,
            addr,
            opts,
            Attach::Connect,
            port_socket::Drops::Counted,
        )?;
        socket
            .set_subscribe(topic.as_bytes())
            .map_err(|e| Error::zmq(format!("cannot subscribe to topic '{topic}'"), e))?;
        let endpoint = socket::last_endpoint(&socket, addr);
        let counters = Counters::with_peers(socket.refusals(), socket.peers_dropped());
        Ok(Inport {
            socket: Mutex::new(socket),
            topic: topic.into(),
            topic_match: opts.topic_match,
            endpoint,
            waker: Waker::new()?,
            ready: OnceCell::new(),
            counters,
        })
    }

    /// Receives the next message of this port's topic, waiting at most
    /// `timeout_ms` (`-1` forever, `0` only takes what is already queued).
    ///
    /// Returns within `timeout_ms` + 5 ms, however many messages of other
    /// topics (or malformed ones) it skips meanwhile.
    ///
    /// Errors: `Timeout` when nothing came in time, `Interrupted` after
    /// [`Inport::wake`], `Closed` after [`Inport::close`]. Messages with a
    /// frame count other than 3 or a non-UTF-8 topic or event are skipped
    /// and counted as rejected.
    pub fn recv(&self, timeout_ms: i32) -> Result<Message> {
        let mut msg = Message::new();
        self.recv_into(&mut msg, timeout_ms)?;
        Ok(msg)
    }

    /// Like [`Inport::recv`], but receives into `msg`, replacing its content
    /// and reusing its storage: the receive path then allocates nothing. On
    /// error `msg` holds no message (its content is unspecified).
    pub fn recv_into(&self, msg: &mut Message, timeout_ms: i32) -> Result<()> {
        self.recv_until(msg, &Deadline::after_ms(timeout_ms))
    }

    /// Makes a `recv` blocked in another thread (or the next `recv`) return
    /// `Interrupted` once.
    pub fn wake(&self) {
        self.waker.wake();
    }

    /// Closes the port for receiving, from any thread: a `recv` blocked now
    /// returns `Closed` at once, and so does every later one. Final. The
    /// socket itself closes when the port is dropped. For a port shared
    /// between threads (an `Arc<Inport>`) that is about to be dropped while
    /// another thread may be blocked in it; the C layer's `zil_inport_free`
    /// calls it.
    pub fn close(&self) {
        self.waker.close();
    }

    /// A descriptor for event loops (GLib's `g_unix_fd_add`, epoll, poll):
    /// readable while a message can be received without blocking, i.e.
    /// level-triggered (libzmq's edge-triggered `ZMQ_FD` is hidden behind
    /// it). When it is readable, call `recv(0)`: it returns a message or
    /// `Timeout`, and the descriptor stays readable exactly while more are
    /// waiting. Owned by the port: do not close it.
    pub fn ready_fd(&self) -> Result<RawFd> {
        let ready = self.ready.get_or_try_init(|| {
            let socket = self.lock();
            let zmq_fd = socket
                .get_fd()
                .map_err(|e| Error::zmq("cannot read the socket's ZMQ_FD", e))?;
            let ready = ReadyFd::new(zmq_fd)?;
            ready.update(message_waiting(&socket));
            Ok::<_, Error>(ready)
        })?;
        Ok(ready.fd())
    }

    /// Recomputes the event-loop descriptor (if one was asked for) for a
    /// wrapper that holds `held` messages of its own (an inpad's verified
    /// batch): readable while it holds some or libzmq has one.
    pub(crate) fn refresh_ready_fd(&self, held: bool) {
        if let Some(ready) = self.ready.get() {
            let socket = self.lock();
            ready.update(held || message_waiting(&socket));
        }
    }

    /// Makes the event-loop descriptor (if one was asked for) readable
    /// `after` from now, for a wrapper whose receive makes progress then
    /// (`None`: no such point).
    pub(crate) fn wake_ready_fd_after(&self, after: Option<Duration>) {
        if let Some(ready) = self.ready.get() {
            ready.wake_after(after);
        }
    }

    /// The address this port is attached to.
    pub fn endpoint(&self) -> &str {
        &self.endpoint
    }

    /// The topic this port receives.
    pub fn topic(&self) -> &str {
        &self.topic
    }

    /// Starts reporting this port's connection events.
    pub fn monitor(&self) -> Result<Monitor> {
        self.lock().monitor()
    }

    /// The port's counters.
    pub fn stats(&self) -> Stats {
        self.counters.snapshot()
    }

    pub(crate) fn recv_until(&self, msg: &mut Message, deadline: &Deadline) -> Result<()> {
        let socket = self.lock();
        let result = self.next_message(&socket, msg, deadline);
        if let Some(ready) = self.ready.get() {
            ready.update(message_waiting(&socket));
        }
        result
    }

    fn next_message(
        &self,
        socket: &PortSocket,
        msg: &mut Message,
        deadline: &Deadline,
    ) -> Result<()> {
        msg.decoded = None;
        msg.session_id = None;
        loop {
            if self.waker.is_pending() && self.waker.take() {
                return Err(self.interrupted());
            }
            match socket.recv(&mut msg.topic, zmq::DONTWAIT) {
                Ok(()) => {
                    if self.read_rest(socket, msg)? {
                        self.counters.received(msg.data.len());
                        return Ok(());
                    }
                    if deadline.overrun(SKIP_GRACE) {
                        return Err(self.timed_out());
                    }
                }
                Err(zmq::Error::EAGAIN) | Err(zmq::Error::EINTR) => {
                    self.wait_readable(socket, deadline)?
                }
                Err(e) => {
                    return Err(Error::zmq(
                        format!("cannot receive on '{}'", self.endpoint),
                        e,
                    ))
                }
            }
        }
    }

    /// Blocks until the socket has a message, the waker is woken or
    /// closed, or the deadline (checked first: the caller has just found
    /// nothing queued, so a zero timeout costs no poll).
    fn wait_readable(&self, socket: &zmq::Socket, deadline: &Deadline) -> Result<()> {
        if deadline.remaining_ms() == 0 {
            return Err(self.timed_out());
        }
        let wait = self
            .waker
            .wait_ready(socket, zmq::POLLIN, deadline)
            .map_err(|e| Error::zmq(format!("cannot poll '{}'", self.endpoint), e))?;
        match wait {
            Wait::Ready => Ok(()),
            Wait::Woken => Err(self.interrupted()),
            Wait::TimedOut => Err(self.timed_out()),
        }
    }

    fn timed_out(&self) -> Error {
        Error::new(
            ErrorKind::Timeout,
            format!(
                "no message on '{}' (topic '{}') before the timeout",
                self.endpoint, self.topic
            ),
        )
    }

    /// Reads the frames after the topic into `msg`; false for a message that
    /// was rejected or filtered (and counted).
    fn read_rest(&self, socket: &PortSocket, msg: &mut Message) -> Result<bool> {
        let mut frames = 1;
        let mut more = msg.topic.get_more();
        for frame in [&mut msg.data, &mut msg.event] {
            if more {
                self.recv_frame(socket, frame)?;
                frames += 1;
                more = frame.get_more();
            }
        }
        if more {
            let mut extra = zmq::Message::new();
            while more {
                self.recv_frame(socket, &mut extra)?;
                frames += 1;
                more = extra.get_more();
            }
        }
        let largest = [&msg.topic, &msg.data, &msg.event]
            .iter()
            .map(|f| f.len())
            .max()
            .unwrap_or(0);
        if largest > socket.frame_limit() {
            self.counters.oversized();
            log::warn!(
                "zil: dropped a message on '{}': a frame of {largest} bytes is over \
                 max_msg_size ({} bytes)",
                self.endpoint,
                socket.frame_limit()
            );
            return Ok(false);
        }
        if frames != 3 {
            self.counters.rejected();
            log::warn!(
                "zil: rejected a message on '{}': {frames} frames instead of 3 [topic, data, event]",
                self.endpoint
            );
            return Ok(false);
        }
        if self.topic_match == TopicMatch::Exact && &msg.topic[..] != self.topic.as_bytes() {
            self.counters.filtered();
            return Ok(false);
        }
        // With exact matching the topic equals the port's (UTF-8) topic
        // already; only a prefix match needs its tail checked.
        let topic_ok =
            self.topic_match == TopicMatch::Exact || std::str::from_utf8(&msg.topic).is_ok();
        if !topic_ok || std::str::from_utf8(&msg.event).is_err() {
            self.counters.rejected();
            log::warn!(
                "zil: rejected a message on '{}': topic or event is not UTF-8",
                self.endpoint
            );
            return Ok(false);
        }
        msg.has_event = &msg.event[..] != NO_EVENT;
        Ok(true)
    }

    fn recv_frame(&self, socket: &zmq::Socket, frame: &mut zmq::Message) -> Result<()> {
        // The rest of a multipart message is already queued: no wait.
        socket
            .recv(frame, 0)
            .map_err(|e| Error::zmq(format!("cannot receive on '{}'", self.endpoint), e))
    }

    /// `Err(Closed)` once the port is closed: for a wrapper (an inpad)
    /// that might otherwise hand out what it holds.
    pub(crate) fn check_open(&self) -> Result<()> {
        if self.waker.is_closed() {
            return Err(self.interrupted());
        }
        Ok(())
    }

    /// The port's waker, for a wrapper (an inpad) that waits on another
    /// socket of its own.
    pub(crate) fn waker(&self) -> &Waker {
        &self.waker
    }

    /// Makes the event-loop descriptor (if one was asked for) also watch
    /// `fd`, a wrapper's other socket's `ZMQ_FD`.
    pub(crate) fn watch_fd(&self, fd: RawFd) {
        if let Some(ready) = self.ready.get() {
            ready.watch(fd);
        }
    }

    /// The error of a wait the waker ended: `Interrupted` after a wake-up,
    /// `Closed` once the port is closed.
    pub(crate) fn interrupted(&self) -> Error {
        if self.waker.is_closed() {
            return Error::closed(format_args!("receive on '{}'", self.endpoint), "port");
        }
        Error::new(
            ErrorKind::Interrupted,
            format!("receive on '{}' was woken up", self.endpoint),
        )
    }

    fn lock(&self) -> MutexGuard<'_, PortSocket> {
        // A panic mid-receive leaves at worst a partly read message, which the
        // next receive rejects by its frame count.
        self.socket.lock().unwrap_or_else(|p| p.into_inner())
    }
}

/// True when `ZMQ_EVENTS` says a message can be read now (this also lets
/// libzmq process pending commands, which quiets `ZMQ_FD`).
fn message_waiting(socket: &zmq::Socket) -> bool {
    socket
        .get_events()
        .map(|events| events.contains(zmq::POLLIN))
        .unwrap_or(false)
}
