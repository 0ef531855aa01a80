//! A received message. Its frames stay in libzmq's buffers: reading the
//! payload copies nothing.

/// The payload of a message: libzmq's frame, or bytes zil decoded (a session
/// envelope's base64).
#[derive(Debug)]
pub(crate) enum Payload {
    Frame(zmq::Message),
    Decoded(Vec<u8>),
}

/// One message received by an input port or inpad.
#[derive(Debug)]
pub struct Message {
    pub(crate) topic: zmq::Message,
    pub(crate) data: Payload,
    pub(crate) event: Option<zmq::Message>,
    pub(crate) session_id: Option<String>,
}

impl Message {
    /// The topic frame (validated UTF-8).
    pub fn topic(&self) -> &str {
        std::str::from_utf8(&self.topic).unwrap_or_default()
    }

    /// The payload bytes (may be empty).
    pub fn data(&self) -> &[u8] {
        match &self.data {
            Payload::Frame(frame) => frame,
            Payload::Decoded(bytes) => bytes,
        }
    }

    /// The event, or `None` when the sender gave none (the `None` frame).
    pub fn event(&self) -> Option<&str> {
        self.event
            .as_ref()
            .map(|e| std::str::from_utf8(e).unwrap_or_default())
    }

    /// The session id of a message received through an inpad.
    pub fn session_id(&self) -> Option<&str> {
        self.session_id.as_deref()
    }
}
