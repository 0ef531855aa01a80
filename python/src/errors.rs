//! zil's errors as Python exceptions. The exception classes live in
//! `zil/errors.py` (so they can also derive from Python's own
//! `TimeoutError`, `ValueError` …); this module picks the class for each
//! [`ErrorKind`] and raises it with zil's message.

use pyo3::exceptions::PyRuntimeError;
use pyo3::prelude::*;
use pyo3::sync::PyOnceLock;
use pyo3::types::PyType;
use zil::{Error, ErrorKind};

/// Turns a zil error into the matching `zil.errors` exception.
pub(crate) fn to_py(err: Error) -> PyErr {
    static TIMEOUT: PyOnceLock<Py<PyType>> = PyOnceLock::new();
    static INTERRUPTED: PyOnceLock<Py<PyType>> = PyOnceLock::new();
    static CLOSED: PyOnceLock<Py<PyType>> = PyOnceLock::new();
    static INVALID: PyOnceLock<Py<PyType>> = PyOnceLock::new();
    static PROTOCOL: PyOnceLock<Py<PyType>> = PyOnceLock::new();
    static REMOTE: PyOnceLock<Py<PyType>> = PyOnceLock::new();
    static UNAUTHORIZED: PyOnceLock<Py<PyType>> = PyOnceLock::new();
    static ZMQ: PyOnceLock<Py<PyType>> = PyOnceLock::new();
    static OTHER: PyOnceLock<Py<PyType>> = PyOnceLock::new();
    let (cell, name) = match err.kind() {
        ErrorKind::Timeout => (&TIMEOUT, "Timeout"),
        ErrorKind::Interrupted => (&INTERRUPTED, "Interrupted"),
        ErrorKind::Closed => (&CLOSED, "Closed"),
        ErrorKind::InvalidArgument | ErrorKind::NullArgument => (&INVALID, "InvalidArgument"),
        ErrorKind::Protocol => (&PROTOCOL, "ProtocolError"),
        ErrorKind::Remote => (&REMOTE, "RemoteError"),
        ErrorKind::Unauthorized => (&UNAUTHORIZED, "Unauthorized"),
        ErrorKind::Zmq => (&ZMQ, "ZmqError"),
        ErrorKind::NotSupported | ErrorKind::Panic => (&OTHER, "ZilError"),
    };
    // Each class is imported once, on its first use.
    Python::attach(|py| match cell.import(py, "zil.errors", name) {
        Ok(class) => PyErr::from_type(class.clone(), err.message().to_owned()),
        Err(import_failed) => {
            let fallback = PyRuntimeError::new_err(err.message().to_owned());
            fallback.set_cause(py, Some(import_failed));
            fallback
        }
    })
}

/// The `Closed` error of a handle used after `close()`.
pub(crate) fn closed(what: &str) -> PyErr {
    to_py(Error::new(
        ErrorKind::Closed,
        format!("the {what} is closed"),
    ))
}

/// Shorthand: a zil result as a Python result.
pub(crate) trait IntoPy<T> {
    /// Converts the error, if any, with [`to_py`].
    fn py_err(self) -> PyResult<T>;
}

impl<T> IntoPy<T> for zil::Result<T> {
    fn py_err(self) -> PyResult<T> {
        self.map_err(to_py)
    }
}
