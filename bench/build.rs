//! Prepares the benchmark's two views of zil's C API:
//!
//! - Rust declarations generated from `include/zil.h` (bindgen), so the
//!   Rust driver calls zil exactly as a C program compiled against the
//!   header does;
//! - the plain-C programs of `c/`, compiled into the binary: the same work
//!   on libzmq (the libzmq zil links, from `DEP_ZMQ_INCLUDE`), on zil's C
//!   API and, when its header is installed, on NNG (cfg `bench_nng`).

use std::path::{Path, PathBuf};

fn main() {
    let manifest =
        PathBuf::from(std::env::var("CARGO_MANIFEST_DIR").expect("cargo sets CARGO_MANIFEST_DIR"));
    let out = PathBuf::from(std::env::var("OUT_DIR").expect("cargo sets OUT_DIR"));
    let include = manifest.join("../include");
    declare_zil(&include.join("zil.h"), &out);
    compile_plain_c(&manifest.join("c"), &include);
}

fn declare_zil(header: &Path, out: &Path) {
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
    bindings
        .write_to_file(out.join("zil_h.rs"))
        .expect("OUT_DIR is writable");
}

fn compile_plain_c(dir: &Path, zil_include: &Path) {
    println!("cargo:rerun-if-changed={}", dir.display());
    println!("cargo::rustc-check-cfg=cfg(bench_nng)");
    let zmq_include = std::env::var("DEP_ZMQ_INCLUDE").expect("zmq-sys names its include dir");
    let mut build = cc::Build::new();
    build
        .opt_level(2)
        .flag("-std=c11")
        .define("_POSIX_C_SOURCE", "200809L")
        .warnings(true)
        .extra_warnings(true)
        .warnings_into_errors(true)
        .include(dir)
        .include(zil_include)
        .include(zmq_include)
        .files(["harness.c", "zmq.c", "zil.c"].map(|f| dir.join(f)));
    let nng = nng_found();
    if nng {
        build.file(dir.join("nng.c"));
        println!("cargo:rustc-cfg=bench_nng");
    } else {
        println!(
            "cargo:warning=NNG not found (nng/nng.h; Debian: libnng-dev): its rows are skipped"
        );
    }
    build.compile("zilbench_c");
    if nng {
        println!("cargo:rustc-link-lib=nng");
    }
}

/// NNG ships no pkg-config file on Debian: its header decides, in the
/// compiler's default include directories.
fn nng_found() -> bool {
    ["/usr/include", "/usr/local/include"]
        .iter()
        .any(|dir| Path::new(dir).join("nng/nng.h").is_file())
}
