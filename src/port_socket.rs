//! The socket of a port or an RPC end: a socket made and attached on the
//! floor below ([`socket`]), with what must live exactly as long as it: the
//! registration of its CURVE allow-list with the ZAP handler and the watch on
//! its connections.

use crate::context::Socket;
use crate::curve::{self, CurveOptions, KeyPair};
use crate::error::{Error, Result};
use crate::monitor::{self, Monitor, Watch};
use crate::options::{Attach, PortOptions, DEFAULT_MAX_MSG_SIZE, DEFAULT_RPC_MAX_MSG_SIZE};
use crate::socket;
use crate::stats::SharedCount;
use crate::zap;
use std::sync::Arc;

/// A socket of a zil handle, with what must live exactly as long as it: the
/// registration of its CURVE allow-list and the watch on its connections.
/// Dereferences to the libzmq socket.
pub(crate) struct PortSocket {
    /// With the context it was made in: its monitor's socket must be made
    /// in the same one.
    socket: Socket,
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

impl PortSocket {
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

impl Drop for PortSocket {
    fn drop(&mut self) {
        // Monitoring stops while the socket is open, before it closes.
        if self.watch.is_some() {
            monitor::stop(&mut self.socket);
        }
    }
}

impl std::ops::Deref for PortSocket {
    type Target = zmq::Socket;

    fn deref(&self) -> &zmq::Socket {
        &self.socket
    }
}

impl std::ops::DerefMut for PortSocket {
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
) -> Result<PortSocket> {
    let socket = socket::new_socket(kind)?;
    socket::configure(&socket, opts)?;
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
    let allow_list = secure(&socket, &opts.curve, addr)?;
    let how = opts.attach.unwrap_or(default_attach);
    let mut socket = PortSocket {
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
    socket::attach(&socket, addr, how)?;
    Ok(socket)
}

/// The `max_msg_size` of a socket of `kind`: the option, or the side's
/// default (RPC sockets have the smaller one).
fn max_msg_size(kind: zmq::SocketType, opts: &PortOptions) -> i64 {
    opts.max_msg_size.unwrap_or(match kind {
        zmq::REQ | zmq::REP | zmq::DEALER | zmq::ROUTER => DEFAULT_RPC_MAX_MSG_SIZE,
        _ => DEFAULT_MAX_MSG_SIZE,
    })
}

/// Applies `curve` to `socket` before it binds or connects. `label` names
/// the socket in log lines (its address). Returns the allow-list's
/// registration, which the socket must keep while it lives.
pub(crate) fn secure(
    socket: &zmq::Socket,
    curve: &CurveOptions,
    label: &str,
) -> Result<Option<zap::Registration>> {
    let client = curve.server_key.is_some();
    if curve.server_secret.is_none() && !client {
        if !curve.allowed_clients.is_empty() {
            return Err(Error::invalid(
                "a CURVE allow-list needs a CURVE server secret key",
            ));
        }
        return Ok(None);
    }
    curve::require()?;
    let failed = |e| Error::zmq("cannot set CURVE options", e);
    if let Some(secret) = &curve.server_secret {
        if client {
            return Err(Error::invalid(
                "a socket is a CURVE server or a CURVE client, not both",
            ));
        }
        socket
            .set_curve_server(true)
            .and_then(|_| socket.set_curve_secretkey(secret.as_bytes()))
            .map_err(failed)?;
        if curve.allowed_clients.is_empty() {
            return Ok(None);
        }
        let registration = zap::register(&curve.allowed_clients, label)?;
        socket
            .set_zap_domain(registration.domain())
            .map_err(failed)?;
        return Ok(Some(registration));
    }
    let Some(server_key) = &curve.server_key else {
        return Ok(None);
    };
    let keys = match &curve.client_keys {
        Some(keys) => keys.clone(),
        None => KeyPair::generate()?,
    };
    socket
        .set_curve_serverkey(server_key.as_bytes())
        .and_then(|_| socket.set_curve_publickey(keys.public.as_bytes()))
        .and_then(|_| socket.set_curve_secretkey(keys.secret.as_bytes()))
        .map_err(failed)?;
    Ok(None)
}
