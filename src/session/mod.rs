//! Session-aware streaming (WIRE.md, session section): an [`Outpad`] wraps
//! every payload in the envelope `{"data": "<base64>", "session_id": "<id>"}`;
//! an [`Inpad`] unwraps it, verifies the session with an RPC server and
//! hands out only data of confirmed sessions.
//!
//! **Passing the session on (the databus).** A middle stage (inpad → work
//! → outpad) never handles session ids itself: the session of the last
//! message an inpad delivered becomes the session of the outpad it feeds.
//! - Explicit link: [`Inpad::link`] makes an inpad feed one outpad.
//! - Process-wide default (the Python original's `get_inpad`/`get_outpad`
//!   behaviour): an unlinked inpad publishes its sessions on one bus per
//!   process, and an outpad with no session of its own sends the bus's.
//!
//! An outpad's own session (set by [`Outpad::set_session_id`] or by a
//! linked inpad) always wins over the process-wide bus.

mod cache;
mod databus;
mod envelope;
mod inpad;
mod outpad;

pub use crate::options::DEFAULT_RPC_TIMEOUT_MS;
pub use envelope::{unwrap as open_envelope, Malformed};
pub use inpad::{Inpad, InpadStats, DEFAULT_CACHE_TTL_MS};
pub use outpad::Outpad;
