//! Soak: all three modes at once for a while — streaming (lossless pushes
//! over ipc, every message checked in order), RPC calls (echo, every result
//! checked) and session-aware streaming (outpad → inpad verified over RPC,
//! once with cache TTL 0, i.e. one `verify` per message, once with the
//! default TTL) — while the process's RSS and fd count are sampled.
//!
//! Fails if RSS grows by more than `RSS_BOUND` after the warm-up, if the fd
//! count ever exceeds its warm-up value, or if any message is lost,
//! duplicated, reordered or corrupted (the ports are lossless: a push waits
//! while the subscriber's queue is full, so nothing is dropped within the
//! high-water marks).
//!
//! `soak_short` (10 s) runs with the normal tests; `soak_long` is ignored
//! and runs for `ZIL_SOAK_SECONDS` (default 180): `scripts/soak.sh [SECONDS]`.
//! The churn soak (connects, sessions and RPC clients coming and going) is
//! tests/churn_soak.rs; both sample through tests/common/probe.rs.

#[path = "common/probe.rs"]
mod probe;
#[path = "common/python.rs"]
mod python;

use probe::{fd_count, payload, rss_kb};
use python::TempDir;
use serde_json::{json, Value};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};
use zil::rpc::{Client, Server};
use zil::session::{Inpad, Outpad};
use zil::stream::{Inport, Outport};
use zil::PortOptions;

const RSS_BOUND_KB: u64 = 10 * 1024;

#[derive(Default)]
struct Counters {
    stream: AtomicU64,
    rpc: AtomicU64,
    pad_ttl0: AtomicU64,
    pad_default: AtomicU64,
}

fn lossless() -> PortOptions {
    PortOptions {
        lossless_timeout_ms: Some(5000),
        ..PortOptions::default()
    }
}

/// Pushes numbered messages on `push` until `stop`, while a receiver thread
/// checks each one with `recv`; returns how many went through.
fn flow<P, R>(stop: &AtomicBool, count: &AtomicU64, what: &str, push: P, recv: R)
where
    P: Fn(&[u8]) -> zil::Result<()> + Send + Sync,
    R: Fn(i32) -> zil::Result<zil::stream::Message> + Send + Sync,
{
    let sent = AtomicU64::new(0);
    let done = AtomicBool::new(false);
    std::thread::scope(|s| {
        s.spawn(|| {
            let mut seq = 0u64;
            while !stop.load(Ordering::Relaxed) {
                let len = 16 + (seq % 200) as usize;
                push(&payload(seq, len)).unwrap_or_else(|e| panic!("{what}: push {seq}: {e}"));
                seq += 1;
                sent.store(seq, Ordering::Release);
            }
            done.store(true, Ordering::Release);
        });
        let mut expect = 0u64;
        loop {
            if done.load(Ordering::Acquire) && expect == sent.load(Ordering::Acquire) {
                break;
            }
            let msg = recv(10_000).unwrap_or_else(|e| {
                panic!(
                    "{what}: message {expect} of {} lost: {e}",
                    sent.load(Ordering::Acquire)
                )
            });
            let len = 16 + (expect % 200) as usize;
            assert_eq!(
                msg.data(),
                &payload(expect, len)[..],
                "{what}: message {expect} wrong"
            );
            expect += 1;
            count.store(expect, Ordering::Relaxed);
        }
    });
}

