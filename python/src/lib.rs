//! zil for Python: the extension module `zil._zil`, a thin PyO3 layer over
//! zil's safe Rust API (not its C ABI). The Python packages `zil` (the
//! Pythonic API) and `zmq_integration_lib` (a drop-in for the original)
//! are written over it in `pysrc/`.
//!
//! Every blocking call releases the GIL while it waits and honours Ctrl-C
//! (`blocking.rs`); zil's errors become the exceptions of `zil.errors`
//! (`errors.rs`); nothing here panics into Python.

mod blocking;
mod convert;
mod errors;
mod handle;
mod options;
mod publish;
mod receive;
mod rpc;
mod rpc_handler;
mod session;
mod stream;

use pyo3::prelude::*;

/// The extension module behind `zil`.
#[pymodule]
fn _zil(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add("VERSION", zil::VERSION)?;
    m.add_class::<stream::PyOutport>()?;
    m.add_class::<stream::PyInport>()?;
    m.add_class::<session::PyOutpad>()?;
    m.add_class::<session::PyInpad>()?;
    m.add_class::<rpc::PyRpcServer>()?;
    m.add_class::<rpc::PyRpcClient>()?;
    Ok(())
}
