//! Wire compatibility of zil's streaming ports with Python's
//! `zmq_integration_lib` (WIRE.md): zil talks to `tests/python/stream_peer.py`,
//! a pyzmq peer that mirrors the original's `OutputPort` / `InputPort`, in both
//! directions, and compares every byte.
//!
//! Needs `python3` with pyzmq: `python3 -m pip install -r tests/python/requirements.txt`.
//! Without them these tests fail (they never pass silently). `ZIL_TEST_PYTHON`
//! names another interpreter.
//!
//! Slow joiner: toward Python, zil's `wait_subscribers` waits for the SUB's
//! subscription; from Python, the peer pushes sync probes (event
//! `__zil_sync__`) until zil has seen one, so the real messages that follow on
//! the same socket cannot be dropped. Every wait is bounded, peers are killed
//! on drop, and every test uses its own ephemeral port or ipc path.

#[path = "common/python.rs"]
mod python;

use python::{Peer, TempDir, PEER_WAIT};
use serde_json::{json, Value};
use zil::stream::{Inport, Message, Outport};
use zil::{Attach, ErrorKind, PortOptions, TopicMatch};

/// Upper bound of any single wait in these tests, in ms (as for the peer).
const WAIT_MS: i32 = PEER_WAIT.as_millis() as i32;
/// The event of the Python peer's slow-joiner probes.
const SYNC_EVENT: &str = "__zil_sync__";

// --- The Python peer -------------------------------------------------------

/// Starts `tests/python/stream_peer.py` with `args`.
fn stream_peer(args: &[&str]) -> Peer {
    Peer::spawn("stream_peer.py", args)
}

/// The commands of `stream_peer.py`, one JSON object per stdin line.
trait StreamPeer {
    fn send(&mut self, cmd: Value);

    fn push(&mut self, data: &[u8], event: Option<&str>) {
        self.send(json!({"cmd": "push", "data": hex(data), "event": event}));
    }

    fn push_topic(&mut self, topic: &str, data: &[u8], event: Option<&str>) {
        self.send(json!({"cmd": "push", "topic": topic, "data": hex(data), "event": event}));
    }

    fn raw(&mut self, frames: &[&[u8]]) {
        let frames: Vec<String> = frames.iter().map(|f| hex(f)).collect();
        self.send(json!({"cmd": "raw", "frames": frames}));
    }

    /// Tells a `pub` peer to close its port (lingering) and checks it exits 0.
    fn end(&mut self);
}

impl StreamPeer for Peer {
    fn send(&mut self, cmd: Value) {
        self.send_line(&cmd.to_string());
    }

    fn end(&mut self) {
        self.send(json!({"cmd": "end"}));
        self.finish_ok();
    }
}

// --- Helpers ----------------------------------------------------------------

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fn unhex(text: &str) -> Vec<u8> {
    assert!(text.len() % 2 == 0, "odd hex length");
    (0..text.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&text[i..i + 2], 16).expect("hex"))
        .collect()
}

/// The messages every direction exchanges: the original's events, no event,
/// empty and binary payloads (every byte value), a payload spelling `None`,
/// a large payload, a non-ASCII event.
fn cases() -> Vec<(Vec<u8>, Option<&'static str>)> {
    let all_bytes: Vec<u8> = (0..=255u8).collect();
    let mut big = vec![0u8; 1 << 20];
    for (i, b) in big.iter_mut().enumerate() {
        *b = (i * 7 + i / 251) as u8;
    }
    vec![
        (b"hello".to_vec(), None),
        (Vec::new(), Some("EOS")),
        (all_bytes.clone(), Some("pcm")),
        (Vec::new(), None),
        (all_bytes.iter().rev().copied().collect(), None),
        (b"None".to_vec(), Some("FINAL")),
        (vec![0u8; 3], Some("INTERMEDIATE")),
        (b"4a501b51317e2c8f4a0fd7831d3e09dc".to_vec(), Some("signin")),
        (b"bye".to_vec(), Some("signout")),
        (big, Some("pcm")),
        ("grüße".as_bytes().to_vec(), Some("événement-é€")),
        (Vec::new(), Some("EOS")),
    ]
}

