//! Tests of the `zil` command-line tool, run as a separate process. Every
//! wait is bounded (a stuck child is killed and the test fails with what it
//! printed); addresses are ephemeral TCP ports or ipc:// paths in a unique
//! temporary directory, so the tests may run in parallel.

#[path = "../../tests/common/python.rs"]
mod python;

use python::{Child, Stderr, TempDir};
use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};

const ZIL: &str = env!("CARGO_BIN_EXE_zil");

/// Generous bound for anything that should take milliseconds: the tests
/// share the machine with builds and other tests.
const LONG: Duration = Duration::from_secs(30);

/// A `zil` process (its output collected, see [`Child`]).
struct Proc {
    child: Child,
}

/// How a process ended.
#[derive(Debug)]
struct Finished {
    code: Option<i32>,
    stdout: String,
    stderr: String,
    elapsed: Duration,
}

impl Proc {
    fn spawn(args: &[&str]) -> Proc {
        Proc {
            child: Child::spawn(
                format!("zil {args:?}"),
                Command::new(ZIL).args(args),
                Stderr::Kept,
            ),
        }
    }

    /// Writes `text` to stdin and closes it.
    fn feed(&mut self, text: &[u8]) {
        self.child.write(text);
        self.child.close_stdin();
    }

    /// The next stdout line, within `timeout`.
    fn line(&mut self, timeout: Duration) -> String {
        match self.child.line(timeout) {
            Ok(line) => line,
            Err(_) => {
                self.child.kill();
                panic!(
                    "{}: no stdout line within {timeout:?}; stderr: {}",
                    self.child.what(),
                    self.child.stderr()
                )
            }
        }
    }

    fn signal(&self, signal: i32) {
        // SAFETY: sends a signal to our own child, which is still running
        // (not waited for), so its pid is not reused.
        let rc = unsafe { libc::kill(self.child.id() as libc::pid_t, signal) };
        assert_eq!(rc, 0, "cannot signal zil");
    }

    /// Waits for the exit, at most `timeout`; kills the process and fails
    /// the test if it is still running then.
    fn wait(mut self, timeout: Duration) -> Finished {
        self.child.close_stdin();
        let start = Instant::now();
        let Some(status) = self.child.wait(timeout) else {
            panic!(
                "{} still running after {timeout:?}; stdout: {} stderr: {}",
                self.child.what(),
                self.child.stdout(),
                self.child.stderr()
            );
        };
        Finished {
            code: status.code(),
            elapsed: start.elapsed(),
            stdout: self.child.stdout(),
            stderr: self.child.stderr(),
        }
    }
}

/// Runs `zil ARGS` with `stdin` as input, waiting at most `timeout`.
fn run_with(args: &[&str], stdin: &[u8], timeout: Duration) -> Finished {
    let mut proc = Proc::spawn(args);
    proc.feed(stdin);
    proc.wait(timeout)
}

fn run(args: &[&str]) -> Finished {
    run_with(args, b"", LONG)
}

/// Asserts a successful run and returns its stdout.
fn ok(args: &[&str]) -> String {
    let done = run(args);
    assert_eq!(done.code, Some(0), "zil {args:?}: {done:?}");
    done.stdout
}

/// Asserts a failed run: exit `code` and exactly one `zil:` line on stderr.
fn fails(args: &[&str], code: i32) -> String {
    let done = run(args);
    assert_eq!(done.code, Some(code), "zil {args:?}: {done:?}");
    assert_one_error_line(&done.stderr);
    done.stderr
}

fn assert_one_error_line(stderr: &str) {
    assert_eq!(stderr.lines().count(), 1, "not one line: {stderr:?}");
    assert!(stderr.starts_with("zil: "), "no 'zil:' prefix: {stderr:?}");
}

