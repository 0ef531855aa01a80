//! Network faults, not only process faults (issue 13): the two sides of a
//! stream, of an RPC and of a session-aware stream run in two network
//! namespaces joined by a veth pair, and the network between them fails.
//!
//! Faults (this kernel has no netem, so the link is taken down for a
//! partition, and delays come from a userspace proxy, `common/fault_proxy.rs`):
//! - a 5 s partition that then heals (`ip link set … down`, then `up`, on
//!   either side: the side whose link is down gets "no route" at once, the
//!   other one's packets just vanish): lossy streaming resumes without a
//!   restart (messages sent after the heal arrive, all in order); a
//!   lossless outport loses nothing across it (every sequence number
//!   arrives, in order, while its pushes wait for room); RPC calls time out
//!   on time during it (real return times measured against timeout + 150
//!   ms), never take another call's answer, and the first call after the
//!   heal succeeds; an inpad fails closed during it (nothing is delivered
//!   that the server did not verify, `dropped_rpc_failed` counts the rest)
//!   and delivers again after it;
//! - a publisher's link taken down for good: subscribers with zil's default
//!   TCP keep-alive and with a short one notice within their bounds, one
//!   without keep-alive does not;
//! - a fixed 50 ms delay per segment, and 5 % of segments delayed by 200 ms:
//!   nothing is lost or reordered, latencies are what the proxy imposes, RPC
//!   calls succeed or time out on time and never take a stale answer.
//!
//! Each test prints its measurements (`[partition …]`, `[delay …]` lines):
//! how long after the heal the stream resumed (TCP's retransmission backoff
//! decides it when the receiver's side was cut: about 2.5 s after 5 s),
//! return times of timed-out calls, messages pushed, lost and delivered.
//!
//! Topology: namespaces `zilnf-<pid>-<n>-a` (192.0.2.1/30 on `va`) and
//! `-b` (192.0.2.2/30 on `vb`, TEST-NET-1), made per test and deleted by a
//! guard even when the test fails (and, when a run was killed, by the next
//! run); nothing is sent to any other address (the proxy and the session
//! pipeline's own stream use 127.0.0.1 inside namespace b). ARP entries are
//! pinned, so that the kernel's once-a-second ARP retries after a heal do
//! not blur what TCP and zil do. libzmq's I/O threads live in the namespace
//! of the process that made the context, so each side is a child process:
//! this test binary re-executed under `ip netns exec` with `ZIL_NETNS_ROLE`
//! naming the role (`netns_child_role` below is that entry point; in a
//! normal run it does nothing). Children talk to the test over stdin/stdout
//! (`@@ …` lines), stamp events with CLOCK_MONOTONIC, which all processes
//! share, and exit when their stdin closes.
//!
//! Run: `cargo test --release --test netns_faults -- --nocapture` as root
//! (iproute2 installed). Without root or without `ip` each test prints
//! `SKIP: …` and passes; with `ZIL_EXPECT_NETNS=1` (set by `.ci/run`) that
//! is a failure instead. Every wait is bounded; the file takes about 30 s
//! on two cores (the tests run in parallel, each in namespaces of its own).

#[path = "common/child.rs"]
mod child;
#[path = "common/fault_proxy.rs"]
mod fault_proxy;

use child::{Child, Stderr};
use fault_proxy::{FaultProxy, Faults};
use serde_json::json;
use std::collections::HashSet;
use std::io::Write;
use std::net::SocketAddr;
use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::mpsc::RecvTimeoutError;
use std::sync::Arc;
use std::thread;
use std::time::{Duration, Instant};
use zil::rpc::{Client, Server};
use zil::session::{Inpad, Outpad};
use zil::stream::{Inport, Outport};
use zil::{ErrorKind, PortOptions, TcpKeepalive};

/// The environment variable naming a child's role.
const ROLE_ENV: &str = "ZIL_NETNS_ROLE";
/// The test that is a child's entry point.
const CHILD_TEST: &str = "netns_child_role";
const ADDR_A: &str = "192.0.2.1";
const ADDR_B: &str = "192.0.2.2";
/// Locally administered MAC addresses of `va` and `vb`.
const MAC_A: &str = "02:00:5e:00:02:01";
const MAC_B: &str = "02:00:5e:00:02:02";
const STREAM_PORT: u16 = 5555;
const RPC_PORT: u16 = 6900;
/// How long the partition lasts.
const PARTITION: Duration = Duration::from_secs(5);
/// A child exits by itself after this long, whatever happens to the test.
const CHILD_LIFETIME: Duration = Duration::from_secs(90);
/// Upper bound of a wait for a child's line.
const WAIT: Duration = Duration::from_secs(15);
/// How much later than its timeout an RPC call may return.
const RPC_MARGIN_MS: u64 = 150;

/// Microseconds of CLOCK_MONOTONIC: one clock for every process here.
fn mono_us() -> u64 {
    let mut ts = libc::timespec {
        tv_sec: 0,
        tv_nsec: 0,
    };
    // SAFETY: `ts` is a live timespec for the call to fill.
    let rc = unsafe { libc::clock_gettime(libc::CLOCK_MONOTONIC, &mut ts) };
    assert_eq!(rc, 0, "clock_gettime");
    ts.tv_sec as u64 * 1_000_000 + ts.tv_nsec as u64 / 1000
}

fn ms(us: u64) -> f64 {
    us as f64 / 1000.0
}

// ---------------------------------------------------------------------------
// Namespaces

/// Two namespaces joined by a veth pair, deleted when dropped. Declare it
/// before the children that run in it, so they are killed first.
struct NetPair {
    a: String,
    b: String,
}

#[derive(Clone, Copy, Debug)]
enum Side {
    A,
    B,
}

fn ip(args: &[&str]) -> Result<(), String> {
    let out = Command::new("ip")
        .args(args)
        .stdin(Stdio::null())
        .output()
        .map_err(|e| format!("cannot run `ip`: {e}"))?;
    if out.status.success() {
        Ok(())
    } else {
        Err(format!(
            "`ip {}`: {} {}",
            args.join(" "),
            out.status,
            String::from_utf8_lossy(&out.stderr).trim()
        ))
    }
}

/// Deletes namespaces left by earlier runs of this file that were killed
/// before their guards ran (their pid is gone). Only `zilnf-` names.
fn remove_stale_namespaces() {
    let Ok(out) = Command::new("ip").args(["netns", "list"]).output() else {
        return;
    };
    for line in String::from_utf8_lossy(&out.stdout).lines() {
        let name = line.split_whitespace().next().unwrap_or("");
        let Some(rest) = name.strip_prefix("zilnf-") else {
            continue;
        };
        let pid = rest.split('-').next().unwrap_or("");
        let alive = pid.parse::<u32>().is_ok_and(|pid| {
            pid == std::process::id() || std::path::Path::new(&format!("/proc/{pid}")).exists()
        });
        if !alive {
            let _ = ip(&["netns", "del", name]);
        }
    }
}

