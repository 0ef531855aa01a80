//! The Python baseline: `bench/python/original_baseline.py` run as a
//! subprocess; it prints one JSON line.

use serde_json::Value;
use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// A Python interpreter with pyzmq, and the baseline script.
pub struct Python {
    exe: String,
    script: PathBuf,
}

impl Python {
    /// Finds python3 (or `$ZIL_BENCH_PYTHON`) with pyzmq and the script;
    /// `Err(why)` when the baseline cannot run.
    pub fn detect() -> Result<Self, String> {
        let exe = std::env::var("ZIL_BENCH_PYTHON").unwrap_or_else(|_| "python3".to_owned());
        let script = [
            PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("python/original_baseline.py"),
            PathBuf::from("bench/python/original_baseline.py"),
        ]
        .into_iter()
        .find(|p| p.is_file())
        .ok_or_else(|| "bench/python/original_baseline.py not found".to_owned())?;
        let out = Command::new(&exe)
            .args([
                "-c",
                "import zmq; print(zmq.pyzmq_version(), zmq.zmq_version())",
            ])
            .stdin(Stdio::null())
            .output()
            .map_err(|e| format!("cannot run {exe}: {e}"))?;
        if !out.status.success() {
            let err = String::from_utf8_lossy(&out.stderr);
            let last = err.lines().last().unwrap_or("").trim().to_owned();
            return Err(format!("{exe} has no pyzmq ({last})"));
        }
        Ok(Python { exe, script })
    }

    /// pyzmq and libzmq versions, for the header.
    pub fn versions(&self) -> String {
        Command::new(&self.exe)
            .args([
                "-c",
                "import sys, zmq; print('python', sys.version.split()[0], 'pyzmq', zmq.pyzmq_version(), 'libzmq', zmq.zmq_version())",
            ])
            .output()
            .ok()
            .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_owned())
            .unwrap_or_default()
    }

    /// Runs the script with `args`, at most `timeout`; returns its last
    /// stdout line as JSON.
    pub fn run(&self, args: &[String], timeout: Duration) -> Result<Value, String> {
        let mut child = Command::new(&self.exe)
            .arg(&self.script)
            .args(args)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .map_err(|e| format!("cannot start {}: {e}", self.exe))?;
        let start = Instant::now();
        loop {
            match child.try_wait() {
                Ok(Some(_)) => break,
                Ok(None) if start.elapsed() > timeout => {
                    let _ = child.kill();
                    let _ = child.wait();
                    return Err(format!("timed out after {} s", timeout.as_secs()));
                }
                Ok(None) => std::thread::sleep(Duration::from_millis(20)),
                Err(e) => return Err(format!("waiting for python: {e}")),
            }
        }
        let out = child
            .wait_with_output()
            .map_err(|e| format!("reading python's output: {e}"))?;
        let stdout = String::from_utf8_lossy(&out.stdout);
        let line = stdout.lines().rev().find(|l| !l.trim().is_empty());
        let parsed = line.and_then(|l| serde_json::from_str::<Value>(l).ok());
        match parsed {
            Some(v) if v.get("error").is_none() && out.status.success() => Ok(v),
            Some(v) => Err(v
                .get("error")
                .and_then(Value::as_str)
                .unwrap_or("failed")
                .to_owned()),
            None => {
                let err = String::from_utf8_lossy(&out.stderr);
                let last = err.lines().last().unwrap_or("").trim().to_owned();
                Err(format!("exit {}, no JSON result ({last})", out.status))
            }
        }
    }
}
