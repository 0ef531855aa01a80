//! Faults: peers that die, restart or stop reading, and processes that exit
//! with unsent messages. Every wait is bounded, every child process is
//! killed when its guard drops, and every `ipc://` address lives in a temp
//! dir of its own.
//!
//! Peers used:
//! - the RPC server killed mid-call is a tiny pyzmq REP server written here
//!   (`SLOW_REP`): it reports each request on stdout and never answers, so
//!   the call is certainly in flight when the test sends SIGKILL; the
//!   restarted server (`FAST_REP`) answers `true` at once;
//! - the publisher killed and restarted is `zil pub` (stdin lines);
//! - the exiting process is `zil pub --linger-ms 0` with messages queued
//!   for a subscriber that does not read.

#[path = "../../tests/common/python.rs"]
mod python;

use python::{python, require_pyzmq, Child, Stderr, TempDir};
use std::io::Write;
use std::process::Command;
use std::sync::mpsc;
use std::time::{Duration, Instant};
use zil::rpc::Client;
use zil::stream::{Inport, Outport};
use zil::{ErrorKind, PortOptions};

const ZIL: &str = env!("CARGO_BIN_EXE_zil");
const WAIT: Duration = Duration::from_secs(10);

/// The next stdout line of `child`, within `WAIT`.
fn line(child: &Child) -> String {
    child
        .line(WAIT)
        .unwrap_or_else(|e| panic!("no line from {} within {WAIT:?}: {e}", child.what()))
}

/// Never answers: prints each request and keeps it pending.
const SLOW_REP: &str = r#"
import sys, zmq
s = zmq.Context().socket(zmq.REP)
s.bind(sys.argv[1])
print("ready", flush=True)
while True:
    if s.poll(30000):
        s.recv()
        print("request", flush=True)
    else:
        break
"#;

/// Answers every request with `true` at once.
const FAST_REP: &str = r#"
import sys, json, zmq
s = zmq.Context().socket(zmq.REP)
s.bind(sys.argv[1])
print("ready", flush=True)
while s.poll(30000):
    req = json.loads(s.recv())
    s.send_string(json.dumps({"jsonrpc": "2.0", "result": True, "id": req.get("id")}))
"#;

fn python_server(script: &str, addr: &str) -> Child {
    require_pyzmq();
    let g = Child::spawn(
        "a pyzmq REP server",
        Command::new(python()).args(["-u", "-c", script, addr]),
        Stderr::Inherited,
    );
    assert_eq!(line(&g), "ready");
    g
}

#[test]
fn rpc_server_killed_mid_call_times_out_then_recovers_after_restart() {
    let dir = TempDir::new("flt-rpc");
    let addr = dir.ipc("rpc.sock");
    let timeout_ms = 1000;
    let mut slow = python_server(SLOW_REP, &addr);
    let client = Client::new(&addr, timeout_ms).expect("client");

    let (tx, rx) = mpsc::channel();
    std::thread::scope(|s| {
        s.spawn(|| {
            let start = Instant::now();
            let r = client.verify("sess");
            tx.send((r, start.elapsed())).unwrap();
        });
        // The server has the request: the call is in flight. Kill it.
        assert_eq!(line(&slow), "request");
        slow.kill();
        let (r, took) = rx.recv_timeout(WAIT).expect("the call never returned");
        let err = r.expect_err("a call to a killed server must fail");
        assert_eq!(err.kind(), ErrorKind::Timeout, "{err}");
        let bound = Duration::from_millis(timeout_ms as u64 * 12 / 10);
        assert!(
            took <= bound,
            "timed out after {took:?}, more than timeout + 20 % ({bound:?})"
        );
        eprintln!("call in flight during SIGKILL: Timeout after {took:?}");
    });

    // Restarted on the same ipc address: the same client works again.
    let _fast = python_server(FAST_REP, &addr);
    let start = Instant::now();
    assert!(client.verify("sess").expect("call after the restart"));
    eprintln!("first call after the restart: {:?}", start.elapsed());
    assert!(client
        .verify("sess")
        .expect("second call after the restart"));
}

fn zil_pub(addr: &str, extra: &[&str]) -> Child {
    let mut cmd = Command::new(ZIL);
    cmd.args(["pub", addr, "t"])
        .args(extra)
        .env("ZIL_LOG", "error");
    Child::spawn("zil pub", &mut cmd, Stderr::Inherited)
}

/// Feeds lines `<prefix><n>` to `publisher` until `inport` receives one
/// starting with `prefix`, within `WAIT`.
fn feed_until_received(publisher: &mut Child, inport: &Inport, prefix: &str) -> Duration {
    let start = Instant::now();
    let mut n = 0u64;
    loop {
        assert!(
            start.elapsed() < WAIT,
            "nothing with prefix {prefix} received within {WAIT:?}"
        );
        publisher.send_line(&format!("{prefix}{n}"));
        n += 1;
        match inport.recv(20) {
            Ok(msg) if msg.data().starts_with(prefix.as_bytes()) => return start.elapsed(),
            Ok(_) => {}
            Err(e) if e.kind() == ErrorKind::Timeout => {}
            Err(e) => panic!("recv: {e}"),
        }
    }
}

