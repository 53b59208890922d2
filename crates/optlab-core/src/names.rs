//! File-system names made from what users type: entry and run names become folder and CSV
//! file names.

use std::collections::HashSet;

/// A file-name-safe form of `name`: lower-case ASCII letters and digits, every other run of
/// characters one `-`; `fallback` when nothing is left.
#[must_use]
pub fn slug(name: &str, fallback: &str) -> String {
    let mut slug = String::with_capacity(name.len());
    for c in name.chars() {
        if c.is_ascii_alphanumeric() {
            slug.push(c.to_ascii_lowercase());
        } else if !slug.is_empty() && !slug.ends_with('-') {
            slug.push('-');
        }
    }
    while slug.ends_with('-') {
        slug.pop();
    }
    if slug.is_empty() { fallback.to_owned() } else { slug }
}

/// `slug`, or `slug-2`, `slug-3`, … when already taken.
pub fn unique<S: std::hash::BuildHasher>(taken: &mut HashSet<String, S>, slug: &str) -> String {
    let mut candidate = slug.to_owned();
    let mut n = 2;
    while !taken.insert(candidate.clone()) {
        candidate = format!("{slug}-{n}");
        n += 1;
    }
    candidate
}
