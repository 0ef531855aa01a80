//! The zil side: every workload through zil's exported C ABI functions,
//! called as a C program would (raw pointers, result codes, free calls).

use crate::common::{
    stamp, template, Addresses, Budget, Latencies, RecvState, Sink, Source, Transport, EOS, EVENT,
    RECV_TIMEOUT_MS, SESSION_ID, TOPIC,
};
use crate::zil_h::*;
use std::ffi::{c_char, c_void, CStr, CString};
use std::ptr;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Arc;

/// Turns a zil result into `Err` with the call's name and
/// `zil_last_error()`.
pub fn check(rc: zil_result, what: &str) -> Result<(), String> {
    if rc == zil_result::ZIL_OK {
        return Ok(());
    }
    Err(format!("{what}: {rc:?}: {}", last_error()))
}

fn last_error() -> String {
    // SAFETY: zil_last_error never returns NULL; the text is copied at once.
    unsafe { CStr::from_ptr(zil_last_error()) }
        .to_string_lossy()
        .into_owned()
}

fn cstring(text: &str) -> CString {
    CString::new(text).expect("bench strings have no NUL")
}

/// A non-NULL handle or the call's error.
fn non_null<T>(p: *mut T, what: &str) -> Result<*mut T, String> {
    if p.is_null() {
        return Err(format!("{what} returned NULL: {}", last_error()));
    }
    Ok(p)
}

/// Owned `zil_options_t` with unlimited high-water marks.
struct Options(*mut zil_options_t);

impl Options {
    fn unlimited() -> Result<Self, String> {
        // SAFETY: zil_options_new takes no arguments.
        let opts = Options(non_null(unsafe { zil_options_new() }, "zil_options_new")?);
        // SAFETY: a live options handle.
        unsafe {
            check(zil_options_set_sndhwm(opts.0, 0), "zil_options_set_sndhwm")?;
            check(zil_options_set_rcvhwm(opts.0, 0), "zil_options_set_rcvhwm")?;
        }
        Ok(opts)
    }
}

impl Drop for Options {
    fn drop(&mut self) {
        // SAFETY: created by zil_options_new, freed once.
        unsafe { zil_options_free(self.0) }
    }
}

/// The borrowed C string at `p` as an owned String.
unsafe fn owned(p: *const c_char) -> Result<String, String> {
    if p.is_null() {
        return Err("NULL string".to_owned());
    }
    Ok(CStr::from_ptr(p).to_string_lossy().into_owned())
}

// ---------------------------------------------------------------- streaming

/// An output port; freed on drop.
pub struct Outport(*mut zil_outport_t);
// SAFETY: zil_outport_t is thread-safe (zil.h).
unsafe impl Send for Outport {}

impl Drop for Outport {
    fn drop(&mut self) {
        // SAFETY: created by zil_outport_new_with_options, freed once, no
        // other thread uses it any more.
        unsafe { zil_outport_free(self.0) }
    }
}

/// An input port; freed on drop.
pub struct Inport(*mut zil_inport_t);
// SAFETY: one thread at a time receives on it (the receiver thread).
unsafe impl Send for Inport {}

impl Drop for Inport {
    fn drop(&mut self) {
        // SAFETY: created by zil_inport_new_with_options, freed once.
        unsafe { zil_inport_free(self.0) }
    }
}

/// Output and input port with unlimited high-water marks, connected, the
/// subscriber announced (`zil_outport_wait_subscribers`).
pub fn stream_pair(addrs: &Addresses, transport: Transport) -> Result<(Outport, Inport), String> {
    let opts = Options::unlimited()?;
    let addr = cstring(&addrs.bind(transport, "zil"));
    let topic = cstring(TOPIC);
    // SAFETY: valid C strings and options for the duration of the calls.
    unsafe {
        let out = Outport(non_null(
            zil_outport_new_with_options(addr.as_ptr(), topic.as_ptr(), opts.0),
            "zil_outport_new_with_options",
        )?);
        let endpoint = zil_outport_endpoint(out.0);
        let inp = Inport(non_null(
            zil_inport_new_with_options(endpoint, topic.as_ptr(), opts.0),
            "zil_inport_new_with_options",
        )?);
        check(
            zil_outport_wait_subscribers(out.0, 1, RECV_TIMEOUT_MS, ptr::null_mut()),
            "zil_outport_wait_subscribers",
        )?;
        Ok((out, inp))
    }
}

/// How a zil sink hands over its payloads.
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum PushMode {
    /// `zil_outport_push`: zil (libzmq) copies the bytes.
    Copy,
    /// `zil_outport_push_zero_copy` of a fresh buffer per message.
    ZeroCopy,
}

/// `--inject-loss`: the zil output port skips message #3 (counted as sent),
/// to show that a lost message fails the run.
pub static INJECT_LOSS: AtomicBool = AtomicBool::new(false);

