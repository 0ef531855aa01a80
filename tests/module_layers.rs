//! The library's architecture, checked: the modules of `src/` are stacked in
//! floors, each using only those below it, and no modules import each
//! other in a circle.
//!
//! The check reads the source, not the compiled crate: every
//! `crate::module::…` path (in `use` lines and inline, `$crate::` in
//! macros), every `super::sibling::…` path, and every invocation of a
//! `macro_rules!` macro defined in another module is an import of that
//! module. Names that `lib.rs` or a `mod.rs` re-exports count as imports of
//! the module that defines them. Comments are skipped.
//!
//! Two graphs must have no circle: the top-level modules of the crate, and,
//! inside each directory module, its submodules (the files beside
//! `mod.rs`, e.g. the C layer's `capi/boundary.rs` and `capi/result.rs`).
//! The top-level modules must also sit on the floors of [`FLOORS`], with no
//! import running from a floor to a higher one beyond [`UPWARD`].

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

/// The floors of the library, bottom first. A module may import modules on
/// its own floor or below.
const FLOORS: &[(&str, &[&str])] = &[
    (
        "foundation: errors, time, logging, counters",
        &["error", "deadline", "logging", "stats"],
    ),
    (
        "the process's resources and settings: the ZeroMQ context, kernel \
         descriptors, CURVE keys, port options",
        &["context", "descriptor", "waker", "curve", "options"],
    ),
    (
        "sockets: creating, configuring and attaching them, and what an \
         endpoint mistake says",
        &["socket", "endpoint"],
    ),
    (
        "services, each owning its thread and its shutdown: the ZAP handler, \
         the connection monitor hub",
        &["service", "zap", "monitor"],
    ),
    (
        "the socket of a port, with its allow-list and its watch",
        &["port_socket"],
    ),
    ("messaging", &["stream", "rpc"]),
    ("session-aware streaming", &["session"]),
    (
        "entry points: the C ABI, the fuzz targets' door",
        &["capi", "fuzzing"],
    ),
];

/// Imports allowed to run from a lower floor to a higher one: (from, to).
const UPWARD: &[(&str, &str)] = &[];

/// One source file: the module path it defines (`["stream", "inport"]` for
/// `src/stream/inport.rs`, `["capi"]` for `src/capi/mod.rs`) and its code
/// without comments.
struct Source {
    module: Vec<String>,
    path: PathBuf,
    code: String,
}

fn sources(dir: &Path, module: &[String], out: &mut Vec<Source>) {
    let mut entries: Vec<_> = std::fs::read_dir(dir)
        .unwrap_or_else(|e| panic!("cannot read {}: {e}", dir.display()))
        .map(|e| e.expect("a directory entry").path())
        .collect();
    entries.sort();
    for path in entries {
        let name = path
            .file_stem()
            .and_then(|s| s.to_str())
            .expect("a UTF-8 file name")
            .to_owned();
        if path.is_dir() {
            let mut inner = module.to_vec();
            inner.push(name);
            sources(&path, &inner, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            let mut this = module.to_vec();
            if name != "mod" && name != "lib" {
                this.push(name);
            }
            let text = std::fs::read_to_string(&path)
                .unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()));
            out.push(Source {
                module: this,
                path,
                code: without_comments(&text),
            });
        }
    }
}

/// `text` without `//` comments (doc comments included) and `/* */`
/// blocks; string literals are kept as they are (`"inproc://…"`).
fn without_comments(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut chars = text.chars().peekable();
    let mut in_string = false;
    while let Some(c) = chars.next() {
        if in_string {
            out.push(c);
            match c {
                '\\' => out.extend(chars.next()),
                '"' => in_string = false,
                _ => {}
            }
            continue;
        }
        match (c, chars.peek()) {
            ('"', _) => {
                in_string = true;
                out.push(c);
            }
            ('/', Some('/')) => {
                for c in chars.by_ref() {
                    if c == '\n' {
                        out.push('\n');
                        break;
                    }
                }
            }
            ('/', Some('*')) => {
                let mut last = ' ';
                for c in chars.by_ref() {
                    if last == '*' && c == '/' {
                        break;
                    }
                    last = c;
                }
            }
            // A char literal holding a quote ('"') opens no string.
            ('\'', _) => {
                out.push(c);
                let rest: String = chars.clone().take(3).collect();
                if rest.starts_with("\"'") || rest.starts_with("\\\"'") {
                    let n = if rest.starts_with('"') { 2 } else { 3 };
                    for _ in 0..n {
                        out.extend(chars.next());
                    }
                }
            }
            _ => out.push(c),
        }
    }
    out
}

