//! Wire compatibility of zil's session-aware streaming with Python's
//! `zmq_integration_lib` (WIRE.md, session section), in both directions:
//!
//! * an outpad written to the original's behaviour
//!   (`tests/python/session_peer.py outpad`, envelope by `json.dumps`) feeds
//!   a zil inpad that verifies with a zil RPC server, and with an RPC server
//!   written to the original's behaviour (`rpc_peer.py server`);
//! * a zil outpad feeds an inpad written to the original's behaviour
//!   (`session_peer.py inpad`: `json.loads`, base64-decode, `verify` over
//!   REQ, yield only verified), again with both servers.
//!
//! Payload bytes, events and session ids are compared; unverified and
//! session-less messages must not come through.
//!
//! Needs python3 with pyzmq (`python3 -m pip install -r
//! tests/python/requirements.txt`); without them these tests fail with that
//! hint. Peers are killed on drop and every wait is bounded.

#[path = "common/python.rs"]
mod python;

use base64_simd::STANDARD as B64;
use python::Peer;
use serde_json::{json, Value};
use std::collections::HashSet;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;
use zil::rpc::Server;
use zil::session::{Inpad, Outpad};
use zil::PortOptions;

const SID: &str = "4a501b51317e2c8f4a0fd7831d3e09dc";
const REVOKED: &str = "ffffffffffffffffffffffffffffffff";
/// Not what the field uses, but legal JSON: zil and Python must agree on it.
const UNICODE_SID: &str = "sé-✓";
const WAIT_MS: i32 = 5000;

/// Where inpads verify sessions: a zil server or the Python one.
enum Authz {
    Zil(Server, Arc<AtomicU64>),
    Python(Peer, String),
}

impl Authz {
    fn zil(sessions: &[&str]) -> Authz {
        let server = Server::new("tcp://127.0.0.1:*").unwrap();
        let table: HashSet<String> = sessions.iter().map(|s| s.to_string()).collect();
        let table = Mutex::new(table);
        let calls = Arc::new(AtomicU64::new(0));
        let c = Arc::clone(&calls);
        server.set_handler("verify", move |p| {
            c.fetch_add(1, Ordering::SeqCst);
            Ok(json!(table
                .lock()
                .unwrap()
                .contains(p.and_then(Value::as_str).unwrap_or(""))))
        });
        server.start().unwrap();
        Authz::Zil(server, calls)
    }

    fn python(sessions: &[&str]) -> Authz {
        Authz::python_answering(sessions, "true", "false")
    }

    /// The Python server whose `verify` answers `truthy` (JSON) for a known
    /// session and `falsy` for another, as services written for the
    /// original may.
    fn python_answering(sessions: &[&str], truthy: &str, falsy: &str) -> Authz {
        let peer = Peer::spawn(
            "rpc_peer.py",
            &[
                "server",
                "--sessions",
                &sessions.join(","),
                "--truthy",
                truthy,
                "--falsy",
                falsy,
            ],
        );
        let endpoint = peer.ready();
        Authz::Python(peer, endpoint)
    }

    fn endpoint(&self) -> &str {
        match self {
            Authz::Zil(server, _) => server.endpoint(),
            Authz::Python(_, endpoint) => endpoint,
        }
    }

    /// The verify requests the server saw so far (waiting up to `n` for the
    /// Python server's report lines).
    fn verify_count(&self, n: u64) -> u64 {
        match self {
            Authz::Zil(_, calls) => calls.load(Ordering::SeqCst),
            Authz::Python(peer, _) => {
                let mut seen = 0;
                while seen < n {
                    let line = peer.next();
                    let request: Value =
                        serde_json::from_str(line["request"].as_str().unwrap()).unwrap();
                    assert_eq!(request["method"], "verify", "{line}");
                    assert_eq!(
                        request["id"], "1",
                        "zil sends the original's verify: {line}"
                    );
                    assert_eq!(request["jsonrpc"], "2.0", "{line}");
                    assert!(request["params"].is_string(), "{line}");
                    seen += 1;
                }
                assert!(
                    peer.try_next(Duration::from_millis(50)).is_none(),
                    "more verify calls than expected"
                );
                seen
            }
        }
    }
}

struct Sent {
    data: Vec<u8>,
    event: Option<&'static str>,
    /// `None` sends `"session_id": null`.
    session: Option<&'static str>,
}

