//! zil's streaming ports from Rust: round trips over tcp, ipc and inproc,
//! topic matching, timeouts, wake-ups, lossless pushes, concurrent pushes,
//! subscriber counting, attachment options, address errors, counters, and
//! malformed messages sent by a raw ZeroMQ publisher.
//!
//! Every wait is bounded and every test has its own ephemeral port, ipc path
//! or inproc name, so the tests run in parallel.

#[path = "common/python.rs"]
mod python;

use python::BlockedCall;
use std::collections::HashSet;
use std::path::PathBuf;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{mpsc, Arc, Barrier};
use std::time::{Duration, Instant};
use zil::stream::{Inport, Message, Outport};
use zil::{Attach, Error, ErrorKind, PortOptions, TopicMatch};

/// Upper bound of any single wait in these tests.
const WAIT_MS: i32 = 10_000;
const WAIT: Duration = Duration::from_millis(WAIT_MS as u64);

// --- Helpers ------------------------------------------------------------------

fn unique() -> String {
    static N: AtomicUsize = AtomicUsize::new(0);
    format!(
        "{}-{}",
        std::process::id(),
        N.fetch_add(1, Ordering::Relaxed)
    )
}

/// An ipc:// endpoint in the temp dir, removed when dropped.
struct IpcPath(PathBuf);

impl IpcPath {
    fn new() -> Self {
        let path = std::env::temp_dir().join(format!("zil-test-{}.sock", unique()));
        let _ = std::fs::remove_file(&path);
        IpcPath(path)
    }

    fn endpoint(&self) -> String {
        format!("ipc://{}", self.0.display())
    }
}

impl Drop for IpcPath {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.0);
    }
}

fn inproc() -> String {
    format!("inproc://zil-test-{}", unique())
}

fn unlimited() -> PortOptions {
    PortOptions {
        sndhwm: 0,
        rcvhwm: 0,
        ..PortOptions::default()
    }
}

fn with_attach(attach: Attach) -> PortOptions {
    PortOptions {
        attach: Some(attach),
        ..PortOptions::default()
    }
}

fn prefix() -> PortOptions {
    PortOptions {
        topic_match: TopicMatch::Prefix,
        ..PortOptions::default()
    }
}

/// An output port bound to `addr` and an input port connected to it, with
/// the subscription known to have arrived (no slow joiner).
fn pair(addr: &str, topic: &str, opts: &PortOptions) -> (Outport, Inport) {
    let out = Outport::with_options(addr, topic, opts).expect("outport binds");
    let inp = Inport::with_options(out.endpoint(), topic, opts).expect("inport connects");
    assert_eq!(
        out.wait_subscribers(1, WAIT_MS)
            .expect("subscriber arrives"),
        1
    );
    (out, inp)
}

/// Waits until `out` counts `n` subscribers when they are bound input
/// ports: a bound SUB sends its subscription to a publisher that connected
/// only while its owner calls into it (libzmq processes the new connection
/// inside `recv`), so the inports are polled meanwhile.
fn wait_bound_subscribers(out: &Outport, inports: &[&Inport], n: usize) {
    let start = Instant::now();
    loop {
        for inp in inports {
            match inp.recv(0) {
                Err(e) => assert_kind(&e, ErrorKind::Timeout),
                Ok(_) => panic!("nothing was pushed yet"),
            }
        }
        if out.wait_subscribers(n, 5).is_ok() {
            return;
        }
        assert!(
            start.elapsed() < WAIT,
            "{} of {n} subscribers on '{}'",
            out.subscribers(),
            out.endpoint()
        );
    }
}

fn recv(port: &Inport) -> Message {
    port.recv(WAIT_MS)
        .unwrap_or_else(|e| panic!("expected a message on '{}': {e}", port.endpoint()))
}

fn assert_kind(err: &Error, kind: ErrorKind) {
    assert_eq!(err.kind(), kind, "unexpected error: {err}");
}

/// Asserts that nothing more arrives within a short while.
fn assert_empty(port: &Inport) {
    match port.recv(150) {
        Ok(msg) => panic!(
            "unexpected message: topic {:?} event {:?} {} bytes",
            msg.topic(),
            msg.event(),
            msg.data().len()
        ),
        Err(e) => assert_kind(&e, ErrorKind::Timeout),
    }
}

/// A payload whose bytes depend on its index and length.
fn payload(seed: usize, len: usize) -> Vec<u8> {
    (0..len)
        .map(|i| (i.wrapping_mul(31) ^ seed.wrapping_mul(131) ^ (i >> 8)) as u8)
        .collect()
}

const EVENTS: [Option<&str>; 7] = [
    None,
    Some("pcm"),
    Some("EOS"),
    Some("FINAL"),
    Some("INTERMEDIATE"),
    Some("signin"),
    Some("signout"),
];

/// Pushes `n` messages of varied sizes and events (empty payloads
/// included), receives them in order and checks every byte and the counters.
fn round_trip(out: &Outport, inp: &Inport, n: usize) {
    let topic = out.topic().to_owned();
    let before_out = out.stats();
    let before_in = inp.stats();
    let mut bytes = 0u64;
    let receiver = std::thread::scope(|s| {
        let r = s.spawn(|| {
            for i in 0..n {
                let msg = recv(inp);
                assert_eq!(msg.topic(), topic, "message {i}");
                assert_eq!(msg.event(), EVENTS[i % EVENTS.len()], "message {i}");
                assert!(
                    msg.data() == payload(i, i % 300),
                    "message {i}: data differs"
                );
            }
        });
        for i in 0..n {
            let data = payload(i, i % 300);
            bytes += data.len() as u64;
            out.push(&data, EVENTS[i % EVENTS.len()]).expect("push");
        }
        r.join()
    });
    if let Err(panic) = receiver {
        std::panic::resume_unwind(panic);
    }
    assert_empty(inp);
    let (o, i) = (out.stats(), inp.stats());
    assert_eq!(o.messages_sent - before_out.messages_sent, n as u64);
    assert_eq!(o.bytes_sent - before_out.bytes_sent, bytes);
    assert_eq!(i.messages_received - before_in.messages_received, n as u64);
    assert_eq!(i.bytes_received - before_in.bytes_received, bytes);
    assert_eq!(i.messages_rejected, before_in.messages_rejected);
    assert_eq!(i.messages_filtered, before_in.messages_filtered);
}

// --- Round trips --------------------------------------------------------------

#[test]
fn round_trip_tcp_loopback() {
    let (out, inp) = pair("tcp://127.0.0.1:*", "asr", &unlimited());
    assert!(
        out.endpoint().starts_with("tcp://127.0.0.1:") && !out.endpoint().ends_with(":*"),
        "the ephemeral port is resolved: {}",
        out.endpoint()
    );
    round_trip(&out, &inp, 20_000);
}

#[test]
fn round_trip_ipc() {
    let path = IpcPath::new();
    let (out, inp) = pair(&path.endpoint(), "asr", &unlimited());
    assert_eq!(out.endpoint(), path.endpoint());
    round_trip(&out, &inp, 5_000);
}

#[test]
fn round_trip_inproc() {
    let addr = inproc();
    let (out, inp) = pair(&addr, "asr", &unlimited());
    assert_eq!(out.endpoint(), addr);
    round_trip(&out, &inp, 5_000);
}

/// Default high-water marks (1000): a burst below them loses nothing.
/// (A longer burst may lose messages: `push` never blocks, PUB semantics.)
#[test]
fn round_trip_with_default_options() {
    let (out, inp) = pair("tcp://127.0.0.1:*", "asr", &PortOptions::default());
    round_trip(&out, &inp, 500);
}

#[test]
fn empty_payloads_and_every_event_round_trip() {
    let (out, inp) = pair("tcp://127.0.0.1:*", "asr", &PortOptions::default());
    for event in EVENTS {
        out.push(b"", event).expect("push");
    }
    out.push(b"", Some("")).expect("push an empty event");
    out.push(b"", Some("événement ✓"))
        .expect("push a non-ASCII event");
    for event in EVENTS {
        let msg = recv(&inp);
        assert!(msg.data().is_empty());
        assert_eq!(msg.event(), event);
    }
    let msg = recv(&inp);
    assert_eq!(
        msg.event(),
        Some(""),
        "an empty event is an event, not None"
    );
    assert_eq!(recv(&inp).event(), Some("événement ✓"));
    assert_eq!(inp.stats().bytes_received, 0);
}

