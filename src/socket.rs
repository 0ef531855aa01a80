//! Creating, configuring and attaching ZeroMQ sockets with errors that name
//! the address and the cause.

use crate::context::{context, fd_limit_reached_text, retry_at_limit, Context};
use crate::curve::{self, zap};
use crate::error::{Error, ErrorKind, Result};
use crate::monitor::{self, Monitor, Watch};
use crate::options::{Attach, PortOptions};
use crate::stats::SharedCount;
use std::sync::Arc;

/// A socket of a zil handle, with what must live exactly as long as it: the
/// registration of its CURVE allow-list and the watch on its connections.
/// Dereferences to the libzmq socket.
pub(crate) struct Socket {
    /// With the context it was made in: its monitor's socket must be made
    /// in the same one.
    socket: crate::context::Socket,
    addr: String,
    attach: Attach,
    allow_list: Option<zap::Registration>,
    peers_dropped: SharedCount,
    watch: Option<Arc<Watch>>,
    frame_limit: usize,
}

/// Whether a socket counts the peers libzmq drops for protocol violations
/// (which takes a watch on its connections for its whole life).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Drops {
    Counted,
    Ignored,
}

impl Socket {
    /// How many clients the socket's CURVE allow-list refused (always 0
    /// without one).
    pub(crate) fn refusals(&self) -> SharedCount {
        self.allow_list
            .as_ref()
            .map(zap::Registration::refusals)
            .unwrap_or_default()
    }

    /// The largest frame zil hands on (`max_msg_size`; `usize::MAX` for no
    /// limit). libzmq lets frames up to twice that through (see
    /// [`open`]), so the receiving side drops and counts those itself.
    pub(crate) fn frame_limit(&self) -> usize {
        self.frame_limit
    }

    /// How many peers libzmq dropped for a protocol violation (counted only
    /// for connecting sockets opened with [`Drops::Counted`]).
    pub(crate) fn peers_dropped(&self) -> SharedCount {
        self.peers_dropped.clone()
    }

    /// A source of the socket's connection events, starting the watch on
    /// them on first use.
    pub(crate) fn monitor(&mut self) -> Result<Monitor> {
        let watch = match &self.watch {
            Some(watch) => Arc::clone(watch),
            None => {
                let watch = self.start_watch()?;
                self.watch = Some(Arc::clone(&watch));
                watch
            }
        };
        Ok(Monitor::new(watch))
    }

    fn start_watch(&mut self) -> Result<Arc<Watch>> {
        let ctx = self.socket.context().clone();
        monitor::start(
            &ctx,
            &mut self.socket,
            &self.addr,
            self.attach == Attach::Connect,
            self.peers_dropped.clone(),
        )
    }
}

