//! The inpad: an input port that hands out only data of verified sessions.

use super::cache::VerifyCache;
use super::databus::{process_bus, SessionSlot};
use super::envelope::{unwrap, Malformed};
use super::outpad::Outpad;
use crate::deadline::Deadline;
use crate::error::{Error, ErrorKind, Result};
use crate::options::PortOptions;
use crate::rpc::{Client, Progress, VerifyPipeline};
use crate::stats::Stats;
use crate::stream::{Inport, Message};
use std::collections::VecDeque;
use std::os::fd::RawFd;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, RwLock};
use std::time::Duration;

/// Default time a verification result is trusted: 1000 ms. Safe because a
/// logout is seen by every inpad within one second, while a stream of, say,
/// 50 audio chunks per second costs one `verify` call per second instead of
/// fifty. 0 verifies every message, like the original.
pub const DEFAULT_CACHE_TTL_MS: u64 = 1000;

/// Counters of an inpad; each dropped message is counted under one reason.
#[repr(C)]
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct InpadStats {
    /// Messages handed out (verified).
    pub delivered: u64,
    /// Dropped: the data frame is not a UTF-8 JSON object.
    pub dropped_bad_json: u64,
    /// Dropped: `data` or `session_id` missing or of the wrong type.
    pub dropped_missing_field: u64,
    /// Dropped: `data` is not valid base64.
    pub dropped_bad_base64: u64,
    /// Dropped: `session_id` is `null`.
    pub dropped_no_session: u64,
    /// Dropped: the RPC server said the session is not valid.
    pub dropped_unverified: u64,
    /// Dropped: the RPC server could not be asked (timeout, error, bad
    /// answer); the inpad fails closed.
    pub dropped_rpc_failed: u64,
    /// `verify` calls made.
    pub verify_calls: u64,
    /// Messages whose session was answered without a `verify` call of its
    /// own: from the TTL cache, or by the call made for an earlier message
    /// of the same session received in the same batch (TTL > 0 only).
    pub cache_hits: u64,
    /// Dropped: a frame over `max_msg_size`, as the port's
    /// `messages_oversized` (`zil_stats_t`).
    pub dropped_oversized: u64,
    /// Publishers dropped for a protocol violation, as the port's
    /// `peers_dropped` (`zil_stats_t`).
    pub peers_dropped: u64,
    /// Dropped: not a `[topic, data, event]` message, or a non-UTF-8 topic
    /// or event, as the port's `messages_rejected` (`zil_stats_t`).
    pub dropped_rejected: u64,
    /// Dropped: the topic only shares a prefix with the inpad's, as the
    /// port's `messages_filtered` (`zil_stats_t`).
    pub dropped_filtered: u64,
    /// Dropped: the session id is longer than `max_session_id_len`;
    /// refused before any `verify` call and never cached.
    pub dropped_session_too_long: u64,
    /// `verify` answers that were not `true` or `false` (e.g. `1`, `"yes"`,
    /// a list), read by Python's truthiness as the original reads them.
    pub verify_non_boolean: u64,
}

#[derive(Default)]
struct Counters([AtomicU64; 10]);

#[derive(Clone, Copy)]
enum Count {
    Delivered,
    BadJson,
    MissingField,
    BadBase64,
    NoSession,
    Unverified,
    RpcFailed,
    VerifyCalls,
    CacheHits,
    SessionTooLong,
}

impl Counters {
    fn add(&self, which: Count) {
        self.add_n(which, 1);
    }

    fn add_n(&self, which: Count, n: u64) {
        self.0[which as usize].fetch_add(n, Ordering::Relaxed);
    }

    fn snapshot(&self, port: &Stats, rpc: &Client) -> InpadStats {
        let get = |which: Count| self.0[which as usize].load(Ordering::Relaxed);
        InpadStats {
            delivered: get(Count::Delivered),
            dropped_bad_json: get(Count::BadJson),
            dropped_missing_field: get(Count::MissingField),
            dropped_bad_base64: get(Count::BadBase64),
            dropped_no_session: get(Count::NoSession),
            dropped_unverified: get(Count::Unverified),
            dropped_rpc_failed: get(Count::RpcFailed),
            verify_calls: get(Count::VerifyCalls),
            cache_hits: get(Count::CacheHits),
            dropped_oversized: port.messages_oversized,
            peers_dropped: port.peers_dropped,
            dropped_rejected: port.messages_rejected,
            dropped_filtered: port.messages_filtered,
            dropped_session_too_long: get(Count::SessionTooLong),
            verify_non_boolean: rpc.non_boolean_answers(),
        }
    }
}

