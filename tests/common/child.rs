//! Child processes of zil's tests (Python peers, the `zil` CLI, this test
//! binary run again in a role), one helper for all: stdin and stdout piped,
//! stdout lines arriving on a channel and kept, stderr kept or passed
//! through, every wait bounded, and the process killed and reaped when
//! dropped.
//!
//! Include with `#[path = "common/child.rs"] mod child;` (`python.rs`
//! includes it and re-exports it).

#![allow(dead_code)]

use std::io::{BufRead, BufReader, Read, Write};
use std::process::{ChildStdin, Command, ExitStatus, Stdio};
use std::sync::mpsc::{self, Receiver, RecvTimeoutError};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

/// What becomes of a child's stderr.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stderr {
    /// Kept, for the failure messages ([`Child::stderr`]).
    Kept,
    /// Written to the test's own stderr as it comes.
    Inherited,
}

/// A running child process.
pub struct Child {
    child: std::process::Child,
    what: String,
    stdin: Option<ChildStdin>,
    lines: Receiver<String>,
    stdout: Arc<Mutex<String>>,
    stderr: Arc<Mutex<String>>,
    readers: Vec<JoinHandle<()>>,
}

fn append(text: &Mutex<String>, more: &str) {
    text.lock()
        .unwrap_or_else(|p| p.into_inner())
        .push_str(more);
}

impl Child {
    /// Starts `cmd`; `what` names it in failure messages.
    pub fn spawn(what: impl Into<String>, cmd: &mut Command, stderr: Stderr) -> Child {
        let what = what.into();
        let mut child = cmd
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(match stderr {
                Stderr::Kept => Stdio::piped(),
                Stderr::Inherited => Stdio::inherit(),
            })
            .spawn()
            .unwrap_or_else(|e| panic!("cannot start {what} ({cmd:?}): {e}"));
        let out = child.stdout.take().expect("piped stdout");
        let (tx, lines) = mpsc::channel();
        let stdout = Arc::new(Mutex::new(String::new()));
        let transcript = Arc::clone(&stdout);
        let mut readers = vec![std::thread::spawn(move || {
            for line in BufReader::new(out).lines() {
                let Ok(line) = line else { break };
                append(&transcript, &format!("{line}\n"));
                // The test may stop listening; the transcript goes on.
                let _ = tx.send(line);
            }
        })];
        let stderr = Arc::new(Mutex::new(String::new()));
        if let Some(mut pipe) = child.stderr.take() {
            let sink = Arc::clone(&stderr);
            readers.push(std::thread::spawn(move || {
                let mut buf = [0u8; 4096];
                while let Ok(n) = pipe.read(&mut buf) {
                    if n == 0 {
                        break;
                    }
                    append(&sink, &String::from_utf8_lossy(&buf[..n]));
                }
            }));
        }
        Child {
            stdin: child.stdin.take(),
            child,
            what,
            lines,
            stdout,
            stderr,
            readers,
        }
    }

    /// What the child is, for messages.
    pub fn what(&self) -> &str {
        &self.what
    }

    /// The process id (the child is not reaped before it is dropped or
    /// waited for, so the id is not reused meanwhile).
    pub fn id(&self) -> u32 {
        self.child.id()
    }

    /// The next stdout line, waiting at most `timeout`.
    pub fn line(&self, timeout: Duration) -> Result<String, RecvTimeoutError> {
        self.lines.recv_timeout(timeout)
    }

    /// The next stdout line if one is there already.
    pub fn try_line(&self) -> Option<String> {
        self.lines.try_recv().ok()
    }

    /// Writes `bytes` to the child's stdin.
    pub fn write(&mut self, bytes: &[u8]) {
        let stdin = self.stdin.as_mut().expect("the child's stdin is open");
        stdin
            .write_all(bytes)
            .and_then(|_| stdin.flush())
            .unwrap_or_else(|e| panic!("{}: cannot write to stdin: {e}", self.what));
    }

    /// Writes one line to the child's stdin.
    pub fn send_line(&mut self, text: &str) {
        self.write(format!("{text}\n").as_bytes());
    }

    /// Closes the child's stdin (end of input).
    pub fn close_stdin(&mut self) {
        self.stdin.take();
    }

    /// The child's stdin, for a writer of its own (closed when dropped).
    pub fn take_stdin(&mut self) -> ChildStdin {
        self.stdin.take().expect("the child's stdin is open")
    }

    /// Everything the child printed on stdout so far.
    pub fn stdout(&self) -> String {
        self.stdout
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .clone()
    }

    /// What the child printed on stderr so far ([`Stderr::Kept`] only).
    pub fn stderr(&self) -> String {
        self.stderr
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .clone()
    }

    /// Waits at most `timeout` for the exit, then reads the rest of the
    /// child's output; `None` (the child killed and reaped) on timeout.
    pub fn wait(&mut self, timeout: Duration) -> Option<ExitStatus> {
        let status = wait_child(&mut self.child, timeout)?;
        for reader in self.readers.drain(..) {
            let _ = reader.join();
        }
        Some(status)
    }

    /// Kills the child (SIGKILL) and reaps it.
    pub fn kill(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Drop for Child {
    fn drop(&mut self) {
        self.stdin.take();
        if let Ok(None) = self.child.try_wait() {
            let _ = self.child.kill();
        }
        let _ = self.child.wait();
    }
}

/// This test binary, to be run again: only `test`, on one thread, with its
/// output shown (the child's role is told by an environment variable the
/// caller sets).
pub fn this_test(test: &str) -> Command {
    let mut cmd = Command::new(std::env::current_exe().expect("the test binary"));
    cmd.args([test, "--exact", "--nocapture", "--test-threads=1"]);
    cmd
}

/// Waits at most `timeout` for `child` to exit (polling every 5 ms). On
/// timeout kills and reaps it and returns `None`.
pub fn wait_child(child: &mut std::process::Child, timeout: Duration) -> Option<ExitStatus> {
    let start = Instant::now();
    loop {
        if let Some(status) = child.try_wait().expect("try_wait") {
            return Some(status);
        }
        if start.elapsed() > timeout {
            let _ = child.kill();
            let _ = child.wait();
            return None;
        }
        std::thread::sleep(Duration::from_millis(5));
    }
}
