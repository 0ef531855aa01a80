//! The RPC server: a REP socket and a table of handlers.

use super::protocol::{
    error_reply, parse_request, result_reply, Reply, RpcError, INTERNAL_ERROR, INVALID_REQUEST,
    METHOD_NOT_FOUND, NOT_SUPPORTED,
};
use crate::deadline::Deadline;
use crate::error::{Error, ErrorKind, Result};
use crate::options::{Attach, PortOptions};
use crate::port_socket::{self, PortSocket};
use crate::socket;
use crate::stats::SharedCount;
use crate::waker::Waker;
use serde_json::Value;
use std::collections::HashMap;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Condvar, Mutex, RwLock};
use std::thread::{self, ThreadId};
use std::time::Duration;

/// A method handler: gets the request's `params` (`None` when absent) and
/// answers a result or an [`RpcError`]. Runs on the server's thread.
pub type Handler = dyn Fn(Option<&Value>) -> std::result::Result<Value, RpcError> + Send + Sync;

/// How long dropping a server waits for its loop to end.
const DROP_WAIT_MS: i32 = 2000;

/// A snapshot of a server's counters.
#[repr(C)]
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ServerStats {
    /// Requests answered, malformed ones included.
    pub requests: u64,
    /// Of those, the answers that were JSON-RPC errors.
    pub error_replies: u64,
    /// CURVE clients refused by the allow-list (0 without one).
    pub peers_refused: u64,
    /// Requests over `max_msg_size` (up to twice it; libzmq refuses larger
    /// ones), answered with a `-32600` error instead of reaching a handler;
    /// also counted in `error_replies`.
    pub requests_oversized: u64,
}

/// A JSON-RPC server bound to an address.
///
/// Thread safety: `Server` is `Send + Sync`. Handlers may be set or replaced
/// from any thread, also while it runs. Handlers run one at a time on the
/// thread that runs the server (REP answers requests in order).
pub struct Server {
    shared: Arc<Shared>,
}

pub(crate) struct Shared {
    socket: Mutex<PortSocket>,
    handlers: RwLock<HashMap<String, Arc<Handler>>>,
    endpoint: String,
    waker: Waker,
    stop: AtomicBool,
    state: Mutex<RunState>,
    stopped: Condvar,
    requests: AtomicU64,
    errors: AtomicU64,
    oversized: AtomicU64,
    refusals: SharedCount,
}

#[derive(Default)]
struct RunState {
    /// The thread running the loop, while one does.
    runner: Option<ThreadId>,
}

impl Server {
    /// Binds a REP socket at `addr` (e.g. `tcp://0.0.0.0:6900`,
    /// `tcp://127.0.0.1:*`, `ipc:///tmp/authz`). No handler is registered
    /// yet: unknown methods are answered with a `-32601` error.
    pub fn new(addr: &str) -> Result<Self> {
        Self::with_options(addr, &PortOptions::default())
    }

    /// Like [`Server::new`] with socket options: CURVE (server key,
    /// allow-list of client keys), the maximum request size and the
    /// attachment are used; linger is always 0.
    pub fn with_options(addr: &str, opts: &PortOptions) -> Result<Self> {
        let opts = PortOptions {
            linger_ms: 0,
            ..opts.clone()
        };
        let socket = port_socket::open(
            zmq::SocketType::REP,
            addr,
            &opts,
            Attach::Bind,
            port_socket::Drops::Ignored,
        )?;
        let endpoint = socket::last_endpoint(&socket, addr);
        let refusals = socket.refusals();
        Ok(Server {
            shared: Arc::new(Shared {
                socket: Mutex::new(socket),
                handlers: RwLock::new(HashMap::new()),
                endpoint,
                waker: Waker::new()?,
                stop: AtomicBool::new(false),
                state: Mutex::new(RunState::default()),
                stopped: Condvar::new(),
                requests: AtomicU64::new(0),
                errors: AtomicU64::new(0),
                oversized: AtomicU64::new(0),
                refusals,
            }),
        })
    }

    /// Registers (or replaces) the handler of `method`.
    pub fn set_handler(
        &self,
        method: &str,
        handler: impl Fn(Option<&Value>) -> std::result::Result<Value, RpcError> + Send + Sync + 'static,
    ) {
        self.shared.set_handler(method, Some(Arc::new(handler)));
    }

    /// Removes the handler of `method`; true if there was one.
    pub fn remove_handler(&self, method: &str) -> bool {
        self.shared.set_handler(method, None)
    }

    /// Serves requests on the calling thread until [`Server::stop`].
    /// `Err(Closed)` if the server is already running or was stopped.
    pub fn run(&self) -> Result<()> {
        run(Arc::clone(&self.shared))
    }

