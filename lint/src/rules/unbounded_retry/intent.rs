//! Whether an endless retry is documented as deliberate: a comment, a doc comment, a message or the
//! function's name says it retries forever or until it succeeds. A maintainer would reject a
//! finding that repeats what the code already says on purpose.

use syn::visit::Visit;

use super::words::has_part;
use super::error_paths::{ErrorPath, ErrorPaths};
use crate::syntax::exits::{exits, Exit};
use crate::syntax::lexer::{LexemeKind, Lexer};
use crate::syntax::patterns::{pattern_kind, PatternKind};

/// Phrases (lowercase) that say a retry is meant to go on without limit.
const INTENT_PHRASES: &[&str] = &[
    "forever",
    "endless",
    "indefinitely",
    "infinite",
    "until success",
    "until it succeed",
    "until we succeed",
    "until they succeed",
    "until succeed",
    "until it work",
    "must continue until",
    "keep trying",
    "keep retrying",
    "always retr",
    "never give up",
    "unlimited retr",
    "unlimited attempt",
    "retries without limit",
    "retry without limit",
    // A function documented as one that cannot fail, because it retries.
    "will always succeed",
    "always succeeds",
    "retry until",
    "retried until",
    "retries until",
    "retrying until",
    "try until",
    "tries until",
    "until the other",
    // An obligation to go on trying, stated in a comment.
    "should try again",
    "must try again",
    "should keep trying",
    // Retries paced on purpose instead of counted.
    "rate-limit retr",
    "rate limit retr",
    "rate-limited retr",
    "rate limited retr",
    "retries are rate-limited",
    "retries are rate limited",
];

/// Words in a function name that say it retries until it succeeds (`retry_until_success`,
/// `wait_for_success`).
const INTENT_NAME_PARTS: &[&str] = &[
    "until_success",
    "for_success",
    "forever",
    "infinite",
    "endless",
    "until_ok",
];

/// Whether the comments and string literals between lines `from` and `to` (1-based, inclusive)
/// of `source`, or the name of the function holding the loop, document an endless retry.
pub(super) fn documented_as_endless(source: &str, from: usize, to: usize, fn_name: &str) -> bool {
    let lower_name = fn_name.to_ascii_lowercase();
    if INTENT_NAME_PARTS.iter().any(|part| lower_name.contains(part)) {
        return true;
    }
    let bytes = source.as_bytes();
    let start = offset_of_line(bytes, from);
    let end = offset_of_line(bytes, to + 1);
    let region = &bytes[start..end];
    let says_so = |text: &str| {
        let text = text.to_lowercase();
        (INTENT_PHRASES.iter().any(|phrase| text.contains(phrase)) || until_it_succeeds(&text))
            && !flags_a_problem(&text)
    };
    // A run of line comments is one text: a phrase may be broken across its lines.
    let mut comment_run = String::new();
    let mut run_end = 0;
    for lexeme in Lexer::new(region) {
        let text = String::from_utf8_lossy(&region[lexeme.start..lexeme.end]);
        match lexeme.kind {
            LexemeKind::LineComment => {
                let adjacent = region[run_end..lexeme.start]
                    .iter()
                    .all(u8::is_ascii_whitespace);
                if !adjacent {
                    if says_so(&comment_run) {
                        return true;
                    }
                    comment_run.clear();
                }
                let words = text.trim_start_matches('/').trim_start_matches('!');
                comment_run.extend(words.split_whitespace().flat_map(|word| [word, " "]));
                run_end = lexeme.end;
            }
            LexemeKind::BlockComment | LexemeKind::Str => {
                if says_so(&text.split_whitespace().collect::<Vec<_>>().join(" ")) {
                    return true;
                }
            }
            LexemeKind::Char => {}
        }
    }
    says_so(&comment_run)
}

/// Whether (lowercase) text says something goes on until it succeeds, however the subject is
/// named: "until this succeeds", "until the request succeeds", "until successful". The success
/// must be in the same clause, a few words after "until".
fn until_it_succeeds(text: &str) -> bool {
    text.split(['.', ';', ':', ',']).any(|clause| {
        let words: Vec<&str> = clause
            .split(|c: char| !c.is_ascii_alphanumeric())
            .filter(|word| !word.is_empty())
            .collect();
        words.iter().enumerate().any(|(at, word)| {
            *word == "until"
                && words
                    .iter()
                    .skip(at + 1)
                    .take(4)
                    .any(|next| next.starts_with("succe"))
        })
    })
}

