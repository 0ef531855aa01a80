//! CURVE encryption and authentication, and the received-message size limit,
//! from the safe Rust API.
//!
//! The CURVE tests need a libzmq built with libsodium. On the libzmq that
//! the `zmq` crate builds from source (no CURVE) they check instead that
//! every CURVE setting fails with `NotSupported`. `scripts/test.sh` runs
//! this file a second time on a build linked with Debian's libzmq, with
//! `ZIL_EXPECT_CURVE=1`, which makes a missing CURVE a failure.

#[path = "common/python.rs"]
mod python;

use python::wait_until;
use serde_json::{json, Value};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};
use zil::curve::{CurveOptions, KeyPair, PublicKey, SecretKey};
use zil::rpc::{Client, Server};
use zil::session::{Inpad, Outpad};
use zil::stream::{Inport, Outport};
use zil::{Attach, ErrorKind, PortOptions};

const SID: &str = "4a501b51317e2c8f4a0fd7831d3e09dc";
/// How long a peer that must not get anything is watched.
const REFUSED_MS: i32 = 700;

/// True on a CURVE build; on a build without CURVE false, or a failure when
/// the test run expects CURVE.
fn curve_build() -> bool {
    let supported = zil::curve::supported();
    if !supported && std::env::var_os("ZIL_EXPECT_CURVE").is_some() {
        panic!("ZIL_EXPECT_CURVE is set but this libzmq has no CURVE");
    }
    supported
}

fn server_opts(keys: &KeyPair, allowed: &[&KeyPair]) -> PortOptions {
    PortOptions {
        curve: CurveOptions {
            server_secret: Some(keys.secret.clone()),
            allowed_clients: allowed.iter().map(|k| k.public).collect(),
            ..CurveOptions::default()
        },
        ..PortOptions::default()
    }
}

fn client_opts(server: &PublicKey, keys: Option<&KeyPair>) -> PortOptions {
    PortOptions {
        curve: CurveOptions {
            server_key: Some(*server),
            client_keys: keys.cloned(),
            ..CurveOptions::default()
        },
        ..PortOptions::default()
    }
}

/// A publisher bound on an ephemeral port with `opts`.
fn outport(opts: &PortOptions) -> Outport {
    Outport::with_options("tcp://127.0.0.1:*", "secret", opts).expect("bind the outport")
}

/// Pushes `data` until `inport` receives it or `within` passes; the
/// received payload.
fn pushed_until_received(
    out: &Outport,
    inport: &Inport,
    data: &[u8],
    within: Duration,
) -> Option<Vec<u8>> {
    let started = Instant::now();
    while started.elapsed() < within {
        out.push(data, Some("pcm")).expect("push");
        match inport.recv(50) {
            Ok(msg) => return Some(msg.data().to_vec()),
            Err(e) => assert_eq!(e.kind(), ErrorKind::Timeout, "{e}"),
        }
    }
    None
}

// --- keys ------------------------------------------------------------------

#[test]
fn keys_parse_print_and_derive() {
    let bad = PublicKey::from_z85("short").unwrap_err();
    assert_eq!(bad.kind(), ErrorKind::InvalidArgument);
    assert!(bad.message().contains("40"), "{bad}");
    let not_z85 = SecretKey::from_z85(&"\"".repeat(40)).unwrap_err();
    assert_eq!(not_z85.kind(), ErrorKind::InvalidArgument);
    assert!(not_z85.message().contains("no Z85 character"), "{not_z85}");
    // The example keys of libzmq's zmq_curve man page (RFC 26).
    let public = "Yne@$w-vo<fVvi]a<NY6T1ed:M$fCG*[IaLV{hID";
    let secret = "D:)Q[IlAW!ahhC2ac:9*A}h:p?([4%wOTJ%JR%cs";
    assert_eq!(PublicKey::from_z85(public).unwrap().to_z85(), public);
    let secret = SecretKey::from_z85(secret).unwrap();
    assert!(
        !format!("{secret:?}").contains("D:)Q"),
        "Debug must hide the secret"
    );
    if !curve_build() {
        assert_eq!(
            secret.public_key().unwrap_err().kind(),
            ErrorKind::NotSupported
        );
        let e = KeyPair::generate().unwrap_err();
        assert_eq!(e.kind(), ErrorKind::NotSupported);
        assert!(
            e.message().contains("not supported by this libzmq build"),
            "{e}"
        );
        return;
    }
    assert_eq!(secret.public_key().unwrap().to_z85(), public);
    let a = KeyPair::generate().unwrap();
    let b = KeyPair::generate().unwrap();
    assert_ne!(a.public, b.public);
    assert_eq!(KeyPair::from_secret(a.secret.clone()).unwrap(), a);
}