/// Starts `zil serve-authz` on an ephemeral port; returns it and its endpoint.
fn authz(extra: &[&str]) -> (Proc, String) {
    let mut args = vec!["serve-authz", "tcp://127.0.0.1:*"];
    args.extend_from_slice(extra);
    let mut server = Proc::spawn(&args);
    let endpoint = server.line(LONG);
    assert!(
        endpoint.starts_with("tcp://127.0.0.1:") && !endpoint.ends_with('*'),
        "endpoint: {endpoint:?}"
    );
    (server, endpoint)
}

#[test]
fn help_and_version() {
    let top = ok(&["--help"]);
    for sub in ["pub", "sub", "rpc", "serve-authz", "demo", "bench"] {
        assert!(top.contains(sub), "'{sub}' missing from zil --help:\n{top}");
    }
    assert!(top.contains("Exit codes"), "{top}");
    for sub in ["pub", "sub", "rpc", "serve-authz", "demo"] {
        let help = ok(&[sub, "--help"]);
        assert!(
            help.contains(&format!("Usage: zil {sub}")),
            "zil {sub} --help:\n{help}"
        );
    }
    let bench = ok(&["help", "bench"]);
    assert!(bench.contains("zil-bench"), "{bench}");
    let version = ok(&["--version"]);
    assert_eq!(version.trim(), format!("zil {}", env!("CARGO_PKG_VERSION")));
}

#[test]
fn authz_server_and_rpc_calls() {
    let (server, ep) = authz(&["--session", "preset-session"]);
    let ep = ep.as_str();
    assert_eq!(
        ok(&["rpc", ep, "verify", "\"preset-session\""]).trim(),
        "true"
    );
    let token = ok(&["rpc", ep, "get_token", "--raw"]);
    let token = token.trim();
    assert_eq!(token.len(), 32, "{token:?}");
    assert!(
        token
            .bytes()
            .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b)),
        "not lowercase hex: {token:?}"
    );
    // Without --raw the result is JSON: a quoted string.
    let json = ok(&["rpc", ep, "get_token"]);
    assert!(
        json.trim().starts_with('"') && json.trim().ends_with('"'),
        "{json}"
    );
    assert_eq!(
        ok(&["rpc", ep, "verify", &format!("\"{token}\"")]).trim(),
        "true"
    );
    assert_eq!(ok(&["rpc", ep, "verify", "--string", token]).trim(), "true");
    assert_eq!(
        ok(&["rpc", ep, "logout", &format!("[\"{token}\"]")]).trim(),
        "true"
    );
    assert_eq!(ok(&["rpc", ep, "verify", "-s", token]).trim(), "false");
    let err = fails(&["rpc", ep, "no_such_method"], 4);
    assert!(err.contains("Command Not Supported"), "{err}");
    assert!(err.contains("no_such_method"), "{err}");
    // Params that are not JSON are the caller's mistake, found before calling.
    let err = fails(&["rpc", ep, "verify", "abc"], 2);
    assert!(err.contains("--string"), "{err}");
    // SIGTERM stops the server cleanly.
    server.signal(libc::SIGTERM);
    let done = server.wait(LONG);
    assert_eq!(done.code, Some(0), "{done:?}");
}

#[test]
fn serve_authz_for_ms_stops_by_itself() {
    let (server, _ep) = authz(&["--for-ms", "200"]);
    let done = server.wait(LONG);
    assert_eq!(done.code, Some(0), "{done:?}");
}

#[test]
fn rpc_to_a_dead_address_times_out() {
    // A port that was free a moment ago: nobody answers there.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("free port")
        .port();
    let addr = format!("tcp://127.0.0.1:{port}");
    let done = run(&["rpc", &addr, "verify", "-s", "x", "--timeout-ms", "200"]);
    assert_eq!(done.code, Some(3), "{done:?}");
    assert_one_error_line(&done.stderr);
    assert!(done.stderr.contains(&addr), "{done:?}");
    assert!(done.stderr.contains("200 ms"), "{done:?}");
    assert!(
        done.elapsed < Duration::from_secs(2),
        "took {:?}",
        done.elapsed
    );
}

