//! The counter snapshots C receives. Each struct begins with `size`, set by
//! the caller to `sizeof` its struct, so a struct can gain counters in a
//! later zil without breaking programs built against an older header: zil
//! writes only the counters that fit in the caller's `size`.

use crate::error::{Error, ErrorKind, Result};
use crate::rpc::ServerStats;
use crate::session::InpadStats;
use crate::stats::Stats;
use std::mem::{offset_of, size_of};
use std::ptr;

/// A port's counters (`zil_outport_stats`, `zil_inport_stats`,
/// `zil_outpad_stats`). Set `size` to `sizeof(zil_stats_t)` before the call.
#[repr(C)]
pub struct zil_stats_t {
    /// Bytes of the caller's struct; on success, the bytes zil wrote.
    pub size: usize,
    /// The counters that fit in `size`.
    pub counters: Stats,
}

/// An inpad's counters (`zil_inpad_stats`). Set `size` to
/// `sizeof(zil_inpad_stats_t)` before the call.
#[repr(C)]
pub struct zil_inpad_stats_t {
    /// Bytes of the caller's struct; on success, the bytes zil wrote.
    pub size: usize,
    /// The counters that fit in `size`.
    pub counters: InpadStats,
}

/// An RPC server's counters (`zil_rpc_server_stats`). Set `size` to
/// `sizeof(zil_rpc_server_stats_t)` before the call.
#[repr(C)]
pub struct zil_rpc_server_stats_t {
    /// Bytes of the caller's struct; on success, the bytes zil wrote.
    pub size: usize,
    /// The counters that fit in `size`.
    pub counters: ServerStats,
}

/// A sized struct and the counters it carries.
pub(crate) trait SizedStats {
    type Counters: Copy;
    /// The offset of the counters (the same in every version).
    const HEAD: usize;
    fn full(counters: Self::Counters) -> Self;
}

macro_rules! sized_stats {
    ($($c:ident => $counters:ty),*) => {
        $(impl SizedStats for $c {
            type Counters = $counters;
            const HEAD: usize = offset_of!($c, counters);
            fn full(counters: $counters) -> Self {
                $c { size: size_of::<$c>(), counters }
            }
        })*
    };
}
sized_stats!(zil_stats_t => Stats, zil_inpad_stats_t => InpadStats, zil_rpc_server_stats_t => ServerStats);

/// Writes `counters` into the caller's struct at `out`, as many whole
/// counters as fit in the `size` the caller set, and sets `size` to the
/// bytes written. The caller's struct may be smaller (an older header) or
/// larger (a newer one) than zil's; one that cannot hold the first counter
/// is refused.
///
/// # Safety
/// `out` is NULL or valid for reads of a `usize` and for writes of the
/// `size` bytes that value names.
pub(crate) unsafe fn write_stats<S: SizedStats>(out: *mut S, counters: S::Counters) -> Result<()> {
    if out.is_null() {
        return Err(Error::new(
            ErrorKind::NullArgument,
            "out-argument 'stats' is NULL".to_string(),
        ));
    }
    let size = ptr::read(out.cast::<usize>());
    let counter = size_of::<u64>();
    let least = S::HEAD + counter;
    if size < least {
        return Err(Error::invalid(format!(
            "stats size {size} is too small: set it to the sizeof of the struct (at least {least})"
        )));
    }
    let written = S::HEAD + (size.min(size_of::<S>()) - S::HEAD) / counter * counter;
    let full = S::full(counters);
    ptr::copy_nonoverlapping(
        ptr::from_ref(&full).cast::<u8>().add(S::HEAD),
        out.cast::<u8>().add(S::HEAD),
        written - S::HEAD,
    );
    ptr::write(out.cast::<usize>(), written);
    Ok(())
}
