//! The raw libzmq side: the same workloads through the `zmq` crate (the
//! libzmq build inside zil), with the same socket options and frames.

use crate::common::{
    stamp, template, Addresses, Budget, Latencies, RecvState, Sink, Source, Transport, EOS, EVENT,
    RECV_TIMEOUT_MS, SESSION_ID, TOPIC,
};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

/// Linger of every raw socket: zil's default.
const LINGER_MS: i32 = 1000;

/// The verify request the Python original's client sends, byte for byte.
pub fn verify_request() -> String {
    format!(r#"{{"jsonrpc": "2.0", "method": "verify", "params": "{SESSION_ID}", "id": "1"}}"#)
}

/// The Python original server's answer to it.
pub const VERIFY_REPLY: &str = r#"{"jsonrpc": "2.0", "result": true, "id": "1"}"#;

fn zerr(what: &str) -> impl Fn(zmq::Error) -> String + '_ {
    move |e| format!("{what}: {e}")
}

/// A publisher (XPUB, so it can wait for the subscription) and a
/// subscriber, in one context, connected, with the subscription arrived.
pub struct RawPair {
    pub publisher: zmq::Socket,
    pub subscriber: zmq::Socket,
}

impl RawPair {
    pub fn new(addrs: &Addresses, transport: Transport) -> Result<Self, String> {
        // One context for both sockets, as zil's process-wide one (inproc
        // needs both sockets in one context anyway).
        let ctx = zmq::Context::new();
        let publisher = ctx.socket(zmq::XPUB).map_err(zerr("XPUB socket"))?;
        publisher.set_sndhwm(0).map_err(zerr("XPUB sndhwm"))?;
        publisher.set_rcvhwm(0).map_err(zerr("XPUB rcvhwm"))?;
        publisher
            .set_linger(LINGER_MS)
            .map_err(zerr("XPUB linger"))?;
        let addr = addrs.bind(transport, "raw");
        publisher
            .bind(&addr)
            .map_err(zerr(&format!("bind {addr}")))?;
        let endpoint = match publisher.get_last_endpoint() {
            Ok(Ok(ep)) if !ep.is_empty() => ep,
            _ => addr,
        };
        let subscriber = ctx.socket(zmq::SUB).map_err(zerr("SUB socket"))?;
        subscriber.set_sndhwm(0).map_err(zerr("SUB sndhwm"))?;
        subscriber.set_rcvhwm(0).map_err(zerr("SUB rcvhwm"))?;
        subscriber
            .set_linger(LINGER_MS)
            .map_err(zerr("SUB linger"))?;
        subscriber
            .connect(&endpoint)
            .map_err(zerr(&format!("connect {endpoint}")))?;
        subscriber
            .set_subscribe(TOPIC.as_bytes())
            .map_err(zerr("subscribe"))?;
        // Wait for the subscription: no slow-joiner loss.
        publisher
            .set_rcvtimeo(RECV_TIMEOUT_MS)
            .map_err(zerr("XPUB rcvtimeo"))?;
        let sub = publisher
            .recv_bytes(0)
            .map_err(zerr("waiting for the subscription on the XPUB"))?;
        if sub.first() != Some(&1) || &sub[1..] != TOPIC.as_bytes() {
            return Err(format!("unexpected subscription message {sub:?}"));
        }
        subscriber
            .set_rcvtimeo(crate::common::RECV_SLICE_MS)
            .map_err(zerr("SUB rcvtimeo"))?;
        Ok(RawPair {
            publisher,
            subscriber,
        })
    }

    pub fn split(self, size: usize, zero_copy: bool) -> (RawSink, RawSource) {
        let tpl = template(size);
        (
            RawSink {
                socket: self.publisher,
                buf: tpl.to_vec(),
                template: tpl,
                zero_copy,
            },
            RawSource::new(self.subscriber),
        )
    }
}

/// Sends `[topic, data, event]` with `zmq_send` (copy) or, zero-copy, a
/// fresh boxed buffer per message through `zmq_msg_init_data`.
pub struct RawSink {
    socket: zmq::Socket,
    buf: Vec<u8>,
    template: Arc<[u8]>,
    zero_copy: bool,
}

impl RawSink {
    fn send_parts(&self, data: zmq::Message, event: &str) -> Result<(), String> {
        self.socket
            .send(TOPIC.as_bytes(), zmq::SNDMORE)
            .and_then(|_| self.socket.send(data, zmq::SNDMORE))
            .and_then(|_| self.socket.send(event.as_bytes(), 0))
            .map_err(|e| format!("zmq send: {e}"))
    }
}

