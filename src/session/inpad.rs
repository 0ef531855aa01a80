//! The inpad: an input port that hands out only data of verified sessions.

use super::cache::VerifyCache;
use super::databus::{process_bus, SessionSlot};
use super::envelope::{unwrap, Malformed};
use super::outpad::Outpad;
use crate::deadline::Deadline;
use crate::error::{Error, ErrorKind, Result};
use crate::options::PortOptions;
use crate::rpc::Client;
use crate::stats::Stats;
use crate::stream::{Inport, Message};
use std::collections::VecDeque;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, RwLock};
use std::time::Duration;

/// Default time a verification result is trusted: 1000 ms. Safe because a
/// logout is seen by every inpad within one second, while a stream of, say,
/// 50 audio chunks per second costs one `verify` call per second instead of
/// fifty. 0 verifies every message, like the original.
pub const DEFAULT_CACHE_TTL_MS: u64 = 1000;

/// Default time an inpad waits for the RPC server's `verify` answer.
pub const DEFAULT_RPC_TIMEOUT_MS: i32 = 1000;

/// Counters of an inpad; each dropped message is counted under one reason
/// (`zil_inpad_stats_t` in C).
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
}

#[derive(Default)]
struct Counters([AtomicU64; 9]);

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
}

impl Counters {
    fn add(&self, which: Count) {
        self.add_n(which, 1);
    }

    fn add_n(&self, which: Count, n: u64) {
        self.0[which as usize].fetch_add(n, Ordering::Relaxed);
    }

    fn snapshot(&self, port: &Stats) -> InpadStats {
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
    cache: Mutex<VerifyCache>,
    ttl_ms: AtomicU64,
    link: RwLock<Arc<SessionSlot>>,
    /// Messages already verified, handed out before new ones are received.
    ready: Mutex<VecDeque<Message>>,
    counters: Counters,
}

/// At most this many queued messages are taken and verified together.
const BATCH: usize = 64;

/// Where the verdict on one message comes from.
enum Verdict {
    /// The TTL cache.
    Cached(bool),
    /// The pipelined `verify` call with this index.
    Call(usize),
}

impl Inpad {
    /// Connects to `addr`, receives `topic`, and verifies sessions at
    /// `rpc_addr`, with default options.
    pub fn new(addr: &str, topic: &str, rpc_addr: &str) -> Result<Self> {
        Self::with_options(addr, topic, rpc_addr, &PortOptions::default())
    }

