//! A hostile peer that speaks raw ZMTP 3.0 over TCP (NULL mechanism): it
//! sends whatever frames a test gives it, including what no libzmq socket
//! would send (an unsubscription it never subscribed, any flags).
//!
//! Include with `#[path = "common/zmtp.rs"] mod zmtp;`.

#![allow(dead_code)]

use std::io::{Read, Write};
use std::net::TcpStream;
use std::time::Duration;

/// A connected, handshaken raw ZMTP peer.
pub struct RawPeer {
    stream: TcpStream,
}

impl RawPeer {
    /// Connects to `tcp_addr` (`host:port`) and does the ZMTP 3.0 handshake
    /// as a socket of `socket_type` (e.g. `SUB`).
    pub fn connect(tcp_addr: &str, socket_type: &str) -> RawPeer {
        let mut stream = TcpStream::connect(tcp_addr).expect("connect the raw ZMTP peer");
        stream
            .set_read_timeout(Some(Duration::from_secs(5)))
            .expect("read timeout");
        stream.set_nodelay(true).expect("nodelay");
        let mut greeting = [0u8; 64];
        greeting[0] = 0xff;
        greeting[9] = 0x7f;
        greeting[10] = 3; // version 3.0
        greeting[12..16].copy_from_slice(b"NULL");
        stream.write_all(&greeting).expect("send the greeting");
        let mut theirs = [0u8; 64];
        stream.read_exact(&mut theirs).expect("read the greeting");
        assert_eq!(theirs[0], 0xff, "a ZMTP greeting");
        let mut ready = vec![5u8];
        ready.extend_from_slice(b"READY");
        ready.push(11);
        ready.extend_from_slice(b"Socket-Type");
        ready.extend_from_slice(&(socket_type.len() as u32).to_be_bytes());
        ready.extend_from_slice(socket_type.as_bytes());
        let mut peer = RawPeer { stream };
        peer.write_frame(0x04, &ready);
        // Their READY command.
        let mut head = [0u8; 2];
        peer.stream.read_exact(&mut head).expect("read READY");
        assert_eq!(head[0] & 0x04, 0x04, "a command");
        let mut body = vec![0u8; usize::from(head[1])];
        peer.stream.read_exact(&mut body).expect("read READY body");
        peer
    }

    fn write_frame(&mut self, flags: u8, body: &[u8]) {
        let mut out = Vec::with_capacity(body.len() + 9);
        if body.len() < 256 {
            out.push(flags);
            out.push(body.len() as u8);
        } else {
            out.push(flags | 0x02);
            out.extend_from_slice(&(body.len() as u64).to_be_bytes());
        }
        out.extend_from_slice(body);
        self.stream.write_all(&out).expect("send a frame");
    }

    /// Sends one single-frame message.
    pub fn send(&mut self, body: &[u8]) {
        self.write_frame(0, body);
    }

    /// Sends a subscription (`1` + prefix) or an unsubscription (`0` +
    /// prefix) as ZMTP 3.0 messages.
    pub fn subscribe(&mut self, prefix: &[u8], on: bool) {
        let mut body = vec![u8::from(on)];
        body.extend_from_slice(prefix);
        self.send(&body);
    }
}

impl RawPeer {
    /// True when the other side closes the connection (end of stream or
    /// reset) within `within`; false when it is still open then. Anything
    /// it sends meanwhile is read and ignored.
    pub fn dropped_within(&mut self, within: Duration) -> bool {
        let deadline = std::time::Instant::now() + within;
        let mut buf = [0u8; 4096];
        loop {
            let left = deadline.saturating_duration_since(std::time::Instant::now());
            if left.is_zero() {
                return false;
            }
            self.stream
                .set_read_timeout(Some(left))
                .expect("read timeout");
            match self.stream.read(&mut buf) {
                Ok(0) => return true,
                Ok(_) => {}
                Err(e) if e.kind() == std::io::ErrorKind::ConnectionReset => return true,
                Err(_) => return false,
            }
        }
    }
}

impl std::os::fd::AsRawFd for RawPeer {
    fn as_raw_fd(&self) -> std::os::fd::RawFd {
        self.stream.as_raw_fd()
    }
}
