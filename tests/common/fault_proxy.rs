//! A fault-injecting TCP proxy for tests, std only: it listens on a local
//! address, and for each connection it accepts opens one to `target` and
//! forwards both directions with delays. This machine kind's kernel has no
//! netem, so delay and latency spikes are made here, in userspace.
//!
//! Each direction of a connection is a reader thread and a writer thread
//! joined by a channel. The reader stamps every chunk it reads (a "segment":
//! one `read`, at most 64 KiB) with a release time, `now + delay`, plus
//! `spike` for a `spike_permille` share of the segments chosen by a seeded
//! PRNG; the writer sends each segment at its release time. Release times
//! never go backwards, so the byte stream keeps its order and a spike holds
//! the segments behind it (head-of-line blocking, as a TCP retransmission
//! does), while an undelayed stream is not slowed to one segment per delay.
//!
//! Include with `#[path = "common/fault_proxy.rs"] mod fault_proxy;`.

#![allow(dead_code)]

use std::io::{self, Read, Write};
use std::net::{Shutdown, SocketAddr, TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::mpsc;
use std::sync::Arc;
use std::thread;
use std::time::{Duration, Instant};

/// What the proxy does to each segment.
#[derive(Debug, Clone, Copy)]
pub struct Faults {
    /// Every segment waits this long.
    pub delay: Duration,
    /// This many segments in 1000 wait `spike` more.
    pub spike_permille: u32,
    /// The extra wait of a spiked segment.
    pub spike: Duration,
    /// Seed of the PRNG that picks the spiked segments.
    pub seed: u64,
}

/// Counters of a proxy, over all its connections and both directions.
#[derive(Debug, Default)]
pub struct ProxyStats {
    pub connections: AtomicU64,
    pub segments: AtomicU64,
    pub spiked: AtomicU64,
    pub bytes: AtomicU64,
}

/// A running proxy; it stops accepting when dropped (connections it
/// forwards end when either side closes, or with the process).
pub struct FaultProxy {
    addr: SocketAddr,
    stop: Arc<AtomicBool>,
    stats: Arc<ProxyStats>,
    acceptor: Option<thread::JoinHandle<()>>,
}

impl FaultProxy {
    /// Listens on `listen` (e.g. `127.0.0.1:0`) and forwards to `target`.
    pub fn start(listen: &str, target: SocketAddr, faults: Faults) -> io::Result<FaultProxy> {
        let listener = TcpListener::bind(listen)?;
        let addr = listener.local_addr()?;
        let stop = Arc::new(AtomicBool::new(false));
        let stats = Arc::new(ProxyStats::default());
        let acceptor = {
            let (stop, stats) = (Arc::clone(&stop), Arc::clone(&stats));
            thread::Builder::new()
                .name("fault-proxy-accept".into())
                .spawn(move || accept_loop(listener, target, faults, &stop, &stats))?
        };
        Ok(FaultProxy {
            addr,
            stop,
            stats,
            acceptor: Some(acceptor),
        })
    }

    /// The address the proxy listens on.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// `(connections, segments, spiked, bytes)` so far.
    pub fn counts(&self) -> (u64, u64, u64, u64) {
        let s = &self.stats;
        (
            s.connections.load(Ordering::Relaxed),
            s.segments.load(Ordering::Relaxed),
            s.spiked.load(Ordering::Relaxed),
            s.bytes.load(Ordering::Relaxed),
        )
    }
}

impl Drop for FaultProxy {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Release);
        // Wakes the blocking accept.
        let _ = TcpStream::connect_timeout(&self.addr, Duration::from_millis(200));
        if let Some(acceptor) = self.acceptor.take() {
            let _ = acceptor.join();
        }
    }
}

fn accept_loop(
    listener: TcpListener,
    target: SocketAddr,
    faults: Faults,
    stop: &AtomicBool,
    stats: &Arc<ProxyStats>,
) {
    let mut index = 0u64;
    for client in listener.incoming() {
        if stop.load(Ordering::Acquire) {
            return;
        }
        let Ok(client) = client else { continue };
        index += 1;
        let Ok(server) = TcpStream::connect_timeout(&target, Duration::from_secs(2)) else {
            let _ = client.shutdown(Shutdown::Both);
            continue;
        };
        stats.connections.fetch_add(1, Ordering::Relaxed);
        for s in [&client, &server] {
            let _ = s.set_nodelay(true);
        }
        let seed = faults.seed ^ index.wrapping_mul(0x9e37_79b9_7f4a_7c15);
        for (n, (from, to)) in [(&client, &server), (&server, &client)]
            .into_iter()
            .enumerate()
        {
            let (Ok(from), Ok(to)) = (from.try_clone(), to.try_clone()) else {
                return;
            };
            let stats = Arc::clone(stats);
            let rng = Rng::new(seed.wrapping_add(n as u64 + 1));
            forward(from, to, faults, rng, stats);
        }
    }
}

/// One direction: a reader that stamps segments, a writer that releases them.
fn forward(
    mut from: TcpStream,
    mut to: TcpStream,
    faults: Faults,
    mut rng: Rng,
    stats: Arc<ProxyStats>,
) {
    let (tx, rx) = mpsc::channel::<(Instant, Vec<u8>)>();
    let _ = thread::Builder::new()
        .name("fault-proxy-read".into())
        .spawn(move || {
            let mut last = Instant::now();
            let mut buf = vec![0u8; 64 * 1024];
            loop {
                let n = match from.read(&mut buf) {
                    Ok(0) | Err(_) => break,
                    Ok(n) => n,
                };
                let mut wait = faults.delay;
                if faults.spike_permille > 0 && rng.below(1000) < u64::from(faults.spike_permille) {
                    wait += faults.spike;
                    stats.spiked.fetch_add(1, Ordering::Relaxed);
                }
                stats.segments.fetch_add(1, Ordering::Relaxed);
                stats.bytes.fetch_add(n as u64, Ordering::Relaxed);
                last = last.max(Instant::now() + wait);
                if tx.send((last, buf[..n].to_vec())).is_err() {
                    break;
                }
            }
            let _ = from.shutdown(Shutdown::Read);
            // Dropping `tx` tells the writer: end of stream.
        });
    let _ = thread::Builder::new()
        .name("fault-proxy-write".into())
        .spawn(move || {
            for (at, segment) in rx {
                let now = Instant::now();
                if at > now {
                    thread::sleep(at - now);
                }
                if to.write_all(&segment).is_err() {
                    break;
                }
            }
            let _ = to.shutdown(Shutdown::Write);
        });
}

/// xorshift64*: small, seeded, good enough to pick segments.
struct Rng(u64);

impl Rng {
    fn new(seed: u64) -> Rng {
        Rng(seed | 1)
    }

    fn below(&mut self, n: u64) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d) % n
    }
}
