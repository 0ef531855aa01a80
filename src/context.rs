//! The one ZeroMQ context of the process, shared by every zil handle so that
//! `inproc://` works between ports and a process pays for one I/O thread.
//!
//! zil makes the context itself (the `zmq` crate cannot set its socket
//! limit): libzmq allows 1023 sockets per context by default, and a port
//! takes up to three (an inport: its SUB, libzmq's monitor PAIR and zil's),
//! so about 341 inports. zil's context allows as many sockets as the
//! process may open files (each socket takes at least one), at most
//! libzmq's `ZMQ_SOCKET_LIMIT`.

use crate::error::{Error, ErrorKind, Result};
use std::ffi::c_void;
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// zil's context, and what is to run when it is shut down.
struct Current {
    ctx: Option<Context>,
    on_shutdown: Vec<Box<dyn FnOnce() + Send>>,
}

static CURRENT: Mutex<Current> = Mutex::new(Current {
    ctx: None,
    on_shutdown: Vec::new(),
});

fn current() -> std::sync::MutexGuard<'static, Current> {
    CURRENT.lock().unwrap_or_else(|p| p.into_inner())
}

/// A libzmq context. Clones share it; it terminates when the last clone is
/// dropped (waiting, like `zmq_ctx_term`, for its sockets to close). Every
/// socket zil makes holds a clone, as the `zmq` crate's sockets hold theirs.
#[derive(Clone)]
pub(crate) struct Context(Arc<Raw>);

struct Raw {
    ctx: *mut c_void,
    /// The socket limit set on the context.
    max_sockets: i32,
}

// SAFETY: a libzmq context is thread-safe (zmq_ctx(3)); the pointer is only
// passed to libzmq.
unsafe impl Send for Raw {}
// SAFETY: as above.
unsafe impl Sync for Raw {}

impl Drop for Raw {
    fn drop(&mut self) {
        // SAFETY: the context is live and terminated exactly once; EINTR
        // means "call again".
        while unsafe { zmq_sys::zmq_ctx_term(self.ctx) } != 0 {
            // SAFETY: reads libzmq's thread-local errno.
            if unsafe { zmq_sys::zmq_errno() } != libc::EINTR {
                break;
            }
        }
    }
}

impl Context {
    /// A new context allowing [`socket_limit_for`] the process's fd limit.
    fn new() -> Result<Context> {
        Context::with_max_sockets(|ctx| socket_limit_for(soft_fd_limit(), libzmq_limit(ctx)))
    }

    /// A new context with the socket limit `max_sockets(ctx)` (libzmq's
    /// default when libzmq refuses it). Set before the first socket: libzmq
    /// sizes its tables then.
    pub(crate) fn with_max_sockets(
        max_sockets: impl FnOnce(*mut c_void) -> i32,
    ) -> Result<Context> {
        // SAFETY: takes no arguments; NULL is checked.
        let ctx = unsafe { zmq_sys::zmq_ctx_new() };
        if ctx.is_null() {
            // SAFETY: reads libzmq's thread-local errno.
            let err = zmq::Error::from_raw(unsafe { zmq_sys::zmq_errno() });
            return Err(Error::zmq("cannot create the ZeroMQ context", err));
        }
        let wanted = max_sockets(ctx);
        // SAFETY: a live context; an int option.
        unsafe { zmq_sys::zmq_ctx_set(ctx, zmq_sys::ZMQ_MAX_SOCKETS as i32, wanted) };
        // SAFETY: as above.
        let set = unsafe { zmq_sys::zmq_ctx_get(ctx, zmq_sys::ZMQ_MAX_SOCKETS as i32) };
        Ok(Context(Arc::new(Raw {
            ctx,
            max_sockets: set,
        })))
    }

    /// Creates a socket in this context; it keeps the context alive.
    pub(crate) fn socket(&self, kind: zmq::SocketType) -> zmq::Result<Socket> {
        // SAFETY: a live context.
        let raw = unsafe { zmq_sys::zmq_socket(self.0.ctx, raw_type(kind)) };
        if raw.is_null() {
            // SAFETY: reads libzmq's thread-local errno.
            return Err(zmq::Error::from_raw(unsafe { zmq_sys::zmq_errno() }));
        }
        Ok(Socket {
            // SAFETY: a socket just made, owned (closed) by this value only.
            socket: unsafe { zmq::Socket::from_raw(raw) },
            ctx: self.clone(),
        })
    }