/// The wire cannot tell the event `"None"` from no event (the original maps
/// the frame `None` back to no event): zil does the same.
#[test]
fn event_spelled_none_reads_as_no_event() {
    let (out, inp) = pair("tcp://127.0.0.1:*", "asr", &PortOptions::default());
    out.push(b"x", Some("None")).expect("push");
    out.push(b"y", Some("none")).expect("push");
    assert_eq!(recv(&inp).event(), None);
    assert_eq!(recv(&inp).event(), Some("none"));
}

#[test]
fn every_byte_value_round_trips() {
    let (out, inp) = pair("tcp://127.0.0.1:*", "asr", &PortOptions::default());
    let all: Vec<u8> = (0..=255u8).collect();
    out.push(&all, Some("pcm")).expect("push");
    out.push(b"\0", None).expect("push");
    let msg = recv(&inp);
    assert_eq!(msg.data(), &all[..]);
    assert_eq!(recv(&inp).data(), b"\0");
}

/// Payloads of 4 MiB and more (odd sizes up to 16 MiB - 3, with a 1-byte
/// and an empty one among them), copied (`push`) and handed over
/// (`push_owned`), with and without an event, all pushed before the first
/// is received: over each transport, with default and with unlimited
/// high-water marks. Every byte and the counters checked.
#[test]
fn large_payloads_round_trip() {
    let sizes = [
        4 << 20,
        (4 << 20) + 1,
        (16 << 20) - 3,
        4 << 20,
        1,
        0,
        8 << 20,
    ];
    let event = |i: usize| (i % 3 != 0).then_some("frame");
    let total: usize = sizes.iter().sum();
    for opts in [PortOptions::default(), unlimited()] {
        for (name, addr, _ipc) in each_transport() {
            let (out, inp) = pair(&addr, "video", &opts);
            for (i, &size) in sizes.iter().enumerate() {
                let data = payload(i, size);
                if i % 2 == 0 {
                    out.push(&data, event(i)).expect("push");
                } else {
                    out.push_owned(data.into_boxed_slice(), event(i))
                        .expect("push_owned");
                }
            }
            for (i, &size) in sizes.iter().enumerate() {
                let msg = recv(&inp);
                assert_eq!(msg.data().len(), size, "{name}: message {i}");
                assert!(
                    msg.data() == payload(i, size),
                    "{name}: message {i} differs"
                );
                assert_eq!(msg.event(), event(i), "{name}: message {i}");
                assert_eq!(msg.topic(), "video", "{name}: message {i}");
            }
            let (o, n) = (out.stats(), inp.stats());
            assert_eq!(
                (o.messages_sent, o.bytes_sent),
                (sizes.len() as u64, total as u64),
                "{name}"
            );
            assert_eq!(
                (n.messages_received, n.bytes_received),
                (sizes.len() as u64, total as u64),
                "{name}"
            );
        }
    }
}

/// Size of message `i` in
/// [`everything_pushed_before_a_receive_arrives_over_every_transport`]: every
/// tenth empty, a few of 64 KiB and more, the others 1 to 1500 bytes.
fn mixed_size(i: usize) -> usize {
    if i % 10 == 0 {
        0
    } else if i % 1000 == 999 {
        65_536 + i % 7
    } else {
        i * 37 % 1500 + 1
    }
}

/// Events of those messages: none, the empty event and a multi-byte one
/// among them.
const MIXED_EVENTS: [Option<&str>; 6] = [
    None,
    Some("pcm"),
    Some("EOS"),
    Some(""),
    Some("FINAL"),
    Some("ü-utf8-✓"),
];

/// With unlimited high-water marks, 10 000 messages pushed before any is
/// received (0 bytes to 64 KiB, events empty and multi-byte among them) all
/// queue up and then arrive in order, every byte, event and topic intact
/// and no session id; nothing more follows, and the counters are exact (all
/// of them). Over tcp, ipc and inproc.
#[test]
fn everything_pushed_before_a_receive_arrives_over_every_transport() {
    const COUNT: usize = 10_000;
    for (name, addr, _ipc) in each_transport() {
        let (out, inp) = pair(&addr, "roundtrip", &unlimited());
        let mut bytes = 0u64;
        for i in 0..COUNT {
            let data = payload(i, mixed_size(i));
            bytes += data.len() as u64;
            out.push(&data, MIXED_EVENTS[i % MIXED_EVENTS.len()])
                .expect("push");
        }
        for i in 0..COUNT {
            let msg = recv(&inp);
            assert_eq!(msg.data().len(), mixed_size(i), "{name}: message {i}");
            assert!(
                msg.data() == payload(i, mixed_size(i)),
                "{name}: message {i} differs"
            );
            assert_eq!(
                msg.event(),
                MIXED_EVENTS[i % MIXED_EVENTS.len()],
                "{name}: message {i}"
            );
            assert_eq!(msg.topic(), "roundtrip", "{name}: message {i}");
            assert_eq!(msg.session_id(), None, "{name}: message {i}");
        }
        assert_empty(&inp);
        assert_eq!(
            out.stats(),
            zil::Stats {
                messages_sent: COUNT as u64,
                bytes_sent: bytes,
                ..zil::Stats::default()
            },
            "{name}"
        );
        assert_eq!(
            inp.stats(),
            zil::Stats {
                messages_received: COUNT as u64,
                bytes_received: bytes,
                ..zil::Stats::default()
            },
            "{name}"
        );
    }
}

/// Default options and the plain constructors, one message in flight at a
/// time: 2000 messages of 64 bytes, with and without an event, over tcp,
/// ipc and inproc. The input port reports the endpoint it connected to.
#[test]
fn lockstep_round_trips_with_default_options_over_every_transport() {
    for (name, addr, _ipc) in each_transport() {
        let out = Outport::new(&addr, "roundtrip").expect("outport");
        let inp = Inport::new(out.endpoint(), "roundtrip").expect("inport");
        assert_eq!(inp.endpoint(), out.endpoint(), "{name}");
        out.wait_subscribers(1, WAIT_MS).expect("subscriber");
        for i in 0..2000 {
            let data = payload(i, 64);
            let event = (i % 2 == 1).then_some("pcm");
            out.push(&data, event).expect("push");
            let msg = recv(&inp);
            assert!(msg.data() == data, "{name}: message {i} differs");
            assert_eq!(msg.event(), event, "{name}: message {i}");
        }
    }
}

#[test]
fn unicode_and_empty_topics_round_trip() {
    for topic in ["ünïcödé/主题", ""] {
        let (out, inp) = pair("tcp://127.0.0.1:*", topic, &PortOptions::default());
        out.push(b"data", Some("EOS")).expect("push");
        let msg = recv(&inp);
        assert_eq!(msg.topic(), topic);
        assert_eq!(msg.data(), b"data");
    }
}

// --- Topic matching -------------------------------------------------------------

/// Publishers of `asr`, `asr2` and `asr/x` connect to one bound input port:
/// exact matching (the default) keeps only `asr` and counts the others as
/// filtered; prefix matching (the original's behaviour) takes all three.
#[test]
fn exact_topic_match_by_default_prefix_on_request() {
    for (opts, expect) in [
        (PortOptions::default(), vec!["asr"]),
        (prefix(), vec!["asr", "asr/x", "asr2"]),
    ] {
        let opts = PortOptions {
            attach: Some(Attach::Bind),
            ..opts
        };
        let inp = Inport::with_options("tcp://127.0.0.1:*", "asr", &opts).expect("inport binds");
        let outs: Vec<Outport> = ["asr", "asr2", "asr/x"]
            .iter()
            .map(|topic| {
                let out =
                    Outport::with_options(inp.endpoint(), topic, &with_attach(Attach::Connect))
                        .expect("outport connects");
                wait_bound_subscribers(&out, &[&inp], 1);
                out
            })
            .collect();
        for out in &outs {
            for k in 0..3 {
                out.push(format!("{} {k}", out.topic()).as_bytes(), None)
                    .expect("push");
            }
        }
        let mut got = Vec::new();
        for _ in 0..expect.len() * 3 {
            let msg = recv(&inp);
            assert_eq!(
                String::from_utf8_lossy(msg.data()).split(' ').next(),
                Some(msg.topic()),
                "a message carries its own topic"
            );
            got.push(msg.topic().to_owned());
        }
        assert_empty(&inp);
        got.sort();
        got.dedup();
        assert_eq!(got, expect, "{:?}", opts.topic_match);
        let stats = inp.stats();
        assert_eq!(stats.messages_received, expect.len() as u64 * 3);
        assert_eq!(stats.messages_filtered, 9 - expect.len() as u64 * 3);
        assert_eq!(stats.messages_rejected, 0);
    }
}