impl NetPair {
    /// The pair, or why it cannot be made.
    fn new() -> Result<NetPair, String> {
        static NEXT: AtomicU64 = AtomicU64::new(0);
        // SAFETY: geteuid has no preconditions.
        if unsafe { libc::geteuid() } != 0 {
            return Err("not root: network namespaces need CAP_SYS_ADMIN".into());
        }
        remove_stale_namespaces();
        let n = NEXT.fetch_add(1, Ordering::Relaxed);
        let base = format!("zilnf-{}-{n}", std::process::id());
        let (a, b) = (format!("{base}-a"), format!("{base}-b"));
        ip(&["netns", "add", &a])?;
        let pair = NetPair { a, b };
        ip(&["netns", "add", &pair.b])?;
        let (a, b) = (pair.a.as_str(), pair.b.as_str());
        ip(&[
            "link", "add", "va", "address", MAC_A, "netns", a, "type", "veth", "peer", "name",
            "vb", "address", MAC_B, "netns", b,
        ])?;
        ip(&["-n", a, "addr", "add", &format!("{ADDR_A}/30"), "dev", "va"])?;
        ip(&["-n", b, "addr", "add", &format!("{ADDR_B}/30"), "dev", "vb"])?;
        for (ns, dev) in [(a, "va"), (b, "vb"), (a, "lo"), (b, "lo")] {
            ip(&["-n", ns, "link", "set", dev, "up"])?;
        }
        pair.pin_neighbour(Side::A)?;
        pair.pin_neighbour(Side::B)?;
        Ok(pair)
    }

    /// A permanent ARP entry for the other end, so that address resolution
    /// (whose probes retry once a second while the link is down) never
    /// adds its own delay after a heal: what is measured is TCP's and zil's.
    /// Taking a link down flushes it on that side; `up` puts it back.
    fn pin_neighbour(&self, side: Side) -> Result<(), String> {
        let (ns, dev) = self.ns(side);
        let (addr, mac) = match side {
            Side::A => (ADDR_B, MAC_B),
            Side::B => (ADDR_A, MAC_A),
        };
        ip(&[
            "-n",
            ns,
            "neigh",
            "replace",
            addr,
            "lladdr",
            mac,
            "dev",
            dev,
            "nud",
            "permanent",
        ])
    }

    fn ns(&self, side: Side) -> (&str, &str) {
        match side {
            Side::A => (&self.a, "va"),
            Side::B => (&self.b, "vb"),
        }
    }

    /// Takes `side`'s end of the link down; returns the time when it is.
    fn down(&self, side: Side) -> u64 {
        let (ns, dev) = self.ns(side);
        ip(&["-n", ns, "link", "set", dev, "down"]).expect("link down");
        mono_us()
    }

    /// Brings it up again; returns the time just before the command (the
    /// partition surely lasted until then; traffic may flow from then on).
    fn up(&self, side: Side) -> u64 {
        let (ns, dev) = self.ns(side);
        let heal = mono_us();
        ip(&["-n", ns, "link", "set", dev, "up"]).expect("link up");
        self.pin_neighbour(side).expect("neighbour entry");
        heal
    }

    /// Runs this test binary in `side`'s namespace as `role`.
    fn spawn(&self, side: Side, role: &str, env: &[(&str, String)]) -> Role {
        let (ns, _) = self.ns(side);
        let exe = std::env::current_exe().expect("current_exe");
        let mut cmd = Command::new("ip");
        cmd.args(["netns", "exec", ns])
            .arg(exe)
            .args([CHILD_TEST, "--exact", "--nocapture", "--test-threads=1"])
            .env(ROLE_ENV, role)
            .env("ZIL_LOG", "error");
        for (k, v) in env {
            cmd.env(k, v);
        }
        Role::spawn(format!("{role}@{side:?}"), &mut cmd)
    }
}

impl Drop for NetPair {
    fn drop(&mut self) {
        for ns in [&self.a, &self.b] {
            if let Err(e) = ip(&["netns", "del", ns]) {
                eprintln!("cleanup: {e}");
            }
        }
    }
}

/// The namespaces, or `None` after printing why the test is skipped
/// (a failure instead with `ZIL_EXPECT_NETNS=1`).
fn net_pair(test: &str) -> Option<NetPair> {
    match NetPair::new() {
        Ok(pair) => Some(pair),
        Err(why) => {
            if std::env::var_os("ZIL_EXPECT_NETNS").is_some_and(|v| v == "1") {
                panic!("{test}: cannot make network namespaces ({why}) and ZIL_EXPECT_NETNS=1");
            }
            // Straight to stderr, past libtest's capture: a skip is seen.
            let _ = writeln!(
                std::io::stderr(),
                "\nSKIP: {test}: cannot make network namespaces: {why}"
            );
            None
        }
    }
}

// ---------------------------------------------------------------------------
// Child processes, seen from the test

/// A child process in a namespace: its `@@` lines are kept in `log`;
/// killed and reaped when dropped.
struct Role {
    child: Child,
    log: Vec<String>,
}

/// The `@@` line in `line` (libtest may print "test … " before a child's
/// first line), without its tag.
fn tagged(line: &str) -> Option<String> {
    line.find("@@ ").map(|at| line[at + 3..].to_owned())
}

impl Role {
    fn spawn(name: String, cmd: &mut Command) -> Role {
        Role {
            child: Child::spawn(name, cmd, Stderr::Inherited),
            log: Vec::new(),
        }
    }

    /// The next `@@` line, within `timeout`.
    fn next_line(&self, timeout: Duration) -> Result<String, RecvTimeoutError> {
        let deadline = Instant::now() + timeout;
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            if let Some(line) = tagged(&self.child.line(left)?) {
                return Ok(line);
            }
        }
    }

    /// Waits (at most `timeout`) for a line for which `want` is true;
    /// every line is kept in `log`.
    fn wait_for(&mut self, timeout: Duration, want: impl Fn(&str) -> bool) -> Option<String> {
        let deadline = Instant::now() + timeout;
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            match self.next_line(left) {
                Ok(line) => {
                    self.log.push(line.clone());
                    if line.starts_with("fatal") {
                        panic!("{}: {line}", self.child.what());
                    }
                    if want(&line) {
                        return Some(line);
                    }
                }
                Err(RecvTimeoutError::Timeout) => return None,
                Err(RecvTimeoutError::Disconnected) => {
                    panic!(
                        "{} exited early; its lines: {:?}",
                        self.child.what(),
                        self.log
                    )
                }
            }
        }
    }

    fn expect(&mut self, what: &str, want: impl Fn(&str) -> bool) -> String {
        self.wait_for(WAIT, want)
            .unwrap_or_else(|| panic!("{}: no {what} within {WAIT:?}", self.child.what()))
    }

    /// Lines received so far, without waiting.
    fn drain(&mut self) {
        while let Some(line) = self.child.try_line() {
            self.log.extend(tagged(&line));
        }
    }

    /// Tells the child to stop and collects its lines until it exits.
    fn finish(&mut self) -> &[String] {
        let _ = writeln!(self.child.take_stdin(), "stop");
        let deadline = Instant::now() + WAIT;
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            match self.next_line(left) {
                Ok(line) => self.log.push(line),
                Err(RecvTimeoutError::Disconnected) => break,
                Err(RecvTimeoutError::Timeout) => {
                    panic!("{} did not stop within {WAIT:?}", self.child.what())
                }
            }
        }
        let what = self.child.what().to_owned();
        let status = self
            .child
            .wait(WAIT)
            .unwrap_or_else(|| panic!("{what} did not exit within {WAIT:?}"));
        assert!(status.success(), "{what} exited with {status}");
        if let Some(line) = self.log.iter().find(|l| l.starts_with("fatal")) {
            panic!("{what}: {line}");
        }
        &self.log
    }
}

