//! The workloads: each runs raw libzmq, zil's C ABI and (where it applies)
//! the Python original side by side and returns one row per path.

use crate::common::{
    current_rss_bytes, run_stream, window_for, Addresses, Budget, Latencies, RunSpec,
    StreamOutcome, Transport,
};
use crate::plain_c::{self, Peer, Work};
use crate::python::Python;
use crate::raw::RawPair;
use crate::report::Row;
use crate::zil_abi::{
    self, InpadSource, InportSource, OutpadSink, OutportSink, PushMode, RpcServer, FREED,
};
use serde_json::Value;
use std::sync::atomic::Ordering;
use std::time::{Duration, Instant};

/// Settings every workload sees.
pub struct Ctx {
    pub quick: bool,
    pub pin: bool,
    pub seconds: f64,
    pub python: Option<Python>,
    pub addrs: Addresses,
    /// Runs per workload; each path reports its median run.
    pub repeat: u32,
}

/// One workload of the suite.
#[derive(Clone, Debug)]
pub enum Kind {
    /// The plain-C programs of bench/c: raw libzmq, zil, NNG.
    PlainC(Work, Transport, usize),
    Stream(Transport, usize),
    ZeroCopy(Transport, usize),
    Rpc,
    Session(usize),
    /// RSS over ten million messages, through output and input ports
    /// (`false`) or session pads (`true`).
    Memory(bool),
}

#[derive(Clone, Debug)]
pub struct Workload {
    pub name: String,
    pub kind: Kind,
}

/// `64B`, `1KiB`, `64KiB`, `1MiB`.
pub fn size_name(size: usize) -> String {
    match size {
        s if s >= 1 << 20 && s % (1 << 20) == 0 => format!("{}MiB", s >> 20),
        s if s >= 1 << 10 && s % (1 << 10) == 0 => format!("{}KiB", s >> 10),
        s => format!("{s}B"),
    }
}

/// Messages of the memory-flatness run, and where its first reading is.
pub const MEMORY_MSGS: u64 = 10_000_000;
pub const MEMORY_PROBE: u64 = 100_000;

/// Every workload, in report order.
pub fn all() -> Vec<Workload> {
    let mut list = Vec::new();
    let sizes = [64, 1 << 10, 64 << 10, 1 << 20];
    for t in [Transport::Tcp, Transport::Ipc, Transport::Inproc] {
        for size in sizes {
            list.push(Workload {
                name: format!("c/stream/{}/{}", t.name(), size_name(size)),
                kind: Kind::PlainC(Work::Stream, t, size),
            });
        }
    }
    list.push(Workload {
        name: "c/rpc/tcp/verify".to_owned(),
        kind: Kind::PlainC(Work::Rpc, Transport::Tcp, 0),
    });
    for size in [64, 64 << 10] {
        list.push(Workload {
            name: format!("c/session/tcp/{}", size_name(size)),
            kind: Kind::PlainC(Work::Session, Transport::Tcp, size),
        });
    }
    for t in [Transport::Tcp, Transport::Ipc, Transport::Inproc] {
        for size in sizes {
            list.push(Workload {
                name: format!("stream/{}/{}", t.name(), size_name(size)),
                kind: Kind::Stream(t, size),
            });
        }
    }
    for t in [Transport::Tcp, Transport::Inproc] {
        for size in [64 << 10, 1 << 20] {
            list.push(Workload {
                name: format!("zerocopy/{}/{}", t.name(), size_name(size)),
                kind: Kind::ZeroCopy(t, size),
            });
        }
    }
    list.push(Workload {
        name: "rpc/tcp/verify".to_owned(),
        kind: Kind::Rpc,
    });
    for size in [64, 64 << 10] {
        list.push(Workload {
            name: format!("session/tcp/{}", size_name(size)),
            kind: Kind::Session(size),
        });
    }
    for session in [false, true] {
        list.push(Workload {
            name: format!(
                "memory/tcp/{}64B-x{}M",
                if session { "session-" } else { "" },
                MEMORY_MSGS / 1_000_000
            ),
            kind: Kind::Memory(session),
        });
    }
    list
}

