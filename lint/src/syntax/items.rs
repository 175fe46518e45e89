//! Where the functions and item blocks of a source text are, read from its text alone: each `fn`
//! that is not inside another function's body, with its name and body, and each other block at
//! item level (`impl`, `trait`, `mod`, a type's fields, a macro call) with its header. The
//! prefilter uses them to leave out of the parse the bodies no rule can find anything in.
//!
//! The scan reads code whose comments and literals are blanked
//! ([`super::lexer::blank_comments_and_strings`]). Where it cannot tell what a brace belongs to, it
//! records less, never more: a function whose body does not close is not listed.

use std::ops::Range;

use super::lexer::is_ident_byte;

/// A function with a body, outside any other function's body.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct FnItem {
    /// Its name.
    pub(crate) name: Range<usize>,
    /// From the end of the item or statement before it (a `;`, `{` or `}`) to the body's closing
    /// brace: the function with the comments, doc comments and attributes written before it.
    pub(crate) item: Range<usize>,
    /// From the `fn` keyword to the body's closing brace, inclusive.
    pub(crate) whole: Range<usize>,
    /// What lies between the body's braces.
    pub(crate) body: Range<usize>,
}

/// A block at item level that is no function body: `impl .. {}`, `trait .. {}`, `mod .. {}`, a
/// type's fields, a macro call's braces.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct ItemBlock {
    /// From the end of the item or statement before it (a `;`, `{` or `}`) to its opening brace:
    /// its attributes, keywords and names.
    pub(crate) header: Range<usize>,
    /// From its opening brace to its closing brace, inclusive.
    pub(crate) block: Range<usize>,
}

/// The functions and item blocks of a text, each list in the order their blocks close.
#[derive(Debug, Default)]
pub(crate) struct Items {
    /// The functions with a body, outside other functions' bodies.
    pub(crate) fns: Vec<FnItem>,
    /// The other blocks at item level.
    pub(crate) blocks: Vec<ItemBlock>,
}

/// What an open brace belongs to.
enum Frame {
    /// A function's body: the function's name and `fn` keyword, and the brace.
    Body {
        name: Range<usize>,
        item: usize,
        start: usize,
        open: usize,
    },
    /// A block at item level: its header's start, and the brace.
    Block { header: usize, open: usize },
    /// Anything else: an expression's block, a brace inside a signature.
    Other,
}

/// A `fn` keyword and name whose body has not begun yet.
struct Pending {
    name: Range<usize>,
    item: usize,
    start: usize,
    /// The bracket depth at the keyword: the body's brace opens at that depth.
    brackets: usize,
}

