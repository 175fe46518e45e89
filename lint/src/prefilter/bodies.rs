//! The prefilter inside a file: the bodies of the functions no rule can find anything in are
//! blanked before the file is parsed, which is most of the parsing a large file costs.
//!
//! A rule finds something only where one of its needles is written (the promise the file gate
//! relies on), in the function that holds it or in what that function calls. So a function's
//! body is kept when:
//!
//! - the function's text, comments included, holds a needle, or a loop needle inside one of its
//!   loops (comments left out, as the file gate reads them: a `sleep` before the function's only
//!   loop, or in a test that has none, is no reason to read it); its text begins where the item
//!   before it ends, so the comments, doc comments and attributes written above it count;
//! - the header of an item block around it holds a needle (`impl RetryPolicy for ..`,
//!   `trait Retry..`, a doc comment that speaks of retrying), or the block is a `macro_rules!`
//!   definition (whose arms rules read as bodies of their own);
//! - its name, or the name of a function declared inside its body (in an `impl` block written
//!   there), is written in anything kept: the code outside functions, a kept function. This
//!   follows calls to a helper of the same file, however many levels deep.
//!
//! Blanked bodies keep their braces and line breaks, so every location in the file stays where it
//! was. A file whose blanked text does not parse is parsed whole.

use std::collections::HashMap;
use std::ops::Range;

use super::{LoopNeedles, Prefilter};
use crate::syntax::items::{items, FnItem, Items};
use crate::syntax::lexer::{blank, blank_comments_and_strings, ident_at, is_ident_byte};

/// What keeps a function's body: the words that count anywhere in its text, and those that count
/// only inside one of its loops.
#[derive(Debug, Clone)]
pub(crate) struct BodyNeedles {
    words: Prefilter,
    in_loops: LoopNeedles,
}

impl BodyNeedles {
    /// Needles from `words`, and from `in_loops` inside loops.
    pub(crate) fn new(words: &[&str], in_loops: LoopNeedles) -> BodyNeedles {
        BodyNeedles {
            words: Prefilter::new(words),
            in_loops,
        }
    }

    /// Whether `text` (comments included) holds a word, or `plain` (the same range of the text
    /// without its plain comments) a loop word inside a loop.
    fn in_text(&self, text: &[u8], plain: &[u8]) -> bool {
        self.words.may_match(text) || self.in_loops.any_in_loops(plain)
    }
}

/// `source`'s text with comments and literals blanked, and the items read from it: what both cuts
/// inside a file ([`blank_idle_bodies`], [`super::test_modules::blank_test_modules`]) read.
pub(crate) fn scan_items(source: &str) -> (Vec<u8>, Items) {
    let code = blank_comments_and_strings(source.as_bytes());
    let found = items(&code);
    (code, found)
}

/// `source` with the bodies of its idle functions blanked (line breaks kept), or `None` when every
/// body may matter. `code` and `found` are what [`scan_items`] reads from `source`; `plain` is
/// `source` without its plain comments.
pub(crate) fn blank_idle_bodies(
    source: &str,
    plain: &[u8],
    code: &[u8],
    found: &Items,
    needles: &BodyNeedles,
) -> Option<String> {
    let bytes = source.as_bytes();
    let kept_blocks: Vec<&Range<usize>> = found
        .blocks
        .iter()
        .filter(|block| {
            let header = &bytes[block.header.clone()];
            needles.words.may_match(header)
                || memchr::memmem::find(header, b"macro_rules").is_some()
        })
        .map(|block| &block.block)
        .collect();
    let mut idle: Vec<&FnItem> = found
        .fns
        .iter()
        .filter(|f| {
            !needles.in_text(&bytes[f.item.clone()], &plain[f.item.clone()])
                && !kept_blocks
                    .iter()
                    .any(|block| block.contains(&f.whole.start))
        })
        .collect();
    if idle.is_empty() {
        return None;
    }
    idle.sort_by_key(|f| f.whole.start);

    // Every idle function named outside the idle functions is called, then every one a called
    // function names, and so on: what is left is blanked.
    let names = Names::of(code, &idle);
    let mut called = vec![false; idle.len()];
    let mut to_read: Vec<usize> = Vec::new();
    let mut from = 0;
    for f in &idle {
        names.find_in(code, from..f.whole.start, &mut called, &mut to_read);
        from = from.max(f.whole.end);
    }
    names.find_in(code, from..code.len(), &mut called, &mut to_read);
    while let Some(index) = to_read.pop() {
        names.find_in(code, idle[index].whole.clone(), &mut called, &mut to_read);
    }
    if called.iter().all(|c| *c) {
        return None;
    }

    let mut text = bytes.to_vec();
    for (f, _) in idle.iter().zip(&called).filter(|(_, called)| !**called) {
        blank(&mut text[f.body.clone()]);
    }
    String::from_utf8(text).ok()
}