/// A shorter publisher topic never reaches a longer subscription (libzmq
/// filters it at the publisher) and does not count as a subscriber.
#[test]
fn shorter_topic_is_neither_delivered_nor_counted() {
    let out = Outport::new("tcp://127.0.0.1:*", "as").expect("outport");
    let inp = Inport::with_options(out.endpoint(), "asr", &prefix()).expect("inport");
    let err = out
        .wait_subscribers(1, 200)
        .expect_err("'asr' does not subscribe to 'as'");
    assert_kind(&err, ErrorKind::Timeout);
    out.push(b"x", None).expect("push");
    assert_empty(&inp);
}

/// Receives from `inp` until it has `want` messages and has counted
/// `filtered` filtered ones (bounded); then nothing more arrives. Returns the
/// topics received.
fn collect(inp: &Inport, want: usize, filtered: u64) -> Vec<String> {
    let start = Instant::now();
    let mut topics = Vec::new();
    while topics.len() < want || inp.stats().messages_filtered < filtered {
        assert!(
            start.elapsed() < WAIT,
            "{} of {want} messages, {:?}",
            topics.len(),
            inp.stats()
        );
        match inp.recv(50) {
            Ok(msg) => topics.push(msg.topic().to_owned()),
            Err(e) => assert_kind(&e, ErrorKind::Timeout),
        }
        assert!(
            topics.len() <= want,
            "more than {want} messages: {topics:?}"
        );
    }
    assert_empty(inp);
    let stats = inp.stats();
    assert_eq!(stats.messages_received, want as u64, "{stats:?}");
    assert_eq!(stats.messages_filtered, filtered, "{stats:?}");
    assert_eq!(stats.messages_rejected, 0, "{stats:?}");
    topics
}

/// An exact `asr` port and a prefix `asr` port on one bound `asr2`
/// publisher: both subscribe (libzmq matches prefixes), the prefix port
/// receives everything, the exact one counts everything as filtered.
#[test]
fn exact_and_prefix_ports_on_one_publisher() {
    let out = Outport::new("tcp://127.0.0.1:*", "asr2").expect("outport");
    let exact = Inport::new(out.endpoint(), "asr").expect("exact inport");
    let prefixed = Inport::with_options(out.endpoint(), "asr", &prefix()).expect("prefix inport");
    assert_eq!(out.wait_subscribers(2, WAIT_MS).expect("both subscribe"), 2);
    for _ in 0..7 {
        out.push(b"", None).expect("push");
    }
    assert_eq!(collect(&prefixed, 7, 0), vec!["asr2"; 7]);
    assert!(collect(&exact, 0, 7).is_empty());
}

/// A port of a longer topic (`asr2`) is no subscriber of an `asr`
/// publisher: never counted by `wait_subscribers`, never sent anything, and
/// its counters stay at zero.
#[test]
fn a_longer_topic_is_no_subscriber() {
    let out = Outport::new("tcp://127.0.0.1:*", "asr").expect("outport");
    let longer = Inport::new(out.endpoint(), "asr2").expect("inport");
    let matching = Inport::new(out.endpoint(), "asr").expect("inport");
    assert_eq!(out.wait_subscribers(1, WAIT_MS).expect("one subscribes"), 1);
    let err = out
        .wait_subscribers(2, 300)
        .expect_err("'asr2' does not subscribe to 'asr'");
    assert_kind(&err, ErrorKind::Timeout);
    assert_eq!(out.subscribers(), 1);
    out.push(b"x", None).expect("push");
    assert_eq!(recv(&matching).data(), b"x");
    assert_empty(&longer);
    assert_eq!(longer.stats(), zil::Stats::default());
}

/// The empty topic: an exact `""` port receives only the `""` topic
/// (another is filtered), a prefix `""` port receives every topic.
#[test]
fn the_empty_topic_matches_itself_exactly_and_everything_as_a_prefix() {
    let out_empty = Outport::new("tcp://127.0.0.1:*", "").expect("outport");
    let out_abc = Outport::new("tcp://127.0.0.1:*", "abc").expect("outport");
    let only_empty = Inport::new(out_empty.endpoint(), "").expect("inport");
    let all = Inport::with_options(out_abc.endpoint(), "", &prefix()).expect("inport");
    let exact_empty = Inport::new(out_abc.endpoint(), "").expect("inport");
    out_empty
        .wait_subscribers(1, WAIT_MS)
        .expect("'' subscribes to ''");
    out_abc
        .wait_subscribers(2, WAIT_MS)
        .expect("'' subscribes to 'abc'");
    out_empty.push(b"e", Some("pcm")).expect("push");
    out_abc.push(b"a", Some("pcm")).expect("push");
    out_abc.push(b"b", Some("pcm")).expect("push");
    assert_eq!(collect(&only_empty, 1, 0), [""]);
    assert_eq!(collect(&all, 2, 0), ["abc", "abc"]);
    assert!(collect(&exact_empty, 0, 2).is_empty());
}

// --- Timeouts -------------------------------------------------------------------

#[test]
fn recv_timeouts_are_bounded() {
    let out = Outport::new("tcp://127.0.0.1:*", "asr").expect("outport");
    let inp = Inport::new(out.endpoint(), "asr").expect("inport");

    let t = Instant::now();
    let err = inp.recv(0).expect_err("nothing queued");
    assert_kind(&err, ErrorKind::Timeout);
    assert!(
        t.elapsed() < Duration::from_millis(200),
        "recv(0) took {:?}",
        t.elapsed()
    );
    assert!(
        err.message().contains(inp.endpoint()) && err.message().contains("asr"),
        "the timeout names endpoint and topic: {err}"
    );

    // Each wait lasts its timeout, also when repeated.
    for ms in [100, 100, 100, 1, 250] {
        let t = Instant::now();
        let err = inp.recv(ms).expect_err("nothing sent");
        let took = t.elapsed();
        assert_kind(&err, ErrorKind::Timeout);
        let ms = Duration::from_millis(ms as u64);
        assert!(
            took >= ms && took < ms + Duration::from_millis(900),
            "recv({ms:?}) took {took:?}"
        );
    }
}

/// An input port connected to an address nobody binds: a receive waits its
/// timeout and times out.
#[test]
fn recv_from_an_address_nobody_binds_times_out() {
    let nobody = IpcPath::new();
    let inp = Inport::new(&nobody.endpoint(), "t").expect("connecting needs no peer yet");
    let t = Instant::now();
    let err = inp.recv(100).expect_err("nobody sends");
    let took = t.elapsed();
    assert_kind(&err, ErrorKind::Timeout);
    assert!(
        took >= Duration::from_millis(100) && took < Duration::from_millis(1000),
        "recv(100) took {took:?}"
    );
}

/// A receive returns as soon as a message arrives, long before its timeout
/// (20 s): a message pushed 100 ms later is received about 100 ms later.
#[test]
fn recv_returns_as_soon_as_a_message_arrives() {
    let (out, inp) = pair("tcp://127.0.0.1:*", "t", &PortOptions::default());
    let t = Instant::now();
    let (msg, took) = std::thread::scope(|s| {
        s.spawn(|| {
            std::thread::sleep(Duration::from_millis(100));
            out.push(b"late", Some("pcm")).expect("push");
        });
        let msg = inp.recv(20_000).expect("the late message");
        (msg, t.elapsed())
    });
    assert!(
        took >= Duration::from_millis(100) && took < Duration::from_millis(1000),
        "recv(20 s) returned after {took:?} for a message pushed after 100 ms"
    );
    assert_eq!((msg.data(), msg.event()), (&b"late"[..], Some("pcm")));
}

/// Messages of another topic sharing the prefix (filtered by an exact
/// port), arriving all the time, do not extend a receive's deadline, nor
/// end it early.
#[test]
fn filtered_messages_keep_the_recv_deadline() {
    let out = Outport::new("tcp://127.0.0.1:*", "asr2").expect("outport");
    let inp = Inport::new(out.endpoint(), "asr").expect("exact inport: filters asr2");
    out.wait_subscribers(1, WAIT_MS).expect("subscriber");
    let took = std::thread::scope(|s| {
        // About 400 ms of traffic, one message a millisecond.
        s.spawn(|| {
            for _ in 0..400 {
                out.push(b"late", None).expect("push");
                std::thread::sleep(Duration::from_millis(1));
            }
        });
        std::thread::sleep(Duration::from_millis(20));
        let t = Instant::now();
        let err = inp.recv(200).expect_err("only filtered messages");
        let took = t.elapsed();
        assert_kind(&err, ErrorKind::Timeout);
        took
    });
    assert!(
        took >= Duration::from_millis(200) && took < Duration::from_millis(1100),
        "recv(200) took {took:?} while filtering"
    );
    let stats = inp.stats();
    assert!(
        stats.messages_filtered > 0,
        "no message was filtered during the wait"
    );
    assert_eq!(stats.messages_received, 0);
}