impl Ctx {
    fn duration(&self) -> Option<Duration> {
        (!self.quick).then(|| Duration::from_secs_f64(self.seconds))
    }

    /// Streaming budget: in quick mode a few MiB, else the run time (and
    /// at most 2 GiB of payload, 2048 × 1 MiB).
    fn stream_spec(&self, size: usize, full_every: u64) -> RunSpec {
        let max_msgs = if self.quick {
            ((4u64 << 20) / size as u64).clamp(20, 2000)
        } else {
            ((2u64 << 30) / size as u64).min(5_000_000)
        };
        let window = window_for(size);
        RunSpec {
            size,
            budget: Budget {
                max_msgs,
                duration: self.duration(),
            },
            window,
            full_every,
            pin: self.pin,
            rss_probe_at: None,
            // One window's worth first: the heap the timed messages use is
            // then faulted in for every path alike.
            warmup: if self.quick { max_msgs / 4 } else { window },
        }
    }

    /// Session budget: the receiver verifies, so the sender may run at
    /// most 2000 messages ahead (bounded drain time).
    fn session_spec(&self, size: usize) -> RunSpec {
        let mut spec = self.stream_spec(size, 64);
        if self.quick {
            spec.budget.max_msgs = spec.budget.max_msgs.min(200);
            spec.warmup = spec.budget.max_msgs / 4;
        }
        spec.window = spec.window.min(2000);
        spec.warmup = spec.warmup.min(spec.window);
        spec
    }

    fn rpc_budget(&self) -> (u64, Budget) {
        if self.quick {
            (
                5,
                Budget {
                    max_msgs: 200,
                    duration: None,
                },
            )
        } else {
            (
                200,
                Budget {
                    max_msgs: 1_000_000,
                    duration: self.duration(),
                },
            )
        }
    }
}

/// Runs one workload `ctx.repeat` times (paths interleaved: raw, zil,
/// raw, zil, ...) and keeps each path's median run by rate, or its failed
/// run if one failed.
pub fn run(ctx: &Ctx, w: &Workload) -> Vec<Row> {
    let times = if matches!(w.kind, Kind::Memory(_)) {
        1
    } else {
        ctx.repeat.max(1)
    };
    let runs: Vec<Vec<Row>> = (0..times).map(|_| run_once(ctx, w)).collect();
    let Some(first) = runs.first() else {
        return Vec::new();
    };
    (0..first.len())
        .map(|i| {
            let mut same: Vec<&Row> = runs.iter().filter_map(|r| r.get(i)).collect();
            if let Some(bad) = same.iter().find(|r| r.failed) {
                return (*bad).clone();
            }
            same.sort_by(|a, b| a.rate.total_cmp(&b.rate));
            same[same.len() / 2].clone()
        })
        .collect()
}

fn run_once(ctx: &Ctx, w: &Workload) -> Vec<Row> {
    match w.kind {
        Kind::PlainC(work, t, size) => plain(ctx, &w.name, work, t, size),
        Kind::Stream(t, size) => stream(ctx, &w.name, t, size),
        Kind::ZeroCopy(t, size) => zero_copy(ctx, &w.name, t, size),
        Kind::Rpc => rpc(ctx, &w.name),
        Kind::Session(size) => session(ctx, &w.name, size),
        Kind::Memory(session) => vec![memory(ctx, &w.name, session)],
    }
}

/// A row from a streaming outcome (failed on any error or loss).
fn stream_row(workload: &str, path: &str, out: &StreamOutcome) -> Row {
    let mut row = Row::new(workload, path);
    row.msgs = out.timed;
    row.rate = out.rate();
    row.mb_per_s = Some(out.mb_per_s());
    row.lost = Some(out.lost());
    row.failed = !out.errors.is_empty() || out.lost() > 0 || out.bad > 0;
    row.note = out.errors.join("; ");
    row
}

