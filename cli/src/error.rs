//! Exit codes and the one-line errors of the `zil` tool.

use std::process::ExitCode;
use zil::ErrorKind;

/// How `zil` exits; the numbers are documented in `--help` and main.rs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Exit {
    /// Success.
    Ok = 0,
    /// A failure: libzmq, I/O, a peer that breaks the wire format.
    Failure = 1,
    /// Bad arguments: usage, a malformed address, params that are not JSON.
    Usage = 2,
    /// Nothing (or not enough) arrived before the deadline.
    Timeout = 3,
    /// The RPC server answered with an error.
    Remote = 4,
}

impl From<Exit> for ExitCode {
    fn from(exit: Exit) -> Self {
        ExitCode::from(exit as u8)
    }
}

/// An error that ends the program: the exit code and the line to print.
#[derive(Debug)]
pub struct CliError {
    pub exit: Exit,
    pub message: String,
}

/// What a subcommand returns.
pub type CliResult = Result<Exit, CliError>;

impl CliError {
    pub fn new(exit: Exit, message: impl Into<String>) -> Self {
        CliError {
            exit,
            message: message.into(),
        }
    }

    pub fn usage(message: impl Into<String>) -> Self {
        Self::new(Exit::Usage, message)
    }

    pub fn failure(message: impl Into<String>) -> Self {
        Self::new(Exit::Failure, message)
    }

    /// Prints `zil: <message>` on stderr, as one line.
    pub fn print(&self) {
        let line = self.message.replace(['\n', '\r'], " ");
        eprintln!("zil: {line}");
    }
}

/// The exit code for an error of the library.
pub fn exit_for(kind: ErrorKind) -> Exit {
    match kind {
        ErrorKind::InvalidArgument | ErrorKind::NullArgument => Exit::Usage,
        ErrorKind::Timeout => Exit::Timeout,
        ErrorKind::Remote | ErrorKind::Unauthorized => Exit::Remote,
        _ => Exit::Failure,
    }
}

impl From<zil::Error> for CliError {
    fn from(err: zil::Error) -> Self {
        CliError::new(exit_for(err.kind()), err.message())
    }
}

/// Adds what zil was doing in front of a library error, e.g.
/// `sub: invalid endpoint 'nope': cannot connect: …`.
pub trait Context<T> {
    fn context(self, what: &str) -> Result<T, CliError>;
}

impl<T> Context<T> for zil::Result<T> {
    fn context(self, what: &str) -> Result<T, CliError> {
        self.map_err(|err| CliError::new(exit_for(err.kind()), format!("{what}: {err}")))
    }
}

impl<T> Context<T> for std::io::Result<T> {
    fn context(self, what: &str) -> Result<T, CliError> {
        self.map_err(|err| CliError::failure(format!("{what}: {err}")))
    }
}
