//! `zil_options_t`: settings for creating ports.

use super::convert::{opt_str_arg, str_arg, timeout_arg, write_if_given};
use super::handle::{borrow, borrow_mut, free, into_raw};
use super::result::zil_result;
use crate::curve::{KeyPair, PublicKey, SecretKey};
use crate::error::{Error, ErrorKind};
use crate::options::{Attach, PortOptions, TcpKeepalive, TopicMatch};
use std::ffi::{c_char, c_int};

/// Settings for creating ports, RPC servers and clients
/// (`zil_*_new_with_options`). Created with zil's defaults: high-water
/// marks 1000, linger 1000 ms, output ports bind and input ports connect,
/// exact topic matching, received frames up to 256 MiB (RPC: 16 MiB), no
/// encryption, TCP keep-alive that notices a dead peer after about 20 s. Not thread-safe:
/// configure it from one thread, then use it (read-only) from any.
pub struct zil_options_t {
    _private: [u8; 0],
}
impl_handle!(zil_options_t => PortOptions);

/// How a port attaches to its address (`zil_options_set_attach`).
#[allow(dead_code, reason = "C-only: declared in zil.h, never named in Rust")]
#[repr(C)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum zil_attach {
    /// The side's default: output ports bind, input ports connect.
    ZIL_ATTACH_DEFAULT = 0,
    /// Bind the address.
    ZIL_ATTACH_BIND = 1,
    /// Connect to the address.
    ZIL_ATTACH_CONNECT = 2,
}

/// Creates options holding zil's defaults. Free with `zil_options_free`.
/// Returns NULL only if memory ran out.
#[no_mangle]
pub extern "C" fn zil_options_new() -> *mut zil_options_t {
    ffi! { Ok(into_raw::<zil_options_t>(PortOptions::default())) }
}

/// Frees options. NULL is a no-op. Ports created with them are unaffected.
#[no_mangle]
pub unsafe extern "C" fn zil_options_free(opts: *mut zil_options_t) {
    ffi! {
        free(opts);
        Ok(())
    }
}

/// Sets the send high-water mark (messages queued per subscriber before
/// libzmq drops; 0 = no limit). `ZIL_INVALID_ARGUMENT` if negative.
#[no_mangle]
pub unsafe extern "C" fn zil_options_set_sndhwm(
    opts: *mut zil_options_t,
    hwm: c_int,
) -> zil_result {
    ffi! {
        let opts = borrow_mut(opts, "opts")?;
        opts.sndhwm = non_negative(hwm, "sndhwm")?;
        Ok(zil_result::ZIL_OK)
    }
}

/// Sets the receive high-water mark (0 = no limit). Output ports and
/// outpads receive only subscription frames and hold them to 16 whatever
/// this says. `ZIL_INVALID_ARGUMENT` if negative.
#[no_mangle]
pub unsafe extern "C" fn zil_options_set_rcvhwm(
    opts: *mut zil_options_t,
    hwm: c_int,
) -> zil_result {
    ffi! {
        let opts = borrow_mut(opts, "opts")?;
        opts.rcvhwm = non_negative(hwm, "rcvhwm")?;
        Ok(zil_result::ZIL_OK)
    }
}

/// Sets how long unsent messages are kept after a port is freed, in ms
/// (`-1` = until sent, `0` = drop at once). `ZIL_INVALID_ARGUMENT` below -1.
#[no_mangle]
pub unsafe extern "C" fn zil_options_set_linger(
    opts: *mut zil_options_t,
    linger_ms: i32,
) -> zil_result {
    ffi! {
        let opts = borrow_mut(opts, "opts")?;
        if linger_ms < -1 {
            return Err(Error::invalid(format!("linger {linger_ms} ms is invalid (>= -1)")));
        }
        opts.linger_ms = linger_ms;
        Ok(zil_result::ZIL_OK)
    }
}

/// Binds or connects (a `zil_attach` value). `ZIL_INVALID_ARGUMENT` for a
/// number that is no `zil_attach`.
#[no_mangle]
pub unsafe extern "C" fn zil_options_set_attach(
    opts: *mut zil_options_t,
    attach: c_int,
) -> zil_result {
    ffi! {
        let opts = borrow_mut(opts, "opts")?;
        opts.attach = match attach {
            0 => None,
            1 => Some(Attach::Bind),
            2 => Some(Attach::Connect),
            _ => return Err(Error::invalid(format!("attach {attach} is no zil_attach value"))),
        };
        Ok(zil_result::ZIL_OK)
    }
}