#[test]
fn publisher_killed_and_restarted_inport_keeps_receiving() {
    let dir = TempDir::new("flt-pub");
    let addr = dir.ipc("pub.sock");
    let mut first = zil_pub(&addr, &[]);
    let inport = Inport::new(&addr, "t").expect("inport");
    let t1 = feed_until_received(&mut first, &inport, "first-");
    first.kill();
    // Drain what the first publisher left queued.
    while inport.recv(50).is_ok() {}

    let mut second = zil_pub(&addr, &[]);
    let t2 = feed_until_received(&mut second, &inport, "second-");
    eprintln!("first publisher reached after {t1:?}, restarted one after {t2:?}");
    // And it keeps flowing.
    feed_until_received(&mut second, &inport, "more-");
}

fn ipc_pair(dir: &TempDir, out_opts: &PortOptions, in_opts: &PortOptions) -> (Outport, Inport) {
    let addr = dir.ipc("slow.sock");
    let out = Outport::with_options(&addr, "t", out_opts).expect("outport");
    let inport = Inport::with_options(&addr, "t", in_opts).expect("inport");
    assert_eq!(out.wait_subscribers(1, 5000).expect("subscriber"), 1);
    (out, inport)
}

#[test]
fn subscriber_that_stops_reading_never_blocks_a_lossy_publisher() {
    let dir = TempDir::new("flt-lossy");
    let (out, _inport) = ipc_pair(&dir, &PortOptions::default(), &PortOptions::default());
    let payload = vec![7u8; 1024];
    let mut max = Duration::ZERO;
    let start = Instant::now();
    let n = 100_000;
    for _ in 0..n {
        let t = Instant::now();
        out.push(&payload, None).expect("a lossy push never fails");
        max = max.max(t.elapsed());
    }
    let total = start.elapsed();
    eprintln!("{n} pushes of 1 KiB to a subscriber that never reads: {total:?}, max push {max:?}");
    assert!(max < Duration::from_millis(100), "a push took {max:?}");
    let stats = out.stats();
    assert_eq!(stats.messages_sent + stats.messages_dropped, n);
}

#[test]
fn subscriber_that_stops_reading_makes_lossless_pushes_time_out_and_count_drops() {
    let dir = TempDir::new("flt-lossless");
    let out_opts = PortOptions {
        lossless_timeout_ms: Some(50),
        sndhwm: 10,
        ..PortOptions::default()
    };
    let in_opts = PortOptions {
        rcvhwm: 10,
        ..PortOptions::default()
    };
    let (out, _inport) = ipc_pair(&dir, &out_opts, &in_opts);
    let payload = vec![7u8; 64 * 1024];
    let mut accepted = 0u64;
    let mut timeouts = Vec::new();
    let deadline = Instant::now() + WAIT;
    while timeouts.len() < 5 {
        assert!(
            Instant::now() < deadline,
            "{accepted} pushes accepted, {} timed out, after {WAIT:?}",
            timeouts.len()
        );
        let t = Instant::now();
        match out.push(&payload, None) {
            Ok(()) => {
                assert!(
                    timeouts.is_empty(),
                    "a push succeeded after a timeout although nobody reads"
                );
                accepted += 1;
            }
            Err(e) if e.kind() == ErrorKind::Timeout => timeouts.push(t.elapsed()),
            Err(e) => panic!("push: {e}"),
        }
    }
    eprintln!("accepted {accepted} pushes, then timeouts after {timeouts:?}");
    for took in &timeouts {
        assert!(
            *took >= Duration::from_millis(45) && *took <= Duration::from_millis(60 + 30),
            "a lossless push timed out after {took:?}, not ~50 ms"
        );
    }
    let stats = out.stats();
    assert_eq!(stats.messages_dropped, timeouts.len() as u64, "{stats:?}");
    assert_eq!(stats.messages_sent, accepted, "{stats:?}");
}

#[test]
fn process_exit_with_unsent_messages_is_prompt() {
    let dir = TempDir::new("flt-exit");
    let addr = dir.ipc("exit.sock");
    // A subscriber that never reads, with a tiny queue: the publisher's
    // (unlimited) queue keeps what it cannot send.
    let in_opts = PortOptions {
        rcvhwm: 1,
        attach: Some(zil::Attach::Bind),
        ..PortOptions::default()
    };
    let inport = Inport::with_options(&addr, "t", &in_opts).expect("inport");
    let mut publisher = zil_pub(
        &addr,
        &[
            "--connect",
            "--linger-ms",
            "0",
            "--wait-subscribers",
            "1",
            "--wait-ms",
            "10000",
        ],
    );
    // A bound SUB subscribes only while used (see PortOptions::attach).
    let line = "x".repeat(4000);
    let mut stdin = publisher.take_stdin();
    let writer = std::thread::spawn(move || {
        for _ in 0..20_000 {
            if writeln!(stdin, "{line}").is_err() {
                return;
            }
        }
        // dropping stdin: EOF, zil pub exits
    });
    let start = Instant::now();
    while !writer.is_finished() {
        let _ = inport.recv(0); // at most one message is taken: rcvhwm 1
        assert!(start.elapsed() < WAIT, "zil pub did not take its input");
        std::thread::sleep(Duration::from_millis(100));
    }
    writer.join().unwrap();
    let eof = Instant::now();
    let status = publisher
        .wait(Duration::from_secs(5))
        .expect("zil pub did not exit within 5 s");
    let took = eof.elapsed();
    eprintln!("zil pub exited {took:?} after EOF ({status}) with messages unsent");
    // 0, or 3 ("timeout"): zil pub reports that the linger time ended with
    // messages still queued, which is the point of this test.
    assert!(
        matches!(status.code(), Some(0) | Some(3)),
        "zil pub: {status}"
    );
    assert!(
        took < Duration::from_secs(1),
        "exit took {took:?} with --linger-ms 0"
    );
    assert!(inport.stats().messages_received < 20_000);
}
