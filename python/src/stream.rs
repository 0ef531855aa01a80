//! `zil.Outport` and `zil.Inport`: streaming mode (`[topic, data, event]`
//! over PUB/SUB, WIRE.md).

use crate::convert;
use crate::errors::IntoPy;
use crate::handle::Slot;
use crate::options;
use crate::receive;
use pyo3::prelude::*;
use pyo3::types::{PyDict, PyTuple};
use zil::stream::{Inport, Outport};

/// An output port: binds `addr` and publishes `(data, event)` on `topic`.
/// Thread-safe; a context manager (closing releases the address).
#[pyclass(frozen, module = "zil", name = "Outport")]
pub(crate) struct PyOutport {
    port: Slot<Outport>,
    lossless: bool,
}

#[pymethods]
impl PyOutport {
    /// `Outport(addr, topic, *, sndhwm=1000, linger=1.0, lossless_timeout=None)`:
    /// `lossless_timeout` (seconds) makes a push wait that long for a full
    /// subscriber instead of dropping the message for it.
    #[new]
    #[pyo3(signature = (addr, topic, *, sndhwm=1000, linger=1.0, lossless_timeout=None))]
    fn new(
        addr: &str,
        topic: &str,
        sndhwm: i32,
        linger: f64,
        lossless_timeout: Option<f64>,
    ) -> PyResult<Self> {
        let opts = options::sending(sndhwm, linger, lossless_timeout)?;
        let port = Outport::with_options(addr, topic, &opts).py_err()?;
        Ok(PyOutport {
            port: Slot::new("port", port),
            lossless: lossless_timeout.is_some(),
        })
    }
}

crate::closable!(PyOutport, port);
crate::publishing!(PyOutport, port, Outport, |p| p);

/// An input port: connects to `addr` and receives the messages of `topic`
/// (exactly that topic; `prefix=True` for every topic that starts with it).
/// Iterating yields `(data, event)` until the port is closed.
#[pyclass(frozen, module = "zil", name = "Inport")]
pub(crate) struct PyInport {
    port: Slot<Inport>,
}

#[pymethods]
impl PyInport {
    /// `Inport(addr, topic, *, prefix=False, rcvhwm=1000)`.
    #[new]
    #[pyo3(signature = (addr, topic, *, prefix=false, rcvhwm=1000))]
    fn new(addr: &str, topic: &str, prefix: bool, rcvhwm: i32) -> PyResult<Self> {
        let port =
            Inport::with_options(addr, topic, &options::receiving(rcvhwm, prefix)).py_err()?;
        Ok(PyInport {
            port: Slot::new("port", port),
        })
    }

    /// Like `recv`, with the topic: `(topic, data, event)` (useful with
    /// `prefix=True`).
    #[pyo3(signature = (timeout=None))]
    fn recv_with_topic<'py>(
        &self,
        py: Python<'py>,
        timeout: Option<f64>,
    ) -> PyResult<Bound<'py, PyTuple>> {
        let msg = receive::recv_message(py, &self.port.get()?, Inport::recv, timeout)?;
        convert::message_with_topic(py, &msg)
    }

    /// The address connected to.
    #[getter]
    fn endpoint(&self) -> PyResult<String> {
        Ok(self.port.get()?.endpoint().to_owned())
    }

    /// The port's counters, a dict.
    fn stats<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyDict>> {
        convert::stats(py, &self.port.get()?.stats())
    }
}

crate::closable!(PyInport, port);
crate::receiving!(PyInport, port, Inport);