/// Buffers released by zil through [`release_buffer`].
pub static FREED: AtomicU64 = AtomicU64::new(0);

/// The free callback of zero-copy pushes: `hint` is the buffer's length.
unsafe extern "C" fn release_buffer(data: *mut c_void, hint: *mut c_void) {
    let len = hint as usize;
    drop(Box::from_raw(ptr::slice_from_raw_parts_mut(
        data.cast::<u8>(),
        len,
    )));
    FREED.fetch_add(1, Ordering::Relaxed);
}

/// Pushes through an output port.
pub struct OutportSink {
    port: Outport,
    buf: Vec<u8>,
    template: Arc<[u8]>,
    mode: PushMode,
    event: CString,
    eos: CString,
    pub pushed_zero_copy: u64,
}

impl OutportSink {
    pub fn new(port: Outport, size: usize, mode: PushMode) -> Self {
        let tpl = template(size);
        OutportSink {
            port,
            buf: tpl.to_vec(),
            template: tpl,
            mode,
            event: cstring(EVENT),
            eos: cstring(EOS),
            pushed_zero_copy: 0,
        }
    }

    /// The port's counters.
    pub fn stats(&self) -> Result<zil_counters_t, String> {
        let mut stats = zil_stats_t {
            size: std::mem::size_of::<zil_stats_t>(),
            ..Default::default()
        };
        // SAFETY: live port, valid out-pointer.
        check(
            unsafe { zil_outport_stats(self.port.0, &mut stats) },
            "zil_outport_stats",
        )?;
        Ok(stats.counters)
    }
}

impl Sink for OutportSink {
    fn send(&mut self, seq: u64) -> Result<(), String> {
        if seq == 3 && INJECT_LOSS.load(Ordering::Relaxed) {
            return Ok(());
        }
        match self.mode {
            PushMode::Copy => {
                stamp(&mut self.buf, seq);
                // SAFETY: live port; buf valid for its length during the call.
                let rc = unsafe {
                    zil_outport_push(
                        self.port.0,
                        self.buf.as_ptr(),
                        self.buf.len(),
                        self.event.as_ptr(),
                    )
                };
                check(rc, "zil_outport_push")
            }
            PushMode::ZeroCopy => {
                let mut fresh: Box<[u8]> = Box::from(&self.template[..]);
                stamp(&mut fresh, seq);
                let len = fresh.len();
                let data = Box::into_raw(fresh).cast::<u8>();
                self.pushed_zero_copy += 1;
                // SAFETY: the buffer is handed over; release_buffer frees it
                // with the length passed as hint.
                let rc = unsafe {
                    zil_outport_push_zero_copy(
                        self.port.0,
                        data,
                        len,
                        self.event.as_ptr(),
                        Some(release_buffer),
                        len as *mut c_void,
                    )
                };
                check(rc, "zil_outport_push_zero_copy")
            }
        }
    }

    fn send_eos(&mut self, total: u64) -> Result<(), String> {
        let data = total.to_le_bytes();
        // SAFETY: live port; data valid during the call.
        let rc =
            unsafe { zil_outport_push(self.port.0, data.as_ptr(), data.len(), self.eos.as_ptr()) };
        check(rc, "zil_outport_push (end of stream)")
    }
}

/// A message zil receives into again and again (`zil_msg_new` +
/// `zil_*_recv_into`): the receive loop allocates nothing, as raw libzmq
/// code reusing its `zmq_msg_t`s does.
pub struct MsgBuf(*mut zil_msg_t);

// SAFETY: a zil_msg_t may be moved between threads (zil.h), and MsgBuf is
// used by one thread at a time.
unsafe impl Send for MsgBuf {}

impl MsgBuf {
    pub fn new() -> Self {
        // SAFETY: zil_msg_new takes no arguments.
        MsgBuf(unsafe { zil_msg_new() })
    }
}

impl Drop for MsgBuf {
    fn drop(&mut self) {
        // SAFETY: made by zil_msg_new, freed once.
        unsafe { zil_msg_free(self.0) }
    }
}

/// Takes one message from a `zil_*_recv_into` call and hands its bytes to
/// `state`. `Ok(false)` on `ZIL_TIMEOUT`.
unsafe fn take_msg(
    rc: zil_result,
    msg: *mut zil_msg_t,
    state: &mut RecvState,
    what: &str,
) -> Result<bool, String> {
    if rc == zil_result::ZIL_TIMEOUT {
        return Ok(false);
    }
    check(rc, what)?;
    let data = zil_msg_data(msg);
    let size = zil_msg_size(msg);
    let event = zil_msg_event(msg);
    let is_eos = !event.is_null() && CStr::from_ptr(event).to_bytes() == EOS.as_bytes();
    state.on_msg(std::slice::from_raw_parts(data, size), is_eos);
    Ok(true)
}

