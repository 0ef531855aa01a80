//! Waking a thread blocked in `zmq_poll` from another thread: an `eventfd`
//! polled next to the socket, plus a flag so the wake-up is consumed once,
//! and a final "closed" state that every wait, current and later, sees.

use crate::deadline::Deadline;
use crate::error::Result;
use std::os::fd::RawFd;
use std::sync::atomic::{AtomicBool, Ordering};

/// How [`Waker::wait_ready`] ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Wait {
    /// The socket is ready for the events waited for.
    Ready,
    /// The waker was woken (the wake-up is consumed) or closed.
    Woken,
    /// The deadline passed first.
    TimedOut,
}

/// A wake-up signal that a blocked receive returns `Interrupted` for (or
/// `Closed`, once [`Waker::close`] was called).
#[derive(Debug)]
pub(crate) struct Waker {
    fd: RawFd,
    pending: AtomicBool,
    closed: AtomicBool,
}

impl Waker {
    pub(crate) fn new() -> Result<Self> {
        // SAFETY: eventfd takes no pointers; the result is checked.
        let fd = crate::descriptor::create("eventfd", || unsafe {
            libc::eventfd(0, libc::EFD_NONBLOCK | libc::EFD_CLOEXEC)
        })?;
        Ok(Waker {
            fd,
            pending: AtomicBool::new(false),
            closed: AtomicBool::new(false),
        })
    }

    /// The descriptor to poll for readability.
    pub(crate) fn fd(&self) -> RawFd {
        self.fd
    }

    /// Makes the current (or the next) blocking wait return. Any thread.
    pub(crate) fn wake(&self) {
        self.pending.store(true, Ordering::Release);
        self.signal();
    }

    /// Makes every blocking wait return, the current ones and all later
    /// ones: final. Any thread.
    pub(crate) fn close(&self) {
        self.closed.store(true, Ordering::SeqCst);
        self.signal();
    }

    fn signal(&self) {
        let one: u64 = 1;
        // SAFETY: writes 8 bytes from a live u64 to our own eventfd. A full
        // counter (EAGAIN) still leaves the fd readable, which is all we need.
        unsafe { libc::write(self.fd, (&one as *const u64).cast(), 8) };
    }

    /// Consumes a pending wake-up; true if there was one, or if the waker is
    /// closed. Empties the eventfd unless closed, so a poll never spins on a
    /// wake-up that was already taken, while a closed waker stays readable
    /// for every thread still waiting on it.
    pub(crate) fn take(&self) -> bool {
        let was_pending = self.pending.swap(false, Ordering::AcqRel);
        if self.is_closed() {
            return true;
        }
        let mut buf: u64 = 0;
        // SAFETY: reads at most 8 bytes into a live u64 from our own
        // non-blocking eventfd; EAGAIN (already empty) is fine.
        unsafe { libc::read(self.fd, (&mut buf as *mut u64).cast(), 8) };
        was_pending
    }

    /// A cheap check (no syscall) for a pending wake-up or a close.
    pub(crate) fn is_pending(&self) -> bool {
        self.pending.load(Ordering::Acquire) || self.is_closed()
    }

    /// Waits until `socket` is ready for `events` (`zmq::POLLIN`: a message
    /// waits; `zmq::POLLOUT`: a send would not block), this waker is woken or
    /// closed, or `deadline` passes; a signal (EINTR) does not end the wait.
    /// A wake-up or close seen before or during the wait wins over a ready
    /// socket.
    pub(crate) fn wait_ready(
        &self,
        socket: &zmq::Socket,
        events: zmq::PollEvents,
        deadline: &Deadline,
    ) -> zmq::Result<Wait> {
        loop {
            if self.is_pending() && self.take() {
                return Ok(Wait::Woken);
            }
            let mut items = [
                socket.as_poll_item(events),
                zmq::PollItem::from_fd(self.fd, zmq::POLLIN),
            ];
            match zmq::poll(&mut items, deadline.remaining_ms()) {
                Ok(_) => {}
                Err(zmq::Error::EINTR) => continue,
                Err(e) => return Err(e),
            }
            if items[1].is_readable() && self.take() {
                return Ok(Wait::Woken);
            }
            if items[0].get_revents().intersects(events) {
                return Ok(Wait::Ready);
            }
            if deadline.remaining_ms() == 0 {
                return Ok(Wait::TimedOut);
            }
        }
    }

    /// True once [`Waker::close`] was called.
    pub(crate) fn is_closed(&self) -> bool {
        self.closed.load(Ordering::SeqCst)
    }
}

impl Drop for Waker {
    fn drop(&mut self) {
        crate::descriptor::close(self.fd);
    }
}