fn soak(seconds: u64) {
    let dir = TempDir::new("soak");
    let stop = Arc::new(AtomicBool::new(false));
    let counters = Counters::default();

    // RPC server for the RPC mode and the inpads.
    let server = Server::new(&dir.ipc("rpc.sock")).expect("server");
    server.set_handler("echo", |p| Ok(p.cloned().unwrap_or(Value::Null)));
    server.set_handler("verify", |_| Ok(json!(true)));
    server.start().expect("start");
    let rpc_addr = server.endpoint().to_owned();

    let out = Outport::with_options(&dir.ipc("stream.sock"), "s", &lossless()).expect("outport");
    let inport = Inport::new(out.endpoint(), "s").expect("inport");
    assert_eq!(out.wait_subscribers(1, 5000).unwrap(), 1);

    let pads: Vec<(Outpad, Inpad)> = [0u64, 1000]
        .iter()
        .enumerate()
        .map(|(i, ttl)| {
            let op = Outpad::with_options(&dir.ipc(&format!("pad{i}.sock")), "p", &lossless())
                .expect("outpad");
            op.set_session_id(Some("soak-session"));
            let ip = Inpad::new(op.port().endpoint(), "p", &rpc_addr).expect("inpad");
            ip.set_cache_ttl(*ttl);
            assert_eq!(op.port().wait_subscribers(1, 5000).unwrap(), 1);
            (op, ip)
        })
        .collect();

    let start = Instant::now();
    let total = Duration::from_secs(seconds);
    let warmup = (total / 5).max(Duration::from_secs(2));
    let sample_every = Duration::from_secs(if seconds > 60 { 5 } else { 1 });
    let mut base: Option<(u64, usize)> = None;
    let mut max_rss = 0u64;
    let mut max_fds = 0usize;

    std::thread::scope(|s| {
        s.spawn(|| {
            flow(
                &stop,
                &counters.stream,
                "stream",
                |d| out.push(d, Some("e")),
                |t| inport.recv(t),
            )
        });
        s.spawn(|| {
            let client = Client::new(&rpc_addr, 10_000).expect("client");
            let mut i = 0u64;
            while !stop.load(Ordering::Relaxed) {
                let r = client.call("echo", json!([i, "x"])).expect("rpc echo");
                assert_eq!(r, json!([i, "x"]));
                i += 1;
                counters.rpc.store(i, Ordering::Relaxed);
            }
        });
        for (k, (op, ip)) in pads.iter().enumerate() {
            let count = if k == 0 {
                &counters.pad_ttl0
            } else {
                &counters.pad_default
            };
            let stop = &stop;
            s.spawn(move || {
                flow(
                    stop,
                    count,
                    if k == 0 {
                        "pads ttl 0"
                    } else {
                        "pads ttl 1000"
                    },
                    |d| op.push(d, None),
                    |t| ip.recv(t),
                )
            });
        }

        // Sampling on this thread; a panicking worker makes scope panic.
        while start.elapsed() < total {
            std::thread::sleep(sample_every);
            let (rss, fds) = (rss_kb(), fd_count());
            let el = start.elapsed().as_secs_f64();
            println!(
                "t={el:6.1}s rss={rss} kB fds={fds} stream={} rpc={} pads(ttl0)={} pads(ttl1000)={}",
                counters.stream.load(Ordering::Relaxed),
                counters.rpc.load(Ordering::Relaxed),
                counters.pad_ttl0.load(Ordering::Relaxed),
                counters.pad_default.load(Ordering::Relaxed),
            );
            if start.elapsed() >= warmup {
                match base {
                    None => base = Some((rss, fds)),
                    Some(_) => {
                        max_rss = max_rss.max(rss);
                        max_fds = max_fds.max(fds);
                    }
                }
            }
        }
        stop.store(true, Ordering::Relaxed);
    });

    let (rss0, fds0) = base.expect("no sample after the warm-up");
    let secs = start.elapsed().as_secs_f64();
    let n = |c: &AtomicU64| c.load(Ordering::Relaxed);
    println!(
        "soak {secs:.0} s: stream {} msgs, rpc {} calls, pads ttl0 {} msgs, pads ttl1000 {} msgs \
         (total {}); rss after warm-up {rss0} kB, max {max_rss} kB (+{} kB); fds {fds0}, max {max_fds}; \
         no message lost",
        n(&counters.stream),
        n(&counters.rpc),
        n(&counters.pad_ttl0),
        n(&counters.pad_default),
        n(&counters.stream) + n(&counters.rpc) + n(&counters.pad_ttl0) + n(&counters.pad_default),
        max_rss.saturating_sub(rss0),
    );
    for (_, ip) in &pads {
        let st = ip.stats();
        println!("inpad: {st:?}");
        assert_eq!(st.dropped_rpc_failed + st.dropped_unverified, 0, "{st:?}");
    }
    assert_eq!(out.stats().messages_dropped, 0);
    assert!(
        max_rss <= rss0 + RSS_BOUND_KB,
        "RSS grew from {rss0} kB to {max_rss} kB after the warm-up"
    );
    assert!(
        max_fds <= fds0,
        "fd count grew from {fds0} to {max_fds} after the warm-up"
    );
}

#[test]
fn soak_short() {
    soak(10);
}

#[test]
#[ignore = "long: scripts/soak.sh [SECONDS]"]
fn soak_long() {
    let seconds = std::env::var("ZIL_SOAK_SECONDS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(180);
    soak(seconds);
}
