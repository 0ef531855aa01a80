//! Waking a thread blocked in `zmq_poll` from another thread: an `eventfd`
//! polled next to the socket, plus a flag so the wake-up is consumed once.

use crate::error::{Error, ErrorKind, Result};
use std::os::fd::RawFd;
use std::sync::atomic::{AtomicBool, Ordering};

/// A wake-up signal that a blocked receive returns `Interrupted` for.
#[derive(Debug)]
pub(crate) struct Waker {
    fd: RawFd,
    pending: AtomicBool,
}

impl Waker {
    pub(crate) fn new() -> Result<Self> {
        // SAFETY: eventfd takes no pointers; the result is checked.
        let fd = unsafe { libc::eventfd(0, libc::EFD_NONBLOCK | libc::EFD_CLOEXEC) };
        if fd < 0 {
            return Err(Error::new(
                ErrorKind::Zmq,
                format!("cannot create eventfd: {}", std::io::Error::last_os_error()),
            ));
        }
        Ok(Waker {
            fd,
            pending: AtomicBool::new(false),
        })
    }

    /// The descriptor to poll for readability.
    pub(crate) fn fd(&self) -> RawFd {
        self.fd
    }

    /// Makes the current (or the next) blocking wait return. Any thread.
    pub(crate) fn wake(&self) {
        self.pending.store(true, Ordering::Release);
        let one: u64 = 1;
        // SAFETY: writes 8 bytes from a live u64 to our own eventfd. A full
        // counter (EAGAIN) still leaves the fd readable, which is all we need.
        unsafe { libc::write(self.fd, (&one as *const u64).cast(), 8) };
    }

    /// Consumes a pending wake-up; true if there was one. Always empties the
    /// eventfd, so a poll never spins on a wake-up that was already taken.
    pub(crate) fn take(&self) -> bool {
        let was_pending = self.pending.swap(false, Ordering::AcqRel);
        let mut buf: u64 = 0;
        // SAFETY: reads at most 8 bytes into a live u64 from our own
        // non-blocking eventfd; EAGAIN (already empty) is fine.
        unsafe { libc::read(self.fd, (&mut buf as *mut u64).cast(), 8) };
        was_pending
    }

    /// A cheap check (no syscall) for a pending wake-up.
    pub(crate) fn is_pending(&self) -> bool {
        self.pending.load(Ordering::Acquire)
    }
}

impl Drop for Waker {
    fn drop(&mut self) {
        // SAFETY: the fd is ours and closed exactly once.
        unsafe { libc::close(self.fd) };
    }
}