/// Starts a Python SUB (the original's InputPort) that connects to (`how`
/// = `--connect`) or binds (`--bind`) `addr`, takes `count` messages, and
/// returns it once it is ready, with its endpoint.
fn python_sub(how: &str, addr: &str, topic: &str, count: usize) -> (Peer, String) {
    let count = count.to_string();
    let peer = stream_peer(&[
        "sub",
        how,
        addr,
        "--topic",
        topic,
        "--count",
        &count,
        "--timeout",
        "15",
    ]);
    let endpoint = peer.ready();
    (peer, endpoint)
}

/// Starts a Python PUB (the original's OutputPort).
fn python_pub(how: &str, addr: &str, topic: &str) -> (Peer, String) {
    let peer = stream_peer(&["pub", how, addr, "--topic", topic, "--timeout", "15"]);
    let endpoint = peer.ready();
    (peer, endpoint)
}

/// Checks one line a Python SUB printed against what zil pushed.
fn assert_py_line(line: &Value, topic: &str, data: &[u8], event: Option<&str>, i: usize) {
    assert_eq!(line["topic"], json!(topic), "message {i}: topic ({line})");
    let got = unhex(
        line["data"]
            .as_str()
            .unwrap_or_else(|| panic!("message {i}: {line}")),
    );
    assert!(
        got == data,
        "message {i}: data differs: {} bytes received, {} pushed",
        got.len(),
        data.len()
    );
    assert_eq!(line["event"], json!(event), "message {i}: event ({line})");
}

/// Makes the Python PUB push sync probes until every inport has seen one:
/// their subscriptions have then reached the PUB, and nothing that follows
/// on it is dropped. Returns the probes each inport took.
fn sync(peer: &mut Peer, inports: &[&Inport]) -> Vec<u64> {
    peer.send(json!({"cmd": "sync"}));
    inports
        .iter()
        .map(|port| {
            let msg = port.recv(WAIT_MS).unwrap_or_else(|e| {
                panic!(
                    "no sync probe from the Python PUB: {e}; stderr:\n{}",
                    peer.stderr()
                )
            });
            assert_eq!(msg.event(), Some(SYNC_EVENT), "expected a sync probe first");
            1
        })
        .collect()
}

/// The next message that is not a sync probe; counts the probes skipped.
fn recv_real(port: &Inport, probes: &mut u64) -> Message {
    loop {
        let msg = port
            .recv(WAIT_MS)
            .unwrap_or_else(|e| panic!("expected a message from Python: {e}"));
        if msg.event() == Some(SYNC_EVENT) {
            *probes += 1;
            continue;
        }
        return msg;
    }
}

/// Asserts that nothing but sync probes is left on `port`.
fn assert_drained(port: &Inport, probes: &mut u64) {
    loop {
        match port.recv(200) {
            Ok(msg) if msg.event() == Some(SYNC_EVENT) => *probes += 1,
            Ok(msg) => panic!(
                "unexpected message: topic {:?} event {:?} {} bytes",
                msg.topic(),
                msg.event(),
                msg.data().len()
            ),
            Err(e) => {
                assert_eq!(e.kind(), ErrorKind::Timeout, "{e}");
                return;
            }
        }
    }
}

fn assert_msg(msg: &Message, topic: &str, data: &[u8], event: Option<&str>, i: usize) {
    assert_eq!(msg.topic(), topic, "message {i}: topic");
    assert!(
        msg.data() == data,
        "message {i}: data differs: {} bytes received, {} sent",
        msg.data().len(),
        data.len()
    );
    assert_eq!(msg.event(), event, "message {i}: event");
}

// --- zil → Python -------------------------------------------------------------

