//! A level-triggered file descriptor for event loops: readable exactly while
//! a receive can make progress without blocking.
//!
//! libzmq's `ZMQ_FD` is edge-triggered: it signals that something changed,
//! and once libzmq has processed its commands it goes quiet even though
//! messages may still be queued — the trap of czmq #1487 and pyzmq #199. zil
//! hides it: the descriptor handed out is an epoll set holding `ZMQ_FD` and
//! an eventfd that zil keeps readable after every receive for as long as
//! `ZMQ_EVENTS` says a message is waiting. So the set is readable when a
//! message is queued, or when libzmq has news, and a receive with timeout 0
//! then either returns a message or `Timeout` and leaves the set quiet.

use crate::descriptor;
use crate::error::{Error, ErrorKind, Result};
use std::os::fd::RawFd;
use std::sync::atomic::{AtomicBool, Ordering};

#[derive(Debug)]
pub(crate) struct ReadyFd {
    epoll: RawFd,
    pending: RawFd,
    /// A one-shot timer in the set, for a wrapper whose receive makes
    /// progress at a point in time (an inpad's RPC silence deadline).
    timer: RawFd,
    /// Whether the timer may be armed: disarming an idle timer is skipped,
    /// so a receive with nothing outstanding costs no syscall for it.
    timer_armed: AtomicBool,
}

fn os_error(what: &str) -> Error {
    Error::new(
        ErrorKind::Zmq,
        format!("{what}: {}", std::io::Error::last_os_error()),
    )
}

impl ReadyFd {
    /// Builds the set for a socket whose `ZMQ_FD` is `zmq_fd`.
    pub(crate) fn new(zmq_fd: RawFd) -> Result<Self> {
        const WHAT: &str = "the event-loop descriptor";
        // SAFETY (all three): plain syscalls taking no pointers; results
        // checked by `descriptor::create`.
        let epoll =
            descriptor::create(WHAT, || unsafe { libc::epoll_create1(libc::EPOLL_CLOEXEC) })?;
        let pending = descriptor::create(WHAT, || unsafe {
            libc::eventfd(0, libc::EFD_NONBLOCK | libc::EFD_CLOEXEC)
        })
        .inspect_err(|_| descriptor::close(epoll))?;
        let timer = descriptor::create(WHAT, || unsafe {
            libc::timerfd_create(
                libc::CLOCK_MONOTONIC,
                libc::TFD_NONBLOCK | libc::TFD_CLOEXEC,
            )
        })
        .inspect_err(|_| {
            descriptor::close(pending);
            descriptor::close(epoll);
        })?;
        let ready = ReadyFd {
            epoll,
            pending,
            timer,
            timer_armed: AtomicBool::new(false),
        };
        for fd in [zmq_fd, pending, timer] {
            if !ready.add(fd) {
                return Err(os_error("cannot watch the socket descriptor"));
            }
        }
        Ok(ready)
    }

    /// Adds `fd` to the set; false when the kernel refused it.
    fn add(&self, fd: RawFd) -> bool {
        let mut event = libc::epoll_event {
            events: libc::EPOLLIN as u32,
            u64: fd as u64,
        };
        // SAFETY: our own epoll set and a live event struct.
        let rc = unsafe { libc::epoll_ctl(self.epoll, libc::EPOLL_CTL_ADD, fd, &mut event) };
        rc == 0 || std::io::Error::last_os_error().raw_os_error() == Some(libc::EEXIST)
    }

    /// Makes the set readable `after` from now (`None`: never); replaces
    /// the previous setting.
    pub(crate) fn wake_after(&self, after: Option<std::time::Duration>) {
        if !self.timer_armed.swap(after.is_some(), Ordering::Relaxed) && after.is_none() {
            return;
        }
        // A zero value disarms a timerfd: the shortest wait is 1 ns.
        let value = after.map_or(
            libc::timespec {
                tv_sec: 0,
                tv_nsec: 0,
            },
            |d| libc::timespec {
                tv_sec: d.as_secs().min(i64::MAX as u64) as libc::time_t,
                tv_nsec: libc::c_long::from(d.subsec_nanos().max(u32::from(d.is_zero()))),
            },
        );
        let spec = libc::itimerspec {
            it_interval: libc::timespec {
                tv_sec: 0,
                tv_nsec: 0,
            },
            it_value: value,
        };
        // SAFETY: our own timerfd and a live itimerspec; re-arming also
        // clears an expiry not yet read.
        unsafe { libc::timerfd_settime(self.timer, 0, &spec, std::ptr::null_mut()) };
    }

    /// Also watches `fd` (a second socket's `ZMQ_FD`); a closed descriptor
    /// leaves the set by itself.
    pub(crate) fn watch(&self, fd: RawFd) {
        if !self.add(fd) {
            log::warn!(
                "zil: the event-loop descriptor cannot watch fd {fd}: {}",
                std::io::Error::last_os_error()
            );
        }
    }

    /// The descriptor to hand to an event loop (poll for readability).
    pub(crate) fn fd(&self) -> RawFd {
        self.epoll
    }

    /// Makes the set readable iff `message_waiting`.
    pub(crate) fn update(&self, message_waiting: bool) {
        let mut counter: u64 = 1;
        // SAFETY: 8-byte reads/writes of a live u64 on our own non-blocking
        // eventfd; EAGAIN just means it already was in the wanted state.
        unsafe {
            if message_waiting {
                libc::write(self.pending, (&counter as *const u64).cast(), 8);
            } else {
                libc::read(self.pending, (&mut counter as *mut u64).cast(), 8);
            }
        }
    }
}

impl Drop for ReadyFd {
    fn drop(&mut self) {
        for fd in [self.timer, self.pending, self.epoll] {
            descriptor::close(fd);
        }
    }
}