#[test]
fn stdin_lines_flow_from_pub_to_sub() {
    let dir = TempDir::new("lines");
    let addr = dir.ipc("stream");
    let sub = Proc::spawn(&["sub", &addr, "asr", "--count", "4", "--timeout-ms", "20000"]);
    let publisher = run_with(
        &[
            "pub",
            &addr,
            "asr",
            "--event",
            "pcm",
            // Waits for the subscriber by default.
            "--wait-ms",
            "20000",
            "--eos",
        ],
        "hello\nwörld\twide\r\n\n".as_bytes(),
        LONG,
    );
    assert_eq!(publisher.code, Some(0), "{publisher:?}");
    let done = sub.wait(LONG);
    assert_eq!(done.code, Some(0), "{done:?}");
    let lines: Vec<&str> = done.stdout.lines().collect();
    assert_eq!(
        lines,
        [
            "asr\tpcm\t5\thello",
            "asr\tpcm\t11\twörld\\twide",
            "asr\tpcm\t0\t",
            "asr\tEOS\t0\t",
        ],
        "{done:?}"
    );
}

#[test]
fn file_chunks_with_reversed_roles_and_hex() {
    let dir = TempDir::new("chunks");
    let addr = dir.ipc("stream");
    let file = dir.path().join("payload.bin");
    let bytes: Vec<u8> = (0..=255u8).cycle().take(2500).collect();
    std::fs::write(&file, &bytes).expect("cannot write the payload");
    // The subscriber binds, the publisher connects.
    let sub = Proc::spawn(&[
        "sub",
        &addr,
        "video",
        "--bind",
        "--count",
        "3",
        "--timeout-ms",
        "20000",
        "--max-bytes",
        "4",
    ]);
    let file = file.to_string_lossy();
    let publisher = run(&[
        "pub",
        &addr,
        "video",
        "--connect",
        "--file",
        &file,
        "--chunk",
        "1000",
        "--wait-subscribers",
        "1",
        "--wait-ms",
        "20000",
    ]);
    assert_eq!(publisher.code, Some(0), "{publisher:?}");
    let done = sub.wait(LONG);
    assert_eq!(done.code, Some(0), "{done:?}");
    let lines: Vec<&str> = done.stdout.lines().collect();
    assert_eq!(
        lines,
        [
            "video\t-\t1000\thex:00010203 …(+996 B)",
            "video\t-\t1000\thex:e8e9eaeb …(+996 B)",
            "video\t-\t500\thex:d0d1d2d3 …(+496 B)",
        ],
        "{done:?}"
    );
}

#[test]
fn sub_prefix_and_exact_topics() {
    let dir = TempDir::new("prefix");
    let addr = dir.ipc("stream");
    let port = zil::stream::Outport::new(&addr, "asr/partial").expect("outport");
    let prefix = Proc::spawn(&[
        "sub",
        &addr,
        "asr",
        "--prefix",
        "--count",
        "1",
        "--timeout-ms",
        "20000",
    ]);
    port.wait_subscribers(1, 20_000).expect("prefix subscriber");
    port.push(b"partial text", Some("INTERMEDIATE"))
        .expect("push");
    let done = prefix.wait(LONG);
    assert_eq!(done.code, Some(0), "{done:?}");
    assert_eq!(done.stdout, "asr/partial\tINTERMEDIATE\t12\tpartial text\n");
    // Exactly 'asr' (a fresh port, so that the wait below sees this very
    // subscriber): the message is received and filtered out; the idle
    // timeout with nothing printed is exit 3.
    let addr = dir.ipc("stream2");
    let port = zil::stream::Outport::new(&addr, "asr/partial").expect("outport");
    let exact = Proc::spawn(&["sub", &addr, "asr", "--timeout-ms", "1500"]);
    port.wait_subscribers(1, 20_000).expect("exact subscriber");
    port.push(b"partial text", None).expect("push");
    let done = exact.wait(LONG);
    assert_eq!(done.code, Some(3), "{done:?}");
    assert_eq!(done.stdout, "");
    assert_one_error_line(&done.stderr);
}