/// Whether a (lowercase) comment marks what it says as a problem to fix (`TODO`, `FIXME`, `XXX`):
/// "XXX: this retries forever" reports the endless retry, it does not choose it.
fn flags_a_problem(text: &str) -> bool {
    text.split(|c: char| !c.is_ascii_alphanumeric())
        .any(|word| matches!(word, "todo" | "fixme" | "xxx"))
}

/// The first line of the run of `//` comment lines that ends right above 1-based `line` (`line`
/// itself when the line above is code or blank): a plain comment over a function says what it is
/// for as a doc comment would.
pub(super) fn comment_above(source: &str, line: usize) -> usize {
    let lines: Vec<&str> = source.lines().take(line.saturating_sub(1)).collect();
    let run = lines
        .iter()
        .rev()
        .take_while(|text| text.trim_start().starts_with("//"))
        .count();
    line - run
}

/// The byte offset where 1-based `line` starts (the end of the text past the last line).
fn offset_of_line(bytes: &[u8], line: usize) -> usize {
    if line <= 1 {
        return 0;
    }
    memchr::memchr_iter(b'\n', bytes)
        .nth(line - 2)
        .map_or(bytes.len(), |at| at + 1)
}

/// Name parts of a switch that turns reconnecting or retrying on or off.
const SWITCH_PARTS: &[&str] = &["reconnect", "retry", "retries"];

/// Whether an error path of the loop branches on a switch named for reconnecting or retrying
/// (`else if !opts.no_reconnect { sleep(..) } else { break }`): a field of the options or the
/// configuration, not a call and not a local decision such as `let retry = match err { .. }`
/// (a classification, which bounds nothing). Going round is then what the user asked for.
pub(super) fn switched_by_option(body: &syn::Block) -> bool {
    struct Switches(bool);
    impl<'ast> Visit<'ast> for Switches {
        fn visit_expr_closure(&mut self, _: &'ast syn::ExprClosure) {}
        fn visit_item(&mut self, _: &'ast syn::Item) {}
        fn visit_expr_if(&mut self, node: &'ast syn::ExprIf) {
            if is_switch(&node.cond, false) {
                self.0 = true;
            }
            syn::visit::visit_expr_if(self, node);
        }
    }
    let mut switches = Switches(false);
    ErrorPaths(|_: &syn::Expr, path| match path {
        ErrorPath::Expr(expr) => switches.visit_expr(expr),
        ErrorPath::Block(block) => switches.visit_block(block),
    })
    .visit_block(body);
    switches.0 || guarded_by_reconnect_switch(body)
}

/// A switch named for reconnecting or retrying, negated or not: a field of the options or the
/// configuration (`opts.no_reconnect`), or with `bare_names` a binding that speaks of
/// reconnecting (`auto_reconnect`, destructured from the options); `retry` alone is as often a
/// local classification.
fn is_switch(cond: &syn::Expr, bare_names: bool) -> bool {
    match cond {
        syn::Expr::Unary(unary) if matches!(unary.op, syn::UnOp::Not(_)) => {
            is_switch(&unary.expr, bare_names)
        }
        syn::Expr::Paren(paren) => is_switch(&paren.expr, bare_names),
        syn::Expr::Field(field) => matches!(&field.member,
            syn::Member::Named(name) if has_part(&name.to_string(), SWITCH_PARTS)),
        syn::Expr::Path(path) if bare_names => path
            .path
            .get_ident()
            .is_some_and(|ident| has_part(&ident.to_string(), &["reconnect"])),
        _ => false,
    }
}

/// Whether an error arm of the loop is guarded by a reconnect switch (`Err(e) if !auto_reconnect
/// => return`): the other error arms go round because the switch said so.
fn guarded_by_reconnect_switch(body: &syn::Block) -> bool {
    struct Guards(bool);
    impl<'ast> Visit<'ast> for Guards {
        fn visit_expr_closure(&mut self, _: &'ast syn::ExprClosure) {}
        fn visit_item(&mut self, _: &'ast syn::Item) {}
        fn visit_expr_loop(&mut self, _: &'ast syn::ExprLoop) {}
        fn visit_expr_while(&mut self, _: &'ast syn::ExprWhile) {}
        fn visit_expr_for_loop(&mut self, _: &'ast syn::ExprForLoop) {}
        fn visit_arm(&mut self, arm: &'ast syn::Arm) {
            let on_error = pattern_kind(&arm.pat) == PatternKind::Err;
            if let (true, Some((_, guard))) = (on_error, &arm.guard) {
                let leaves = exits(&arm.body, None, Exit::Normal);
                if leaves && is_switch(guard, true) {
                    self.0 = true;
                }
            }
            syn::visit::visit_arm(self, arm);
        }
    }
    let mut guards = Guards(false);
    guards.visit_block(body);
    guards.0
}
