//! Pipelined `verify` calls that outlive a single receive: an inpad hands
//! its sessions in as messages arrive and takes the answers as they come,
//! in order, each receive waiting only as long as its own timeout allows.
//! Calls still unanswered when a receive's timeout ends go on, and the next
//! receive picks their answers up.
//!
//! The requests are the bytes [`Client::verify`] sends, over a DEALER: a
//! REP server (zil's or the Python original's) answers them one after the
//! other, in order. The RPC timeout bounds the server's silence, not a
//! batch: while answers keep coming, each within the timeout of the one
//! before (or of the request, for the first), the server is alive; a
//! silence longer than the timeout fails every outstanding call, and the
//! socket is replaced (lazy pirate).

use super::client::Client;
use super::methods::VERIFY;
use super::protocol::request;
use crate::deadline::Deadline;
use crate::error::{Error, ErrorKind, Result};
use crate::port_socket::PortSocket;
use crate::waker::{Wait, Waker};
use serde_json::json;
use std::collections::VecDeque;
use std::os::fd::RawFd;
use std::time::{Duration, Instant};

/// What [`VerifyPipeline::advance`] brought.
pub(crate) enum Progress {
    /// Answers to the oldest outstanding calls, in the order they were
    /// submitted (all of them, as errors, when the server fell silent).
    Answers(Vec<Result<bool>>),
    /// The caller's deadline passed first; the calls go on.
    TimedOut,
    /// The waker was woken or closed.
    Woken,
}

/// Outstanding `verify` calls of one inpad.
pub(crate) struct VerifyPipeline {
    dealer: Option<PortSocket>,
    /// Requests not yet taken by the socket (no connection yet).
    unsent: VecDeque<String>,
    /// Requests sent and not yet answered.
    in_flight: usize,
    /// When the server was last given work or gave an answer.
    progress: Instant,
}

impl VerifyPipeline {
    pub(crate) fn new() -> Self {
        VerifyPipeline {
            dealer: None,
            unsent: VecDeque::new(),
            in_flight: 0,
            progress: Instant::now(),
        }
    }

    /// Calls submitted and not yet answered.
    pub(crate) fn outstanding(&self) -> usize {
        self.unsent.len() + self.in_flight
    }

    /// Queues `verify(session_id)`; it goes out on the next
    /// [`VerifyPipeline::advance`].
    pub(crate) fn submit(&mut self, session_id: &str) {
        if self.outstanding() == 0 {
            self.progress = Instant::now();
        }
        self.unsent
            .push_back(request(VERIFY, &json!(session_id), &json!("1")));
    }

    /// How long until the server's silence fails the outstanding calls
    /// (`None` when none is outstanding, or the timeout is forever): an
    /// event loop's descriptor turns readable then.
    pub(crate) fn silence_left(&self, client: &Client) -> Option<Duration> {
        let ms = u64::try_from(client.timeout_ms()).ok()?;
        (self.outstanding() > 0).then(|| {
            (self.progress + Duration::from_millis(ms)).saturating_duration_since(Instant::now())
        })
    }

    /// The socket's `ZMQ_FD` (for an event loop's descriptor), once there
    /// is a socket.
    pub(crate) fn zmq_fd(&self) -> Option<RawFd> {
        self.dealer.as_ref().and_then(|d| d.get_fd().ok())
    }

