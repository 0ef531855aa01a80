//! Guards of zil's C ABI:
//!
//! * every exported function (`#[no_mangle]` / `#[unsafe(no_mangle)]` /
//!   `#[export_name]`) in `src/` runs its whole body inside the `ffi!` panic
//!   boundary, or is nothing but a call to another exported zil function that
//!   does (rustls-ffi shipped an export without its boundary once, #286);
//! * the functions exported by `libzil.so` (`nm -D --defined-only`) are
//!   exactly the functions declared in `include/zil.h`, all named `zil_*`
//!   (cbindgen can drop an item silently).
//!
//! The source check is a small Rust tokenizer, so strings, comments and char
//! literals with braces in them do not confuse it; its own tests below feed
//! it examples of every case.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::process::Command;

// --- A small Rust tokenizer ---------------------------------------------------------

#[derive(Debug, Clone, PartialEq)]
enum Tok {
    Ident(String),
    Punct(char),
    /// A string literal's content (escapes left as written).
    Str(String),
    /// A char/byte literal, a lifetime or a number: irrelevant here.
    Other,
}

/// Tokens with their 1-based line numbers; comments are dropped.
fn tokenize(src: &str) -> Vec<(Tok, usize)> {
    let c: Vec<char> = src.chars().collect();
    let mut out = Vec::new();
    let (mut i, mut line) = (0, 1);
    let count_lines =
        |from: usize, to: usize, c: &[char]| c[from..to].iter().filter(|&&ch| ch == '\n').count();
    while i < c.len() {
        let ch = c[i];
        let start = i;
        if ch == '\n' {
            line += 1;
            i += 1;
        } else if ch.is_whitespace() {
            i += 1;
        } else if ch == '/' && c.get(i + 1) == Some(&'/') {
            while i < c.len() && c[i] != '\n' {
                i += 1;
            }
        } else if ch == '/' && c.get(i + 1) == Some(&'*') {
            let mut depth = 0;
            while i < c.len() {
                if c[i] == '/' && c.get(i + 1) == Some(&'*') {
                    depth += 1;
                    i += 2;
                } else if c[i] == '*' && c.get(i + 1) == Some(&'/') {
                    depth -= 1;
                    i += 2;
                    if depth == 0 {
                        break;
                    }
                } else {
                    i += 1;
                }
            }
            line += count_lines(start, i, &c);
        } else if let Some(end) = raw_string_end(&c, i) {
            let (open, hashes) = raw_string_open(&c, i);
            let content: String = c[open..end - 1 - hashes].iter().collect();
            out.push((Tok::Str(content), line));
            line += count_lines(start, end, &c);
            i = end;
        } else if ch == '"' || (ch == 'b' && c.get(i + 1) == Some(&'"')) {
            i += if ch == 'b' { 2 } else { 1 };
            let from = i;
            while i < c.len() && c[i] != '"' {
                i += if c[i] == '\\' { 2 } else { 1 };
            }
            let content: String = c[from..i.min(c.len())].iter().collect();
            i += 1;
            out.push((Tok::Str(content), line));
            line += count_lines(start, i.min(c.len()), &c);
        } else if ch == '\'' || (ch == 'b' && c.get(i + 1) == Some(&'\'')) {
            i += if ch == 'b' { 2 } else { 1 };
            if c.get(i) == Some(&'\\') {
                // An escaped char literal: up to the closing quote.
                i += 2;
                while i < c.len() && c[i] != '\'' {
                    i += 1;
                }
                i += 1;
            } else if c.get(i + 1) == Some(&'\'') {
                i += 2; // 'x'
            } else {
                // A lifetime or label: 'a
                while i < c.len() && (c[i].is_alphanumeric() || c[i] == '_') {
                    i += 1;
                }
            }
            out.push((Tok::Other, line));
        } else if ch.is_alphabetic() || ch == '_' {
            while i < c.len() && (c[i].is_alphanumeric() || c[i] == '_') {
                i += 1;
            }
            out.push((Tok::Ident(c[start..i].iter().collect()), line));
        } else if ch.is_ascii_digit() {
            while i < c.len() && (c[i].is_alphanumeric() || c[i] == '_' || c[i] == '.') {
                // Stop before a range `..` or a method call on a literal.
                if c[i] == '.' && !c.get(i + 1).is_some_and(|d| d.is_ascii_digit()) {
                    break;
                }
                i += 1;
            }
            out.push((Tok::Other, line));
        } else {
            out.push((Tok::Punct(ch), line));
            i += 1;
        }
    }
    out
}

