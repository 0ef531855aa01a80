//! What every workload shares: addresses, payload patterns, the streaming
//! harness (sender thread, receiver thread, flow window), pinning and
//! memory readings.

use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

/// Topic of every streaming workload.
pub const TOPIC: &str = "bench";
/// Event of every data message (an audio chunk in the field).
pub const EVENT: &str = "pcm";
/// Event of the last message: its data is the number of data messages sent.
pub const EOS: &str = "EOS";
/// The session of the session-aware workloads (32 lowercase hex digits).
pub const SESSION_ID: &str = "4a501b51317e2c8f4a0fd7831d3e09dc";
/// How long a receiver waits for the next message before it gives up.
pub const RECV_TIMEOUT_MS: i32 = 5000;
/// Receives wait in slices this long, so an aborted sender is noticed.
pub const RECV_SLICE_MS: i32 = 200;
/// Bytes (payload) a sender may be ahead of its receiver.
const WINDOW_BYTES: u64 = 64 << 20;

/// The transport of a streaming workload.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Transport {
    Tcp,
    Ipc,
    Inproc,
}

impl Transport {
    pub fn name(self) -> &'static str {
        match self {
            Transport::Tcp => "tcp",
            Transport::Ipc => "ipc",
            Transport::Inproc => "inproc",
        }
    }
}

/// Hands out unique bind addresses; ipc sockets live in a temporary
/// directory that is removed at exit.
pub struct Addresses {
    dir: PathBuf,
    next: AtomicU64,
}

impl Addresses {
    pub fn new() -> Result<Self, String> {
        let dir = std::env::temp_dir().join(format!("zil-bench-{}", std::process::id()));
        std::fs::create_dir_all(&dir)
            .map_err(|e| format!("cannot create the ipc directory {}: {e}", dir.display()))?;
        Ok(Addresses {
            dir,
            next: AtomicU64::new(0),
        })
    }

    /// A fresh address to bind for `transport` (tcp: an ephemeral port on
    /// loopback; read the real one from the bound socket).
    pub fn bind(&self, transport: Transport, who: &str) -> String {
        let n = self.next.fetch_add(1, Ordering::Relaxed);
        match transport {
            Transport::Tcp => "tcp://127.0.0.1:*".to_owned(),
            Transport::Ipc => format!("ipc://{}/{who}-{n}.sock", self.dir.display()),
            Transport::Inproc => format!("inproc://zil-bench-{who}-{n}"),
        }
    }
}