fn is_ident(c: char) -> bool {
    c.is_ascii_alphanumeric() || c == '_'
}

/// The identifier paths that follow `prefix` (`crate::`, `super::`) in
/// `code`, each as its segments; a group (`crate::{a, b::c}`) gives one
/// path per member.
fn paths_after(code: &str, prefix: &str) -> Vec<Vec<String>> {
    let mut found = Vec::new();
    let mut rest = code;
    while let Some(at) = rest.find(prefix) {
        let before = rest[..at].chars().next_back();
        rest = &rest[at + prefix.len()..];
        if before.is_some_and(|c| is_ident(c) || c == ':') {
            continue;
        }
        found.extend(expand(rest, Vec::new()));
    }
    found
}

/// The paths spelled at the start of `text`, after the segments `head`.
fn expand(text: &str, head: Vec<String>) -> Vec<Vec<String>> {
    let text = text.trim_start();
    if let Some(group) = text.strip_prefix('{') {
        let mut depth = 0;
        let mut start = 0;
        let mut paths = Vec::new();
        for (i, c) in group.char_indices() {
            match c {
                '{' => depth += 1,
                '}' if depth == 0 => {
                    paths.extend(expand(&group[start..i], head.clone()));
                    return paths;
                }
                '}' => depth -= 1,
                ',' if depth == 0 => {
                    paths.extend(expand(&group[start..i], head.clone()));
                    start = i + 1;
                }
                _ => {}
            }
        }
        return paths;
    }
    let len = text.find(|c: char| !is_ident(c)).unwrap_or(text.len());
    if len == 0 {
        return vec![head];
    }
    let mut path = head;
    path.push(text[..len].to_owned());
    match text[len..].strip_prefix("::") {
        Some(more) => expand(more, path),
        None => vec![path],
    }
}

/// The crate's modules and what their facades re-export.
struct Crate {
    /// Every module path that has a file.
    modules: BTreeSet<Vec<String>>,
    /// Names re-exported by a module's facade (`lib.rs`, `mod.rs`): (the
    /// facade's module, the name) → the path it comes from.
    reexports: BTreeMap<(Vec<String>, String), Vec<String>>,
    /// Where each `macro_rules!` macro is defined.
    macros: BTreeMap<String, Vec<String>>,
}

impl Crate {
    fn new(sources: &[Source]) -> Crate {
        let modules = sources.iter().map(|s| s.module.clone()).collect();
        let mut reexports = BTreeMap::new();
        let mut macros = BTreeMap::new();
        for source in sources {
            let facade = source.path.ends_with("lib.rs") || source.path.ends_with("mod.rs");
            for (at, _) in source.code.match_indices("use ") {
                let before = source.code[..at].chars().next_back();
                if !facade || before.is_some_and(is_ident) {
                    continue;
                }
                let statement = &source.code[at + 4..];
                let statement = &statement[..statement.find(';').unwrap_or(statement.len())];
                for path in expand(statement, Vec::new()) {
                    let Some(name) = path.last() else { continue };
                    if name == "self" || path.len() < 2 {
                        continue;
                    }
                    let absolute = match path[0].as_str() {
                        "crate" => path[1..].to_vec(),
                        "super" => {
                            let mut up = source.module[..source.module.len() - 1].to_vec();
                            up.extend_from_slice(&path[1..]);
                            up
                        }
                        "self" => [source.module.clone(), path[1..].to_vec()].concat(),
                        _ => [source.module.clone(), path.clone()].concat(),
                    };
                    reexports.insert((source.module.clone(), name.clone()), absolute);
                }
            }
            for (at, _) in source.code.match_indices("macro_rules!") {
                let rest = source.code[at + "macro_rules!".len()..].trim_start();
                let len = rest.find(|c: char| !is_ident(c)).unwrap_or(rest.len());
                macros.insert(rest[..len].to_owned(), source.module.clone());
            }
        }
        Crate {
            modules,
            reexports,
            macros,
        }
    }