/// `r"…"`, `r#"…"#`, `br#"…"#`: where the opening quote's content starts and
/// how many `#` there are.
fn raw_string_open(c: &[char], i: usize) -> (usize, usize) {
    let mut j = i;
    if c[j] == 'b' {
        j += 1;
    }
    j += 1; // r
    let mut hashes = 0;
    while c.get(j) == Some(&'#') {
        hashes += 1;
        j += 1;
    }
    (j + 1, hashes)
}

/// The index after a raw string literal starting at `i`, if one does.
fn raw_string_end(c: &[char], i: usize) -> Option<usize> {
    let prev_is_ident = i > 0 && (c[i - 1].is_alphanumeric() || c[i - 1] == '_');
    if prev_is_ident {
        return None;
    }
    let mut j = i;
    if c.get(j) == Some(&'b') {
        j += 1;
    }
    if c.get(j) != Some(&'r') {
        return None;
    }
    j += 1;
    let mut hashes = 0;
    while c.get(j) == Some(&'#') {
        hashes += 1;
        j += 1;
    }
    if c.get(j) != Some(&'"') {
        return None;
    }
    j += 1;
    while j < c.len() {
        if c[j] == '"' && (0..hashes).all(|k| c.get(j + 1 + k) == Some(&'#')) {
            return Some(j + 1 + hashes);
        }
        j += 1;
    }
    Some(c.len())
}

/// The index of the delimiter closing the one at `open`.
fn matching(toks: &[(Tok, usize)], open: usize) -> Option<usize> {
    let (o, cl) = match toks[open].0 {
        Tok::Punct('{') => ('{', '}'),
        Tok::Punct('(') => ('(', ')'),
        Tok::Punct('[') => ('[', ']'),
        _ => return None,
    };
    let mut depth = 0;
    for (k, (t, _)) in toks.iter().enumerate().skip(open) {
        if *t == Tok::Punct(o) {
            depth += 1;
        } else if *t == Tok::Punct(cl) {
            depth -= 1;
            if depth == 0 {
                return Some(k);
            }
        }
    }
    None
}

fn is_ident(t: &Tok, name: &str) -> bool {
    matches!(t, Tok::Ident(s) if s == name)
}

// --- Exported functions and their bodies --------------------------------------------

#[derive(Debug, Clone, PartialEq)]
enum Body {
    /// `ffi! { … }` (or `ffi!(…)`) and nothing else.
    Boundary,
    /// Nothing but a call to the named function.
    Delegates(String),
    /// Anything else.
    Unprotected(String),
    /// No body found (a declaration).
    Missing,
}

#[derive(Debug, Clone)]
struct Export {
    name: String,
    file: String,
    line: usize,
    body: Body,
}

/// Every `fn` carrying `no_mangle` or `export_name` in `src`.
fn exports(file: &str, src: &str) -> Vec<Export> {
    let toks = tokenize(src);
    let mut found = Vec::new();
    for k in 0..toks.len() {
        if !is_ident(&toks[k].0, "fn") {
            continue;
        }
        // The item's prefix: back to the previous item boundary.
        let mut b = k;
        while b > 0
            && !matches!(
                toks[b - 1].0,
                Tok::Punct(';') | Tok::Punct('}') | Tok::Punct('{')
            )
        {
            b -= 1;
        }
        let prefix = &toks[b..k];
        let exported = prefix
            .iter()
            .any(|(t, _)| is_ident(t, "no_mangle") || is_ident(t, "export_name"));
        if !exported {
            continue;
        }
        let name = match toks.get(k + 1) {
            Some((Tok::Ident(n), _)) => n.clone(),
            Some((Tok::Punct('$'), _)) => match toks.get(k + 2) {
                Some((Tok::Ident(n), _)) => format!("${n}"),
                _ => "$?".into(),
            },
            _ => "?".into(),
        };
        // The parameter list, then the body's opening brace.
        let Some(params) = (k..toks.len()).find(|&j| toks[j].0 == Tok::Punct('(')) else {
            continue;
        };
        let Some(params_end) = matching(&toks, params) else {
            continue;
        };
        let mut j = params_end + 1;
        while j < toks.len() && !matches!(toks[j].0, Tok::Punct('{') | Tok::Punct(';')) {
            j += 1;
        }
        let body = if j < toks.len() && toks[j].0 == Tok::Punct('{') {
            match matching(&toks, j) {
                Some(end) => classify(&toks[j + 1..end]),
                None => Body::Unprotected("unbalanced braces".into()),
            }
        } else {
            Body::Missing
        };
        found.push(Export {
            name,
            file: file.to_owned(),
            line: toks[k].1,
            body,
        });
    }
    found
}