/// The whitespace-separated fields after `tag` of each line tagged `tag`.
fn fields<'a>(log: &'a [String], tag: &'a str) -> impl Iterator<Item = Vec<&'a str>> + 'a {
    log.iter().filter_map(move |l| {
        let mut it = l.split_whitespace();
        (it.next() == Some(tag)).then(|| it.collect())
    })
}

fn num(field: &str) -> u64 {
    field
        .parse()
        .unwrap_or_else(|e| panic!("not a number: {field:?}: {e}"))
}

/// The one value `key=N` of the line tagged `tag`.
fn stat(log: &[String], tag: &str, key: &str) -> u64 {
    let line = fields(log, tag)
        .last()
        .unwrap_or_else(|| panic!("no {tag} line in {log:?}"));
    line.iter()
        .find_map(|f| f.strip_prefix(key).and_then(|v| v.strip_prefix('=')))
        .map(num)
        .unwrap_or_else(|| panic!("no {key}= in {line:?}"))
}

/// A received stream message: sequence number, sent and received times.
#[derive(Debug, Clone, Copy)]
struct Got {
    seq: u64,
    sent: u64,
    recv: u64,
}

fn received(log: &[String]) -> Vec<Got> {
    fields(log, "got")
        .map(|f| Got {
            seq: num(f[0]),
            sent: num(f[1]),
            recv: num(f[2]),
        })
        .collect()
}

/// An RPC call as the client saw it.
#[derive(Debug, Clone)]
struct Call {
    start: u64,
    end: u64,
    outcome: String,
}

impl Call {
    fn took_ms(&self) -> f64 {
        ms(self.end - self.start)
    }
}

fn calls(log: &[String]) -> Vec<Call> {
    fields(log, "call")
        .map(|f| Call {
            start: num(f[1]),
            end: num(f[2]),
            outcome: f[3].to_owned(),
        })
        .collect()
}

fn assert_in_order(got: &[Got], what: &str) {
    for w in got.windows(2) {
        assert!(
            w[1].seq > w[0].seq,
            "{what}: {} arrived after {} (out of order or twice)",
            w[1].seq,
            w[0].seq
        );
    }
}

fn stream_addr(host: &str) -> String {
    format!("tcp://{host}:{STREAM_PORT}")
}

fn rpc_addr(host: &str) -> String {
    format!("tcp://{host}:{RPC_PORT}")
}

// ---------------------------------------------------------------------------
// Partition tests

/// Lossy streaming, the publisher's own link down for 5 s: its
/// retransmissions fail locally (no route).
#[test]
fn partition_publisher_side_streaming_resumes_after_heal() {
    stream_partition(
        "partition_publisher_side_streaming_resumes_after_heal",
        Side::A,
    );
}

/// Lossy streaming, the subscriber's link down for 5 s: the publisher's
/// segments vanish, and TCP's retransmission backoff decides when the
/// stream resumes.
#[test]
fn partition_subscriber_side_streaming_resumes_after_heal() {
    stream_partition(
        "partition_subscriber_side_streaming_resumes_after_heal",
        Side::B,
    );
}

/// A publisher (in a) pushes every 10 ms (default options: lossy) to a
/// subscriber (in b) while `side`'s link is down for 5 s. The same
/// connection carries on after the heal, without a restart: messages sent
/// after the heal arrive, and every message arrives in order.
fn stream_partition(test: &str, side: Side) {
    let Some(net) = net_pair(test) else {
        return;
    };
    let mut publisher = net.spawn(
        Side::A,
        "pub",
        &[("ADDR", stream_addr("*")), ("INTERVAL_MS", "10".into())],
    );
    let mut sub = net.spawn(Side::B, "sub", &[("ADDR", stream_addr(ADDR_A))]);
    publisher.expect("ready", |l| l == "ready");
    // Flowing before the fault.
    for _ in 0..20 {
        sub.expect("a message", |l| l.starts_with("got "));
    }
    let down = net.down(side);
    thread::sleep(PARTITION);
    let up = net.up(side);
    // A message sent after the heal arrives.
    let after_heal = |l: &str| l.starts_with("got ") && num(l.split(' ').nth(2).unwrap()) > up;
    let resumed = sub.wait_for(Duration::from_secs(30), after_heal);
    thread::sleep(Duration::from_millis(500));
    let plog = publisher.finish().to_vec();
    let slog = sub.finish().to_vec();
    assert!(
        resumed.is_some(),
        "streaming did not resume: no message sent after the heal arrived within 30 s"
    );

    let got = received(&slog);
    assert_in_order(&got, "lossy stream");
    let pushed = stat(&plog, "done", "pushed");
    let during: Vec<&Got> = got
        .iter()
        .filter(|g| g.sent > down && g.sent < up)
        .collect();
    // The partition was real: nothing sent during it arrived before the heal.
    for g in &during {
        assert!(g.recv >= up, "{g:?} arrived during the partition");
    }
    let first_after = got
        .iter()
        .find(|g| g.recv >= up)
        .expect("nothing after heal");
    let first_new = got.iter().find(|g| g.sent > up).expect("nothing new");
    eprintln!(
        "[partition stream, {side:?} down] partition {:.0} ms; first message after heal +{:.0} ms, first message \
         sent after heal arrived +{:.0} ms after heal (latency {:.1} ms); pushed {pushed}, received {}, \
         lost {}; {} sent during the partition arrived after it",
        ms(up - down),
        ms(first_after.recv - up),
        ms(first_new.recv - up),
        ms(first_new.recv - first_new.sent),
        got.len(),
        pushed - got.len() as u64,
        during.len(),
    );
    assert!(
        got.len() as u64 > pushed / 2,
        "most messages lost: {} of {pushed}",
        got.len()
    );
}