/// The names of the idle functions, and a quick test that turns away most other words before
/// they are hashed.
struct Names<'c> {
    /// Each name with the indices of the idle functions that bear it.
    by_name: HashMap<&'c [u8], Vec<usize>>,
    /// Bit `n` is set when a name is `n` bytes long (longer names set bit 63).
    lengths: u64,
    /// The first bytes of the names.
    first_bytes: [bool; 256],
}

impl<'c> Names<'c> {
    fn of(code: &'c [u8], idle: &[&FnItem]) -> Names<'c> {
        let mut names = Names {
            by_name: HashMap::new(),
            lengths: 0,
            first_bytes: [false; 256],
        };
        for (index, f) in idle.iter().enumerate() {
            names.add(&code[f.name.clone()], index);
            // A function declared inside the body (in an `impl` block written there, say) is
            // found by rules under its own name: naming it keeps the body it is in.
            for name in nested_fn_names(&code[f.body.clone()]) {
                names.add(name, index);
            }
        }
        names
    }

    fn add(&mut self, name: &'c [u8], index: usize) {
        self.lengths |= 1 << name.len().min(63);
        if let Some(first) = name.first() {
            self.first_bytes[usize::from(*first)] = true;
        }
        let indices = self.by_name.entry(name).or_default();
        if indices.last() != Some(&index) {
            indices.push(index);
        }
    }

    /// Marks as called, and queues for reading, each idle function named in `code[range]` that is
    /// not marked yet.
    fn find_in(
        &self,
        code: &[u8],
        range: Range<usize>,
        called: &mut [bool],
        to_read: &mut Vec<usize>,
    ) {
        let end = range.end.min(code.len());
        let mut at = range.start;
        while at < end {
            let byte = code[at];
            if !(byte.is_ascii_alphabetic() || byte == b'_') {
                at += 1;
                continue;
            }
            let start = at;
            while at < end && is_ident_byte(code[at]) {
                at += 1;
            }
            let word = &code[start..at];
            let may_be_a_name = self.first_bytes[usize::from(byte)]
                && self.lengths & (1 << word.len().min(63)) != 0
                && (start == 0 || !is_ident_byte(code[start - 1]));
            if !may_be_a_name {
                continue;
            }
            for index in self.by_name.get(word).into_iter().flatten() {
                if !called[*index] {
                    called[*index] = true;
                    to_read.push(*index);
                }
            }
        }
    }
}

/// The names of the functions declared in `body` (comments and literals blanked): each word
/// following the keyword `fn`.
fn nested_fn_names(body: &[u8]) -> impl Iterator<Item = &[u8]> {
    memchr::memmem::find_iter(body, b"fn").filter_map(move |at| {
        let keyword = (at == 0 || !is_ident_byte(body[at - 1]))
            && body.get(at + 2).is_some_and(|b| b.is_ascii_whitespace());
        if !keyword {
            return None;
        }
        let (name, _) = ident_at(body, at + 2)?;
        Some(name.as_bytes())
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::syntax::lexer::blank_plain_comments;

    fn blanked(source: &str) -> String {
        let needles = BodyNeedles::new(&["retr"], LoopNeedles::new(&["sleep"]));
        let (code, found) = scan_items(source);
        let plain = blank_plain_comments(source.as_bytes());
        blank_idle_bodies(source, &plain, &code, &found, &needles)
            .unwrap_or_else(|| source.to_owned())
    }

    #[test]
    fn an_idle_body_is_blanked_and_keeps_its_lines() {
        let source = "fn idle() {\n    work();\n}\nfn retry_it() { idle_not_called() }\n";
        assert_eq!(
            blanked(source),
            "fn idle() {\n           \n}\nfn retry_it() { idle_not_called() }\n"
        );
    }

    #[test]
    fn a_helper_a_kept_function_calls_is_kept_at_any_depth() {
        let source = "fn should_retry(e: &E) -> bool { is_reset(e) }\n\
            fn is_reset(e: &E) -> bool { text_of(e).contains(\"reset\") }\n\
            fn text_of(e: &E) -> String { e.to_string() }\n\
            fn unrelated() { other() }";
        let text = blanked(source);
        assert!(text.contains("text_of(e).contains"));
        assert!(text.contains("e.to_string()"));
        assert!(!text.contains("other()"));
    }

    #[test]
    fn a_needle_in_a_header_or_a_loop_needle_keeps_the_body() {
        let source =
            "/// Retries the request.\nimpl Policy for P { fn decide(&self) -> bool { true } }\n\
            fn pace() { loop { sleep(d); } }\nimpl Plain { fn gone(&self) { x() } }";
        let text = blanked(source);
        assert!(text.contains("{ true }"));
        assert!(text.contains("sleep(d)"));
        assert!(!text.contains("x()"));
    }

    #[test]
    fn a_loop_needle_keeps_a_body_only_inside_one_of_its_loops() {
        let source = "fn settle() { sleep(d); check() }\n\
            fn pace_first() { sleep(d); loop { go() } }\n\
            fn commented() { loop { go() /* sleep */ } }\n\
            fn pace() { while busy() { sleep(d) } }";
        let text = blanked(source);
        assert!(!text.contains("check()"));
        assert!(!text.contains("go()"));
        assert!(text.contains("while busy() { sleep(d) }"));
    }

    #[test]
    fn naming_a_function_declared_in_a_body_keeps_that_body() {
        let source = "fn setup() -> Config {\n\
                impl Client { fn finished(&self) -> bool { self.token.is_cancelled() } }\n\
                Config::new()\n\
            }\n\
            fn other() { let f: fn(u8) = drop; go() }\n\
            fn run(c: &Client) { while !c.finished() { retry_once() } }";
        let text = blanked(source);
        assert!(text.contains("self.token.is_cancelled()"));
        assert!(!text.contains("go()"));
    }

    #[test]
    fn a_comment_above_a_function_counts_as_its_text() {
        let source = "fn a() { x() }\n// Callers retry this.\nfn b() { y() }\nfn c() { z() }";
        let text = blanked(source);
        assert!(!text.contains("x()"));
        assert!(text.contains("y()"));
        assert!(!text.contains("z()"));
    }

    #[test]
    fn functions_of_a_macro_definition_are_kept() {
        let source = "macro_rules! m { () => { fn inner() { go() } } }\nfn retry() {}";
        assert_eq!(blanked(source), source);
    }

    #[test]
    fn a_file_with_nothing_idle_is_not_copied() {
        let needles = BodyNeedles::new(&["retr"], LoopNeedles::new::<&str>(&[]));
        for source in ["fn retry() { go() }", "struct S;"] {
            let (code, found) = scan_items(source);
            let plain = blank_plain_comments(source.as_bytes());
            assert!(blank_idle_bodies(source, &plain, &code, &found, &needles).is_none());
        }
    }
}
