//! `zil.RpcServer` and `zil.RpcClient`: JSON-RPC 2.0 over REQ/REP,
//! compatible with the original (WIRE.md, RPC section).

use crate::blocking::{self, timeout_ms};
use crate::convert::{json_to_py, py_to_json};
use crate::errors::IntoPy;
use crate::handle::Slot;
use crate::rpc_handler;
use pyo3::prelude::*;
use pyo3::types::PyDict;
use serde_json::Value;
use std::sync::{Condvar, Mutex};
use std::time::Duration;
use zil::rpc::{Client, Server};

/// A JSON-RPC server bound to `addr`. Handlers are Python callables; they
/// run one at a time on the server's thread. Malformed requests and
/// handlers that raise are answered with JSON-RPC errors; the server keeps
/// serving.
#[pyclass(frozen, module = "zil", name = "RpcServer")]
pub(crate) struct PyRpcServer {
    server: Slot<Server>,
    stopped: Stopped,
}

/// Set once the server was stopped: ends `run()`.
#[derive(Default)]
struct Stopped {
    flag: Mutex<bool>,
    changed: Condvar,
}

impl Stopped {
    fn set(&self) {
        *self.flag.lock().unwrap_or_else(|p| p.into_inner()) = true;
        self.changed.notify_all();
    }

    /// True once set; waits at most `slice` for it.
    fn wait(&self, slice: Duration) -> bool {
        let flag = self.flag.lock().unwrap_or_else(|p| p.into_inner());
        let (flag, _) = self
            .changed
            .wait_timeout_while(flag, slice, |stopped| !*stopped)
            .unwrap_or_else(|p| p.into_inner());
        *flag
    }
}

/// How often `run()` looks at Python's pending signals (Ctrl-C).
const SIGNAL_SLICE: Duration = Duration::from_millis(100);

#[pymethods]
impl PyRpcServer {
    /// `RpcServer(addr)`, e.g. `tcp://*:6900` or `tcp://127.0.0.1:*`.
    #[new]
    fn new(addr: &str) -> PyResult<Self> {
        Ok(PyRpcServer {
            server: Slot::new("server", Server::new(addr).py_err()?),
            stopped: Stopped::default(),
        })
    }

    /// Registers (or replaces) the handler of `method`: a callable that
    /// takes the params (when the request has truthy ones) and returns a
    /// JSON-serializable result. Raise `zil.RpcError(code, message)` for an
    /// error reply of your own.
    fn set_handler(&self, method: &str, handler: Py<PyAny>) -> PyResult<()> {
        self.server
            .get()?
            .set_handler(method, rpc_handler::adapt(method, handler));
        Ok(())
    }

    /// Removes the handler of `method`; true if there was one.
    fn remove_handler(&self, method: &str) -> PyResult<bool> {
        Ok(self.server.get()?.remove_handler(method))
    }

    /// Serves on a background thread; returns at once.
    fn start(&self) -> PyResult<()> {
        self.server.get()?.start().py_err()
    }

    /// Serves until `stop()` or `close()` (from a handler or another
    /// thread) or Ctrl-C, which stops the server and raises
    /// `KeyboardInterrupt`.
    fn run(&self, py: Python<'_>) -> PyResult<()> {
        self.start()?;
        loop {
            if py.detach(|| self.stopped.wait(SIGNAL_SLICE)) {
                return Ok(());
            }
            if let Err(interrupt) = py.check_signals() {
                self.stop(py, Some(2.0))?;
                return Err(interrupt);
            }
        }
    }

    /// Stops serving: an idle loop ends at once, a handler in progress
    /// finishes first; waits at most `timeout` seconds for that.
    #[pyo3(signature = (timeout=Some(2.0)))]
    fn stop(&self, py: Python<'_>, timeout: Option<f64>) -> PyResult<()> {
        self.stopped.set();
        let ms = timeout_ms(timeout)?;
        let server = self.server.get()?;
        py.detach(|| server.stop(ms)).py_err()
    }

    /// The address bound (an ephemeral port resolved).
    #[getter]
    fn endpoint(&self) -> PyResult<String> {
        Ok(self.server.get()?.endpoint().to_owned())
    }

    /// The server's counters, a dict.
    fn stats<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyDict>> {
        let s = self.server.get()?.stats();
        crate::convert::counters(
            py,
            &[
                ("requests", s.requests),
                ("error_replies", s.error_replies),
                ("peers_refused", s.peers_refused),
                ("requests_oversized", s.requests_oversized),
            ],
        )
    }
}

crate::closable!(PyRpcServer, server);

/// A JSON-RPC client of the server at `addr`. Every call waits at most
/// `timeout` seconds for its answer (`None`: forever), then raises
/// `zil.Timeout`; the next call works once the server is back.
#[pyclass(frozen, module = "zil", name = "RpcClient")]
pub(crate) struct PyRpcClient {
    client: Slot<Client>,
}

#[pymethods]
impl PyRpcClient {
    /// `RpcClient(addr, *, timeout=5.0)`.
    #[new]
    #[pyo3(signature = (addr, *, timeout=Some(5.0)))]
    fn new(addr: &str, timeout: Option<f64>) -> PyResult<Self> {
        let client = Client::new(addr, timeout_ms(timeout)?)
            .py_err()?
            .with_keep_waiting(blocking::no_signal);
        Ok(PyRpcClient {
            client: Slot::new("client", client),
        })
    }

    /// Calls `method` with `params` (any JSON-serializable value) and
    /// returns the result. Raises `zil.RemoteError` when the server answers
    /// an error, `zil.Timeout`, or `zil.ProtocolError`.
    #[pyo3(signature = (method, params=None))]
    fn call<'py>(
        &self,
        py: Python<'py>,
        method: &str,
        params: Option<&Bound<'py, PyAny>>,
    ) -> PyResult<Bound<'py, PyAny>> {
        let params = params
            .map(|p| py_to_json(py, p))
            .transpose()?
            .unwrap_or(Value::Null);
        let client = self.client.get()?;
        let result = blocking::detach_checking(py, || client.call(method, params))?;
        json_to_py(py, &result)
    }

    /// `verify(session_id)` as the original sends it; true if confirmed.
    fn verify(&self, py: Python<'_>, session_id: &str) -> PyResult<bool> {
        let client = self.client.get()?;
        blocking::detach_checking(py, || client.verify(session_id))
    }

    /// `get_token()`: a token, or `None` when the server has none.
    fn get_token(&self, py: Python<'_>) -> PyResult<Option<String>> {
        let client = self.client.get()?;
        blocking::detach_checking(py, || client.get_token())
    }

    /// `logout(token)`; true if the server confirms.
    fn logout(&self, py: Python<'_>, token: &str) -> PyResult<bool> {
        let client = self.client.get()?;
        blocking::detach_checking(py, || client.logout(token))
    }

    /// The server address.
    #[getter]
    fn addr(&self) -> PyResult<String> {
        Ok(self.client.get()?.addr().to_owned())
    }
}

crate::closable!(PyRpcClient, client);