    /// Serves requests on a new background thread.
    pub fn start(&self) -> Result<()> {
        let shared = Arc::clone(&self.shared);
        shared.claim_runner()?;
        let (ready, started) = std::sync::mpsc::channel();
        thread::Builder::new()
            .name("zil-rpc-server".into())
            .spawn(move || {
                shared.set_runner(thread::current().id());
                let _ = ready.send(());
                // Panics are already caught per request; this is the
                // thread-level boundary for anything else.
                let _ = catch_unwind(AssertUnwindSafe(|| serve(&shared)));
                shared.finish();
            })
            .map_err(|e| {
                self.shared.finish();
                Error::new(
                    ErrorKind::Zmq,
                    format!("cannot start the server thread: {e}"),
                )
            })?;
        let _ = started.recv();
        Ok(())
    }

    /// Stops the server: a loop idle in a receive returns at once; a handler
    /// in progress finishes first. Waits at most `timeout_ms` (-1 forever)
    /// for the loop to end; `Err(Timeout)` if a handler is still running then
    /// (the loop ends after it returns). Called from a handler, it does not
    /// wait (the loop ends once the handler returns). Stopping is final.
    pub fn stop(&self, timeout_ms: i32) -> Result<()> {
        self.shared.stop(timeout_ms)
    }

    /// The address the server is bound to (an ephemeral port resolved).
    pub fn endpoint(&self) -> &str {
        &self.shared.endpoint
    }

    /// Requests answered so far, and how many of them were error replies.
    pub fn request_counts(&self) -> (u64, u64) {
        (
            self.shared.requests.load(Ordering::Relaxed),
            self.shared.errors.load(Ordering::Relaxed),
        )
    }

    /// The server's counters.
    pub fn stats(&self) -> ServerStats {
        let (requests, error_replies) = self.request_counts();
        ServerStats {
            requests,
            error_replies,
            peers_refused: self.shared.refusals.get(),
            requests_oversized: self.shared.oversized.load(Ordering::Relaxed),
        }
    }

    /// Answers one request message (the bytes of a single frame) the way the
    /// running server would. Useful for tests and fuzzing.
    pub fn handle(&self, request: &[u8]) -> Value {
        self.shared.reply_to(request).to_value()
    }

    /// The state the serving loop holds, for running it without borrowing
    /// the `Server` (the C layer: a handler may free its own server).
    pub(crate) fn shared(&self) -> Arc<Shared> {
        Arc::clone(&self.shared)
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.shared.stop(DROP_WAIT_MS);
        // Release the handlers now, on this thread, rather than whenever the
        // serving thread drops the last reference: when the server is gone,
        // so are the handlers (unless one is still running).
        self.shared.clear_handlers();
    }
}

/// Runs the serving loop on the calling thread, holding only `shared`, so the
/// `Server` (or its C handle) may be dropped meanwhile, even by a handler.
pub(crate) fn run(shared: Arc<Shared>) -> Result<()> {
    shared.claim_runner()?;
    shared.set_runner(thread::current().id());
    let result = serve(&shared);
    shared.finish();
    result
}

fn serve(shared: &Shared) -> Result<()> {
    let socket = shared.socket.lock().unwrap_or_else(|p| p.into_inner());
    let mut frame = zmq::Message::new();
    while !shared.stop.load(Ordering::Acquire) {
        // Poll first: a REP server's next request is never queued already,
        // so trying a receive before waiting would only cost a syscall.
        let mut items = [
            socket.as_poll_item(zmq::POLLIN),
            zmq::PollItem::from_fd(shared.waker.fd(), zmq::POLLIN),
        ];
        match zmq::poll(&mut items, -1) {
            Ok(_) | Err(zmq::Error::EINTR) => {}
            Err(e) => return Err(Error::zmq(format!("cannot poll '{}'", shared.endpoint), e)),
        }
        if items[1].is_readable() {
            shared.waker.take();
        }
        if !items[0].is_readable() {
            continue;
        }
        match socket.recv(&mut frame, zmq::DONTWAIT) {
            Ok(()) => {}
            Err(zmq::Error::EAGAIN) | Err(zmq::Error::EINTR) => continue,
            Err(e) => {
                return Err(Error::zmq(
                    format!("cannot receive on '{}'", shared.endpoint),
                    e,
                ))
            }
        }
        let reply = if frame.get_more() {
            // A REP must still read every frame before it may answer.
            let mut extra = zmq::Message::new();
            let mut frames = 1;
            while socket.recv(&mut extra, 0).is_ok() {
                frames += 1;
                if !extra.get_more() {
                    break;
                }
            }
            let err = RpcError::new(
                INVALID_REQUEST,
                format!("Invalid Request: {frames} frames, expected one JSON text"),
            );
            log::warn!("zil: rpc server '{}': {}", shared.endpoint, err.message);
            shared.count(true);
            error_reply(&err, Value::Null)
        } else if frame.len() > socket.frame_limit() {
            shared.refuse_oversized(frame.len(), socket.frame_limit())
        } else {
            shared.reply_to(&frame)
        };
        let text = reply.to_string();
        if let Err(e) = socket.send(text.as_bytes(), 0) {
            log::warn!(
                "zil: rpc server '{}' could not send a reply: {}",
                shared.endpoint,
                e.message()
            );
        }
    }
    Ok(())
}