/// Receives from an input port.
pub struct InportSource(pub Inport, pub MsgBuf);

impl InportSource {
    pub fn stats(&self) -> Result<zil_counters_t, String> {
        let mut stats = zil_stats_t {
            size: std::mem::size_of::<zil_stats_t>(),
            ..Default::default()
        };
        // SAFETY: live port, valid out-pointer.
        check(
            unsafe { zil_inport_stats(self.0 .0, &mut stats) },
            "zil_inport_stats",
        )?;
        Ok(stats.counters)
    }
}

impl Source for InportSource {
    fn recv(&mut self, timeout_ms: i32, state: &mut RecvState) -> Result<bool, String> {
        // SAFETY: live port and message, used by this thread only.
        unsafe {
            let rc = zil_inport_recv_into(self.0 .0, self.1 .0, timeout_ms);
            take_msg(rc, self.1 .0, state, "zil_inport_recv_into")
        }
    }
}

// ---------------------------------------------------------------------- RPC

/// The C handler of `verify`: counts the call (user_data is an
/// `AtomicU64`) and confirms every session.
unsafe extern "C" fn verify_handler(
    user_data: *mut c_void,
    _method: *const c_char,
    _params_json: *const c_char,
    params_string: *const c_char,
    reply: *mut zil_rpc_reply_t,
) {
    let calls = &*(user_data as *const AtomicU64);
    calls.fetch_add(1, Ordering::Relaxed);
    let ok = !params_string.is_null();
    zil_rpc_reply_set_bool(reply, ok);
}

/// Releases the handler's counter (one `Arc` reference).
unsafe extern "C" fn release_counter(user_data: *mut c_void) {
    drop(Arc::from_raw(user_data as *const AtomicU64));
}

/// A started zil RPC server whose `verify` confirms every session.
pub struct RpcServer {
    server: *mut zil_rpc_server_t,
    pub calls: Arc<AtomicU64>,
    pub endpoint: String,
}

impl RpcServer {
    pub fn start() -> Result<Self, String> {
        let addr = cstring("tcp://127.0.0.1:*");
        let method = cstring("verify");
        let calls = Arc::new(AtomicU64::new(0));
        // SAFETY: valid strings; the counter reference is handed to zil and
        // released by release_counter.
        unsafe {
            let server = non_null(zil_rpc_server_new(addr.as_ptr()), "zil_rpc_server_new")?;
            let this = RpcServer {
                server,
                calls: Arc::clone(&calls),
                endpoint: owned(zil_rpc_server_endpoint(server))?,
            };
            let user_data = Arc::into_raw(calls) as *mut c_void;
            let rc = zil_rpc_server_set_handler(
                server,
                method.as_ptr(),
                Some(verify_handler),
                user_data,
                Some(release_counter),
            );
            if rc != zil_result::ZIL_OK {
                // On failure zil does not call release: the reference is ours.
                release_counter(user_data);
            }
            check(rc, "zil_rpc_server_set_handler")?;
            check(zil_rpc_server_start(server), "zil_rpc_server_start")?;
            Ok(this)
        }
    }
}

impl Drop for RpcServer {
    fn drop(&mut self) {
        // SAFETY: created by zil_rpc_server_new, freed once.
        unsafe { zil_rpc_server_free(self.server) }
    }
}

/// `zil_rpc_client_verify` round trips against a zil server with a C
/// handler. Returns the latencies and the handler's call count.
pub fn rpc(warmup: u64, budget: Budget) -> Result<(Latencies, u64), String> {
    let server = RpcServer::start()?;
    let addr = cstring(&server.endpoint);
    let sid = cstring(SESSION_ID);
    // SAFETY: valid address string.
    let client = non_null(
        unsafe { zil_rpc_client_new(addr.as_ptr(), RECV_TIMEOUT_MS) },
        "zil_rpc_client_new",
    )?;
    let result = crate::common::time_calls(warmup, budget, || {
        let mut verified = false;
        // SAFETY: live client, valid strings and out-pointer.
        let rc = unsafe { zil_rpc_client_verify(client, sid.as_ptr(), &mut verified) };
        check(rc, "zil_rpc_client_verify")?;
        if !verified {
            return Err("verify answered false".to_owned());
        }
        Ok(())
    });
    // SAFETY: created above, freed once.
    unsafe { zil_rpc_client_free(client) };
    let lat = result?;
    let calls = server.calls.load(Ordering::Relaxed);
    drop(server);
    if calls != lat.calls() + warmup {
        return Err(format!(
            "the handler ran {calls} times for {} calls",
            lat.calls() + warmup
        ));
    }
    Ok((lat, calls))
}