impl Drop for Addresses {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

/// How much a workload sends: at most `max_msgs`, and (when set) only for
/// `duration`.
#[derive(Clone, Copy, Debug)]
pub struct Budget {
    pub max_msgs: u64,
    pub duration: Option<Duration>,
}

/// How many messages of `size` bytes may be in flight (sent, not yet
/// received): bounds memory although the high-water marks are unlimited.
pub fn window_for(size: usize) -> u64 {
    (WINDOW_BYTES / size.max(1) as u64).clamp(16, 100_000)
}

/// The payload template of a size: a fixed byte pattern. Every message
/// carries its sequence number in its first 8 bytes (little endian).
pub fn template(size: usize) -> Arc<[u8]> {
    (0..size)
        .map(|i| (i as u8).wrapping_mul(31) ^ 0x5a)
        .collect::<Vec<u8>>()
        .into()
}

/// Writes `seq` into the header of `buf`.
pub fn stamp(buf: &mut [u8], seq: u64) {
    if buf.len() >= 8 {
        buf[..8].copy_from_slice(&seq.to_le_bytes());
    }
}

/// The sequence number in the header of `data`.
pub fn header(data: &[u8]) -> Option<u64> {
    let head: [u8; 8] = data.get(..8)?.try_into().ok()?;
    Some(u64::from_le_bytes(head))
}

/// The sending half of a streaming workload.
pub trait Sink: Send {
    /// Sends data message number `seq` (its payload stamped with `seq`).
    fn send(&mut self, seq: u64) -> Result<(), String>;
    /// Sends the end-of-stream message that carries the number sent.
    fn send_eos(&mut self, total: u64) -> Result<(), String>;
}

/// The receiving half of a streaming workload.
pub trait Source: Send {
    /// Waits at most `timeout_ms` for one message and hands it to
    /// `state.on_msg`; `Ok(false)` when nothing came in time.
    fn recv(&mut self, timeout_ms: i32, state: &mut RecvState) -> Result<bool, String>;
}

/// The flow window between sender and receiver, and the abort flag.
#[derive(Default)]
pub struct Flow {
    received: AtomicU64,
    abort: AtomicBool,
}

impl Flow {
    /// Once `window` messages are in flight, blocks the sender until the
    /// receiver has caught up to half the window (sleeping, so a waiting
    /// sender takes no CPU from the receiver). Bounded: an aborted receiver
    /// or one that makes no progress for the receive timeout ends the wait
    /// with an error.
    fn wait_room(&self, sent: u64, window: u64) -> Result<(), String> {
        if sent.saturating_sub(self.received.load(Ordering::Acquire)) < window {
            return Ok(());
        }
        let mut last = self.received.load(Ordering::Acquire);
        let mut since = Instant::now();
        while sent.saturating_sub(self.received.load(Ordering::Acquire)) > window / 2 {
            if self.abort.load(Ordering::Relaxed) {
                return Err("the receiver gave up".to_owned());
            }
            let now = self.received.load(Ordering::Acquire);
            if now != last {
                last = now;
                since = Instant::now();
            } else if since.elapsed() > Duration::from_millis(RECV_TIMEOUT_MS as u64) {
                return Err(format!(
                    "the receiver made no progress for {RECV_TIMEOUT_MS} ms ({now} of {sent} received)"
                ));
            }
            std::thread::sleep(Duration::from_micros(200));
        }
        Ok(())
    }
}

/// What a receiver knows: counts, timing, content checks.
pub struct RecvState {
    template: Arc<[u8]>,
    /// Compare the whole payload of every `full_every`-th message.
    full_every: u64,
    flow: Arc<Flow>,
    pub received: u64,
    /// The sequence number expected next.
    next_seq: u64,
    pub bad: u64,
    pub first_bad: Option<String>,
    /// Places where sequence numbers jumped ahead (lost messages).
    pub gaps: u64,
    pub first_gap: Option<String>,
    /// Messages before this sequence number warm up (page faults, caches)
    /// and are not timed.
    pub warmup: u64,
    /// Timed messages received, and when the first and last came.
    pub timed: u64,
    pub first: Option<Instant>,
    pub last: Option<Instant>,
    pub eos_total: Option<u64>,
    /// Read the resident set size once `received` reaches this.
    pub rss_probe_at: Option<u64>,
    pub rss_at_probe: Option<u64>,
}

impl RecvState {
    pub fn new(template: Arc<[u8]>, full_every: u64, flow: Arc<Flow>) -> Self {
        RecvState {
            template,
            full_every: full_every.max(1),
            flow,
            received: 0,
            next_seq: 0,
            bad: 0,
            first_bad: None,
            gaps: 0,
            first_gap: None,
            warmup: 0,
            timed: 0,
            first: None,
            last: None,
            eos_total: None,
            rss_probe_at: None,
            rss_at_probe: None,
        }
    }

    /// Takes one received message.
    pub fn on_msg(&mut self, data: &[u8], eos: bool) {
        if eos {
            self.eos_total = Some(header(data).unwrap_or(u64::MAX));
            return;
        }
        self.received += 1;
        let expected = self.next_seq;
        let seq = header(data);
        if seq.unwrap_or(expected) >= self.warmup {
            let now = Instant::now();
            self.timed += 1;
            self.first.get_or_insert(now);
            self.last = Some(now);
        }
        // A gap is a loss (counted by sent - received), not wrong content.
        if let Some(s) = seq.filter(|&s| s > expected) {
            self.gaps += 1;
            if self.first_gap.is_none() {
                self.first_gap = Some(format!("#{expected}..#{}", s - 1));
            }
        }
        self.next_seq = seq.map_or(expected + 1, |s| s + 1);
        let len_ok = data.len() == self.template.len();
        let seq_ok = seq.is_some_and(|s| s >= expected);
        let body_ok = !len_ok
            || !seq_ok
            || seq.unwrap_or(0) % self.full_every != 0
            || data.get(8..) == self.template.get(8..);
        if !len_ok || !seq_ok || !body_ok {
            self.bad += 1;
            if self.first_bad.is_none() {
                self.first_bad = Some(format!(
                    "message #{expected}: {} bytes (expected {}), header {seq:?}, body {}",
                    data.len(),
                    self.template.len(),
                    if body_ok { "ok" } else { "differs" }
                ));
            }
        }
        if self.rss_probe_at == Some(self.received) {
            self.rss_at_probe = current_rss_bytes();
        }
        self.flow.received.store(self.received, Ordering::Release);
    }
}

/// The outcome of one streaming run.
#[derive(Debug, Default)]
pub struct StreamOutcome {
    pub size: usize,
    pub sent: u64,
    pub received: u64,
    /// Received after the warm-up: the ones the rate is measured on.
    pub timed: u64,
    pub bad: u64,
    /// Receiver side, first to last timed message.
    pub elapsed: Duration,
    pub errors: Vec<String>,
    pub rss_at_probe: Option<u64>,
}

impl StreamOutcome {
    pub fn lost(&self) -> u64 {
        self.sent.saturating_sub(self.received)
    }