impl Shared {
    fn set_handler(&self, method: &str, handler: Option<Arc<Handler>>) -> bool {
        let old = {
            let mut table = self.handlers.write().unwrap_or_else(|p| p.into_inner());
            match handler {
                Some(h) => table.insert(method.to_owned(), h),
                None => table.remove(method),
            }
        };
        // The old handler is dropped (its release may run user code, which
        // may call back into the server) only after the lock is released.
        let replaced = old.is_some();
        drop(old);
        replaced
    }

    /// Drops every handler, outside the table's lock. A handler that is
    /// running keeps itself alive until its call returns.
    fn clear_handlers(&self) {
        let table = std::mem::take(&mut *self.handlers.write().unwrap_or_else(|p| p.into_inner()));
        drop(table);
    }

    fn handler(&self, method: &str) -> Option<Arc<Handler>> {
        let table = self.handlers.read().unwrap_or_else(|p| p.into_inner());
        table.get(method).cloned()
    }

    fn count(&self, error: bool) {
        self.requests.fetch_add(1, Ordering::Relaxed);
        if error {
            self.errors.fetch_add(1, Ordering::Relaxed);
        }
    }

    /// The error reply to a request of `len` bytes over `max_msg_size`
    /// (`limit`), counted; no handler sees it.
    fn refuse_oversized(&self, len: usize, limit: usize) -> Reply {
        self.oversized.fetch_add(1, Ordering::Relaxed);
        self.count(true);
        let err = RpcError::new(
            INVALID_REQUEST,
            format!(
                "Invalid Request: {len} bytes, over this server's max_msg_size of {limit} bytes"
            ),
        );
        log::warn!("zil: rpc server '{}': {}", self.endpoint, err.message);
        error_reply(&err, Value::Null)
    }

    /// Dispatches one request and builds the reply; never fails.
    fn reply_to(&self, request: &[u8]) -> Reply {
        let (reply, failed) = match parse_request(request) {
            Err((err, id)) => {
                log::warn!("zil: rpc server '{}': {}", self.endpoint, err.message);
                (error_reply(&err, id), true)
            }
            Ok(req) => match self.handler(&req.method) {
                None => {
                    let err = RpcError::new(
                        METHOD_NOT_FOUND,
                        format!("{NOT_SUPPORTED}: method '{}' not found", req.method),
                    );
                    log::info!("zil: rpc server '{}': {}", self.endpoint, err.message);
                    (error_reply(&err, req.id), true)
                }
                Some(handler) => {
                    // The original calls handler(params) only when params is
                    // truthy; zil hands every handler what was sent.
                    match catch_unwind(AssertUnwindSafe(|| handler(req.params.as_ref()))) {
                        Ok(Ok(result)) => (result_reply(result, req.id), false),
                        Ok(Err(err)) => {
                            log::info!(
                                "zil: rpc server '{}': '{}' answered an error: {err}",
                                self.endpoint,
                                req.method
                            );
                            (error_reply(&err, req.id), true)
                        }
                        Err(_) => {
                            let err = RpcError::new(
                                INTERNAL_ERROR,
                                format!("Internal error: handler of '{}' failed", req.method),
                            );
                            log::error!("zil: rpc server '{}': {}", self.endpoint, err.message);
                            (error_reply(&err, req.id), true)
                        }
                    }
                }
            },
        };
        self.count(failed);
        reply
    }

    fn lock_state(&self) -> std::sync::MutexGuard<'_, RunState> {
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Marks the server as running, or explains why it cannot run.
    fn claim_runner(&self) -> Result<()> {
        let mut state = self.lock_state();
        if self.stop.load(Ordering::Acquire) {
            return Err(Error::new(
                ErrorKind::Closed,
                format!("rpc server '{}' was stopped", self.endpoint),
            ));
        }
        if state.runner.is_some() {
            return Err(Error::new(
                ErrorKind::Closed,
                format!("rpc server '{}' is already running", self.endpoint),
            ));
        }
        // A placeholder id until the serving thread records its own.
        state.runner = Some(thread::current().id());
        Ok(())
    }

    fn set_runner(&self, id: ThreadId) {
        self.lock_state().runner = Some(id);
    }

    fn finish(&self) {
        self.lock_state().runner = None;
        self.stopped.notify_all();
    }

    fn stop(&self, timeout_ms: i32) -> Result<()> {
        self.stop.store(true, Ordering::Release);
        self.waker.wake();
        let deadline = Deadline::after_ms(timeout_ms);
        let mut state = self.lock_state();
        loop {
            match state.runner {
                None => return Ok(()),
                // Called from a handler: the loop ends when the handler returns.
                Some(id) if id == thread::current().id() => return Ok(()),
                Some(_) => {}
            }
            let left = deadline.remaining_ms();
            if left == 0 {
                return Err(Error::new(
                    ErrorKind::Timeout,
                    format!(
                        "rpc server '{}' is still in a handler after {timeout_ms} ms; it stops when the handler returns",
                        self.endpoint
                    ),
                ));
            }
            let wait = if left < 0 { 1000 } else { left as u64 };
            state = self
                .stopped
                .wait_timeout(state, Duration::from_millis(wait))
                .map(|(s, _)| s)
                .unwrap_or_else(|p| p.into_inner().0);
        }
    }
}
