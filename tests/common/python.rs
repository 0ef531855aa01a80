//! Helpers shared by zil's test binaries: Python peers run as child
//! processes ([`child`]: bounded waits, killed when dropped), unique
//! temporary directories for `ipc://` addresses, and free TCP ports.
//!
//! Include with `#[path = "common/python.rs"] mod python;`.
//!
//! The interop tests need `python3` with pyzmq. Without them they FAIL with
//! the install hint below; they never pass silently. `ZIL_TEST_PYTHON` names
//! another interpreter.

#![allow(dead_code)]

#[path = "child.rs"]
pub mod child;

pub use child::{wait_child, Child, Stderr};
use serde_json::Value;
use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::{Command, ExitStatus, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::mpsc::{self, Receiver, RecvTimeoutError};
use std::sync::OnceLock;
use std::time::{Duration, Instant};

/// What to run when python3 or pyzmq is missing.
pub const INSTALL_HINT: &str = "python3 -m pip install -r tests/python/requirements.txt";

/// Upper bound of any single wait on a Python peer.
pub const PEER_WAIT: Duration = Duration::from_secs(15);

/// The interpreter: `$ZIL_TEST_PYTHON` or `python3`.
pub fn python() -> String {
    std::env::var("ZIL_TEST_PYTHON").unwrap_or_else(|_| "python3".into())
}

/// The path of a script in `tests/python/`.
pub fn script(name: &str) -> PathBuf {
    // The root package's tests and the CLI's (cli/tests) share the scripts.
    let manifest = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    let root = manifest
        .ancestors()
        .find(|dir| dir.join("tests/python").is_dir())
        .unwrap_or(manifest);
    root.join("tests/python").join(name)
}

/// Fails the calling test with an install hint when python3 or pyzmq is
/// missing (checked once per test binary, with a bounded wait).
pub fn require_pyzmq() {
    static CHECK: OnceLock<Result<String, String>> = OnceLock::new();
    let check = CHECK.get_or_init(|| {
        let mut child = Command::new(python())
            .args([
                "-c",
                "import zmq; print(zmq.__version__, zmq.zmq_version())",
            ])
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .map_err(|e| format!("cannot run '{}': {e}", python()))?;
        let Some(status) = wait_child(&mut child, PEER_WAIT) else {
            return Err(format!("'{} -c \"import zmq\"' hung", python()));
        };
        let mut out = String::new();
        let mut err = String::new();
        if let Some(mut s) = child.stdout.take() {
            let _ = s.read_to_string(&mut out);
        }
        if let Some(mut s) = child.stderr.take() {
            let _ = s.read_to_string(&mut err);
        }
        if status.success() {
            Ok(out.trim().to_owned())
        } else {
            Err(format!(
                "'{} -c \"import zmq\"' failed: {}",
                python(),
                err.trim()
            ))
        }
    });
    if let Err(why) = check {
        panic!(
            "zil's Python interop tests need python3 with pyzmq ({why}).\n\
             Install it with: {INSTALL_HINT}"
        );
    }
}

/// A running Python peer. Its stdout lines (one JSON object each) arrive on
/// a channel, its stderr is kept for failure messages. The peer exits when
/// its stdin closes (see the scripts), and is killed when dropped.
pub struct Peer {
    child: Child,
}

impl Peer {
    /// Starts `tests/python/<script_name>` with `args`.
    pub fn spawn(script_name: &str, args: &[&str]) -> Peer {
        require_pyzmq();
        let what = format!("{script_name} {}", args.join(" "));
        let mut cmd = Command::new(python());
        cmd.arg("-u").arg(script(script_name)).args(args);
        Peer {
            child: Child::spawn(what, &mut cmd, Stderr::Kept),
        }
    }

    /// What the peer prints on stderr so far.
    pub fn stderr(&self) -> String {
        // Let the reader thread catch the last words of a dying peer.
        std::thread::sleep(Duration::from_millis(50));
        self.child.stderr()
    }

    fn parse(&self, line: &str) -> Value {
        serde_json::from_str(line)
            .unwrap_or_else(|e| panic!("{}: bad output line {line:?}: {e}", self.child.what()))
    }

    /// The next JSON line, waiting at most `timeout`; panics (with the
    /// peer's stderr) when none comes.
    pub fn next_within(&self, timeout: Duration) -> Value {
        match self.child.line(timeout) {
            Ok(line) => self.parse(&line),
            Err(RecvTimeoutError::Timeout) => panic!(
                "{}: no output within {timeout:?}; stderr:\n{}",
                self.child.what(),
                self.stderr()
            ),
            Err(RecvTimeoutError::Disconnected) => panic!(
                "{}: exited without the expected output; stderr:\n{}",
                self.child.what(),
                self.stderr()
            ),
        }
    }

    /// The next JSON line within [`PEER_WAIT`].
    pub fn next(&self) -> Value {
        self.next_within(PEER_WAIT)
    }

    /// A line if one is already there or comes within `timeout`.
    pub fn try_next(&self, timeout: Duration) -> Option<Value> {
        self.child.line(timeout).ok().map(|line| self.parse(&line))
    }

    /// Waits for `{"ready": true, "endpoint": ...}`; returns the endpoint.
    pub fn ready(&self) -> String {
        let what = self.child.what();
        let line = self.next();
        assert_eq!(line["ready"], Value::Bool(true), "{what}: {line}");
        line["endpoint"]
            .as_str()
            .unwrap_or_else(|| panic!("{what}: no endpoint in {line}"))
            .to_owned()
    }

    /// Writes one line to the peer's stdin.
    pub fn send_line(&mut self, text: &str) {
        self.child.send_line(text);
    }

    /// Closes stdin (the peers exit on it) and waits at most [`PEER_WAIT`]
    /// for the exit; kills the peer and panics if it does not exit.
    pub fn finish(&mut self) -> ExitStatus {
        self.child.close_stdin();
        self.child.wait(PEER_WAIT).unwrap_or_else(|| {
            panic!(
                "{}: did not exit within {PEER_WAIT:?}; stderr:\n{}",
                self.child.what(),
                self.stderr()
            )
        })
    }

    /// Like [`Peer::finish`], and asserts a zero exit status.
    pub fn finish_ok(&mut self) {
        let status = self.finish();
        assert!(
            status.success(),
            "{}: exited with {status}; stderr:\n{}",
            self.child.what(),
            self.stderr()
        );
    }
}

/// A directory of its own under the system's temp dir, removed on drop:
/// `ipc://` addresses in it are unique to the test and may be rebound.
pub struct TempDir(PathBuf);

impl TempDir {
    pub fn new(tag: &str) -> TempDir {
        static SEQ: AtomicUsize = AtomicUsize::new(0);
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.subsec_nanos())
            .unwrap_or(0);
        // Short: ipc paths are limited to ~107 bytes.
        let dir = std::env::temp_dir().join(format!(
            "zil-{tag}-{}-{}-{nanos:x}",
            std::process::id(),
            SEQ.fetch_add(1, Ordering::Relaxed)
        ));
        std::fs::create_dir_all(&dir)
            .unwrap_or_else(|e| panic!("cannot create {}: {e}", dir.display()));
        TempDir(dir)
    }

    pub fn path(&self) -> &Path {
        &self.0
    }

    /// `ipc://<dir>/<name>`.
    pub fn ipc(&self, name: &str) -> String {
        format!("ipc://{}", self.0.join(name).display())
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// A TCP port on 127.0.0.1 that was free a moment ago (bound, then freed),
/// for tests that must bind the same address later.
pub fn free_tcp_port() -> u16 {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind 127.0.0.1:0");
    listener.local_addr().expect("local addr").port()
}

/// Polls `cond` every 5 ms until it holds or `timeout` passes; true if it
/// held.
pub fn wait_until(timeout: Duration, mut cond: impl FnMut() -> bool) -> bool {
    let start = Instant::now();
    loop {
        if cond() {
            return true;
        }
        if start.elapsed() > timeout {
            return false;
        }
        std::thread::sleep(Duration::from_millis(5));
    }
}

/// A call (a receive, an RPC call, a monitor wait) running on a thread of
/// its own, for tests that end it from this thread with a `close`.
pub struct BlockedCall<T>(Receiver<zil::Result<T>>);

impl<T: Send + 'static> BlockedCall<T> {
    /// Starts `call` on a new thread.
    pub fn start(call: impl FnOnce() -> zil::Result<T> + Send + 'static) -> Self {
        let (tx, rx) = mpsc::channel();
        std::thread::spawn(move || {
            let _ = tx.send(call());
        });
        BlockedCall(rx)
    }

    /// Runs `close` and returns the error the call ended with, which must be
    /// `Closed`, within 2 s of the close.
    pub fn closed_by(self, close: impl FnOnce()) -> zil::Error {
        let started = Instant::now();
        close();
        let result = match self.0.recv_timeout(PEER_WAIT) {
            Ok(result) => result,
            Err(e) => panic!("the blocked call did not return after the close: {e}"),
        };
        let Err(err) = result else {
            panic!("the blocked call succeeded instead of ending with Closed")
        };
        assert_eq!(err.kind(), zil::ErrorKind::Closed, "{err}");
        assert!(started.elapsed() < Duration::from_secs(2), "{err}");
        err
    }
}