/// A publisher's host gone for good (its link down and never up again: no
/// FIN or RST will ever come). Three subscribers that received its stream
/// until then: the one with TCP keep-alive at 1 s, every 1 s, 2 probes
/// notices within about 3 s, the one with zil's default (10 s, 2 s, 5)
/// within 20 s (their monitors report the disconnection), and the one with
/// keep-alive off notices nothing in all that time.
#[test]
fn dead_publisher_host_is_noticed_within_keepalive() {
    let Some(net) = net_pair("dead_publisher_host_is_noticed_within_keepalive") else {
        return;
    };
    let mut publisher = net.spawn(
        Side::A,
        "pub",
        &[("ADDR", stream_addr("*")), ("INTERVAL_MS", "10".into())],
    );
    let sub_env = |keepalive: Option<&str>| {
        let mut env = vec![("ADDR", stream_addr(ADDR_A)), ("MONITOR", "1".to_owned())];
        env.extend(keepalive.map(|k| ("KEEPALIVE", k.to_owned())));
        env
    };
    let mut fast = net.spawn(Side::B, "sub", &sub_env(Some("1,1,2")));
    let mut default = net.spawn(Side::B, "sub", &sub_env(None));
    let mut off = net.spawn(Side::B, "sub", &sub_env(Some("off")));
    publisher.expect("ready", |l| l == "ready");
    for sub in [&mut fast, &mut default, &mut off] {
        for _ in 0..20 {
            sub.expect("a message", |l| l.starts_with("got "));
        }
    }
    let down = net.down(Side::A);
    let gone = |l: &str| l.starts_with("peer Disconnected ");
    let noticed_at = |line: Option<String>, what: &str, log: &[String]| -> u64 {
        let line = line.unwrap_or_else(|| {
            panic!("keep-alive {what}: no disconnection after the link went down: {log:?}")
        });
        num(line.split(' ').nth(2).expect("time")).saturating_sub(down)
    };
    let fast_line = fast.wait_for(Duration::from_secs(10), gone);
    let default_line = default.wait_for(Duration::from_secs(30), gone);
    // By now 20 s and more have passed: whatever off was going to report is
    // in its lines.
    let unnoticed = off.wait_for(Duration::from_millis(200), gone);
    let flog = fast.finish().to_vec();
    let dlog = default.finish().to_vec();
    let olog = off.finish().to_vec();
    publisher.finish();

    let fast_us = noticed_at(fast_line, "1+1x2 s", &flog);
    let default_us = noticed_at(default_line, "10+2x5 s", &dlog);
    eprintln!(
        "[dead host] disconnection noticed after the link went down: keep-alive 1+1x2 s +{:.0} ms, \
         zil's default 10+2x5 s +{:.0} ms, off: {}",
        ms(fast_us),
        ms(default_us),
        if unnoticed.is_some() { "noticed" } else { "nothing" },
    );
    assert!(
        (1_500_000..=6_000_000).contains(&fast_us),
        "keep-alive 1+1x2 s noticed the dead host {:.0} ms after the link went down",
        ms(fast_us)
    );
    assert!(
        (15_000_000..=23_000_000).contains(&default_us),
        "zil's default keep-alive noticed the dead host {:.0} ms after the link went down",
        ms(default_us)
    );
    assert!(
        unnoticed.is_none(),
        "keep-alive off, yet a disconnection was reported: {unnoticed:?} ({olog:?})"
    );
}

/// Lossless streaming: the subscriber's link goes down for 5 s while the
/// publisher keeps pushing, fewer messages than the high-water marks hold.
/// Every sequence number arrives, in order, and no push failed.
#[test]
fn partition_lossless_loses_nothing_within_hwm() {
    let Some(net) = net_pair("partition_lossless_loses_nothing_within_hwm") else {
        return;
    };
    let count = 1600u64;
    let mut publisher = net.spawn(
        Side::A,
        "pub",
        &[
            ("ADDR", stream_addr("*")),
            ("INTERVAL_MS", "5".into()),
            ("COUNT", count.to_string()),
            ("LOSSLESS_MS", "20000".into()),
            ("SNDHWM", "200".into()),
            ("PAD", "1024".into()),
        ],
    );
    let mut sub = net.spawn(
        Side::B,
        "sub",
        &[("ADDR", stream_addr(ADDR_A)), ("RCVHWM", "1000".into())],
    );
    publisher.expect("ready", |l| l == "ready");
    for _ in 0..50 {
        sub.expect("a message", |l| l.starts_with("got "));
    }
    let down = net.down(Side::B);
    thread::sleep(PARTITION);
    let up = net.up(Side::B);
    let last = format!("got {} ", count - 1);
    let all = sub.wait_for(Duration::from_secs(40), |l| l.starts_with(&last));
    let plog = publisher.finish().to_vec();
    let slog = sub.finish().to_vec();
    let got = received(&slog);
    assert!(
        all.is_some(),
        "the last message ({}) did not arrive within 40 s of the heal; got {} of {count}",
        count - 1,
        got.len()
    );
    let seqs: Vec<u64> = got.iter().map(|g| g.seq).collect();
    let missing: Vec<u64> = (0..count).filter(|s| !seqs.contains(s)).collect();
    assert!(
        missing.is_empty(),
        "lossless lost {} messages: {missing:?}",
        missing.len()
    );
    assert_eq!(
        seqs,
        (0..count).collect::<Vec<_>>(),
        "out of order or duplicated"
    );
    assert_eq!(stat(&plog, "done", "failed"), 0, "{plog:?}");
    assert_eq!(stat(&plog, "done", "dropped"), 0, "{plog:?}");
    let during: Vec<&Got> = got
        .iter()
        .filter(|g| g.sent > down && g.sent < up)
        .collect();
    assert!(
        during.len() > 100,
        "only {} messages pushed during the partition",
        during.len()
    );
    for g in &during {
        assert!(g.recv >= up, "{g:?} arrived during the partition");
    }
    let first_after = got
        .iter()
        .find(|g| g.recv >= up)
        .expect("nothing after heal");
    let caught_up = got
        .iter()
        .find(|g| g.sent > up)
        .expect("nothing sent after the heal");
    eprintln!(
        "[partition lossless] {count} pushed (1 KiB, sndhwm 200), {} received in order, 0 lost; {} \
         pushed during the {:.0} ms partition; first arrival after heal +{:.0} ms, first message \
         sent after the heal arrived +{:.0} ms; {} pushes waited >= 100 ms for room, longest {:.0} ms",
        got.len(),
        during.len(),
        ms(up - down),
        ms(first_after.recv - up),
        ms(caught_up.recv - up),
        stat(&plog, "done", "waited"),
        ms(stat(&plog, "done", "max_push_us")),
    );
}

/// RPC, the server's link down for 5 s: the client's packets vanish.
#[test]
fn partition_rpc_server_side_times_out_on_time_then_recovers() {
    rpc_partition(
        "partition_rpc_server_side_times_out_on_time_then_recovers",
        Side::A,
    );
}

/// RPC, the client's own link down for 5 s: its connects fail at once
/// (`ENETUNREACH`) and libzmq retries them.
#[test]
fn partition_rpc_client_side_times_out_on_time_then_recovers() {
    rpc_partition(
        "partition_rpc_client_side_times_out_on_time_then_recovers",
        Side::B,
    );
}

