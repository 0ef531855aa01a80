//! Streaming mode: an [`Outport`] publishes `(data, event)` on an address and
//! topic, an [`Inport`] receives them. Wire format (WIRE.md): three frames
//! `[topic, data, event]`, the event `None` meaning "no event".

mod drain;
mod foreign;
mod inport;
mod message;
mod outport;
mod ready_fd;
mod subscribers;

pub(crate) use foreign::ForeignFrame;
pub use foreign::FreeFn;
pub use inport::Inport;
pub use message::Message;
pub use outport::Outport;

/// The event frame the Python original sends when there is no event.
pub(crate) const NO_EVENT: &[u8] = b"None";
