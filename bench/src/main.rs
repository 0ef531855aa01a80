//! zil-bench: zil's C ABI side by side with raw libzmq (the same libzmq
//! build, the same socket options) and the Python original (pyzmq).
//!
//! ```text
//! cargo build --release
//! ./target/release/zil-bench --quick        # CI smoke test, every path once
//! ./target/release/zil-bench                # full run, < 2 min on 2 cores
//! ./target/release/zil-bench --repeat 3 --markdown   # figures for BENCHMARKS.md
//! ```
//!
//! Method:
//!
//! - The `c/` workloads come first and are the headline: the same work as
//!   three plain C programs (`bench/c/`), on libzmq (**raw C**, the libzmq
//!   build zil links), on zil's C API (**zil C**) and on NNG (**NNG C**),
//!   run one after another in each repetition. Every other row is driven
//!   from Rust.
//! - The other workloads run their paths one after another: **raw**
//!   libzmq through the `zmq` crate (a Rust harness with a flow window:
//!   not a plain-C baseline), **zil** through its exported `zil_*` C
//!   functions (declared from `include/zil.h`), and the **Python original**
//!   (`bench/python/original_baseline.py`, pyzmq, separate processes).
//! - Streaming: a sender thread and a receiver thread, 3-frame messages
//!   `[topic, data, "pcm"]`; high-water marks 0 (unlimited) everywhere and
//!   the publisher waits for its subscriber (raw: XPUB subscription message;
//!   zil: `zil_outport_wait_subscribers`), so nothing may be lost. The sender
//!   stays at most one window (64 MiB, at most 100 000 messages; 2000 for
//!   session pads) ahead of the receiver, so memory stays bounded. One
//!   window of untimed warm-up messages goes first; then the sender sends
//!   for `--seconds` (at most 2 GiB); an `EOS` message carries the count.
//!   The rate is the receiver's, first to last timed message.
//! - Every payload carries its sequence number; the receiver checks order,
//!   length and (every 64th message, every message for zero-copy) all bytes.
//!   Lost = sent − received.
//! - RPC: the original's `verify` request over REQ/REP, one call at a time;
//!   median and p99 latency and calls/s.
//!
//! Exits non-zero when a raw or zil path loses a message, receives wrong
//! bytes, or a zil call fails. The Python baseline never fails the run.

mod common;
mod plain_c;
mod python;
mod raw;
mod report;
mod workloads;
mod zil_abi;
mod zil_h;

use report::Row;
use std::ffi::CStr;
use std::process::ExitCode;
use std::time::Instant;

const USAGE: &str = "\
usage: zil-bench [options]

Runs the c/ workloads as plain C programs on libzmq, zil and NNG, the
others through raw libzmq (zmq crate), zil's C ABI and, where it applies,
the Python original (bench/python/original_baseline.py), and prints
msgs/s, MB/s, the ratios zil/raw, zil/Python and zil/NNG, lost messages and
latencies.

options:
  --quick          every path once with small counts (CI smoke test, < 15 s)
  --only SUBSTR    run only workloads whose name contains SUBSTR (repeatable)
  --python         run the Python baseline (default)
  --no-python      skip the Python baseline
  --markdown       print the table as Markdown (for BENCHMARKS.md)
  --pin            pin the sender thread to CPU 0 and the receiver to CPU 1
  --seconds S      time each path sends for (default 0.4; not with --quick)
  --repeat N       run each workload N times (paths interleaved) and report
                   each path's median run (default 1; 3 for published figures)
  --list           list the workload names and exit
  --inject-loss    zil output ports skip one message: checks that a loss
                   fails the run (non-zero exit)
  -h, --help       this text

Python: $ZIL_BENCH_PYTHON (default python3) with pyzmq.";

struct Args {
    quick: bool,
    only: Vec<String>,
    python: bool,
    markdown: bool,
    pin: bool,
    seconds: f64,
    repeat: u32,
    list: bool,
}

fn parse_args() -> Result<Args, String> {
    let mut args = Args {
        quick: false,
        only: Vec::new(),
        python: true,
        markdown: false,
        pin: false,
        seconds: 0.4,
        repeat: 1,
        list: false,
    };
    let mut it = std::env::args().skip(1);
    while let Some(a) = it.next() {
        match a.as_str() {
            "--quick" => args.quick = true,
            "--only" => args.only.push(it.next().ok_or("--only needs a substring")?),
            "--python" => args.python = true,
            "--no-python" => args.python = false,
            "--markdown" => args.markdown = true,
            "--pin" => args.pin = true,
            "--list" => args.list = true,
            "--inject-loss" => {
                zil_abi::INJECT_LOSS.store(true, std::sync::atomic::Ordering::Relaxed)
            }
            "--seconds" => {
                let v = it.next().ok_or("--seconds needs a number")?;
                args.seconds = v
                    .parse()
                    .ok()
                    .filter(|s: &f64| *s > 0.0 && *s <= 60.0)
                    .ok_or(format!("--seconds {v}: expected a number in (0, 60]"))?;
            }
            "--repeat" => {
                let v = it.next().ok_or("--repeat needs a number")?;
                args.repeat = v
                    .parse()
                    .ok()
                    .filter(|n: &u32| (1..=20).contains(n))
                    .ok_or(format!("--repeat {v}: expected 1 to 20"))?;
            }
            "-h" | "--help" => {
                println!("{USAGE}");
                std::process::exit(0);
            }
            other => return Err(format!("unknown argument '{other}'\n\n{USAGE}")),
        }
    }
    Ok(args)
}

