//! Generates the C header with cbindgen. The header is always written to
//! `OUT_DIR`; `include/zil.h` is rewritten only when its content changed, so
//! builds in a read-only tree work and an unchanged header keeps its mtime.
//! CI fails when the committed header differs from the generated one.

use std::path::PathBuf;

fn main() {
    let root =
        PathBuf::from(std::env::var("CARGO_MANIFEST_DIR").expect("cargo sets CARGO_MANIFEST_DIR"));
    let out = PathBuf::from(std::env::var("OUT_DIR").expect("cargo sets OUT_DIR"));
    println!("cargo:rerun-if-changed=src");
    println!("cargo:rerun-if-changed=cbindgen.toml");

    let mut config = cbindgen::Config::from_file(root.join("cbindgen.toml"))
        .expect("cbindgen.toml is readable and valid");
    let version = std::env::var("CARGO_PKG_VERSION").expect("cargo sets CARGO_PKG_VERSION");
    let mut parts = version.split('.');
    let mut next = || parts.next().unwrap_or("0").to_string();
    let (major, minor, patch) = (next(), next(), next());
    config.after_includes = Some(format!(
        "\n#define ZIL_VERSION \"{version}\"\n#define ZIL_VERSION_MAJOR {major}\n#define ZIL_VERSION_MINOR {minor}\n#define ZIL_VERSION_PATCH {patch}\n"
    ));
    let header = cbindgen::Builder::new()
        .with_crate(&root)
        .with_config(config)
        .generate()
        .expect("cbindgen generates the header");
    let generated = out.join("zil.h");
    header.write_to_file(&generated);

    let text = std::fs::read(&generated).expect("generated header is readable");
    let committed = root.join("include").join("zil.h");
    if std::fs::read(&committed).ok().as_deref() != Some(&text[..]) {
        if let Err(e) = std::fs::create_dir_all(root.join("include"))
            .and_then(|_| std::fs::write(&committed, &text))
        {
            println!(
                "cargo:warning=cannot update include/zil.h ({e}); the header is in {}",
                generated.display()
            );
        }
    }
}
