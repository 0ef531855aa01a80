//! The plain-C baselines of `bench/c/`: the same streaming and RPC work
//! written in C against libzmq, against zil's C API and against NNG,
//! compiled into this binary by build.rs. Every row of this family is a C
//! program's loop; only the driver that starts them and reads their
//! results is Rust.

use std::ffi::{c_char, c_int, CStr, CString};

/// `struct bench_spec` of `bench/c/harness.h`.
#[repr(C)]
struct Spec {
    addr: *const c_char,
    size: usize,
    count: u64,
    warmup: u64,
    pin: bool,
}

/// `struct bench_result` of `bench/c/harness.h`.
#[repr(C)]
#[derive(Clone)]
pub struct Outcome {
    pub sent: u64,
    pub received: u64,
    pub bad: u64,
    pub seconds: f64,
    pub p50_us: f64,
    pub p99_us: f64,
    error: [c_char; 256],
}

impl Outcome {
    /// The C program's error, if the run failed.
    pub fn error(&self) -> Option<String> {
        // SAFETY: the C side writes a NUL-terminated text with snprintf
        // into the zeroed array; the last byte is never written.
        let text = unsafe { CStr::from_ptr(self.error.as_ptr()) };
        (!text.is_empty()).then(|| text.to_string_lossy().into_owned())
    }

    /// Messages (or calls) per second, first to last.
    pub fn rate(&self) -> f64 {
        if self.seconds > 0.0 && self.received > 1 {
            (self.received - 1) as f64 / self.seconds
        } else {
            0.0
        }
    }

    pub fn lost(&self) -> u64 {
        self.sent.saturating_sub(self.received)
    }
}

type Run = unsafe extern "C" fn(*const Spec, *mut Outcome) -> c_int;

extern "C" {
    fn bench_zmq_stream(s: *const Spec, r: *mut Outcome) -> c_int;
    fn bench_zmq_rpc(s: *const Spec, r: *mut Outcome) -> c_int;
    fn bench_zil_stream(s: *const Spec, r: *mut Outcome) -> c_int;
    fn bench_zil_rpc(s: *const Spec, r: *mut Outcome) -> c_int;
    fn bench_zil_session(s: *const Spec, r: *mut Outcome) -> c_int;
}
#[cfg(bench_nng)]
extern "C" {
    fn bench_nng_stream(s: *const Spec, r: *mut Outcome) -> c_int;
    fn bench_nng_rpc(s: *const Spec, r: *mut Outcome) -> c_int;
}

/// Who does the work.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Peer {
    /// libzmq, as a plain C program uses it.
    Zmq,
    /// zil's C API.
    Zil,
    /// NNG (pub0/sub0, req0/rep0).
    Nng,
}

impl Peer {
    pub fn path(self) -> &'static str {
        match self {
            Peer::Zmq => "C on libzmq (raw)",
            Peer::Zil => "C on zil",
            Peer::Nng => "C on NNG",
        }
    }
}

/// What to run.
#[derive(Clone, Copy, Debug)]
pub enum Work {
    Stream,
    Rpc,
    /// Session-aware streaming (zil only; compared with raw streaming).
    Session,
}

/// Whether `peer`'s programs are built in (NNG only when its header was
/// found at build time).
pub fn available(peer: Peer) -> bool {
    peer != Peer::Nng || cfg!(bench_nng)
}

fn entry(peer: Peer, work: Work) -> Result<Run, String> {
    match (peer, work) {
        (Peer::Zmq, Work::Stream) => Ok(bench_zmq_stream),
        (Peer::Zmq, Work::Rpc) => Ok(bench_zmq_rpc),
        (Peer::Zil, Work::Stream) => Ok(bench_zil_stream),
        (Peer::Zil, Work::Rpc) => Ok(bench_zil_rpc),
        (Peer::Zil, Work::Session) => Ok(bench_zil_session),
        #[cfg(bench_nng)]
        (Peer::Nng, Work::Stream) => Ok(bench_nng_stream),
        #[cfg(bench_nng)]
        (Peer::Nng, Work::Rpc) => Ok(bench_nng_rpc),
        #[cfg(not(bench_nng))]
        (Peer::Nng, _) => Err("NNG not built in (libnng-dev missing at build time)".to_owned()),
        (_, Work::Session) => Err("session-aware streaming is zil's own".to_owned()),
    }
}

/// Runs one C program: `addr` to bind, `size` bytes per message, `count`
/// timed messages or calls after `warmup` untimed ones.
pub fn run(
    peer: Peer,
    work: Work,
    addr: &str,
    size: usize,
    count: u64,
    warmup: u64,
    pin: bool,
) -> Result<Outcome, String> {
    let run = entry(peer, work)?;
    let addr = CString::new(addr).map_err(|_| format!("address {addr:?} holds a NUL"))?;
    let spec = Spec {
        addr: addr.as_ptr(),
        size: size.max(8),
        count,
        warmup,
        pin,
    };
    let mut out = Outcome {
        sent: 0,
        received: 0,
        bad: 0,
        seconds: 0.0,
        p50_us: 0.0,
        p99_us: 0.0,
        error: [0; 256],
    };
    // SAFETY: a valid spec whose address outlives the call and a result
    // the C side fills; the C programs join every thread they start.
    unsafe { run(&spec, &mut out) };
    match out.error() {
        Some(e) => Err(format!("{}: {e}", peer.path())),
        None => Ok(out),
    }
}
