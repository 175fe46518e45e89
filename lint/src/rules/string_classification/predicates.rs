//! Which functions decide by another name: yes/no questions about an error whose doc comment or
//! name says their answer decides a retry, and whether a function deals with a failure at all.

use syn::visit::Visit;
use syn::Pat;

use super::helpers::returns_a_bool;
use super::speaks_of_retrying;
use super::text::is_text_type;
use crate::syntax::types::type_name;

/// Whether a function deals with a failure: it is handed an error (`error: &TerraformError`,
/// `err`), or its body takes one apart (`if let Err(e) = ..`, `Err(e) => ..`). A syntax walker
/// that recurses on an identifier's text is neither.
pub(super) fn handles_an_error(sig: Option<&syn::Signature>, body: &syn::Block) -> bool {
    struct ErrPattern(bool);
    impl<'ast> Visit<'ast> for ErrPattern {
        fn visit_pat_tuple_struct(&mut self, pat: &'ast syn::PatTupleStruct) {
            self.0 |= pat
                .path
                .segments
                .last()
                .is_some_and(|seg| seg.ident == "Err");
            syn::visit::visit_pat_tuple_struct(self, pat);
        }
        fn visit_item(&mut self, _: &'ast syn::Item) {}
    }
    let handed_one = sig.is_some_and(|sig| {
        sig.inputs.iter().any(|input| match input {
            syn::FnArg::Typed(typed) => {
                matches!(&*typed.pat, Pat::Ident(ident)
                    if matches!(ident.ident.to_string().as_str(), "e" | "err" | "error"))
                    || type_name(&typed.ty)
                        .is_some_and(|name| name.ends_with("Error") || name.ends_with("Err"))
            }
            syn::FnArg::Receiver(_) => false,
        })
    });
    handed_one || {
        let mut found = ErrPattern(false);
        found.visit_block(body);
        found.0
    }
}

/// Whether a function is a yes/no question about an error whose doc comment says its answer
/// decides a retry (`/// Returns true if a smaller range can be retried` over `fn
/// is_range_limit_error(err: &RpcError) -> bool`, or `/// The caller can retry when this answers
/// true` over `fn try_recover(message: &str) -> bool`): it classifies, whatever its name.
pub(super) fn documented_error_predicate(sig: &syn::Signature, attrs: &[syn::Attribute]) -> bool {
    returns_a_bool(sig)
        && takes_an_error_or_its_text(sig, false)
        && attrs.iter().any(|attr| match &attr.meta {
            syn::Meta::NameValue(doc) if doc.path.is_ident("doc") => matches!(
                &doc.value,
                syn::Expr::Lit(syn::ExprLit { lit: syn::Lit::Str(text), .. })
                    if speaks_of_retrying(&text.value())
            ),
            _ => false,
        })
}

/// Words of a yes/no function's name that decide a retry by another name: backing off is waiting
/// to try again, and a restart tries the whole again.
const DECISION_WORDS: &[&str] = &["backoff", "restart"];

/// Whether a function answers yes or no, about an error or its text, to a question its name asks
/// in other words than retrying: `is_backoff_message(message: &str)`, `should_restart_sync(e:
/// &SyncError)`, or a method of an error type.
pub(super) fn decision_named_predicate(
    name: &str,
    sig: &syn::Signature,
    self_is_error: bool,
) -> bool {
    returns_a_bool(sig)
        && crate::retry_words::words(name)
            .iter()
            .any(|word| DECISION_WORDS.contains(&word.as_str()))
        && takes_an_error_or_its_text(sig, self_is_error)
}

/// Whether a function is handed an error (`err: &RpcError`, `self` of an error type) or its text
/// (a text parameter named for a message or an error: `message: &str`, `err: &str`). A parameter
/// named only for being text (`text`, `body`) may hold anything: source code, a template.
fn takes_an_error_or_its_text(sig: &syn::Signature, self_is_error: bool) -> bool {
    sig.inputs.iter().any(|input| match input {
        syn::FnArg::Typed(typed) => {
            names_an_error(&typed.ty)
                || (is_text_type(&typed.ty)
                    && matches!(&*typed.pat, Pat::Ident(ident) if {
                        let name = ident.ident.to_string();
                        matches!(
                            name.as_str(),
                            "e" | "err" | "error" | "msg" | "message" | "error_message"
                        ) || name.ends_with("_error")
                            || name.ends_with("_err")
                    }))
        }
        syn::FnArg::Receiver(_) => self_is_error,
    })
}

/// Whether a type names an error: `&RpcError<Kind>`, `&contract::Error`, `&anyhow::Error`.
fn names_an_error(ty: &syn::Type) -> bool {
    type_name(ty).is_some_and(|name| name.ends_with("Error") || name.ends_with("Err"))
}