/// The server (in a) answers `echo`; the client (in b) calls it every
/// 50 ms with timeout 1000 ms while `side`'s link goes down for 5 s. Every
/// call returns within timeout + [`RPC_MARGIN_MS`]; those inside the
/// partition return `Timeout` after the full timeout; the first call made
/// after the heal succeeds; no call ever takes another's answer.
fn rpc_partition(test: &str, side: Side) {
    let Some(net) = net_pair(test) else {
        return;
    };
    let timeout_ms = 1000u64;
    let mut server = net.spawn(Side::A, "rpcserver", &[("ADDR", rpc_addr("*"))]);
    server.expect("ready", |l| l == "ready");
    let mut client = net.spawn(
        Side::B,
        "rpcclient",
        &[
            ("ADDR", rpc_addr(ADDR_A)),
            ("TIMEOUT_MS", timeout_ms.to_string()),
            ("INTERVAL_MS", "50".into()),
        ],
    );
    for _ in 0..5 {
        client.expect("a call", |l| l.starts_with("call ") && l.ends_with(" ok"));
    }
    let down = net.down(side);
    thread::sleep(PARTITION);
    let up = net.up(side);
    // Until an ok call that started after the heal, or 20 s.
    let ok_after = |l: &str| {
        let f: Vec<&str> = l.split(' ').collect();
        f[0] == "call" && num(f[2]) > up && f[4] == "ok"
    };
    let recovered = client.wait_for(Duration::from_secs(20), ok_after);
    // A few more calls: they stay healthy.
    thread::sleep(Duration::from_millis(300));
    let clog = client.finish().to_vec();
    server.finish();
    let all = calls(&clog);
    let rel = |t: u64| (t as f64 - up as f64) / 1000.0;
    let timeline: Vec<String> = all
        .iter()
        .filter(|c| c.end + 2_000_000 > down)
        .map(|c| format!("{:+.0}..{:+.0} {}", rel(c.start), rel(c.end), c.outcome))
        .collect();

    // Every call returned within timeout + margin, whatever happened, and
    // answered its own request ('wrong:…' otherwise).
    let bound = (timeout_ms + RPC_MARGIN_MS) as f64;
    for c in &all {
        assert!(
            c.took_ms() <= bound,
            "a call took {:.1} ms, more than timeout + {RPC_MARGIN_MS} ms: {c:?}",
            c.took_ms()
        );
        assert!(c.outcome == "ok" || c.outcome == "timeout", "{c:?}");
    }
    // During the partition: only timeouts, each after the full timeout.
    let inside: Vec<&Call> = all
        .iter()
        .filter(|c| c.start > down && c.end < up)
        .collect();
    assert!(
        inside.len() >= 3,
        "only {} calls inside the partition",
        inside.len()
    );
    for c in &inside {
        assert_eq!(
            c.outcome, "timeout",
            "a call succeeded during the partition: {c:?}"
        );
        assert!(
            c.took_ms() >= timeout_ms as f64 - 5.0,
            "timed out early: {c:?}"
        );
    }
    let after: Vec<&Call> = all.iter().filter(|c| c.start >= up).collect();
    let first_ok = all.iter().find(|c| c.end >= up && c.outcome == "ok");
    eprintln!(
        "[partition rpc, {side:?} down] {} calls timed out inside the {:.0} ms partition, returning \
         after {:.1}..{:.1} ms (timeout {timeout_ms}); first call started after the heal: {:?} in \
         {:.1} ms; first answer +{:.0} ms after the heal; {} calls after the heal, all ok: {}; \
         timeline (ms from the heal): {}",
        inside.len(),
        ms(up - down),
        inside.iter().map(|c| c.took_ms()).fold(f64::MAX, f64::min),
        inside.iter().map(|c| c.took_ms()).fold(0.0, f64::max),
        after.first().map(|c| c.outcome.as_str()),
        after.first().map_or(f64::NAN, |c| c.took_ms()),
        first_ok.map_or(f64::NAN, |c| ms(c.end - up)),
        after.len(),
        after.iter().all(|c| c.outcome == "ok"),
        timeline.join(", "),
    );
    assert!(
        recovered.is_some(),
        "no call succeeded within 20 s of the heal"
    );
    let next = after.first().expect("no call after the heal");
    assert_eq!(
        next.outcome, "ok",
        "the first call after the heal failed: {next:?} (calls after heal: {after:?})"
    );
    assert!(
        after.iter().all(|c| c.outcome == "ok"),
        "a call after the heal failed: {after:?}"
    );
}

/// Session-aware streaming: the outpad and the inpad are both in namespace
/// b (their stream over its loopback keeps flowing), the authz server is in
/// a; its link goes down for 5 s. Every message has its own session and the
/// cache is off (TTL 0), so each needs a `verify`. During the partition the
/// inpad delivers nothing (fails closed) and counts `dropped_rpc_failed`;
/// every session it ever delivered is one the server verified; after the
/// heal it delivers again.
#[test]
fn partition_inpad_fails_closed_then_delivers() {
    let Some(net) = net_pair("partition_inpad_fails_closed_then_delivers") else {
        return;
    };
    let rpc_timeout_ms = 500u64;
    let recv_timeout_ms = 100u64;
    let mut server = net.spawn(Side::A, "rpcserver", &[("ADDR", rpc_addr("*"))]);
    server.expect("ready", |l| l == "ready");
    let mut pads = net.spawn(
        Side::B,
        "sessions",
        &[
            ("RPC_ADDR", rpc_addr(ADDR_A)),
            ("RPC_TIMEOUT_MS", rpc_timeout_ms.to_string()),
            ("RECV_TIMEOUT_MS", recv_timeout_ms.to_string()),
            ("INTERVAL_MS", "20".into()),
        ],
    );
    for _ in 0..10 {
        pads.expect("a delivery", |l| l.starts_with("delivered "));
    }
    let down = net.down(Side::A);
    thread::sleep(PARTITION);
    pads.drain();
    let stats_at_heal = pads
        .log
        .iter()
        .rev()
        .find(|l| l.starts_with("stats "))
        .cloned();
    let up = net.up(Side::A);
    let new_delivery = |l: &str| {
        let f: Vec<&str> = l.split(' ').collect();
        f[0] == "delivered" && num(f[3]) > up
    };
    let delivered_again = pads.wait_for(Duration::from_secs(20), new_delivery);
    thread::sleep(Duration::from_millis(300));
    let plog = pads.finish().to_vec();
    let slog = server.finish().to_vec();

    let verified: HashSet<&str> = fields(&slog, "verify").map(|f| f[0]).collect();
    let delivered: Vec<(u64, &str, u64, u64)> = fields(&plog, "delivered")
        .map(|f| (num(f[0]), f[1], num(f[2]), num(f[3])))
        .collect();
    let pushed: Vec<(u64, u64)> = fields(&plog, "pushed")
        .map(|f| (num(f[0]), num(f[1])))
        .collect();
    for (seq, sid, _, _) in &delivered {
        assert_eq!(
            *sid,
            format!("s-{seq}"),
            "a message delivered with another's session"
        );
        assert!(
            verified.contains(sid),
            "delivered {sid} which the server never verified"
        );
    }
    // Fail closed: after one RPC timeout into the partition (the answers
    // already on their way are in), nothing is delivered until the heal.
    let quiet_from = down + (rpc_timeout_ms + 200) * 1000;
    let leaked: Vec<_> = delivered
        .iter()
        .filter(|d| d.3 > quiet_from && d.3 < up)
        .collect();
    assert!(
        leaked.is_empty(),
        "delivered during the partition: {leaked:?}"
    );
    let pushed_during = pushed.iter().filter(|p| p.1 > down && p.1 < up).count() as u64;
    assert!(
        pushed_during > 100,
        "only {pushed_during} pushed during the partition"
    );
    let failed = stat(&plog, "final", "rpc_failed");
    let failed_at_heal = stats_at_heal
        .as_deref()
        .map(|l| {
            let log = [l.to_owned()];
            stat(&log, "stats", "rpc_failed")
        })
        .unwrap_or(0);
    assert!(
        failed_at_heal >= pushed_during / 2,
        "only {failed_at_heal} counted dropped_rpc_failed by the heal, {pushed_during} pushed during \
         the partition"
    );
    // Every message is accounted for: delivered, or dropped and counted
    // (less those still on their way when the pipeline stopped).
    let accounted = stat(&plog, "final", "delivered") + failed + stat(&plog, "final", "unverified");
    let total = pushed.len() as u64;
    assert!(
        accounted <= total && accounted + 100 >= total,
        "{total} pushed, {accounted} delivered or counted as dropped"
    );
    let max_recv_us = stat(&plog, "final", "max_recv_us");
    let first_again = delivered.iter().find(|d| d.3 > up);
    eprintln!(
        "[partition inpad] {pushed_during} pushed during the {:.0} ms partition, 0 delivered, \
         {failed_at_heal} dropped_rpc_failed by the heal ({failed} at the end), {} delivered in all, \
         all {} verified by the server; first delivery after heal +{:.0} ms; longest recv({recv_timeout_ms}) \
         {:.1} ms with rpc_timeout {rpc_timeout_ms}",
        ms(up - down),
        delivered.len(),
        delivered.len(),
        first_again.map_or(f64::NAN, |d| ms(d.3 - up)),
        ms(max_recv_us),
    );
    assert!(
        delivered_again.is_some(),
        "no message delivered within 20 s of the heal"
    );
    // A recv never waits longer than its timeout plus one verify call.
    assert!(
        max_recv_us <= (recv_timeout_ms + rpc_timeout_ms + RPC_MARGIN_MS) * 1000,
        "an inpad recv({recv_timeout_ms}) took {:.1} ms (rpc_timeout {rpc_timeout_ms})",
        ms(max_recv_us)
    );
}

