//! A received message. Its frames stay in libzmq's buffers: reading the
//! payload copies nothing, and receiving into an existing message
//! ([`Inport::recv_into`](super::Inport::recv_into)) reuses it without any
//! allocation.

/// One message received by an input port or inpad.
#[derive(Debug)]
pub struct Message {
    pub(crate) topic: zmq::Message,
    pub(crate) data: zmq::Message,
    /// The payload an inpad decoded from the envelope in `data`.
    pub(crate) decoded: Option<Vec<u8>>,
    pub(crate) event: zmq::Message,
    pub(crate) has_event: bool,
    pub(crate) session_id: Option<String>,
}

impl Default for Message {
    fn default() -> Self {
        Self::new()
    }
}

impl Message {
    /// An empty message, to receive into.
    pub fn new() -> Self {
        Message {
            topic: zmq::Message::new(),
            data: zmq::Message::new(),
            decoded: None,
            event: zmq::Message::new(),
            has_event: false,
            session_id: None,
        }
    }

    /// The topic frame (validated UTF-8).
    pub fn topic(&self) -> &str {
        std::str::from_utf8(&self.topic).unwrap_or_default()
    }

    /// The payload bytes (may be empty).
    pub fn data(&self) -> &[u8] {
        match &self.decoded {
            Some(bytes) => bytes,
            None => &self.data,
        }
    }

    /// The event, or `None` when the sender gave none (the `None` frame).
    pub fn event(&self) -> Option<&str> {
        self.has_event
            .then(|| std::str::from_utf8(&self.event).unwrap_or_default())
    }

    /// The session id of a message received through an inpad.
    pub fn session_id(&self) -> Option<&str> {
        self.session_id.as_deref()
    }
}
