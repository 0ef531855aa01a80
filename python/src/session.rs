//! `zil.Outpad` and `zil.Inpad`: session-aware streaming (the envelope
//! `{"data": base64, "session_id": id}`, verified over RPC; WIRE.md).

use crate::convert;
use crate::errors::IntoPy;
use crate::handle::Slot;
use crate::options;
use crate::receive;
use pyo3::prelude::*;
use pyo3::types::{PyDict, PyTuple};
use zil::session::{Inpad, Outpad};
use zil::PortOptions;

/// An outpad: an output port whose payloads carry a session id. Its
/// session is its own (`session_id = ...`) or, when it has none, the one
/// the process's inpads saw last (the original's databus).
#[pyclass(frozen, module = "zil", name = "Outpad")]
pub(crate) struct PyOutpad {
    pad: Slot<Outpad>,
    lossless: bool,
}

#[pymethods]
impl PyOutpad {
    /// `Outpad(addr, topic, *, session_id=None, sndhwm=1000, linger=1.0,
    /// lossless_timeout=None)`, as `Outport`.
    #[new]
    #[pyo3(signature = (addr, topic, *, session_id=None, sndhwm=1000, linger=1.0, lossless_timeout=None))]
    fn new(
        addr: &str,
        topic: &str,
        session_id: Option<&str>,
        sndhwm: i32,
        linger: f64,
        lossless_timeout: Option<f64>,
    ) -> PyResult<Self> {
        let opts = options::sending(sndhwm, linger, lossless_timeout)?;
        let pad = Outpad::with_options(addr, topic, &opts).py_err()?;
        pad.set_session_id(session_id);
        Ok(PyOutpad {
            pad: Slot::new("outpad", pad),
            lossless: lossless_timeout.is_some(),
        })
    }

    /// The session id the next push carries (`None`: sent as `null`).
    #[getter]
    fn get_session_id(&self) -> PyResult<Option<String>> {
        Ok(self.pad.get()?.session_id())
    }

    /// Sets the outpad's own session id; `None` falls back to the process's.
    #[setter]
    fn set_session_id(&self, session_id: Option<&str>) -> PyResult<()> {
        self.pad.get()?.set_session_id(session_id);
        Ok(())
    }
}

crate::closable!(PyOutpad, pad);
crate::publishing!(PyOutpad, pad, Outpad, Outpad::port);

/// An inpad: receives the envelopes of `topic` at `addr`, asks the RPC
/// server at `rpc_addr` to `verify` each session, and hands out only the
/// payloads of confirmed sessions, `(data, event)`. A confirmation is
/// trusted for `cache_ttl` seconds (0: ask for every message, like the
/// original); `rpc_timeout` bounds the server's silence (then the waiting
/// messages are dropped: the inpad fails closed).
#[pyclass(frozen, module = "zil", name = "Inpad")]
pub(crate) struct PyInpad {
    pad: Slot<Inpad>,
}

#[pymethods]
impl PyInpad {
    /// `Inpad(addr, topic, rpc_addr, *, cache_ttl=1.0, rpc_timeout=1.0,
    /// prefix=False, rcvhwm=1000)`.
    #[new]
    #[pyo3(signature = (addr, topic, rpc_addr, *, cache_ttl=1.0, rpc_timeout=1.0, prefix=false, rcvhwm=1000))]
    fn new(
        addr: &str,
        topic: &str,
        rpc_addr: &str,
        cache_ttl: f64,
        rpc_timeout: f64,
        prefix: bool,
        rcvhwm: i32,
    ) -> PyResult<Self> {
        let ttl_ms = crate::blocking::timeout_ms(Some(cache_ttl))?;
        let opts = PortOptions {
            rpc_timeout_ms: crate::blocking::timeout_ms(Some(rpc_timeout))?,
            ..options::receiving(rcvhwm, prefix)
        };
        let pad = Inpad::with_options(addr, topic, rpc_addr, &opts).py_err()?;
        pad.set_cache_ttl(u64::try_from(ttl_ms).unwrap_or(0));
        Ok(PyInpad {
            pad: Slot::new("inpad", pad),
        })
    }

    /// Like `recv`, with the message's session: `(data, event, session_id)`.
    #[pyo3(signature = (timeout=None))]
    fn recv_with_session<'py>(
        &self,
        py: Python<'py>,
        timeout: Option<f64>,
    ) -> PyResult<Bound<'py, PyTuple>> {
        let msg = receive::recv_message(py, &self.pad.get()?, Inpad::recv, timeout)?;
        convert::message_with_session(py, &msg)
    }

    /// Makes this inpad pass the sessions it delivers to `outpad` only
    /// (instead of to every session-less outpad of the process).
    fn link(&self, outpad: &Bound<'_, PyOutpad>) -> PyResult<()> {
        let target = outpad.get().pad.get()?;
        self.pad.get()?.link(&target);
        Ok(())
    }

    /// The address connected to.
    #[getter]
    fn endpoint(&self) -> PyResult<String> {
        Ok(self.pad.get()?.port().endpoint().to_owned())
    }

    /// Delivery and drop counters, a dict.
    fn stats<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyDict>> {
        let s = self.pad.get()?.stats();
        convert::counters(
            py,
            &[
                ("delivered", s.delivered),
                ("dropped_bad_json", s.dropped_bad_json),
                ("dropped_missing_field", s.dropped_missing_field),
                ("dropped_bad_base64", s.dropped_bad_base64),
                ("dropped_no_session", s.dropped_no_session),
                ("dropped_unverified", s.dropped_unverified),
                ("dropped_rpc_failed", s.dropped_rpc_failed),
                ("verify_calls", s.verify_calls),
                ("cache_hits", s.cache_hits),
                ("dropped_oversized", s.dropped_oversized),
                ("peers_dropped", s.peers_dropped),
                ("dropped_rejected", s.dropped_rejected),
                ("dropped_filtered", s.dropped_filtered),
                ("dropped_session_too_long", s.dropped_session_too_long),
                ("verify_non_boolean", s.verify_non_boolean),
            ],
        )
    }
}

crate::closable!(PyInpad, pad);
crate::receiving!(PyInpad, pad, Inpad);
