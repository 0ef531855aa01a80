//! Socket settings shared by every kind of port.

use crate::curve::CurveOptions;
use crate::error::{Error, Result};

/// How a port attaches to its address.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Attach {
    /// `bind` the address (the output side's default).
    Bind,
    /// `connect` to the address (the input side's default).
    Connect,
}

/// How an input port matches the topic frame of a message.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TopicMatch {
    /// Only messages whose topic equals the port's topic (zil's default).
    Exact,
    /// Every topic that starts with the port's topic (libzmq's and the
    /// Python original's behaviour: `asr` also receives `asr2`).
    Prefix,
}

/// The default maximum size of a received message frame on streaming
/// sockets: 256 MiB (a raw 8K video frame fits).
pub const DEFAULT_MAX_MSG_SIZE: i64 = 256 << 20;

/// The default maximum size of an RPC request or reply: 16 MiB.
pub const DEFAULT_RPC_MAX_MSG_SIZE: i64 = 16 << 20;

/// Default time the RPC server may stay silent while an inpad's `verify`
/// calls wait for it ([`PortOptions::rpc_timeout_ms`]): 1000 ms.
pub const DEFAULT_RPC_TIMEOUT_MS: i32 = 1000;

/// TCP keep-alive of a port's TCP connections
/// ([`PortOptions::tcp_keepalive`]): how zil learns that the host at the
/// other end is gone when nothing will ever say so (power lost, a cable
/// pulled, a partition that lasts). A connection on which nothing arrived
/// for `idle_s` seconds is probed every `interval_s` seconds; after `probes`
/// unanswered probes it is dropped as if the peer had closed it (monitors
/// report `Disconnected`). The peer's kernel answers the probes, so a peer that is alive but
/// slow, or not reading, is never dropped. Probes are sent only while
/// nothing this side sent is waiting for its acknowledgement; data that is
/// waiting is bounded by TCP's retransmission timeout instead. Other
/// transports (`ipc://`, `inproc://`) are unaffected: the kernel reports
/// their peers' end at once.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TcpKeepalive {
    /// Seconds without anything received before the first probe (1..=32767).
    pub idle_s: i32,
    /// Seconds between two probes (1..=32767).
    pub interval_s: i32,
    /// Unanswered probes after which the connection is dropped (1..=127).
    pub probes: i32,
}

/// zil's default keep-alive: probes after 10 s of silence, every 2 s, 5 of
/// them: a dead peer is noticed about 20 s after it went silent.
pub const DEFAULT_TCP_KEEPALIVE: TcpKeepalive = TcpKeepalive {
    idle_s: 10,
    interval_s: 2,
    probes: 5,
};

impl TcpKeepalive {
    /// Refuses values Linux does not take (`TCP_KEEPIDLE`/`TCP_KEEPINTVL`
    /// up to 32767 s, `TCP_KEEPCNT` up to 127).
    pub(crate) fn check(&self) -> Result<()> {
        let fields = [
            ("idle", self.idle_s, 32767),
            ("interval", self.interval_s, 32767),
            ("probes", self.probes, 127),
        ];
        for (name, value, max) in fields {
            if !(1..=max).contains(&value) {
                return Err(Error::invalid(format!(
                    "TCP keep-alive {name} {value} is invalid (1..={max})"
                )));
            }
        }
        Ok(())
    }
}

/// Settings of a port. [`PortOptions::default`] gives zil's defaults.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PortOptions {
    /// Send high-water mark in messages (libzmq default 1000; 0 = no limit).
    pub sndhwm: i32,
    /// Receive high-water mark in messages (libzmq default 1000; 0 = no limit).
    /// Output ports receive only subscription frames and hold them to 16
    /// whatever this says (a negative value is still refused).
    pub rcvhwm: i32,
    /// How long unsent messages are kept after a port is freed, in ms.
    /// Default 1000: a process never waits long at exit.
    pub linger_ms: i32,
    /// Bind or connect; `None` takes the side's default. Note: an input
    /// port that binds sends its subscription to a publisher that connects
    /// only while it is in a receive (libzmq processes the new connection
    /// there), so call `recv` (e.g. with timeout 0) while the publisher
    /// waits for subscribers.
    pub attach: Option<Attach>,
    /// Topic matching of input ports.
    pub topic_match: TopicMatch,
    /// Inpads: how long the RPC server may stay silent while `verify` calls
    /// wait for it, in ms; then the messages waiting are dropped. A receive
    /// still returns within its own timeout.
    pub rpc_timeout_ms: i32,
    /// Output ports: `None` (default) never blocks a push, and a subscriber
    /// past its high-water mark misses messages (PUB semantics). `Some(t)`
    /// makes pushes lossless: a push waits up to `t` ms (`-1` forever) while
    /// a subscriber is full, then drops the message for all and counts it.
    pub lossless_timeout_ms: Option<i32>,
    /// The largest message frame a receiving socket accepts, in bytes (`-1`:
    /// no limit); `None` takes the side's default ([`DEFAULT_MAX_MSG_SIZE`],
    /// RPC sockets [`DEFAULT_RPC_MAX_MSG_SIZE`]). A larger frame is never
    /// handed on: up to twice the limit zil drops the message and counts it
    /// (ports: `messages_oversized`; an RPC server answers a `-32600`
    /// error; a client's call fails with `Protocol`) and the connection
    /// lives on; beyond that libzmq refuses the frame before allocating it
    /// and drops the connection that sent it. So a peer can never make zil
    /// allocate more than twice the limit per frame. Output ports receive
    /// subscriptions only and keep their own limit (topic length + 512).
    pub max_msg_size: Option<i64>,
    /// CURVE encryption and authentication; plain by default.
    pub curve: CurveOptions,
    /// Inpads: the longest session id verified, in bytes (default
    /// [`DEFAULT_MAX_SESSION_ID_LEN`]). A longer one is dropped before any
    /// `verify` call and never cached (`dropped_session_too_long`).
    pub max_session_id_len: usize,
    /// TCP keep-alive of the port's connections (default
    /// [`DEFAULT_TCP_KEEPALIVE`]); `None` turns it off, so that a dead
    /// peer's connection lives on until something is sent to it.
    pub tcp_keepalive: Option<TcpKeepalive>,
}

/// The default longest session id an inpad verifies: 256 bytes (the
/// original's ids are 32 hex digits).
pub const DEFAULT_MAX_SESSION_ID_LEN: usize = 256;

impl Default for PortOptions {
    fn default() -> Self {
        PortOptions {
            sndhwm: 1000,
            rcvhwm: 1000,
            linger_ms: 1000,
            attach: None,
            topic_match: TopicMatch::Exact,
            rpc_timeout_ms: DEFAULT_RPC_TIMEOUT_MS,
            lossless_timeout_ms: None,
            max_msg_size: None,
            curve: CurveOptions::default(),
            max_session_id_len: DEFAULT_MAX_SESSION_ID_LEN,
            tcp_keepalive: Some(DEFAULT_TCP_KEEPALIVE),
        }
    }
}
