//! The sending side shared by output ports and outpads: pushes and the
//! wait for subscribers (the slow-joiner fix).

use crate::blocking;
use crate::errors::IntoPy;
use pyo3::prelude::*;
use pyo3::pybacked::PyBackedBytes;
use std::sync::Arc;
use zil::stream::Outport;

/// How a handle publishes one message (`Outport::push_while`,
/// `Outpad::push_while`).
pub(crate) type PushFn<P> = fn(&P, &[u8], Option<&str>, &dyn Fn() -> bool) -> zil::Result<()>;

/// Publishes `data` with `event`. A lossless port (`blocks`) may wait for
/// room, so it releases the GIL, and every 10 ms of waiting it takes the
/// GIL back to run Python's signal handlers: Ctrl-C ends the wait (the
/// message unsent) with `KeyboardInterrupt`. A default push never blocks
/// and keeps the GIL (releasing it would cost more than the push).
pub(crate) fn push<P: Send + Sync>(
    py: Python<'_>,
    handle: &P,
    push: PushFn<P>,
    blocks: bool,
    data: PyBackedBytes,
    event: Option<&str>,
) -> PyResult<()> {
    if !blocks {
        return push(handle, &data, event, &|| true).py_err();
    }
    blocking::detach_checking(py, || push(handle, &data, event, &blocking::no_signal))
}

/// Waits until `count` subscribers are connected, at most `timeout`
/// seconds (`None`: forever); returns how many there are.
pub(crate) fn wait_subscribers<P: Send + Sync>(
    py: Python<'_>,
    handle: &Arc<P>,
    port: fn(&P) -> &Outport,
    count: usize,
    timeout: Option<f64>,
) -> PyResult<usize> {
    blocking::wait(py, timeout, |ms| port(handle).wait_subscribers(count, ms))
}

/// Gives a Python handle class whose zil publisher (`$zil`: `Outport` or
/// `Outpad`, with `$port` the way to its `Outport`) is in the slot `$slot`
/// its `push`, `wait_subscribers`, `subscribers`, `endpoint` and `stats`.
/// The class has a `lossless` field: pushes may block.
#[macro_export]
macro_rules! publishing {
    ($class:ty, $slot:ident, $zil:ty, $port:expr) => {
        #[pyo3::pymethods]
        impl $class {
            /// Publishes `data` (bytes, bytearray, or any object with the
            /// buffer protocol: memoryview, array.array, a NumPy array) with
            /// `event` (`None`: sent as the frame `None`, like the original).
            #[pyo3(signature = (data, event=None))]
            fn push(
                &self,
                py: pyo3::Python<'_>,
                data: &pyo3::Bound<'_, pyo3::PyAny>,
                event: Option<&str>,
            ) -> pyo3::PyResult<()> {
                let handle = self.$slot.get()?;
                let data = $crate::convert::payload(data)?;
                $crate::publish::push(py, &*handle, <$zil>::push_while, self.lossless, data, event)
            }

            /// Waits until `count` subscribers of the topic are connected,
            /// at most `timeout` seconds (`None`: forever); returns their
            /// number or raises `zil.Timeout`.
            #[pyo3(signature = (count=1, timeout=None))]
            fn wait_subscribers(
                &self,
                py: pyo3::Python<'_>,
                count: usize,
                timeout: Option<f64>,
            ) -> pyo3::PyResult<usize> {
                $crate::publish::wait_subscribers(py, &self.$slot.get()?, $port, count, timeout)
            }

            /// Subscribers of the topic connected now.
            #[getter]
            fn subscribers(&self) -> pyo3::PyResult<usize> {
                let port: fn(&$zil) -> &zil::stream::Outport = $port;
                Ok(port(&*self.$slot.get()?).subscribers())
            }

            /// The address bound (an ephemeral `tcp://127.0.0.1:*` resolved).
            #[getter]
            fn endpoint(&self) -> pyo3::PyResult<String> {
                let port: fn(&$zil) -> &zil::stream::Outport = $port;
                Ok(port(&*self.$slot.get()?).endpoint().to_owned())
            }

            /// The port's counters, a dict.
            fn stats<'py>(
                &self,
                py: pyo3::Python<'py>,
            ) -> pyo3::PyResult<pyo3::Bound<'py, pyo3::types::PyDict>> {
                let port: fn(&$zil) -> &zil::stream::Outport = $port;
                $crate::convert::stats(py, &port(&*self.$slot.get()?).stats())
            }
        }
    };
}