fn add_note(row: &mut Row, note: &str) {
    if !row.note.is_empty() {
        row.note.push_str("; ");
    }
    row.note.push_str(note);
}

fn raw_stream(ctx: &Ctx, name: &str, path: &str, t: Transport, spec: &RunSpec, zc: bool) -> Row {
    let pair = match RawPair::new(&ctx.addrs, t) {
        Ok(p) => p,
        Err(e) => return Row::error(name, path, &e),
    };
    let (mut sink, mut source) = pair.split(spec.size, zc);
    let out = run_stream(&mut sink, &mut source, spec);
    stream_row(name, path, &out)
}

fn zil_stream(
    ctx: &Ctx,
    name: &str,
    path: &str,
    t: Transport,
    spec: &RunSpec,
    mode: PushMode,
) -> Row {
    let (port_out, port_in) = match zil_abi::stream_pair(&ctx.addrs, t) {
        Ok(p) => p,
        Err(e) => return Row::error(name, path, &e),
    };
    if mode == PushMode::ZeroCopy {
        FREED.store(0, Ordering::SeqCst);
    }
    let mut sink = OutportSink::new(port_out, spec.size, mode);
    let mut source = InportSource(port_in, zil_abi::MsgBuf::new());
    let out = run_stream(&mut sink, &mut source, spec);
    let mut row = stream_row(name, path, &out);
    // zil's counters must agree with the bench's (the EOS message included).
    match (sink.stats(), source.stats()) {
        _ if !out.errors.is_empty() => {}
        (Ok(s), Ok(r)) => {
            if s.messages_sent != out.sent + 1
                || r.messages_received != out.received + 1
                || r.messages_rejected != 0
                || r.messages_filtered != 0
            {
                row.failed = true;
                add_note(
                    &mut row,
                    &format!(
                        "zil counters disagree: sent {} received {} rejected {} filtered {}",
                        s.messages_sent,
                        r.messages_received,
                        r.messages_rejected,
                        r.messages_filtered
                    ),
                );
            }
        }
        (Err(e), _) | (_, Err(e)) => {
            row.failed = true;
            add_note(&mut row, &e);
        }
    }
    let pushed = sink.pushed_zero_copy;
    drop(sink);
    drop(source);
    if mode == PushMode::ZeroCopy {
        // Every buffer handed over is released exactly once, after libzmq
        // is done with it (the sockets are closed by now; an I/O thread
        // may still be finishing).
        let deadline = Instant::now() + Duration::from_secs(2);
        while FREED.load(Ordering::SeqCst) < pushed && Instant::now() < deadline {
            std::thread::sleep(Duration::from_millis(5));
        }
        let freed = FREED.load(Ordering::SeqCst);
        if freed != pushed {
            row.failed = true;
            add_note(
                &mut row,
                &format!("free callback ran {freed} times for {pushed} pushes"),
            );
        } else {
            let bytes = if out.bad == 0 && out.lost() == 0 {
                ", bytes exact"
            } else {
                ""
            };
            add_note(&mut row, &format!("frees {freed}/{pushed}{bytes}"));
        }
    }
    row
}

