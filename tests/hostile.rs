//! zil against hostile and churning peers: subscription floods and fake
//! unsubscriptions sent as raw ZMTP, thousands of short-lived subscriber
//! connections to a port that only pushes, floods of messages an input port
//! must skip, and session floods against an inpad. Each test measures what
//! a promise in README's "Guarantees" bounds: the process's RSS, the
//! subscriber count, the real return time of a call with a timeout.

#[path = "common/probe.rs"]
mod probe;
#[path = "common/python.rs"]
mod python;
#[path = "common/zmtp.rs"]
mod zmtp;

use probe::rss_kb;
use python::{free_tcp_port, wait_until};
use std::os::fd::AsRawFd;
use std::time::{Duration, Instant};
use zil::rpc::Server;
use zil::session::{Inpad, Outpad};
use zil::stream::{Inport, Outport};
use zil::PortOptions;
use zmtp::RawPeer;

/// The tests measure the process's RSS: one at a time.
fn serial() -> std::sync::MutexGuard<'static, ()> {
    static LOCK: std::sync::Mutex<()> = std::sync::Mutex::new(());
    LOCK.lock().unwrap_or_else(|p| p.into_inner())
}

/// The longest subscription frame body an output port on "asr" takes:
/// twice (topic + 512) bytes in all, the flag byte included.
const LONGEST_ASR_SUBSCRIPTION: usize = 2 * (3 + 512) - 1;

/// A push-only port on a fresh TCP port: (port, `host:port`).
fn outport(topic: &str) -> (Outport, String) {
    let port = free_tcp_port();
    let out = Outport::new(&format!("tcp://127.0.0.1:{port}"), topic).expect("outport");
    (out, format!("127.0.0.1:{port}"))
}

/// A push-only port on `topic` and one real input port subscribed to
/// `subscribed` and counted: (port, `host:port`, input port).
fn served_outport(topic: &str, subscribed: &str) -> (Outport, String, Inport) {
    let (out, addr) = outport(topic);
    let inport = Inport::new(&format!("tcp://{addr}"), subscribed).unwrap();
    assert_eq!(out.wait_subscribers(1, 5000).unwrap(), 1);
    (out, addr, inport)
}

/// Whatever other peers did, the real input port is still counted (once)
/// and still receives.
fn assert_still_served(out: &Outport, inport: &Inport) {
    assert_eq!(out.subscribers(), 1, "the real inport is still counted");
    out.push(b"still here", Some("pcm")).unwrap();
    let msg = inport.recv(5000).expect("the inport still receives");
    assert_eq!(msg.data(), b"still here");
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
    let (out, addr, inport) = served_outport("asr", "asr");

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
    assert_still_served(&out, &inport);
}

