//! The layout `ARCHITECTURE.md` promises, checked on the sources of both crates: the core depends
//! on no GUI or command-line crate, no file imports a file that imports it back (directly or
//! through others), and no function is longer than 80 lines.
//!
//! Imports are read from the text: `use` paths (`crate::`, `super::`, `self::` and a child module
//! by name), inline `crate::a::b` and `super::a` paths, and `child::Item` paths. A name that a
//! module file re-exports (`pub use child::Item`) is followed to the file that defines it, so a
//! parent re-exporting its children is not a circle.

use std::collections::{BTreeMap, BTreeSet};
use std::fs;
use std::path::{Path, PathBuf};

/// A module path inside one crate (`["entries", "dropout", "config"]`).
type ModPath = Vec<String>;

/// The workspace root (two levels above the core's manifest).
fn workspace() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// Every `.rs` file under `root` by its module path (`mod.rs` and `lib.rs` name their folder).
fn modules(root: &Path) -> BTreeMap<ModPath, String> {
    let mut found = BTreeMap::new();
    let mut dirs = vec![root.to_path_buf()];
    while let Some(dir) = dirs.pop() {
        for entry in fs::read_dir(&dir).expect("a source folder").flatten() {
            let path = entry.path();
            if path.is_dir() {
                dirs.push(path);
                continue;
            }
            let relative = path.strip_prefix(root).expect("under root").with_extension("");
            let mut parts: ModPath =
                relative.iter().map(|p| p.to_string_lossy().into_owned()).collect();
            if parts == ["main"] || path.extension().is_none_or(|e| e != "rs") {
                continue; // the binary's entry point is another crate
            }
            if matches!(parts.last().map(String::as_str), Some("mod" | "lib")) {
                parts.pop();
            }
            let text = fs::read_to_string(&path).expect("a readable source file");
            found.insert(parts, code_of(&text));
        }
    }
    found
}

/// The text without comments, string contents and `#[cfg(test)]` modules at the end.
fn code_of(text: &str) -> String {
    let text = text.find("#[cfg(test)]\nmod tests").map_or(text, |at| &text[..at]);
    text.lines()
        .map(|line| {
            let mut kept = String::new();
            let mut in_string = false;
            let mut chars = line.chars().peekable();
            while let Some(c) = chars.next() {
                match c {
                    '"' => in_string = !in_string,
                    '\\' if in_string => {
                        chars.next();
                    }
                    '/' if !in_string && chars.peek() == Some(&'/') => break,
                    _ if in_string => {}
                    _ => kept.push(c),
                }
            }
            kept
        })
        .collect::<Vec<_>>()
        .join("\n")
}

/// Words separated by `::` at the start of `text` (identifier characters only).
fn path_at(text: &str) -> Vec<String> {
    let mut parts = Vec::new();
    let mut rest = text;
    loop {
        let end = rest.find(|c: char| !(c.is_alphanumeric() || c == '_')).unwrap_or(rest.len());
        if end == 0 {
            break;
        }
        parts.push(rest[..end].to_owned());
        match rest[end..].strip_prefix("::") {
            Some(next) => rest = next,
            None => break,
        }
    }
    parts
}

/// The import graph of one crate's files.
struct Graph {
    files: BTreeMap<ModPath, String>,
}

impl Graph {
    /// Names `module` re-exports from its children, with the child each comes from.
    fn reexports(&self, module: &ModPath) -> BTreeMap<String, ModPath> {
        let mut names = BTreeMap::new();
        let Some(code) = self.files.get(module) else { return names };
        for statement in code.split(';') {
            let statement = statement.trim();
            let Some(rest) = statement.strip_prefix("pub use ") else { continue };
            let child = path_at(rest);
            let Some(first) = child.first() else { continue };
            let mut child_path = module.clone();
            child_path.push(first.clone());
            if !self.files.contains_key(&child_path) {
                continue;
            }
            let list = rest.split_once('{').map_or(rest, |(_, list)| list);
            for name in list.trim_end_matches('}').split(',') {
                let name = name.rsplit("::").next().unwrap_or(name).trim();
                let name = name.rsplit(" as ").next().unwrap_or(name).trim();
                names.insert(name.to_owned(), child_path.clone());
            }
        }
        names
    }

    /// The file a path names: its longest module prefix, following a re-exported item.
    fn resolve(&self, parts: &[String]) -> Option<ModPath> {
        (1..=parts.len()).rev().find_map(|k| {
            let module = parts[..k].to_vec();
            if !self.files.contains_key(&module) {
                return None;
            }
            let item = parts.get(k);
            Some(item.and_then(|name| self.reexports(&module).remove(name)).unwrap_or(module))
        })
    }

