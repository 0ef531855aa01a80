//! The C ABI entry points that take caller buffers, strings and ints:
//! `zil_outport_push` (arbitrary data, arbitrary NUL-terminated event bytes,
//! possibly not UTF-8, or NULL) checked end to end through an inproc Inport;
//! `zil_rpc_client_call` with arbitrary `params_json` against a live inproc
//! echo server; the `zil_options_*` setters with arbitrary ints.
#![no_main]

use libfuzzer_sys::fuzz_target;
use serde_json::Value;
use std::ffi::{c_char, c_int, CStr, CString};
use std::ptr;
use std::sync::{Mutex, OnceLock};
use zil::stream::Inport;
// Links libzil's exported C functions, declared below as a C program's
// include/zil.h declares them.
use zil as _;

/// `enum zil_result`, taken as the int it is in C (a number zil adds later
/// is then no undefined behaviour here).
#[allow(non_camel_case_types)]
type zil_result = c_int;
const ZIL_OK: zil_result = 0;
const ZIL_INVALID_ARGUMENT: zil_result = 1;
const ZIL_REMOTE_ERROR: zil_result = 6;
const ZIL_ZMQ_ERROR: zil_result = 8;

#[allow(non_camel_case_types)]
#[repr(C)]
struct zil_outport_t {
    _opaque: [u8; 0],
}

#[allow(non_camel_case_types)]
#[repr(C)]
struct zil_rpc_client_t {
    _opaque: [u8; 0],
}

#[allow(non_camel_case_types)]
#[repr(C)]
struct zil_options_t {
    _opaque: [u8; 0],
}

extern "C" {
    fn zil_last_error() -> *const c_char;
    fn zil_string_free(text: *mut c_char);
    fn zil_outport_new(addr: *const c_char, topic: *const c_char) -> *mut zil_outport_t;
    fn zil_outport_push(
        port: *const zil_outport_t,
        data: *const u8,
        len: usize,
        event: *const c_char,
    ) -> zil_result;
    fn zil_rpc_client_new(addr: *const c_char, timeout_ms: i32) -> *mut zil_rpc_client_t;
    fn zil_rpc_client_call(
        client: *const zil_rpc_client_t,
        method: *const c_char,
        params_json: *const c_char,
        result_json: *mut *mut c_char,
    ) -> zil_result;
    fn zil_options_new() -> *mut zil_options_t;
    fn zil_options_set_sndhwm(opts: *mut zil_options_t, hwm: c_int) -> zil_result;
    fn zil_options_set_rcvhwm(opts: *mut zil_options_t, hwm: c_int) -> zil_result;
    fn zil_options_set_linger(opts: *mut zil_options_t, linger_ms: c_int) -> zil_result;
    fn zil_options_set_attach(opts: *mut zil_options_t, attach: c_int) -> zil_result;
    fn zil_options_set_rpc_timeout(opts: *mut zil_options_t, timeout_ms: c_int) -> zil_result;
    fn zil_options_set_prefix_match(opts: *mut zil_options_t, prefix: bool) -> zil_result;
    fn zil_options_set_lossless(
        opts: *mut zil_options_t,
        lossless: bool,
        timeout_ms: c_int,
    ) -> zil_result;
    fn zil_options_get(
        opts: *const zil_options_t,
        sndhwm: *mut c_int,
        rcvhwm: *mut c_int,
        linger_ms: *mut c_int,
    ) -> zil_result;
    fn zil_options_free(opts: *mut zil_options_t);
}

const TIMEOUT_MS: i32 = 5000;

struct Fixture {
    outport: usize, // *mut zil_outport_t, kept as an address to be Sync
    inport: Inport,
    client: usize, // *mut zil_rpc_client_t
    _server: zil::rpc::Server,
    lock: Mutex<()>,
}