/// An input port that unwraps session envelopes and delivers a message only
/// when the RPC server at `rpc_addr` confirms its session (`verify`).
///
/// Thread safety: `Send + Sync`; one thread receives at a time; `wake`,
/// `link`, `set_cache_ttl` and `stats` from any thread.
pub struct Inpad {
    port: Inport,
    rpc: Client,
    max_session_id_len: usize,
    cache: Mutex<VerifyCache>,
    ttl_ms: AtomicU64,
    link: RwLock<Arc<SessionSlot>>,
    /// Held by the receiving thread for the whole receive.
    state: Mutex<Verifying>,
    counters: Counters,
}

/// Messages on their way through verification.
struct Verifying {
    pipeline: VerifyPipeline,
    /// Opened messages, in arrival order, until their verdict is known.
    held: VecDeque<Held>,
    /// The outstanding calls, oldest first: ticket and session.
    calls: VecDeque<(u64, String)>,
    next_ticket: u64,
    /// Verified messages, handed out before anything new is taken.
    ready: VecDeque<Message>,
    /// The pipeline socket's descriptor that the event-loop descriptor
    /// watches.
    watched_fd: Option<RawFd>,
}

struct Held {
    msg: Message,
    verdict: Verdict,
}

/// Where the verdict on one message comes from.
enum Verdict {
    /// Known: confirmed, refused, or `None` when the server could not be
    /// asked.
    Known(Option<bool>),
    /// The answer to the call with this ticket.
    Call(u64),
}

/// At most this many messages are held in verification at once.
const BATCH: usize = 64;

impl Inpad {
    /// Connects to `addr`, receives `topic`, and verifies sessions at
    /// `rpc_addr`, with default options.
    pub fn new(addr: &str, topic: &str, rpc_addr: &str) -> Result<Self> {
        Self::with_options(addr, topic, rpc_addr, &PortOptions::default())
    }

    /// Like [`Inpad::new`] with explicit options (`rpc_timeout_ms` bounds
    /// the authz server's silence; `curve.rpc_server_key` encrypts the
    /// calls; `max_session_id_len` refuses longer session ids).
    pub fn with_options(
        addr: &str,
        topic: &str,
        rpc_addr: &str,
        opts: &PortOptions,
    ) -> Result<Self> {
        Ok(Inpad {
            port: Inport::with_options(addr, topic, opts)?,
            rpc: Client::with_options(
                rpc_addr,
                opts.rpc_timeout_ms,
                &PortOptions {
                    curve: opts.curve.for_rpc_client(),
                    ..PortOptions::default()
                },
            )?,
            max_session_id_len: opts.max_session_id_len,
            cache: Mutex::new(VerifyCache::default()),
            ttl_ms: AtomicU64::new(DEFAULT_CACHE_TTL_MS),
            link: RwLock::new(Arc::clone(process_bus())),
            state: Mutex::new(Verifying {
                pipeline: VerifyPipeline::new(),
                held: VecDeque::new(),
                calls: VecDeque::new(),
                next_ticket: 0,
                ready: VecDeque::new(),
                watched_fd: None,
            }),
            counters: Counters::default(),
        })
    }

    /// Receives the next message of a verified session, waiting at most
    /// `timeout_ms`. Everything else is dropped, counted by reason and
    /// logged; the session of a delivered message is passed to the linked
    /// outpad (or the process-wide bus).
    pub fn recv(&self, timeout_ms: i32) -> Result<Message> {
        let mut msg = Message::new();
        self.recv_into(&mut msg, timeout_ms)?;
        Ok(msg)
    }

    /// Like [`Inpad::recv`], receiving into `msg` and reusing its storage.
    ///
    /// Returns within `timeout_ms` + 5 ms, however slow the authz server:
    /// `verify` calls still unanswered then go on, and a later receive
    /// picks up their answers (a receive with timeout 0, from an event
    /// loop, never waits for the server). Messages already queued are taken
    /// together (up to 64 in verification at once) and their sessions'
    /// calls pipelined: with a TTL each distinct uncached session is asked
    /// once, with TTL 0 every message is. The RPC timeout bounds the
    /// server's silence: when no answer comes for that long, the messages
    /// waiting on it are dropped (`dropped_rpc_failed`) — the inpad fails
    /// closed. Messages are delivered in the order they arrived.
    pub fn recv_into(&self, msg: &mut Message, timeout_ms: i32) -> Result<()> {
        let deadline = Deadline::after_ms(timeout_ms).started();
        let mut state = self.state.lock().unwrap_or_else(|p| p.into_inner());
        let result = self.next_verified(&mut state, msg, &deadline);
        self.refresh_ready_fd(&state);
        result
    }

    /// The event-loop descriptor: readable while verified messages wait,
    /// and again when the server's silence would fail the calls waiting.
    fn refresh_ready_fd(&self, st: &Verifying) {
        self.port.refresh_ready_fd(!st.ready.is_empty());
        self.port
            .wake_ready_fd_after(st.pipeline.silence_left(&self.rpc));
    }

