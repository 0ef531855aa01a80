//! The inpad: an input port that hands out only data of verified sessions.

use super::cache::VerifyCache;
use super::databus::{process_bus, SessionSlot};
use super::envelope::{unwrap, Malformed};
use super::outpad::Outpad;
use crate::deadline::Deadline;
use crate::error::{Error, ErrorKind, Result};
use crate::options::PortOptions;
use crate::rpc::Client;
use crate::stream::{Inport, Message};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, RwLock};
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
    /// Messages whose session was answered from the cache.
    pub cache_hits: u64,
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
        self.0[which as usize].fetch_add(1, Ordering::Relaxed);
    }

    fn snapshot(&self) -> InpadStats {
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
    counters: Counters,
}

impl Inpad {
    /// Connects to `addr`, receives `topic`, and verifies sessions at
    /// `rpc_addr`, with default options.
    pub fn new(addr: &str, topic: &str, rpc_addr: &str) -> Result<Self> {
        Self::with_options(addr, topic, rpc_addr, &PortOptions::default())
    }

    /// Like [`Inpad::new`] with explicit options (`rpc_timeout_ms` bounds
    /// each `verify` call).
    pub fn with_options(
        addr: &str,
        topic: &str,
        rpc_addr: &str,
        opts: &PortOptions,
    ) -> Result<Self> {
        Ok(Inpad {
            port: Inport::with_options(addr, topic, opts)?,
            rpc: Client::new(rpc_addr, opts.rpc_timeout_ms)?,
            cache: Mutex::new(VerifyCache::default()),
            ttl_ms: AtomicU64::new(DEFAULT_CACHE_TTL_MS),
            link: RwLock::new(Arc::clone(process_bus())),
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
    pub fn recv_into(&self, msg: &mut Message, timeout_ms: i32) -> Result<()> {
        let deadline = Deadline::after_ms(timeout_ms).started();
        loop {
            self.port.recv_until(msg, &deadline)?;
            let Some((payload, session)) = self
                .open(msg.data())
                .filter(|(_, session)| self.verified(session))
            else {
                // A backlog of dropped messages must not hold the caller past
                // its timeout (each verify may wait a whole RPC timeout).
                if deadline.remaining_ms() == 0 {
                    return Err(Error::new(
                        ErrorKind::Timeout,
                        format!(
                            "no verified message on '{}' before the timeout",
                            self.port.endpoint()
                        ),
                    ));
                }
                continue;
            };
            self.counters.add(Count::Delivered);
            self.link
                .read()
                .unwrap_or_else(|p| p.into_inner())
                .update(&session);
            msg.decoded = Some(payload);
            msg.session_id = Some(session);
            return Ok(());
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

    /// The underlying input port (endpoint, frame-level counters).
    pub fn port(&self) -> &Inport {
        &self.port
    }

    /// Drop and delivery counters.
    pub fn stats(&self) -> InpadStats {
        self.counters.snapshot()
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

    /// Asks the cache, then the RPC server; fails closed.
    fn verified(&self, session: &str) -> bool {
        let ttl = Duration::from_millis(self.ttl_ms.load(Ordering::Relaxed));
        if !ttl.is_zero() {
            let cached = self
                .cache
                .lock()
                .unwrap_or_else(|p| p.into_inner())
                .get(session, ttl);
            if let Some(verified) = cached {
                self.counters.add(Count::CacheHits);
                if !verified {
                    self.drop_message(Count::Unverified, "session not verified (cached)");
                }
                return verified;
            }
        }
        self.counters.add(Count::VerifyCalls);
        match self.rpc.verify(session) {
            Ok(verified) => {
                if !ttl.is_zero() {
                    self.cache
                        .lock()
                        .unwrap_or_else(|p| p.into_inner())
                        .put(session, verified, ttl);
                }
                if !verified {
                    self.drop_message(Count::Unverified, "session not verified");
                }
                verified
            }
            Err(err) => {
                self.counters.add(Count::RpcFailed);
                let level = if err.kind() == ErrorKind::Timeout {
                    log::Level::Warn
                } else {
                    log::Level::Error
                };
                log::log!(
                    level,
                    "zil: inpad '{}' dropped a message, verify failed: {err}",
                    self.port.endpoint()
                );
                false
            }
        }
    }

    fn drop_message(&self, count: Count, why: &str) {
        self.counters.add(count);
        log::debug!(
            "zil: inpad '{}' dropped a message: {why}",
            self.port.endpoint()
        );
    }
}