#[test]
fn sub_unwraps_session_envelopes() {
    let dir = TempDir::new("session");
    let addr = dir.ipc("pad");
    let session = "4a501b51317e2c8f4a0fd7831d3e09dc";
    let outpad = zil::session::Outpad::new(&addr, "asr").expect("outpad");
    outpad.set_session_id(Some(session));
    let sub = Proc::spawn(&[
        "sub",
        &addr,
        "asr",
        "--session",
        "--count",
        "3",
        "--timeout-ms",
        "20000",
    ]);
    outpad
        .port()
        .wait_subscribers(1, 20_000)
        .expect("subscriber");
    outpad.push(b"hello session", Some("pcm")).expect("push");
    outpad.push(&[0xff, 0x00, 0x7f], None).expect("push");
    // A message on the same topic that is not an envelope.
    outpad
        .port()
        .push(b"plain words", Some("EOS"))
        .expect("push");
    let done = sub.wait(LONG);
    assert_eq!(done.code, Some(0), "{done:?}");
    let lines: Vec<&str> = done.stdout.lines().collect();
    assert_eq!(
        lines,
        [
            format!("asr\tpcm\t13\tsession={session}\thello session").as_str(),
            format!("asr\t-\t3\tsession={session}\thex:ff007f").as_str(),
            "asr\tEOS\t11\tnot-an-envelope(not a JSON object)\tplain words",
        ],
        "{done:?}"
    );
}

#[test]
fn sub_stops_on_sigint() {
    let dir = TempDir::new("sigint");
    let addr = dir.ipc("stream");
    let port = zil::stream::Outport::new(&addr, "t").expect("outport");
    let sub = Proc::spawn(&["sub", &addr, "t"]);
    port.wait_subscribers(1, 20_000).expect("subscriber");
    sub.signal(libc::SIGINT);
    let done = sub.wait(LONG);
    assert_eq!(done.code, Some(0), "{done:?}");
}

#[test]
fn demo_runs_the_three_modes() {
    let done = run_with(
        &["demo", "--messages", "20000"],
        b"",
        Duration::from_secs(60),
    );
    assert_eq!(done.code, Some(0), "{done:?}");
    for heading in ["1. Streaming", "2. RPC", "3. Session-aware streaming"] {
        assert!(
            done.stdout.contains(heading),
            "no '{heading}':\n{}",
            done.stdout
        );
    }
    for fact in [
        "received  20000 messages, 0 lost",
        "msg/s",
        "MB/s",
        "median",
        "Command Not Supported",
        "last gets 'HELLO'",
        "middle drops it",
    ] {
        assert!(done.stdout.contains(fact), "no '{fact}':\n{}", done.stdout);
    }
}

#[test]
fn bad_arguments_are_one_line_and_exit_2() {
    let err = fails(&["pub", "nope", "t"], 2);
    assert!(err.contains("'nope'"), "{err}");
    let err = fails(&["sub", "tcp://127.0.0.1", "t", "--timeout-ms", "100"], 2);
    assert!(err.contains("'tcp://127.0.0.1'"), "{err}");
    let err = fails(&["rpc", "nope", "verify", "-s", "x"], 2);
    assert!(err.contains("'nope'"), "{err}");
    let err = fails(&["serve-authz", "nope"], 2);
    assert!(err.contains("'nope'"), "{err}");
    let err = fails(&["pub"], 2);
    assert!(err.contains("zil pub --help"), "{err}");
    fails(&["sub", "ipc:///tmp/x", "t", "--count", "0"], 2);
    let err = fails(
        &[
            "rpc",
            "tcp://127.0.0.1:1",
            "verify",
            "-s",
            "x",
            "--timeout-ms",
            "-5",
        ],
        2,
    );
    assert!(err.contains("-5 ms is negative"), "{err}");
    assert!(!err.contains("-- -5"), "no tip about '--': {err}");
    let err = fails(&["sub", "ipc:///tmp/x", "t", "--timeout-ms", "-5"], 2);
    assert!(err.contains("-5 ms is negative"), "{err}");
    fails(&["frobnicate"], 2);
}

