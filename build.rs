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
    let mut text = Vec::new();
    header.write(&mut text);
    let text = with_banners(&String::from_utf8(text).expect("cbindgen writes UTF-8"));
    std::fs::write(&generated, &text).expect("OUT_DIR is writable");

    link_soname(&out, &version);

    let text = text.into_bytes();
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

/// The header's sections, each named by its first function (cbindgen emits
/// functions in the order src/capi/mod.rs declares their modules).
const SECTIONS: &[(&str, &str)] = &[
    ("zil_result_str", "Results and errors"),
    ("zil_msg_new", "Messages"),
    ("zil_outport_new", "Streaming: output ports"),
    ("zil_inport_new", "Streaming: input ports"),
    ("zil_rpc_server_new", "RPC: servers and their handlers"),
    ("zil_rpc_client_new", "RPC: clients"),
    ("zil_outpad_new", "Session-aware pads: outpads"),
    ("zil_inpad_new", "Session-aware pads: inpads"),
    ("zil_options_new", "Options"),
    ("zil_curve_supported", "CURVE keys"),
    ("zil_outport_monitor", "Connection monitor"),
    ("zil_set_log_callback", "Logging"),
];

/// Puts a banner comment before the first function of each section.
fn with_banners(header: &str) -> String {
    let mut lines: Vec<String> = header.lines().map(str::to_string).collect();
    for (function, title) in SECTIONS.iter().rev() {
        let call = format!("{function}(");
        let declares = |l: &String| {
            !l.starts_with(" *")
                && l.find(&call)
                    .is_some_and(|i| i > 0 && matches!(l.as_bytes()[i - 1], b' ' | b'*'))
        };
        let at = lines
            .iter()
            .position(declares)
            .unwrap_or_else(|| panic!("zil.h declares {function}"));
        let doc = lines[..at].iter().rposition(|l| l == "/**").unwrap_or(at);
        let rule = "-".repeat(72);
        let banner = [
            format!("/* {rule}"),
            format!(" * {title}"),
            format!(" * {rule} */"),
            String::new(),
        ];
        lines.splice(doc..doc, banner);
    }
    let mut text = lines.join("\n");
    text.push('\n');
    text
}

/// Gives `libzil.so` the versioned SONAME `libzil.so.MAJOR.MINOR` (0.x
/// breaks ABI at minor versions) and puts a `libzil.so.MAJOR.MINOR` link
/// next to it, so programs linked against the build tree find it at run
/// time exactly like against an installed copy.
fn link_soname(out: &std::path::Path, version: &str) {
    let soversion: Vec<&str> = version.split('.').take(2).collect();
    let soname = format!("libzil.so.{}", soversion.join("."));
    println!("cargo:rustc-cdylib-link-arg=-Wl,-soname,{soname}");
    // OUT_DIR is <target>/<profile>/build/zil-<hash>/out.
    let Some(profile_dir) = out.ancestors().nth(3) else {
        return;
    };
    let link = profile_dir.join(&soname);
    if std::fs::read_link(&link).ok().as_deref() != Some(std::path::Path::new("libzil.so")) {
        let _ = std::fs::remove_file(&link);
        if let Err(e) = std::os::unix::fs::symlink("libzil.so", &link) {
            println!("cargo:warning=cannot create {}: {e}", link.display());
        }
    }
}