    /// Sends what the socket takes, reads the answers that are there, and
    /// when neither moved waits for the socket until `deadline`, the
    /// server's silence passes `client`'s timeout, or `waker` is woken.
    pub(crate) fn advance(
        &mut self,
        client: &Client,
        deadline: &Deadline,
        waker: &Waker,
    ) -> Progress {
        if self.outstanding() == 0 {
            return Progress::Answers(Vec::new());
        }
        let dealer = match self.dealer.take() {
            Some(dealer) => dealer,
            None => match client.connect_as(zmq::SocketType::DEALER) {
                Ok(dealer) => dealer,
                Err(err) => return self.fail_all(&err),
            },
        };
        loop {
            if let Err(err) = self.send_queued(client, &dealer) {
                return self.fail_all(&err);
            }
            let answers = match self.read_answers(client, &dealer) {
                Ok(answers) => answers,
                Err(err) => return self.fail_all(&err),
            };
            if !answers.is_empty() {
                self.dealer = Some(dealer);
                return Progress::Answers(answers);
            }
            let silence_left = u64::try_from(client.timeout_ms()).ok().map(|ms| {
                (self.progress + Duration::from_millis(ms))
                    .saturating_duration_since(Instant::now())
            });
            if silence_left == Some(Duration::ZERO) {
                return self.fail_all(&Error::new(
                    ErrorKind::Timeout,
                    format!(
                        "rpc 'verify': no answer from '{}' within {} ms",
                        client.addr(),
                        client.timeout_ms()
                    ),
                ));
            }
            let caller_left = deadline.remaining_ms();
            if caller_left == 0 {
                self.dealer = Some(dealer);
                return Progress::TimedOut;
            }
            let silence_ms = silence_left.map(|d| d.as_micros().div_ceil(1000) as i64);
            let wait_ms = match (caller_left, silence_ms) {
                (c, None) => c,
                (c, Some(s)) if c < 0 => s,
                (c, Some(s)) => c.min(s),
            };
            let events = if self.in_flight > 0 {
                zmq::POLLIN
            } else {
                zmq::POLLOUT
            };
            let slice = Deadline::after_ms(i32::try_from(wait_ms).unwrap_or(i32::MAX));
            match waker.wait_ready(&dealer, events, &slice) {
                Ok(Wait::Ready) | Ok(Wait::TimedOut) => {}
                Ok(Wait::Woken) => {
                    self.dealer = Some(dealer);
                    return Progress::Woken;
                }
                Err(e) => {
                    return self.fail_all(&Error::zmq(
                        format!("rpc 'verify': cannot poll '{}'", client.addr()),
                        e,
                    ))
                }
            }
        }
    }

    /// Hands the socket the queued requests it takes without blocking.
    fn send_queued(&mut self, client: &Client, dealer: &PortSocket) -> Result<()> {
        while let Some(text) = self.unsent.front() {
            match dealer.send_multipart([&b""[..], text.as_bytes()], zmq::DONTWAIT) {
                Ok(()) => {
                    self.unsent.pop_front();
                    self.in_flight += 1;
                }
                Err(zmq::Error::EAGAIN) | Err(zmq::Error::EINTR) => return Ok(()),
                Err(e) => {
                    return Err(Error::zmq(
                        format!("rpc 'verify': cannot send to '{}'", client.addr()),
                        e,
                    ))
                }
            }
        }
        Ok(())
    }

    /// The answers already queued on the socket.
    fn read_answers(&mut self, client: &Client, dealer: &PortSocket) -> Result<Vec<Result<bool>>> {
        let mut answers = Vec::new();
        while self.in_flight > 0 {
            match dealer.recv_multipart(zmq::DONTWAIT) {
                Ok(frames) => {
                    self.in_flight -= 1;
                    self.progress = Instant::now();
                    answers.push(client.pipelined_answer(dealer, &frames));
                }
                Err(zmq::Error::EAGAIN) => break,
                Err(zmq::Error::EINTR) => {}
                Err(e) => {
                    return Err(Error::zmq(
                        format!("rpc 'verify': cannot receive from '{}'", client.addr()),
                        e,
                    ))
                }
            }
        }
        Ok(answers)
    }

    /// Fails every outstanding call with `err` and lets the socket go (its
    /// late answers with it), so the next call starts afresh.
    fn fail_all(&mut self, err: &Error) -> Progress {
        let n = self.outstanding();
        self.unsent.clear();
        self.in_flight = 0;
        self.dealer = None;
        Progress::Answers(std::iter::repeat_n(Err(err.clone()), n).collect())
    }
}