    /// The module that defines what `path` (from the crate root) names:
    /// its longest prefix that is a module, following re-exports.
    fn resolve(&self, path: &[String]) -> Vec<String> {
        let mut path = path.to_vec();
        for _ in 0..8 {
            let mut module = Vec::new();
            for segment in &path {
                let mut inner = module.clone();
                inner.push(segment.clone());
                if !self.modules.contains(&inner) {
                    break;
                }
                module = inner;
            }
            let Some(next) = path.get(module.len()) else {
                return module;
            };
            match self.reexports.get(&(module.clone(), next.clone())) {
                Some(target) => {
                    let mut followed = target.clone();
                    followed.extend_from_slice(&path[module.len() + 1..]);
                    path = followed;
                }
                None => return module,
            }
        }
        path
    }

    /// The modules `source` imports, each as the module path that defines
    /// what it uses.
    fn imports(&self, source: &Source) -> BTreeSet<Vec<String>> {
        let mut used = BTreeSet::new();
        for path in paths_after(&source.code, "crate::") {
            used.insert(self.resolve(&path));
        }
        let parent = &source.module[..source.module.len().saturating_sub(1)];
        let is_facade = source.path.ends_with("mod.rs");
        for path in paths_after(&source.code, "super::") {
            // `super` in a facade's inline test module is the facade.
            let base = if is_facade {
                &source.module[..]
            } else {
                parent
            };
            used.insert(self.resolve(&[base.to_vec(), path].concat()));
        }
        for (name, module) in &self.macros {
            let call = format!("{name}!");
            let called = source.code.match_indices(&call).any(|(at, _)| {
                let before = source.code[..at].chars().next_back();
                !before.is_some_and(|c| is_ident(c) || c == '$')
            });
            if called {
                used.insert(module.clone());
            }
        }
        used.remove(&source.module);
        used
    }
}

/// A graph's edges: module → the modules it imports, each with the files
/// that do.
type Graph = BTreeMap<String, BTreeMap<String, BTreeSet<String>>>;

/// The import graph of the library in `src/`: the top-level modules, and
/// the submodules of each directory module (keyed `dir/file`).
fn graphs(src: &Path) -> (Graph, BTreeMap<String, Graph>) {
    let mut all = Vec::new();
    sources(src, &[], &mut all);
    let krate = Crate::new(&all);
    let mut top = Graph::new();
    let mut inner: BTreeMap<String, Graph> = BTreeMap::new();
    for source in &all {
        let Some(from) = source.module.first() else {
            continue;
        };
        let file = source
            .path
            .strip_prefix(src)
            .unwrap_or(&source.path)
            .display()
            .to_string();
        top.entry(from.clone()).or_default();
        for used in krate.imports(source) {
            let Some(to) = used.first() else { continue };
            if to != from {
                top.entry(from.clone())
                    .or_default()
                    .entry(to.clone())
                    .or_default()
                    .insert(file.clone());
            } else if source.module.len() == 2 && used.len() >= 2 && used[1] != source.module[1] {
                inner
                    .entry(from.clone())
                    .or_default()
                    .entry(source.module.join("/"))
                    .or_default()
                    .entry(used[..2].join("/"))
                    .or_default()
                    .insert(file.clone());
            }
        }
    }
    (top, inner)
}

