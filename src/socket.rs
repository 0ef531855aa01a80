//! Creating, configuring and attaching ZeroMQ sockets with errors that name
//! the address and the cause: the floor every socket of zil is made on
//! (ports, the ZAP handler, the connection monitors).

use crate::context::{context, fd_limit_reached_text, retry_at_limit, Context};
use crate::error::{Error, ErrorKind, Result};
use crate::options::{Attach, PortOptions, TcpKeepalive};

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

/// Applies high-water marks, linger and TCP keep-alive.
pub(crate) fn configure(socket: &zmq::Socket, opts: &PortOptions) -> Result<()> {
    if opts.sndhwm < 0 || opts.rcvhwm < 0 {
        return Err(Error::invalid(format!(
            "high-water marks must be >= 0 (sndhwm {}, rcvhwm {})",
            opts.sndhwm, opts.rcvhwm
        )));
    }
    if let Some(keepalive) = &opts.tcp_keepalive {
        keepalive.check()?;
    }
    socket
        .set_sndhwm(opts.sndhwm)
        .and_then(|_| socket.set_rcvhwm(opts.rcvhwm))
        .and_then(|_| socket.set_linger(opts.linger_ms.max(-1)))
        .and_then(|_| set_keepalive(socket, opts.tcp_keepalive.as_ref()))
        .map_err(|e| Error::zmq("cannot set socket options", e))
}

/// Keep-alive on with its three values, or off (0: not the system's
/// default, -1, which some systems turn on).
fn set_keepalive(socket: &zmq::Socket, keepalive: Option<&TcpKeepalive>) -> zmq::Result<()> {
    let Some(k) = keepalive else {
        return socket.set_tcp_keepalive(0);
    };
    socket
        .set_tcp_keepalive(1)
        .and_then(|_| socket.set_tcp_keepalive_idle(k.idle_s))
        .and_then(|_| socket.set_tcp_keepalive_intvl(k.interval_s))
        .and_then(|_| socket.set_tcp_keepalive_cnt(k.probes))
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

    /// (SO_KEEPALIVE, TCP_KEEPIDLE, TCP_KEEPINTVL, TCP_KEEPCNT) as libzmq
    /// will set them on the socket's TCP connections.
    fn keepalive_of(socket: &zmq::Socket) -> (i32, i32, i32, i32) {
        (
            socket.get_tcp_keepalive().expect("keepalive"),
            socket.get_tcp_keepalive_idle().expect("idle"),
            socket.get_tcp_keepalive_intvl().expect("interval"),
            socket.get_tcp_keepalive_cnt().expect("count"),
        )
    }

    #[test]
    fn keepalive_is_on_by_default_set_as_asked_or_off() {
        let ctx = Context::with_max_sockets(|_| 16).expect("context");
        let socket = new_socket_in(&ctx, zmq::SUB).expect("socket");
        configure(&socket, &PortOptions::default()).expect("defaults");
        assert_eq!(keepalive_of(&socket), (1, 10, 2, 5));

        let asked = TcpKeepalive {
            idle_s: 1,
            interval_s: 3,
            probes: 127,
        };
        let opts = PortOptions {
            tcp_keepalive: Some(asked),
            ..PortOptions::default()
        };
        configure(&socket, &opts).expect("asked");
        assert_eq!(keepalive_of(&socket), (1, 1, 3, 127));

        let off = PortOptions {
            tcp_keepalive: None,
            ..PortOptions::default()
        };
        configure(&socket, &off).expect("off");
        assert_eq!(keepalive_of(&socket).0, 0);
    }

    #[test]
    fn keepalive_values_linux_refuses_are_refused_by_name() {
        let ctx = Context::with_max_sockets(|_| 16).expect("context");
        let socket = new_socket_in(&ctx, zmq::SUB).expect("socket");
        let cases = [
            ((0, 2, 5), "TCP keep-alive idle 0 is invalid (1..=32767)"),
            (
                (32768, 2, 5),
                "TCP keep-alive idle 32768 is invalid (1..=32767)",
            ),
            (
                (10, -1, 5),
                "TCP keep-alive interval -1 is invalid (1..=32767)",
            ),
            ((10, 2, 0), "TCP keep-alive probes 0 is invalid (1..=127)"),
            (
                (10, 2, 128),
                "TCP keep-alive probes 128 is invalid (1..=127)",
            ),
        ];
        for ((idle_s, interval_s, probes), text) in cases {
            let opts = PortOptions {
                tcp_keepalive: Some(TcpKeepalive {
                    idle_s,
                    interval_s,
                    probes,
                }),
                ..PortOptions::default()
            };
            let err = configure(&socket, &opts).expect_err(text);
            assert_eq!(err.kind(), ErrorKind::InvalidArgument, "{text}");
            assert_eq!(err.message(), text);
        }
        // Nothing was applied from a refused set.
        assert_eq!(keepalive_of(&socket).0, -1);
    }
}
