//! The one lexer for text scans: where the comments and the string and character literals of a
//! source file are, so a scan of the text never matches inside them.

/// What a [`Lexeme`] is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum LexemeKind {
    /// `// ..` up to the end of the line (doc comments `///` and `//!` included).
    LineComment,
    /// `/* .. */`, nested ones included.
    BlockComment,
    /// A string literal: `".."`, `b".."`, `c".."`, `r#".."#`, `br".."`, `cr".."`.
    Str,
    /// A character or byte literal: `'x'`, `'\n'`, `b'"'`.
    Char,
}

/// A comment or literal, by byte range.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Lexeme {
    /// What it is.
    pub(crate) kind: LexemeKind,
    /// Offset of its first byte.
    pub(crate) start: usize,
    /// Offset just past its last byte.
    pub(crate) end: usize,
}

/// Whether a byte can be part of an identifier (ASCII letters, digits, `_`): what the text scans
/// take for word boundaries.
pub(crate) fn is_ident_byte(byte: u8) -> bool {
    byte.is_ascii_alphanumeric() || byte == b'_'
}

/// The identifier starting at `at` (after whitespace), and where it ends.
pub(crate) fn ident_at(code: &[u8], at: usize) -> Option<(&str, usize)> {
    let start = skip_whitespace(code, at);
    let len = code[start..]
        .iter()
        .take_while(|b| is_ident_byte(**b))
        .count();
    if len == 0 {
        return None;
    }
    let ident = std::str::from_utf8(&code[start..start + len]).ok()?;
    Some((ident, start + len))
}

/// The index of the first byte at or after `at` that is not whitespace (the end of `code` when
/// none is).
pub(crate) fn skip_whitespace(code: &[u8], mut at: usize) -> usize {
    while at < code.len() && code[at].is_ascii_whitespace() {
        at += 1;
    }
    at
}

/// The comments and literals of a source text, in order. Everything between them is code.
pub(crate) struct Lexer<'s> {
    bytes: &'s [u8],
    at: usize,
}

impl<'s> Lexer<'s> {
    /// Lexes `source` from its start.
    pub(crate) fn new(source: &'s [u8]) -> Lexer<'s> {
        Lexer {
            bytes: source,
            at: 0,
        }
    }
}

impl Iterator for Lexer<'_> {
    type Item = Lexeme;

    fn next(&mut self) -> Option<Lexeme> {
        let bytes = self.bytes;
        while self.at < bytes.len() {
            let start = self.at;
            match lexeme_at(bytes, start) {
                Some((kind, end)) => {
                    let end = end.min(bytes.len());
                    self.at = end;
                    return Some(Lexeme { kind, start, end });
                }
                None => self.at = next_candidate(bytes, start + 1),
            }
        }
        None
    }
}

/// The comment or literal starting at `start`, if one does: its kind and end.
fn lexeme_at(bytes: &[u8], start: usize) -> Option<(LexemeKind, usize)> {
    let rest = &bytes[start..];
    if rest.starts_with(b"//") {
        let end = memchr::memchr(b'\n', rest).map_or(bytes.len(), |n| start + n);
        Some((LexemeKind::LineComment, end))
    } else if rest.starts_with(b"/*") {
        Some((LexemeKind::BlockComment, block_comment_end(bytes, start)))
    } else if let Some(hashes) = raw_string_hashes(bytes, start) {
        let open = start + rest.iter().position(|b| *b == b'"').unwrap_or(0) + 1;
        let mut close = vec![b'"'];
        close.extend(std::iter::repeat_n(b'#', hashes));
        let end = memchr::memmem::find(&bytes[open..], &close)
            .map_or(bytes.len(), |n| open + n + close.len());
        Some((LexemeKind::Str, end))
    } else if rest[0] == b'"' {
        Some((LexemeKind::Str, quoted_end(bytes, start, b'"')))
    } else if rest[0] == b'\'' && is_char_literal(rest) {
        Some((LexemeKind::Char, quoted_end(bytes, start, b'\'')))
    } else {
        None
    }
}

/// The first offset from `from` where a comment or literal may start: a `/`, a quote, or the
/// prefix of a raw string whose quote comes next (`r#"`, `br"`), which is found by looking back
/// from its quote. Everything skipped is code.
fn next_candidate(bytes: &[u8], from: usize) -> usize {
    let Some(found) = bytes
        .get(from..)
        .and_then(|rest| memchr::memchr3(b'/', b'"', b'\'', rest))
    else {
        return bytes.len();
    };
    let at = from + found;
    if bytes[at] != b'"' {
        return at;
    }
    // `r`, `br` or `cr`, then `#`s, then this quote: the raw string starts at its prefix.
    let hashes = bytes[from..at]
        .iter()
        .rev()
        .take_while(|b| **b == b'#')
        .count();
    let r = at - hashes;
    if r > from && bytes[r - 1] == b'r' {
        let prefixed = r - 1 > from && matches!(bytes[r - 2], b'b' | b'c');
        for start in [r - 2, r - 1].into_iter().skip(usize::from(!prefixed)) {
            if raw_string_hashes(bytes, start).is_some() {
                return start;
            }
        }
    }
    at
}