#[test]
fn endpoint_mistakes_say_what_is_valid() {
    for (addr, why) in [
        (
            "udp://127.0.0.1:5555",
            "udp:// is not one zil's sockets use",
        ),
        ("garbage", "no transport"),
    ] {
        let err = fails(&["sub", addr, "t", "--timeout-ms", "100"], 2);
        assert!(err.contains(why), "{err}");
        assert!(
            err.contains("tcp://HOST:PORT") && err.contains("ipc://PATH"),
            "{err}"
        );
        assert!(!err.contains("errno"), "{err}");
    }
    // A host that does not resolve: a warning, not silence.
    let done = run(&[
        "sub",
        "tcp://no.such.host.invalid:5555",
        "t",
        "--timeout-ms",
        "1000",
    ]);
    assert_eq!(done.code, Some(3), "{done:?}");
    assert!(
        done.stderr
            .contains("[warn] zil: cannot resolve the host of 'tcp://no.such.host.invalid:5555'"),
        "{done:?}"
    );
}

#[test]
fn rpc_refuses_verify_and_logout_without_a_session() {
    // The original's server dies of a TypeError on verify({}) or
    // logout(""): nothing is sent (exit 2 at once, no timeout).
    for args in [
        &["rpc", "tcp://127.0.0.1:1", "verify"][..],
        &["rpc", "tcp://127.0.0.1:1", "logout", "{}"],
        &["rpc", "tcp://127.0.0.1:1", "verify", "-s", ""],
    ] {
        let done = run(args);
        assert_eq!(done.code, Some(2), "{args:?}: {done:?}");
        assert!(done.stderr.contains("needs a session id"), "{done:?}");
        assert!(done.elapsed < Duration::from_secs(2), "{done:?}");
    }
}

#[test]
fn pub_waits_for_a_subscriber_and_says_when_nobody_got_anything() {
    let done = run_with(
        &["pub", "tcp://127.0.0.1:*", "t", "--wait-ms", "300"],
        b"hi\n",
        LONG,
    );
    assert_eq!(done.code, Some(3), "{done:?}");
    assert!(done.stderr.contains("0 of 1 subscribers"), "{done:?}");
    assert!(done.stderr.contains("--no-wait"), "{done:?}");
    assert!(
        done.elapsed >= Duration::from_millis(300),
        "waited: {done:?}"
    );
    let done = run_with(
        &["pub", "tcp://127.0.0.1:*", "t", "--no-wait"],
        b"a\nb\n",
        LONG,
    );
    assert_eq!(done.code, Some(3), "{done:?}");
    assert!(
        done.stderr.contains("the 2 messages reached nobody"),
        "{done:?}"
    );
}

#[test]
fn pub_counts_what_went_out_after_the_last_subscriber_left() {
    // A subscriber that takes its messages and leaves before the publisher
    // is done does not make the earlier messages "reach nobody"; only the
    // ones pushed after it left are reported, and the exit stays 0.
    let dir = TempDir::new("left");
    let addr = dir.ipc("stream");
    let sub = Proc::spawn(&["sub", &addr, "t", "--count", "1", "--timeout-ms", "20000"]);
    let mut publisher = Proc::spawn(&["pub", &addr, "t", "--wait-ms", "20000"]);
    publisher.child.write(b"a\n");
    let done = sub.wait(LONG);
    assert_eq!(done.code, Some(0), "{done:?}");
    assert_eq!(done.stdout, "t\t-\t1\ta\n", "{done:?}");
    // Time for the publisher to see the subscriber go.
    std::thread::sleep(Duration::from_millis(500));
    publisher.feed(b"b\n");
    let done = publisher.wait(LONG);
    assert_eq!(done.code, Some(0), "{done:?}");
    assert!(
        done.stderr
            .contains("1 of 2 messages went out while no subscriber of topic 't'"),
        "{done:?}"
    );
}