/// zil's Outport pushes every case; the original's InputPort gets the same
/// bytes, the same events, and `None` for no event.
fn zil_to_python(out_addr: &str) {
    let out = Outport::new(out_addr, "asr").expect("outport binds");
    let cases = cases();
    let (mut py, _) = python_sub("--connect", out.endpoint(), "asr", cases.len());
    assert_eq!(
        out.wait_subscribers(1, WAIT_MS)
            .expect("python SUB subscribes"),
        1
    );
    for (data, event) in &cases {
        out.push(data, *event).expect("push");
    }
    for (i, (data, event)) in cases.iter().enumerate() {
        assert_py_line(&py.next(), "asr", data, *event, i);
    }
    py.finish_ok();
    let stats = out.stats();
    assert_eq!(stats.messages_sent, cases.len() as u64);
    let bytes: usize = cases.iter().map(|(d, _)| d.len()).sum();
    assert_eq!(stats.bytes_sent, bytes as u64);
}

#[test]
fn zil_outport_to_python_input_port_tcp() {
    zil_to_python("tcp://127.0.0.1:*");
}

#[test]
fn zil_outport_to_python_input_port_ipc() {
    let dir = TempDir::new("z2p");
    zil_to_python(&dir.ipc("stream"));
}

/// The reverse attachment: the Python SUB binds, zil's Outport connects.
#[test]
fn zil_outport_connects_to_python_sub_that_binds() {
    let cases = cases();
    let (mut py, endpoint) = python_sub("--bind", "tcp://127.0.0.1:*", "asr", cases.len());
    let opts = PortOptions {
        attach: Some(Attach::Connect),
        ..PortOptions::default()
    };
    let out = Outport::with_options(&endpoint, "asr", &opts).expect("outport connects");
    out.wait_subscribers(1, WAIT_MS)
        .expect("python SUB subscribes");
    for (data, event) in &cases {
        out.push(data, *event).expect("push");
    }
    for (i, (data, event)) in cases.iter().enumerate() {
        assert_py_line(&py.next(), "asr", data, *event, i);
    }
    py.finish_ok();
}

// --- Python → zil -------------------------------------------------------------

/// The original's OutputPort pushes every case; zil's Inport hands out the
/// same bytes and events (`None` → no event), in order.
fn python_to_zil(py: &mut Peer, port: &Inport) {
    let cases = cases();
    let mut probes = sync(py, &[port])[0];
    for (data, event) in &cases {
        py.push(data, *event);
    }
    py.end();
    for (i, (data, event)) in cases.iter().enumerate() {
        assert_msg(&recv_real(port, &mut probes), "asr", data, *event, i);
    }
    assert_drained(port, &mut probes);
    let stats = port.stats();
    assert_eq!(stats.messages_received, cases.len() as u64 + probes);
    assert_eq!(stats.messages_rejected, 0);
    assert_eq!(stats.messages_filtered, 0);
    let bytes: usize = cases.iter().map(|(d, _)| d.len()).sum();
    assert_eq!(stats.bytes_received, bytes as u64);
}

#[test]
fn python_output_port_to_zil_inport_tcp() {
    let (mut py, endpoint) = python_pub("--bind", "tcp://127.0.0.1:*", "asr");
    let port = Inport::new(&endpoint, "asr").expect("inport connects");
    python_to_zil(&mut py, &port);
}

#[test]
fn python_output_port_to_zil_inport_ipc() {
    let dir = TempDir::new("p2z");
    let addr = dir.ipc("stream");
    let (mut py, endpoint) = python_pub("--bind", &addr, "asr");
    assert_eq!(endpoint, addr);
    let port = Inport::new(&endpoint, "asr").expect("inport connects");
    python_to_zil(&mut py, &port);
}

/// The reverse attachment: zil's Inport binds, the Python PUB connects.
#[test]
fn python_pub_connects_to_zil_inport_that_binds() {
    let opts = PortOptions {
        attach: Some(Attach::Bind),
        ..PortOptions::default()
    };
    let port = Inport::with_options("tcp://127.0.0.1:*", "asr", &opts).expect("inport binds");
    assert!(
        port.endpoint().starts_with("tcp://127.0.0.1:") && !port.endpoint().ends_with(":*"),
        "bound endpoint is resolved: {}",
        port.endpoint()
    );
    let (mut py, _) = python_pub("--connect", port.endpoint(), "asr");
    python_to_zil(&mut py, &port);
}

