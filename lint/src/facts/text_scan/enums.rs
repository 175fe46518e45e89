//! Enums found in text: every `enum Name` is a type the tree defines, and one with two variants or
//! more tells failures apart.

use memchr::memmem;

use super::cursor::{ident_at, past_matching, skip_whitespace};
use crate::facts::FileFacts;
use crate::syntax::lexer::is_ident_byte;

/// `enum Name` wherever it is written (nested modules and functions included).
pub(super) fn scan_enums(code: &[u8], facts: &mut FileFacts) {
    for at in memmem::find_iter(code, b"enum") {
        if at > 0 && is_ident_byte(code[at - 1]) {
            continue;
        }
        if !code.get(at + 4).is_some_and(|b| b.is_ascii_whitespace()) {
            continue;
        }
        if let Some((name, end)) = ident_at(code, at + 4) {
            facts.local_types.insert(name.to_owned());
            if variant_count(code, end) >= 2 {
                facts.multi_variant_enums.insert(name.to_owned());
            }
        }
    }
}

/// How many variants the enum whose name ends at `at` declares: the items of its body between
/// top-level commas that hold a name outside attributes. Generics and a `where` clause may come
/// first; 0 when no body follows.
fn variant_count(code: &[u8], mut at: usize) -> usize {
    at = skip_whitespace(code, at);
    if code.get(at) == Some(&b'<') {
        let Some(past) = past_matching(code, at) else {
            return 0;
        };
        at = past;
    }
    let Some(offset) = code[at..].iter().position(|b| matches!(b, b'{' | b';')) else {
        return 0;
    };
    let open = at + offset;
    if code[open] != b'{' {
        return 0;
    }
    let Some(close) = past_matching(code, open) else {
        return 0;
    };
    let (mut count, mut named) = (0, false);
    let mut index = open + 1;
    while index < close - 1 {
        match code[index] {
            b'#' => {
                // An attribute: `#[..]`, skipped whole.
                let bracket = skip_whitespace(code, index + 1);
                index = past_matching(code, bracket).unwrap_or(bracket + 1);
                continue;
            }
            b'(' | b'{' | b'[' => {
                named = true;
                index = past_matching(code, index).unwrap_or(index + 1);
                continue;
            }
            b',' => {
                count += usize::from(named);
                named = false;
            }
            byte if is_ident_byte(byte) => named = true,
            _ => {}
        }
        index += 1;
    }
    count + usize::from(named)
}
