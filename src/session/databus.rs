//! Where sessions are passed from inpads to outpads: one slot per outpad,
//! and one process-wide slot for the original's implicit behaviour.

use once_cell::sync::Lazy;
use std::sync::{Arc, RwLock};

/// A session id with its JSON form, encoded once when it is set rather than
/// on every push.
#[derive(Debug)]
pub(crate) struct SessionId {
    pub(crate) id: String,
    /// The id as a JSON value (`"..."` with escapes), or `null`.
    pub(crate) json: String,
}

impl SessionId {
    pub(crate) fn new(id: &str) -> Arc<Self> {
        Arc::new(SessionId {
            id: id.to_owned(),
            // Written as the original's `json.dumps` writes it, so the envelope
            // is byte-identical for any session id.
            json: crate::rpc::python_json::string(id),
        })
    }
}

/// A place one session id is written to and read from, by any thread.
#[derive(Debug, Default)]
pub(crate) struct SessionSlot(RwLock<Option<Arc<SessionId>>>);

impl SessionSlot {
    pub(crate) fn get(&self) -> Option<Arc<SessionId>> {
        self.0.read().unwrap_or_else(|p| p.into_inner()).clone()
    }

    pub(crate) fn set(&self, session: Option<Arc<SessionId>>) {
        *self.0.write().unwrap_or_else(|p| p.into_inner()) = session;
    }

    /// Sets `id` unless the slot already holds it (the common case: every
    /// message of a stream carries the same session).
    pub(crate) fn update(&self, id: &str) {
        if self.get().is_some_and(|s| s.id == id) {
            return;
        }
        self.set(Some(SessionId::new(id)));
    }
}

static PROCESS_BUS: Lazy<Arc<SessionSlot>> = Lazy::new(Arc::default);

/// The process-wide bus of unlinked inpads and session-less outpads.
pub(crate) fn process_bus() -> &'static Arc<SessionSlot> {
    &PROCESS_BUS
}
