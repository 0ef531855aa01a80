//! Errors of the safe Rust API. The C layer maps each [`ErrorKind`] to a
//! `zil_result` code and the message to `zil_last_error()`.

use std::fmt;

/// What went wrong, coarse enough for a program to branch on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ErrorKind {
    /// An argument was out of range, malformed or not UTF-8.
    InvalidArgument,
    /// A required pointer argument was NULL (C API only).
    NullArgument,
    /// Nothing arrived (or no answer came) before the deadline.
    Timeout,
    /// A blocking call was woken up on purpose from another thread.
    Interrupted,
    /// A peer sent something that does not follow the wire format.
    Protocol,
    /// The remote RPC handler answered with an error.
    Remote,
    /// A session was not confirmed by the authorization service.
    Unauthorized,
    /// libzmq reported an error.
    Zmq,
    /// The object was stopped or closed.
    Closed,
    /// The operation is not available in this build or state.
    NotSupported,
    /// A Rust panic was caught at the C boundary.
    Panic,
}

/// An error with a human message that names its cause.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Error {
    kind: ErrorKind,
    message: String,
}

/// The result type of the safe API.
pub type Result<T> = std::result::Result<T, Error>;

impl Error {
    /// Builds an error of `kind` with `message`.
    pub fn new(kind: ErrorKind, message: impl Into<String>) -> Self {
        Error {
            kind,
            message: message.into(),
        }
    }

    /// An invalid-argument error.
    pub fn invalid(message: impl Into<String>) -> Self {
        Self::new(ErrorKind::InvalidArgument, message)
    }

    /// A libzmq error with the action that failed, e.g.
    /// `cannot bind to 'tcp://nope': Invalid argument (errno 22)`.
    pub fn zmq(action: impl fmt::Display, err: zmq::Error) -> Self {
        let kind = match err {
            zmq::Error::EINVAL | zmq::Error::EPROTONOSUPPORT | zmq::Error::ENOCOMPATPROTO => {
                ErrorKind::InvalidArgument
            }
            zmq::Error::ETERM | zmq::Error::ENOTSOCK => ErrorKind::Closed,
            _ => ErrorKind::Zmq,
        };
        Self::new(
            kind,
            format!("{action}: {} (errno {})", err.message(), err.to_raw()),
        )
    }

    /// A `Closed` error of a blocking `call` that ended because its
    /// `object` was closed (a C handle freed by another thread).
    pub(crate) fn closed(call: impl fmt::Display, object: &str) -> Self {
        Self::new(
            ErrorKind::Closed,
            format!("{call} ended: the {object} was closed (freed by another thread)"),
        )
    }

    /// What kind of error this is.
    pub fn kind(&self) -> ErrorKind {
        self.kind
    }

    /// The human message.
    pub fn message(&self) -> &str {
        &self.message
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for Error {}
