//! The RPC client: a REQ socket that is thrown away and made anew when an
//! answer does not come in time (ZeroMQ's "lazy pirate" pattern), so one
//! dead server never wedges the client.

use super::methods::{GET_TOKEN, LOGOUT, VERIFY};
use super::protocol::{parse_reply, request, truthy, type_name, Outcome};
use crate::deadline::Deadline;
use crate::error::{Error, ErrorKind, Result};
use crate::options::{Attach, PortOptions};
use crate::port_socket::{self, PortSocket};
use crate::waker::{Wait, Waker};
use serde_json::{json, Value};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Mutex, MutexGuard};

/// How often a call waiting for its answer asks the client's
/// `keep_waiting` check ([`Client::with_keep_waiting`]).
const KEEP_WAITING_EVERY_MS: i64 = 10;

/// A check asked while a call waits; `false` ends the call.
type KeepWaiting = Box<dyn Fn() -> bool + Send + Sync>;

/// A JSON-RPC client connected to one server address.
///
/// Thread safety: `Client` is `Send + Sync`; calls from several threads are
/// serialized (one request in flight, as REQ/REP requires).
/// [`Client::close`] ends a call blocked in another thread.
pub struct Client {
    addr: String,
    timeout_ms: i32,
    /// Socket settings (CURVE, message size limit); linger is always 0.
    opts: PortOptions,
    state: Mutex<State>,
    /// Ends a wait for an answer when the client is closed.
    waker: Waker,
    /// `verify`/`logout` answers that were not `true` or `false`.
    non_boolean: AtomicU64,
    /// Asked every 10 ms while a call waits, when set.
    keep_waiting: Option<KeepWaiting>,
}

struct State {
    socket: Option<PortSocket>,
    next_id: u64,
}

impl Client {
    /// A client of the server at `addr` (e.g. `tcp://localhost:6900`) whose
    /// calls wait at most `timeout_ms` for an answer (`-1` forever: only for
    /// servers you trust to answer). Connecting is lazy and never blocks, but
    /// the address is checked now.
    pub fn new(addr: &str, timeout_ms: i32) -> Result<Self> {
        Self::with_options(addr, timeout_ms, &PortOptions::default())
    }

    /// Like [`Client::new`] with socket options: CURVE (a client of the
    /// server's public key) and the maximum reply size are used; linger is
    /// always 0 (an unanswered request is never kept).
    pub fn with_options(addr: &str, timeout_ms: i32, opts: &PortOptions) -> Result<Self> {
        if timeout_ms < -1 {
            return Err(Error::invalid(format!(
                "timeout_ms {timeout_ms} is invalid (-1 waits forever, n >= 0 waits n ms)"
            )));
        }
        let client = Client {
            addr: addr.to_owned(),
            timeout_ms,
            opts: PortOptions {
                linger_ms: 0,
                ..opts.clone()
            },
            state: Mutex::new(State {
                socket: None,
                next_id: 1,
            }),
            waker: Waker::new()?,
            non_boolean: AtomicU64::new(0),
            keep_waiting: None,
        };
        let mut state = client.lock();
        state.socket = Some(client.connect()?);
        drop(state);
        Ok(client)
    }

    /// The same client, whose calls ask `keep_waiting` every 10 ms while they
    /// wait for an answer (never when the answer is already there): `false`
    /// ends the call with `Interrupted`, and the socket is replaced as after
    /// a timeout. For a caller that must react to something while it waits,
    /// such as an interpreter running its signal handlers. The check runs on
    /// the calling thread, with the client's lock held: it must not call
    /// this client.
    pub fn with_keep_waiting(
        mut self,
        keep_waiting: impl Fn() -> bool + Send + Sync + 'static,
    ) -> Self {
        self.keep_waiting = Some(Box::new(keep_waiting));
        self
    }

    /// Calls `method` with `params` and returns the result. The request id is
    /// a fresh number per call.
    ///
    /// Errors: `Timeout` (naming the address) when no answer came in time —
    /// the socket is then replaced so the next call works once the server is
    /// back; `Remote` when the server answered an error; `Protocol` when the
    /// answer is not a JSON-RPC reply.
    pub fn call(&self, method: &str, params: Value) -> Result<Value> {
        let mut state = self.lock();
        let id = json!(state.next_id);
        state.next_id += 1;
        self.exchange(&mut state, method, params, id)
    }

    /// `verify(session_id)`, sent exactly as the original client sends it
    /// (`"params": "<session_id>", "id": "1"`). True if the server confirms.
    ///
    /// The answer is read as the original reads it, by Python's truthiness:
    /// an authorization service written for the original may answer `1`,
    /// `"yes"` or a non-empty list for true, and `null`, `0`, `""`, `[]` or
    /// `{}` for false. Such answers are counted
    /// ([`Client::non_boolean_answers`]) and the first one is logged.
    pub fn verify(&self, session_id: &str) -> Result<bool> {
        let result = self.call_with_id(VERIFY, json!(session_id), "1")?;
        Ok(self.answer_truth(VERIFY, &result))
    }