// ------------------------------------------------------------ session-aware

/// An outpad; freed on drop.
pub struct Outpad(*mut zil_outpad_t);
// SAFETY: zil_outpad_t is thread-safe like zil_outport_t.
unsafe impl Send for Outpad {}

impl Drop for Outpad {
    fn drop(&mut self) {
        // SAFETY: created by zil_outpad_new_with_options, freed once.
        unsafe { zil_outpad_free(self.0) }
    }
}

/// An inpad; freed on drop.
pub struct Inpad(*mut zil_inpad_t);
// SAFETY: one thread at a time receives on it.
unsafe impl Send for Inpad {}

impl Drop for Inpad {
    fn drop(&mut self) {
        // SAFETY: created by zil_inpad_new_with_options, freed once.
        unsafe { zil_inpad_free(self.0) }
    }
}

/// Outpad (own session id) → inpad verified by `server`, unlimited
/// high-water marks, verification cache `ttl_ms` (None: zil's default).
pub fn session_pair(
    addrs: &Addresses,
    server: &RpcServer,
    ttl_ms: Option<i32>,
) -> Result<(Outpad, Inpad), String> {
    let opts = Options::unlimited()?;
    let addr = cstring(&addrs.bind(Transport::Tcp, "pad"));
    let topic = cstring(TOPIC);
    let rpc_addr = cstring(&server.endpoint);
    let sid = cstring(SESSION_ID);
    // SAFETY: valid strings and options for the duration of the calls.
    unsafe {
        let out = Outpad(non_null(
            zil_outpad_new_with_options(addr.as_ptr(), topic.as_ptr(), opts.0),
            "zil_outpad_new_with_options",
        )?);
        check(
            zil_outpad_set_session_id(out.0, sid.as_ptr()),
            "zil_outpad_set_session_id",
        )?;
        let endpoint = zil_outpad_endpoint(out.0);
        let inp = Inpad(non_null(
            zil_inpad_new_with_options(endpoint, topic.as_ptr(), rpc_addr.as_ptr(), opts.0),
            "zil_inpad_new_with_options",
        )?);
        if let Some(ttl) = ttl_ms {
            check(
                zil_inpad_set_cache_ttl(inp.0, ttl),
                "zil_inpad_set_cache_ttl",
            )?;
        }
        check(
            zil_outpad_wait_subscribers(out.0, 1, RECV_TIMEOUT_MS, ptr::null_mut()),
            "zil_outpad_wait_subscribers",
        )?;
        Ok((out, inp))
    }
}

/// Pushes through an outpad.
pub struct OutpadSink {
    pad: Outpad,
    buf: Vec<u8>,
    event: CString,
    eos: CString,
}

impl OutpadSink {
    pub fn new(pad: Outpad, size: usize) -> Self {
        OutpadSink {
            pad,
            buf: template(size).to_vec(),
            event: cstring(EVENT),
            eos: cstring(EOS),
        }
    }
}

impl Sink for OutpadSink {
    fn send(&mut self, seq: u64) -> Result<(), String> {
        stamp(&mut self.buf, seq);
        // SAFETY: live outpad; buf valid during the call.
        let rc = unsafe {
            zil_outpad_push(
                self.pad.0,
                self.buf.as_ptr(),
                self.buf.len(),
                self.event.as_ptr(),
            )
        };
        check(rc, "zil_outpad_push")
    }

    fn send_eos(&mut self, total: u64) -> Result<(), String> {
        let data = total.to_le_bytes();
        // SAFETY: live outpad; data valid during the call.
        let rc =
            unsafe { zil_outpad_push(self.pad.0, data.as_ptr(), data.len(), self.eos.as_ptr()) };
        check(rc, "zil_outpad_push (end of stream)")
    }
}

/// Receives verified messages from an inpad.
pub struct InpadSource(pub Inpad, pub MsgBuf);

impl InpadSource {
    pub fn stats(&self) -> Result<zil_inpad_counters_t, String> {
        let mut stats = zil_inpad_stats_t {
            size: std::mem::size_of::<zil_inpad_stats_t>(),
            ..Default::default()
        };
        // SAFETY: live inpad, valid out-pointer.
        check(
            unsafe { zil_inpad_stats(self.0 .0, &mut stats) },
            "zil_inpad_stats",
        )?;
        Ok(stats.counters)
    }
}

impl Source for InpadSource {
    fn recv(&mut self, timeout_ms: i32, state: &mut RecvState) -> Result<bool, String> {
        // SAFETY: live inpad and message, used by this thread only.
        unsafe {
            let rc = zil_inpad_recv_into(self.0 .0, self.1 .0, timeout_ms);
            take_msg(rc, self.1 .0, state, "zil_inpad_recv_into")
        }
    }
}
