//! The soak tests' view of their own process: resident memory, open file
//! descriptors (with a bounded wait for libzmq's reaper, which closes the fds
//! of freed sockets asynchronously), and numbered test payloads.
//!
//! Include with `#[path = "common/probe.rs"] mod probe;` (tests/soak.rs and
//! tests/churn_soak.rs share it: one copy of the sampling code).

#![allow(dead_code)]

use std::time::{Duration, Instant};

/// The process's resident set size (`VmRSS`), in kB.
pub fn rss_kb() -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").expect("/proc/self/status");
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .expect("VmRSS")
}

/// The process's open file descriptors.
pub fn fd_count() -> usize {
    std::fs::read_dir("/proc/self/fd")
        .expect("/proc/self/fd")
        .count()
}

/// How often a settling wait looks at the fd count.
const FD_POLL: Duration = Duration::from_millis(10);

/// The fd count once it has stopped changing: the same for `stable` in a
/// row, or whatever it is after `grace`. For a baseline taken at a quiet
/// point, while libzmq's reaper may still be closing the fds of sockets
/// freed just before.
pub fn stable_fd_count(stable: Duration, grace: Duration) -> usize {
    let start = Instant::now();
    let mut last = fd_count();
    let mut since = Instant::now();
    while start.elapsed() < grace {
        std::thread::sleep(FD_POLL);
        let now = fd_count();
        if now != last {
            last = now;
            since = Instant::now();
        } else if since.elapsed() >= stable {
            break;
        }
    }
    last
}

/// The fd count once it equals `expected`, or whatever it is after `grace`:
/// fds of freed sockets get `grace` to close, a leaked one stays open and
/// shows.
pub fn fd_count_settled(expected: usize, grace: Duration) -> usize {
    let start = Instant::now();
    let mut now = fd_count();
    while now != expected && start.elapsed() < grace {
        std::thread::sleep(FD_POLL);
        now = fd_count();
    }
    now
}

/// Payload number `seq`, `len` bytes (at least 8): `seq` little-endian, then
/// bytes derived from `seq` and the position, so any corruption shows.
pub fn payload(seq: u64, len: usize) -> Vec<u8> {
    let mut v = Vec::with_capacity(len.max(8));
    v.extend_from_slice(&seq.to_le_bytes());
    while v.len() < len {
        v.push((seq as u8).wrapping_add(v.len() as u8));
    }
    v
}

/// The number of a payload made by [`payload`], if it is one exactly.
pub fn payload_seq(data: &[u8]) -> Option<u64> {
    let seq = u64::from_le_bytes(data.get(..8)?.try_into().ok()?);
    (payload(seq, data.len()) == data).then_some(seq)
}