impl Sink for RawSink {
    fn send(&mut self, seq: u64) -> Result<(), String> {
        if self.zero_copy {
            // A new buffer per message, as a producer hands over its frames.
            let mut fresh: Box<[u8]> = Box::from(&self.template[..]);
            stamp(&mut fresh, seq);
            return self.send_parts(zmq::Message::from(fresh), EVENT);
        }
        stamp(&mut self.buf, seq);
        self.socket
            .send(TOPIC.as_bytes(), zmq::SNDMORE)
            .and_then(|_| self.socket.send(&self.buf[..], zmq::SNDMORE))
            .and_then(|_| self.socket.send(EVENT.as_bytes(), 0))
            .map_err(|e| format!("zmq send: {e}"))
    }

    fn send_eos(&mut self, total: u64) -> Result<(), String> {
        self.send_parts(zmq::Message::from(&total.to_le_bytes()[..]), EOS)
    }
}

/// Receives `[topic, data, event]` into reused messages.
pub struct RawSource {
    socket: zmq::Socket,
    topic: zmq::Message,
    data: zmq::Message,
    event: zmq::Message,
}

impl RawSource {
    fn new(socket: zmq::Socket) -> Self {
        RawSource {
            socket,
            topic: zmq::Message::new(),
            data: zmq::Message::new(),
            event: zmq::Message::new(),
        }
    }
}

impl Source for RawSource {
    fn recv(&mut self, timeout_ms: i32, state: &mut RecvState) -> Result<bool, String> {
        // The socket's receive timeout is the slice (set at creation).
        let _ = timeout_ms;
        match self.socket.recv(&mut self.topic, 0) {
            Ok(()) => {}
            Err(zmq::Error::EAGAIN) | Err(zmq::Error::EINTR) => return Ok(false),
            Err(e) => return Err(format!("zmq recv: {e}")),
        }
        if !self.topic.get_more() {
            return Err("a 1-frame message".to_owned());
        }
        self.socket
            .recv(&mut self.data, 0)
            .map_err(|e| format!("zmq recv data: {e}"))?;
        if !self.data.get_more() {
            return Err("a 2-frame message".to_owned());
        }
        self.socket
            .recv(&mut self.event, 0)
            .map_err(|e| format!("zmq recv event: {e}"))?;
        if self.event.get_more() {
            return Err("a message of more than 3 frames".to_owned());
        }
        if &self.topic[..] != TOPIC.as_bytes() {
            return Err(format!("unexpected topic {:?}", &self.topic[..]));
        }
        state.on_msg(&self.data, &self.event[..] == EOS.as_bytes());
        Ok(true)
    }
}

/// REQ/REP echo: a REP thread answers every request with the fixed verify
/// reply; the REQ client sends the original's verify request.
pub fn rpc(warmup: u64, budget: Budget) -> Result<Latencies, String> {
    let ctx = zmq::Context::new();
    let rep = ctx.socket(zmq::REP).map_err(zerr("REP socket"))?;
    rep.set_linger(0).map_err(zerr("REP linger"))?;
    rep.set_rcvtimeo(crate::common::RECV_SLICE_MS)
        .map_err(zerr("REP rcvtimeo"))?;
    rep.bind("tcp://127.0.0.1:*").map_err(zerr("REP bind"))?;
    let endpoint = rep
        .get_last_endpoint()
        .map_err(zerr("REP endpoint"))?
        .map_err(|_| "REP endpoint is not UTF-8".to_owned())?;
    let req = ctx.socket(zmq::REQ).map_err(zerr("REQ socket"))?;
    req.set_linger(0).map_err(zerr("REQ linger"))?;
    req.set_rcvtimeo(RECV_TIMEOUT_MS)
        .map_err(zerr("REQ rcvtimeo"))?;
    req.connect(&endpoint).map_err(zerr("REQ connect"))?;
    let stop = AtomicBool::new(false);
    let request = verify_request();
    std::thread::scope(|scope| {
        let stop_flag = &stop;
        let server = scope.spawn(move || -> Result<(), String> {
            let mut msg = zmq::Message::new();
            while !stop_flag.load(Ordering::Relaxed) {
                match rep.recv(&mut msg, 0) {
                    Ok(()) => rep
                        .send(VERIFY_REPLY.as_bytes(), 0)
                        .map_err(zerr("REP send"))?,
                    Err(zmq::Error::EAGAIN) | Err(zmq::Error::EINTR) => {}
                    Err(e) => return Err(format!("REP recv: {e}")),
                }
            }
            Ok(())
        });
        let mut reply = zmq::Message::new();
        let result = crate::common::time_calls(warmup, budget, || {
            req.send(request.as_bytes(), 0).map_err(zerr("REQ send"))?;
            req.recv(&mut reply, 0).map_err(zerr("REQ recv"))?;
            if &reply[..] != VERIFY_REPLY.as_bytes() {
                return Err("unexpected reply".to_owned());
            }
            Ok(())
        });
        stop.store(true, Ordering::Relaxed);
        let served = server
            .join()
            .unwrap_or_else(|_| Err("REP thread panicked".to_owned()));
        let lat = result?;
        served?;
        Ok(lat)
    })
}
