//! Kernel descriptors that zil makes for itself (eventfds, epoll sets,
//! timerfds), made the way zil makes sockets: at the process's open-file
//! limit they wait (bounded) for libzmq's reaper to close what was freed,
//! and the error names the limit.

use crate::context::{fd_limit_reached_text, retry_at_limit};
use crate::error::{Error, ErrorKind, Result};
use std::os::fd::RawFd;

/// Runs `make` (a syscall returning a descriptor or -1 with `errno`),
/// again while it fails with `EMFILE`; `what` names the descriptor in the
/// error.
pub(crate) fn create(what: &str, mut make: impl FnMut() -> libc::c_int) -> Result<RawFd> {
    let made = retry_at_limit(
        || {
            let fd = make();
            if fd < 0 {
                Err(std::io::Error::last_os_error())
            } else {
                Ok(fd)
            }
        },
        |e| e.raw_os_error() == Some(libc::EMFILE),
    );
    made.map_err(|err| {
        let why = match err.raw_os_error() {
            Some(libc::EMFILE) => fd_limit_reached_text(),
            _ => err.to_string(),
        };
        Error::new(ErrorKind::Zmq, format!("cannot create {what}: {why}"))
    })
}

/// Closes `fd`, which zil made and nothing else refers to.
pub(crate) fn close(fd: RawFd) {
    // SAFETY: the caller's own descriptor, closed once.
    unsafe { libc::close(fd) };
}