// --- Topics: the original's prefix leak vs zil's exact match -----------------

/// A Python SUB of `asr` also receives `asr2` (libzmq prefix subscription,
/// never checked by the original); zil's Inport of `asr` does not, unless
/// asked for prefix matching.
#[test]
fn original_leaks_prefix_topics_zil_matches_exactly_zil_to_python() {
    let out = Outport::new("tcp://127.0.0.1:*", "asr2").expect("outport binds");
    let (mut py, _) = python_sub("--connect", out.endpoint(), "asr", 1);
    let exact = Inport::new(out.endpoint(), "asr").expect("exact inport");
    let prefix = Inport::with_options(
        out.endpoint(),
        "asr",
        &PortOptions {
            topic_match: TopicMatch::Prefix,
            ..PortOptions::default()
        },
    )
    .expect("prefix inport");
    // All three subscribed to "asr", a prefix of "asr2": all count.
    assert_eq!(out.wait_subscribers(3, WAIT_MS).expect("3 subscribers"), 3);
    out.push(b"meant for asr2", Some("EOS")).expect("push");

    // The original: leaks.
    assert_py_line(&py.next(), "asr2", b"meant for asr2", Some("EOS"), 0);
    py.finish_ok();
    // zil, prefix on request: the same message, with its real topic.
    let msg = prefix.recv(WAIT_MS).expect("prefix inport receives asr2");
    assert_msg(&msg, "asr2", b"meant for asr2", Some("EOS"), 0);
    // zil, exact (default): filtered and counted.
    let err = exact
        .recv(300)
        .expect_err("exact inport must not receive asr2");
    assert_eq!(err.kind(), ErrorKind::Timeout, "{err}");
    let stats = exact.stats();
    assert_eq!(stats.messages_filtered, 1, "{stats:?}");
    assert_eq!(stats.messages_received, 0, "{stats:?}");
}

/// The same from a Python PUB that pushes `asr2` and `asr` messages.
#[test]
fn original_leaks_prefix_topics_zil_matches_exactly_python_to_zil() {
    let (mut py, endpoint) = python_pub("--bind", "tcp://127.0.0.1:*", "asr");
    let exact = Inport::new(&endpoint, "asr").expect("exact inport");
    let prefix = Inport::with_options(
        &endpoint,
        "asr",
        &PortOptions {
            topic_match: TopicMatch::Prefix,
            ..PortOptions::default()
        },
    )
    .expect("prefix inport");
    let mut probes = sync(&mut py, &[&exact, &prefix]);
    py.push_topic("asr2", b"two", Some("pcm"));
    py.push(b"one", None);
    py.push_topic("asr2", b"", Some("EOS"));
    py.push_topic("as", b"shorter topic: no match at all", None);
    py.push(b"", Some("EOS"));
    py.end();

    assert_msg(&recv_real(&exact, &mut probes[0]), "asr", b"one", None, 0);
    assert_msg(
        &recv_real(&exact, &mut probes[0]),
        "asr",
        b"",
        Some("EOS"),
        1,
    );
    assert_drained(&exact, &mut probes[0]);
    let stats = exact.stats();
    assert_eq!(stats.messages_filtered, 2, "{stats:?}");
    assert_eq!(stats.messages_received, 2 + probes[0], "{stats:?}");
    assert_eq!(stats.messages_rejected, 0, "{stats:?}");

    assert_msg(
        &recv_real(&prefix, &mut probes[1]),
        "asr2",
        b"two",
        Some("pcm"),
        0,
    );
    assert_msg(&recv_real(&prefix, &mut probes[1]), "asr", b"one", None, 1);
    assert_msg(
        &recv_real(&prefix, &mut probes[1]),
        "asr2",
        b"",
        Some("EOS"),
        2,
    );
    assert_msg(
        &recv_real(&prefix, &mut probes[1]),
        "asr",
        b"",
        Some("EOS"),
        3,
    );
    assert_drained(&prefix, &mut probes[1]);
    let stats = prefix.stats();
    assert_eq!(stats.messages_filtered, 0, "{stats:?}");
    assert_eq!(stats.messages_received, 4 + probes[1], "{stats:?}");
}

