//! Verification results per session id, kept for a bounded time and in a
//! bounded space.

use std::collections::HashMap;
use std::time::{Duration, Instant};

/// At most this many sessions are remembered.
const MAX_ENTRIES: usize = 4096;

/// At most this many bytes of session ids are remembered (4096 ids of the
/// default maximum length, 256 bytes).
const MAX_BYTES: usize = 1 << 20;

/// A refusal is trusted for at most this long (or the TTL, if shorter): a
/// session that has just logged in is let through within 100 ms, while a
/// flood of one invalid session still costs the server ten calls a second.
pub(crate) const NEGATIVE_TTL: Duration = Duration::from_millis(100);

#[derive(Debug, Default)]
pub(crate) struct VerifyCache {
    /// Session id → (verified, expires).
    entries: HashMap<String, (bool, Instant)>,
    /// Bytes of the ids in `entries`.
    bytes: usize,
}

impl VerifyCache {
    /// The cached answer for `session`, if still fresh.
    pub(crate) fn get(&self, session: &str) -> Option<bool> {
        let (verified, expires) = self.entries.get(session)?;
        (Instant::now() < *expires).then_some(*verified)
    }

    /// Remembers the server's answer for `session` for `ttl` (a refusal
    /// for at most [`NEGATIVE_TTL`]). Past [`MAX_ENTRIES`] or
    /// [`MAX_BYTES`], expired answers are purged and, if that is not
    /// enough, the cache starts over.
    pub(crate) fn put(&mut self, session: &str, verified: bool, ttl: Duration) {
        if session.len() > MAX_BYTES {
            return;
        }
        let ttl = if verified { ttl } else { ttl.min(NEGATIVE_TTL) };
        let now = Instant::now();
        if let Some(entry) = self.entries.get_mut(session) {
            *entry = (verified, now + ttl);
            return;
        }
        if self.entries.len() >= MAX_ENTRIES || self.bytes + session.len() > MAX_BYTES {
            self.entries.retain(|_, (_, expires)| now < *expires);
            self.bytes = self.entries.keys().map(String::len).sum();
            if self.entries.len() >= MAX_ENTRIES || self.bytes + session.len() > MAX_BYTES {
                self.clear();
            }
        }
        self.bytes += session.len();
        self.entries
            .insert(session.to_owned(), (verified, now + ttl));
    }

    pub(crate) fn clear(&mut self) {
        self.entries.clear();
        self.entries.shrink_to(MAX_ENTRIES);
        self.bytes = 0;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn refusals_expire_sooner_than_confirmations() {
        let mut cache = VerifyCache::default();
        let ttl = Duration::from_millis(300);
        cache.put("good", true, ttl);
        cache.put("bad", false, ttl);
        assert_eq!(
            (cache.get("good"), cache.get("bad")),
            (Some(true), Some(false))
        );
        std::thread::sleep(NEGATIVE_TTL + Duration::from_millis(20));
        assert_eq!((cache.get("good"), cache.get("bad")), (Some(true), None));
    }

    #[test]
    fn bounded_in_bytes_as_well_as_entries() {
        let mut cache = VerifyCache::default();
        let long = "x".repeat(200_000);
        for i in 0..50 {
            cache.put(&format!("{i}{long}"), false, Duration::from_secs(60));
            assert!(cache.bytes <= MAX_BYTES, "{} bytes", cache.bytes);
            assert_eq!(
                cache.bytes,
                cache.entries.keys().map(String::len).sum::<usize>()
            );
        }
        for i in 0..10_000 {
            cache.put(&format!("s{i}"), true, Duration::from_secs(60));
            assert!(cache.entries.len() <= MAX_ENTRIES);
        }
    }
}
