//! Opaque handles: each C handle type is a zero-sized struct that stands for
//! one boxed Rust object. These helpers are the only place pointers become
//! references, so no exported function open-codes `&*ptr`.

use crate::error::{Error, ErrorKind, Result};

/// Ties a C handle type to the Rust object behind it.
pub(crate) trait Handle {
    type Target;
}

/// Ties a C handle type (declared by hand, so that cbindgen sees it) to the
/// Rust object it stands for.
macro_rules! impl_handle {
    ($c:ident => $rust:ty) => {
        impl $crate::capi::handle::Handle for $c {
            type Target = $rust;
        }
    };
}

/// Moves `value` to the heap and returns its handle (to be freed by
/// [`free`]).
pub(crate) fn into_raw<H: Handle>(value: H::Target) -> *mut H {
    Box::into_raw(Box::new(value)).cast()
}

fn null(name: &str) -> Error {
    Error::new(
        ErrorKind::NullArgument,
        format!("argument '{name}' is NULL"),
    )
}

/// Borrows the object behind a handle; a NULL pointer is an error naming the
/// argument.
///
/// # Safety
/// `ptr` is NULL or a live handle of type `H` made by [`into_raw`].
pub(crate) unsafe fn borrow<'a, H: Handle>(ptr: *const H, name: &str) -> Result<&'a H::Target> {
    ptr.cast::<H::Target>().as_ref().ok_or_else(|| null(name))
}

/// Mutably borrows the object behind a handle.
///
/// # Safety
/// As [`borrow`], and no other reference to the object is alive.
pub(crate) unsafe fn borrow_mut<'a, H: Handle>(
    ptr: *mut H,
    name: &str,
) -> Result<&'a mut H::Target> {
    ptr.cast::<H::Target>().as_mut().ok_or_else(|| null(name))
}

/// Drops the object behind a handle; NULL is a no-op.
///
/// # Safety
/// `ptr` is NULL or a live handle made by [`into_raw`], not used afterwards.
pub(crate) unsafe fn free<H: Handle>(ptr: *mut H) {
    if !ptr.is_null() {
        drop(Box::from_raw(ptr.cast::<H::Target>()));
    }
}

/// A Rust object with its address as a C string, for the handles whose
/// `*_endpoint` function lends that string to C. Dereferences to the object.
pub struct WithEndpoint<T> {
    inner: T,
    endpoint: std::ffi::CString,
}

impl<T> WithEndpoint<T> {
    /// Pairs `inner` with `endpoint`.
    pub(crate) fn new(inner: T, endpoint: &str) -> Self {
        WithEndpoint {
            inner,
            endpoint: super::string::c_string(endpoint),
        }
    }

    /// The endpoint, NUL-terminated, living as long as `self`.
    pub(crate) fn endpoint_ptr(&self) -> *const std::ffi::c_char {
        self.endpoint.as_ptr()
    }
}

impl<T> std::ops::Deref for WithEndpoint<T> {
    type Target = T;

    fn deref(&self) -> &T {
        &self.inner
    }
}