fn classify(body: &[(Tok, usize)]) -> Body {
    let mut toks: Vec<(Tok, usize)> = body.to_vec();
    if toks.last().is_some_and(|(t, _)| *t == Tok::Punct(';')) {
        toks.pop();
    }
    let text = || {
        toks.iter()
            .take(8)
            .map(|(t, _)| match t {
                Tok::Ident(s) => s.clone(),
                Tok::Punct(c) => c.to_string(),
                Tok::Str(s) => format!("{s:?}"),
                Tok::Other => "…".into(),
            })
            .collect::<Vec<_>>()
            .join(" ")
    };
    if toks.is_empty() {
        return Body::Unprotected("empty body".into());
    }
    // ffi! { … } / ffi!( … ) spanning the whole body.
    if toks.len() >= 3 && is_ident(&toks[0].0, "ffi") && toks[1].0 == Tok::Punct('!') {
        return match matching(&toks, 2) {
            Some(end) if end == toks.len() - 1 => Body::Boundary,
            Some(_) => Body::Unprotected(format!(
                "code after the ffi! block, outside the boundary: {}",
                text()
            )),
            None => Body::Unprotected("ffi! without a delimited body".into()),
        };
    }
    // path::to::zil_fn( … ) spanning the whole body.
    let mut i = 0;
    let mut callee = None;
    while let Some((Tok::Ident(name), _)) = toks.get(i) {
        callee = Some(name.clone());
        if toks.get(i + 1).map(|t| &t.0) == Some(&Tok::Punct(':'))
            && toks.get(i + 2).map(|t| &t.0) == Some(&Tok::Punct(':'))
        {
            i += 3;
        } else {
            i += 1;
            break;
        }
    }
    if let Some(callee) = callee {
        if toks.get(i).map(|t| &t.0) == Some(&Tok::Punct('('))
            && matching(&toks, i) == Some(toks.len() - 1)
        {
            return Body::Delegates(callee);
        }
    }
    Body::Unprotected(format!("the body does not start with ffi!: {}", text()))
}

/// The violations among `exports`: functions whose body is not protected
/// by `ffi!`, directly or through a chain of delegations.
fn violations(exports: &[Export]) -> Vec<String> {
    let by_name: BTreeMap<&str, &Export> = exports.iter().map(|e| (e.name.as_str(), e)).collect();
    let mut bad = Vec::new();
    for e in exports {
        let mut seen = BTreeSet::new();
        let mut cur = e;
        let verdict = loop {
            if !seen.insert(cur.name.clone()) {
                break Err("delegation cycle".to_owned());
            }
            match &cur.body {
                Body::Boundary => break Ok(()),
                Body::Missing => break Err("no body".to_owned()),
                Body::Unprotected(why) => break Err(why.clone()),
                Body::Delegates(callee) => match by_name.get(callee.as_str()) {
                    Some(next) => cur = next,
                    None => {
                        break Err(format!(
                            "delegates to '{callee}', which is not an exported function \
                             (only a call to another exported zil function may stand \
                             outside ffi!)"
                        ))
                    }
                },
            }
        };
        if let Err(why) = verdict {
            bad.push(format!("{}:{}: {}: {why}", e.file, e.line, e.name));
        }
    }
    bad
}

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    let entries =
        std::fs::read_dir(dir).unwrap_or_else(|e| panic!("cannot read {}: {e}", dir.display()));
    for entry in entries {
        let path = entry.expect("dir entry").path();
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|x| x == "rs") {
            out.push(path);
        }
    }
}

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn all_exports() -> Vec<Export> {
    let mut files = Vec::new();
    rust_files(&root().join("src"), &mut files);
    files.sort();
    let mut all = Vec::new();
    for path in files {
        let src = std::fs::read_to_string(&path).expect("readable source");
        let rel = path
            .strip_prefix(root())
            .unwrap_or(&path)
            .display()
            .to_string();
        all.extend(exports(&rel, &src));
    }
    all
}