/// `recv(0)` hands out what is queued without waiting.
#[test]
fn recv_zero_takes_queued_messages() {
    let (out, inp) = pair("tcp://127.0.0.1:*", "asr", &PortOptions::default());
    out.push(b"queued", None).expect("push");
    let start = Instant::now();
    let msg = loop {
        match inp.recv(0) {
            Ok(msg) => break msg,
            Err(e) => assert_kind(&e, ErrorKind::Timeout),
        }
        assert!(start.elapsed() < WAIT, "the message never arrived");
        std::thread::sleep(Duration::from_millis(1));
    };
    assert_eq!(msg.data(), b"queued");
}

#[test]
fn wait_subscribers_timeouts_are_bounded() {
    let out = Outport::new("tcp://127.0.0.1:*", "asr").expect("outport");
    let t = Instant::now();
    let err = out.wait_subscribers(1, 0).expect_err("no subscriber");
    assert_kind(&err, ErrorKind::Timeout);
    assert!(
        t.elapsed() < Duration::from_millis(200),
        "took {:?}",
        t.elapsed()
    );

    assert!(
        err.message().contains("0 of 1 subscribers") && err.message().contains(out.endpoint()),
        "the timeout names the count and the endpoint: {err}"
    );

    let t = Instant::now();
    let err = out.wait_subscribers(1, 100).expect_err("no subscriber");
    let took = t.elapsed();
    assert_kind(&err, ErrorKind::Timeout);
    assert!(
        took >= Duration::from_millis(100) && took < Duration::from_millis(1000),
        "wait_subscribers(1, 100) took {took:?}"
    );
    // Zero subscribers are there at once, also for a wait forever.
    assert_eq!(
        out.wait_subscribers(0, 0)
            .expect("zero subscribers are there"),
        0
    );
    assert_eq!(
        out.wait_subscribers(0, -1)
            .expect("zero subscribers are there"),
        0
    );

    // One subscriber: a wait for two lasts its timeout and reports one.
    let _inp = Inport::new(out.endpoint(), "asr").expect("inport");
    assert_eq!(out.wait_subscribers(1, WAIT_MS).expect("one subscribes"), 1);
    let t = Instant::now();
    let err = out
        .wait_subscribers(2, 100)
        .expect_err("only one subscriber");
    let took = t.elapsed();
    assert_kind(&err, ErrorKind::Timeout);
    assert!(
        took >= Duration::from_millis(100) && took < Duration::from_millis(1000),
        "wait_subscribers(2, 100) took {took:?}"
    );
    assert!(err.message().contains("1 of 2 subscribers"), "{err}");
    // A wait forever returns at once when the count is there.
    let t = Instant::now();
    assert_eq!(out.wait_subscribers(1, -1).expect("one is there"), 1);
    assert!(
        t.elapsed() < Duration::from_millis(200),
        "wait_subscribers(1, -1) took {:?}",
        t.elapsed()
    );
}

// --- Wake-ups -------------------------------------------------------------------

/// A receive blocked forever in another thread returns `Interrupted` when
/// woken; the port keeps working afterwards.
#[test]
fn wake_interrupts_a_blocked_recv_in_another_thread() {
    let (out, inp) = pair("tcp://127.0.0.1:*", "asr", &PortOptions::default());
    let inp = Arc::new(inp);
    let (tx, rx) = mpsc::channel();
    let receiver = Arc::clone(&inp);
    let started = Instant::now();
    std::thread::spawn(move || {
        let _ = tx.send(receiver.recv(-1).map(|m| m.data().to_vec()));
    });
    std::thread::sleep(Duration::from_millis(100));
    inp.wake();
    let result = rx
        .recv_timeout(WAIT)
        .expect("the blocked recv(-1) returns after wake()");
    let err = result.expect_err("woken, not a message");
    assert_kind(&err, ErrorKind::Interrupted);
    assert!(err.message().contains(inp.endpoint()), "{err}");
    assert!(started.elapsed() < WAIT);

    out.push(b"after wake", None).expect("push");
    assert_eq!(recv(&inp).data(), b"after wake");
}

/// A lossless port whose subscriber is full (nobody reads; queues of 10):
/// the pushes fill the queues, then every push waits its whole 50 ms and is
/// dropped (`Timeout`, saying so, counted in `messages_dropped`), never one
/// accepted in between; everything accepted arrives, in order, and with
/// room again a push goes through.
#[test]
fn lossless_pushes_to_a_full_subscriber_wait_their_timeout_then_drop() {
    const HWM: i32 = 10;
    let opts = PortOptions {
        sndhwm: HWM,
        rcvhwm: HWM,
        lossless_timeout_ms: Some(50),
        ..PortOptions::default()
    };
    let (out, inp) = pair(&inproc(), "t", &opts);
    let (mut accepted, mut dropped) = (0u32, 0u32);
    for seq in 0..4 * HWM as u32 {
        let t = Instant::now();
        match out.push(&seq.to_le_bytes(), None) {
            Ok(()) => {
                assert_eq!(dropped, 0, "push {seq} accepted after a drop");
                accepted += 1;
            }
            Err(e) => {
                assert_kind(&e, ErrorKind::Timeout);
                assert!(e.message().contains("dropped"), "{e}");
                assert!(
                    t.elapsed() >= Duration::from_millis(50),
                    "push {seq} dropped after {:?}, before its 50 ms",
                    t.elapsed()
                );
                dropped += 1;
            }
        }
    }
    assert!(
        accepted >= HWM as u32 && dropped > 0,
        "accepted {accepted}, dropped {dropped}"
    );
    let stats = out.stats();
    assert_eq!(
        (stats.messages_sent, stats.messages_dropped),
        (u64::from(accepted), u64::from(dropped))
    );
    for seq in 0..accepted {
        assert_eq!(recv(&inp).data(), seq.to_le_bytes(), "message {seq}");
    }
    assert_empty(&inp);
    out.push(b"ok", None).expect("room again");
    assert_eq!(recv(&inp).data(), b"ok");
}

/// `set_interrupted` ends a lossless push waiting for a full subscriber in
/// another thread within its 10 ms slice, long before the lossless timeout;
/// while set, a push that finds the subscriber full returns at once and one
/// with room is sent; cleared, pushes wait their timeout again.
/// `push_while`'s `keep_waiting` is asked every 10 ms and ends the wait the
/// same way. Interrupted messages are neither sent nor counted as dropped.
#[test]
fn set_interrupted_ends_a_waiting_lossless_push_and_clears() {
    let opts = PortOptions {
        sndhwm: 4,
        rcvhwm: 4,
        lossless_timeout_ms: Some(500),
        ..PortOptions::default()
    };
    let (out, inp) = pair(&inproc(), "t", &opts);
    let out = Arc::new(out);
    // Nobody reads: fill the queues until a push times out.
    let mut accepted = 0u32;
    while out.push(&accepted.to_be_bytes(), None).is_ok() {
        accepted += 1;
        assert!(accepted < 1000, "the queues never filled");
    }
    assert_eq!(out.stats().messages_dropped, 1);

    let pusher = Arc::clone(&out);
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        let started = Instant::now();
        let result = pusher.push(b"interrupted", None);
        let _ = tx.send((result, started.elapsed()));
    });
    std::thread::sleep(Duration::from_millis(100));
    out.set_interrupted(true);
    let (result, took) = rx.recv_timeout(WAIT).expect("the waiting push returns");
    let err = result.expect_err("interrupted, not sent");
    assert_kind(&err, ErrorKind::Interrupted);
    assert!(err.message().contains("interrupted"), "{err}");
    assert!(
        took >= Duration::from_millis(90) && took < Duration::from_millis(300),
        "the waiting push returned after {took:?} (interrupted at 100 ms, timeout 500 ms)"
    );

    let t = Instant::now();
    let err = out.push(b"also interrupted", None).expect_err("still full");
    assert_kind(&err, ErrorKind::Interrupted);
    assert!(
        t.elapsed() < Duration::from_millis(100),
        "{:?}",
        t.elapsed()
    );
    assert_eq!(
        out.stats().messages_dropped,
        1,
        "interruptions are no drops"
    );

    out.set_interrupted(false);
    // The caller's own interruption: asked every 10 ms while the push waits.
    let asked = AtomicUsize::new(0);
    let t = Instant::now();
    let err = out
        .push_while(b"own", None, &|| asked.fetch_add(1, Ordering::Relaxed) < 4)
        .expect_err("still full");
    assert_kind(&err, ErrorKind::Interrupted);
    assert_eq!(asked.load(Ordering::Relaxed), 5);
    assert!(
        t.elapsed() >= Duration::from_millis(35) && t.elapsed() < Duration::from_millis(300),
        "five questions 10 ms apart took {:?}",
        t.elapsed()
    );
    let t = Instant::now();
    let err = out.push(b"times out", None).expect_err("still full");
    assert_kind(&err, ErrorKind::Timeout);
    assert!(
        t.elapsed() >= Duration::from_millis(490) && t.elapsed() < Duration::from_millis(1500),
        "a push waited {:?} for a 500 ms timeout",
        t.elapsed()
    );
    assert_eq!(out.stats().messages_dropped, 2);

    // What was accepted arrives in order, nothing else.
    for seq in 0..accepted {
        assert_eq!(recv(&inp).data(), seq.to_be_bytes());
    }
    assert_empty(&inp);
    // With room, an interrupted port still sends.
    out.set_interrupted(true);
    out.push(b"room", None).expect("a push with room is sent");
    assert_eq!(recv(&inp).data(), b"room");
    assert_eq!(out.stats().messages_sent, u64::from(accepted) + 1);
}

