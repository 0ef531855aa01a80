//! Timeouts as C callers give them: `-1` waits forever, `0` polls, `n > 0`
//! waits at most `n` milliseconds.

use std::cell::Cell;
use std::time::{Duration, Instant};

/// A point in time after which a blocking call gives up. The clock is read
/// only when a call first has to wait, so a receive that finds a message
/// already queued costs no clock read.
#[derive(Debug)]
pub(crate) struct Deadline {
    timeout_ms: i32,
    at: Cell<Option<Instant>>,
}

impl Deadline {
    /// The deadline `timeout_ms` from now (from the first wait, see above);
    /// any negative value means never.
    pub(crate) fn after_ms(timeout_ms: i32) -> Self {
        Deadline {
            timeout_ms,
            at: Cell::new(None),
        }
    }

    /// The same deadline, with the clock read now: for callers that do
    /// other slow work (an RPC) before their first wait.
    pub(crate) fn started(self) -> Self {
        self.at();
        self
    }

    fn at(&self) -> Instant {
        match self.at.get() {
            Some(at) => at,
            None => {
                let at = Instant::now() + Duration::from_millis(self.timeout_ms.max(0) as u64);
                self.at.set(Some(at));
                at
            }
        }
    }

    /// True once the deadline is `grace` behind (never for forever): for a
    /// call that keeps finding work that is not its answer (messages to
    /// skip), so that it stops even though it never has to wait. A zero
    /// timeout then still gets `grace` to skip through what is queued.
    pub(crate) fn overrun(&self, grace: Duration) -> bool {
        self.timeout_ms >= 0 && Instant::now() >= self.at() + grace
    }

    /// Milliseconds left in the form `zmq_poll` takes (`-1` for forever).
    pub(crate) fn remaining_ms(&self) -> i64 {
        match self.timeout_ms {
            t if t < 0 => -1,
            0 => 0,
            _ => {
                let left = self.at().saturating_duration_since(Instant::now());
                // Round up so a 0.4 ms remainder still waits instead of spinning.
                left.as_micros().div_ceil(1000) as i64
            }
        }
    }
}