fn messages() -> Vec<Sent> {
    let s = |data: Vec<u8>, event, session| Sent {
        data,
        event,
        session,
    };
    vec![
        s(b"Hi boy".to_vec(), None, Some(SID)),
        s((0..=255u8).collect(), Some("pcm"), Some(SID)),
        s(b"not for you".to_vec(), Some("pcm"), Some(REVOKED)),
        s(
            (0..65_536u32).map(|i| (i * 7 % 256) as u8).collect(),
            Some("INTERMEDIATE"),
            Some(SID),
        ),
        s(b"nobody's".to_vec(), None, None),
        s(
            "grüße ✓".as_bytes().to_vec(),
            Some("FINAL"),
            Some(UNICODE_SID),
        ),
        s(vec![0, 1, 0], Some("signout"), Some(SID)),
        s(Vec::new(), Some("EOS"), Some(SID)),
    ]
}

fn is_verified(m: &Sent) -> bool {
    matches!(m.session, Some(s) if s != REVOKED)
}

// --- Python outpad -> zil inpad ---------------------------------------------------------

fn python_outpad_to_zil_inpad(authz: Authz) {
    let sent = messages();
    let spec: Vec<Value> = sent
        .iter()
        .map(|m| json!({"data": B64.encode_to_string(&m.data), "event": m.event, "session_id": m.session}))
        .collect();
    let mut py = Peer::spawn(
        "session_peer.py",
        &[
            "outpad",
            "--topic",
            "asr",
            "--session",
            SID,
            "--messages",
            &Value::from(spec).to_string(),
        ],
    );
    let endpoint = py.ready();
    let opts = PortOptions::default();
    let inpad = Inpad::with_options(&endpoint, "asr", authz.endpoint(), &opts).unwrap();
    // Keep off the process-wide bus (not under test here).
    let sink = Outpad::new("tcp://127.0.0.1:*", "sink").unwrap();
    inpad.link(&sink);
    inpad.set_cache_ttl(0); // one verify per message, like the original

    for (i, m) in sent.iter().enumerate().filter(|(_, m)| is_verified(m)) {
        let got = inpad.recv(WAIT_MS).unwrap_or_else(|e| {
            panic!(
                "message {i} from the Python outpad: {e}; stats {:?}",
                inpad.stats()
            )
        });
        assert_eq!(got.data(), &m.data[..], "message {i}: bytes");
        assert_eq!(got.event(), m.event, "message {i}: event");
        assert_eq!(got.session_id(), m.session, "message {i}: session");
        assert_eq!(got.topic(), "asr");
    }
    assert_eq!(py.next(), json!({"sent": sent.len()}));
    let s = inpad.stats();
    let delivered = sent.iter().filter(|m| is_verified(m)).count() as u64;
    assert_eq!(s.delivered, delivered, "{s:?}");
    assert_eq!(s.dropped_unverified, 1, "{s:?}");
    assert_eq!(s.dropped_no_session, 1, "{s:?}");
    assert_eq!(
        (
            s.dropped_bad_json,
            s.dropped_missing_field,
            s.dropped_bad_base64,
            s.dropped_rpc_failed
        ),
        (0, 0, 0, 0),
        "{s:?}"
    );
    assert_eq!(s.verify_calls, delivered + 1, "{s:?}");
    assert_eq!(authz.verify_count(delivered + 1), delivered + 1);
    assert_eq!(
        sink.session_id().as_deref(),
        Some(SID),
        "the last session passed on"
    );
    py.finish_ok();
}

#[test]
fn python_outpad_to_zil_inpad_verified_by_zil() {
    python_outpad_to_zil_inpad(Authz::zil(&[SID, UNICODE_SID]));
}

#[test]
fn python_outpad_to_zil_inpad_verified_by_python() {
    python_outpad_to_zil_inpad(Authz::python(&[SID, UNICODE_SID]));
}

// --- zil outpad -> Python inpad ------------------------------------------------------------