    /// Every path written in `module`'s code, made absolute within the crate.
    fn paths_in(&self, module: &ModPath) -> Vec<Vec<String>> {
        let code = &self.files[module];
        let inline = inline_modules(code);
        let mut paths = Vec::new();
        for (at, _) in code.match_indices("::") {
            let start = code[..at]
                .rfind(|c: char| !(c.is_alphanumeric() || c == '_' || c == ':'))
                .map_or(0, |i| i + 1);
            if code[start..at].contains("::") {
                continue; // not the path's first `::`: counted with its start
            }
            let mut written = path_at(&code[start..]);
            let group = code[start..].find(';').map(|end| &code[start..start + end]);
            if let Some(items) = group.and_then(|text| text.split_once("::{")).map(|(_, list)| list)
                && written.len() == path_at(&code[start..]).len()
                && code[start..].starts_with(&format!("{}::{{", written.join("::")))
            {
                for item in items.trim_end_matches('}').split(',') {
                    let mut full = written.clone();
                    full.extend(path_at(item.trim()));
                    paths.extend(self.absolute(module, &in_file(full, start, &inline)));
                }
            }
            written = in_file(written, start, &inline);
            paths.extend(self.absolute(module, &written));
        }
        paths
    }

    /// `written` (as it stands in `module`) as a path from the crate root, if it is in the crate.
    fn absolute(&self, module: &ModPath, written: &[String]) -> Option<Vec<String>> {
        let (first, rest) = written.split_first()?;
        let mut base = match first.as_str() {
            "crate" => Vec::new(),
            "self" => module.clone(),
            "super" => module[..module.len().checked_sub(1)?].to_vec(),
            child => {
                let mut path = module.clone();
                path.push(child.to_owned());
                if !self.files.contains_key(&path) {
                    return None;
                }
                return Some(path.into_iter().chain(rest.iter().cloned()).collect());
            }
        };
        let mut rest = rest;
        while let Some(("super", tail)) = rest.split_first().map(|(h, t)| (h.as_str(), t)) {
            base.pop();
            rest = tail;
        }
        base.extend(rest.iter().cloned());
        Some(base)
    }

    /// Which files each file imports.
    fn edges(&self) -> BTreeMap<ModPath, BTreeSet<ModPath>> {
        self.files
            .keys()
            .map(|module| {
                let targets = self
                    .paths_in(module)
                    .iter()
                    .filter_map(|path| self.resolve(path))
                    .filter(|target| target != module)
                    .collect();
                (module.clone(), targets)
            })
            .collect()
    }
}

/// Byte ranges of the inline modules (`mod de { … }`) of a file's code.
fn inline_modules(code: &str) -> Vec<(usize, usize)> {
    let mut ranges = Vec::new();
    for (at, _) in code.match_indices("mod ") {
        let Some(open) = code[at..].find(['{', ';']).map(|i| at + i) else { continue };
        if code.as_bytes()[open] != b'{'
            || (at > 0 && code.as_bytes()[at - 1].is_ascii_alphanumeric())
        {
            continue;
        }
        let mut depth = 0_usize;
        for (offset, c) in code[open..].char_indices() {
            match c {
                '{' => depth += 1,
                '}' => depth -= 1,
                _ => {}
            }
            if depth == 0 {
                ranges.push((open, open + offset));
                break;
            }
        }
    }
    ranges
}

/// `super::` written inside an inline module means the file's own module.
fn in_file(mut written: Vec<String>, at: usize, inline: &[(usize, usize)]) -> Vec<String> {
    if inline.iter().any(|&(open, close)| open < at && at < close)
        && written.first().is_some_and(|first| first == "super")
    {
        "self".clone_into(&mut written[0]);
    }
    written
}

/// The circles of `edges`: every group of two or more files that reach each other.
fn circles(edges: &BTreeMap<ModPath, BTreeSet<ModPath>>) -> Vec<Vec<ModPath>> {
    let reach = |from: &ModPath| {
        let mut seen = BTreeSet::new();
        let mut todo = vec![from.clone()];
        while let Some(next) = todo.pop() {
            for target in edges.get(&next).into_iter().flatten() {
                if seen.insert(target.clone()) {
                    todo.push(target.clone());
                }
            }
        }
        seen
    };
    let reaches: BTreeMap<_, _> = edges.keys().map(|m| (m.clone(), reach(m))).collect();
    let mut groups: Vec<Vec<ModPath>> = Vec::new();
    for (module, reached) in &reaches {
        if !reached.contains(module) || groups.iter().any(|g| g.contains(module)) {
            continue;
        }
        let group = reached.iter().filter(|other| reaches[*other].contains(module)).cloned();
        groups.push(group.collect());
    }
    groups
}

