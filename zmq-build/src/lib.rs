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
        linux_features();
        self.0.with_libsodium(Some(sodium)).build();
    }
}

/// The Linux features libzmq's own build detects and zeromq-src does not
/// declare: without them libzmq signals between threads through socket
/// pairs instead of eventfds, leaves its descriptors inheritable by child
/// processes, and ignores the TCP keep-alive options. Debian's libzmq has
/// them all. zeromq-src compiles with the cc crate, which adds `CXXFLAGS`.
fn linux_features() {
    const FEATURES: [&str; 9] = [
        "ZMQ_HAVE_EVENTFD",
        "ZMQ_HAVE_EVENTFD_CLOEXEC",
        "ZMQ_HAVE_SOCK_CLOEXEC",
        "ZMQ_HAVE_O_CLOEXEC",
        "ZMQ_HAVE_ACCEPT4",
        "ZMQ_HAVE_SO_KEEPALIVE",
        "ZMQ_HAVE_TCP_KEEPCNT",
        "ZMQ_HAVE_TCP_KEEPIDLE",
        "ZMQ_HAVE_TCP_KEEPINTVL",
    ];
    if std::env::var("CARGO_CFG_TARGET_OS").as_deref() != Ok("linux") {
        return;
    }
    let mut flags = std::env::var("CXXFLAGS").unwrap_or_default();
    for feature in FEATURES {
        flags.push_str(&format!(" -D{feature}=1"));
    }
    // A build script is one thread: nothing reads the environment meanwhile.
    std::env::set_var("CXXFLAGS", flags.trim_start());
}