/// True when `text` holds any 8 consecutive characters of `key`: a check
/// that no part of a key leaks, not only the whole of it.
fn shows_key(text: &str, key: &str) -> bool {
    let chars: Vec<char> = key.chars().collect();
    chars
        .windows(8)
        .any(|w| text.contains(&w.iter().collect::<String>()))
}

#[test]
fn a_trailing_newline_is_accepted_and_no_error_shows_the_key() {
    let secret = "D:)Q[IlAW!ahhC2ac:9*A}h:p?([4%wOTJ%JR%cs";
    let public = "Yne@$w-vo<fVvi]a<NY6T1ed:M$fCG*[IaLV{hID";
    // What fgets reads from a key file: one line, newline included.
    for end in ["\n", "\r\n"] {
        let parsed = SecretKey::from_z85(&format!("{secret}{end}"))
            .unwrap_or_else(|e| panic!("secret with {end:?}: {:?}", e.kind()));
        assert_eq!(parsed.to_z85(), secret);
        let parsed = PublicKey::from_z85(&format!("{public}{end}"))
            .unwrap_or_else(|e| panic!("public with {end:?}: {:?}", e.kind()));
        assert_eq!(parsed.to_z85(), public);
    }
    let mut tilde_at_7 = secret.to_owned();
    tilde_at_7.replace_range(6..7, "~");
    let mut e_acute_at_40 = secret[..39].to_owned();
    e_acute_at_40.push('é');
    let cases = [
        // (text, what the message must say)
        (
            format!("{secret}\n\n"),
            "41 characters, a Z85 key has 40; it ends in a newline",
        ),
        (
            format!("{secret} "),
            "41 characters, a Z85 key has 40; it ends in a space",
        ),
        (
            format!("{secret} \n"),
            "41 characters, a Z85 key has 40; it ends in a space",
        ),
        (format!("{secret}x"), "41 characters, a Z85 key has 40"),
        (secret[..39].to_owned(), "39 characters, a Z85 key has 40"),
        (
            format!("{}\n", &secret[..39]),
            "39 characters, a Z85 key has 40",
        ),
        (
            tilde_at_7,
            "character 7 of 40 is '~', which is no Z85 character",
        ),
        (
            e_acute_at_40,
            "character 40 of 40 is the non-ASCII character U+00E9",
        ),
        (
            format!("{}\t{}", &secret[..10], &secret[11..]),
            "character 11 of 40 is a tab",
        ),
        (
            format!("{}{}", "#".repeat(5), &secret[5..]),
            "characters 1-5 exceed 32 bits",
        ),
    ];
    for (text, says) in &cases {
        let e = SecretKey::from_z85(text).unwrap_err();
        let m = e.to_string();
        assert_eq!(e.kind(), ErrorKind::InvalidArgument, "{says}");
        assert!(m.contains("secret key is not a CURVE key"), "{says}: {m}");
        assert!(m.contains(says), "expected {says:?} in: {m}");
        assert!(!shows_key(&m, secret), "the error shows the key: {m}");
        let e = PublicKey::from_z85(&text.replace(secret, public)).unwrap_err();
        assert_eq!(e.kind(), ErrorKind::InvalidArgument, "{says}");
        assert!(
            !shows_key(&e.to_string(), public),
            "the error shows the key: {e}"
        );
    }
    // Debug forms (what a panic message or a log line would show) hide both.
    let pk = PublicKey::from_z85(public).unwrap();
    let sk = SecretKey::from_z85(secret).unwrap();
    let debug = format!("{pk:?} {sk:?}");
    assert!(
        !shows_key(&debug, public) && !shows_key(&debug, secret),
        "{debug}"
    );
}