fn zil_outpad_to_python_inpad(authz: Authz) {
    let sent = messages();
    let outpad = Outpad::new("tcp://127.0.0.1:*", "tts").unwrap();
    let with_session: Vec<&Sent> = sent.iter().filter(|m| m.session.is_some()).collect();
    let verified = sent.iter().filter(|m| is_verified(m)).count();
    let count = verified.to_string();
    let py = Peer::spawn(
        "session_peer.py",
        &[
            "inpad",
            "--addr",
            outpad.port().endpoint(),
            "--topic",
            "tts",
            "--rpc",
            authz.endpoint(),
            "--count",
            &count,
        ],
    );
    py.ready();
    outpad
        .port()
        .wait_subscribers(1, WAIT_MS)
        .expect("the Python inpad subscribes");
    // The original's inpad has no drop for a null session (it would ask
    // verify(None) and crash the original server): only sessions are sent.
    for m in &with_session {
        outpad.set_session_id(m.session);
        outpad.push(&m.data, m.event).unwrap();
    }

    for (i, m) in with_session.iter().enumerate() {
        let line = py.next();
        assert_eq!(line["topic"], "tts", "message {i}: {line}");
        let data = B64
            .decode_to_vec(line["data"].as_str().expect("data"))
            .unwrap();
        assert_eq!(data, m.data, "message {i}: bytes");
        assert_eq!(line["event"], json!(m.event), "message {i}: event");
        assert_eq!(line["session_id"], json!(m.session), "message {i}: session");
        // Byte for byte what json.dumps writes for the same envelope.
        assert_eq!(line["raw"], line["redumped"], "message {i}: envelope bytes");
        if is_verified(m) {
            assert!(
                line.get("dropped").is_none(),
                "message {i} must be yielded: {line}"
            );
        } else {
            assert_eq!(
                line["dropped"],
                json!(m.session),
                "message {i} must be dropped: {line}"
            );
        }
    }
    assert_eq!(py.next(), json!({"done": true}));
    // One verify per message, each answered before the inpad went on.
    let n = with_session.len() as u64;
    assert_eq!(authz.verify_count(n), n);
    let mut py = py;
    py.finish_ok();
}

#[test]
fn zil_outpad_to_python_inpad_verified_by_zil() {
    zil_outpad_to_python_inpad(Authz::zil(&[SID, UNICODE_SID]));
}

#[test]
fn zil_outpad_to_python_inpad_verified_by_python() {
    zil_outpad_to_python_inpad(Authz::python(&[SID, UNICODE_SID]));
}

// --- verify answers that are not booleans ----------------------------------------------------

/// Answers of services written for the original: it reads them by Python's
/// truthiness (`if rpc.verify(sid):`).
const TRUTHY_ANSWERS: [(&str, &str); 4] = [
    ("1", "0"),
    (r#""yes""#, r#""""#),
    (r#"["admin"]"#, "[]"),
    (r#"{"user": 7}"#, "null"),
];

#[test]
fn zil_inpad_reads_verify_answers_by_truthiness() {
    for (truthy, falsy) in TRUTHY_ANSWERS {
        let authz = Authz::python_answering(&[SID], truthy, falsy);
        let outpad = Outpad::new("tcp://127.0.0.1:*", "asr").unwrap();
        let inpad = Inpad::new(outpad.port().endpoint(), "asr", authz.endpoint()).unwrap();
        let sink = Outpad::new("tcp://127.0.0.1:*", "sink").unwrap();
        inpad.link(&sink);
        inpad.set_cache_ttl(0);
        outpad.port().wait_subscribers(1, WAIT_MS).unwrap();
        for (data, session) in [(&b"no"[..], REVOKED), (b"yes", SID)] {
            outpad.set_session_id(Some(session));
            outpad.push(data, None).unwrap();
        }
        let got = inpad
            .recv(WAIT_MS)
            .unwrap_or_else(|e| panic!("{truthy}: {e}; {:?}", inpad.stats()));
        assert_eq!(got.data(), b"yes", "{truthy}");
        let s = inpad.stats();
        assert_eq!(
            (s.delivered, s.dropped_unverified, s.dropped_rpc_failed),
            (1, 1, 0),
            "{truthy} / {falsy}: {s:?}"
        );
        assert_eq!(s.verify_non_boolean, 2, "{truthy} / {falsy}: {s:?}");
        assert_eq!(authz.verify_count(2), 2);
    }
}

#[test]
fn python_inpad_reads_verify_answers_by_truthiness() {
    // The original's inpad with the same service: what zil must match.
    let (truthy, falsy) = TRUTHY_ANSWERS[0];
    zil_outpad_to_python_inpad(Authz::python_answering(&[SID, UNICODE_SID], truthy, falsy));
}