/// Input ports: `true` receives every topic that starts with the port's
/// topic (the Python original's behaviour), `false` (default) only the exact
/// topic.
#[no_mangle]
pub unsafe extern "C" fn zil_options_set_prefix_match(
    opts: *mut zil_options_t,
    prefix: bool,
) -> zil_result {
    ffi! {
        let opts = borrow_mut(opts, "opts")?;
        opts.topic_match = if prefix { TopicMatch::Prefix } else { TopicMatch::Exact };
        Ok(zil_result::ZIL_OK)
    }
}

/// Output ports and outpads: `lossless` true makes every push wait while a
/// subscriber's queue is full, at most `timeout_ms` (-1 forever); after that
/// the message is dropped (for every subscriber), counted in
/// `messages_dropped`, and the push returns `ZIL_TIMEOUT`. `false` (the
/// default) never blocks: a subscriber past its high-water mark misses
/// messages, like PUB. `ZIL_INVALID_ARGUMENT` for a timeout below -1.
#[no_mangle]
pub unsafe extern "C" fn zil_options_set_lossless(
    opts: *mut zil_options_t,
    lossless: bool,
    timeout_ms: i32,
) -> zil_result {
    ffi! {
        let opts = borrow_mut(opts, "opts")?;
        let timeout_ms = timeout_arg(timeout_ms)?;
        opts.lossless_timeout_ms = lossless.then_some(timeout_ms);
        Ok(zil_result::ZIL_OK)
    }
}

/// Inpads: how long the RPC server may stay silent while `verify` calls
/// wait for it, in ms (default 1000; -1 forever); then the messages waiting
/// are dropped (`dropped_rpc_failed`). It does not lengthen a receive: a
/// receive returns within its own timeout. `ZIL_INVALID_ARGUMENT` below -1.
#[no_mangle]
pub unsafe extern "C" fn zil_options_set_rpc_timeout(
    opts: *mut zil_options_t,
    timeout_ms: i32,
) -> zil_result {
    ffi! {
        let opts = borrow_mut(opts, "opts")?;
        opts.rpc_timeout_ms = timeout_arg(timeout_ms)?;
        Ok(zil_result::ZIL_OK)
    }
}

/// The default longest session id an inpad verifies: 256 bytes.
pub const ZIL_DEFAULT_MAX_SESSION_ID_LEN: usize = 256;
const _: () = assert!(ZIL_DEFAULT_MAX_SESSION_ID_LEN == crate::DEFAULT_MAX_SESSION_ID_LEN);

/// Inpads: the longest session id verified, in bytes (default
/// `ZIL_DEFAULT_MAX_SESSION_ID_LEN`). A message with a longer one is dropped
/// before any `verify` call and never cached, and counted in
/// `dropped_session_too_long`. `ZIL_INVALID_ARGUMENT` for 0.
#[no_mangle]
pub unsafe extern "C" fn zil_options_set_max_session_id_len(
    opts: *mut zil_options_t,
    len: usize,
) -> zil_result {
    ffi! {
        let opts = borrow_mut(opts, "opts")?;
        if len == 0 {
            return Err(Error::invalid("max_session_id_len must be at least 1 byte"));
        }
        opts.max_session_id_len = len;
        Ok(zil_result::ZIL_OK)
    }
}

/// TCP keep-alive of the port's TCP connections: how zil learns that the
/// host at the other end is gone when nothing will ever say so (power lost,
/// a cable pulled, a partition that lasts). A connection on which nothing
/// arrived for `idle_s` seconds is probed every `interval_s` seconds, and
/// after `probes` unanswered probes it is dropped as if the peer had closed
/// it (monitors report `ZIL_PEER_DISCONNECTED`). The peer's kernel answers the
/// probes, so a peer that is alive but slow, or not reading, is never
/// dropped. Probes go out only while nothing this side sent awaits its
/// acknowledgement (data that does is bounded by TCP's retransmission
/// timeout). Default on: 10 s, every 2 s, 5 probes, so a dead peer is
/// noticed about 20 s after it went silent. `idle_s` 0 turns keep-alive off (the other two are
/// then ignored). `ZIL_INVALID_ARGUMENT` for values Linux does not take:
/// `idle_s` and `interval_s` 1..=32767, `probes` 1..=127.
#[no_mangle]
pub unsafe extern "C" fn zil_options_set_tcp_keepalive(
    opts: *mut zil_options_t,
    idle_s: i32,
    interval_s: i32,
    probes: i32,
) -> zil_result {
    ffi! {
        let opts = borrow_mut(opts, "opts")?;
        opts.tcp_keepalive = if idle_s == 0 {
            None
        } else {
            let keepalive = TcpKeepalive { idle_s, interval_s, probes };
            keepalive.check()?;
            Some(keepalive)
        };
        Ok(zil_result::ZIL_OK)
    }
}