    /// How many `verify`/`logout` answers were not a JSON boolean (and were
    /// read by Python's truthiness).
    pub fn non_boolean_answers(&self) -> u64 {
        self.non_boolean.load(Ordering::Relaxed)
    }

    /// A `verify`/`logout` answer by Python's truthiness, counting (and the
    /// first time logging) one that is not a boolean. The log names the
    /// answer's type only, never its value.
    fn answer_truth(&self, method: &str, result: &Value) -> bool {
        if let Value::Bool(b) = result {
            return *b;
        }
        let truth = truthy(result);
        if self.non_boolean.fetch_add(1, Ordering::Relaxed) == 0 {
            log::warn!(
                "zil: rpc '{method}' at '{}' answered {}, not true or false; read as {truth} by Python's truthiness like the original (logged once per client)",
                self.addr,
                type_name(result)
            );
        }
        truth
    }

    /// One pipelined `verify` answer, `["", reply]` as a DEALER reads it
    /// (see `pipeline.rs`).
    pub(super) fn pipelined_answer(&self, dealer: &PortSocket, frames: &[Vec<u8>]) -> Result<bool> {
        let [delimiter, reply] = frames else {
            return Err(Error::new(
                ErrorKind::Protocol,
                format!(
                    "rpc 'verify' at '{}': reply has {} frames, expected 1",
                    self.addr,
                    frames.len().saturating_sub(1)
                ),
            ));
        };
        if !delimiter.is_empty() {
            return Err(Error::new(
                ErrorKind::Protocol,
                format!(
                    "rpc 'verify' at '{}': reply without the REP envelope",
                    self.addr
                ),
            ));
        }
        self.check_reply_size(dealer, VERIFY, reply.len())?;
        let result = self.outcome(VERIFY, reply, &json!("1"))?;
        Ok(self.answer_truth(VERIFY, &result))
    }

    /// How long a call waits for an answer, in ms (`-1` forever).
    pub(super) fn timeout_ms(&self) -> i32 {
        self.timeout_ms
    }

    /// `get_token()`, sent as the original does (`"params": {}, "id": "2"`).
    /// `None` when the server answers `null`.
    pub fn get_token(&self) -> Result<Option<String>> {
        match self.call_with_id(GET_TOKEN, json!({}), "2")? {
            Value::Null => Ok(None),
            Value::String(token) => Ok(Some(token)),
            other => Err(unexpected(GET_TOKEN, &other, "a string or null")),
        }
    }

    /// `logout(token)`, sent as the original does (`"params": "<token>",
    /// "id": "3"`). True if the server confirms; the answer is read by
    /// Python's truthiness like [`Client::verify`]'s.
    pub fn logout(&self, token: &str) -> Result<bool> {
        let result = self.call_with_id(LOGOUT, json!(token), "3")?;
        Ok(self.answer_truth(LOGOUT, &result))
    }

    /// Closes the client, from any thread: a call waiting for its answer
    /// now returns `Closed` at once, and so does every later call. Final.
    /// For a client shared between threads that is about to be dropped;
    /// `zil_rpc_client_free` calls it.
    pub fn close(&self) {
        self.waker.close();
    }

    /// The server address.
    pub fn addr(&self) -> &str {
        &self.addr
    }

    fn call_with_id(&self, method: &str, params: Value, id: &str) -> Result<Value> {
        let mut state = self.lock();
        self.exchange(&mut state, method, params, json!(id))
    }

    fn exchange(&self, state: &mut State, method: &str, params: Value, id: Value) -> Result<Value> {
        // A call that waited for its turn while the client was closed sends
        // nothing.
        if self.waker.is_closed() {
            return Err(self.closed(method));
        }
        let text = request(method, &params, &id);
        let socket = match state.socket.take() {
            Some(socket) => socket,
            None => self.connect()?,
        };
        // Keep the socket only when the exchange completed: a REQ socket that
        // sent without receiving cannot send again (lazy pirate).
        let reply = self.round_trip(&socket, method, &text)?;
        let size = self.check_reply_size(&socket, method, reply.len());
        state.socket = Some(socket);
        size?;
        self.outcome(method, &reply, &id)
    }

    /// What a reply to a request with `id` says: the result, or an error.
    fn outcome(&self, method: &str, reply: &[u8], id: &Value) -> Result<Value> {
        let (outcome, reply_id) = parse_reply(reply).map_err(|why| {
            Error::new(
                ErrorKind::Protocol,
                format!("rpc '{method}' at '{}': {why}", self.addr),
            )
        })?;
        if reply_id != *id && !reply_id.is_null() {
            return Err(Error::new(
                ErrorKind::Protocol,
                format!(
                    "rpc '{method}' at '{}': reply id {reply_id} does not match {id}",
                    self.addr
                ),
            ));
        }
        match outcome {
            Outcome::Result(value) => Ok(value),
            Outcome::RemoteError(text) => Err(Error::new(
                ErrorKind::Remote,
                format!("rpc '{method}' at '{}' failed: {text}", self.addr),
            )),
        }
    }