fn fixture() -> &'static Fixture {
    static FIXTURE: OnceLock<Fixture> = OnceLock::new();
    FIXTURE.get_or_init(|| unsafe {
        let outport = zil_outport_new(c"inproc://fuzz-capi-out".as_ptr(), c"t".as_ptr());
        assert!(!outport.is_null());
        let inport = Inport::new("inproc://fuzz-capi-out", "t").expect("inport");
        loop {
            assert_eq!(
                zil_outport_push(outport, ptr::null(), 0, c"probe".as_ptr()),
                ZIL_OK
            );
            if inport.recv(50).is_ok() {
                break;
            }
        }
        while inport.recv(50).is_ok() {}
        let server = zil::rpc::Server::new("inproc://fuzz-capi-rpc").expect("server");
        server.set_handler("echo", |params: Option<&Value>| {
            Ok(params.cloned().unwrap_or(Value::Null))
        });
        server.start().expect("server start");
        let client = zil_rpc_client_new(c"inproc://fuzz-capi-rpc".as_ptr(), TIMEOUT_MS);
        assert!(!client.is_null());
        Fixture {
            outport: outport as usize,
            inport,
            client: client as usize,
            _server: server,
            lock: Mutex::new(()),
        }
    })
}

/// The bytes before the first NUL, as a C string.
fn c_string(bytes: &[u8]) -> CString {
    let end = bytes.iter().position(|&b| b == 0).unwrap_or(bytes.len());
    CString::new(&bytes[..end]).expect("NUL-free")
}

/// Splits at the first 0xFF byte (the separator the seeds use).
fn halves(rest: &[u8]) -> (&[u8], &[u8]) {
    match rest.iter().position(|&b| b == 0xff) {
        Some(i) => (&rest[..i], &rest[i + 1..]),
        None => (rest, &[][..]),
    }
}

unsafe fn push(fx: &Fixture, flags: u8, rest: &[u8]) {
    let (event_bytes, data) = halves(rest);
    let event = c_string(event_bytes);
    let event_ptr = if flags & 1 == 1 {
        ptr::null()
    } else {
        event.as_ptr()
    };
    let data_ptr = if data.is_empty() && flags & 2 == 2 {
        ptr::null()
    } else {
        data.as_ptr()
    };
    let outport = fx.outport as *mut zil_outport_t;
    let result = zil_outport_push(outport, data_ptr, data.len(), event_ptr);
    let event_str = if event_ptr.is_null() {
        Some(None)
    } else {
        event.to_str().ok().map(Some)
    };
    match event_str {
        None => assert_eq!(result, ZIL_INVALID_ARGUMENT, "non-UTF-8 event"),
        Some(expected) => {
            assert_eq!(result, ZIL_OK, "push of valid arguments");
            let msg = fx.inport.recv(TIMEOUT_MS).expect("pushed message arrives");
            assert_eq!(msg.topic(), "t");
            assert_eq!(msg.data(), data);
            // "None" on the wire means "no event" (the original's convention).
            let expected = expected.filter(|e| *e != "None");
            assert_eq!(msg.event(), expected);
        }
    }
}

unsafe fn call(fx: &Fixture, flags: u8, rest: &[u8]) {
    let (method_bytes, params_bytes) = halves(rest);
    let method = if flags & 1 == 1 {
        c"echo".to_owned()
    } else {
        c_string(method_bytes)
    };
    let params = c_string(params_bytes);
    let params_ptr = if flags & 2 == 2 {
        ptr::null()
    } else {
        params.as_ptr()
    };
    let client = fx.client as *const zil_rpc_client_t;
    let mut out: *mut c_char = ptr::null_mut();
    let result = zil_rpc_client_call(client, method.as_ptr(), params_ptr, &mut out);
    let parsed: Option<Value> = if params_ptr.is_null() {
        Some(Value::Null)
    } else {
        params
            .to_str()
            .ok()
            .and_then(|t| serde_json::from_str(t).ok())
    };
    let why = || {
        CStr::from_ptr(zil_last_error())
            .to_string_lossy()
            .into_owned()
    };
    // Known finding (fuzz/artifacts/findings/README.md): a signal during the
    // blocking receive (libFuzzer's SIGALRM watchdog, every -timeout/2+1 s)
    // fails the call with ZIL_ZMQ_ERROR "Interrupted system call" instead
    // of retrying. Tolerated here so the fuzzer can go on.
    if result == ZIL_ZMQ_ERROR && why().contains("Interrupted system call") {
        assert!(out.is_null());
        return;
    }
    if method.to_str().is_err() || parsed.is_none() {
        assert_eq!(result, ZIL_INVALID_ARGUMENT, "{}", why());
        assert!(out.is_null());
        return;
    }
    if method.as_bytes() != b"echo" {
        assert_eq!(
            result,
            ZIL_REMOTE_ERROR,
            "unknown method {method:?}: {}",
            why()
        );
        assert!(out.is_null());
        return;
    }
    let params = parsed.unwrap();
    // The server passes only truthy params to the handler (as the original).
    let truthy = match &params {
        Value::Null | Value::Bool(false) => false,
        Value::String(s) => !s.is_empty(),
        Value::Array(a) => !a.is_empty(),
        Value::Object(o) => !o.is_empty(),
        Value::Number(n) => n.as_f64() != Some(0.0),
        Value::Bool(true) => true,
    };
    if result != ZIL_OK {
        panic!("echo failed with {result:?} for params {params}: {}", why());
    }
    assert!(!out.is_null());
    let text = CStr::from_ptr(out)
        .to_str()
        .expect("UTF-8 result")
        .to_owned();
    zil_string_free(out);
    let echoed: Value = serde_json::from_str(&text).expect("result is JSON");
    if truthy {
        assert!(
            same(&echoed, &params),
            "echo changed {params} into {echoed}"
        );
    }
}