#[test]
fn a_subscription_flood_to_a_push_only_port_stays_bounded() {
    let _serial = serial();
    let (out, addr) = outport("asr");
    let before = rss_kb();
    let mut flood = RawPeer::connect(&addr, "SUB");
    let started = Instant::now();
    let longest = [b'a'; LONGEST_ASR_SUBSCRIPTION];
    for i in 0..200_000 {
        // Duplicates of the port's own topic, of the empty prefix and of the
        // longest subscription the port takes.
        flood.subscribe(
            match i % 4 {
                0 | 2 => &longest[..],
                1 => b"asr",
                _ => b"",
            },
            true,
        );
    }
    let sent = started.elapsed();
    // Let the drainer catch up with what is in flight.
    std::thread::sleep(Duration::from_millis(500));
    let grown = rss_kb().saturating_sub(before);
    eprintln!("200k subscription frames (100k of 1029 bytes) in {sent:?}: RSS +{grown} kB");
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

/// A subscription longer than the port's topic can never match it; one
/// over twice (topic + 512 bytes) costs its sender the connection, before
/// libzmq copies it, and the port's real subscribers do not notice.
#[test]
fn a_subscription_far_longer_than_the_topic_drops_its_peer() {
    let _serial = serial();
    let (out, addr, inport) = served_outport("asr", "asr");
    let before = rss_kb();
    let mut long = RawPeer::connect(&addr, "SUB");
    long.subscribe(&[b'a'; LONGEST_ASR_SUBSCRIPTION], true);
    assert!(
        !long.dropped_within(Duration::from_millis(300)),
        "a frame within twice the limit is taken"
    );
    long.subscribe(&vec![b'x'; 5000], true);
    assert!(
        long.dropped_within(Duration::from_secs(5)),
        "a 5 KB subscription to a 3-byte topic drops the connection"
    );
    for _ in 0..1000 {
        let mut again = RawPeer::connect(&addr, "SUB");
        again.subscribe(&vec![b'x'; 5000], true);
        assert!(again.dropped_within(Duration::from_secs(5)));
        reset(again);
    }
    let grown = rss_kb() as i64 - before as i64;
    eprintln!("1000 peers sending 5 KB subscriptions: RSS {grown:+} kB");
    assert!(grown < 5 * 1024, "RSS grew by {grown} kB");
    assert_still_served(&out, &inport);
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

/// Measures `call`, returning its result and how long it took.
fn timed<T>(call: impl FnOnce() -> T) -> (T, Duration) {
    let started = Instant::now();
    let result = call();
    (result, started.elapsed())
}

#[test]
fn a_receive_returns_on_time_behind_a_flood_of_another_topic() {
    let _serial = serial();
    let (out, _addr, inport) = served_outport("asr2", "asr");
    let stop = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let flooding = {
        let stop = std::sync::Arc::clone(&stop);
        std::thread::spawn(move || {
            let mut n = 0u64;
            while !stop.load(std::sync::atomic::Ordering::Relaxed) && n < 50_000_000 {
                let _ = out.push(b"not for asr", None);
                n += 1;
            }
        })
    };
    std::thread::sleep(Duration::from_millis(300));
    let mut worst = [Duration::ZERO; 2];
    for (i, timeout) in [100, 0].into_iter().enumerate() {
        for _ in 0..10 {
            let (result, took) = timed(|| inport.recv(timeout));
            assert_eq!(result.unwrap_err().kind(), zil::ErrorKind::Timeout);
            worst[i] = worst[i].max(took);
        }
    }
    stop.store(true, std::sync::atomic::Ordering::Relaxed);
    flooding.join().unwrap();
    let filtered = inport.stats().messages_filtered;
    eprintln!(
        "under an asr2 flood ({filtered} skipped): recv(100) worst {:?}, recv(0) worst {:?}",
        worst[0], worst[1]
    );
    assert!(filtered > 1000, "the flood reached the port: {filtered}");
    assert!(
        worst[0] < Duration::from_millis(100 + 25),
        "recv(100) took {:?}",
        worst[0]
    );
    assert!(
        worst[1] < Duration::from_millis(25),
        "recv(0) took {:?}",
        worst[1]
    );
}

/// An authz server whose `verify` takes `delay` and confirms ids that
/// start with "ok".
fn slow_authz(delay: Duration) -> Server {
    let server = Server::new("tcp://127.0.0.1:*").unwrap();
    server.set_handler("verify", move |params| {
        std::thread::sleep(delay);
        let sid = params
            .and_then(serde_json::Value::as_str)
            .unwrap_or_default();
        Ok(serde_json::json!(sid.starts_with("ok")))
    });
    server.start().unwrap();
    server
}

#[test]
fn an_inpad_receive_is_bounded_by_its_timeout_not_by_the_server() {
    let _serial = serial();
    let authz = slow_authz(Duration::from_millis(150));
    let out = Outpad::new("tcp://127.0.0.1:*", "audio").unwrap();
    let inpad = Inpad::new(out.port().endpoint(), "audio", authz.endpoint()).unwrap();
    inpad.set_cache_ttl(0);
    out.port().wait_subscribers(1, 5000).unwrap();
    for i in 0..40 {
        out.set_session_id(Some(&format!("ok-{i}")));
        out.push(format!("chunk {i}").as_bytes(), None).unwrap();
    }
    std::thread::sleep(Duration::from_millis(100));
    let mut worst = Duration::ZERO;
    let mut got = Vec::new();
    let started = Instant::now();
    while got.len() < 40 && started.elapsed() < Duration::from_secs(60) {
        let (result, took) = timed(|| inpad.recv(100));
        worst = worst.max(took);
        if let Ok(msg) = result {
            got.push(String::from_utf8(msg.data().to_vec()).unwrap());
        }
    }
    eprintln!(
        "40 sessions, verify 150 ms each: all delivered after {:?}, recv(100) worst {worst:?}",
        started.elapsed()
    );
    let expected: Vec<String> = (0..40).map(|i| format!("chunk {i}")).collect();
    assert_eq!(got, expected, "every message, in order");
    assert!(
        worst < Duration::from_millis(100 + 25),
        "recv(100) took {worst:?}"
    );
    let s = inpad.stats();
    assert_eq!(
        (s.delivered, s.verify_calls, s.dropped_rpc_failed),
        (40, 40, 0),
        "{s:?}"
    );
}

#[test]
fn absurd_session_ids_cost_no_call_and_no_memory() {
    let _serial = serial();
    let authz = slow_authz(Duration::ZERO);
    let small_queues = PortOptions {
        sndhwm: 8,
        rcvhwm: 8,
        lossless_timeout_ms: Some(10_000),
        ..PortOptions::default()
    };
    let out = Outpad::with_options("tcp://127.0.0.1:*", "audio", &small_queues).unwrap();
    let inpad = Inpad::with_options(
        out.port().endpoint(),
        "audio",
        authz.endpoint(),
        &small_queues,
    )
    .unwrap();
    out.port().wait_subscribers(1, 5000).unwrap();
    let before = rss_kb();
    let pushing = std::thread::spawn(move || {
        let mega = "x".repeat(1 << 20);
        for i in 0..1500 {
            out.set_session_id(Some(&format!("{i}{mega}")));
            out.push(b"spoof", None).unwrap();
        }
        // Refused ids of the largest allowed length: cached within the bound.
        for i in 0..3000 {
            out.set_session_id(Some(&format!("{i:0>256}")));
            out.push(b"refused", None).unwrap();
        }
        out.set_session_id(Some("ok-real"));
        out.push(b"real", None).unwrap();
        out
    });
    let msg = inpad.recv(60_000).expect("the real session's message");
    assert_eq!(msg.data(), b"real");
    drop(pushing.join().unwrap());
    let s = inpad.stats();
    let grown = rss_kb().saturating_sub(before);
    eprintln!("1500 x 1 MiB ids + 3000 refused 256-byte ids: RSS +{grown} kB, {s:?}");
    assert_eq!(s.dropped_session_too_long, 1500, "{s:?}");
    assert_eq!(s.dropped_unverified, 3000, "{s:?}");
    assert_eq!(s.verify_calls, 3001, "{s:?}");
    assert!(grown < 48 * 1024, "RSS grew by {grown} kB");
}

#[test]
fn an_inpad_counts_messages_of_the_wrong_shape() {
    let _serial = serial();
    let authz = slow_authz(Duration::ZERO);
    let ctx = zmq::Context::new();
    let publisher = ctx.socket(zmq::PUB).unwrap();
    let port = free_tcp_port();
    publisher.bind(&format!("tcp://127.0.0.1:{port}")).unwrap();
    let inpad = Inpad::new(
        &format!("tcp://127.0.0.1:{port}"),
        "audio",
        authz.endpoint(),
    )
    .unwrap();
    assert!(wait_until(Duration::from_secs(5), || {
        publisher.send_multipart(["audio", "probe"], 0).unwrap();
        let _ = inpad.recv(0);
        inpad.stats().dropped_rejected > 0
    }));
    // Probes still in flight are counted now.
    let _ = inpad.recv(300);
    let before = inpad.stats().dropped_rejected;
    publisher
        .send_multipart(["audio", "two frames"], 0)
        .unwrap();
    publisher
        .send_multipart(["audio2", "{}", "None"], 0)
        .unwrap();
    let _ = inpad.recv(300);
    let s = inpad.stats();
    assert_eq!(s.dropped_rejected, before + 1, "{s:?}");
    assert_eq!(s.dropped_filtered, 1, "{s:?}");
}