/// `close` (what `zil_inport_free` does first) ends a receive blocked
/// forever in another thread with `Closed`, and every later receive at once,
/// wake-ups and queued messages notwithstanding. The last `Arc` is dropped
/// by the receiving thread.
#[test]
fn close_ends_a_blocked_recv_with_closed() {
    let (out, inp) = pair("tcp://127.0.0.1:*", "asr", &PortOptions::default());
    let inp = Arc::new(inp);
    let receiver = Arc::clone(&inp);
    let recv = BlockedCall::start(move || receiver.recv_into(&mut Message::new(), -1));
    // Not needed for the outcome (a close before the receive gives the same
    // answer); it makes the receive likely to be blocked already.
    std::thread::sleep(Duration::from_millis(100));
    let err = recv.closed_by(|| inp.close());
    assert!(err.message().contains("freed"), "{err}");

    out.push(b"after close", None).expect("push");
    inp.wake();
    for timeout in [0, 50, -1] {
        let t = Instant::now();
        assert_kind(&inp.recv(timeout).expect_err("closed"), ErrorKind::Closed);
        assert!(t.elapsed() < Duration::from_millis(500));
    }
}

/// `close` ends both a receive blocked in the socket and a second one
/// waiting for its turn (the port serves one receiver at a time).
#[test]
fn close_ends_a_waiting_second_recv_too() {
    let (_out, inp) = pair(&inproc(), "asr", &PortOptions::default());
    let inp = Arc::new(inp);
    let calls: Vec<_> = (0..2)
        .map(|_| {
            let receiver = Arc::clone(&inp);
            BlockedCall::start(move || receiver.recv(-1))
        })
        .collect();
    std::thread::sleep(Duration::from_millis(100));
    inp.close();
    for call in calls {
        call.closed_by(|| {});
    }
}

/// `close` ends a monitor's `next` blocked in another thread with `Closed`.
#[test]
fn close_ends_a_blocked_monitor_next() {
    let out = Outport::new("tcp://127.0.0.1:*", "nobody").expect("outport");
    let monitor = Arc::new(out.monitor().expect("monitor"));
    let waiter = Arc::clone(&monitor);
    let next = BlockedCall::start(move || waiter.next(-1));
    std::thread::sleep(Duration::from_millis(100));
    next.closed_by(|| monitor.close());
    assert_kind(&monitor.next(0).expect_err("closed"), ErrorKind::Closed);
}

/// A wake-up with no receive blocked interrupts the next receive once.
#[test]
fn wake_before_recv_interrupts_the_next_recv_once() {
    let (out, inp) = pair("tcp://127.0.0.1:*", "asr", &PortOptions::default());
    inp.wake();
    let t = Instant::now();
    assert_kind(
        &inp.recv(WAIT_MS).expect_err("woken"),
        ErrorKind::Interrupted,
    );
    assert!(t.elapsed() < Duration::from_millis(500));
    assert_kind(
        &inp.recv(50).expect_err("one wake, one interruption"),
        ErrorKind::Timeout,
    );
    out.push(b"m", None).expect("push");
    assert_eq!(recv(&inp).data(), b"m");
}

/// The three transports, each as a fresh address an output port binds.
fn each_transport() -> Vec<(&'static str, String, Option<IpcPath>)> {
    let ipc = IpcPath::new();
    vec![
        ("tcp", "tcp://127.0.0.1:*".to_owned(), None),
        ("ipc", ipc.endpoint(), Some(ipc)),
        ("inproc", inproc(), None),
    ]
}

/// A receive blocked forever is still blocked 100 ms later, and a wake-up
/// ends it with `Interrupted` at once, over tcp, ipc and inproc.
#[test]
fn wake_ends_a_recv_blocked_forever_over_every_transport() {
    for (name, addr, _ipc) in each_transport() {
        let (_out, inp) = pair(&addr, "wake", &PortOptions::default());
        let inp = Arc::new(inp);
        let receiver = Arc::clone(&inp);
        let (tx, rx) = mpsc::channel();
        let blocked = Instant::now();
        std::thread::spawn(move || {
            let _ = tx.send(receiver.recv(-1).map(|m| m.data().to_vec()));
        });
        assert!(
            rx.recv_timeout(Duration::from_millis(100)).is_err(),
            "{name}: recv(-1) returned before the wake-up"
        );
        let woke = Instant::now();
        inp.wake();
        let result = rx
            .recv_timeout(WAIT)
            .expect("recv(-1) returns after wake()");
        let returned = woke.elapsed();
        assert_kind(&result.expect_err("woken"), ErrorKind::Interrupted);
        assert!(blocked.elapsed() >= Duration::from_millis(90), "{name}");
        assert!(
            returned < Duration::from_secs(1),
            "{name}: woken after {returned:?}"
        );
    }
}

/// A receive with a long timeout (20 s) that nothing will feed returns
/// `Interrupted` as soon as it is woken.
#[test]
fn wake_ends_a_bounded_recv_long_before_its_timeout() {
    let nobody = IpcPath::new();
    let inp = Arc::new(Inport::new(&nobody.endpoint(), "t").expect("inport"));
    let receiver = Arc::clone(&inp);
    let (tx, rx) = mpsc::channel();
    let started = Instant::now();
    std::thread::spawn(move || {
        let _ = tx.send(receiver.recv(20_000).map(|m| m.data().to_vec()));
    });
    std::thread::sleep(Duration::from_millis(50));
    inp.wake();
    let result = rx
        .recv_timeout(WAIT)
        .expect("recv(20 s) returns after wake()");
    assert_kind(&result.expect_err("woken"), ErrorKind::Interrupted);
    assert!(
        started.elapsed() < Duration::from_secs(5),
        "{:?}",
        started.elapsed()
    );
}

/// A wake-up given while a message is queued interrupts the next receive
/// first (its error says so); the message is still there for the one after,
/// and the wake-up is used up.
#[test]
fn wake_with_a_message_queued_interrupts_and_keeps_the_message() {
    let (out, inp) = pair(&inproc(), "t", &PortOptions::default());
    out.push(b"kept", Some("pcm")).expect("push");
    std::thread::sleep(Duration::from_millis(50));
    inp.wake();
    let err = inp.recv(WAIT_MS).expect_err("woken first");
    assert_kind(&err, ErrorKind::Interrupted);
    assert!(err.message().contains("woken"), "{err}");
    let msg = recv(&inp);
    assert_eq!((msg.data(), msg.event()), (&b"kept"[..], Some("pcm")));
    assert_kind(&inp.recv(0).expect_err("nothing left"), ErrorKind::Timeout);
}

/// 200 wake-ups of a thread looping on `recv(-1)`: each interrupts exactly
/// one receive, none is lost or doubled.
#[test]
fn every_wake_interrupts_exactly_one_recv() {
    const ROUNDS: usize = 200;
    let (_out, inp) = pair("tcp://127.0.0.1:*", "t", &PortOptions::default());
    let inp = Arc::new(inp);
    let receiver = Arc::clone(&inp);
    let (tx, rx) = mpsc::channel();
    let looping = std::thread::spawn(move || {
        for _ in 0..ROUNDS {
            let got = receiver.recv(-1).map(|m| m.data().to_vec());
            let _ = tx.send(got);
        }
    });
    for round in 1..=ROUNDS {
        inp.wake();
        let got = rx
            .recv_timeout(WAIT)
            .unwrap_or_else(|_| panic!("round {round}: no interruption"));
        assert_kind(&got.expect_err("woken"), ErrorKind::Interrupted);
    }
    looping.join().expect("the receiving thread");
    assert!(rx.try_recv().is_err(), "more results than wake-ups");
}