fn python_row(ctx: &Ctx, name: &str, args: Vec<String>) -> Option<Row> {
    let python = ctx.python.as_ref()?;
    let path = "python original";
    let timeout = Duration::from_secs(if ctx.quick { 30 } else { 90 });
    let v = match python.run(&args, timeout) {
        Ok(v) => v,
        Err(e) => {
            eprintln!("python baseline failed ({name}): {e}");
            return Some(Row::error(name, path, &e));
        }
    };
    let num = |k: &str| v.get(k).and_then(Value::as_f64);
    let mut row = Row::new(name, path);
    if args[0] == "rpc" {
        row.msgs = num("calls").unwrap_or(0.0) as u64;
        row.rate = num("calls_per_s").unwrap_or(0.0);
        row.p50_us = num("p50_us");
        row.p99_us = num("p99_us");
    } else {
        row.msgs = num("timed").unwrap_or(0.0) as u64;
        row.rate = num("msgs_per_s").unwrap_or(0.0);
        row.mb_per_s = num("mb_per_s");
        row.lost = v.get("lost").and_then(Value::as_u64);
        if num("bad").unwrap_or(0.0) > 0.0 {
            row.note = format!("{} messages with wrong content", num("bad").unwrap_or(0.0));
        }
    }
    Some(row)
}

fn python_stream_args(mode: &str, spec: &RunSpec) -> Vec<String> {
    vec![
        mode.to_owned(),
        "--size".to_owned(),
        spec.size.to_string(),
        "--count".to_owned(),
        spec.budget.max_msgs.to_string(),
        "--seconds".to_owned(),
        spec.budget
            .duration
            .map_or(3600.0, |d| d.as_secs_f64())
            .to_string(),
        "--window".to_owned(),
        spec.window.to_string(),
        "--warmup".to_owned(),
        spec.warmup.to_string(),
    ]
}

fn stream(ctx: &Ctx, name: &str, t: Transport, size: usize) -> Vec<Row> {
    let spec = ctx.stream_spec(size, 64);
    let mut rows = vec![
        raw_stream(ctx, name, "raw libzmq", t, &spec, false),
        zil_stream(ctx, name, "zil push", t, &spec, PushMode::Copy),
    ];
    if t == Transport::Tcp {
        rows.extend(python_row(ctx, name, python_stream_args("stream", &spec)));
    }
    rows
}

fn zero_copy(ctx: &Ctx, name: &str, t: Transport, size: usize) -> Vec<Row> {
    // Every message's bytes are compared in full at the receiver.
    let spec = ctx.stream_spec(size, 1);
    vec![
        raw_stream(ctx, name, "raw init_data", t, &spec, true),
        zil_stream(
            ctx,
            name,
            "zil push_zero_copy",
            t,
            &spec,
            PushMode::ZeroCopy,
        ),
        zil_stream(ctx, name, "zil push (copy)", t, &spec, PushMode::Copy),
    ]
}

fn latency_row(name: &str, path: &str, lat: &Latencies) -> Row {
    let mut row = Row::new(name, path);
    row.msgs = lat.calls();
    row.rate = lat.calls_per_s();
    row.p50_us = Some(lat.quantile(0.5));
    row.p99_us = Some(lat.quantile(0.99));
    row
}

fn rpc(ctx: &Ctx, name: &str) -> Vec<Row> {
    let (warmup, budget) = ctx.rpc_budget();
    let mut rows = vec![
        match crate::raw::rpc(warmup, budget) {
            Ok(lat) => latency_row(name, "raw REQ/REP", &lat),
            Err(e) => Row::error(name, "raw REQ/REP", &e),
        },
        match zil_abi::rpc(warmup, budget) {
            Ok((lat, calls)) => {
                let mut row = latency_row(name, "zil client_verify", &lat);
                row.note = format!("handler calls {calls}");
                row
            }
            Err(e) => Row::error(name, "zil client_verify", &e),
        },
    ];
    let args = vec![
        "rpc".to_owned(),
        "--count".to_owned(),
        budget.max_msgs.to_string(),
        "--seconds".to_owned(),
        budget
            .duration
            .map_or(3600.0, |d| d.as_secs_f64())
            .to_string(),
        "--warmup".to_owned(),
        warmup.to_string(),
    ];
    rows.extend(python_row(ctx, name, args));
    rows
}