    /// How many sockets the context allows at once.
    pub(crate) fn max_sockets(&self) -> i32 {
        self.0.max_sockets
    }
}

/// libzmq's number of a socket type (the `zmq` crate keeps its own
/// private).
fn raw_type(kind: zmq::SocketType) -> i32 {
    let raw = match kind {
        zmq::PAIR => zmq_sys::ZMQ_PAIR,
        zmq::PUB => zmq_sys::ZMQ_PUB,
        zmq::SUB => zmq_sys::ZMQ_SUB,
        zmq::REQ => zmq_sys::ZMQ_REQ,
        zmq::REP => zmq_sys::ZMQ_REP,
        zmq::DEALER => zmq_sys::ZMQ_DEALER,
        zmq::ROUTER => zmq_sys::ZMQ_ROUTER,
        zmq::PULL => zmq_sys::ZMQ_PULL,
        zmq::PUSH => zmq_sys::ZMQ_PUSH,
        zmq::XPUB => zmq_sys::ZMQ_XPUB,
        zmq::XSUB => zmq_sys::ZMQ_XSUB,
        zmq::STREAM => zmq_sys::ZMQ_STREAM,
    };
    raw as i32
}

/// A libzmq socket with a clone of its context, so the context outlives it.
/// Dereferences to the `zmq` crate's socket.
pub(crate) struct Socket {
    // Declared first: dropped (closed) before the context clone.
    socket: zmq::Socket,
    ctx: Context,
}

impl Socket {
    /// The context the socket was made in.
    pub(crate) fn context(&self) -> &Context {
        &self.ctx
    }
}

impl std::ops::Deref for Socket {
    type Target = zmq::Socket;

    fn deref(&self) -> &zmq::Socket {
        &self.socket
    }
}

impl std::ops::DerefMut for Socket {
    fn deref_mut(&mut self) -> &mut zmq::Socket {
        &mut self.socket
    }
}

/// The process's soft `RLIMIT_NOFILE` (`None`: unlimited or unknown).
pub(crate) fn soft_fd_limit() -> Option<u64> {
    let mut lim = libc::rlimit {
        rlim_cur: 0,
        rlim_max: 0,
    };
    // SAFETY: getrlimit writes one rlimit to a live struct.
    if unsafe { libc::getrlimit(libc::RLIMIT_NOFILE, &mut lim) } != 0
        || lim.rlim_cur == libc::RLIM_INFINITY
    {
        return None;
    }
    Some(lim.rlim_cur)
}

/// How long making a socket or descriptor waits at a limit for libzmq's
/// reaper to close what was freed.
const LIMIT_WAIT: Duration = Duration::from_secs(2);

/// Runs `create` again while it fails at a limit (`at_limit`: `EMFILE`),
/// for at most two seconds. libzmq closes freed sockets, and their
/// descriptors, in its reaper thread after the free returns: a program
/// that creates and frees handles in a tight loop reaches a limit although
/// few handles are alive, and the reaper soon makes room.
pub(crate) fn retry_at_limit<T, E>(
    mut create: impl FnMut() -> std::result::Result<T, E>,
    at_limit: impl Fn(&E) -> bool,
) -> std::result::Result<T, E> {
    let started = std::time::Instant::now();
    loop {
        match create() {
            Err(e) if at_limit(&e) && started.elapsed() < LIMIT_WAIT => {
                std::thread::sleep(Duration::from_millis(1));
            }
            result => return result,
        }
    }
}

/// What `EMFILE` from the kernel means: the process's open-file limit,
/// named with its value.
pub(crate) fn fd_limit_reached_text() -> String {
    match soft_fd_limit() {
        Some(n) => {
            format!("the process's limit of {n} open files is reached (RLIMIT_NOFILE, `ulimit -n`)")
        }
        None => "the process's open-file limit is reached (RLIMIT_NOFILE)".to_owned(),
    }
}

