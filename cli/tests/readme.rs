//! The README's tested snippets (marked `<!-- readme-test: NAME -->`) run as
//! written, with their fixed loopback addresses moved to `ipc://` paths in a
//! temp dir so that tests can run in parallel.

#[path = "../../tests/common/child.rs"]
mod child;

use child::{Child, Stderr};
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::time::Duration;

const LIMIT: Duration = Duration::from_secs(30);

/// The code block that follows the marker `readme-test: NAME`.
fn snippet(name: &str) -> String {
    let readme =
        std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("../README.md"))
            .expect("README.md is readable");
    let marker = format!("<!-- readme-test: {name} ");
    let at = readme
        .find(&marker)
        .unwrap_or_else(|| panic!("README.md has no snippet marked {name}"));
    let rest = &readme[at..];
    let start = rest.find("```").expect("a code block follows the marker");
    let body = &rest[start..];
    let body = &body[body.find('\n').expect("fence line") + 1..];
    body[..body.find("\n```").expect("closing fence") + 1].to_owned()
}

fn temp_dir(tag: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("zil-readme-{tag}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("temp dir");
    dir
}

/// Runs `cmd` to completion (no input); fails the test, the process killed,
/// if it runs longer than `LIMIT`.
fn run(mut cmd: Command) -> Output {
    let mut child = Child::spawn(format!("{cmd:?}"), &mut cmd, Stderr::Kept);
    child.close_stdin();
    let Some(status) = child.wait(LIMIT) else {
        panic!(
            "{} still running after {LIMIT:?}, killed; stdout: {} stderr: {}",
            child.what(),
            child.stdout(),
            child.stderr()
        );
    };
    Output {
        status,
        stdout: child.stdout().into_bytes(),
        stderr: child.stderr().into_bytes(),
    }
}

/// The libzil.so cargo built with these tests (it refreshes the copy in
/// deps/), reachable under its SONAME from `dir`.
fn library_dir(dir: &Path) -> PathBuf {
    let exe = std::env::current_exe().expect("test executable");
    let deps = exe.parent().expect("target/<profile>/deps");
    let lib = [deps.join("libzil.so"), deps.join("../libzil.so")]
        .into_iter()
        .find(|p| p.exists())
        .expect("cargo builds libzil.so with the tests");
    let libdir = dir.join("lib");
    std::fs::create_dir_all(&libdir).expect("lib dir");
    for name in ["libzil.so", "libzil.so.0.1"] {
        std::os::unix::fs::symlink(&lib, libdir.join(name)).expect("symlink");
    }
    libdir
}

#[test]
fn c_quickstart_compiles_and_runs() {
    let dir = temp_dir("c");
    let addr = format!("ipc://{}/quickstart", dir.display());
    let code = snippet("c-quickstart").replace("tcp://127.0.0.1:5555", &addr);
    assert!(
        code.contains(&addr),
        "the snippet uses tcp://127.0.0.1:5555"
    );
    std::fs::write(dir.join("quickstart.c"), code).expect("write");
    let libdir = library_dir(&dir);
    let include = Path::new(env!("CARGO_MANIFEST_DIR")).join("../include");
    let mut cc = Command::new("cc");
    cc.args(["-std=c11", "-Wall", "-Wextra", "-Werror", "-o"])
        .arg(dir.join("quickstart"))
        .arg(dir.join("quickstart.c"))
        .arg(format!("-I{}", include.display()))
        .arg(format!("-L{}", libdir.display()))
        .arg("-lzil")
        .arg(format!("-Wl,-rpath,{}", libdir.display()));
    let built = run(cc);
    assert!(
        built.status.success(),
        "cc: {}",
        String::from_utf8_lossy(&built.stderr)
    );
    let ran = run(Command::new(dir.join("quickstart")));
    let stdout = String::from_utf8_lossy(&ran.stdout);
    assert!(ran.status.success(), "{ran:?}");
    assert_eq!(stdout, "hello event=pcm\n");
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn cli_snippet_runs() {
    let dir = temp_dir("cli");
    let script = snippet("cli")
        .replace(
            "tcp://127.0.0.1:6900",
            &format!("ipc://{}/authz", dir.display()),
        )
        .replace(
            "tcp://127.0.0.1:5555",
            &format!("ipc://{}/asr", dir.display()),
        );
    assert!(
        !script.contains("tcp://"),
        "every address is moved to ipc://"
    );
    let bin = Path::new(env!("CARGO_BIN_EXE_zil"))
        .parent()
        .expect("bin dir");
    let path = format!(
        "{}:{}",
        bin.display(),
        std::env::var("PATH").unwrap_or_default()
    );
    let mut sh = Command::new("bash");
    sh.arg("-c")
        .arg(format!("set -e\nsleep 0.3\n{script}"))
        .env("PATH", path);
    let ran = run(sh);
    let stdout = String::from_utf8_lossy(&ran.stdout);
    assert!(ran.status.success(), "{ran:?}");
    let lines: Vec<&str> = stdout.lines().collect();
    assert!(lines.contains(&"true"), "verify answered true: {stdout}");
    assert!(lines.contains(&"asr\tpcm\t5\thello"), "{stdout}");
    assert!(lines.contains(&"asr\tpcm\t5\tworld"), "{stdout}");
    let _ = std::fs::remove_dir_all(&dir);
}
