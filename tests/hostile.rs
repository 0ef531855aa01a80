//! zil against hostile and churning peers: subscription floods and fake
//! unsubscriptions sent as raw ZMTP, thousands of short-lived subscriber
//! connections to a port that only pushes, floods of messages an input port
//! must skip, and session floods against an inpad. Each test measures what
//! a promise in README's "Guarantees" bounds: the process's RSS, the
//! subscriber count, the real return time of a call with a timeout.

#[path = "common/python.rs"]
mod python;
#[path = "common/zmtp.rs"]
mod zmtp;

use python::{free_tcp_port, wait_until};
use std::os::fd::AsRawFd;
use std::time::{Duration, Instant};
use zil::stream::{Inport, Outport};
use zmtp::RawPeer;

/// The tests measure the process's RSS: one at a time.
fn serial() -> std::sync::MutexGuard<'static, ()> {
    static LOCK: std::sync::Mutex<()> = std::sync::Mutex::new(());
    LOCK.lock().unwrap_or_else(|p| p.into_inner())
}

fn rss_kb() -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").expect("/proc/self/status");
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .expect("VmRSS")
}

/// A push-only port on a fresh TCP port: (port, `host:port`).
fn outport(topic: &str) -> (Outport, String) {
    let port = free_tcp_port();
    let out = Outport::new(&format!("tcp://127.0.0.1:{port}"), topic).expect("outport");
    (out, format!("127.0.0.1:{port}"))
}

/// Closes a raw peer with a reset, so that thousands of them leave no
/// TIME_WAIT sockets behind.
fn reset(peer: RawPeer) {
    let fd = peer.as_raw_fd();
    let linger = libc::linger {
        l_onoff: 1,
        l_linger: 0,
    };
    // SAFETY: a live socket and a live linger struct of the given size.
    unsafe {
        libc::setsockopt(
            fd,
            libc::SOL_SOCKET,
            libc::SO_LINGER,
            (&linger as *const libc::linger).cast(),
            std::mem::size_of::<libc::linger>() as libc::socklen_t,
        )
    };
}

#[test]
fn a_peer_subscribed_twice_counts_once() {
    let _serial = serial();
    let (out, addr) = outport("asr");
    let ctx = zmq::Context::new();
    let sub = ctx.socket(zmq::SUB).unwrap();
    sub.connect(&format!("tcp://{addr}")).unwrap();
    sub.set_subscribe(b"").unwrap();
    sub.set_subscribe(b"asr").unwrap();
    sub.set_subscribe(b"video").unwrap();
    assert_eq!(out.wait_subscribers(1, 5000).unwrap(), 1);
    let err = out.wait_subscribers(2, 300).unwrap_err();
    assert_eq!(err.kind(), zil::ErrorKind::Timeout);
    assert!(err.message().starts_with("1 of 2 subscribers"), "{err}");

    let second = ctx.socket(zmq::SUB).unwrap();
    second.connect(&format!("tcp://{addr}")).unwrap();
    second.set_subscribe(b"as").unwrap();
    assert_eq!(out.wait_subscribers(2, 5000).unwrap(), 2);
    // Unsubscribing one of two matching prefixes keeps the peer.
    sub.set_unsubscribe(b"").unwrap();
    std::thread::sleep(Duration::from_millis(200));
    assert_eq!(out.subscribers(), 2);
    sub.set_unsubscribe(b"asr").unwrap();
    assert!(wait_until(Duration::from_secs(5), || out.subscribers() == 1));
    drop(second);
    assert!(wait_until(Duration::from_secs(5), || out.subscribers() == 0));
}

#[test]
fn a_peer_cannot_unsubscribe_another() {
    let _serial = serial();
    let (out, addr) = outport("asr");
    let inport = Inport::new(&format!("tcp://{addr}"), "asr").unwrap();
    assert_eq!(out.wait_subscribers(1, 5000).unwrap(), 1);

    let mut liar = RawPeer::connect(&addr, "SUB");
    for _ in 0..100 {
        liar.subscribe(b"asr", false);
        liar.subscribe(b"", false);
        liar.subscribe(b"a", false);
    }
    // A subscription of its own, then gone: its connection's end takes only
    // its own subscription away.
    liar.subscribe(b"asr", true);
    assert!(wait_until(Duration::from_secs(5), || out.subscribers() == 2));
    drop(liar);
    assert!(wait_until(Duration::from_secs(5), || out.subscribers() == 1));
    std::thread::sleep(Duration::from_millis(200));
    assert_eq!(out.subscribers(), 1, "the real inport is still counted");

    out.push(b"still here", Some("pcm")).unwrap();
    let msg = inport.recv(5000).expect("the inport still receives");
    assert_eq!(msg.data(), b"still here");
}

#[test]
fn a_subscription_flood_to_a_push_only_port_stays_bounded() {
    let _serial = serial();
    let (out, addr) = outport("asr");
    let before = rss_kb();
    let mut flood = RawPeer::connect(&addr, "SUB");
    let big = vec![b'x'; 5000];
    let matching = b"asr".to_vec();
    let started = Instant::now();
    for i in 0..200_000 {
        // Duplicates of one 5 KB prefix, and of the port's own topic.
        flood.subscribe(if i % 2 == 0 { &big } else { &matching }, true);
    }
    let sent = started.elapsed();
    // Let the drainer catch up with what is in flight.
    std::thread::sleep(Duration::from_millis(500));
    let grown = rss_kb().saturating_sub(before);
    eprintln!("200k subscription frames (100k x 5 KB) in {sent:?}: RSS +{grown} kB");
    assert!(grown < 30 * 1024, "RSS grew by {grown} kB");
    out.push(b"x", None).unwrap();
    assert_eq!(
        out.subscribers(),
        1,
        "one peer, however often it subscribed"
    );
    drop(flood);
    assert!(wait_until(Duration::from_secs(5), || out.subscribers() == 0));
}

#[test]
fn thousands_of_short_lived_subscribers_leave_nothing_behind() {
    let _serial = serial();
    let (out, addr) = outport("asr");
    let connect_all = |n: usize| {
        for i in 0..n {
            let mut peer = RawPeer::connect(&addr, "SUB");
            peer.subscribe(b"asr", true);
            if i % 3 == 0 {
                peer.subscribe(b"", true);
            }
            reset(peer);
        }
    };
    // Warm-up: the allocator and libzmq reach their working size.
    connect_all(2000);
    std::thread::sleep(Duration::from_millis(500));
    let before = rss_kb();
    let started = Instant::now();
    connect_all(20_000);
    let took = started.elapsed();
    std::thread::sleep(Duration::from_millis(1500));
    let grown = rss_kb() as i64 - before as i64;
    eprintln!("20000 subscriber connections in {took:?}: RSS {grown:+} kB");
    assert!(grown < 3 * 1024, "RSS grew by {grown} kB");
    assert!(wait_until(Duration::from_secs(5), || out.subscribers() == 0));
}