/// libzmq's largest socket limit for `ctx` (`ZMQ_SOCKET_LIMIT`).
fn libzmq_limit(ctx: *mut c_void) -> i32 {
    // SAFETY: a live context.
    let limit = unsafe { zmq_sys::zmq_ctx_get(ctx, zmq_sys::ZMQ_SOCKET_LIMIT as i32) };
    if limit > 0 {
        limit
    } else {
        DEFAULT_MAX_SOCKETS
    }
}

/// libzmq's default socket limit per context.
const DEFAULT_MAX_SOCKETS: i32 = zmq_sys::ZMQ_MAX_SOCKETS_DFLT as i32;

/// The socket limit for a process that may open `fds` files (`None`: no
/// limit) on a libzmq that allows at most `libzmq_limit`: one socket per
/// file, never below libzmq's default nor above its limit.
pub(crate) fn socket_limit_for(fds: Option<u64>, libzmq_limit: i32) -> i32 {
    let fds = fds.map_or(i32::MAX, |n| i32::try_from(n).unwrap_or(i32::MAX));
    fds.max(DEFAULT_MAX_SOCKETS).min(libzmq_limit)
}

/// The process-wide context, created on first use. Every socket holds a
/// reference to it, so it lives until zil's own reference is released by
/// [`shutdown`] and the last socket is closed.
pub(crate) fn context() -> Result<Context> {
    let mut current = current();
    if let Some(ctx) = current.ctx.as_ref() {
        return Ok(ctx.clone());
    }
    let ctx = Context::new()?;
    current.ctx = Some(ctx.clone());
    Ok(ctx)
}

/// Has `release` run when zil's context is next shut down ([`shutdown`]).
/// A service that runs for the current context (the ZAP handler, the
/// connection monitor hub) registers its release when it starts, and so
/// owns its end: the context names none of them.
pub(crate) fn on_shutdown(release: impl FnOnce() + Send + 'static) {
    current().on_shutdown.push(Box::new(release));
}

/// Releases zil's reference to the context. When no handle is left open,
/// this terminates the context, which delivers the messages freed ports still
/// hold (each for at most its linger time); the call waits at most
/// `timeout_ms` (`-1` forever) for that. Handles created afterwards use a new
/// context. With handles still open it returns at once, and the last handle
/// freed terminates the context.
pub fn shutdown(timeout_ms: i32) -> Result<()> {
    let (ctx, releases) = {
        let mut current = current();
        let Some(ctx) = current.ctx.take() else {
            return Ok(());
        };
        (ctx, std::mem::take(&mut current.on_shutdown))
    };
    for release in releases {
        release();
    }
    let (done, finished) = std::sync::mpsc::channel();
    std::thread::Builder::new()
        .name("zil-shutdown".into())
        .spawn(move || {
            drop(ctx);
            let _ = done.send(());
        })
        .map_err(|e| {
            Error::new(
                ErrorKind::Zmq,
                format!("cannot start the shutdown thread: {e}"),
            )
        })?;
    let waited = match u64::try_from(timeout_ms) {
        Ok(ms) => finished.recv_timeout(Duration::from_millis(ms)).is_ok(),
        Err(_) => finished.recv().is_ok(),
    };
    if waited {
        Ok(())
    } else {
        Err(Error::new(
            ErrorKind::Timeout,
            format!("unsent messages were still being delivered after {timeout_ms} ms"),
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_socket_limit_follows_the_fd_limit_within_libzmq_bounds() {
        assert_eq!(socket_limit_for(Some(20_000), 65_535), 20_000);
        assert_eq!(socket_limit_for(Some(256), 65_535), 1023);
        assert_eq!(socket_limit_for(Some(1 << 40), 65_535), 65_535);
        assert_eq!(socket_limit_for(None, 65_535), 65_535);
        assert_eq!(socket_limit_for(Some(20_000), 1023), 1023);
    }

    #[test]
    fn a_new_context_gets_the_limit() {
        let ctx = Context::with_max_sockets(|_| 4000).expect("context");
        assert_eq!(ctx.max_sockets(), 4000);
        let refused = Context::with_max_sockets(|_| -5).expect("context");
        assert_eq!(refused.max_sockets(), DEFAULT_MAX_SOCKETS);
    }
}
