//! Hands the location of the libsodium that libsodium-sys-stable built to
//! this crate's code: Cargo gives it (`DEP_SODIUM_*`) only to the build
//! script of a direct dependent, and zmq-sys's build script, which calls
//! `Build::build`, is not one.

fn main() {
    for (var, name) in [
        ("DEP_SODIUM_LIB", "ZIL_SODIUM_LIB_DIR"),
        ("DEP_SODIUM_INCLUDE", "ZIL_SODIUM_INCLUDE_DIR"),
    ] {
        match std::env::var(var) {
            Ok(dir) => println!("cargo:rustc-env={name}={dir}"),
            Err(_) => {
                panic!("{var} is not set: libsodium-sys-stable did not say where libsodium is")
            }
        }
    }
}