    /// A descriptor for event loops, readable while a receive can make
    /// progress: a message is queued or verified, an answer of the authz
    /// server came, or its silence has lasted the RPC timeout (see
    /// [`Inport::ready_fd`]).
    pub fn ready_fd(&self) -> Result<RawFd> {
        let fd = self.port.ready_fd()?;
        let mut state = self.state.lock().unwrap_or_else(|p| p.into_inner());
        state.watched_fd = None;
        self.watch_pipeline(&mut state);
        self.refresh_ready_fd(&state);
        Ok(fd)
    }

    fn next_verified(
        &self,
        st: &mut Verifying,
        msg: &mut Message,
        deadline: &Deadline,
    ) -> Result<()> {
        loop {
            self.port.check_open()?;
            if let Some(next) = st.ready.pop_front() {
                *msg = next;
                self.deliver(msg);
                return Ok(());
            }
            self.take_queued(st);
            self.release(st);
            if !st.ready.is_empty() {
                continue;
            }
            if st.pipeline.outstanding() > 0 {
                let progress = st.pipeline.advance(&self.rpc, deadline, self.port.waker());
                self.watch_pipeline(st);
                match progress {
                    Progress::Answers(answers) => self.answer(st, answers),
                    Progress::TimedOut => return Err(self.timed_out()),
                    Progress::Woken => return Err(self.port.interrupted()),
                }
                continue;
            }
            let mut next = Message::new();
            match self.port.recv_until(&mut next, deadline) {
                Ok(()) => self.admit(st, next),
                Err(err) if err.kind() == ErrorKind::Timeout => return Err(self.timed_out()),
                Err(err) => return Err(err),
            }
        }
    }

    fn timed_out(&self) -> Error {
        Error::new(
            ErrorKind::Timeout,
            format!(
                "no verified message on '{}' before the timeout",
                self.port.endpoint()
            ),
        )
    }

    /// Has the event-loop descriptor watch the pipeline's socket too.
    fn watch_pipeline(&self, st: &mut Verifying) {
        let fd = st.pipeline.zmq_fd();
        if fd.is_some() && fd != st.watched_fd {
            if let Some(fd) = fd {
                self.port.watch_fd(fd);
            }
            st.watched_fd = fd;
        }
    }
    /// Makes this inpad feed `outpad`: the session of each delivered message
    /// becomes the outpad's own session. Replaces an earlier link.
    pub fn link(&self, outpad: &Outpad) {
        *self.link.write().unwrap_or_else(|p| p.into_inner()) = Arc::clone(outpad.slot());
    }

    /// Returns to the process-wide bus.
    pub fn unlink(&self) {
        *self.link.write().unwrap_or_else(|p| p.into_inner()) = Arc::clone(process_bus());
    }

    /// How long a verification result is trusted, in ms (0: verify every
    /// message). A refusal is trusted for at most 100 ms, so a session that
    /// has just logged in gets through quickly. The cache holds at most
    /// 4096 sessions and 1 MiB of session ids. Changing the TTL forgets
    /// cached results.
    pub fn set_cache_ttl(&self, ttl_ms: u64) {
        self.ttl_ms.store(ttl_ms, Ordering::Relaxed);
        self.lock_cache().clear();
    }

    /// Makes a blocked (or the next) `recv` return `Interrupted`.
    pub fn wake(&self) {
        self.port.wake();
    }

    /// Closes the inpad for receiving, from any thread: a `recv` blocked now
    /// (also in a `verify` call) returns `Closed` promptly, and so does every
    /// later one. Final. As [`Inport::close`]; `zil_inpad_free` calls it.
    pub fn close(&self) {
        self.port.close();
        self.rpc.close();
    }

    /// The underlying input port (endpoint, frame-level counters).
    pub fn port(&self) -> &Inport {
        &self.port
    }

    /// Drop and delivery counters.
    pub fn stats(&self) -> InpadStats {
        self.counters.snapshot(&self.port().stats(), &self.rpc)
    }

    /// Unwraps the envelope; `None` (counted) when malformed or session-less.
    fn open(&self, data: &[u8]) -> Option<(Vec<u8>, String)> {
        let (payload, session) = match unwrap(data) {
            Ok(parts) => parts,
            Err(why) => {
                let count = match why {
                    Malformed::Json => Count::BadJson,
                    Malformed::Field => Count::MissingField,
                    Malformed::Base64 => Count::BadBase64,
                };
                self.drop_message(count, &why.to_string());
                return None;
            }
        };
        match session {
            Some(session) => Some((payload, session)),
            None => {
                self.drop_message(Count::NoSession, "session_id is null");
                None
            }
        }
    }

