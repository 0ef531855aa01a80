//! Per-handle counters, updated with relaxed atomics (no lock on the hot path).

use crate::curve::RefusalCount;
use std::sync::atomic::{AtomicU64, Ordering};

/// A snapshot of a handle's counters (`zil_stats_t` in C).
#[repr(C)]
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Stats {
    /// Messages handed to libzmq for sending.
    pub messages_sent: u64,
    /// Messages handed out to the caller.
    pub messages_received: u64,
    /// Messages received but refused (wrong frame count, non-UTF-8 event or
    /// topic). Inpads count their session-level drops in `zil_inpad_stats_t`.
    pub messages_rejected: u64,
    /// Messages skipped because their topic only shared a prefix with the
    /// port's topic (exact matching).
    pub messages_filtered: u64,
    /// Messages a lossless output port dropped after its send timeout.
    pub messages_dropped: u64,
    /// Payload bytes sent.
    pub bytes_sent: u64,
    /// Payload bytes handed out.
    pub bytes_received: u64,
    /// CURVE clients refused by the port's allow-list (0 without one).
    pub peers_refused: u64,
}

#[derive(Debug, Default)]
pub(crate) struct Counters {
    refused: RefusalCount,
    sent: AtomicU64,
    received: AtomicU64,
    rejected: AtomicU64,
    filtered: AtomicU64,
    dropped: AtomicU64,
    bytes_sent: AtomicU64,
    bytes_received: AtomicU64,
}

impl Counters {
    /// Counters that report `refused` as `peers_refused`.
    pub(crate) fn with_refusals(refused: RefusalCount) -> Self {
        Counters {
            refused,
            ..Counters::default()
        }
    }

    pub(crate) fn sent(&self, bytes: usize) {
        self.sent.fetch_add(1, Ordering::Relaxed);
        self.bytes_sent.fetch_add(bytes as u64, Ordering::Relaxed);
    }

    pub(crate) fn received(&self, bytes: usize) {
        self.received.fetch_add(1, Ordering::Relaxed);
        self.bytes_received
            .fetch_add(bytes as u64, Ordering::Relaxed);
    }

    pub(crate) fn rejected(&self) {
        self.rejected.fetch_add(1, Ordering::Relaxed);
    }

    pub(crate) fn filtered(&self) {
        self.filtered.fetch_add(1, Ordering::Relaxed);
    }

    pub(crate) fn dropped(&self) {
        self.dropped.fetch_add(1, Ordering::Relaxed);
    }

    pub(crate) fn snapshot(&self) -> Stats {
        Stats {
            messages_sent: self.sent.load(Ordering::Relaxed),
            messages_received: self.received.load(Ordering::Relaxed),
            messages_rejected: self.rejected.load(Ordering::Relaxed),
            messages_filtered: self.filtered.load(Ordering::Relaxed),
            messages_dropped: self.dropped.load(Ordering::Relaxed),
            bytes_sent: self.bytes_sent.load(Ordering::Relaxed),
            bytes_received: self.bytes_received.load(Ordering::Relaxed),
            peers_refused: self.refused.get(),
        }
    }
}
