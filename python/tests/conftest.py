"""Helpers of the Python binding's tests: peer processes that speak JSON
lines (the original-like peers in tests/python, the zil CLI)."""

import json
import os
import queue
import subprocess
import sys
import threading
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
PEERS = REPO / "tests" / "python"
SID = "4a501b51317e2c8f4a0fd7831d3e09dc"


def zil_cli():
    """The zil CLI from `cargo build --release --bins` ($ZIL_CLI overrides)."""
    candidates = [os.environ.get("ZIL_CLI")]
    if os.environ.get("CARGO_TARGET_DIR"):
        candidates.append(Path(os.environ["CARGO_TARGET_DIR"]) / "release" / "zil")
    candidates.append(REPO / "target" / "release" / "zil")
    for path in filter(None, candidates):
        if Path(path).is_file():
            return str(path)
    pytest.fail("the zil CLI is missing: run `cargo build --release --bins` (or set ZIL_CLI)")


class Peer:
    """A child process whose stdout lines are read in the background."""

    def __init__(self, args, stdin_text=None):
        self.proc = subprocess.Popen(
            args, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
            text=True, cwd=PEERS,
        )
        self.lines = queue.Queue()
        threading.Thread(target=self._read, daemon=True).start()
        if stdin_text is not None:
            self.proc.stdin.write(stdin_text)
            self.proc.stdin.flush()

    def _read(self):
        for line in self.proc.stdout:
            self.lines.put(line.rstrip("\n"))
        self.lines.put(None)

    def line(self, timeout=10.0):
        """The next stdout line; fails the test on timeout or EOF."""
        try:
            line = self.lines.get(timeout=timeout)
        except queue.Empty:
            pytest.fail("peer %s: no output within %s s" % (self.proc.args[:3], timeout))
        if line is None:
            pytest.fail("peer %s ended: %s" % (self.proc.args[:3], self.stderr()))
        return line

    def json(self, timeout=10.0):
        return json.loads(self.line(timeout))

    def send(self, obj):
        self.proc.stdin.write(json.dumps(obj) + "\n")
        self.proc.stdin.flush()

    def stderr(self):
        self.proc.wait(5)
        return self.proc.stderr.read()

    def wait(self, timeout=10.0):
        return self.proc.wait(timeout)

    def stop(self):
        if self.proc.poll() is None:
            try:
                self.proc.stdin.close()
            except OSError:
                pass
            try:
                self.proc.wait(0.5)  # the peers in tests/python end on EOF
            except subprocess.TimeoutExpired:
                self.proc.terminate()  # the zil CLI ends on SIGTERM
                try:
                    self.proc.wait(3)
                except subprocess.TimeoutExpired:
                    self.proc.kill()
                    self.proc.wait()


@pytest.fixture
def peers():
    """Starts peers (`peers(args)`) and stops them all after the test."""
    started = []

    def start(args, stdin_text=None):
        peer = Peer(args, stdin_text)
        started.append(peer)
        return peer

    yield start
    for peer in started:
        peer.stop()


def original(script, *args):
    """The command line of an original-like peer in tests/python."""
    return [sys.executable, str(PEERS / script), *args]
