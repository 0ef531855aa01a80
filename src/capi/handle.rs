//! Opaque handles: each C handle type is a zero-sized struct that stands for
//! one Rust object on the heap. These helpers are the only place pointers
//! become references, so no exported function open-codes `&*ptr`.
//!
//! Three kinds of ownership:
//! - [`Boxed`]: the handle is the only owner; `*_free` drops the object.
//! - [`Lent`]: zil owns the object (on its own stack) and lends the handle
//!   to a C callback for the duration of the call; C never frees it and
//!   must not keep it ([`lend`]).
//! - [`Shared`]: for handles with blocking calls (receives, RPC calls, event
//!   waits, waits for subscribers). The handle is one reference of an `Arc`; a blocking call takes
//!   a reference of its own for its duration ([`hold`]: one atomic
//!   increment). `*_free` first [`Close`]s the object, which makes every
//!   call blocked in it return `Closed` promptly, then drops the handle's
//!   reference; the object (its socket) goes with the last one. So freeing
//!   a handle while another thread is blocked in it is defined; a call that
//!   *starts* after the free is still a use after free.

use crate::error::{Error, ErrorKind, Result};
use crate::monitor::Monitor;
use crate::rpc::Client;
use crate::session::{Inpad, Outpad};
use crate::stream::{Inport, Outport};
use std::ptr;
use std::sync::Arc;

/// Ties a C handle type to the Rust object behind it and to how the handle
/// owns it.
pub(crate) trait Handle {
    type Target;
    type Owner;
}

/// How a handle owns its object: makes the handle and frees it.
pub(crate) trait Owner<T> {
    fn into_raw(value: T) -> *mut T;
    /// # Safety
    /// `ptr` is a live pointer made by `into_raw` of this owner.
    unsafe fn free(ptr: *mut T);
}

/// The handle is a `Box`: the only owner.
pub(crate) enum Boxed {}

impl<T> Owner<T> for Boxed {
    fn into_raw(value: T) -> *mut T {
        Box::into_raw(Box::new(value))
    }

    unsafe fn free(ptr: *mut T) {
        drop(Box::from_raw(ptr));
    }
}

/// The handle is a loan: it points to an object zil owns, valid during the
/// one callback it is passed to. No `*_free`: it has no [`Owner`].
pub(crate) enum Lent {}

/// The ownership kinds whose handle is the only way to reach the object, so
/// C may change it through the handle ([`borrow_mut`]).
pub(crate) trait Exclusive {}
impl Exclusive for Boxed {}
impl Exclusive for Lent {}

/// The handle is one reference of an `Arc`, and blocking calls hold their
/// own; freeing closes the object first.
pub(crate) enum Shared {}

impl<T: Close> Owner<T> for Shared {
    fn into_raw(value: T) -> *mut T {
        Arc::into_raw(Arc::new(value)).cast_mut()
    }

    unsafe fn free(ptr: *mut T) {
        let object = Arc::from_raw(ptr.cast_const());
        object.close();
        drop(object);
    }
}

/// What freeing a [`Shared`] handle does before letting go of it: end the
/// calls blocked in it (they return `Closed`), and make later ones fail.
pub(crate) trait Close {
    fn close(&self);
}

/// `Close` for the safe types, each by its own `close` method.
macro_rules! close_by_method {
    ($($rust:ty),*) => {
        $(impl Close for $rust {
            fn close(&self) {
                <$rust>::close(self)
            }
        })*
    };
}
close_by_method!(Inport, Inpad, Outport, Outpad, Monitor, Client);

impl<T: Close> Close for WithEndpoint<T> {
    fn close(&self) {
        self.inner.close()
    }
}

/// Ties a C handle type (declared by hand, so that cbindgen sees it) to the
/// Rust object it stands for: boxed, `shared` or `lent` (see the module doc).
macro_rules! impl_handle {
    ($c:ident => shared $rust:ty) => {
        impl_handle!(@ $c => $rust, $crate::capi::handle::Shared);
    };
    ($c:ident => lent $rust:ty) => {
        impl_handle!(@ $c => $rust, $crate::capi::handle::Lent);
    };
    ($c:ident => $rust:ty) => {
        impl_handle!(@ $c => $rust, $crate::capi::handle::Boxed);
    };
    (@ $c:ident => $rust:ty, $owner:ty) => {
        impl $crate::capi::handle::Handle for $c {
            type Target = $rust;
            type Owner = $owner;
        }
    };
}

/// Moves `value` to the heap and returns its handle (to be freed by
/// [`free`]).
pub(crate) fn into_raw<H: Handle>(value: H::Target) -> *mut H
where
    H::Owner: Owner<H::Target>,
{
    H::Owner::into_raw(value).cast()
}

fn null(name: &str) -> Error {
    Error::new(
        ErrorKind::NullArgument,
        format!("argument '{name}' is NULL"),
    )
}

/// Borrows the object behind a handle; a NULL pointer is an error naming the
/// argument. For calls that do not block (a [`Shared`] handle's blocking
/// calls use [`hold`]).
///
/// # Safety
/// `ptr` is NULL or a live handle of type `H` made by [`into_raw`].
pub(crate) unsafe fn borrow<'a, H: Handle>(ptr: *const H, name: &str) -> Result<&'a H::Target> {
    ptr.cast::<H::Target>().as_ref().ok_or_else(|| null(name))
}

/// Takes a reference of its own to the object behind a [`Shared`] handle,
/// for a call that may block: the object then outlives a `*_free` that
/// another thread calls meanwhile (which closes it, so the call returns
/// `Closed`). One atomic increment, and a decrement when dropped.
///
/// # Safety
/// `ptr` is NULL or a live handle of type `H` made by [`into_raw`]: it was
/// not freed before this call started.
pub(crate) unsafe fn hold<H: Handle<Owner = Shared>>(
    ptr: *const H,
    name: &str,
) -> Result<Arc<H::Target>>
where
    H::Target: Close,
{
    let ptr = ptr.cast::<H::Target>();
    if ptr.is_null() {
        return Err(null(name));
    }
    Arc::increment_strong_count(ptr);
    Ok(Arc::from_raw(ptr))
}

/// Lends `value` to C as a handle of a [`Lent`] type, for the duration of
/// one callback: the pointer must not outlive the borrow.
pub(crate) fn lend<H: Handle<Owner = Lent>>(value: &mut H::Target) -> *mut H {
    ptr::from_mut(value).cast()
}

/// Mutably borrows the object behind a boxed or lent handle.
///
/// # Safety
/// As [`borrow`], and no other reference to the object is alive.
pub(crate) unsafe fn borrow_mut<'a, H: Handle>(ptr: *mut H, name: &str) -> Result<&'a mut H::Target>
where
    H::Owner: Exclusive,
{
    ptr.cast::<H::Target>().as_mut().ok_or_else(|| null(name))
}

/// Frees a handle; NULL is a no-op. A boxed object is dropped; a shared one
/// is closed first (calls blocked in it return `Closed`) and dropped with
/// its last reference.
///
/// # Safety
/// `ptr` is NULL or a live handle made by [`into_raw`], not used afterwards
/// (except by calls that were already running, for a shared handle).
pub(crate) unsafe fn free<H: Handle>(ptr: *mut H)
where
    H::Owner: Owner<H::Target>,
{
    if !ptr.is_null() {
        H::Owner::free(ptr.cast::<H::Target>());
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
