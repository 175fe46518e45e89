//! Enums found in text: every `enum Name` is a type the tree defines, one with two variants or
//! more tells failures apart, and one whose variants name both answers is a verdict; and
//! `type Name = ..` aliases, through which an enum is named under another name.

use super::cursor::{
    declarations, ident_at, past_generics, past_matching, skip_whitespace, type_name_in,
};
use crate::facts::{names_a_verdict, FileFacts};
use crate::syntax::lexer::is_ident_byte;

/// `enum Name` wherever it is written (nested modules and functions included).
pub(super) fn scan_enums(code: &[u8], facts: &mut FileFacts) {
    for (name, end) in declarations(code, b"enum") {
        facts.local_types.insert(name.to_owned());
        let variants = variant_names(code, end);
        if variants.len() >= 2 {
            facts.multi_variant_enums.insert(name.to_owned());
        }
        facts
            .enum_variants
            .entry(name.to_owned())
            .or_default()
            .extend(variants.iter().map(|v| (*v).to_owned()));
        if names_a_verdict(variants.iter().copied()) {
            facts.verdict_enums.insert(name.to_owned());
        }
    }
}

/// The variants the enum whose name ends at `at` declares: the first name of each item of its
/// body between top-level commas, outside attributes. Generics and a `where` clause may come
/// first; none when no body follows.
fn variant_names(code: &[u8], at: usize) -> Vec<&str> {
    let Some(at) = past_generics(code, at) else {
        return Vec::new();
    };
    let Some(offset) = code[at..].iter().position(|b| matches!(b, b'{' | b';')) else {
        return Vec::new();
    };
    let open = at + offset;
    if code[open] != b'{' {
        return Vec::new();
    }
    let Some(close) = past_matching(code, open) else {
        return Vec::new();
    };
    let (mut names, mut named) = (Vec::new(), false);
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
            b',' => named = false,
            byte if is_ident_byte(byte) && !named => {
                named = true;
                if let Some((name, end)) = ident_at(code, index) {
                    names.push(name);
                    index = end;
                    continue;
                }
            }
            _ => {}
        }
        index += 1;
    }
    names
}

/// `type Name = Path;` wherever it is written (impls and traits included): `Name` may stand for
/// the type `Path` ends with, so `Error::DiskNotFound` under `type Error = StorageError` is a
/// variant of `StorageError`. An alias naming itself (`type Error = other::Error`) adds nothing.
pub(super) fn scan_type_aliases(code: &[u8], facts: &mut FileFacts) {
    for (name, end) in declarations(code, b"type") {
        let Some(past) = past_generics(code, end) else {
            continue;
        };
        if code.get(past) != Some(&b'=') || code.get(past + 1) == Some(&b'=') {
            continue;
        }
        let rest = &code[past + 1..];
        let rest = &rest[..rest.iter().position(|b| *b == b';').unwrap_or(rest.len())];
        let Some(target) = std::str::from_utf8(rest).ok().and_then(type_name_in) else {
            continue;
        };
        if target != name {
            facts
                .type_aliases
                .entry(name.to_owned())
                .or_default()
                .insert(target);
        }
    }
}
