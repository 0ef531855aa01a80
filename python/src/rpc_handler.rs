//! Python callables as zil RPC handlers. A handler runs on the server's
//! thread with the GIL taken for the call only; it gets the request's
//! `params` (as `json.loads` gives them) when they are truthy and no
//! argument otherwise (the original's rule). Whatever it raises becomes a
//! JSON-RPC error reply, and the server goes on serving.

use crate::convert::{json_to_py, py_to_json};
use pyo3::prelude::*;
use pyo3::sync::PyOnceLock;
use pyo3::types::PyType;
use serde_json::Value;
use zil::rpc::{RpcError, INTERNAL_ERROR};

/// The zil handler that calls `handler` for `method`.
pub(crate) fn adapt(
    method: &str,
    handler: Py<PyAny>,
) -> impl Fn(Option<&Value>) -> Result<Value, RpcError> + Send + Sync + 'static {
    let method = method.to_owned();
    move |params| Python::attach(|py| call(py, &method, handler.bind(py), params))
}

fn call(
    py: Python<'_>,
    method: &str,
    handler: &Bound<'_, PyAny>,
    params: Option<&Value>,
) -> Result<Value, RpcError> {
    let answer = (|| {
        let params = params.map(|p| json_to_py(py, p)).transpose()?;
        let result = match params {
            Some(p) if p.is_truthy()? => handler.call1((p,))?,
            _ => handler.call0()?,
        };
        py_to_json(py, &result).map_err(|e| {
            let msg = format!("the handler of '{method}' returned a value JSON cannot hold: {e}");
            pyo3::exceptions::PyTypeError::new_err(msg)
        })
    })();
    answer.map_err(|err| rpc_error(py, method, &err))
}

/// The error reply for what a handler raised: a `zil.RpcError` keeps its
/// code and message; anything else is `-32603` naming the exception.
fn rpc_error(py: Python<'_>, method: &str, err: &PyErr) -> RpcError {
    static RPC_ERROR: PyOnceLock<Py<PyType>> = PyOnceLock::new();
    let value = err.value(py);
    let own = RPC_ERROR
        .import(py, "zil.errors", "RpcError")
        .ok()
        .filter(|class| value.is_instance(class).unwrap_or(false))
        .and_then(|_| {
            let code = value.getattr("code").ok()?.extract::<i64>().ok()?;
            let message = value.getattr("message").ok()?.extract::<String>().ok()?;
            Some(RpcError::new(code, message))
        });
    own.unwrap_or_else(|| {
        let kind = err
            .get_type(py)
            .name()
            .map(|n| n.to_string())
            .unwrap_or_else(|_| "exception".to_owned());
        RpcError::new(
            INTERNAL_ERROR,
            format!("the handler of '{method}' raised {kind}: {value}"),
        )
    })
}