/// JSON equality, except that floats may differ in the last bits: serde_json
/// (without `float_roundtrip`) does not parse every float correctly rounded,
/// so a float can drift by an ULP each time it is parsed (e.g. `301e39`
/// arrives as 3.01e41 or 3.0099999999999998e41). Known, see the report.
fn same(a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::Number(x), Value::Number(y)) if x.is_f64() || y.is_f64() => {
            let (x, y) = (x.as_f64().unwrap(), y.as_f64().unwrap());
            x == y || (x - y).abs() <= 4.0 * f64::EPSILON * x.abs().max(y.abs())
        }
        (Value::Array(x), Value::Array(y)) => {
            x.len() == y.len() && x.iter().zip(y).all(|(x, y)| same(x, y))
        }
        (Value::Object(x), Value::Object(y)) => {
            x.len() == y.len() && x.iter().all(|(k, v)| y.get(k).is_some_and(|w| same(v, w)))
        }
        _ => a == b,
    }
}

unsafe fn options(rest: &[u8]) {
    let mut ints = rest
        .chunks(4)
        .map(|c| {
            let mut b = [0u8; 4];
            b[..c.len()].copy_from_slice(c);
            i32::from_le_bytes(b)
        })
        .chain(std::iter::repeat(0));
    let mut next = || ints.next().unwrap();
    let opts = zil_options_new();
    assert!(!opts.is_null());
    let (snd, rcv, linger) = (next(), next(), next());
    let ok = |r: zil_result, valid: bool| {
        assert_eq!(r == ZIL_OK, valid, "{r:?}");
    };
    ok(zil_options_set_sndhwm(opts, snd), snd >= 0);
    ok(zil_options_set_rcvhwm(opts, rcv), rcv >= 0);
    ok(zil_options_set_linger(opts, linger), linger >= -1);
    let attach = next();
    ok(
        zil_options_set_attach(opts, attach),
        (0..=2).contains(&attach),
    );
    let rpc = next();
    ok(zil_options_set_rpc_timeout(opts, rpc), rpc >= -1);
    let flag = next();
    zil_options_set_prefix_match(opts, flag & 1 == 1);
    let _ = zil_options_set_lossless(opts, flag & 2 == 2, next());
    let (mut s, mut r, mut l) = (-7, -7, -7);
    assert_eq!(zil_options_get(opts, &mut s, &mut r, &mut l), ZIL_OK);
    if snd >= 0 {
        assert_eq!(s, snd);
    }
    if rcv >= 0 {
        assert_eq!(r, rcv);
    }
    if linger >= -1 {
        assert_eq!(l, linger);
    }
    assert_eq!(
        zil_options_get(opts, ptr::null_mut(), ptr::null_mut(), ptr::null_mut()),
        ZIL_OK
    );
    zil_options_free(opts);
}

fuzz_target!(|data: &[u8]| {
    let Some((&head, rest)) = data.split_first() else {
        return;
    };
    unsafe {
        match head % 3 {
            0 => {
                let fx = fixture();
                let _guard = fx.lock.lock().unwrap();
                push(fx, head / 3, rest);
            }
            1 => {
                let fx = fixture();
                let _guard = fx.lock.lock().unwrap();
                call(fx, head / 3, rest);
            }
            _ => options(rest),
        }
    }
});