fn assert_no_circles(root: &Path) {
    let graph = Graph { files: modules(root) };
    let edges = graph.edges();
    assert!(edges.len() > 10, "found only {} files under {}", edges.len(), root.display());
    let found = circles(&edges);
    let shown: Vec<String> = found
        .iter()
        .map(|group| group.iter().map(|m| m.join("::")).collect::<Vec<_>>().join(" ↔ "))
        .collect();
    assert!(found.is_empty(), "import circles in {}: {shown:#?}", root.display());
}

#[test]
fn the_core_has_no_import_circles() {
    assert_no_circles(&workspace().join("crates/optlab-core/src"));
}

#[test]
fn the_app_and_cli_have_no_import_circles() {
    assert_no_circles(&workspace().join("src"));
}

#[test]
fn the_circle_finder_finds_a_circle() {
    let files = [
        (vec!["a".to_owned()], "use crate::b::B;\npub struct A;".to_owned()),
        (vec!["b".to_owned()], "pub struct B(crate::a::A);".to_owned()),
        (vec!["c".to_owned()], "use crate::a::A;".to_owned()),
    ];
    let graph = Graph { files: files.into_iter().collect() };
    let found = circles(&graph.edges());
    assert_eq!(found, vec![vec![vec!["a".to_owned()], vec!["b".to_owned()]]]);
}

/// Lines of every `fn` in the `.rs` files under `root`, from its `fn` line to its closing brace.
fn function_lengths(root: &Path) -> Vec<(usize, String)> {
    let mut lengths = Vec::new();
    let graph = modules(root);
    for (module, code) in &graph {
        let lines: Vec<&str> = code.lines().collect();
        for (start, line) in lines.iter().enumerate() {
            let trimmed = line.trim_start();
            let is_fn = trimmed.starts_with("fn ")
                || trimmed.starts_with("pub fn ")
                || trimmed.starts_with("pub(crate) fn ")
                || trimmed.starts_with("pub(super) fn ")
                || trimmed.starts_with("const fn ")
                || trimmed.starts_with("pub const fn ");
            if !is_fn {
                continue;
            }
            let mut depth = 0_i64;
            let mut opened = false;
            for (offset, body_line) in lines[start..].iter().enumerate() {
                if !opened && body_line.contains(';') && !body_line.contains('{') {
                    break; // a declaration without a body
                }
                for c in body_line.chars() {
                    match c {
                        '{' => {
                            depth += 1;
                            opened = true;
                        }
                        '}' => depth -= 1,
                        _ => {}
                    }
                }
                if opened && depth == 0 {
                    lengths.push((offset + 1, format!("{}: {}", module.join("::"), trimmed)));
                    break;
                }
            }
        }
    }
    lengths
}

#[test]
fn no_function_is_longer_than_80_lines() {
    for root in ["crates/optlab-core/src", "src"] {
        let lengths = function_lengths(&workspace().join(root));
        assert!(lengths.len() > 100, "found only {} functions in {root}", lengths.len());
        let long: Vec<_> = lengths.iter().filter(|(n, _)| *n > 80).collect();
        assert!(long.is_empty(), "functions over 80 lines in {root}: {long:#?}");
    }
}

#[test]
fn the_core_depends_on_no_gui_or_cli_crate() {
    let manifest =
        fs::read_to_string(workspace().join("crates/optlab-core/Cargo.toml")).expect("manifest");
    let dependencies = manifest
        .split("\n[")
        .find(|section| section.starts_with("dependencies]"))
        .expect("a [dependencies] section");
    let names: Vec<&str> = dependencies
        .lines()
        .skip(1)
        .filter_map(|line| line.split(['.', '=', ' ']).next())
        .filter(|name| !name.is_empty() && !name.starts_with('#'))
        .collect();
    assert!(names.contains(&"rand"), "read the dependencies: {names:?}");
    for gui_or_cli in ["egui", "eframe", "egui_plot", "egui_kittest", "rfd", "clap"] {
        assert!(!names.contains(&gui_or_cli), "the core depends on {gui_or_cli}");
    }
}