// ---------------------------------------------------------------------------
// Delay tests (through the fault proxy, which runs in namespace b)

fn proxy_env(
    target: String,
    delay_ms: u64,
    spike_permille: u32,
    spike_ms: u64,
) -> Vec<(&'static str, String)> {
    vec![
        ("PROXY_TARGET", target),
        ("PROXY_DELAY_MS", delay_ms.to_string()),
        ("PROXY_SPIKE_PERMILLE", spike_permille.to_string()),
        ("PROXY_SPIKE_MS", spike_ms.to_string()),
        ("PROXY_SEED", u64::from(std::process::id()).to_string()),
    ]
}

/// Streams `count` messages (every `interval_ms`) through a proxy with the
/// given faults; every one arrives, in order, with its latency bounded.
/// Returns the latencies in ms (sorted) and the proxy's spiked segments.
fn stream_through_proxy(
    net: &NetPair,
    count: u64,
    interval_ms: u64,
    delay_ms: u64,
    spike_permille: u32,
    spike_ms: u64,
) -> (Vec<f64>, u64) {
    let mut publisher = net.spawn(
        Side::A,
        "pub",
        &[
            ("ADDR", stream_addr("*")),
            ("INTERVAL_MS", interval_ms.to_string()),
            ("COUNT", count.to_string()),
        ],
    );
    let mut env = proxy_env(
        format!("{ADDR_A}:{STREAM_PORT}"),
        delay_ms,
        spike_permille,
        spike_ms,
    );
    env.push(("ADDR", String::new()));
    let mut sub = net.spawn(Side::B, "sub", &env);
    publisher.expect("ready", |l| l == "ready");
    let last = format!("got {} ", count - 1);
    let all = sub.wait_for(Duration::from_secs(30), |l| l.starts_with(&last));
    let plog = publisher.finish().to_vec();
    let slog = sub.finish().to_vec();
    let got = received(&slog);
    assert!(all.is_some(), "not all {count} arrived: {}", got.len());
    assert_eq!(stat(&plog, "done", "pushed"), count);
    let seqs: Vec<u64> = got.iter().map(|g| g.seq).collect();
    assert_eq!(
        seqs,
        (0..count).collect::<Vec<_>>(),
        "lost, reordered or duplicated"
    );
    let mut lat: Vec<f64> = got.iter().map(|g| ms(g.recv - g.sent)).collect();
    lat.sort_by(f64::total_cmp);
    (lat, stat(&slog, "proxy", "spiked"))
}

/// Calls `calls` times through a proxy with the given faults; returns the
/// calls and the proxy's spiked segments.
fn rpc_through_proxy(
    net: &NetPair,
    timeout_ms: u64,
    count: u64,
    delay_ms: u64,
    spike_permille: u32,
    spike_ms: u64,
) -> (Vec<Call>, u64) {
    let mut server = net.spawn(Side::A, "rpcserver", &[("ADDR", rpc_addr("*"))]);
    server.expect("ready", |l| l == "ready");
    let mut env = proxy_env(
        format!("{ADDR_A}:{RPC_PORT}"),
        delay_ms,
        spike_permille,
        spike_ms,
    );
    env.extend([
        ("ADDR", String::new()),
        ("TIMEOUT_MS", timeout_ms.to_string()),
        ("INTERVAL_MS", "0".into()),
        ("COUNT", count.to_string()),
    ]);
    let mut client = net.spawn(Side::B, "rpcclient", &env);
    client.expect("the end of the calls", |l| l == "calls done");
    let clog = client.finish().to_vec();
    server.finish();
    let all = calls(&clog);
    assert_eq!(all.len() as u64, count);
    let bound = (timeout_ms + RPC_MARGIN_MS) as f64;
    for c in &all {
        assert!(
            c.outcome == "ok" || c.outcome == "timeout",
            "a call failed otherwise (a stale answer is 'wrong'): {c:?}"
        );
        assert!(
            c.took_ms() <= bound,
            "a call took {:.1} ms: {c:?}",
            c.took_ms()
        );
        if c.outcome == "timeout" {
            assert!(
                c.took_ms() >= timeout_ms as f64 - 5.0,
                "timed out early: {c:?}"
            );
        }
    }
    (all, stat(&clog, "proxy", "spiked"))
}

fn pct(sorted: &[f64], p: f64) -> f64 {
    sorted[((sorted.len() - 1) as f64 * p).round() as usize]
}

#[test]
fn delay_50ms_stream_and_rpc() {
    let Some(net) = net_pair("delay_50ms_stream_and_rpc") else {
        return;
    };
    let (lat, _) = stream_through_proxy(&net, 300, 10, 50, 0, 0);
    eprintln!(
        "[delay 50ms stream] 300 of 300 in order; latency min {:.1} p50 {:.1} max {:.1} ms",
        lat[0],
        pct(&lat, 0.5),
        lat[lat.len() - 1]
    );
    assert!(
        lat[0] >= 50.0,
        "a message beat the 50 ms delay: {:.1} ms",
        lat[0]
    );
    assert!(
        lat[lat.len() - 1] < 250.0,
        "latency up to {:.1} ms",
        lat[lat.len() - 1]
    );

    // Calls that have time: each costs at least one delayed round trip.
    let (ok, _) = rpc_through_proxy(&net, 1000, 20, 50, 0, 0);
    let took: Vec<f64> = ok.iter().map(Call::took_ms).collect();
    assert!(ok.iter().all(|c| c.outcome == "ok"), "{ok:?}");
    assert!(took.iter().all(|t| *t >= 100.0), "{took:?}");
    // Calls that have not: every one times out, on time.
    let (short, _) = rpc_through_proxy(&net, 60, 5, 50, 0, 0);
    assert!(short.iter().all(|c| c.outcome == "timeout"), "{short:?}");
    eprintln!(
        "[delay 50ms rpc] timeout 1000: 20 ok, {:.1}..{:.1} ms; timeout 60: 5 timeouts, {:.1}..{:.1} ms",
        took.iter().copied().fold(f64::MAX, f64::min),
        took.iter().copied().fold(0.0, f64::max),
        short.iter().map(Call::took_ms).fold(f64::MAX, f64::min),
        short.iter().map(Call::took_ms).fold(0.0, f64::max),
    );
}