/// Function names declared in a C header (comments removed).
fn header_functions(header: &str) -> BTreeSet<String> {
    let toks = tokenize(header);
    let mut names = BTreeSet::new();
    for w in toks.windows(2) {
        if let (Tok::Ident(name), Tok::Punct('(')) = (&w[0].0, &w[1].0) {
            if name.starts_with("zil_") {
                names.insert(name.clone());
            }
        }
    }
    names
}

fn zil_h() -> String {
    let path = root().join("include/zil.h");
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()))
}

// --- The checks -------------------------------------------------------------------------

#[test]
fn every_exported_function_runs_inside_the_panic_boundary() {
    let exports = all_exports();
    let capi: Vec<&Export> = exports
        .iter()
        .filter(|e| e.file.starts_with("src/capi/"))
        .collect();
    assert!(
        capi.len() >= 10,
        "the scan found only {} exported functions in src/capi: is the scanner broken?",
        capi.len()
    );
    let bad = violations(&exports);
    assert!(
        bad.is_empty(),
        "exported functions whose body does not run inside ffi! (the panic boundary):\n  {}",
        bad.join("\n  ")
    );
}

/// The scan must see every function the header declares (and no others), or
/// an export it cannot parse would escape the check above.
#[test]
fn the_scan_sees_exactly_the_functions_of_the_header() {
    let scanned: BTreeSet<String> = all_exports()
        .into_iter()
        .map(|e| e.name)
        .filter(|n| !n.starts_with('$'))
        .collect();
    let declared = header_functions(&zil_h());
    let missing: Vec<_> = declared.difference(&scanned).collect();
    let extra: Vec<_> = scanned.difference(&declared).collect();
    assert!(
        missing.is_empty() && extra.is_empty(),
        "declared in include/zil.h but not found as exported fns in src/: {missing:?}\n\
         exported in src/ but not declared in include/zil.h: {extra:?}"
    );
}

/// The names the header defines for C: macros, struct and enum tags, enum
/// values, typedef names (also of function pointers) and functions.
fn header_definitions(header: &str) -> BTreeSet<String> {
    let mut names: BTreeSet<String> = header
        .lines()
        .filter_map(|l| l.trim().strip_prefix("#define "))
        .filter_map(|rest| rest.split_whitespace().next())
        .map(str::to_owned)
        .collect();
    // Without the preprocessor lines and the C++ `extern "C" { … }` wrapper,
    // whose braces would hide the functions inside.
    let code: String = header
        .lines()
        .filter(|l| !l.trim_start().starts_with('#'))
        .filter(|l| !matches!(l.trim(), "extern \"C\" {" | "}  // extern \"C\""))
        .map(|l| format!("{l}\n"))
        .collect();
    let toks: Vec<Tok> = tokenize(&code).into_iter().map(|(t, _)| t).collect();
    let ident = |i: usize| match toks.get(i) {
        Some(Tok::Ident(name)) => Some(name.as_str()),
        _ => None,
    };
    let punct = |i: usize, p: char| toks.get(i) == Some(&Tok::Punct(p));
    let (mut braces, mut parens, mut in_enum) = (0, 0, false);
    for (i, tok) in toks.iter().enumerate() {
        match tok {
            Tok::Punct('{') => {
                in_enum = braces == 0 && i >= 2 && (ident(i - 2) == Some("enum"));
                braces += 1;
            }
            Tok::Punct('}') => braces -= 1,
            Tok::Punct('(') => parens += 1,
            Tok::Punct(')') => parens -= 1,
            Tok::Ident(name) => {
                let tag = i >= 1 && matches!(ident(i - 1), Some("struct" | "enum"));
                let fn_pointer = i >= 2 && punct(i - 1, '*') && punct(i - 2, '(');
                let top = braces == 0 && parens == 0;
                let declared = top
                    && (punct(i + 1, '(') || punct(i + 1, ';'))
                    && !matches!(name.as_str(), "void" | "const");
                let enum_value = in_enum
                    && braces == 1
                    && (punct(i + 1, '=') || punct(i + 1, ',') || punct(i + 1, '}'));
                if tag || fn_pointer || declared || enum_value {
                    names.insert(name.clone());
                }
            }
            _ => {}
        }
    }
    names
}