    fn round_trip(&self, socket: &zmq::Socket, method: &str, text: &str) -> Result<Vec<u8>> {
        // Polls next to the waker rather than blocking calls: closing the
        // client from another thread must end the wait.
        let deadline = Deadline::after_ms(self.timeout_ms).started();
        self.send_within(socket, method, &[text.as_bytes()], &deadline)?;
        self.wait_turn(socket, method, zmq::POLLIN, &deadline)?;
        let mut frames = socket.recv_multipart(zmq::DONTWAIT).map_err(|e| {
            Error::zmq(
                format!("rpc '{method}': cannot receive from '{}'", self.addr),
                e,
            )
        })?;
        if frames.len() != 1 {
            return Err(Error::new(
                ErrorKind::Protocol,
                format!(
                    "rpc '{method}' at '{}': reply has {} frames, expected 1",
                    self.addr,
                    frames.len()
                ),
            ));
        }
        Ok(frames.pop().unwrap_or_default())
    }

    /// `Protocol` for a reply of `len` bytes over the socket's
    /// `max_msg_size` (libzmq lets up to twice it through).
    fn check_reply_size(&self, socket: &PortSocket, method: &str, len: usize) -> Result<()> {
        let limit = socket.frame_limit();
        if len <= limit {
            return Ok(());
        }
        Err(Error::new(
            ErrorKind::Protocol,
            format!(
                "rpc '{method}' at '{}': the reply of {len} bytes is over max_msg_size ({limit} bytes)",
                self.addr
            ),
        ))
    }

    /// Sends `frames` as one message without blocking; when the socket
    /// cannot queue it (a REQ or DEALER whose connection libzmq dropped for
    /// good: a refused CURVE handshake, an oversized reply), waits for that
    /// at most until `deadline` and tries again. The common case costs no
    /// poll.
    fn send_within(
        &self,
        socket: &zmq::Socket,
        method: &str,
        frames: &[&[u8]],
        deadline: &Deadline,
    ) -> Result<()> {
        loop {
            match socket.send_multipart(frames, zmq::DONTWAIT) {
                Ok(()) => return Ok(()),
                Err(zmq::Error::EAGAIN) | Err(zmq::Error::EINTR) => {
                    self.wait_turn(socket, method, zmq::POLLOUT, deadline)?
                }
                Err(e) => {
                    return Err(Error::zmq(
                        format!("rpc '{method}': cannot send to '{}'", self.addr),
                        e,
                    ))
                }
            }
        }
    }

    /// Waits until `socket` can send the request (`zmq::POLLOUT`) or has
    /// the answer (`zmq::POLLIN`) to `method`, until the call's `deadline`;
    /// a signal (EINTR) does not end the wait. `Timeout` naming the address,
    /// or `Closed` when the client was closed meanwhile.
    fn wait_turn(
        &self,
        socket: &zmq::Socket,
        method: &str,
        events: zmq::PollEvents,
        deadline: &Deadline,
    ) -> Result<()> {
        let poll = |until: &Deadline| {
            self.waker
                .wait_ready(socket, events, until)
                .map_err(|e| Error::zmq(format!("rpc '{method}': cannot poll '{}'", self.addr), e))
        };
        let wait = match &self.keep_waiting {
            None => poll(deadline)?,
            Some(keep_waiting) => loop {
                let left = deadline.remaining_ms();
                let slice = match left {
                    l if l < 0 => KEEP_WAITING_EVERY_MS,
                    l => l.min(KEEP_WAITING_EVERY_MS),
                };
                match poll(&Deadline::after_ms(slice as i32))? {
                    Wait::TimedOut if deadline.remaining_ms() != 0 => {}
                    done => break done,
                }
                if !keep_waiting() {
                    return Err(Error::new(
                        ErrorKind::Interrupted,
                        format!(
                            "rpc '{method}' at '{}': interrupted while waiting for the answer",
                            self.addr
                        ),
                    ));
                }
            },
        };
        match wait {
            Wait::Ready => Ok(()),
            Wait::Woken => Err(self.closed(method)),
            Wait::TimedOut => {
                log::warn!(
                    "zil: rpc '{method}' at '{}' timed out after {} ms; reconnecting",
                    self.addr,
                    self.timeout_ms
                );
                Err(Error::new(
                    ErrorKind::Timeout,
                    format!(
                        "rpc '{method}': no answer from '{}' within {} ms",
                        self.addr, self.timeout_ms
                    ),
                ))
            }
        }
    }

    fn closed(&self, method: &str) -> Error {
        Error::closed(format_args!("rpc '{method}' at '{}'", self.addr), "client")
    }

    fn connect(&self) -> Result<PortSocket> {
        self.connect_as(zmq::SocketType::REQ)
    }

    pub(super) fn connect_as(&self, kind: zmq::SocketType) -> Result<PortSocket> {
        port_socket::open(
            kind,
            &self.addr,
            &self.opts,
            Attach::Connect,
            port_socket::Drops::Ignored,
        )
    }

    fn lock(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }
}

fn unexpected(method: &str, got: &Value, expected: &str) -> Error {
    Error::new(
        ErrorKind::Protocol,
        format!("rpc '{method}' answered {got}, expected {expected}"),
    )
}
