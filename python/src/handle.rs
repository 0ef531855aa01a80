//! Closable handles. A Python object keeps its zil object in a [`Slot`]
//! that `close()` (or the end of a `with` block) empties, so the socket is
//! released then, not whenever the garbage collector gets to it.

use crate::errors;
use pyo3::PyResult;
use std::sync::{Arc, RwLock};

/// A zil object that can be closed from any thread: its blocking calls in
/// other threads end promptly.
pub(crate) trait Close: Send + Sync {
    /// Closes for good (the zil object's own `close`).
    fn close(&self);
}

/// The zil object of a Python handle, until it is closed.
pub(crate) struct Slot<T> {
    inner: RwLock<Option<Arc<T>>>,
    /// What the handle is, for the `Closed` error ("port", "client" …).
    what: &'static str,
}

impl<T: Close> Slot<T> {
    pub(crate) fn new(what: &'static str, value: T) -> Self {
        Slot {
            inner: RwLock::new(Some(Arc::new(value))),
            what,
        }
    }

    /// The object, or `zil.Closed` once the handle was closed. The `Arc`
    /// lets a blocking call go on without holding the slot.
    pub(crate) fn get(&self) -> PyResult<Arc<T>> {
        let inner = self.inner.read().unwrap_or_else(|p| p.into_inner());
        inner.clone().ok_or_else(|| errors::closed(self.what))
    }

    /// Closes the object (ending blocking calls in other threads) and
    /// empties the slot; the object is dropped by whoever holds it last.
    /// Returns it so the caller can drop it without the GIL. A second call
    /// is a no-op.
    pub(crate) fn take(&self) -> Option<Arc<T>> {
        let taken = self.inner.write().unwrap_or_else(|p| p.into_inner()).take();
        if let Some(obj) = &taken {
            obj.close();
        }
        taken
    }
}

/// Implements [`Close`] by the type's own `close` method.
macro_rules! close_by_method {
    ($($ty:ty),*) => {$(
        impl Close for $ty {
            fn close(&self) {
                <$ty>::close(self)
            }
        }
    )*};
}

close_by_method!(
    zil::stream::Outport,
    zil::stream::Inport,
    zil::session::Outpad,
    zil::session::Inpad,
    zil::rpc::Client
);

impl Close for zil::rpc::Server {
    fn close(&self) {
        // Ends an idle serving loop at once; a handler in progress finishes
        // first, and dropping the server waits for it.
        let _ = self.stop(0);
    }
}

/// Gives a Python handle class whose zil object is in the [`Slot`] field
/// `$slot` its `close()` and the context-manager protocol (`with` closes).
#[macro_export]
macro_rules! closable {
    ($class:ty, $slot:ident) => {
        #[pyo3::pymethods]
        impl $class {
            /// Closes the handle for good: its socket is released, a call
            /// blocked in another thread ends (`zil.Closed`; an iteration
            /// stops). A second close is a no-op.
            fn close(&self, py: pyo3::Python<'_>) {
                let taken = self.$slot.take();
                // Dropping may wait for zil's threads: not with the GIL.
                py.detach(|| drop(taken));
            }

            fn __enter__(slf: pyo3::Py<Self>) -> pyo3::Py<Self> {
                slf
            }

            #[pyo3(signature = (*_exc))]
            fn __exit__(&self, py: pyo3::Python<'_>, _exc: &pyo3::Bound<'_, pyo3::types::PyTuple>) {
                self.close(py);
            }
        }
    };
}