fn zil_session(ctx: &Ctx, name: &str, path: &str, spec: &RunSpec, ttl: Option<u32>) -> Row {
    let server = match RpcServer::start() {
        Ok(s) => s,
        Err(e) => return Row::error(name, path, &e),
    };
    let (pad_out, pad_in) = match zil_abi::session_pair(&ctx.addrs, &server, ttl) {
        Ok(p) => p,
        Err(e) => return Row::error(name, path, &e),
    };
    let mut sink = OutpadSink::new(pad_out, spec.size);
    let mut source = InpadSource(pad_in, zil_abi::MsgBuf::new());
    let out = run_stream(&mut sink, &mut source, spec);
    let mut row = stream_row(name, path, &out);
    match source.stats() {
        Ok(s) => {
            let dropped = s.dropped_bad_json
                + s.dropped_missing_field
                + s.dropped_bad_base64
                + s.dropped_no_session
                + s.dropped_unverified
                + s.dropped_rpc_failed;
            add_note(
                &mut row,
                &format!(
                    "verify calls {}, cache hits {}",
                    s.verify_calls, s.cache_hits
                ),
            );
            if dropped > 0 {
                row.failed = true;
                add_note(
                    &mut row,
                    &format!(
                        "dropped {dropped} (unverified {}, rpc failed {})",
                        s.dropped_unverified, s.dropped_rpc_failed
                    ),
                );
            }
            let handled = server.calls.load(Ordering::Relaxed);
            if handled != s.verify_calls {
                row.failed = true;
                add_note(
                    &mut row,
                    &format!("the server's handler ran {handled} times"),
                );
            }
            if ttl == Some(0) && s.cache_hits != 0 {
                row.failed = true;
                add_note(&mut row, "cache hits with ttl 0");
            }
        }
        Err(e) => {
            row.failed = true;
            add_note(&mut row, &e);
        }
    }
    row
}

fn session(ctx: &Ctx, name: &str, size: usize) -> Vec<Row> {
    let spec = ctx.session_spec(size);
    let mut rows = vec![
        raw_stream(
            ctx,
            name,
            "raw libzmq (no session)",
            Transport::Tcp,
            &spec,
            false,
        ),
        zil_session(ctx, name, "zil pads, cache 1000 ms", &spec, None),
        zil_session(ctx, name, "zil pads, cache 0", &spec, Some(0)),
    ];
    rows.extend(python_row(ctx, name, python_stream_args("session", &spec)));
    rows
}

fn memory(ctx: &Ctx, name: &str, session: bool) -> Row {
    let path = if session {
        "zil session pads"
    } else {
        "zil push"
    };
    let spec = RunSpec {
        size: 64,
        budget: Budget {
            max_msgs: MEMORY_MSGS,
            // A bound, not a target: a slow machine stops early.
            duration: Some(Duration::from_secs(90)),
        },
        window: 10_000,
        full_every: 1 << 20,
        pin: ctx.pin,
        rss_probe_at: Some(MEMORY_PROBE),
        warmup: 0,
    };
    let out = if session {
        let server = match RpcServer::start() {
            Ok(s) => s,
            Err(e) => return Row::error(name, path, &e),
        };
        let (pad_out, pad_in) = match zil_abi::session_pair(&ctx.addrs, &server, None) {
            Ok(p) => p,
            Err(e) => return Row::error(name, path, &e),
        };
        let mut sink = OutpadSink::new(pad_out, spec.size);
        let mut source = InpadSource(pad_in, zil_abi::MsgBuf::new());
        run_stream(&mut sink, &mut source, &spec)
    } else {
        let (port_out, port_in) = match zil_abi::stream_pair(&ctx.addrs, Transport::Tcp) {
            Ok(p) => p,
            Err(e) => return Row::error(name, path, &e),
        };
        let mut sink = OutportSink::new(port_out, spec.size, PushMode::Copy);
        let mut source = InportSource(port_in, zil_abi::MsgBuf::new());
        run_stream(&mut sink, &mut source, &spec)
    };
    let rss_end = current_rss_bytes();
    let mut row = stream_row(name, path, &out);
    let mb = |b: u64| b as f64 / 1e6;
    match (out.rss_at_probe, rss_end) {
        (Some(a), Some(b)) => add_note(
            &mut row,
            &format!(
                "RSS after {}k {:.1} MB, after {:.1}M {:.1} MB: {:+.1} MB",
                MEMORY_PROBE / 1000,
                mb(a),
                out.received as f64 / 1e6,
                mb(b),
                mb(b) - mb(a)
            ),
        ),
        _ => add_note(&mut row, "RSS not readable (/proc/self/statm)"),
    }
    if out.sent < MEMORY_MSGS {
        add_note(&mut row, "stopped early (time bound)");
    }
    row
}

