//! Multipart frame decoding of `zil::stream::Inport`: the input, split into
//! 1..=5 frames, goes from a raw ZeroMQ PUB over inproc to an Inport that
//! matches every topic. The Inport must return exactly those frames when
//! they form a valid `[topic, data, event]` message and skip the message
//! otherwise; it must never panic or hang (every receive has a timeout, and
//! a sentinel message after each input proves the skip).
#![no_main]

use libfuzzer_sys::fuzz_target;
use std::sync::{Mutex, OnceLock};
use zil::stream::Inport;
use zil::{PortOptions, TopicMatch};

const ADDR: &str = "inproc://fuzz-frames";
const TIMEOUT_MS: i32 = 5000;

struct Pair {
    publisher: Mutex<zil::fuzzing::Socket>,
    inport: Inport,
    sentinel: Mutex<u64>,
}

fn pair() -> &'static Pair {
    static PAIR: OnceLock<Pair> = OnceLock::new();
    PAIR.get_or_init(|| {
        let publisher = zil::fuzzing::zmq_socket(zmq::PUB).expect("PUB socket");
        publisher.set_sndhwm(0).expect("sndhwm");
        publisher.bind(ADDR).expect("bind");
        let opts = PortOptions {
            topic_match: TopicMatch::Prefix,
            rcvhwm: 0,
            ..PortOptions::default()
        };
        let inport = Inport::with_options(ADDR, "", &opts).expect("inport");
        // Slow joiner: probe until the subscription has arrived.
        loop {
            publisher
                .send_multipart([&b""[..], b"probe", b"None"], 0)
                .expect("send probe");
            if inport.recv(50).is_ok() {
                break;
            }
        }
        while inport.recv(50).is_ok() {}
        Pair {
            publisher: Mutex::new(publisher),
            inport,
            sentinel: Mutex::new(0),
        }
    })
}

/// Splits `data[1..]` into `1 + data[0] % 5` frames at offsets drawn from
/// the following bytes.
fn split(data: &[u8]) -> Vec<&[u8]> {
    let Some((&head, rest)) = data.split_first() else {
        return vec![&[][..]];
    };
    let count = 1 + usize::from(head % 5);
    let cuts_len = (count - 1).min(rest.len());
    let (cuts, body) = rest.split_at(cuts_len);
    let mut offsets: Vec<usize> = cuts
        .iter()
        .map(|&c| usize::from(c) * (body.len() + 1) / 256)
        .collect();
    while offsets.len() < count - 1 {
        offsets.push(body.len());
    }
    offsets.sort_unstable();
    let mut frames = Vec::with_capacity(count);
    let mut start = 0;
    for end in offsets {
        frames.push(&body[start..end]);
        start = end;
    }
    frames.push(&body[start..]);
    frames
}

fuzz_target!(|data: &[u8]| {
    let pair = pair();
    let frames = split(data);
    let mut sentinel_no = pair.sentinel.lock().unwrap();
    *sentinel_no += 1;
    let sentinel = format!("sentinel-{}", *sentinel_no);
    {
        let publisher = pair.publisher.lock().unwrap();
        publisher.send_multipart(&frames, 0).expect("send input");
        publisher
            .send_multipart([&b""[..], sentinel.as_bytes(), b"None"], 0)
            .expect("send sentinel");
    }
    let valid = frames.len() == 3
        && std::str::from_utf8(frames[0]).is_ok()
        && std::str::from_utf8(frames[2]).is_ok();
    if valid {
        let msg = pair
            .inport
            .recv(TIMEOUT_MS)
            .unwrap_or_else(|e| panic!("valid message not delivered: {e}"));
        assert_eq!(msg.topic().as_bytes(), frames[0]);
        assert_eq!(msg.data(), frames[1]);
        let expected_event = match frames[2] {
            b"None" => None,
            event => Some(std::str::from_utf8(event).unwrap()),
        };
        assert_eq!(msg.event(), expected_event);
    }
    let msg = pair
        .inport
        .recv(TIMEOUT_MS)
        .unwrap_or_else(|e| panic!("sentinel not delivered (hang?): {e}"));
    assert_eq!(
        (msg.topic(), msg.data(), msg.event()),
        ("", sentinel.as_bytes(), None),
        "expected the sentinel after input {frames:?} (valid: {valid})"
    );
});