impl Drop for Socket {
    fn drop(&mut self) {
        // Monitoring stops while the socket is open, before it closes.
        if self.watch.is_some() {
            monitor::stop(&mut self.socket);
        }
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

/// Creates a socket of `kind` with `opts` applied (limits, CURVE) and
/// attaches it to `addr` (bound or connected per `opts.attach`, else
/// `default_attach`). With [`Drops::Counted`] a connecting socket is
/// watched from before it connects.
pub(crate) fn open(
    kind: zmq::SocketType,
    addr: &str,
    opts: &PortOptions,
    default_attach: Attach,
    drops: Drops,
) -> Result<Socket> {
    let socket = new_socket_in(&context()?, kind)?;
    configure(&socket, opts)?;
    let limit = max_msg_size(kind, opts);
    // Two tiers: a frame up to twice the limit arrives, and zil drops and
    // counts it (the connection lives on); libzmq refuses a larger one
    // before allocating it and drops the connection that sent it.
    let libzmq_limit = if limit < 0 {
        -1
    } else {
        limit.saturating_mul(2)
    };
    socket
        .set_maxmsgsize(libzmq_limit)
        .map_err(|e| Error::zmq("cannot set the maximum message size", e))?;
    let allow_list = curve::secure(&socket, &opts.curve, addr)?;
    let how = opts.attach.unwrap_or(default_attach);
    let mut socket = Socket {
        socket,
        addr: addr.to_owned(),
        attach: how,
        allow_list,
        peers_dropped: SharedCount::default(),
        watch: None,
        frame_limit: usize::try_from(limit).unwrap_or(usize::MAX),
    };
    // No peer on inproc:// can break the protocol.
    if drops == Drops::Counted && how == Attach::Connect && !addr.starts_with("inproc://") {
        socket.watch = Some(socket.start_watch()?);
    }
    attach(&socket, addr, how)?;
    Ok(socket)
}

/// The `max_msg_size` of a socket of `kind`: the option, or the side's
/// default (RPC sockets have the smaller one).
fn max_msg_size(kind: zmq::SocketType, opts: &PortOptions) -> i64 {
    opts.max_msg_size.unwrap_or(match kind {
        zmq::REQ | zmq::REP | zmq::DEALER | zmq::ROUTER => crate::options::DEFAULT_RPC_MAX_MSG_SIZE,
        _ => crate::options::DEFAULT_MAX_MSG_SIZE,
    })
}

/// Creates a socket in zil's context. libzmq closes freed sockets in its
/// reaper thread, and until then they count against the context's socket
/// limit: a program that creates and frees ports in a tight loop could hit
/// it (`EMFILE`) although few sockets are alive. Creation then waits,
/// briefly and bounded, for the reaper to catch up. A limit still reached
/// then is named in the error ([`limit_error`]).
pub(crate) fn new_socket(kind: zmq::SocketType) -> Result<crate::context::Socket> {
    new_socket_in(&context()?, kind)
}

/// [`new_socket`] in the context `ctx`.
pub(crate) fn new_socket_in(
    ctx: &Context,
    kind: zmq::SocketType,
) -> Result<crate::context::Socket> {
    within_socket_limit(|| ctx.socket(kind))
        .map_err(|e| limit_error(Some(ctx), format!("cannot create {kind:?} socket"), e))
}

/// The error of `action` that failed with `err`. libzmq says `EMFILE`
/// ("Too many open files") for two limits: its own socket limit of the
/// context `ctx`, and the process's open-file limit; the text says which
/// was reached, with its value (without `ctx`, only files were opened).
pub(crate) fn limit_error(
    ctx: Option<&Context>,
    action: impl std::fmt::Display,
    err: zmq::Error,
) -> Error {
    if err != zmq::Error::EMFILE {
        return Error::zmq(action, err);
    }
    let cause = match ctx {
        Some(ctx) if !fd_limit_reached() => format!(
            "libzmq's limit of {} sockets per context is reached (ZMQ_MAX_SOCKETS, which zil \
             sets from the open-file limit when its context is made; an inport takes 3 sockets)",
            ctx.max_sockets()
        ),
        _ => fd_limit_reached_text(),
    };
    Error::new(
        ErrorKind::Zmq,
        format!("{action}: {cause} (errno {})", err.to_raw()),
    )
}

/// True when the process cannot open what a libzmq socket needs now: the
/// socket pair of its mailbox (this libzmq signals through one).
fn fd_limit_reached() -> bool {
    let mut fds = [-1; 2];
    // SAFETY: socketpair writes two fds to a live array of two; the fds
    // made are closed at once.
    let rc = unsafe {
        libc::socketpair(
            libc::AF_UNIX,
            libc::SOCK_STREAM | libc::SOCK_CLOEXEC,
            0,
            fds.as_mut_ptr(),
        )
    };
    if rc != 0 {
        return std::io::Error::last_os_error().raw_os_error() == Some(libc::EMFILE);
    }
    for fd in fds {
        // SAFETY: our own fd, closed once.
        unsafe { libc::close(fd) };
    }
    false
}

/// Runs `create` (which makes a libzmq socket) again while it fails at a
/// limit, bounded (see [`retry_at_limit`]).
pub(crate) fn within_socket_limit<T>(create: impl FnMut() -> zmq::Result<T>) -> zmq::Result<T> {
    retry_at_limit(create, |e| *e == zmq::Error::EMFILE)
}

/// Applies high-water marks and linger.
pub(crate) fn configure(socket: &zmq::Socket, opts: &PortOptions) -> Result<()> {
    if opts.sndhwm < 0 || opts.rcvhwm < 0 {
        return Err(Error::invalid(format!(
            "high-water marks must be >= 0 (sndhwm {}, rcvhwm {})",
            opts.sndhwm, opts.rcvhwm
        )));
    }
    socket
        .set_sndhwm(opts.sndhwm)
        .and_then(|_| socket.set_rcvhwm(opts.rcvhwm))
        .and_then(|_| socket.set_linger(opts.linger_ms.max(-1)))
        .map_err(|e| Error::zmq("cannot set socket options", e))
}

/// Binds or connects `socket` to `addr`.
pub(crate) fn attach(socket: &zmq::Socket, addr: &str, how: Attach) -> Result<()> {
    check_tcp_port(addr)?;
    let (verb, res) = match how {
        Attach::Bind => ("bind", socket.bind(addr)),
        Attach::Connect => ("connect", socket.connect(addr)),
    };
    res.map_err(|e| match e {
        zmq::Error::EINVAL | zmq::Error::EPROTONOSUPPORT | zmq::Error::ENOCOMPATPROTO => {
            crate::endpoint::refused(addr, verb, e)
        }
        _ => limit_error(None, format!("cannot {verb} '{addr}'"), e),
    })?;
    if how == Attach::Connect {
        crate::endpoint::warn_if_unresolvable(addr);
    }
    Ok(())
}

/// Refuses what libzmq would silently wrap around: a TCP port outside
/// 0..=65535 (libzmq 4.3 binds `:70000` as port 4464).
fn check_tcp_port(addr: &str) -> Result<()> {
    if addr.is_empty() {
        return Err(Error::invalid("invalid endpoint '': the address is empty"));
    }
    let Some(rest) = addr.strip_prefix("tcp://") else {
        return Ok(());
    };
    let port = rest.rsplit_once(':').map_or("", |(_, port)| port);
    if port == "*" || port.parse::<u16>().is_ok() {
        return Ok(());
    }
    Err(Error::invalid(format!(
        "invalid endpoint '{addr}': the TCP port must be 0..65535 or '*'"
    )))
}

/// The address the socket is really attached to (a bound `tcp://127.0.0.1:*`
/// resolves to the port the system chose); `addr` when libzmq has none.
pub(crate) fn last_endpoint(socket: &zmq::Socket, addr: &str) -> String {
    match socket.get_last_endpoint() {
        Ok(Ok(ep)) if !ep.is_empty() => ep,
        _ => addr.to_owned(),
    }
}

/// Sets an integer option the `zmq` crate does not wrap.
pub(crate) fn set_int_option(
    socket: &mut zmq::Socket,
    option: u32,
    value: i32,
    what: &str,
) -> Result<()> {
    // SAFETY: the socket pointer is live for the call; the value is a live
    // i32 whose size is passed along.
    let rc = unsafe {
        zmq_sys::zmq_setsockopt(
            socket.as_mut_ptr(),
            option as i32,
            (&value as *const i32).cast(),
            std::mem::size_of::<i32>(),
        )
    };
    if rc != 0 {
        // SAFETY: reads libzmq's thread-local errno.
        let err = zmq::Error::from_raw(unsafe { zmq_sys::zmq_errno() });
        return Err(Error::zmq(format!("cannot set {what}"), err));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::{Duration, Instant};

    #[test]
    fn reaching_libzmq_socket_limit_is_named_with_its_value() {
        let ctx = Context::with_max_sockets(|_| 4).expect("context");
        let sockets: Vec<_> = (0..4)
            .map(|_| new_socket_in(&ctx, zmq::PAIR).expect("a socket within the limit"))
            .collect();
        let started = Instant::now();
        let err = new_socket_in(&ctx, zmq::SUB).err().expect("over the limit");
        // The bounded wait for the reaper comes first.
        assert!(
            started.elapsed() >= Duration::from_secs(2),
            "{:?}",
            started.elapsed()
        );
        assert_eq!(
            err.message(),
            "cannot create SUB socket: libzmq's limit of 4 sockets per context is reached \
             (ZMQ_MAX_SOCKETS, which zil sets from the open-file limit when its context is \
             made; an inport takes 3 sockets) (errno 24)"
        );
        drop(sockets);
    }
}