    /// Messages per second at the receiver, first to last message.
    pub fn rate(&self) -> f64 {
        let secs = self.elapsed.as_secs_f64();
        if self.timed < 2 || secs <= 0.0 {
            return 0.0;
        }
        (self.timed - 1) as f64 / secs
    }

    /// Payload megabytes (10^6) per second.
    pub fn mb_per_s(&self) -> f64 {
        self.rate() * self.size as f64 / 1e6
    }
}

/// Settings of one streaming run.
pub struct RunSpec {
    pub size: usize,
    pub budget: Budget,
    pub window: u64,
    pub full_every: u64,
    pub pin: bool,
    pub rss_probe_at: Option<u64>,
    /// Untimed messages sent first (not counted in the budget).
    pub warmup: u64,
}

/// Runs sender and receiver on two threads until the sender's budget is
/// spent and the receiver has seen the end-of-stream message (or gave up).
pub fn run_stream(sink: &mut dyn Sink, source: &mut dyn Source, spec: &RunSpec) -> StreamOutcome {
    let flow = Arc::new(Flow::default());
    let mut state = RecvState::new(template(spec.size), spec.full_every, Arc::clone(&flow));
    state.rss_probe_at = spec.rss_probe_at;
    state.warmup = spec.warmup;
    let (sent, send_err, recv_err, state) = std::thread::scope(|scope| {
        let receiver = scope.spawn(|| {
            if spec.pin {
                pin_current_thread(1);
            }
            let err = receive_all(source, &mut state, &flow);
            if err.is_some() {
                flow.abort.store(true, Ordering::Relaxed);
            }
            (err, state)
        });
        let sender = scope.spawn(|| {
            if spec.pin {
                pin_current_thread(0);
            }
            let (sent, err) = send_all(sink, spec, &flow);
            if err.is_some() {
                flow.abort.store(true, Ordering::Relaxed);
            }
            (sent, err)
        });
        let (sent, send_err) = sender
            .join()
            .unwrap_or((0, Some("the sender panicked".to_owned())));
        let (recv_err, state) = receiver.join().expect("the receiver thread panicked");
        (sent, send_err, recv_err, state)
    });
    let mut errors: Vec<String> = send_err.into_iter().chain(recv_err).collect();
    if state.bad > 0 {
        errors.push(format!(
            "{} messages with wrong content, first: {}",
            state.bad,
            state.first_bad.clone().unwrap_or_default()
        ));
    }
    if state.gaps > 0 {
        errors.push(format!(
            "messages missing at {} place(s), first {}",
            state.gaps,
            state.first_gap.clone().unwrap_or_default()
        ));
    }
    if let Some(total) = state.eos_total {
        if total != sent {
            errors.push(format!(
                "end of stream says {total} sent, the sender sent {sent}"
            ));
        }
    }
    let elapsed = match (state.first, state.last) {
        (Some(a), Some(b)) => b - a,
        _ => Duration::ZERO,
    };
    StreamOutcome {
        size: spec.size,
        sent,
        received: state.received,
        timed: state.timed,
        bad: state.bad,
        elapsed,
        errors,
        rss_at_probe: state.rss_at_probe,
    }
}

fn send_all(sink: &mut dyn Sink, spec: &RunSpec, flow: &Flow) -> (u64, Option<String>) {
    let mut start = Instant::now();
    let mut sent = 0u64;
    while sent < spec.warmup + spec.budget.max_msgs {
        if sent == spec.warmup {
            start = Instant::now();
        }
        if sent % 256 == 0 && sent >= spec.warmup {
            if let Some(d) = spec.budget.duration {
                if start.elapsed() >= d {
                    break;
                }
            }
        }
        if let Err(e) = flow.wait_room(sent, spec.window) {
            return (
                sent,
                Some(format!("sender stopped after {sent} messages: {e}")),
            );
        }
        if let Err(e) = sink.send(sent) {
            return (sent, Some(format!("send #{sent} failed: {e}")));
        }
        sent += 1;
    }
    match sink.send_eos(sent) {
        Ok(()) => (sent, None),
        Err(e) => (sent, Some(format!("sending end of stream failed: {e}"))),
    }
}

fn receive_all(source: &mut dyn Source, state: &mut RecvState, flow: &Flow) -> Option<String> {
    let mut idle_ms = 0;
    while state.eos_total.is_none() {
        match source.recv(RECV_SLICE_MS, state) {
            Ok(true) => idle_ms = 0,
            Ok(false) => {
                idle_ms += RECV_SLICE_MS;
                if flow.abort.load(Ordering::Relaxed) {
                    return Some(format!(
                        "receiver stopped after {} messages: the sender failed",
                        state.received
                    ));
                }
                if idle_ms >= RECV_TIMEOUT_MS {
                    return Some(format!(
                        "receive timed out after {RECV_TIMEOUT_MS} ms with {} messages received",
                        state.received
                    ));
                }
            }
            Err(e) => {
                return Some(format!(
                    "receive failed after {} messages: {e}",
                    state.received
                ))
            }
        }
    }
    None
}

/// Pins the calling thread to `cpu` (best effort: a warning on failure).
pub fn pin_current_thread(cpu: usize) {
    // SAFETY: cpu_set_t is plain data; CPU_ZERO/CPU_SET write into it and
    // sched_setaffinity reads it for the calling thread (pid 0).
    let rc = unsafe {
        let mut set: libc::cpu_set_t = std::mem::zeroed();
        libc::CPU_ZERO(&mut set);
        libc::CPU_SET(cpu, &mut set);
        libc::sched_setaffinity(0, std::mem::size_of::<libc::cpu_set_t>(), &set)
    };
    if rc != 0 {
        eprintln!(
            "warning: cannot pin a thread to CPU {cpu}: {}",
            std::io::Error::last_os_error()
        );
    }
}

/// The resident set size now, from /proc/self/statm.
pub fn current_rss_bytes() -> Option<u64> {
    let statm = std::fs::read_to_string("/proc/self/statm").ok()?;
    let pages: u64 = statm.split_whitespace().nth(1)?.parse().ok()?;
    // SAFETY: sysconf has no preconditions.
    let page = unsafe { libc::sysconf(libc::_SC_PAGESIZE) };
    Some(pages * page.max(1) as u64)
}

/// The process's peak resident set size (getrusage ru_maxrss), in bytes.
pub fn peak_rss_bytes() -> Option<u64> {
    // SAFETY: getrusage fills the zeroed struct it is given.
    unsafe {
        let mut usage: libc::rusage = std::mem::zeroed();
        if libc::getrusage(libc::RUSAGE_SELF, &mut usage) != 0 {
            return None;
        }
        // Linux reports kilobytes.
        Some(usage.ru_maxrss as u64 * 1024)
    }
}

/// Round-trip latencies of an RPC run.
#[derive(Debug, Default)]
pub struct Latencies {
    pub micros: Vec<f64>,
    pub total: Duration,
}

impl Latencies {
    pub fn calls(&self) -> u64 {
        self.micros.len() as u64
    }