/// The usual receiving thread: blocked in `recv(-1)`, it gets every one of
/// 1000 messages pushed meanwhile, then is woken to stop.
#[test]
fn a_receiving_thread_gets_every_message_then_is_woken_to_stop() {
    const COUNT: u32 = 1000;
    let ipc = IpcPath::new();
    let (out, inp) = pair(&ipc.endpoint(), "t", &unlimited());
    let inp = Arc::new(inp);
    let receiver = Arc::clone(&inp);
    let (tx, rx) = mpsc::channel();
    let thread = std::thread::spawn(move || loop {
        match receiver.recv(-1) {
            Ok(msg) => {
                let _ = tx.send(msg.data().to_vec());
            }
            Err(e) => return e,
        }
    });
    for i in 0..COUNT {
        out.push(&i.to_le_bytes(), Some("pcm")).expect("push");
    }
    for i in 0..COUNT {
        let data = rx
            .recv_timeout(WAIT)
            .unwrap_or_else(|_| panic!("only {i} of {COUNT} messages"));
        assert_eq!(data, i.to_le_bytes());
    }
    inp.wake();
    let err = thread.join().expect("the receiving thread");
    assert_kind(&err, ErrorKind::Interrupted);
    assert!(rx.try_recv().is_err());
}

fn thread_cpu_time() -> Duration {
    let mut ts = libc::timespec {
        tv_sec: 0,
        tv_nsec: 0,
    };
    // SAFETY: writes one timespec we own.
    let rc = unsafe { libc::clock_gettime(libc::CLOCK_THREAD_CPUTIME_ID, &mut ts) };
    assert_eq!(rc, 0, "clock_gettime(CLOCK_THREAD_CPUTIME_ID)");
    Duration::new(ts.tv_sec as u64, ts.tv_nsec as u32)
}

/// CPU time this thread spends in `inp.recv(ms)` (which must time out).
fn cpu_of_idle_recv(inp: &Inport, ms: i32) -> Duration {
    let before = thread_cpu_time();
    let err = inp.recv(ms).expect_err("nothing is sent");
    let cpu = thread_cpu_time() - before;
    assert_kind(&err, ErrorKind::Timeout);
    cpu
}

/// A `wake()` racing with a receive that consumes it must not leave the
/// wake-up descriptor readable with nothing pending: every later receive
/// would then busy-loop on `zmq_poll` until its deadline (`recv(-1)`: 100 %
/// CPU forever). Each trial wakes from another thread while this thread
/// polls, then checks that an idle `recv` sleeps instead of spinning.
#[test]
fn wake_racing_with_recv_leaves_no_busy_loop() {
    let out = Outport::new("tcp://127.0.0.1:*", "asr").expect("outport");
    let inp = Arc::new(Inport::new(out.endpoint(), "asr").expect("inport"));
    let (go_tx, go_rx) = mpsc::channel::<bool>();
    let waker = {
        let inp = Arc::clone(&inp);
        std::thread::spawn(move || {
            while let Ok(true) = go_rx.recv() {
                for _ in 0..64 {
                    std::hint::spin_loop();
                }
                inp.wake();
            }
        })
    };
    let started = Instant::now();
    let mut trials = 0;
    // The race is narrow (about 1 trial in 500): at least 1500 trials and
    // 4 s of them, at most 8 s.
    while (trials < 1500 || started.elapsed() < Duration::from_secs(4))
        && started.elapsed() < Duration::from_secs(8)
    {
        trials += 1;
        go_tx.send(true).expect("waker thread is alive");
        let polling = Instant::now();
        loop {
            match inp.recv(0) {
                Err(e) if e.kind() == ErrorKind::Interrupted => break,
                Err(e) => assert_kind(&e, ErrorKind::Timeout),
                Ok(_) => panic!("nothing is sent"),
            }
            assert!(polling.elapsed() < WAIT, "wake() was never seen");
        }
        // An idle 1 ms receive costs a few µs of CPU when it sleeps in poll.
        if cpu_of_idle_recv(&inp, 1) > Duration::from_micros(600) {
            // Confirm with a longer wait before calling it a busy loop.
            let cpu = cpu_of_idle_recv(&inp, 20);
            assert!(
                cpu < Duration::from_millis(10),
                "after trial {trials}, an idle Inport::recv(20) burned {cpu:?} of CPU: \
                 wake() raced with the receive that consumed it and left the \
                 wake-up eventfd readable with no wake-up pending, so zmq_poll \
                 returns at once and recv busy-loops until its deadline"
            );
        }
    }
    let _ = go_tx.send(false);
    waker.join().expect("waker thread");
    eprintln!("{trials} trials in {:?}", started.elapsed());
}

// --- Concurrency ------------------------------------------------------------------

/// Four threads push to one output port at once (unlimited high-water
/// marks): every message arrives whole, each thread's messages in order.
#[test]
fn four_threads_push_to_one_outport() {
    push_from_four_threads(&unlimited());
}

/// The same through queues of 4 messages, lossless: the pushers keep
/// finding the subscriber full and wait in turns, letting the port's lock
/// go between two tries; nothing is dropped, torn or reordered.
#[test]
fn four_threads_push_losslessly_through_small_queues() {
    let opts = PortOptions {
        sndhwm: 4,
        rcvhwm: 4,
        lossless_timeout_ms: Some(WAIT_MS),
        ..PortOptions::default()
    };
    let out = push_from_four_threads(&opts);
    assert_eq!(out.stats().messages_dropped, 0);
}

/// Four threads push 5000 messages each with `opts`; the main thread
/// receives and checks them all. Returns the port for its counters.
fn push_from_four_threads(opts: &PortOptions) -> Outport {
    const THREADS: usize = 4;
    const PER_THREAD: usize = 5_000;
    let (out, inp) = pair("tcp://127.0.0.1:*", "pcm", opts);
    let barrier = Barrier::new(THREADS);
    let mut sent_bytes = 0u64;
    std::thread::scope(|s| {
        for t in 0..THREADS {
            let (out, barrier) = (&out, &barrier);
            s.spawn(move || {
                let event = format!("thread-{t}");
                barrier.wait();
                for seq in 0..PER_THREAD {
                    let mut data = vec![t as u8];
                    data.extend_from_slice(&(seq as u32).to_le_bytes());
                    data.extend(payload(t * PER_THREAD + seq, seq % 97));
                    let event = if seq % 10 == 0 {
                        None
                    } else {
                        Some(event.as_str())
                    };
                    out.push(&data, event).expect("push");
                }
            });
        }
        let mut next = [0usize; THREADS];
        for _ in 0..THREADS * PER_THREAD {
            let msg = recv(&inp);
            let data = msg.data();
            assert!(data.len() >= 5, "short message");
            let t = data[0] as usize;
            let seq = u32::from_le_bytes(data[1..5].try_into().unwrap()) as usize;
            assert!(t < THREADS, "bad thread id {t}");
            assert_eq!(seq, next[t], "thread {t}: messages out of order or lost");
            next[t] += 1;
            assert!(
                data[5..] == payload(t * PER_THREAD + seq, seq % 97)[..],
                "thread {t} message {seq}: data differs"
            );
            let expected_event = (seq % 10 != 0).then(|| format!("thread-{t}"));
            assert_eq!(
                msg.event(),
                expected_event.as_deref(),
                "thread {t} message {seq}"
            );
            sent_bytes += data.len() as u64;
        }
    });
    assert_empty(&inp);
    assert_eq!(out.stats().messages_sent, (THREADS * PER_THREAD) as u64);
    assert_eq!(out.stats().bytes_sent, sent_bytes);
    assert_eq!(inp.stats().messages_received, (THREADS * PER_THREAD) as u64);
    out
}

/// Two threads receive from one input port: each message is handed out
/// exactly once.
#[test]
fn two_threads_receive_from_one_inport() {
    const N: usize = 4_000;
    let (out, inp) = pair("tcp://127.0.0.1:*", "asr", &unlimited());
    let (seen_a, seen_b) = std::thread::scope(|s| {
        let take = || {
            let mut seen = Vec::new();
            while let Ok(msg) = inp.recv(300) {
                seen.push(u32::from_le_bytes(msg.data().try_into().unwrap()));
            }
            seen
        };
        let a = s.spawn(take);
        let b = s.spawn(take);
        for i in 0..N as u32 {
            out.push(&i.to_le_bytes(), None).expect("push");
        }
        (a.join().unwrap(), b.join().unwrap())
    });
    let all: HashSet<u32> = seen_a.iter().chain(&seen_b).copied().collect();
    assert_eq!(seen_a.len() + seen_b.len(), N, "no message twice");
    assert_eq!(all.len(), N, "every message once");
}