#[test]
fn without_curve_every_setting_is_refused() {
    if curve_build() {
        return;
    }
    let key = PublicKey::from_z85("Yne@$w-vo<fVvi]a<NY6T1ed:M$fCG*[IaLV{hID").unwrap();
    let secret = SecretKey::from_z85("D:)Q[IlAW!ahhC2ac:9*A}h:p?([4%wOTJ%JR%cs").unwrap();
    let as_server = PortOptions {
        curve: CurveOptions {
            server_secret: Some(secret),
            ..CurveOptions::default()
        },
        ..PortOptions::default()
    };
    let as_client = client_opts(&key, None);
    let errors = [
        Outport::with_options("tcp://127.0.0.1:*", "t", &as_server).err(),
        Inport::with_options("tcp://127.0.0.1:1", "t", &as_client).err(),
        Server::with_options("tcp://127.0.0.1:*", &as_server).err(),
        Client::with_options("tcp://127.0.0.1:1", 100, &as_client).err(),
    ];
    for e in errors {
        let e = e.expect("a CURVE setting must fail without CURVE");
        assert_eq!(e.kind(), ErrorKind::NotSupported, "{e}");
        assert!(e.message().contains("libsodium"), "{e}");
    }
}

#[test]
fn contradictory_settings_are_refused() {
    if !curve_build() {
        return;
    }
    let keys = KeyPair::generate().unwrap();
    let mut both = server_opts(&keys, &[]);
    both.curve.server_key = Some(keys.public);
    let e = Outport::with_options("tcp://127.0.0.1:*", "t", &both)
        .err()
        .unwrap();
    assert_eq!(e.kind(), ErrorKind::InvalidArgument);
    assert!(e.message().contains("not both"), "{e}");
    let list_only = PortOptions {
        curve: CurveOptions {
            allowed_clients: vec![keys.public],
            ..CurveOptions::default()
        },
        ..PortOptions::default()
    };
    let e = Server::with_options("tcp://127.0.0.1:*", &list_only)
        .err()
        .unwrap();
    assert_eq!(e.kind(), ErrorKind::InvalidArgument);
    assert!(e.message().contains("allow-list needs"), "{e}");
}

// --- streaming -------------------------------------------------------------

#[test]
fn encrypted_stream_reaches_only_clients_that_know_the_server_key() {
    if !curve_build() {
        return;
    }
    let server = KeyPair::generate().unwrap();
    let out = outport(&server_opts(&server, &[]));
    let good =
        Inport::with_options(out.endpoint(), "secret", &client_opts(&server.public, None)).unwrap();
    let impostor = KeyPair::generate().unwrap();
    let wrong_key = Inport::with_options(
        out.endpoint(),
        "secret",
        &client_opts(&impostor.public, None),
    )
    .unwrap();
    let plain = Inport::new(out.endpoint(), "secret").unwrap();

    let got = pushed_until_received(&out, &good, b"pcm-bytes", Duration::from_secs(5));
    assert_eq!(got.as_deref(), Some(&b"pcm-bytes"[..]));
    assert_eq!(out.subscribers(), 1, "only the CURVE client subscribed");
    for _ in 0..5 {
        out.push(b"more", None).unwrap();
    }
    for refused in [&wrong_key, &plain] {
        let e = refused.recv(REFUSED_MS).unwrap_err();
        assert_eq!(e.kind(), ErrorKind::Timeout, "{e}");
        assert_eq!(refused.stats().messages_received, 0);
    }
}

#[test]
fn allow_list_admits_listed_clients_and_counts_the_others() {
    if !curve_build() {
        return;
    }
    let server = KeyPair::generate().unwrap();
    let listed = KeyPair::generate().unwrap();
    let stranger = KeyPair::generate().unwrap();
    let out = outport(&server_opts(&server, &[&listed]));
    let admitted = Inport::with_options(
        out.endpoint(),
        "secret",
        &client_opts(&server.public, Some(&listed)),
    )
    .unwrap();
    let refused = Inport::with_options(
        out.endpoint(),
        "secret",
        &client_opts(&server.public, Some(&stranger)),
    )
    .unwrap();

    let got = pushed_until_received(&out, &admitted, b"for listed eyes", Duration::from_secs(5));
    assert_eq!(got.as_deref(), Some(&b"for listed eyes"[..]));
    assert!(
        wait_until(Duration::from_secs(5), || out.stats().peers_refused >= 1),
        "the stranger's handshake is refused and counted"
    );
    out.push(b"again", None).unwrap();
    assert_eq!(
        refused.recv(REFUSED_MS).unwrap_err().kind(),
        ErrorKind::Timeout
    );
    assert_eq!(refused.stats().messages_received, 0);
    assert_eq!(out.subscribers(), 1);
}