/// Every name the header defines for C is in zil's namespace (`zil_*` or
/// `ZIL_*`), so including zil.h never clashes with a program's own names.
#[test]
fn every_name_in_the_header_is_prefixed() {
    let defined = header_definitions(&zil_h());
    assert!(
        defined.contains("zil_result")
            && defined.contains("ZIL_OK")
            && defined.contains("zil_shutdown"),
        "the scan misses the header's names (is it broken?): {defined:?}"
    );
    let foreign: Vec<_> = defined
        .iter()
        .filter(|n| !n.starts_with("zil_") && !n.starts_with("ZIL_"))
        .collect();
    assert!(
        foreign.is_empty(),
        "include/zil.h defines C names outside zil_/ZIL_: {foreign:?}"
    );
}

/// The dynamic symbol table of the cdylib built with this test binary.
fn libzil_symbols() -> (PathBuf, Vec<(String, String)>) {
    // `cargo test` builds the cdylib next to the test binary, in
    // target/<profile>/deps/, and does not refresh the copy in
    // target/<profile>/ (only `cargo build` does): take the fresh one.
    let exe = std::env::current_exe().expect("test binary path");
    let deps = exe.parent().expect("target/<profile>/deps");
    let lib = [deps.join("libzil.so"), deps.join("../libzil.so")]
        .into_iter()
        .find(|p| p.exists())
        .unwrap_or_else(|| {
            panic!(
                "no libzil.so in {} or its parent: cargo builds it with the tests \
                 (crate-type cdylib); try `cargo build --release`",
                deps.display()
            )
        });
    let out = Command::new("nm")
        .args(["-D", "--defined-only"])
        .arg(&lib)
        .output()
        .unwrap_or_else(|e| {
            panic!("cannot run `nm` ({e}): install binutils (it comes with gcc's toolchain)")
        });
    assert!(
        out.status.success(),
        "nm -D --defined-only {} failed: {}",
        lib.display(),
        String::from_utf8_lossy(&out.stderr)
    );
    let symbols = String::from_utf8_lossy(&out.stdout)
        .lines()
        .filter_map(|line| {
            let mut parts = line.split_whitespace().rev();
            let name = parts.next()?;
            let kind = parts.next()?;
            // `name@VERSION` / `name@@VERSION`: the name is what matters.
            let name = name.split('@').next().unwrap_or(name);
            Some((kind.to_owned(), name.to_owned()))
        })
        .collect();
    (lib, symbols)
}

#[test]
fn libzil_exports_exactly_the_functions_of_the_header() {
    let (lib, symbols) = libzil_symbols();
    let declared = header_functions(&zil_h());
    let exported: BTreeSet<String> = symbols.iter().map(|(_, n)| n.clone()).collect();
    let foreign: Vec<String> = symbols
        .iter()
        .filter(|(_, n)| !n.starts_with("zil_"))
        .map(|(k, n)| format!("{k} {n}"))
        .collect();
    assert!(
        foreign.is_empty(),
        "{} exports symbols outside the zil_ namespace (they can clash with the host's, \
         e.g. a second libzmq):\n  {}",
        lib.display(),
        foreign.join("\n  ")
    );
    let undeclared: Vec<_> = exported.difference(&declared).collect();
    assert!(
        undeclared.is_empty(),
        "{} exports zil_ symbols that include/zil.h does not declare \
         (cbindgen skipped them?): {undeclared:?}",
        lib.display()
    );
    let unexported: Vec<_> = declared.difference(&exported).collect();
    assert!(
        unexported.is_empty(),
        "include/zil.h declares functions that {} does not export (C programs would not \
         link): {unexported:?}",
        lib.display()
    );
    assert!(
        exported.len() >= 10,
        "only {} symbols exported",
        exported.len()
    );
}