/// The circles of `graph` (one per strongly connected component of more
/// than one module), each as its modules in order with the files that
/// close it.
fn circles(graph: &Graph) -> Vec<String> {
    let nodes: Vec<&String> = graph.keys().collect();
    let reaches = |from: &String, to: &String| -> Option<Vec<String>> {
        // Breadth-first: the shortest path from `from` to `to`.
        let mut came_from: BTreeMap<&String, &String> = BTreeMap::new();
        let mut queue = std::collections::VecDeque::from([from]);
        while let Some(at) = queue.pop_front() {
            for next in graph.get(at).into_iter().flat_map(|e| e.keys()) {
                if next == to {
                    let mut path = vec![to.clone(), at.clone()];
                    let mut back = at;
                    while let Some(prev) = came_from.get(back) {
                        path.push((*prev).clone());
                        back = prev;
                    }
                    path.reverse();
                    return Some(path);
                }
                if next != from && !came_from.contains_key(next) {
                    came_from.insert(next, at);
                    queue.push_back(next);
                }
            }
        }
        None
    };
    let mut seen = BTreeSet::new();
    let mut found = Vec::new();
    for node in nodes {
        if seen.contains(node) {
            continue;
        }
        let Some(circle) = reaches(node, node) else {
            continue;
        };
        seen.extend(circle.iter().cloned());
        let steps: Vec<String> = circle
            .windows(2)
            .map(|w| {
                let files = &graph[&w[0]][&w[1]];
                format!(
                    "{} -> {} ({})",
                    w[0],
                    w[1],
                    files.iter().cloned().collect::<Vec<_>>().join(", ")
                )
            })
            .collect();
        found.push(steps.join("; "));
    }
    found
}

fn src() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("src")
}

#[test]
fn the_modules_import_each_other_in_no_circle() {
    let (top, inner) = graphs(&src());
    let mut found = circles(&top);
    for graph in inner.values() {
        found.extend(circles(graph));
    }
    assert!(
        found.is_empty(),
        "module import circles:\n  {}",
        found.join("\n  ")
    );
}

#[test]
fn every_module_imports_only_its_floor_and_below() {
    let (top, _) = graphs(&src());
    let floor_of = |module: &str| {
        FLOORS
            .iter()
            .position(|(_, modules)| modules.contains(&module))
    };
    let unplaced: Vec<&String> = top.keys().filter(|m| floor_of(m).is_none()).collect();
    assert!(
        unplaced.is_empty(),
        "modules on no floor of FLOORS: {unplaced:?}"
    );
    let mut upward = Vec::new();
    for (from, imports) in &top {
        for (to, files) in imports {
            if floor_of(to) > floor_of(from) && !UPWARD.contains(&(from.as_str(), to.as_str())) {
                upward.push(format!("{from} -> {to} ({files:?})"));
            }
        }
    }
    assert!(
        UPWARD.len() <= 1,
        "at most one import may run from a lower floor up: {UPWARD:?}"
    );
    for (from, to) in UPWARD {
        assert!(
            top.get(*from).is_some_and(|e| e.contains_key(*to)),
            "UPWARD names {from} -> {to}, which no longer exists: remove it"
        );
    }
    assert!(
        upward.is_empty(),
        "imports from a lower floor up (UPWARD may name one):\n  {}",
        upward.join("\n  ")
    );
}

#[test]
fn the_checker_sees_imports_groups_macros_and_reexports() {
    let dir = std::env::temp_dir().join(format!("zil-module-layers-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(dir.join("c")).expect("a scratch directory");
    let files = [
        (
            "lib.rs",
            "mod a; mod b; mod c;\npub use b::Thing;\n// crate::c::nothing in a comment\n",
        ),
        (
            "a.rs",
            "use crate::{Thing, c::{self}};\nfn f() { let s = \"crate::b in a string\"; }\n",
        ),
        ("b.rs", "pub struct Thing; fn g() { made!(); }\n"),
        ("c/mod.rs", "mod x; mod y;\npub(crate) use y::Y;\n"),
        ("c/x.rs", "macro_rules! made { () => {} }\nuse super::Y;\n"),
        ("c/y.rs", "pub struct Y; fn h() { crate::c::x::z(); }\n"),
    ];
    for (name, text) in files {
        std::fs::write(dir.join(name), text).expect("a scratch file");
    }
    let (top, inner) = graphs(&dir);
    let edges = |g: &Graph, from: &str| -> Vec<String> {
        g.get(from)
            .map(|e| e.keys().cloned().collect())
            .unwrap_or_default()
    };
    assert_eq!(edges(&top, "a"), ["b", "c"]);
    assert_eq!(edges(&top, "b"), ["c"]);
    assert_eq!(edges(&inner["c"], "c/x"), ["c/y"]);
    assert_eq!(
        circles(&inner["c"]),
        ["c/x -> c/y (c/x.rs); c/y -> c/x (c/y.rs)"]
    );
    assert!(circles(&top).is_empty());
    std::fs::remove_dir_all(&dir).expect("the scratch directory removed");
}