#[test]
fn sub_stops_at_eos_and_prints_raw_or_hex() {
    let dir = TempDir::new("eos");
    let addr = dir.ipc("stream");
    for (format, expected) in [
        ("raw", &b"t\t-\t3\ta\x01b\nt\tEOS\t0\t\n"[..]),
        ("hex", b"t\t-\t3\thex:610162\nt\tEOS\t0\thex:\n"),
    ] {
        let sub = Proc::spawn(&["sub", &addr, "t", "--until-eos", "--format", format]);
        let publisher = run_with(
            &["pub", &addr, "t", "--eos", "--wait-ms", "20000"],
            b"a\x01b\n",
            LONG,
        );
        assert_eq!(publisher.code, Some(0), "{publisher:?}");
        let done = sub.wait(LONG);
        assert_eq!(done.code, Some(0), "stopped at EOS by itself: {done:?}");
        assert_eq!(done.stdout.as_bytes(), expected, "{format}: {done:?}");
        assert_eq!(done.stderr, "", "no progress line on a pipe: {done:?}");
    }
}

#[test]
fn serve_authz_verbose_logs_error_answers() {
    let (server, ep) = authz(&["-v"]);
    let err = fails(&["rpc", &ep, "frobnicate"], 4);
    assert!(err.contains("Command Not Supported"), "{err}");
    fails(&["rpc", &ep, "verify", "[1, 2]"], 4);
    server.signal(libc::SIGTERM);
    let done = server.wait(LONG);
    assert!(
        done.stderr.contains("method 'frobnicate' not found"),
        "{done:?}"
    );
    assert!(
        done.stderr
            .contains("'verify' answered an error: Invalid params"),
        "{done:?}"
    );
    assert!(
        done.stderr.contains("(2 answered with an error)"),
        "{done:?}"
    );
}

#[test]
fn bench_says_how_to_build_zil_bench() {
    let bench = Path::new(ZIL).with_file_name("zil-bench");
    if bench.exists() {
        // Built next to zil: `zil bench` hands over to it.
        let done = run(&["bench", "--help"]);
        assert_eq!(done.code, Some(0), "{done:?}");
        return;
    }
    let err = fails(&["bench", "--anything"], 1);
    assert!(err.contains("cargo build --release -p zil-bench"), "{err}");
}

#[test]
fn sub_shows_progress_on_a_terminal() {
    // util-linux `script` gives zil a terminal for stdout and stderr.
    let dir = TempDir::new("tty");
    let addr = dir.ipc("stream");
    let command = format!("{ZIL} sub {addr} t --until-eos");
    let mut script = Child::spawn(
        "zil sub under script",
        Command::new("script").args(["-q", "-e", "-c", &command, "/dev/null"]),
        Stderr::Kept,
    );
    let publisher = run_with(
        &["pub", &addr, "t", "--eos", "--wait-ms", "20000"],
        b"one\ntwo\n",
        LONG,
    );
    assert_eq!(publisher.code, Some(0), "{publisher:?}");
    script.close_stdin();
    let status = script.wait(LONG).expect("zil sub under script ended");
    let out = script.stdout();
    assert!(status.success(), "{status}: {out:?}");
    assert!(out.contains("t\t-\t3\tone"), "{out:?}");
    assert!(out.contains("3 messages, 6 bytes, "), "{out:?}");
    assert!(out.contains(" msg/s"), "{out:?}");
}