#[test]
fn delay_spikes_5pct_200ms_stream_and_rpc() {
    let Some(net) = net_pair("delay_spikes_5pct_200ms_stream_and_rpc") else {
        return;
    };
    let (lat, spiked) = stream_through_proxy(&net, 1000, 5, 0, 50, 200);
    let slow = lat.iter().filter(|l| **l >= 150.0).count();
    eprintln!(
        "[spikes stream] 1000 of 1000 in order; {spiked} segments spiked; latency p50 {:.1} p99 {:.1} \
         max {:.1} ms; {slow} messages >= 150 ms",
        pct(&lat, 0.5),
        pct(&lat, 0.99),
        lat[lat.len() - 1]
    );
    assert!(spiked > 0 && slow > 0, "no spike hit the stream");
    assert!(
        lat[lat.len() - 1] < 450.0,
        "latency up to {:.1} ms",
        lat[lat.len() - 1]
    );

    // Timeout 1000: every call succeeds, some wait for a spike.
    let (ok, spiked) = rpc_through_proxy(&net, 1000, 100, 0, 50, 200);
    assert!(ok.iter().all(|c| c.outcome == "ok"), "{ok:?}");
    let slow = ok.iter().filter(|c| c.took_ms() >= 150.0).count();
    eprintln!(
        "[spikes rpc] timeout 1000: 100 ok, {slow} waited for a spike ({spiked} spiked segments), \
         max {:.1} ms",
        ok.iter().map(Call::took_ms).fold(0.0, f64::max)
    );
    assert!(slow > 0, "no call met a spike");
    // Timeout 100: a spiked call times out on time, and the answer that
    // comes later is never taken for the next call's ('wrong' otherwise).
    let (mixed, spiked) = rpc_through_proxy(&net, 100, 100, 0, 50, 200);
    let timeouts: Vec<&Call> = mixed.iter().filter(|c| c.outcome == "timeout").collect();
    eprintln!(
        "[spikes rpc] timeout 100: {} ok, {} timeouts returning in {:.1}..{:.1} ms ({spiked} spiked \
         segments)",
        mixed.len() - timeouts.len(),
        timeouts.len(),
        timeouts.iter().map(|c| c.took_ms()).fold(f64::MAX, f64::min),
        timeouts.iter().map(|c| c.took_ms()).fold(0.0, f64::max),
    );
    assert!(!timeouts.is_empty(), "no call timed out");
    assert!(timeouts.len() < mixed.len(), "every call timed out");
}

// ---------------------------------------------------------------------------
// The children

/// The entry point of a child process (see the module doc): runs the role
/// named by `ZIL_NETNS_ROLE`; without it (a normal test run), nothing.
#[test]
fn netns_child_role() {
    let Ok(role) = std::env::var(ROLE_ENV) else {
        return;
    };
    // Whatever happens to the test, the child ends.
    thread::spawn(|| {
        thread::sleep(CHILD_LIFETIME);
        say("fatal: child lifetime exceeded".into());
        std::process::exit(98);
    });
    let stop = stop_on_stdin();
    let result = match role.as_str() {
        "pub" => child_pub(&stop),
        "sub" => child_sub(&stop),
        "rpcserver" => child_rpc_server(&stop),
        "rpcclient" => child_rpc_client(&stop),
        "sessions" => child_sessions(&stop),
        other => Err(format!("unknown role {other}")),
    };
    if let Err(e) = result {
        say(format!("fatal: {role}: {e}"));
    }
}

fn say(line: String) {
    let mut out = std::io::stdout().lock();
    let _ = writeln!(out, "@@ {line}");
    let _ = out.flush();
}

/// Set when stdin says `stop` or closes.
fn stop_on_stdin() -> Arc<AtomicBool> {
    let stop = Arc::new(AtomicBool::new(false));
    let flag = Arc::clone(&stop);
    thread::spawn(move || {
        let mut line = String::new();
        let _ = std::io::stdin().read_line(&mut line);
        flag.store(true, Ordering::Release);
    });
    stop
}

fn env(name: &str) -> Option<String> {
    std::env::var(name).ok().filter(|v| !v.is_empty())
}

fn env_u64(name: &str, default: u64) -> u64 {
    env(name).map_or(default, |v| num(&v))
}

/// Starts the fault proxy when `PROXY_TARGET` is set; then the address to
/// use is the proxy's. Else `ADDR`.
fn proxied(addr_env: &str) -> Result<(String, Option<FaultProxy>), String> {
    let Some(target) = env("PROXY_TARGET") else {
        return Ok((env(addr_env).ok_or("no address")?, None));
    };
    let target: SocketAddr = target.parse().map_err(|e| format!("{target}: {e}"))?;
    let faults = Faults {
        delay: Duration::from_millis(env_u64("PROXY_DELAY_MS", 0)),
        spike_permille: env_u64("PROXY_SPIKE_PERMILLE", 0) as u32,
        spike: Duration::from_millis(env_u64("PROXY_SPIKE_MS", 0)),
        seed: env_u64("PROXY_SEED", 1),
    };
    let proxy = FaultProxy::start("127.0.0.1:0", target, faults).map_err(|e| e.to_string())?;
    Ok((format!("tcp://{}", proxy.addr()), Some(proxy)))
}

fn say_proxy(proxy: &Option<FaultProxy>) {
    if let Some(p) = proxy {
        let (conns, segments, spiked, bytes) = p.counts();
        say(format!(
            "proxy connections={conns} segments={segments} spiked={spiked} bytes={bytes}"
        ));
    }
}

/// Publishes `SEQ SENT_US` every `INTERVAL_MS` (`COUNT` messages, or until
/// stopped); lossless with `LOSSLESS_MS`.
fn child_pub(stop: &AtomicBool) -> Result<(), String> {
    let opts = PortOptions {
        sndhwm: env_u64("SNDHWM", 1000) as i32,
        lossless_timeout_ms: env("LOSSLESS_MS").map(|v| num(&v) as i32),
        ..PortOptions::default()
    };
    let count = env_u64("COUNT", u64::MAX);
    let interval = Duration::from_millis(env_u64("INTERVAL_MS", 10));
    let pad = "x".repeat(env_u64("PAD", 0) as usize);
    let out = Outport::with_options(&env("ADDR").ok_or("no ADDR")?, "t", &opts)
        .map_err(|e| e.to_string())?;
    out.wait_subscribers(1, 10_000).map_err(|e| e.to_string())?;
    say("ready".into());
    let (mut seq, mut failed, mut max_push, mut waited) = (0u64, 0u64, 0u64, 0u64);
    let start = Instant::now();
    while seq < count && !stop.load(Ordering::Acquire) {
        let t = mono_us();
        match out.push(format!("{seq} {t} {pad}").as_bytes(), None) {
            Ok(()) => {}
            Err(e) => {
                failed += 1;
                say(format!("pushfail {seq} {e}"));
            }
        }
        let took = mono_us() - t;
        max_push = max_push.max(took);
        waited += u64::from(took >= 100_000);
        seq += 1;
        // Paced by the clock, not by the pushes' durations.
        let next = start + interval * seq as u32;
        thread::sleep(next.saturating_duration_since(Instant::now()));
    }
    let stats = out.stats();
    say(format!(
        "done pushed={seq} failed={failed} sent={} dropped={} max_push_us={max_push} \
         waited={waited}",
        stats.messages_sent, stats.messages_dropped
    ));
    // Keep the port until told to stop, so that nothing queued is lost.
    while !stop.load(Ordering::Acquire) {
        thread::sleep(Duration::from_millis(10));
    }
    Ok(())
}

