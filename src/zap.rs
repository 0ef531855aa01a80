//! zil's ZAP handler (ZeroMQ RFC 27): libzmq asks it, for every CURVE client
//! that connects to a server socket with an allow-list, whether that
//! client's public key may in. Each such socket gets a ZAP domain of its own
//! naming its allow-list; refused clients are counted per socket and logged.
//!
//! One handler serves one ZeroMQ context, on a thread of its own that binds
//! `inproc://zeromq.zap.01`. It starts with the first allow-list and owns its
//! end: it registers its [`release`] with the context when it starts, and
//! once zil's context was shut down it ends when the last socket with an
//! allow-list is gone, so it never keeps a context from terminating, and
//! never leaves a live allow-list unguarded (that would admit everyone).

use crate::context;
use crate::curve::PublicKey;
use crate::error::{Error, Result};
use crate::service::{self, Lifecycle, Service};
use crate::stats::SharedCount;
use std::collections::{HashMap, HashSet};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};

/// Where libzmq sends ZAP requests (fixed by RFC 27).
const ZAP_ENDPOINT: &str = "inproc://zeromq.zap.01";

struct Policy {
    allowed: HashSet<PublicKey>,
    label: String,
    refused: SharedCount,
}

struct Authenticator {
    domains: Mutex<HashMap<String, Policy>>,
    lifecycle: Lifecycle,
}

impl Service for Authenticator {
    fn lifecycle(&self) -> &Lifecycle {
        &self.lifecycle
    }
}

impl Authenticator {
    fn lock(&self) -> MutexGuard<'_, HashMap<String, Policy>> {
        self.domains.lock().unwrap_or_else(|p| p.into_inner())
    }

    fn done(&self) -> bool {
        self.lifecycle.is_released() && self.lock().is_empty()
    }
}

/// The handler of the current context.
static CURRENT: Mutex<Option<Arc<Authenticator>>> = Mutex::new(None);
static NEXT_DOMAIN: AtomicU64 = AtomicU64::new(1);

/// A socket's allow-list, registered with the handler while it lives.
pub(crate) struct Registration {
    auth: Arc<Authenticator>,
    domain: String,
    refused: SharedCount,
}

impl Registration {
    /// The ZAP domain to set on the socket.
    pub(crate) fn domain(&self) -> &str {
        &self.domain
    }

    /// The socket's refusal counter.
    pub(crate) fn refusals(&self) -> SharedCount {
        self.refused.clone()
    }
}

impl Drop for Registration {
    fn drop(&mut self) {
        let empty = {
            let mut domains = self.auth.lock();
            domains.remove(&self.domain);
            domains.is_empty()
        };
        if empty && self.auth.lifecycle.is_released() {
            self.auth.lifecycle.waker().wake();
        }
    }
}

/// Registers an allow-list for the socket labelled `label` (its address),
/// starting the handler if this context has none yet.
pub(crate) fn register(allowed: &[PublicKey], label: &str) -> Result<Registration> {
    let auth = current()?;
    let domain = format!("zil-{}", NEXT_DOMAIN.fetch_add(1, Ordering::Relaxed));
    let refused = SharedCount::default();
    auth.lock().insert(
        domain.clone(),
        Policy {
            allowed: allowed.iter().copied().collect(),
            label: label.to_owned(),
            refused: refused.clone(),
        },
    );
    Ok(Registration {
        auth,
        domain,
        refused,
    })
}

/// Run when zil's context is shut down: the next allow-list starts a new
/// handler on the new context; this one ends once its sockets are gone.
fn release() {
    service::release(&CURRENT);
}

fn current() -> Result<Arc<Authenticator>> {
    let mut slot = CURRENT.lock().unwrap_or_else(|p| p.into_inner());
    if let Some(auth) = slot.as_ref() {
        return Ok(Arc::clone(auth));
    }
    let socket = crate::socket::new_socket(zmq::REP)?;
    socket.bind(ZAP_ENDPOINT).map_err(|e| {
        Error::zmq(
            format!("cannot start the ZAP handler at '{ZAP_ENDPOINT}'"),
            e,
        )
    })?;
    let auth = Arc::new(Authenticator {
        domains: Mutex::new(HashMap::new()),
        lifecycle: Lifecycle::new()?,
    });
    let serving = Arc::clone(&auth);
    service::spawn("zil-zap", "ZAP handler", move || serve(&socket, &serving))?;
    *slot = Some(Arc::clone(&auth));
    context::on_shutdown(release);
    Ok(auth)
}

fn serve(socket: &zmq::Socket, auth: &Authenticator) {
    loop {
        let mut items = [
            socket.as_poll_item(zmq::POLLIN),
            zmq::PollItem::from_fd(auth.lifecycle.waker().fd(), zmq::POLLIN),
        ];
        match zmq::poll(&mut items, -1) {
            Ok(_) | Err(zmq::Error::EINTR) => {}
            Err(_) => return,
        }
        if items[1].is_readable() {
            auth.lifecycle.waker().take();
            if auth.done() {
                return;
            }
        }
        if !items[0].is_readable() {
            continue;
        }
        let request = match socket.recv_multipart(zmq::DONTWAIT) {
            Ok(frames) => frames,
            Err(zmq::Error::EAGAIN) | Err(zmq::Error::EINTR) => continue,
            Err(_) => return,
        };
        let reply = answer(auth, &request);
        if let Err(zmq::Error::ETERM) = socket.send_multipart(reply, 0) {
            return;
        }
    }
}

/// The reply to one ZAP request: `[version, request_id, status code, status
/// text, user id, metadata]`. The user id of an admitted client is its
/// public key in Z85.
fn answer(auth: &Authenticator, request: &[Vec<u8>]) -> Vec<Vec<u8>> {
    let reply = |id: &[u8], code: &str, text: &str, user: &str| {
        vec![
            b"1.0".to_vec(),
            id.to_vec(),
            code.as_bytes().to_vec(),
            text.as_bytes().to_vec(),
            user.as_bytes().to_vec(),
            Vec::new(),
        ]
    };
    let id = request.get(1).map_or(&[][..], Vec::as_slice);
    if request.len() < 6 || request[0] != b"1.0" {
        return reply(id, "500", "malformed ZAP request", "");
    }
    let (domain, address, mechanism) = (&request[2], &request[3], &request[5]);
    if domain.is_empty() {
        // A CURVE server without an allow-list: the handshake already proved
        // the client knows the server's public key.
        return reply(id, "200", "OK", "");
    }
    let key = match (mechanism.as_slice(), request.get(6)) {
        (b"CURVE", Some(key)) => <[u8; 32]>::try_from(key.as_slice())
            .ok()
            .map(PublicKey::from_bytes),
        _ => None,
    };
    let domains = auth.lock();
    let Some(policy) = std::str::from_utf8(domain)
        .ok()
        .and_then(|d| domains.get(d))
    else {
        return reply(id, "400", "unknown ZAP domain", "");
    };
    match key {
        Some(key) if policy.allowed.contains(&key) => reply(id, "200", "OK", &key.to_z85()),
        _ => {
            policy.refused.add();
            log::warn!(
                target: "zil::curve",
                "refused a client of '{}' from {}: {}",
                policy.label,
                String::from_utf8_lossy(address),
                // No key material in a log line, not even a public key.
                if key.is_some() {
                    "its public key is not on the allow-list"
                } else {
                    "a non-CURVE peer is not on the allow-list"
                },
            );
            reply(id, "400", "client key not allowed", "")
        }
    }
}