    /// Counts a delivery and passes its session on (link or bus).
    fn deliver(&self, msg: &Message) {
        self.counters.add(Count::Delivered);
        if let Some(session) = msg.session_id() {
            self.link
                .read()
                .unwrap_or_else(|p| p.into_inner())
                .update(session);
        }
    }

    /// Admits the messages already queued (no waiting), while fewer than
    /// [`BATCH`] are in verification.
    fn take_queued(&self, st: &mut Verifying) {
        let now = Deadline::after_ms(0);
        while st.held.len() < BATCH {
            let mut next = Message::new();
            match self.port.recv_until(&mut next, &now) {
                Ok(()) => self.admit(st, next),
                Err(err) => {
                    if err.kind() == ErrorKind::Interrupted {
                        // Keep the wake-up for the caller's next wait.
                        self.port.wake();
                    }
                    return;
                }
            }
        }
    }

    /// Opens a received message and finds its verdict: refused as
    /// malformed, from the cache, from a call already outstanding for its
    /// session (TTL > 0), or from a new call.
    fn admit(&self, st: &mut Verifying, mut msg: Message) {
        let Some((payload, session)) = self.open(msg.data()) else {
            return;
        };
        if session.len() > self.max_session_id_len {
            self.drop_message(
                Count::SessionTooLong,
                &format!(
                    "a session id of {} bytes, over max_session_id_len ({})",
                    session.len(),
                    self.max_session_id_len
                ),
            );
            return;
        }
        let ttl = self.ttl_ms.load(Ordering::Relaxed);
        let cached = (ttl > 0).then(|| self.lock_cache().get(&session)).flatten();
        let shared = (ttl > 0 && cached.is_none())
            .then(|| {
                st.calls
                    .iter()
                    .find(|(_, s)| *s == session)
                    .map(|(t, _)| *t)
            })
            .flatten();
        let verdict = match (cached, shared) {
            (Some(verified), _) => {
                self.counters.add(Count::CacheHits);
                Verdict::Known(Some(verified))
            }
            (None, Some(ticket)) => {
                self.counters.add(Count::CacheHits);
                Verdict::Call(ticket)
            }
            (None, None) => {
                let ticket = st.next_ticket;
                st.next_ticket += 1;
                st.pipeline.submit(&session);
                st.calls.push_back((ticket, session.clone()));
                self.counters.add(Count::VerifyCalls);
                Verdict::Call(ticket)
            }
        };
        msg.decoded = Some(payload);
        msg.session_id = Some(session);
        st.held.push_back(Held { msg, verdict });
    }

    /// Applies answers to the oldest outstanding calls: cached (TTL > 0,
    /// answers only, never a failure), then given to the messages waiting.
    fn answer(&self, st: &mut Verifying, answers: Vec<Result<bool>>) {
        let ttl = Duration::from_millis(self.ttl_ms.load(Ordering::Relaxed));
        if let Some(err) = answers.iter().find_map(|a| a.as_ref().err()) {
            let level = match err.kind() {
                ErrorKind::Timeout => log::Level::Warn,
                // The inpad is being freed: expected, not a fault.
                ErrorKind::Closed => log::Level::Info,
                _ => log::Level::Error,
            };
            log::log!(
                level,
                "zil: inpad '{}' drops messages, verify failed: {err}",
                self.port.endpoint()
            );
        }
        for answer in answers {
            let Some((ticket, session)) = st.calls.pop_front() else {
                return;
            };
            let verdict = answer.ok();
            if let (Some(verified), false) = (verdict, ttl.is_zero()) {
                self.lock_cache().put(&session, verified, ttl);
            }
            for held in st.held.iter_mut() {
                if matches!(held.verdict, Verdict::Call(t) if t == ticket) {
                    held.verdict = Verdict::Known(verdict);
                }
            }
        }
        self.release(st);
    }

    /// Moves the messages at the front whose verdict is known on: to the
    /// ready queue, or dropped and counted.
    fn release(&self, st: &mut Verifying) {
        while let Some(Held {
            verdict: Verdict::Known(verdict),
            ..
        }) = st.held.front()
        {
            let verdict = *verdict;
            let Some(held) = st.held.pop_front() else {
                return;
            };
            match verdict {
                Some(true) => st.ready.push_back(held.msg),
                Some(false) => self.drop_message(Count::Unverified, "session not verified"),
                None => self.counters.add(Count::RpcFailed),
            }
        }
    }

    fn lock_cache(&self) -> MutexGuard<'_, VerifyCache> {
        self.cache.lock().unwrap_or_else(|p| p.into_inner())
    }

    fn drop_message(&self, count: Count, why: &str) {
        self.counters.add(count);
        log::debug!(
            "zil: inpad '{}' dropped a message: {why}",
            self.port.endpoint()
        );
    }
}
