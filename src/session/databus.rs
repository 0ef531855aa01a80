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
            json: ascii_json_string(id),
        })
    }
}

/// `text` as a JSON string the way Python's `json.dumps` writes it
/// (`ensure_ascii`): non-ASCII characters as `\uXXXX` escapes, so the
/// envelope is byte-identical to the original's for any session id.
fn ascii_json_string(text: &str) -> String {
    let json = serde_json::Value::String(text.to_owned()).to_string();
    if json.is_ascii() {
        return json;
    }
    let mut out = String::with_capacity(json.len() + 16);
    for c in json.chars() {
        if c.is_ascii() {
            out.push(c);
        } else {
            let mut units = [0u16; 2];
            for unit in c.encode_utf16(&mut units) {
                out.push_str(&format!("\\u{unit:04x}"));
            }
        }
    }
    out
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

#[cfg(test)]
mod tests {
    use super::ascii_json_string;

    #[test]
    fn escapes_like_python_json_dumps() {
        // json.dumps("4a50") / json.dumps("sé") / json.dumps("a😀") / json.dumps('q"\\')
        assert_eq!(ascii_json_string("4a50"), "\"4a50\"");
        assert_eq!(ascii_json_string("sé"), "\"s\\u00e9\"");
        assert_eq!(ascii_json_string("a😀"), "\"a\\ud83d\\ude00\"");
        assert_eq!(ascii_json_string("q\"\\"), "\"q\\\"\\\\\"");
    }
}