#[test]
fn connecting_publisher_can_be_the_curve_server() {
    if !curve_build() {
        return;
    }
    // Roles are independent of bind/connect: the subscriber binds and is the
    // CURVE client, the publisher connects and is the server.
    let server = KeyPair::generate().unwrap();
    let inport = Inport::with_options(
        "tcp://127.0.0.1:*",
        "secret",
        &PortOptions {
            attach: Some(Attach::Bind),
            ..client_opts(&server.public, None)
        },
    )
    .unwrap();
    let out = Outport::with_options(
        inport.endpoint(),
        "secret",
        &PortOptions {
            attach: Some(Attach::Connect),
            ..server_opts(&server, &[])
        },
    )
    .unwrap();
    let got = pushed_until_received(&out, &inport, b"reversed", Duration::from_secs(5));
    assert_eq!(got.as_deref(), Some(&b"reversed"[..]));
}

// --- RPC -------------------------------------------------------------------

fn counting_server(opts: &PortOptions) -> (Server, Arc<AtomicU64>) {
    let server = Server::with_options("tcp://127.0.0.1:*", opts).unwrap();
    let calls = Arc::new(AtomicU64::new(0));
    let c = Arc::clone(&calls);
    server.set_handler("verify", move |params| {
        c.fetch_add(1, Ordering::SeqCst);
        Ok(json!(params.and_then(Value::as_str) == Some(SID)))
    });
    server.start().unwrap();
    (server, calls)
}

#[test]
fn rpc_allow_list_admits_listed_clients_only() {
    if !curve_build() {
        return;
    }
    let keys = KeyPair::generate().unwrap();
    let listed = KeyPair::generate().unwrap();
    let stranger = KeyPair::generate().unwrap();
    let (server, calls) = counting_server(&server_opts(&keys, &[&listed]));

    let client = Client::with_options(
        server.endpoint(),
        5000,
        &client_opts(&keys.public, Some(&listed)),
    )
    .unwrap();
    assert!(client.verify(SID).unwrap());
    assert!(!client.verify("other").unwrap());

    for opts in [
        client_opts(&keys.public, Some(&stranger)),
        client_opts(&keys.public, None),
        PortOptions::default(),
    ] {
        let refused = Client::with_options(server.endpoint(), 400, &opts).unwrap();
        let started = Instant::now();
        let e = refused.verify(SID).unwrap_err();
        assert_eq!(e.kind(), ErrorKind::Timeout, "{e}");
        assert!(started.elapsed() < Duration::from_millis(400 * 12 / 10 + 100));
    }
    assert_eq!(
        calls.load(Ordering::SeqCst),
        2,
        "no refused client reached a handler"
    );
    assert!(
        server.stats().peers_refused >= 2,
        "the stranger and the ephemeral key were refused"
    );
    assert!(client.verify(SID).unwrap(), "the listed client still works");
    server.stop(2000).unwrap();
}

#[test]
fn inpad_verifies_over_curve() {
    if !curve_build() {
        return;
    }
    let stream_keys = KeyPair::generate().unwrap();
    let authz_keys = KeyPair::generate().unwrap();
    let inpad_keys = KeyPair::generate().unwrap();
    let (authz, calls) = counting_server(&server_opts(&authz_keys, &[&inpad_keys]));
    let outpad = Outpad::with_options(
        "tcp://127.0.0.1:*",
        "hello",
        &server_opts(&stream_keys, &[&inpad_keys]),
    )
    .unwrap();
    outpad.set_session_id(Some(SID));
    let mut opts = client_opts(&stream_keys.public, Some(&inpad_keys));
    opts.curve.rpc_server_key = Some(authz_keys.public);
    let inpad =
        Inpad::with_options(outpad.port().endpoint(), "hello", authz.endpoint(), &opts).unwrap();
    let started = Instant::now();
    let msg = loop {
        outpad.push(b"Hi boy", None).unwrap();
        match inpad.recv(100) {
            Ok(msg) => break msg,
            Err(e)
                if e.kind() == ErrorKind::Timeout && started.elapsed() < Duration::from_secs(5) => {
            }
            Err(e) => panic!("inpad over CURVE: {e}"),
        }
    };
    assert_eq!(msg.data(), b"Hi boy");
    assert_eq!(msg.session_id(), Some(SID));
    assert!(calls.load(Ordering::SeqCst) >= 1);
    assert_eq!(authz.stats().peers_refused, 0);
    authz.stop(2000).unwrap();
}

// --- size limit --------------------------------------------------------------

