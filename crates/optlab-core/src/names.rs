//! File-system names made from what users type: entry and run names become folder and CSV
//! file names. Names are capped when a notebook loads ([`MAX_NAME_CHARS`]) and slugs are cut
//! to [`MAX_SLUG_BYTES`], so every file system takes the files `optlab run --out` writes.

use std::collections::HashSet;

/// Most characters of an entry or run name.
pub const MAX_NAME_CHARS: usize = 200;

/// The name of a copy: `NAME (copy)`, with `NAME` cut so the whole stays within
/// [`MAX_NAME_CHARS`] (a copy of a name at the limit still loads).
#[must_use]
pub fn copy_name(name: &str) -> String {
    const SUFFIX: &str = " (copy)";
    let keep = MAX_NAME_CHARS - SUFFIX.len();
    let cut: String = name.chars().take(keep).collect();
    format!("{cut}{SUFFIX}")
}

/// Most bytes of a slug, including a `-2` made unique: with `.csv` a file name stays within
/// 100 bytes, far below the 255 of common file systems.
pub const MAX_SLUG_BYTES: usize = 96;

/// serde `deserialize_with` for entry and run names: refuses a name longer than
/// [`MAX_NAME_CHARS`] characters, so the RON parser reports its position.
///
/// # Errors
/// The value is not a string, or too long.
pub fn limited_name<'de, D: serde::Deserializer<'de>>(deserializer: D) -> Result<String, D::Error> {
    let name = <String as serde::Deserialize>::deserialize(deserializer)?;
    let count = name.chars().count();
    if count > MAX_NAME_CHARS {
        return Err(serde::de::Error::custom(format!(
            "this name has {count} characters; a name has at most {MAX_NAME_CHARS}"
        )));
    }
    Ok(name)
}

/// A file-name-safe form of `name`: lower-case ASCII letters and digits, every other run of
/// characters one `-`, at most [`MAX_SLUG_BYTES`] bytes; `fallback` when nothing is left.
#[must_use]
pub fn slug(name: &str, fallback: &str) -> String {
    let mut slug = String::with_capacity(name.len().min(MAX_SLUG_BYTES));
    for c in name.chars() {
        if slug.len() >= MAX_SLUG_BYTES {
            break;
        }
        if c.is_ascii_alphanumeric() {
            slug.push(c.to_ascii_lowercase());
        } else if !slug.is_empty() && !slug.ends_with('-') {
            slug.push('-');
        }
    }
    while slug.ends_with('-') {
        slug.pop();
    }
    if slug.is_empty() { cut(fallback, MAX_SLUG_BYTES).to_owned() } else { slug }
}

/// `slug`, or `slug-2`, `slug-3`, … when already taken; the slug is cut (on a character
/// boundary) so the result stays within [`MAX_SLUG_BYTES`].
pub fn unique<S: std::hash::BuildHasher>(taken: &mut HashSet<String, S>, slug: &str) -> String {
    let mut candidate = cut(slug, MAX_SLUG_BYTES).to_owned();
    let mut n = 2;
    while !taken.insert(candidate.clone()) {
        let suffix = format!("-{n}");
        let base = cut(slug, MAX_SLUG_BYTES.saturating_sub(suffix.len()));
        candidate = format!("{base}{suffix}");
        n += 1;
    }
    candidate
}

/// The longest prefix of `text` of at most `bytes` bytes that ends on a character boundary.
fn cut(text: &str, bytes: usize) -> &str {
    let mut end = bytes.min(text.len());
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    &text[..end]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn long_names_give_short_distinct_slugs() {
        let long = "a".repeat(100_000);
        let first = slug(&long, "entry");
        assert_eq!(first.len(), MAX_SLUG_BYTES);
        let mut taken = HashSet::new();
        let names: Vec<String> = (0..12).map(|_| unique(&mut taken, &first)).collect();
        assert_eq!(taken.len(), 12, "{names:?}");
        assert!(names.iter().all(|n| n.len() <= MAX_SLUG_BYTES), "{names:?}");
        assert!(names[11].ends_with("-12"), "{}", names[11]);
    }

    #[test]
    fn cuts_land_on_character_boundaries() {
        let fallback = "é".repeat(100);
        let cut_fallback = slug("∇∇", &fallback);
        assert!(cut_fallback.len() <= MAX_SLUG_BYTES && cut_fallback.len().is_multiple_of(2));
        let mut taken = HashSet::new();
        let a = unique(&mut taken, &fallback);
        let b = unique(&mut taken, &fallback);
        assert!(a.len() <= MAX_SLUG_BYTES && b.len() <= MAX_SLUG_BYTES && a != b, "{a} {b}");
    }

    #[test]
    fn a_copy_of_a_long_name_stays_within_the_limit() {
        assert_eq!(super::copy_name("Adam"), "Adam (copy)");
        let long = "é".repeat(MAX_NAME_CHARS);
        let copy = super::copy_name(&long);
        assert_eq!(copy.chars().count(), MAX_NAME_CHARS);
        assert!(copy.ends_with(" (copy)"));
    }
}