// --- The scanner's own tests ---------------------------------------------------------------

const SAMPLE: &str = r####"
//! #[no_mangle] in a comment is no export: pub extern "C" fn zil_comment() {}
/* #[no_mangle] pub extern "C" fn zil_block_comment() { oops() } */

/// Fine.
#[no_mangle]
pub unsafe extern "C" fn zil_ok(p: *const u8) -> zil_result {
    ffi! {
        let s = format!("{{ unbalanced in a string {{ {}", '{');
        let r = r#"raw } string"#;
        let _c = '}';
        fn inner<'a>(x: &'a str) -> &'a str { x }
        Ok(zil_result::ZIL_OK)
    }
}

#[no_mangle]
pub extern "C" fn zil_parens() -> usize {
    ffi!(Ok(1))
}

/// Delegates to a protected export.
#[no_mangle]
pub unsafe extern "C" fn zil_delegate(a: *const c_char) -> *mut t {
    zil_ok(a as _, std::ptr::null())
}

/// Delegates through a path, twice.
#[no_mangle]
pub unsafe extern "C" fn zil_delegate2() -> *mut t {
    self::zil_delegate(std::ptr::null());
}

#[no_mangle]
pub extern "C" fn zil_bare() -> i32 {
    let v = compute();
    v
}

#[unsafe(no_mangle)]
pub extern "C-unwind" fn zil_edition_2024() {
    do_it();
    ffi! { Ok(()) }
}

#[export_name = "zil_renamed"]
pub extern "C" fn renamed() {
    ffi! { Ok(()) }
    trailing();
}

#[no_mangle]
pub extern "C" fn zil_to_helper() -> i32 {
    helper(1)
}

impl Thing {
    #[no_mangle]
    pub extern "C" fn zil_in_impl(&self) {
        ffi! { Ok(()) }
    }
}

fn not_exported() { panic!() }

extern "C" {
    fn declared_elsewhere(x: i32);
}
"####;

#[test]
fn scanner_finds_each_case() {
    let found = exports("sample.rs", SAMPLE);
    let names: Vec<&str> = found.iter().map(|e| e.name.as_str()).collect();
    assert_eq!(
        names,
        [
            "zil_ok",
            "zil_parens",
            "zil_delegate",
            "zil_delegate2",
            "zil_bare",
            "zil_edition_2024",
            "renamed",
            "zil_to_helper",
            "zil_in_impl",
        ]
    );
    let body = |n: &str| found.iter().find(|e| e.name == n).unwrap().body.clone();
    assert_eq!(body("zil_ok"), Body::Boundary);
    assert_eq!(body("zil_parens"), Body::Boundary);
    assert_eq!(body("zil_in_impl"), Body::Boundary);
    assert_eq!(body("zil_delegate"), Body::Delegates("zil_ok".into()));
    assert_eq!(
        body("zil_delegate2"),
        Body::Delegates("zil_delegate".into())
    );
    assert!(matches!(body("zil_bare"), Body::Unprotected(_)));
    assert!(matches!(body("zil_edition_2024"), Body::Unprotected(_)));
    assert!(matches!(body("renamed"), Body::Unprotected(_)));
    assert_eq!(body("zil_to_helper"), Body::Delegates("helper".into()));
    assert_eq!(
        found[0].line, 7,
        "line numbers count comments and raw strings"
    );

    let bad = violations(&found);
    let flagged: Vec<&str> = bad
        .iter()
        .map(|v| v.split(": ").nth(1).unwrap_or(""))
        .collect();
    assert_eq!(
        flagged,
        ["zil_bare", "zil_edition_2024", "renamed", "zil_to_helper"],
        "{bad:#?}"
    );
}

#[test]
fn scanner_reads_header_declarations() {
    let h = "/* zil_commented(void); */\n#define ZIL_X 1\n\
             typedef void (*zil_log_fn)(void *user_data, const char *line);\n\
             struct zil_inport_t *zil_inport_new(const char *addr,\n    const char *topic);\n\
             enum zil_result zil_inport_wake(const struct zil_inport_t *port);\n";
    let names: Vec<String> = header_functions(h).into_iter().collect();
    assert_eq!(names, ["zil_inport_new", "zil_inport_wake"]);
}