#[test]
fn rpc_server_answers_an_oversized_request_with_an_error_and_keeps_serving() {
    let (server, calls) = counting_server(&PortOptions {
        max_msg_size: Some(1000),
        ..PortOptions::default()
    });
    let client = Client::new(server.endpoint(), 5000).unwrap();
    // Over the limit, within twice it: an error reply, no handler call.
    let e = client.call("verify", json!("x".repeat(1500))).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Remote, "{e}");
    assert!(
        e.message()
            .contains("over this server's max_msg_size of 1000 bytes"),
        "{e}"
    );
    assert_eq!(server.stats().requests_oversized, 1);
    assert_eq!(server.request_counts(), (1, 1));
    assert!(client.verify(SID).unwrap(), "the same client goes on");
    // Over twice the limit: libzmq refuses it and drops the connection, so
    // no answer; the sender then recovers, and other clients never noticed.
    let big = Client::new(server.endpoint(), 500).unwrap();
    let e = big.call("verify", json!("x".repeat(2500))).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Timeout, "{e}");
    assert!(client.verify(SID).unwrap());
    assert!(
        big.verify(SID).unwrap(),
        "the sender of the refused request recovers"
    );
    assert_eq!(
        calls.load(Ordering::SeqCst),
        3,
        "no oversized request reached a handler"
    );
    assert_eq!(server.stats().requests_oversized, 1);
    server.stop(2000).unwrap();
}

#[test]
fn rpc_client_refuses_an_oversized_reply_and_goes_on() {
    let server = Server::new("tcp://127.0.0.1:*").unwrap();
    server.set_handler("echo", |params| Ok(params.cloned().unwrap_or(Value::Null)));
    server.start().unwrap();
    let client = Client::with_options(
        server.endpoint(),
        5000,
        &PortOptions {
            max_msg_size: Some(1000),
            ..PortOptions::default()
        },
    )
    .unwrap();
    let e = client.call("echo", json!("y".repeat(1500))).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Protocol, "{e}");
    assert!(
        e.message().contains("is over max_msg_size (1000 bytes)"),
        "{e}"
    );
    assert_eq!(client.call("echo", json!("short")).unwrap(), json!("short"));
    server.stop(2000).unwrap();
}

#[test]
fn inport_drops_and_counts_a_message_over_its_limit_and_keeps_receiving() {
    let (out, inport) = connected_pair(Some(1000));
    out.push(&[7u8; 1500], None).unwrap();
    out.push(b"small", None).unwrap();
    assert_eq!(inport.recv(5000).unwrap().data(), b"small");
    let stats = inport.stats();
    assert_eq!(
        (
            stats.messages_oversized,
            stats.messages_received,
            stats.peers_dropped
        ),
        (1, 1, 0),
        "{stats:?}"
    );
}

#[test]
fn bound_inport_drops_oversized_messages_and_receives_the_rest() {
    let inport = Inport::with_options(
        "tcp://127.0.0.1:*",
        "t",
        &PortOptions {
            attach: Some(Attach::Bind),
            max_msg_size: Some(1000),
            ..PortOptions::default()
        },
    )
    .unwrap();
    let out = Outport::with_options(
        inport.endpoint(),
        "t",
        &PortOptions {
            attach: Some(Attach::Connect),
            ..PortOptions::default()
        },
    )
    .unwrap();
    let started = Instant::now();
    while out.subscribers() == 0 && started.elapsed() < Duration::from_secs(5) {
        let _ = inport.recv(10);
    }
    out.push(&[7u8; 5000], None).unwrap();
    // The publisher reconnects after libzmq dropped its connection; small
    // messages flow again, the oversized one never arrives.
    let got = pushed_until_received(&out, &inport, b"small", Duration::from_secs(10));
    assert_eq!(got.as_deref(), Some(&b"small"[..]));
    while let Ok(msg) = inport.recv(0) {
        assert_eq!(msg.data(), b"small");
    }
}

/// An input port connected to a fresh output port, with `max_msg_size`.
fn connected_pair(max_msg_size: Option<i64>) -> (Outport, Inport) {
    let out = Outport::new("tcp://127.0.0.1:*", "t").unwrap();
    let opts = PortOptions {
        max_msg_size,
        ..PortOptions::default()
    };
    let inport = Inport::with_options(out.endpoint(), "t", &opts).unwrap();
    out.wait_subscribers(1, 5000).unwrap();
    (out, inport)
}

