//! Generates Rust declarations of zil's C API from `include/zil.h`, the
//! header C programs compile against: the bench calls zil exactly as they do.

use std::path::PathBuf;

fn main() {
    let manifest =
        PathBuf::from(std::env::var("CARGO_MANIFEST_DIR").expect("cargo sets CARGO_MANIFEST_DIR"));
    let header = manifest.join("../include/zil.h");
    println!("cargo:rerun-if-changed={}", header.display());
    let bindings = bindgen::Builder::default()
        .header(header.to_string_lossy())
        .allowlist_function("zil_.*")
        .allowlist_type("zil_.*")
        .allowlist_var("ZIL_.*")
        .rustified_enum("zil_result")
        .derive_default(true)
        .layout_tests(false)
        .generate()
        .expect("bindgen reads include/zil.h");
    let out = PathBuf::from(std::env::var("OUT_DIR").expect("cargo sets OUT_DIR"));
    bindings
        .write_to_file(out.join("zil_h.rs"))
        .expect("OUT_DIR is writable");
}