#[test]
fn ports_are_send_and_sync() {
    fn send_sync<T: Send + Sync>() {}
    fn send<T: Send>() {}
    send_sync::<Outport>();
    send_sync::<Inport>();
    send::<Message>();
}

// --- Subscribers ------------------------------------------------------------------

/// `wait_subscribers` counts the subscribers of the port's topic (not those
/// of other topics), times out naming the endpoint, and sees a subscriber
/// leave.
#[test]
fn wait_subscribers_counts_subscribers_of_the_topic() {
    let out = Outport::new("tcp://127.0.0.1:*", "asr").expect("outport");
    let a = Inport::new(out.endpoint(), "asr").expect("inport a");
    let b = Inport::new(out.endpoint(), "asr").expect("inport b");
    let _other = Inport::new(out.endpoint(), "video").expect("inport of another topic");
    assert_eq!(
        out.wait_subscribers(2, WAIT_MS).expect("two subscribers"),
        2
    );

    let err = out
        .wait_subscribers(3, 200)
        .expect_err("only two subscribe to 'asr'");
    assert_kind(&err, ErrorKind::Timeout);
    assert!(
        err.message().contains(out.endpoint()),
        "the timeout names the endpoint: {err}"
    );
    assert!(err.message().contains("2 of 3"), "and the count: {err}");
    assert_eq!(out.subscribers(), 2);

    out.push(b"both", None).expect("push");
    assert_eq!(recv(&a).data(), b"both");
    assert_eq!(recv(&b).data(), b"both");

    drop(b);
    let start = Instant::now();
    while out.subscribers() != 1 {
        assert!(
            start.elapsed() < WAIT,
            "a closed subscriber is still counted"
        );
        std::thread::sleep(Duration::from_millis(5));
    }
}

// --- Attachment -------------------------------------------------------------------

/// The input port binds and the output port connects (`PortOptions.attach`),
/// over tcp, ipc and inproc.
#[test]
fn reversed_attachment_round_trips() {
    let path = IpcPath::new();
    for addr in ["tcp://127.0.0.1:*".to_owned(), path.endpoint(), inproc()] {
        let bind = PortOptions {
            attach: Some(Attach::Bind),
            ..unlimited()
        };
        let connect = PortOptions {
            attach: Some(Attach::Connect),
            ..unlimited()
        };
        let inp = Inport::with_options(&addr, "asr", &bind).expect("inport binds");
        let out = Outport::with_options(inp.endpoint(), "asr", &connect).expect("outport connects");
        assert_eq!(out.endpoint(), inp.endpoint());
        wait_bound_subscribers(&out, &[&inp], 1);
        round_trip(&out, &inp, 500);
    }
}

/// A connecting input port may start before its publisher binds.
#[test]
fn inport_connects_before_outport_binds() {
    let path = IpcPath::new();
    let inp = Inport::new(&path.endpoint(), "asr").expect("connects to nothing yet");
    let out = Outport::new(&path.endpoint(), "asr").expect("binds later");
    out.wait_subscribers(1, WAIT_MS)
        .expect("the subscriber reconnects");
    out.push(b"late", None).expect("push");
    assert_eq!(recv(&inp).data(), b"late");
}

// --- Address errors ---------------------------------------------------------------

#[test]
fn invalid_endpoints_are_errors_naming_the_address() {
    for addr in [
        "tcp://nope",
        "garbage",
        "foo://bar",
        "udp://127.0.0.1:5555",
        "tcp://127.0.0.1:notaport",
        "tcp://",
        "ipc://",
        "inproc://",
    ] {
        let errors = [
            Outport::new(addr, "t").err(),
            Inport::new(addr, "t").err(),
            Inport::with_options(addr, "t", &with_attach(Attach::Bind)).err(),
            Outport::with_options(addr, "t", &with_attach(Attach::Connect)).err(),
        ];
        for (i, err) in errors.into_iter().enumerate() {
            let err = err.unwrap_or_else(|| panic!("'{addr}' accepted (case {i})"));
            assert!(
                matches!(err.kind(), ErrorKind::InvalidArgument | ErrorKind::Zmq),
                "'{addr}' (case {i}): {:?}: {err}",
                err.kind()
            );
            assert!(
                err.message().contains(&format!("'{addr}'")),
                "the message names '{addr}': {err}"
            );
        }
    }
    let err = Outport::new("", "t").err().expect("empty address refused");
    assert_kind(&err, ErrorKind::InvalidArgument);
    let err = Inport::new("", "t").err().expect("empty address refused");
    assert_kind(&err, ErrorKind::InvalidArgument);
}

/// Port numbers outside 0..=65535 are invalid endpoints, but libzmq wraps
/// some of them around (`:70000` binds port 4464, `:-1` binds 65535) and
/// accepts others on connect; zil passes them through.
#[test]
fn tcp_port_out_of_range_is_an_invalid_argument() {
    let mut accepted = Vec::new();
    for addr in ["tcp://127.0.0.1:70000", "tcp://127.0.0.1:-1"] {
        if let Ok(out) = Outport::new(addr, "t") {
            accepted.push(format!("Outport::new(\"{addr}\") bound {}", out.endpoint()));
        }
    }
    if Inport::new("tcp://127.0.0.1:65536", "t").is_ok() {
        accepted.push("Inport::new(\"tcp://127.0.0.1:65536\") connected".into());
    }
    assert!(
        accepted.is_empty(),
        "out-of-range tcp ports must give InvalidArgument, but:\n  {}",
        accepted.join("\n  ")
    );
}

#[test]
fn address_in_use_is_an_error_naming_the_address() {
    let out = Outport::new("tcp://127.0.0.1:*", "t").expect("outport");
    let ep = out.endpoint().to_owned();
    for err in [
        Outport::new(&ep, "t").err(),
        Inport::with_options(&ep, "t", &with_attach(Attach::Bind)).err(),
    ] {
        let err = err.expect("the address is in use");
        assert_kind(&err, ErrorKind::Zmq);
        assert!(err.message().contains(&ep), "names the address: {err}");
        assert!(err.message().contains("in use"), "names the cause: {err}");
    }
    let name = inproc();
    let _first = Outport::new(&name, "t").expect("outport");
    let err = Outport::new(&name, "t").err().expect("inproc name in use");
    assert!(err.message().contains(&name), "{err}");
}

#[test]
fn negative_high_water_marks_are_invalid() {
    for opts in [
        PortOptions {
            sndhwm: -1,
            ..PortOptions::default()
        },
        PortOptions {
            rcvhwm: -5,
            ..PortOptions::default()
        },
    ] {
        assert_kind(
            &Outport::with_options("tcp://127.0.0.1:*", "t", &opts)
                .err()
                .expect("refused"),
            ErrorKind::InvalidArgument,
        );
        assert_kind(
            &Inport::with_options("tcp://127.0.0.1:5555", "t", &opts)
                .err()
                .expect("refused"),
            ErrorKind::InvalidArgument,
        );
    }
}

// --- Counters -----------------------------------------------------------------------

#[test]
fn stats_count_exactly() {
    let (out, inp) = pair("tcp://127.0.0.1:*", "asr", &PortOptions::default());
    assert_eq!(out.stats(), zil::Stats::default());
    assert_eq!(inp.stats(), zil::Stats::default());
    out.push(b"12345", None).expect("push");
    out.push(b"", Some("EOS")).expect("push");
    out.push_owned(vec![7u8; 7].into_boxed_slice(), Some("pcm"))
        .expect("push_owned");
    for _ in 0..3 {
        recv(&inp);
    }
    let o = out.stats();
    assert_eq!(
        o,
        zil::Stats {
            messages_sent: 3,
            bytes_sent: 12,
            ..zil::Stats::default()
        }
    );
    let i = inp.stats();
    assert_eq!(
        i,
        zil::Stats {
            messages_received: 3,
            bytes_received: 12,
            ..zil::Stats::default()
        }
    );
    // Timeouts and wake-ups count nothing.
    let _ = inp.recv(0);
    inp.wake();
    let _ = inp.recv(0);
    assert_eq!(inp.stats(), i);
}