/// One plain-C workload: raw libzmq, zil and NNG, each a C program's loop
/// (for session-aware streaming: raw streaming of the same payload, and
/// zil's session pads).
fn plain(ctx: &Ctx, name: &str, work: Work, t: Transport, size: usize) -> Vec<Row> {
    let (count, warmup) = match (work, ctx.quick) {
        (Work::Rpc, true) => (100, 10),
        (Work::Rpc, false) => (20_000, 500),
        (_, true) => (((4u64 << 20) / size as u64).clamp(20, 2000), 10),
        // At most 256 MiB of payload: the queues (high-water marks 0)
        // never hold more.
        (_, false) => {
            let n = ((256u64 << 20) / size as u64).min(2_000_000);
            (n, n / 10)
        }
    };
    let peers: &[(Peer, Work)] = match work {
        Work::Session => &[(Peer::Zmq, Work::Stream), (Peer::Zil, Work::Session)],
        _ => &[(Peer::Zmq, work), (Peer::Zil, work), (Peer::Nng, work)],
    };
    peers
        .iter()
        .map(|&(peer, work)| {
            let path = match (peer, work) {
                (Peer::Zil, Work::Session) => "zil C (session pads)",
                (Peer::Zmq, _) => "raw C (libzmq)",
                (Peer::Zil, _) => "zil C",
                (Peer::Nng, _) => "NNG C",
            };
            let mut addr = ctx.addrs.bind(t, "c");
            if peer == Peer::Nng {
                // NNG asks for port 0 where libzmq takes '*'.
                addr = addr.replace(":*", ":0");
            }
            if !plain_c::available(peer) {
                let mut row = Row::new(name, path);
                row.note =
                    "skipped: NNG was not found when zil-bench was built (libnng-dev)".into();
                return row;
            }
            match plain_c::run(peer, work, &addr, size, count, warmup, ctx.pin) {
                Ok(out) => plain_row(name, path, peer, work, size, &out),
                Err(e) => Row::error(name, path, &e),
            }
        })
        .collect()
}

fn plain_row(
    name: &str,
    path: &str,
    peer: Peer,
    work: Work,
    size: usize,
    out: &plain_c::Outcome,
) -> Row {
    let mut row = Row::new(name, path);
    row.msgs = out.received;
    row.rate = out.rate();
    if matches!(work, Work::Rpc) {
        row.rate = out.received as f64 / out.seconds.max(1e-9);
        row.p50_us = Some(out.p50_us);
        row.p99_us = Some(out.p99_us);
        return row;
    }
    row.mb_per_s = Some(row.rate * size as f64 / 1e6);
    row.lost = Some(out.lost());
    if out.bad > 0 {
        row.failed = true;
        row.note = format!("{} messages with wrong bytes or order", out.bad);
    }
    if out.lost() > 0 {
        if peer == Peer::Nng {
            // pub0 drops past its subscriber's buffer by design.
            row.note = "NNG pub0 drops past the subscriber's 8192-message buffer".to_owned();
        } else {
            row.failed = true;
        }
    }
    row
}
