//! The outpad: an output port that wraps every payload in a session
//! envelope.

use super::databus::{process_bus, SessionId, SessionSlot};
use super::envelope::wrap;
use crate::error::Result;
use crate::options::PortOptions;
use crate::stream::Outport;
use std::sync::Arc;

/// An output port whose messages carry a session id (WIRE.md envelope).
///
/// Thread safety: `Send + Sync`; pushes from several threads are safe, and
/// the session may be changed from any thread.
pub struct Outpad {
    port: Outport,
    session: Arc<SessionSlot>,
}

impl Outpad {
    /// Binds `addr` and publishes envelopes on `topic`.
    pub fn new(addr: &str, topic: &str) -> Result<Self> {
        Self::with_options(addr, topic, &PortOptions::default())
    }

    /// Like [`Outpad::new`] with explicit options.
    pub fn with_options(addr: &str, topic: &str, opts: &PortOptions) -> Result<Self> {
        Ok(Outpad {
            port: Outport::with_options(addr, topic, opts)?,
            session: Arc::default(),
        })
    }

    /// Sets this outpad's own session id (the first sender of a pipeline);
    /// `None` falls back to the process-wide bus.
    pub fn set_session_id(&self, session_id: Option<&str>) {
        self.session.set(session_id.map(SessionId::new));
    }

    /// The session id the next push carries: the outpad's own, else the
    /// process-wide bus's, else none (sent as `null`, like the original).
    pub fn session_id(&self) -> Option<String> {
        self.current().map(|s| s.id.clone())
    }

    /// Publishes `data` wrapped in the envelope, with `event` as in
    /// [`Outport::push`].
    pub fn push(&self, data: &[u8], event: Option<&str>) -> Result<()> {
        self.push_while(data, event, &|| true)
    }

    /// [`Outpad::push`] with [`Outport::push_while`]'s `keep_waiting`.
    pub fn push_while(
        &self,
        data: &[u8],
        event: Option<&str>,
        keep_waiting: &dyn Fn() -> bool,
    ) -> Result<()> {
        let session = self.current();
        let json = session.as_ref().map_or("null", |s| s.json.as_str());
        let envelope = wrap(data, json);
        self.port
            .push_owned_while(envelope.into_boxed_slice(), event, keep_waiting)
    }

    /// Closes the outpad from any thread: as [`Outport::close`].
    pub fn close(&self) {
        self.port.close();
    }

    /// The underlying output port (endpoint, subscribers, counters).
    pub fn port(&self) -> &Outport {
        &self.port
    }

    pub(crate) fn slot(&self) -> &Arc<SessionSlot> {
        &self.session
    }

    fn current(&self) -> Option<Arc<SessionId>> {
        self.session.get().or_else(|| process_bus().get())
    }
}
