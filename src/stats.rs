//! Per-handle counters, updated with relaxed atomics (no lock on the hot path).

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

/// A counter that another part of zil (the ZAP handler, the connection
/// monitor) updates on a socket's behalf. Cheap to clone; all clones count
/// together.
#[derive(Debug, Clone, Default)]
pub(crate) struct SharedCount(Arc<AtomicU64>);

impl SharedCount {
    /// The count so far.
    pub(crate) fn get(&self) -> u64 {
        self.0.load(Ordering::Relaxed)
    }

    pub(crate) fn add(&self) {
        self.0.fetch_add(1, Ordering::Relaxed);
    }
}

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
    /// Messages dropped because a frame was over `max_msg_size` (frames up
    /// to twice the limit; libzmq refuses larger ones, see `peers_dropped`).
    pub messages_oversized: u64,
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
    /// Connections of a connecting input port that libzmq closed because the
    /// peer broke the protocol: a frame over twice `max_msg_size`, a
    /// malformed frame, or a failed handshake. libzmq does not reconnect to
    /// such a peer. Counted half a second after the disconnection (when no
    /// reconnection attempt followed); always 0 for bound sockets, where
    /// libzmq 4.3 reports such a drop like any other disconnection.
    pub peers_dropped: u64,
}

#[derive(Debug, Default)]
pub(crate) struct Counters {
    refused: SharedCount,
    peers_dropped: SharedCount,
    sent: AtomicU64,
    received: AtomicU64,
    rejected: AtomicU64,
    oversized: AtomicU64,
    filtered: AtomicU64,
    dropped: AtomicU64,
    bytes_sent: AtomicU64,
    bytes_received: AtomicU64,
}

impl Counters {
    /// Counters that report, with the handle's own, the counts kept for it
    /// elsewhere: the clients its CURVE allow-list `refused` and the
    /// `peers_dropped` for a protocol violation.
    pub(crate) fn with_peers(refused: SharedCount, peers_dropped: SharedCount) -> Self {
        Counters {
            refused,
            peers_dropped,
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

    pub(crate) fn oversized(&self) {
        self.oversized.fetch_add(1, Ordering::Relaxed);
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
            messages_oversized: self.oversized.load(Ordering::Relaxed),
            messages_filtered: self.filtered.load(Ordering::Relaxed),
            messages_dropped: self.dropped.load(Ordering::Relaxed),
            bytes_sent: self.bytes_sent.load(Ordering::Relaxed),
            bytes_received: self.bytes_received.load(Ordering::Relaxed),
            peers_refused: self.refused.get(),
            peers_dropped: self.peers_dropped.get(),
        }
    }
}
