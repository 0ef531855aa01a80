//! The receive side shared by input ports and inpads: a receive with a
//! timeout in seconds, and the iterator protocol (`for data, event in
//! port`), both interruptible by Ctrl-C.

use crate::blocking;
use crate::convert;
use crate::errors::to_py;
use pyo3::exceptions::PyStopIteration;
use pyo3::prelude::*;
use pyo3::types::PyTuple;
use std::sync::Arc;
use zil::stream::Message;
use zil::ErrorKind;

/// How a handle receives one message (`Inport::recv`, `Inpad::recv`).
pub(crate) type RecvFn<P> = fn(&P, i32) -> zil::Result<Message>;

/// Receives one message within `timeout` seconds (`None`: forever).
pub(crate) fn recv_message<P: Send + Sync>(
    py: Python<'_>,
    handle: &Arc<P>,
    recv: RecvFn<P>,
    timeout: Option<f64>,
) -> PyResult<Message> {
    blocking::wait(py, timeout, |ms| recv(handle, ms))
}

/// `recv()`: `(data, event)`.
pub(crate) fn recv<'py, P: Send + Sync>(
    py: Python<'py>,
    handle: &Arc<P>,
    recv: RecvFn<P>,
    timeout: Option<f64>,
) -> PyResult<Bound<'py, PyTuple>> {
    let msg = recv_message(py, handle, recv, timeout)?;
    convert::message(py, &msg)
}

/// `__next__`: the next `(data, event)`, waiting forever; the iteration
/// ends (`StopIteration`) once the handle is closed.
pub(crate) fn next<'py, P: Send + Sync>(
    py: Python<'py>,
    handle: PyResult<Arc<P>>,
    recv: RecvFn<P>,
) -> PyResult<Bound<'py, PyTuple>> {
    let handle = handle.map_err(|_| PyStopIteration::new_err(()))?;
    match blocking::wait_raw(py, None, |ms| recv(&handle, ms))? {
        Ok(msg) => convert::message(py, &msg),
        Err(err) if err.kind() == ErrorKind::Closed => Err(PyStopIteration::new_err(())),
        Err(err) => Err(to_py(err)),
    }
}

/// Gives a Python handle class whose zil receiver (`$zil`: `Inport` or
/// `Inpad`) is in the slot `$slot` its `recv`, `wake` and the iterator
/// protocol.
#[macro_export]
macro_rules! receiving {
    ($class:ty, $slot:ident, $zil:ty) => {
        #[pyo3::pymethods]
        impl $class {
            /// The next message, `(data, event)`, waiting at most `timeout`
            /// seconds (`None`: forever; Ctrl-C interrupts). Raises
            /// `zil.Timeout`, `zil.Interrupted` (after `wake()`) or
            /// `zil.Closed`.
            #[pyo3(signature = (timeout=None))]
            fn recv<'py>(
                &self,
                py: pyo3::Python<'py>,
                timeout: Option<f64>,
            ) -> pyo3::PyResult<pyo3::Bound<'py, pyo3::types::PyTuple>> {
                $crate::receive::recv(py, &self.$slot.get()?, <$zil>::recv, timeout)
            }

            fn __iter__(slf: pyo3::Py<Self>) -> pyo3::Py<Self> {
                slf
            }

            /// The next `(data, event)`; the iteration ends when closed.
            fn __next__<'py>(
                &self,
                py: pyo3::Python<'py>,
            ) -> pyo3::PyResult<pyo3::Bound<'py, pyo3::types::PyTuple>> {
                $crate::receive::next(py, self.$slot.get(), <$zil>::recv)
            }

            /// Makes a `recv` blocked in another thread (or the next one)
            /// raise `zil.Interrupted` once.
            fn wake(&self) -> pyo3::PyResult<()> {
                self.$slot.get()?.wake();
                Ok(())
            }
        }
    };
}
