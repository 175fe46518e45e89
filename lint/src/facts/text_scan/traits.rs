//! The methods of traits that decide retries, found in text: which ones a trait definition gives a
//! default body, and which ones impls write.

use memchr::memmem;

use super::cursor::{declarations, ident_at, past_matching, skip_whitespace};
use crate::facts::{FileFacts, RetryTraitMethods};
use crate::retry_words::trait_decides_retries;
use crate::syntax::lexer::is_ident_byte;

/// Every `trait Name { .. }` whose name says it decides retries: records the methods it gives a
/// default body that stands on its own (one that does not call the implementor's other methods
/// through `self.`, and so gives a fixed answer whoever implements the trait).
pub(super) fn scan_retry_traits(code: &[u8], facts: &mut FileFacts) {
    for (name, end) in declarations(code, b"trait ") {
        if !trait_decides_retries(name) {
            continue;
        }
        let Some(open) = code[end..]
            .iter()
            .position(|b| matches!(b, b'{' | b';'))
            .map(|offset| end + offset)
        else {
            continue;
        };
        if code[open] != b'{' {
            continue;
        }
        let close = past_matching(code, open).unwrap_or(code.len());
        let entry = facts
            .retry_trait_methods
            .entry(name.to_owned())
            .or_default();
        entry.defined = true;
        for method in methods_in(&code[open..close]) {
            let stands_alone = method
                .body
                .is_some_and(|body| memmem::find(body, b"self.").is_none());
            if stands_alone {
                entry.provided.insert(method.name.to_owned());
            }
        }
    }
}

/// Records the methods an `impl` of a trait deciding retries writes; `body` runs from the impl's
/// opening brace to just past its closing one.
pub(super) fn record_impl_methods(trait_name: &str, body: &[u8], facts: &mut FileFacts) {
    let entry: &mut RetryTraitMethods = facts
        .retry_trait_methods
        .entry(trait_name.to_owned())
        .or_default();
    for method in methods_in(body) {
        entry.implemented.insert(method.name.to_owned());
    }
}

/// One `fn` item written directly in a trait or impl body.
struct Method<'c> {
    name: &'c str,
    /// Its body from the opening brace, or `None` for a declaration ending in `;`.
    body: Option<&'c [u8]>,
}

/// The `fn` items written directly in `block` (which starts at its opening brace), not those of
/// nested bodies.
fn methods_in(block: &[u8]) -> Vec<Method<'_>> {
    let mut methods = Vec::new();
    let mut depth = 0usize;
    let mut at = 0;
    while at < block.len() {
        match block[at] {
            b'{' => depth += 1,
            b'}' => depth = depth.saturating_sub(1),
            b'f' if depth == 1
                && block[at..].starts_with(b"fn")
                && (at == 0 || !is_ident_byte(block[at - 1]))
                && block.get(at + 2).is_some_and(|b| b.is_ascii_whitespace()) =>
            {
                if let Some((name, end)) = ident_at(block, at + 2) {
                    let (body, next) = signature_end(block, skip_whitespace(block, end));
                    methods.push(Method { name, body });
                    at = next;
                    continue;
                }
            }
            _ => {}
        }
        at += 1;
    }
    methods
}

/// From just past a method's name: its body (from the opening brace) if it has one, and where the
/// item ends. Brackets in the signature (`[u8; 4]`, `Fn(A) -> B`) are skipped.
fn signature_end(block: &[u8], mut at: usize) -> (Option<&[u8]>, usize) {
    while at < block.len() {
        match block[at] {
            b'(' | b'[' => {
                at = past_matching(block, at).unwrap_or(block.len());
                continue;
            }
            b';' => return (None, at + 1),
            b'{' => {
                let end = past_matching(block, at).unwrap_or(block.len());
                return (Some(&block[at..end]), end);
            }
            _ => {}
        }
        at += 1;
    }
    (None, at)
}
