//! `zil_msg_t`: a received message and its borrowed views.

use super::handle::{borrow, free};
use super::string::c_string;
use crate::stream::Message;
use once_cell::unsync::OnceCell;
use std::ffi::{c_char, CString};

/// A received message plus NUL-terminated copies of its strings, made only
/// when C asks for them (the receive path allocates none).
pub struct MsgHandle {
    msg: Message,
    topic: OnceCell<CString>,
    event: OnceCell<Option<CString>>,
    session_id: OnceCell<Option<CString>>,
}

impl MsgHandle {
    pub(crate) fn new(msg: Message) -> Self {
        MsgHandle {
            msg,
            topic: OnceCell::new(),
            event: OnceCell::new(),
            session_id: OnceCell::new(),
        }
    }

    /// The message to receive into, with the string views of its previous
    /// content dropped.
    pub(crate) fn reuse(&mut self) -> &mut Message {
        self.topic.take();
        self.event.take();
        self.session_id.take();
        &mut self.msg
    }
}

/// A received message, owned by the caller until `zil_msg_free`. Its
/// views (data, topic, event, session id) are borrowed: valid until the
/// message is freed. Not thread-safe: use a message from one thread at a
/// time (it may be moved between threads).
pub struct zil_msg_t {
    _private: [u8; 0],
}
impl_handle!(zil_msg_t => MsgHandle);

/// Creates an empty message to receive into with `zil_inport_recv_into` /
/// `zil_inpad_recv_into`, which reuse it for every message: the receive path
/// then allocates nothing. Free with `zil_msg_free`. NULL only if memory ran
/// out.
#[no_mangle]
pub extern "C" fn zil_msg_new() -> *mut zil_msg_t {
    ffi! { Ok(super::handle::into_raw::<zil_msg_t>(MsgHandle::new(Message::new()))) }
}

/// The payload bytes (`zil_msg_size` of them). Never NULL for a valid
/// message, even when the payload is empty. Borrowed: valid until
/// `zil_msg_free`. Reading it copies nothing.
#[no_mangle]
pub unsafe extern "C" fn zil_msg_data(msg: *const zil_msg_t) -> *const u8 {
    ffi! { Ok(borrow(msg, "msg")?.msg.data().as_ptr()) }
}

/// The payload length in bytes; 0 if `msg` is NULL.
#[no_mangle]
pub unsafe extern "C" fn zil_msg_size(msg: *const zil_msg_t) -> usize {
    ffi! { Ok(borrow(msg, "msg")?.msg.data().len()) }
}

/// The event as a NUL-terminated UTF-8 string, or NULL when the sender gave
/// none (the wire's `None`). Borrowed: valid until `zil_msg_free`.
#[no_mangle]
pub unsafe extern "C" fn zil_msg_event(msg: *const zil_msg_t) -> *const c_char {
    ffi! {
        let msg = borrow(msg, "msg")?;
        let event = msg.event.get_or_init(|| msg.msg.event().map(c_string));
        Ok(event.as_ref().map_or(std::ptr::null(), |e| e.as_ptr()))
    }
}

/// The topic as a NUL-terminated UTF-8 string. Borrowed: valid until
/// `zil_msg_free`. NULL if `msg` is NULL.
#[no_mangle]
pub unsafe extern "C" fn zil_msg_topic(msg: *const zil_msg_t) -> *const c_char {
    ffi! {
        let msg = borrow(msg, "msg")?;
        Ok(msg.topic.get_or_init(|| c_string(msg.msg.topic())).as_ptr())
    }
}

/// The session id of a message received from an inpad (NUL-terminated), or
/// NULL for messages without one (input ports). Borrowed: valid until
/// `zil_msg_free`.
#[no_mangle]
pub unsafe extern "C" fn zil_msg_session_id(msg: *const zil_msg_t) -> *const c_char {
    ffi! {
        let msg = borrow(msg, "msg")?;
        let sid = msg.session_id.get_or_init(|| msg.msg.session_id().map(c_string));
        Ok(sid.as_ref().map_or(std::ptr::null(), |s| s.as_ptr()))
    }
}

/// Frees a message and every view taken from it. NULL is a no-op.
#[no_mangle]
pub unsafe extern "C" fn zil_msg_free(msg: *mut zil_msg_t) {
    ffi! {
        free(msg);
        Ok(())
    }
}