/// The counters follow every message: sizes 0 to 999 bytes (every 37th),
/// with and without an event, counted one by one as they are received; a
/// filtered message counts as filtered only (no bytes), and its publisher
/// counts it as sent.
#[test]
fn stats_follow_every_message_and_count_filtered_ones_apart() {
    let (out, inp) = pair("tcp://127.0.0.1:*", "asr", &PortOptions::default());
    let buf = [0x5au8; 1000];
    let sizes: Vec<usize> = (0..buf.len()).step_by(37).collect();
    for &n in &sizes {
        out.push(&buf[..n], (n % 2 == 1).then_some("pcm"))
            .expect("push");
    }
    let bytes: u64 = sizes.iter().map(|&n| n as u64).sum();
    let count = sizes.len() as u64;
    assert_eq!(
        out.stats(),
        zil::Stats {
            messages_sent: count,
            bytes_sent: bytes,
            ..zil::Stats::default()
        }
    );
    for i in 0..count {
        let before = inp.stats();
        assert_eq!(before.messages_received, i);
        let msg = recv(&inp);
        let after = inp.stats();
        assert_eq!(after.messages_received, i + 1);
        assert_eq!(
            after.bytes_received,
            before.bytes_received + msg.data().len() as u64
        );
    }
    assert_eq!(
        inp.stats(),
        zil::Stats {
            messages_received: count,
            bytes_received: bytes,
            ..zil::Stats::default()
        }
    );

    let other = Outport::new("tcp://127.0.0.1:*", "asr2").expect("outport");
    let filtering = Inport::new(other.endpoint(), "asr").expect("inport");
    other.wait_subscribers(1, WAIT_MS).expect("subscriber");
    for _ in 0..3 {
        other.push(&buf[..100], None).expect("push");
    }
    assert!(collect(&filtering, 0, 3).is_empty());
    assert_eq!(filtering.stats().bytes_received, 0);
    assert_eq!(
        (other.stats().messages_sent, other.stats().bytes_sent),
        (3, 300)
    );
}

/// Waits (bounded) until `out` counts exactly `want` subscribers.
fn wait_exactly(out: &Outport, want: usize) {
    let start = Instant::now();
    while out.subscribers() != want {
        assert!(
            start.elapsed() < WAIT,
            "{} subscribers, expected {want}",
            out.subscribers()
        );
        std::thread::sleep(Duration::from_millis(5));
    }
}

/// Subscribers are counted as they join, one by one, never more than are
/// there, and as they leave, one by one; a new one is counted again. Over
/// tcp, ipc and inproc.
#[test]
fn subscribers_are_counted_as_they_join_and_leave_over_every_transport() {
    for (name, addr, _ipc) in each_transport() {
        let out = Outport::new(&addr, "room").expect("outport");
        assert_eq!(out.subscribers(), 0, "{name}");
        let mut inports = Vec::new();
        for i in 1..=3 {
            inports.push(Inport::new(out.endpoint(), "room").expect("inport"));
            assert_eq!(
                out.wait_subscribers(i, WAIT_MS).expect("joins"),
                i,
                "{name}"
            );
        }
        let err = out.wait_subscribers(4, 100).expect_err("only three");
        assert_kind(&err, ErrorKind::Timeout);
        assert_eq!(out.subscribers(), 3, "{name}");
        while let Some(port) = inports.pop() {
            drop(port);
            wait_exactly(&out, inports.len());
        }
        let again = Inport::new(out.endpoint(), "room").expect("inport");
        assert_eq!(
            out.wait_subscribers(1, WAIT_MS).expect("joins"),
            1,
            "{name}"
        );
        drop(again);
    }
}

// --- Malformed messages from a raw ZeroMQ publisher -------------------------------

/// A raw XPUB (a PUB to its subscribers) that knows when a subscription
/// has arrived, so nothing it sends afterwards is lost to the slow joiner.
struct RawPub {
    _ctx: zmq::Context,
    socket: zmq::Socket,
    endpoint: String,
}

impl RawPub {
    fn bind() -> RawPub {
        let ctx = zmq::Context::new();
        let socket = ctx.socket(zmq::XPUB).expect("xpub");
        socket.set_sndhwm(0).expect("sndhwm");
        // Pass every subscription up, also a second one to the same topic.
        socket.set_xpub_verbose(true).expect("xpub_verbose");
        socket.set_linger(1000).expect("linger");
        socket.set_rcvtimeo(WAIT_MS).expect("rcvtimeo");
        socket.bind("tcp://127.0.0.1:*").expect("bind");
        let endpoint = socket.get_last_endpoint().unwrap().unwrap();
        RawPub {
            _ctx: ctx,
            socket,
            endpoint,
        }
    }

    /// Waits (bounded) for `n` subscriptions.
    fn wait_subscriptions(&self, n: usize) {
        for _ in 0..n {
            let sub = self.socket.recv_bytes(0).expect("a subscription arrives");
            assert_eq!(sub.first(), Some(&1), "a subscribe message");
        }
    }

    fn send(&self, frames: &[&[u8]]) {
        self.socket.send_multipart(frames, 0).expect("send");
    }
}

/// Messages with 1, 2, 4 and 5 frames and non-UTF-8 events or topics
/// between valid ones: each bad one is skipped and counted as rejected (or,
/// for a topic that is not the port's, filtered), every valid one is
/// delivered in order.
#[test]
fn malformed_messages_are_rejected_and_counted() {
    let raw = RawPub::bind();
    let exact = Inport::new(&raw.endpoint, "asr").expect("exact inport");
    let pre = Inport::with_options(&raw.endpoint, "asr", &prefix()).expect("prefix inport");
    raw.wait_subscriptions(2);

    raw.send(&[b"asr", b"valid 1", b"None"]);
    raw.send(&[b"asr", b"two frames"]);
    raw.send(&[b"asr", b"valid 2", b"pcm"]);
    raw.send(&[b"asr", b"four", b"frames", b"!"]);
    raw.send(&[b"asr", b"", b"EOS"]);
    raw.send(&[b"asr", b"bad event", b"\xff\xfe"]);
    raw.send(&[b"asr"]);
    raw.send(&[b"asr", b"valid 4", b"\xc3\xa9"]); // "é"
    raw.send(&[b"asr\xff", b"bad topic", b"EOS"]);
    raw.send(&[b"asr", b"five", b"frames", b"in", b"all"]);
    raw.send(&[b"asr", b"half a code point", b"\xc3"]);
    raw.send(&[b"asr", b"valid 5", b"FINAL"]);

    let valid: [(&[u8], Option<&str>); 5] = [
        (b"valid 1", None),
        (b"valid 2", Some("pcm")),
        (b"", Some("EOS")),
        (b"valid 4", Some("é")),
        (b"valid 5", Some("FINAL")),
    ];
    for port in [&exact, &pre] {
        for (i, (data, event)) in valid.iter().enumerate() {
            let msg = recv(port);
            assert_eq!(msg.topic(), "asr", "message {i}");
            assert_eq!(msg.data(), *data, "message {i}");
            assert_eq!(msg.event(), *event, "message {i}");
        }
        assert_empty(port);
    }
    // Bad frame counts (2, 4, 1, 5) and non-UTF-8 events (2): rejected by
    // both. The topic `asr\xff` is not `asr`: filtered by the exact port,
    // rejected as non-UTF-8 by the prefix port.
    let s = exact.stats();
    assert_eq!(
        (
            s.messages_received,
            s.messages_rejected,
            s.messages_filtered
        ),
        (5, 6, 1),
        "exact: {s:?}"
    );
    assert_eq!(s.bytes_received, 7 + 7 + 7 + 7);
    let s = pre.stats();
    assert_eq!(
        (
            s.messages_received,
            s.messages_rejected,
            s.messages_filtered
        ),
        (5, 7, 0),
        "prefix: {s:?}"
    );
}

/// A flood of malformed messages never ends a receive early, and a valid
/// one after them still arrives.
#[test]
fn many_malformed_messages_then_a_valid_one() {
    let raw = RawPub::bind();
    let inp = Inport::new(&raw.endpoint, "asr").expect("inport");
    raw.wait_subscriptions(1);
    for i in 0..1_000u32 {
        let n = i.to_le_bytes();
        match i % 4 {
            0 => raw.send(&[b"asr", &n]),
            1 => raw.send(&[b"asr", &n, b"e", b"x"]),
            2 => raw.send(&[b"asr", &n, b"\x80"]),
            _ => raw.send(&[b"asr"]),
        }
    }
    raw.send(&[b"asr", b"finally", b"EOS"]);
    let msg = recv(&inp);
    assert_eq!(msg.data(), b"finally");
    assert_eq!(inp.stats().messages_rejected, 1_000);
    assert_eq!(inp.stats().messages_received, 1);
}