/// Receives and reports `got SEQ SENT_US RECV_US` until stopped.
/// `KEEPALIVE` is `off` or `IDLE,INTERVAL,PROBES`; with `MONITOR` set the
/// port's connection events are reported as `peer KIND TIME_US`.
fn child_sub(stop: &AtomicBool) -> Result<(), String> {
    let tcp_keepalive = match env("KEEPALIVE").as_deref() {
        None => PortOptions::default().tcp_keepalive,
        Some("off") => None,
        Some(v) => {
            let n: Vec<i32> = v.split(',').map(|f| num(f) as i32).collect();
            let [idle_s, interval_s, probes] = n[..] else {
                return Err(format!("KEEPALIVE={v}"));
            };
            Some(TcpKeepalive {
                idle_s,
                interval_s,
                probes,
            })
        }
    };
    let opts = PortOptions {
        rcvhwm: env_u64("RCVHWM", 1000) as i32,
        tcp_keepalive,
        ..PortOptions::default()
    };
    let (addr, proxy) = proxied("ADDR")?;
    let inport = Inport::with_options(&addr, "t", &opts).map_err(|e| e.to_string())?;
    if env("MONITOR").is_some() {
        let monitor = inport.monitor().map_err(|e| e.to_string())?;
        thread::spawn(move || {
            while let Ok(event) = monitor.next(-1) {
                say(format!("peer {:?} {}", event.kind, mono_us()));
            }
        });
    }
    while !stop.load(Ordering::Acquire) {
        match inport.recv(50) {
            Ok(msg) => {
                let now = mono_us();
                let text = String::from_utf8_lossy(msg.data()).into_owned();
                let mut f = text.split(' ');
                let (seq, sent) = (f.next().unwrap_or("?"), f.next().unwrap_or("?"));
                say(format!("got {seq} {sent} {now}"));
            }
            Err(e) if e.kind() == ErrorKind::Timeout => {}
            Err(e) => return Err(e.to_string()),
        }
    }
    say_proxy(&proxy);
    Ok(())
}

/// `echo` returns its params; `verify` says true to `s-…` sessions and
/// reports each one it is asked.
fn child_rpc_server(stop: &AtomicBool) -> Result<(), String> {
    let server = Server::new(&env("ADDR").ok_or("no ADDR")?).map_err(|e| e.to_string())?;
    server.set_handler("echo", |params| Ok(params.cloned().unwrap_or(json!(null))));
    server.set_handler("verify", |params| {
        let sid = params.and_then(|p| p.as_str()).unwrap_or("").to_owned();
        let ok = sid.starts_with("s-");
        say(format!("verify {sid} {ok}"));
        Ok(json!(ok))
    });
    server.start().map_err(|e| e.to_string())?;
    say("ready".into());
    while !stop.load(Ordering::Acquire) {
        thread::sleep(Duration::from_millis(10));
    }
    server.stop(2000).map_err(|e| e.to_string())?;
    let (requests, errors) = server.request_counts();
    say(format!("served requests={requests} errors={errors}"));
    Ok(())
}

/// Calls `echo(n)` every `INTERVAL_MS` (`COUNT` calls, or until stopped)
/// and reports `call N START_US END_US ok|timeout|wrong|error`.
fn child_rpc_client(stop: &AtomicBool) -> Result<(), String> {
    let (addr, proxy) = proxied("ADDR")?;
    let timeout = env_u64("TIMEOUT_MS", 1000) as i32;
    let count = env_u64("COUNT", u64::MAX);
    let interval = Duration::from_millis(env_u64("INTERVAL_MS", 50));
    let client = Client::new(&addr, timeout).map_err(|e| e.to_string())?;
    let mut n = 0u64;
    while n < count && !stop.load(Ordering::Acquire) {
        let start = mono_us();
        let result = client.call("echo", json!(n));
        let end = mono_us();
        let outcome = match result {
            Ok(v) if v == json!(n) => "ok".to_owned(),
            Ok(v) => format!("wrong:{v}"),
            Err(e) if e.kind() == ErrorKind::Timeout => "timeout".to_owned(),
            Err(e) => format!("error:{:?}", e.kind()),
        };
        say(format!("call {n} {start} {end} {outcome}"));
        n += 1;
        thread::sleep(interval);
    }
    say("calls done".into());
    say_proxy(&proxy);
    while !stop.load(Ordering::Acquire) {
        thread::sleep(Duration::from_millis(10));
    }
    Ok(())
}

/// An outpad pushing `SEQ SENT_US` with session `s-SEQ` every
/// `INTERVAL_MS` to an inpad in the same namespace (loopback) that
/// verifies each session at `RPC_ADDR` (cache TTL 0).
fn child_sessions(stop: &Arc<AtomicBool>) -> Result<(), String> {
    let stream = "tcp://127.0.0.1:5600";
    let rpc = env("RPC_ADDR").ok_or("no RPC_ADDR")?;
    let opts = PortOptions {
        rpc_timeout_ms: env_u64("RPC_TIMEOUT_MS", 500) as i32,
        ..PortOptions::default()
    };
    let recv_timeout = env_u64("RECV_TIMEOUT_MS", 100) as i32;
    let interval = Duration::from_millis(env_u64("INTERVAL_MS", 20));
    let outpad = Outpad::new(stream, "t").map_err(|e| e.to_string())?;
    let inpad = Inpad::with_options(stream, "t", &rpc, &opts).map_err(|e| e.to_string())?;
    inpad.set_cache_ttl(0);
    outpad
        .port()
        .wait_subscribers(1, 10_000)
        .map_err(|e| e.to_string())?;
    let pusher = {
        let stop = Arc::clone(stop);
        thread::spawn(move || -> Result<(), String> {
            let start = Instant::now();
            let mut seq = 0u64;
            while !stop.load(Ordering::Acquire) {
                let t = mono_us();
                outpad.set_session_id(Some(&format!("s-{seq}")));
                outpad
                    .push(format!("{seq} {t}").as_bytes(), None)
                    .map_err(|e| e.to_string())?;
                say(format!("pushed {seq} {t}"));
                seq += 1;
                let next = start + interval * seq as u32;
                thread::sleep(next.saturating_duration_since(Instant::now()));
            }
            Ok(())
        })
    };
    let mut max_recv = 0u64;
    let mut last_stats = Instant::now();
    let stats_line = |tag: &str, max_recv: u64| {
        let s = inpad.stats();
        format!(
            "{tag} delivered={} rpc_failed={} unverified={} verify_calls={} max_recv_us={max_recv}",
            s.delivered, s.dropped_rpc_failed, s.dropped_unverified, s.verify_calls
        )
    };
    while !stop.load(Ordering::Acquire) {
        let t = mono_us();
        let result = inpad.recv(recv_timeout);
        let now = mono_us();
        max_recv = max_recv.max(now - t);
        match result {
            Ok(msg) => {
                let text = String::from_utf8_lossy(msg.data()).into_owned();
                let sid = msg.session_id().unwrap_or("-").to_owned();
                let mut f = text.split(' ');
                let (seq, sent) = (f.next().unwrap_or("?"), f.next().unwrap_or("?"));
                say(format!("delivered {seq} {sid} {sent} {now}"));
            }
            Err(e) if e.kind() == ErrorKind::Timeout => {}
            Err(e) => return Err(e.to_string()),
        }
        if last_stats.elapsed() >= Duration::from_millis(250) {
            last_stats = Instant::now();
            say(stats_line("stats", max_recv));
        }
    }
    pusher.join().map_err(|_| "pusher panicked")??;
    say(stats_line("final", max_recv));
    Ok(())
}