/// The functions and item blocks of `code` (comments and literals blanked).
pub(crate) fn items(code: &[u8]) -> Items {
    let mut found = Items::default();
    let mut frames: Vec<Frame> = Vec::new();
    let mut in_bodies = 0usize;
    let mut brackets = 0usize;
    let mut pending: Option<Pending> = None;
    // Where the item being read began: just past the last `;`, `{` or `}` outside bodies.
    let mut boundary = 0usize;
    let mut at = 0;
    while at < code.len() {
        let byte = code[at];
        // Only the word `fn` matters: the other words are skipped a byte at a time.
        let keyword = byte == b'f'
            && code.get(at + 1) == Some(&b'n')
            && !code.get(at + 2).is_some_and(|b| is_ident_byte(*b))
            && (at == 0 || !is_ident_byte(code[at - 1]));
        if keyword {
            let start = at;
            at += 2;
            if in_bodies == 0 && pending.is_none() {
                let name_start = at
                    + code[at..]
                        .iter()
                        .take_while(|b| b.is_ascii_whitespace())
                        .count();
                let name_len = code[name_start..]
                    .iter()
                    .take_while(|b| is_ident_byte(**b))
                    .count();
                let starts_like_a_name = code
                    .get(name_start)
                    .is_some_and(|b| b.is_ascii_alphabetic() || *b == b'_');
                if starts_like_a_name {
                    pending = Some(Pending {
                        name: name_start..name_start + name_len,
                        item: boundary,
                        start,
                        brackets,
                    });
                    at = name_start + name_len;
                }
            }
            continue;
        }
        match byte {
            b'(' | b'[' => brackets += 1,
            b')' | b']' => brackets = brackets.saturating_sub(1),
            b';' => {
                if pending.as_ref().is_some_and(|p| p.brackets == brackets) {
                    pending = None;
                }
                if in_bodies == 0 && pending.is_none() {
                    boundary = at + 1;
                }
            }
            b'{' => {
                let frame = match pending.take() {
                    Some(p) if p.brackets == brackets => {
                        in_bodies += 1;
                        Frame::Body {
                            name: p.name,
                            item: p.item,
                            start: p.start,
                            open: at,
                        }
                    }
                    Some(p) => {
                        pending = Some(p);
                        Frame::Other
                    }
                    None if in_bodies == 0 => Frame::Block {
                        header: boundary,
                        open: at,
                    },
                    None => Frame::Other,
                };
                frames.push(frame);
                if in_bodies == 0 && pending.is_none() {
                    boundary = at + 1;
                }
            }
            b'}' => {
                match frames.pop() {
                    Some(Frame::Body {
                        name,
                        item,
                        start,
                        open,
                    }) => {
                        in_bodies -= 1;
                        found.fns.push(FnItem {
                            name,
                            item: item..at + 1,
                            whole: start..at + 1,
                            body: open + 1..at,
                        });
                    }
                    Some(Frame::Block { header, open }) => found.blocks.push(ItemBlock {
                        header: header..open,
                        block: open..at + 1,
                    }),
                    Some(Frame::Other) | None => {}
                }
                if in_bodies == 0 && pending.is_none() {
                    boundary = at + 1;
                }
            }
            _ => {}
        }
        at += 1;
    }
    found
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::syntax::lexer::blank_comments_and_strings;

    fn fns(source: &str) -> Vec<(&str, &str)> {
        let code = blank_comments_and_strings(source.as_bytes());
        let mut fns = items(&code).fns;
        fns.sort_by_key(|f| f.whole.start);
        fns.into_iter()
            .map(|f| (&source[f.name], &source[f.body]))
            .collect()
    }

    #[test]
    fn functions_and_methods_are_found_with_their_bodies() {
        let source = "use x::y;\n\
            pub(crate) async fn fetch(a: [u8; 4]) -> Result<(), E> where E: Fn() -> u8 { go(a) }\n\
            impl<T> Retry for Op<T> { fn run(&self) { loop { t.tick(); } } }\n\
            trait Probe { fn ask(&self) -> bool; fn says(&self) -> bool { true } }";
        assert_eq!(
            fns(source),
            [
                ("fetch", " go(a) "),
                ("run", " loop { t.tick(); } "),
                ("says", " true ")
            ]
        );
    }

    #[test]
    fn an_item_begins_after_the_one_before_it() {
        let source = "struct S; // not this\n/// Retries.\n#[inline]\npub fn go() {}";
        let code = blank_comments_and_strings(source.as_bytes());
        let found = items(&code);
        assert_eq!(
            &source[found.fns[0].item.clone()],
            " // not this\n/// Retries.\n#[inline]\npub fn go() {}"
        );
    }

    #[test]
    fn nested_functions_belong_to_the_outer_body() {
        let source = "fn outer() { fn inner() { a() } let f: fn(u8) = g; inner() }";
        assert_eq!(
            fns(source),
            [("outer", " fn inner() { a() } let f: fn(u8) = g; inner() ")]
        );
    }

    #[test]
    fn braces_in_signatures_comments_and_strings_do_not_open_a_body() {
        let source = "fn sized(a: [u8; { N }]) -> usize { a.len() }\n\
            fn text() -> &'static str { \"}{\" } // fn fake() { }\n\
            fn label<'a>(x: &'a u8) -> &'a u8 { x }";
        assert_eq!(
            fns(source),
            [
                ("sized", " a.len() "),
                ("text", " \"}{\" "),
                ("label", " x ")
            ]
        );
    }

    #[test]
    fn item_blocks_keep_their_headers() {
        let source = "struct S;\n#[derive(Debug)]\nimpl RetryPolicy for S { fn f() {} }";
        let code = blank_comments_and_strings(source.as_bytes());
        let found = items(&code);
        let headers: Vec<&str> = found
            .blocks
            .iter()
            .map(|b| source[b.header.clone()].trim())
            .collect();
        assert_eq!(headers, ["#[derive(Debug)]\nimpl RetryPolicy for S"]);
    }

    #[test]
    fn an_unclosed_body_is_not_listed() {
        assert!(fns("fn broken() { if x {").is_empty());
    }
}
