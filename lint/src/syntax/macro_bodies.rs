//! The bodies of `macro_rules!` arms as code: syn leaves a macro's body as tokens, so a check
//! written inside a macro would go unseen. Each arm whose body parses as statements once its
//! metavariables are written out becomes a block, with the source's line numbers.

use std::collections::HashMap;

use proc_macro2::{Delimiter, Group, Ident, TokenStream, TokenTree};
use syn::parse::Parser;

/// The arms of a `macro_rules!` definition whose bodies parse as statements, with their
/// metavariables written out: `$name` of an `expr` fragment becomes a call `name()` (an
/// expression fragment stands for an operation as much as a value), every other `$name` the
/// identifier `name`, and a repetition `$(..)*` its contents once. Anything else gives nothing.
pub(crate) fn macro_rules_arms(mac: &syn::Macro) -> Vec<syn::Block> {
    if !mac.path.is_ident("macro_rules") {
        return Vec::new();
    }
    let tokens: Vec<TokenTree> = mac.tokens.clone().into_iter().collect();
    let mut arms = Vec::new();
    let mut index = 0;
    // Each arm: `(matcher) => {body}`, then an optional `;`.
    while let (
        Some(TokenTree::Group(matcher)),
        Some(TokenTree::Punct(eq)),
        Some(TokenTree::Punct(gt)),
        Some(TokenTree::Group(body)),
    ) = (
        tokens.get(index),
        tokens.get(index + 1),
        tokens.get(index + 2),
        tokens.get(index + 3),
    ) {
        if eq.as_char() != '=' || gt.as_char() != '>' {
            break;
        }
        let mut fragments = HashMap::new();
        fragment_kinds(matcher.stream(), &mut fragments);
        let written = write_out(body.stream(), &fragments);
        if let Ok(stmts) = syn::Block::parse_within.parse2(written) {
            arms.push(syn::Block {
                brace_token: syn::token::Brace(body.delim_span()),
                stmts,
            });
        }
        index += 4;
        if matches!(tokens.get(index), Some(TokenTree::Punct(p)) if p.as_char() == ';') {
            index += 1;
        }
    }
    arms
}

/// `$name:kind` declarations of a matcher, by name.
fn fragment_kinds(stream: TokenStream, kinds: &mut HashMap<String, String>) {
    let tokens: Vec<TokenTree> = stream.into_iter().collect();
    for (index, token) in tokens.iter().enumerate() {
        match token {
            TokenTree::Punct(dollar) if dollar.as_char() == '$' => {
                if let (
                    Some(TokenTree::Ident(name)),
                    Some(TokenTree::Punct(colon)),
                    Some(TokenTree::Ident(kind)),
                ) = (
                    tokens.get(index + 1),
                    tokens.get(index + 2),
                    tokens.get(index + 3),
                ) {
                    if colon.as_char() == ':' {
                        kinds.insert(name.to_string(), kind.to_string());
                    }
                }
            }
            TokenTree::Group(group) => fragment_kinds(group.stream(), kinds),
            _ => {}
        }
    }
}

/// A body's tokens with its metavariables written out (see [`macro_rules_arms`]).
fn write_out(stream: TokenStream, kinds: &HashMap<String, String>) -> TokenStream {
    let tokens: Vec<TokenTree> = stream.into_iter().collect();
    let mut out = Vec::with_capacity(tokens.len());
    let mut index = 0;
    while index < tokens.len() {
        match &tokens[index] {
            TokenTree::Punct(dollar) if dollar.as_char() == '$' => match tokens.get(index + 1) {
                Some(TokenTree::Ident(name)) => {
                    let ident = Ident::new(&name.to_string(), name.span());
                    out.push(TokenTree::Ident(ident));
                    if kinds
                        .get(&name.to_string())
                        .is_some_and(|kind| kind == "expr")
                    {
                        let mut call = Group::new(Delimiter::Parenthesis, TokenStream::new());
                        call.set_span(name.span());
                        out.push(TokenTree::Group(call));
                    }
                    index += 2;
                }
                Some(TokenTree::Group(repeated)) => {
                    out.extend(write_out(repeated.stream(), kinds));
                    index += 2;
                    // The separator and the repetition operator: `$(..),*`, `$(..)*`.
                    let is_operator = |token: Option<&TokenTree>| matches!(token, Some(TokenTree::Punct(p)) if matches!(p.as_char(), '*' | '+' | '?'));
                    if is_operator(tokens.get(index)) {
                        index += 1;
                    } else if is_operator(tokens.get(index + 1)) {
                        index += 2;
                    }
                }
                _ => {
                    out.push(tokens[index].clone());
                    index += 1;
                }
            },
            TokenTree::Group(group) => {
                let mut written = Group::new(group.delimiter(), write_out(group.stream(), kinds));
                written.set_span(group.span());
                out.push(TokenTree::Group(written));
                index += 1;
            }
            other => {
                out.push(other.clone());
                index += 1;
            }
        }
    }
    out.into_iter().collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use quote::ToTokens;

    fn arms(source: &str) -> Vec<String> {
        let item: syn::ItemMacro = syn::parse_str(source).unwrap();
        macro_rules_arms(&item.mac)
            .iter()
            .map(|block| block.to_token_stream().to_string())
            .collect()
    }

    #[test]
    fn expression_fragments_become_calls_and_others_names() {
        let out = arms(
            "macro_rules! again { ($owner:ident, $op:expr) => { match $op { Ok(v) => v, \
             Err(_) => { $owner.reset(); $op } } }; }",
        );
        assert_eq!(out.len(), 1);
        assert!(out[0].contains("match op ()"), "{}", out[0]);
        assert!(out[0].contains("owner . reset ()"), "{}", out[0]);
    }

    #[test]
    fn repetitions_are_written_once_and_item_bodies_skipped() {
        let out = arms(
            "macro_rules! sum { ($($x:expr),*) => { 0 $(+ $x)* }; ($name:ident) => { $name: u8 }; }",
        );
        assert_eq!(out.len(), 1, "{out:?}");
        assert!(out[0].contains("0 + x ()"), "{}", out[0]);
    }

    #[test]
    fn other_macros_give_nothing() {
        let item: syn::ItemMacro = syn::parse_str("thread_local! { static X: u8 = 0; }").unwrap();
        assert!(macro_rules_arms(&item.mac).is_empty());
    }
}