/// Reads the TCP keep-alive set (`zil_options_set_tcp_keepalive`) into
/// the non-NULL out-arguments given (any may be NULL to skip it); all three
/// are 0 when keep-alive is off.
#[no_mangle]
pub unsafe extern "C" fn zil_options_get_tcp_keepalive(
    opts: *const zil_options_t,
    idle_s: *mut i32,
    interval_s: *mut i32,
    probes: *mut i32,
) -> zil_result {
    ffi! {
        let opts = borrow(opts, "opts")?;
        let k = opts.tcp_keepalive.unwrap_or(TcpKeepalive { idle_s: 0, interval_s: 0, probes: 0 });
        write_if_given(idle_s, k.idle_s);
        write_if_given(interval_s, k.interval_s);
        write_if_given(probes, k.probes);
        Ok(zil_result::ZIL_OK)
    }
}

/// The default largest message frame of a streaming socket: 256 MiB (a raw
/// 8K video frame fits).
pub const ZIL_DEFAULT_MAX_MSG_SIZE: i64 = 268_435_456;
const _: () = assert!(ZIL_DEFAULT_MAX_MSG_SIZE == crate::DEFAULT_MAX_MSG_SIZE);

/// The default largest RPC request or reply: 16 MiB.
pub const ZIL_DEFAULT_RPC_MAX_MSG_SIZE: i64 = 16_777_216;
const _: () = assert!(ZIL_DEFAULT_RPC_MAX_MSG_SIZE == crate::DEFAULT_RPC_MAX_MSG_SIZE);

/// Sets the largest message frame a receiving socket hands on, in bytes
/// (`-1`: no limit). Default `ZIL_DEFAULT_MAX_MSG_SIZE` for ports,
/// `ZIL_DEFAULT_RPC_MAX_MSG_SIZE` for RPC servers and clients.
/// `ZIL_INVALID_ARGUMENT` below -1. A larger frame, up to twice the limit,
/// is dropped, logged and counted while the connection lives on (ports:
/// `messages_oversized`; an RPC server answers a -32600 error and counts
/// `requests_oversized`; a client's call fails with `ZIL_PROTOCOL_ERROR`).
/// Over twice the limit libzmq refuses the frame before allocating it and
/// drops that peer's connection (a server keeps serving everyone else; a
/// connecting input port stops receiving from that publisher, logs it and
/// counts it in `peers_dropped`). Output ports and outpads receive only
/// subscriptions and take none longer than twice (topic length + 512)
/// bytes, whatever this option says: a longer one can never match their
/// topic, and its sender's connection is dropped.
#[no_mangle]
pub unsafe extern "C" fn zil_options_set_max_msg_size(
    opts: *mut zil_options_t,
    max_bytes: i64,
) -> zil_result {
    ffi! {
        let opts = borrow_mut(opts, "opts")?;
        if max_bytes < -1 {
            return Err(Error::invalid(format!("max_msg_size {max_bytes} is invalid (>= -1)")));
        }
        opts.max_msg_size = Some(max_bytes);
        Ok(zil_result::ZIL_OK)
    }
}

/// Makes the socket a CURVE server with `secret_key` (40 characters of
/// Z85, e.g. from `zil_curve_keypair`): every connection is encrypted, and
/// only clients that know the matching public key get in. Combine with
/// `zil_options_allow_curve_client` to admit only listed clients.
/// `ZIL_NOT_SUPPORTED` without CURVE (`zil_curve_supported`),
/// `ZIL_INVALID_ARGUMENT` for a malformed key.
#[no_mangle]
pub unsafe extern "C" fn zil_options_set_curve_server(
    opts: *mut zil_options_t,
    secret_key: *const c_char,
) -> zil_result {
    ffi! {
        let opts = borrow_mut(opts, "opts")?;
        let secret = curve_key(secret_key, "secret_key", SecretKey::from_z85)?;
        opts.curve.server_secret = Some(secret);
        Ok(zil_result::ZIL_OK)
    }
}

/// Adds `public_key` (40 characters of Z85) to the CURVE server's
/// allow-list: once the list has a key, only clients with a listed key get
/// in; the others are refused during the handshake (they receive and call
/// nothing), logged, and counted in `peers_refused` of the handle's stats.
/// Needs `zil_options_set_curve_server` before the handle is created.
/// `ZIL_NOT_SUPPORTED` without CURVE, `ZIL_INVALID_ARGUMENT` for a
/// malformed key.
#[no_mangle]
pub unsafe extern "C" fn zil_options_allow_curve_client(
    opts: *mut zil_options_t,
    public_key: *const c_char,
) -> zil_result {
    ffi! {
        let opts = borrow_mut(opts, "opts")?;
        let key = curve_key(public_key, "public_key", PublicKey::from_z85)?;
        if !opts.curve.allowed_clients.contains(&key) {
            opts.curve.allowed_clients.push(key);
        }
        Ok(zil_result::ZIL_OK)
    }
}