    /// Like [`Inpad::new`] with explicit options (`rpc_timeout_ms` bounds
    /// each `verify` call; `curve.rpc_server_key` encrypts them).
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
            cache: Mutex::new(VerifyCache::default()),
            ttl_ms: AtomicU64::new(DEFAULT_CACHE_TTL_MS),
            link: RwLock::new(Arc::clone(process_bus())),
            ready: Mutex::new(VecDeque::new()),
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
    /// Messages that are already queued when one arrives are taken with it
    /// (up to 64) and their sessions verified together: with a TTL the
    /// batch's distinct uncached sessions are asked once each, with TTL 0
    /// every message still gets its own `verify` call, and the calls are
    /// pipelined (one round trip for the batch instead of one per message).
    pub fn recv_into(&self, msg: &mut Message, timeout_ms: i32) -> Result<()> {
        let deadline = Deadline::after_ms(timeout_ms).started();
        loop {
            self.port.check_open()?;
            let next = self.ready_queue().pop_front();
            if let Some(next) = next {
                *msg = next;
                self.deliver(msg);
                let held = !self.ready_queue().is_empty();
                self.port.refresh_ready_fd(held);
                return Ok(());
            }
            self.port.recv_until(msg, &deadline)?;
            let mut batch = vec![std::mem::take(msg)];
            self.take_queued(&mut batch);
            let verified = self.verify_batch(batch);
            if verified.is_empty() && deadline.remaining_ms() == 0 {
                // A backlog of dropped messages must not hold the caller
                // past its timeout (a verify may wait a whole RPC timeout).
                return Err(Error::new(
                    ErrorKind::Timeout,
                    format!(
                        "no verified message on '{}' before the timeout",
                        self.port.endpoint()
                    ),
                ));
            }
            self.ready_queue().extend(verified);
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
    /// message). Changing it forgets cached results.
    pub fn set_cache_ttl(&self, ttl_ms: u64) {
        self.ttl_ms.store(ttl_ms, Ordering::Relaxed);
        self.cache.lock().unwrap_or_else(|p| p.into_inner()).clear();
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
        self.counters.snapshot(&self.port().stats())
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

    fn ready_queue(&self) -> MutexGuard<'_, VecDeque<Message>> {
        self.ready.lock().unwrap_or_else(|p| p.into_inner())
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

    /// Adds the messages already queued (no waiting) to `batch`.
    fn take_queued(&self, batch: &mut Vec<Message>) {
        let now = Deadline::after_ms(0);
        while batch.len() < BATCH {
            let mut next = Message::new();
            match self.port.recv_until(&mut next, &now) {
                Ok(()) => batch.push(next),
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

    /// Opens and verifies a batch; returns its verified messages, in order,
    /// each with its decoded payload and session. The rest is dropped and
    /// counted. Fails closed: no answer means no delivery.
    fn verify_batch(&self, batch: Vec<Message>) -> Vec<Message> {
        let ttl = Duration::from_millis(self.ttl_ms.load(Ordering::Relaxed));
        let mut opened = Vec::with_capacity(batch.len());
        for mut msg in batch {
            if let Some((payload, session)) = self.open(msg.data()) {
                msg.decoded = Some(payload);
                msg.session_id = Some(session);
                opened.push(msg);
            }
        }
        let mut calls: Vec<&str> = Vec::new();
        let verdicts: Vec<Verdict> = {
            let cache = self.cache.lock().unwrap_or_else(|p| p.into_inner());
            opened
                .iter()
                .map(|msg| {
                    let session = msg.session_id().unwrap_or_default();
                    if ttl.is_zero() {
                        calls.push(session);
                        return Verdict::Call(calls.len() - 1);
                    }
                    if let Some(verified) = cache.get(session, ttl) {
                        self.counters.add(Count::CacheHits);
                        return Verdict::Cached(verified);
                    }
                    if let Some(i) = calls.iter().position(|s| *s == session) {
                        self.counters.add(Count::CacheHits);
                        return Verdict::Call(i);
                    }
                    calls.push(session);
                    Verdict::Call(calls.len() - 1)
                })
                .collect()
        };
        let answers = if calls.is_empty() {
            Vec::new()
        } else {
            self.counters.add_n(Count::VerifyCalls, calls.len() as u64);
            self.rpc.verify_pipelined(&calls)
        };
        if !ttl.is_zero() {
            let mut cache = self.cache.lock().unwrap_or_else(|p| p.into_inner());
            for (session, answer) in calls.iter().zip(&answers) {
                if let Ok(verified) = answer {
                    cache.put(session, *verified, ttl);
                }
            }
        }
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
        let mut verified = Vec::with_capacity(opened.len());
        for (msg, verdict) in opened.into_iter().zip(verdicts) {
            let answer = match verdict {
                Verdict::Cached(v) => Some(v),
                Verdict::Call(i) => answers.get(i).and_then(|a| a.as_ref().ok().copied()),
            };
            match answer {
                Some(true) => verified.push(msg),
                Some(false) => self.drop_message(Count::Unverified, "session not verified"),
                None => self.counters.add(Count::RpcFailed),
            }
        }
        verified
    }

    fn drop_message(&self, count: Count, why: &str) {
        self.counters.add(count);
        log::debug!(
            "zil: inpad '{}' dropped a message: {why}",
            self.port.endpoint()
        );
    }
}
