//! zeromq-src's `Build`, as zmq-sys's build script calls it, building the
//! vendored libzmq with CURVE: whatever libsodium location the caller
//! passes (zmq-sys passes none), the libsodium built by
//! libsodium-sys-stable is used.

/// Where a library's files are (zeromq-src's type).
pub use upstream::LibLocation;

/// The builder zmq-sys's build script uses.
#[derive(Default)]
pub struct Build(upstream::Build);

impl Build {
    /// A build of the vendored libzmq.
    pub fn new() -> Self {
        Build(upstream::Build::new())
    }

    /// Builds libzmq with debug information (zeromq-src's switch).
    pub fn build_debug(&mut self, enabled: bool) -> &mut Self {
        self.0.build_debug(enabled);
        self
    }

    /// Enables libzmq's draft API (zeromq-src's switch).
    pub fn enable_draft(&mut self, enabled: bool) -> &mut Self {
        self.0.enable_draft(enabled);
        self
    }

    /// Accepted for zeromq-src's interface; the libsodium of
    /// libsodium-sys-stable is used whatever is passed.
    pub fn with_libsodium(&mut self, _ignored: Option<LibLocation>) -> &mut Self {
        self
    }

    /// Builds libzmq with CURVE and tells Cargo to link it (and libsodium)
    /// statically.
    pub fn build(&mut self) {
        let sodium = LibLocation::new(env!("ZIL_SODIUM_LIB_DIR"), env!("ZIL_SODIUM_INCLUDE_DIR"));
        self.0.with_libsodium(Some(sodium)).build();
    }
}
