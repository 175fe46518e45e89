//! Where the loops of a source text are, read from its text alone: the byte ranges from each
//! `loop`, `while` or `for` keyword to the end of the body that follows it. The prefilter uses them
//! to let a word count only inside a loop (`RuleInfo::loop_needles`).
//!
//! The scan errs on the side of a larger range, never a smaller one. A `while` or `for` header may
//! hold braces of its own (`while match s { .. } {`, `while let P { .. } = x {`, `while { .. } {`),
//! so a brace closing at its keyword's level ends its range only when a new statement follows it
//! (a word, `}`, `;`, an attribute, a label); otherwise the range runs on, at most to the end of
//! the enclosing block. `loop`, whose body follows the keyword at once, ends with its body. A range
//! whose end the scan cannot find runs to the end of the text. The `for` of an
//! `impl Trait for Type` header (and a `for<'a>` bound in one) opens no range.

use std::ops::Range;

use super::lexer::{is_ident_byte, Lexer};

/// The ranges of `code` (comments and literals are skipped) that lie inside a loop: from its
/// keyword, through its condition, to the closing brace of its body. Nested loops give nested
/// ranges.
pub(crate) fn loop_ranges(code: &[u8]) -> Vec<Range<usize>> {
    let mut scan = Scan::default();
    let mut at = 0;
    for lexeme in Lexer::new(code) {
        scan.code(code, at, lexeme.start);
        at = lexeme.end;
    }
    scan.code(code, at, code.len());
    let end = code.len();
    scan.ranges
        .extend(scan.open.drain(..).map(|open| open.start..end));
    scan.ranges
}

/// A loop keyword whose range has not closed yet.
struct Open {
    start: usize,
    /// `loop`: its range ends with the first brace that closes at its level (its body). A `while`
    /// or `for` range ends there only when a statement follows, else with the enclosing block.
    bare: bool,
    /// The brace depth at the keyword: the body's closing brace brings the depth back to it.
    braces: usize,
    /// The bracket depth at the keyword: a brace closing inside brackets (a closure in the
    /// condition) is not the body's.
    brackets: usize,
}

#[derive(Default)]
struct Scan {
    braces: usize,
    brackets: usize,
    open: Vec<Open>,
    ranges: Vec<Range<usize>>,
    /// Whether a word has come since the last `;`, `{` or `}`, outside brackets (so outside
    /// attributes): the item or statement being read has begun.
    statement_begun: bool,
    /// That first word was `impl` or `unsafe`: an impl header, whose `for` is no loop.
    impl_header: bool,
    /// The bracket depth at that `;`, `{` or `}`.
    statement_level: usize,
}

impl Scan {
    fn start_statement(&mut self) {
        self.statement_begun = false;
        self.impl_header = false;
        self.statement_level = self.brackets;
    }

    /// Scans the code between two comments or literals.
    fn code(&mut self, bytes: &[u8], from: usize, to: usize) {
        let mut at = from;
        while at < to {
            let byte = bytes[at];
            if byte.is_ascii_alphabetic() || byte == b'_' {
                let start = at;
                while at < to && is_ident_byte(bytes[at]) {
                    at += 1;
                }
                let word = &bytes[start..at];
                if !self.statement_begun && self.brackets == self.statement_level {
                    self.statement_begun = true;
                    self.impl_header = matches!(word, b"impl" | b"unsafe");
                }
                // `impl Trait for Type {` is no loop, nor is a `for<'a>` bound of its header.
                let keyword = match word {
                    b"loop" | b"while" => true,
                    b"for" => !self.impl_header,
                    _ => false,
                };
                if keyword {
                    self.open.push(Open {
                        start,
                        bare: word == b"loop",
                        braces: self.braces,
                        brackets: self.brackets,
                    });
                }
                continue;
            }
            match byte {
                b';' => self.start_statement(),
                b'{' => {
                    self.braces += 1;
                    self.start_statement();
                }
                b'}' => {
                    self.braces = self.braces.saturating_sub(1);
                    self.start_statement();
                    // A `}` at a `while`/`for` keyword's level ends its body when a new statement
                    // follows (a word, `}`, `;`, an attribute, a label); anything else may still be
                    // its header (`while match s { .. } {`, `while let P { .. } = x {`).
                    let statement_follows =
                        !self.open.is_empty() && statement_follows(bytes, at, to);
                    while let Some(open) = self.open.last() {
                        let closed = if open.bare || statement_follows {
                            open.braces >= self.braces
                        } else {
                            open.braces > self.braces
                        };
                        if !closed || open.brackets != self.brackets {
                            break;
                        }
                        let start = open.start;
                        self.open.pop();
                        self.ranges.push(start..at + 1);
                    }
                }
                b'(' | b'[' => self.brackets += 1,
                b')' | b']' => self.brackets = self.brackets.saturating_sub(1),
                _ => {}
            }
            at += 1;
        }
    }
}