fn main() -> ExitCode {
    let args = match parse_args() {
        Ok(a) => a,
        Err(e) => {
            eprintln!("zil-bench: {e}");
            return ExitCode::from(2);
        }
    };
    let mut list = workloads::all();
    if args.quick {
        // Memory flatness only in the full run.
        list.retain(|w| !matches!(w.kind, workloads::Kind::Memory(_)));
    }
    if !args.only.is_empty() {
        list.retain(|w| args.only.iter().any(|o| w.name.contains(o.as_str())));
    }
    if args.list {
        for w in &list {
            println!("{}", w.name);
        }
        return ExitCode::SUCCESS;
    }
    if list.is_empty() {
        eprintln!("zil-bench: no workload matches --only {:?}", args.only);
        return ExitCode::from(2);
    }

    let mut header = Vec::new();
    // SAFETY: zil_version returns a static C string.
    let zil_version = unsafe { CStr::from_ptr(zil_h::zil_version()) }.to_string_lossy();
    let (a, b, c) = zmq::version();
    header.push(format!(
        "zil {zil_version}, libzmq {a}.{b}.{c}, {} CPUs, {} run{}{}",
        std::thread::available_parallelism().map_or(0, |n| n.get()),
        if args.quick { "quick" } else { "full" },
        if args.quick {
            String::new()
        } else {
            format!(", {} s per path", args.seconds)
        },
        if args.pin {
            ", pinned (sender CPU 0, receiver CPU 1)"
        } else {
            ""
        },
    ));
    if args.quick {
        header.push(
            "quick: a smoke test (every path once, few messages); its rates mean nothing"
                .to_owned(),
        );
    }
    if args.repeat > 1 {
        header.push(format!(
            "each path: median of {} runs (memory: one run)",
            args.repeat
        ));
    }
    let python = if args.python {
        match python::Python::detect() {
            Ok(p) => {
                header.push(format!("baseline: {}", p.versions()));
                Some(p)
            }
            Err(why) => {
                header.push(format!("python baseline skipped: {why}"));
                None
            }
        }
    } else {
        header.push("python baseline skipped: --no-python".to_owned());
        None
    };
    for line in &header {
        eprintln!("{line}");
    }
    let addrs = match common::Addresses::new() {
        Ok(a) => a,
        Err(e) => {
            eprintln!("zil-bench: {e}");
            return ExitCode::FAILURE;
        }
    };
    let ctx = workloads::Ctx {
        quick: args.quick,
        pin: args.pin,
        seconds: args.seconds,
        python,
        addrs,
        repeat: args.repeat,
    };

    let start = Instant::now();
    let mut rows: Vec<Row> = Vec::new();
    for (i, w) in list.iter().enumerate() {
        let t = Instant::now();
        let got = workloads::run(&ctx, w);
        for r in &got {
            eprintln!(
                "[{}/{}] {:<24} {:<26} {:>12} /s  lost {:>2}{}{}",
                i + 1,
                list.len(),
                r.workload,
                r.path,
                report::thousands(r.rate),
                r.lost.map_or("-".to_owned(), |l| l.to_string()),
                if r.failed { "  FAILED" } else { "" },
                if r.note.is_empty() {
                    String::new()
                } else {
                    format!("  ({})", r.note)
                },
            );
        }
        eprintln!("      {:.1} s", t.elapsed().as_secs_f64());
        rows.extend(got);
    }
    report::fill_ratios(&mut rows);

    let failed: Vec<&Row> = rows.iter().filter(|r| r.failed).collect();
    let lost: u64 = rows
        .iter()
        .filter(|r| !r.is_python && !r.is_nng)
        .filter_map(|r| r.lost)
        .sum();
    let bullet = if args.markdown { "- " } else { "" };
    for line in &header {
        println!("{bullet}{line}");
    }
    println!("{bullet}MB = 10^6 bytes of payload; rates at the receiver, first to last message; vs raw = this path / raw libzmq of the same workload; zil/py = zil / Python original");
    println!();
    if args.markdown {
        print!("{}", report::markdown_table(&rows));
    } else {
        print!("{}", report::text_table(&rows));
    }
    println!();
    let mb = |b: Option<u64>| b.map_or("?".to_owned(), |b| format!("{:.1} MB", b as f64 / 1e6));
    println!(
        "peak RSS {} (getrusage ru_maxrss); {} workloads in {:.1} s; {} messages lost on raw/zil paths (NNG's pub0 drops by design, not counted)",
        mb(common::peak_rss_bytes()),
        list.len(),
        start.elapsed().as_secs_f64(),
        lost
    );
    if failed.is_empty() {
        println!("all raw and zil paths ok");
        ExitCode::SUCCESS
    } else {
        println!("FAILED: {} path(s)", failed.len());
        for r in failed {
            println!(
                "  {} / {}: lost {:?} {}",
                r.workload, r.path, r.lost, r.note
            );
        }
        ExitCode::FAILURE
    }
}