// --- Malformed messages from a raw pyzmq PUB -----------------------------------

/// A raw pyzmq PUB sends messages with 1, 2 and 4 frames and non-UTF-8
/// events or topics between valid ones. zil skips and counts each bad one
/// and delivers every valid one, in order; the original's InputPort raises
/// on the first bad one and its loop is dead.
#[test]
fn zil_rejects_malformed_messages_from_raw_pyzmq_pub() {
    let (mut py, endpoint) = python_pub("--bind", "tcp://127.0.0.1:*", "asr");
    let exact = Inport::new(&endpoint, "asr").expect("exact inport");
    let prefix = Inport::with_options(
        &endpoint,
        "asr",
        &PortOptions {
            topic_match: TopicMatch::Prefix,
            ..PortOptions::default()
        },
    )
    .expect("prefix inport");
    // The original, subscribed to the same PUB.
    let (original, _) = python_sub("--connect", &endpoint, "asr", 1000);
    let mut probes = sync(&mut py, &[&exact, &prefix]);
    // The Python SUB prints the probes it gets; wait for one so its
    // subscription is known to be in place too.
    let first = original.next();
    assert_eq!(first["event"], json!(SYNC_EVENT), "{first}");

    py.push(b"valid 1", None); // via the OutputPort: [asr, data, None]
    py.raw(&[b"asr", b"two frames"]);
    py.raw(&[b"asr", b"valid 2", b"pcm"]);
    py.raw(&[b"asr", b"four", b"frames", b"!"]);
    py.push(b"valid 3", Some("EOS"));
    py.raw(&[b"asr", b"bad event", b"\xff\xfe\x00"]);
    py.raw(&[b"asr"]);
    py.raw(&[b"asr", b"", b"None"]); // valid: empty data, no event
    py.raw(&[b"asr\xff", b"bad topic", b"EOS"]);
    py.raw(&[b"asr", b"five", b"frames", b"in", b"all"]);
    py.push(b"valid 5", Some("FINAL"));
    py.end();

    let valid: [(&[u8], Option<&str>); 5] = [
        (b"valid 1", None),
        (b"valid 2", Some("pcm")),
        (b"valid 3", Some("EOS")),
        (b"", None),
        (b"valid 5", Some("FINAL")),
    ];
    for (port, probes) in [&exact, &prefix].into_iter().zip(probes.iter_mut()) {
        for (i, (data, event)) in valid.iter().enumerate() {
            assert_msg(&recv_real(port, probes), "asr", data, *event, i);
        }
        assert_drained(port, probes);
    }
    // 2, 4, 5 and 1 frames, non-UTF-8 event: rejected by both ports. The
    // non-UTF-8 topic `asr\xff` is not `asr`: the exact port filters it, the
    // prefix port rejects it as not UTF-8.
    let stats = exact.stats();
    assert_eq!(stats.messages_rejected, 5, "exact: {stats:?}");
    assert_eq!(stats.messages_filtered, 1, "exact: {stats:?}");
    assert_eq!(stats.messages_received, 5 + probes[0], "exact: {stats:?}");
    let stats = prefix.stats();
    assert_eq!(stats.messages_rejected, 6, "prefix: {stats:?}");
    assert_eq!(stats.messages_filtered, 0, "prefix: {stats:?}");
    assert_eq!(stats.messages_received, 5 + probes[1], "prefix: {stats:?}");

    // The original: gets valid 1, then dies on the two-frame message.
    let mut original = original;
    let mut line = original.next();
    while line["event"] == json!(SYNC_EVENT) {
        line = original.next();
    }
    assert_py_line(&line, "asr", b"valid 1", None, 0);
    let line = original.next();
    assert!(
        line["error"]
            .as_str()
            .is_some_and(|e| e.starts_with("ValueError")),
        "the original raises on a two-frame message: {line}"
    );
    assert_eq!(original.finish().code(), Some(4));
}