/// Replaces every byte of `text` but line breaks with a space, so offsets and line numbers stay.
pub(crate) fn blank(text: &mut [u8]) {
    for byte in text {
        if *byte != b'\n' {
            *byte = b' ';
        }
    }
}

/// A copy of the source with comments, string and character literals replaced by spaces (line
/// breaks kept, so offsets and line numbers stay), for text scans that must not match inside them.
pub(crate) fn blank_comments_and_strings(source: &[u8]) -> Vec<u8> {
    let mut code = source.to_vec();
    for lexeme in Lexer::new(source) {
        blank(&mut code[lexeme.start..lexeme.end]);
    }
    code
}

/// A copy of the source with its plain comments replaced by spaces (line breaks kept). Doc
/// comments stay: the parser turns them into attributes that rules may read. For the prefilter, to
/// which a word that only a plain comment holds is no reason to parse a file.
pub(crate) fn blank_plain_comments(source: &[u8]) -> Vec<u8> {
    let mut code = source.to_vec();
    for lexeme in Lexer::new(source) {
        let text = &source[lexeme.start..lexeme.end];
        let plain = match lexeme.kind {
            LexemeKind::LineComment => !(text.starts_with(b"///") || text.starts_with(b"//!")),
            LexemeKind::BlockComment => !(text.starts_with(b"/**") || text.starts_with(b"/*!")),
            LexemeKind::Str | LexemeKind::Char => false,
        };
        if plain {
            blank(&mut code[lexeme.start..lexeme.end]);
        }
    }
    code
}

/// The source with a cargo-script front matter (`---cargo` .. `---`, after an optional shebang
/// line and blank lines) blanked out, line breaks kept so locations do not move; the source
/// itself when it has none. The Rust parser does not know front matter.
pub(crate) fn without_front_matter(source: &str) -> std::borrow::Cow<'_, str> {
    let mut offset = 0;
    let mut lines = source.split_inclusive('\n');
    let mut line = lines.next();
    if line.is_some_and(|l| l.starts_with("#!") && !l.starts_with("#![")) {
        offset += line.map_or(0, str::len);
        line = lines.next();
    }
    while let Some(blank) = line.filter(|l| l.trim().is_empty()) {
        offset += blank.len();
        line = lines.next();
    }
    let Some(opening) = line else {
        return std::borrow::Cow::Borrowed(source);
    };
    let dashes = opening.bytes().take_while(|b| *b == b'-').count();
    if dashes < 3 {
        return std::borrow::Cow::Borrowed(source);
    }
    let start = offset;
    let mut end = offset + opening.len();
    let mut closed = false;
    for next in lines {
        end += next.len();
        let trimmed = next.trim_end();
        if trimmed.len() == dashes && trimmed.bytes().all(|b| b == b'-') {
            closed = true;
            break;
        }
    }
    if !closed {
        return std::borrow::Cow::Borrowed(source);
    }
    let mut text = String::with_capacity(source.len());
    text.push_str(&source[..start]);
    text.extend(
        source[start..end]
            .chars()
            .map(|c| if c == '\n' { '\n' } else { ' ' }),
    );
    text.push_str(&source[end..]);
    std::borrow::Cow::Owned(text)
}

/// The end of a `"` or `'` literal starting at `start`, escapes included.
fn quoted_end(bytes: &[u8], start: usize, quote: u8) -> usize {
    let mut i = start + 1;
    while i < bytes.len() {
        match bytes[i] {
            b'\\' => i += 2,
            b if b == quote => return i + 1,
            _ => i += 1,
        }
    }
    bytes.len()
}

/// Whether the `'` at the start of `rest` opens a char literal rather than a lifetime or label.
fn is_char_literal(rest: &[u8]) -> bool {
    match rest.get(1) {
        Some(b'\\') => true,
        Some(_) => {
            let width = std::str::from_utf8(&rest[1..rest.len().min(5)])
                .ok()
                .or_else(|| std::str::from_utf8(&rest[1..rest.len().min(2)]).ok())
                .and_then(|s| s.chars().next())
                .map_or(1, char::len_utf8);
            rest.get(1 + width) == Some(&b'\'')
        }
        None => false,
    }
}

