//! Timeouts as C callers give them: `-1` waits forever, `0` polls, `n > 0`
//! waits at most `n` milliseconds.

use std::time::{Duration, Instant};

/// A point in time after which a blocking call gives up.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Deadline(Option<Instant>);

impl Deadline {
    /// The deadline `timeout_ms` from now; any negative value means never.
    pub(crate) fn after_ms(timeout_ms: i32) -> Self {
        if timeout_ms < 0 {
            Deadline(None)
        } else {
            Deadline(Some(
                Instant::now() + Duration::from_millis(timeout_ms as u64),
            ))
        }
    }

    /// Milliseconds left in the form `zmq_poll` takes (`-1` for forever).
    pub(crate) fn remaining_ms(&self) -> i64 {
        match self.0 {
            None => -1,
            Some(at) => {
                let left = at.saturating_duration_since(Instant::now());
                // Round up so a 0.4 ms remainder still waits instead of spinning.
                left.as_micros().div_ceil(1000) as i64
            }
        }
    }
}