#[test]
fn connecting_inport_counts_the_publisher_dropped_for_an_oversized_frame() {
    let (out, inport) = connected_pair(Some(1000));
    let monitor = inport.monitor().unwrap();
    out.push(b"small", None).unwrap();
    assert_eq!(inport.recv(5000).unwrap().data(), b"small");
    // Over twice the limit: libzmq refuses it and drops the publisher.
    out.push(&[7u8; 2001], None).unwrap();
    let event = monitor.next(5000).unwrap();
    assert_eq!(event.kind, zil::monitor::PeerEventKind::Disconnected);
    let dropped_at = Instant::now();
    assert!(
        wait_until(Duration::from_secs(5), || inport.stats().peers_dropped == 1),
        "the drop is counted: {:?}",
        inport.stats()
    );
    let waited = dropped_at.elapsed();
    assert!(
        waited >= Duration::from_millis(450) && waited < Duration::from_secs(3),
        "counted once no reconnection followed for half a second: after {waited:?}"
    );
    // libzmq does not reconnect to a peer that broke the protocol: nothing
    // more arrives, and nothing oversized ever did.
    out.push(b"after", None).unwrap();
    assert_eq!(inport.recv(300).unwrap_err().kind(), ErrorKind::Timeout);
    let stats = inport.stats();
    assert_eq!((stats.messages_received, stats.peers_dropped), (1, 1));
    assert_eq!(
        monitor.next(0).unwrap_err().kind(),
        ErrorKind::Timeout,
        "no reconnection attempt was reported"
    );
}

#[test]
fn a_publisher_that_restarts_is_not_counted_as_dropped() {
    let (out, inport) = connected_pair(None);
    let endpoint = out.endpoint().to_owned();
    drop(out);
    // libzmq frees the address once its reaper has closed the old socket.
    let mut again = None;
    wait_until(Duration::from_secs(5), || {
        again = Outport::new(&endpoint, "t").ok();
        again.is_some()
    });
    let out = again.expect("the address is free again");
    // (The subscriber resubscribes while it receives.)
    let got = pushed_until_received(&out, &inport, b"back", Duration::from_secs(5));
    assert_eq!(got.as_deref(), Some(&b"back"[..]));
    std::thread::sleep(Duration::from_millis(700));
    assert_eq!(
        inport.stats().peers_dropped,
        0,
        "an ordinary disconnection is no drop"
    );
}

#[test]
fn default_limit_still_passes_large_frames() {
    let out = Outport::new("tcp://127.0.0.1:*", "big").unwrap();
    let inport = Inport::new(out.endpoint(), "big").unwrap();
    out.wait_subscribers(1, 5000).unwrap();
    let payload = vec![0x5au8; 16 << 20];
    out.push(&payload, None).unwrap();
    assert_eq!(inport.recv(10_000).unwrap().data(), &payload[..]);
}

// --- the Python original's side ----------------------------------------------

#[test]
fn python_subscriber_decrypts_a_zil_stream_with_its_listed_key() {
    if !curve_build() {
        return;
    }
    python::require_pyzmq();
    let server = KeyPair::generate().unwrap();
    let py = KeyPair::generate().unwrap();
    let out = outport(&server_opts(&server, &[&py]));
    let keys = format!(
        "{},{},{}",
        server.public.to_z85(),
        py.public.to_z85(),
        py.secret.to_z85()
    );
    let mut peer = python::Peer::spawn(
        "stream_peer.py",
        &[
            "sub",
            "--connect",
            out.endpoint(),
            "--topic",
            "secret",
            "--count",
            "3",
            // One argument: a Z85 key may begin with '-'.
            &format!("--curve-client={keys}"),
        ],
    );
    peer.ready();
    assert_eq!(out.wait_subscribers(1, 10_000).unwrap(), 1);
    for i in 0..3 {
        out.push(format!("chunk {i}").as_bytes(), Some("pcm"))
            .unwrap();
    }
    for i in 0..3 {
        let line = peer.next();
        let hex: String = format!("chunk {i}")
            .bytes()
            .map(|b| format!("{b:02x}"))
            .collect();
        assert_eq!(line["data"], hex.as_str(), "{line}");
        assert_eq!(line["event"], "pcm", "{line}");
        assert_eq!(line["topic"], "secret", "{line}");
    }
    peer.finish_ok();
    assert_eq!(out.stats().peers_refused, 0);
}
