//! Verification results per session id, kept for a bounded time.

use std::collections::HashMap;
use std::time::{Duration, Instant};

/// At most this many sessions are remembered; past it, expired entries are
/// purged and, if that is not enough, the cache starts over.
const MAX_ENTRIES: usize = 4096;

#[derive(Debug, Default)]
pub(crate) struct VerifyCache {
    entries: HashMap<String, (bool, Instant)>,
}

impl VerifyCache {
    /// The cached answer for `session`, if younger than `ttl`.
    pub(crate) fn get(&self, session: &str, ttl: Duration) -> Option<bool> {
        let (verified, at) = self.entries.get(session)?;
        (at.elapsed() < ttl).then_some(*verified)
    }

    pub(crate) fn put(&mut self, session: &str, verified: bool, ttl: Duration) {
        if self.entries.len() >= MAX_ENTRIES && !self.entries.contains_key(session) {
            let now = Instant::now();
            self.entries
                .retain(|_, (_, at)| now.duration_since(*at) < ttl);
            if self.entries.len() >= MAX_ENTRIES {
                self.entries.clear();
            }
        }
        self.entries
            .insert(session.to_owned(), (verified, Instant::now()));
    }

    pub(crate) fn clear(&mut self) {
        self.entries.clear();
    }
}
