//! Finding the comments a hand-written RON file carries, which a save (written from the parsed
//! notebook) cannot keep: the app warns before it drops them.

/// How many lines of `text` hold a comment (`// …` or part of a `/* … */` block), ignoring
/// comment-like text inside strings (`"http://…"`, raw strings `r#"…"#`) and characters.
#[must_use]
pub fn comment_lines(text: &str) -> usize {
    let mut lines = std::collections::BTreeSet::new();
    let mut scanner = Scanner { bytes: text.as_bytes(), at: 0, line: 1 };
    while let Some(byte) = scanner.peek(0) {
        match (byte, scanner.peek(1)) {
            (b'/', Some(b'/')) => {
                lines.insert(scanner.line);
                scanner.skip_line();
            }
            (b'/', Some(b'*')) => scanner.skip_block(&mut lines),
            (b'"', _) => scanner.skip_string(0),
            (b'r', Some(b'"' | b'#')) if scanner.starts_raw_string() => scanner.skip_raw(),
            (b'\'', _) => scanner.skip_char(),
            _ => scanner.advance(),
        }
    }
    lines.len()
}

/// A cursor over the text's bytes that counts lines.
struct Scanner<'a> {
    bytes: &'a [u8],
    at: usize,
    line: usize,
}

impl Scanner<'_> {
    fn peek(&self, ahead: usize) -> Option<u8> {
        self.bytes.get(self.at + ahead).copied()
    }

    fn advance(&mut self) {
        if self.peek(0) == Some(b'\n') {
            self.line += 1;
        }
        self.at += 1;
    }

    fn skip_line(&mut self) {
        while self.peek(0).is_some_and(|b| b != b'\n') {
            self.at += 1;
        }
    }

    /// A block comment, nested as RON allows; every line it touches counts.
    fn skip_block(&mut self, lines: &mut std::collections::BTreeSet<usize>) {
        let mut depth = 0_usize;
        while let Some(byte) = self.peek(0) {
            lines.insert(self.line);
            match (byte, self.peek(1)) {
                (b'/', Some(b'*')) => {
                    depth += 1;
                    self.at += 2;
                }
                (b'*', Some(b'/')) => {
                    self.at += 2;
                    depth -= 1;
                    if depth == 0 {
                        return;
                    }
                }
                _ => self.advance(),
            }
        }
    }

    /// A quoted string starting at the quote; `hashes` closing `#`s for raw strings (escapes
    /// only count in plain strings).
    fn skip_string(&mut self, hashes: usize) {
        self.at += 1;
        while let Some(byte) = self.peek(0) {
            if byte == b'\\' && hashes == 0 {
                self.at += 1;
            } else if byte == b'"' && (1..=hashes).all(|k| self.peek(k) == Some(b'#')) {
                self.at += 1 + hashes;
                return;
            }
            self.advance();
        }
    }

    fn starts_raw_string(&self) -> bool {
        let previous_is_word = self.at > 0
            && (self.bytes[self.at - 1].is_ascii_alphanumeric() || self.bytes[self.at - 1] == b'_');
        let hashes = self.bytes[self.at + 1..].iter().take_while(|&&b| b == b'#').count();
        !previous_is_word && self.peek(1 + hashes) == Some(b'"')
    }

    fn skip_raw(&mut self) {
        self.at += 1;
        let hashes = self.bytes[self.at..].iter().take_while(|&&b| b == b'#').count();
        self.at += hashes;
        self.skip_string(hashes);
    }

    fn skip_char(&mut self) {
        self.at += 1;
        if self.peek(0) == Some(b'\\') {
            self.at += 1;
        }
        self.at += 1;
        if self.peek(0) == Some(b'\'') {
            self.at += 1;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::comment_lines;

    #[test]
    fn line_and_block_comments_count_by_line() {
        let text = "// title\n(\n  title: \"x\", // why\n  /* a\n  b */ entries: [],\n)\n";
        assert_eq!(comment_lines(text), 4);
    }

    #[test]
    fn comment_marks_inside_strings_are_text() {
        let text = "(title: \"see http://example.org /* not */\", notes: r#\"// \"quoted\"\"#)";
        assert_eq!(comment_lines(text), 0);
        assert_eq!(comment_lines("(notes: \"a \\\" // b\")"), 0);
    }

    #[test]
    fn a_saved_notebook_has_none() {
        let text = crate::notebook::Notebook::default_notebook().to_ron();
        assert_eq!(comment_lines(&text), 0);
    }
}