    pub fn calls_per_s(&self) -> f64 {
        let secs = self.total.as_secs_f64();
        if secs <= 0.0 {
            return 0.0;
        }
        self.micros.len() as f64 / secs
    }

    /// The `q` quantile (0..=1) in µs.
    pub fn quantile(&self, q: f64) -> f64 {
        if self.micros.is_empty() {
            return 0.0;
        }
        let mut sorted = self.micros.clone();
        sorted.sort_by(f64::total_cmp);
        let idx = ((sorted.len() - 1) as f64 * q).round() as usize;
        sorted[idx.min(sorted.len() - 1)]
    }
}

/// Times `call` repeatedly: `warmup` untimed calls, then until `budget` is
/// spent. Stops at the first error.
pub fn time_calls(
    warmup: u64,
    budget: Budget,
    mut call: impl FnMut() -> Result<(), String>,
) -> Result<Latencies, String> {
    for i in 0..warmup {
        call().map_err(|e| format!("warm-up call #{i}: {e}"))?;
    }
    let mut micros = Vec::with_capacity(budget.max_msgs.min(1 << 20) as usize);
    let start = Instant::now();
    while (micros.len() as u64) < budget.max_msgs {
        if budget.duration.is_some_and(|d| start.elapsed() >= d) {
            break;
        }
        let t = Instant::now();
        call().map_err(|e| format!("call #{}: {e}", micros.len()))?;
        micros.push(t.elapsed().as_secs_f64() * 1e6);
    }
    Ok(Latencies {
        micros,
        total: start.elapsed(),
    })
}