/// Makes the socket a CURVE client of the server whose public key is
/// `server_key`. `client_public_key` and `client_secret_key` are this
/// client's own key pair (what a server's allow-list names); both NULL
/// makes a new pair for each connection (for servers without an
/// allow-list). For an inpad, the pair is also used for its `verify` calls
/// (`zil_options_set_curve_rpc_server_key`). `ZIL_NOT_SUPPORTED` without
/// CURVE, `ZIL_INVALID_ARGUMENT` for a malformed key or a secret key that
/// does not belong to the public key, `ZIL_NULL_ARGUMENT` when only one of
/// the pair is given.
#[no_mangle]
pub unsafe extern "C" fn zil_options_set_curve_client(
    opts: *mut zil_options_t,
    server_key: *const c_char,
    client_public_key: *const c_char,
    client_secret_key: *const c_char,
) -> zil_result {
    ffi! {
        let opts = borrow_mut(opts, "opts")?;
        let server = PublicKey::from_z85(str_arg(server_key, "server_key")?)?;
        let keys = client_pair(client_public_key, client_secret_key)?;
        crate::curve::require()?;
        opts.curve.server_key = Some(server);
        if keys.is_some() {
            opts.curve.client_keys = keys;
        }
        Ok(zil_result::ZIL_OK)
    }
}

/// Inpads: encrypts the `verify` calls to the RPC server whose public key
/// is `server_key`, with the key pair of `zil_options_set_curve_client`
/// (or a new pair per connection without one). `ZIL_NOT_SUPPORTED` without
/// CURVE, `ZIL_INVALID_ARGUMENT` for a malformed key.
#[no_mangle]
pub unsafe extern "C" fn zil_options_set_curve_rpc_server_key(
    opts: *mut zil_options_t,
    server_key: *const c_char,
) -> zil_result {
    ffi! {
        let opts = borrow_mut(opts, "opts")?;
        let server = curve_key(server_key, "server_key", PublicKey::from_z85)?;
        opts.curve.rpc_server_key = Some(server);
        Ok(zil_result::ZIL_OK)
    }
}

/// The client key pair of `zil_options_set_curve_client`: both or neither.
unsafe fn client_pair(
    public: *const c_char,
    secret: *const c_char,
) -> crate::Result<Option<KeyPair>> {
    let public = opt_str_arg(public, "client_public_key")?;
    let secret = opt_str_arg(secret, "client_secret_key")?;
    match (public, secret) {
        (None, None) => Ok(None),
        (Some(p), Some(s)) => KeyPair::new(PublicKey::from_z85(p)?, SecretKey::from_z85(s)?)
            .map(Some)
            .map_err(|e| match e.kind() {
                ErrorKind::InvalidArgument => {
                    Error::invalid("client_secret_key does not belong to client_public_key")
                }
                _ => e,
            }),
        (None, Some(_)) => Err(half_pair("client_public_key")),
        (Some(_), None) => Err(half_pair("client_secret_key")),
    }
}

fn half_pair(missing: &str) -> Error {
    Error::new(
        ErrorKind::NullArgument,
        format!("argument '{missing}' is NULL: give both keys of the client's pair, or neither"),
    )
}

/// A CURVE key argument: 40 characters of Z85 parsed by `parse`, on a
/// libzmq that has CURVE.
///
/// # Safety
/// As [`str_arg`].
unsafe fn curve_key<K>(
    ptr: *const c_char,
    name: &str,
    parse: fn(&str) -> crate::Result<K>,
) -> crate::Result<K> {
    let key = parse(str_arg(ptr, name)?)?;
    crate::curve::require()?;
    Ok(key)
}

/// Reads the current send and receive high-water marks and linger into the
/// non-NULL out-arguments given (any may be NULL to skip it).
#[no_mangle]
pub unsafe extern "C" fn zil_options_get(
    opts: *const zil_options_t,
    sndhwm: *mut c_int,
    rcvhwm: *mut c_int,
    linger_ms: *mut i32,
) -> zil_result {
    ffi! {
        let opts = borrow(opts, "opts")?;
        write_if_given(sndhwm, opts.sndhwm);
        write_if_given(rcvhwm, opts.rcvhwm);
        write_if_given(linger_ms, opts.linger_ms);
        Ok(zil_result::ZIL_OK)
    }
}

fn non_negative(value: c_int, name: &str) -> crate::Result<i32> {
    if value < 0 {
        return Err(Error::invalid(format!("{name} {value} is invalid (>= 0)")));
    }
    Ok(value)
}

/// The options behind a nullable pointer: NULL means zil's defaults.
///
/// # Safety
/// `opts` is NULL or a live `zil_options_t`.
pub(crate) unsafe fn options_or_default(opts: *const zil_options_t) -> PortOptions {
    borrow(opts, "opts").cloned().unwrap_or_default()
}
