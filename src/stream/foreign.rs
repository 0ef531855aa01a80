//! A data frame over a caller's buffer that libzmq sends without copying and
//! releases through the caller's free function once it is done with it.

use std::ffi::c_void;

/// The caller's release function: `free_fn(data, hint)`, libzmq's
/// `zmq_free_fn` signature, called once from a libzmq thread.
pub type FreeFn = unsafe extern "C" fn(data: *mut c_void, hint: *mut c_void);

/// An initialized `zmq_msg_t` that owns a foreign buffer. Dropping it
/// unsent closes it, which calls the free function.
pub(crate) struct ForeignFrame {
    msg: zmq_sys::zmq_msg_t,
}

impl ForeignFrame {
    /// Takes ownership of `len` bytes at `data`; `free_fn(data, hint)` is
    /// called exactly once when libzmq no longer needs them (at once if this
    /// fails).
    ///
    /// # Safety
    /// `data` is valid for `len` bytes until `free_fn` is called, and is not
    /// written meanwhile.
    pub(crate) unsafe fn new(
        data: *mut u8,
        len: usize,
        free_fn: FreeFn,
        hint: *mut c_void,
    ) -> Option<Self> {
        let mut msg = std::mem::MaybeUninit::<zmq_sys::zmq_msg_t>::uninit();
        let rc =
            zmq_sys::zmq_msg_init_data(msg.as_mut_ptr(), data.cast(), len, Some(free_fn), hint);
        if rc != 0 {
            free_fn(data.cast(), hint);
            return None;
        }
        Some(ForeignFrame {
            msg: msg.assume_init(),
        })
    }

    /// Sends the frame on `socket` with `flags`; on success libzmq owns the
    /// buffer (the frame becomes empty).
    pub(crate) fn send(&mut self, socket: &mut zmq::Socket, flags: i32) -> zmq::Result<()> {
        // SAFETY: msg was initialized by zmq_msg_init_data and the socket
        // pointer is live for the call.
        let rc = unsafe { zmq_sys::zmq_msg_send(&mut self.msg, socket.as_mut_ptr(), flags) };
        if rc < 0 {
            // SAFETY: reads libzmq's thread-local errno.
            return Err(zmq::Error::from_raw(unsafe { zmq_sys::zmq_errno() }));
        }
        Ok(())
    }
}

impl Drop for ForeignFrame {
    fn drop(&mut self) {
        // SAFETY: msg is initialized; closing an unsent frame runs free_fn,
        // closing a sent (empty) one does nothing.
        unsafe { zmq_sys::zmq_msg_close(&mut self.msg) };
    }
}