/// The number of `#`s of a raw string (`r"`, `r#"`, `br##"`, `cr"`) starting at `start`.
fn raw_string_hashes(bytes: &[u8], start: usize) -> Option<usize> {
    if start > 0 && (bytes[start - 1].is_ascii_alphanumeric() || bytes[start - 1] == b'_') {
        return None;
    }
    let mut i = start;
    if matches!(bytes.get(i), Some(b'b' | b'c')) {
        i += 1;
    }
    if bytes.get(i) != Some(&b'r') {
        return None;
    }
    i += 1;
    let hashes = bytes[i..].iter().take_while(|b| **b == b'#').count();
    (bytes.get(i + hashes) == Some(&b'"')).then_some(hashes)
}

/// The end of a (nested) block comment starting at `start`.
fn block_comment_end(bytes: &[u8], start: usize) -> usize {
    let (mut depth, mut i) = (0_usize, start);
    while i + 1 < bytes.len() {
        match (bytes[i], bytes[i + 1]) {
            (b'/', b'*') => {
                depth += 1;
                i += 2;
            }
            (b'*', b'/') => {
                depth -= 1;
                i += 2;
                if depth == 0 {
                    return i;
                }
            }
            _ => i += 1,
        }
    }
    bytes.len()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn kinds(source: &str) -> Vec<(LexemeKind, &str)> {
        Lexer::new(source.as_bytes())
            .map(|l| (l.kind, &source[l.start..l.end]))
            .collect()
    }

    #[test]
    fn comments_strings_and_chars_are_found_and_lifetimes_are_not() {
        let source =
            "fn f<'a>(x: &'a str) -> char { /* a /* b */ c */ let s = r#\"q\"#; '\"' } // end";
        assert_eq!(
            kinds(source),
            [
                (LexemeKind::BlockComment, "/* a /* b */ c */"),
                (LexemeKind::Str, "r#\"q\"#"),
                (LexemeKind::Char, "'\"'"),
                (LexemeKind::LineComment, "// end"),
            ]
        );
    }

    /// The lexemes found by trying every offset in turn, without skipping ahead.
    fn lexed_offset_by_offset(source: &[u8]) -> Vec<Lexeme> {
        let mut found = Vec::new();
        let mut at = 0;
        while at < source.len() {
            match lexeme_at(source, at) {
                Some((kind, end)) => {
                    let end = end.min(source.len());
                    found.push(Lexeme {
                        kind,
                        start: at,
                        end,
                    });
                    at = end;
                }
                None => at += 1,
            }
        }
        found
    }

    proptest::proptest! {
        #[test]
        fn skipping_ahead_finds_what_trying_every_offset_finds(
            source in proptest::collection::vec(
                proptest::sample::select(b"/*\"'#rbcx \n\\".to_vec()),
                0..40,
            )
        ) {
            let skipped: Vec<Lexeme> = Lexer::new(&source).collect();
            proptest::prop_assert_eq!(skipped, lexed_offset_by_offset(&source));
        }
    }

    #[test]
    fn raw_strings_are_found_from_their_prefix() {
        let source = "x = br##\"a\"# \"##; y = ar\"b\"; c = cr\"q\";";
        assert_eq!(
            kinds(source),
            [
                (LexemeKind::Str, "br##\"a\"# \"##"),
                (LexemeKind::Str, "\"b\""),
                (LexemeKind::Str, "cr\"q\""),
            ]
        );
    }

    #[test]
    fn front_matter_is_blanked_and_lines_stay() {
        let source = "#!/usr/bin/env -S cargo +nightly -Zscript\n---cargo\n[dependencies]\nx = \"1\"\n---\n\nfn main() {}\n";
        let cleaned = without_front_matter(source);
        assert_eq!(cleaned.lines().count(), source.lines().count());
        assert!(syn::parse_file(&cleaned).is_ok(), "{cleaned}");
        assert!(cleaned.lines().nth(6).is_some_and(|l| l == "fn main() {}"));
        let plain = "// no front matter\nfn main() {}\n";
        assert!(matches!(
            without_front_matter(plain),
            std::borrow::Cow::Borrowed(_)
        ));
        let unclosed = "---\nfn main() {}\n";
        assert_eq!(without_front_matter(unclosed), unclosed);
    }

    #[test]
    fn plain_comments_are_blanked_and_doc_comments_and_strings_kept() {
        let source =
            "/// retry doc\n// retry plain\nlet s = \"retry // x\"; /* retry */ /** retry */\n";
        let blanked = String::from_utf8(blank_plain_comments(source.as_bytes())).unwrap();
        assert_eq!(
            blanked,
            "/// retry doc\n              \nlet s = \"retry // x\";             /** retry */\n"
        );
    }

    #[test]
    fn blanking_keeps_offsets_and_lines() {
        let source = "a \"x\ny\" b // c\nd";
        let blanked = blank_comments_and_strings(source.as_bytes());
        assert_eq!(String::from_utf8(blanked).unwrap(), "a   \n   b     \nd");
    }
}