/// Whether what follows the `}` at `at` (up to `to`, where a comment or literal starts) begins a
/// new statement: a word, `}`, `;`, an attribute or a label, but not a word that continues a
/// header (`for P { .. } in xs {`, `while if a { .. } else { .. } {`, `.. } as T`).
fn statement_follows(bytes: &[u8], at: usize, to: usize) -> bool {
    let rest = &bytes[at + 1..to];
    let Some(from) = rest.iter().position(|b| !b.is_ascii_whitespace()) else {
        return to == bytes.len();
    };
    let rest = &rest[from..];
    let word = &rest[..rest.iter().take_while(|b| is_ident_byte(**b)).count()];
    let header_word = matches!(word, b"in" | b"as" | b"else");
    (rest[0].is_ascii_alphabetic() || matches!(rest[0], b'_' | b'}' | b';' | b'#' | b'\''))
        && !header_word
}

#[cfg(test)]
mod tests {
    use super::*;

    fn inside(code: &str) -> Vec<&str> {
        loop_ranges(code.as_bytes())
            .into_iter()
            .map(|range| &code[range])
            .collect()
    }

    #[test]
    fn a_loop_runs_from_its_keyword_to_its_body_end() {
        let code = "fn f() { setup(); loop { op(); sleep(d); } after(); }";
        assert_eq!(inside(code), ["loop { op(); sleep(d); }"]);
    }

    #[test]
    fn a_while_range_ends_with_its_body_when_a_statement_follows() {
        let code = "fn f() { while items.iter().any(|x| { x.busy() }) { wait(); } done(); } g();";
        assert_eq!(
            inside(code),
            ["while items.iter().any(|x| { x.busy() }) { wait(); }"]
        );
        let code = "fn f() { let n = for x in xs { go(x); }.len(); } g();";
        assert_eq!(inside(code), ["for x in xs { go(x); }.len(); }"]);
    }

    #[test]
    fn braces_in_a_while_header_do_not_end_it() {
        for header in [
            "while unsafe { RUNNING }",
            "while match c.state() { State::Up => true, _ => false }",
            "while let State::Up { id, .. } = c.state()",
            "while { c.poke(); c.is_up() }",
            "while c.is_up::<{ 1 }>()",
            "for Point { x, y } in points",
            "while if a { b() } else { c() }",
        ] {
            let code = format!("fn f() {{ {header} {{ sleep(d); }} }}");
            let ranges = loop_ranges(code.as_bytes());
            let at = code.find("sleep").unwrap();
            assert!(ranges.iter().any(|r| r.contains(&at)), "{header}");
        }
    }

    #[test]
    fn braces_in_comments_and_strings_do_not_count() {
        let code = "loop { log(\"}\"); /* } */ // }\n sleep(d); } rest();";
        assert_eq!(
            inside(code),
            ["loop { log(\"}\"); /* } */ // }\n sleep(d); }"]
        );
    }

    #[test]
    fn nested_loops_give_nested_ranges_and_an_unclosed_one_runs_to_the_end() {
        let code = "fn f() { loop { loop { a(); } } for x in xs { b(); } } loop { c();";
        assert_eq!(
            inside(code),
            [
                "loop { a(); }",
                "loop { loop { a(); } }",
                "for x in xs { b(); }",
                "loop { c();"
            ]
        );
    }

    #[test]
    fn the_for_of_an_impl_header_is_no_loop() {
        let code =
            "impl<T> Drop for Pool<T> where T: for<'a> Send { fn drop(&mut self) { sleep(d); } }\n\
                    unsafe impl Send for Pool {}\n\
                    #[async_trait]\nimpl Source for Feed { async fn next(&self) { sleep(d); } }";
        assert!(inside(code).is_empty());
        let code = "impl Pool { fn drain(&mut self) { for x in self.xs() { sleep(d); } } }";
        assert_eq!(inside(code), ["for x in self.xs() { sleep(d); }"]);
    }

    #[test]
    fn a_labelled_loop_and_a_char_brace_are_read_right() {
        let code = "fn f() { 'outer: loop { if c == '}' { break 'outer; } sleep(d); } }";
        assert_eq!(
            inside(code),
            ["loop { if c == '}' { break 'outer; } sleep(d); }"]
        );
    }

    #[test]
    fn words_that_only_contain_a_keyword_are_not_loops() {
        assert!(inside("fn looping() { forward(); whilst(); }").is_empty());
    }
}
