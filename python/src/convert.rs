//! Conversions between zil's values and Python objects: received messages,
//! counters, and JSON (through Python's own `json` module, so RPC params
//! and results become exactly what the original's `json.loads` gives).

use pyo3::exceptions::PyTypeError;
use pyo3::prelude::*;
use pyo3::pybacked::PyBackedBytes;
use pyo3::sync::PyOnceLock;
use pyo3::types::{PyBytes, PyDict, PyMemoryView, PyTuple};
use serde_json::Value;
use zil::stream::Message;

/// The bytes of a payload: `bytes` and `bytearray` as they are; any other
/// object with the buffer protocol (memoryview, `array.array`, a NumPy
/// array, in any layout and item type) copied once, as
/// `memoryview(data).tobytes()` gives them. pyzmq, and so the original,
/// sends such objects too.
pub(crate) fn payload(data: &Bound<'_, PyAny>) -> PyResult<PyBackedBytes> {
    if let Ok(bytes) = data.extract::<PyBackedBytes>() {
        return Ok(bytes);
    }
    let view = PyMemoryView::from(data).map_err(|_| {
        let kind = data
            .get_type()
            .name()
            .map_or_else(|_| "?".to_owned(), |n| n.to_string());
        PyTypeError::new_err(format!(
            "data must be bytes, bytearray or an object with the buffer protocol \
             (memoryview, array.array, a NumPy array), not {kind}"
        ))
    })?;
    Ok(view.call_method0("tobytes")?.extract::<PyBackedBytes>()?)
}

/// A received message as the original's generators yield it:
/// `(data: bytes, event: str | None)`.
pub(crate) fn message<'py>(py: Python<'py>, msg: &Message) -> PyResult<Bound<'py, PyTuple>> {
    (PyBytes::new(py, msg.data()), msg.event()).into_pyobject(py)
}

/// A message with its topic: `(topic, data, event)`.
pub(crate) fn message_with_topic<'py>(
    py: Python<'py>,
    msg: &Message,
) -> PyResult<Bound<'py, PyTuple>> {
    (msg.topic(), PyBytes::new(py, msg.data()), msg.event()).into_pyobject(py)
}

/// A message of an inpad with its session: `(data, event, session_id)`.
pub(crate) fn message_with_session<'py>(
    py: Python<'py>,
    msg: &Message,
) -> PyResult<Bound<'py, PyTuple>> {
    (PyBytes::new(py, msg.data()), msg.event(), msg.session_id()).into_pyobject(py)
}

/// Counters as a `dict` of name → int.
pub(crate) fn counters<'py>(
    py: Python<'py>,
    fields: &[(&str, u64)],
) -> PyResult<Bound<'py, PyDict>> {
    let dict = PyDict::new(py);
    for (name, value) in fields {
        dict.set_item(name, value)?;
    }
    Ok(dict)
}

/// The counters of a port.
pub(crate) fn stats<'py>(py: Python<'py>, s: &zil::Stats) -> PyResult<Bound<'py, PyDict>> {
    counters(
        py,
        &[
            ("messages_sent", s.messages_sent),
            ("messages_received", s.messages_received),
            ("messages_rejected", s.messages_rejected),
            ("messages_oversized", s.messages_oversized),
            ("messages_filtered", s.messages_filtered),
            ("messages_dropped", s.messages_dropped),
            ("bytes_sent", s.bytes_sent),
            ("bytes_received", s.bytes_received),
            ("peers_refused", s.peers_refused),
            ("peers_dropped", s.peers_dropped),
        ],
    )
}

/// A JSON value as the Python object `json.loads` makes of it.
pub(crate) fn json_to_py<'py>(py: Python<'py>, value: &Value) -> PyResult<Bound<'py, PyAny>> {
    static LOADS: PyOnceLock<Py<PyAny>> = PyOnceLock::new();
    LOADS
        .import(py, "json", "loads")?
        .call1((value.to_string(),))
}

/// A Python object as JSON, through `json.dumps` (so exactly what the
/// original would send); a `TypeError` names what cannot be serialized.
pub(crate) fn py_to_json(py: Python<'_>, obj: &Bound<'_, PyAny>) -> PyResult<Value> {
    static DUMPS: PyOnceLock<Py<PyAny>> = PyOnceLock::new();
    let text: String = DUMPS
        .import(py, "json", "dumps")?
        .call1((obj,))?
        .extract()?;
    serde_json::from_str(&text).map_err(|e| {
        pyo3::exceptions::PyValueError::new_err(format!("json.dumps gave invalid JSON: {e}"))
    })
}
