//! Conversions into the tree's own error types that pick the variant by message text: `impl
//! From<Status> for Error` answering `Error::NeedSnapshot` when the message is a fixed sentence,
//! or `fn classify_submit_error(err: RpcError) -> SubmitError`. The variant they pick is what a
//! retry decides on later, so the text decides it.

use std::collections::HashSet;

use syn::visit::Visit;
use syn::{Expr, FnArg, ItemImpl, Pat, ReturnType, Signature};

use super::recursion::FnKey;
use super::text::{is_message_text, string_pattern, AllInspections};
use crate::facts::TreeFacts;
use crate::finding::Region;
use crate::syntax::names::{constant_name, tokens_mention};
use crate::syntax::types::type_name;

/// Parameter names that hold an error whatever their type says.
const ERROR_NAMES: &[&str] = &["e", "err", "error", "status", "source", "cause"];

/// The impl a function sits in, as far as conversions care.
pub(super) struct ImplHeader {
    /// The last segment of the implementing type (`Error` in `impl From<X> for crate::Error`).
    self_type: Option<String>,
    /// Whether the impl is of `From`.
    is_from: bool,
    /// Whether the impl is of a trait with generic arguments (`From<X>`): several impls of it may
    /// give the type methods of one name.
    generic_trait: bool,
}

impl ImplHeader {
    /// The last segment of the implementing type.
    pub(super) fn self_type(&self) -> Option<&str> {
        self.self_type.as_deref()
    }

    /// The key a method named `name` of this impl has in the file's calls, unless the impl is of
    /// a generic trait (see [`super::recursion`]).
    pub(super) fn method_key(&self, name: &str) -> Option<FnKey> {
        let ty = self.self_type.as_deref().filter(|_| !self.generic_trait)?;
        Some(FnKey::of(Some(ty), name))
    }

    pub(super) fn of(item: &ItemImpl) -> ImplHeader {
        let is_from = item.trait_.as_ref().is_some_and(|(_, path, _)| {
            path.segments.last().is_some_and(|seg| seg.ident == "From")
        });
        let generic_trait = item.trait_.as_ref().is_some_and(|(_, path, _)| {
            path.segments
                .last()
                .is_some_and(|seg| !seg.arguments.is_none())
        });
        ImplHeader {
            self_type: type_name(&item.self_ty),
            is_from,
            generic_trait,
        }
    }
}

/// The error type of the tree a function converts an error into, if it is such a conversion:
/// `from` of an `impl From<_> for T` from anything but text, or a function taking an error and
/// returning `T` itself (not a `Result`), where `T` is one of the tree's error types.
pub(super) fn conversion_target(
    sig: &Signature,
    header: Option<&ImplHeader>,
    tree: &TreeFacts,
) -> Option<String> {
    let ReturnType::Type(_, returned) = &sig.output else {
        return None;
    };
    let mut target = type_name(returned)?;
    if target == "Self" {
        target = header?.self_type.clone()?;
    }
    if !tree.error_types.contains(&target) {
        return None;
    }
    let takes_an_error = sig.inputs.iter().any(|input| match input {
        FnArg::Typed(typed) => {
            let named = matches!(&*typed.pat, Pat::Ident(ident)
                if ERROR_NAMES.contains(&ident.ident.to_string().as_str()));
            let typed_as_error = type_name(&typed.ty).is_some_and(|name| {
                name != target && (name.ends_with("Error") || name == "Status")
            });
            // `impl From<hyper::Error> for Error` converts an error; `impl From<&str> for Kind`
            // parses a name, which is no error's message.
            let converted = header.is_some_and(|h| h.is_from)
                && sig.ident == "from"
                && !super::text::is_text_type(&typed.ty);
            named || typed_as_error || converted
        }
        FnArg::Receiver(_) => false,
    });
    takes_an_error.then_some(target)
}

/// The text checks of a conversion's body that pick a variant of `target`: the condition of an
/// `if` or the guard of an arm whose branch builds one (`return Error::BlockedIp`,
/// `Self::TooManyDataFrames`), and the string or constant arms of a `match` on the text that
/// build one. A check that only rewrites the message (`if text.contains("SSL") { text =
/// "SSL error".into() }`) picks nothing.
pub(super) fn variant_choices(
    body: &syn::Block,
    bindings: &HashSet<String>,
    target: &str,
) -> Vec<Region> {
    let mut finder = Choices {
        bindings,
        target,
        found: Vec::new(),
    };
    finder.visit_block(body);
    finder.found
}

struct Choices<'b> {
    bindings: &'b HashSet<String>,
    target: &'b str,
    found: Vec<Region>,
}

impl Choices<'_> {
    fn inspections(&mut self, expr: &Expr) {
        let mut all = AllInspections {
            bindings: self.bindings,
            found: Vec::new(),
        };
        all.visit_expr(expr);
        self.found.extend(all.found);
    }

    /// Whether code names a variant of the target (`Error::BlockedIp`, `Self::Closed`).
    fn builds_variant(&self, code: impl FnOnce(&mut Builds<'_>)) -> bool {
        let mut builds = Builds {
            target: self.target,
            found: false,
        };
        code(&mut builds);
        builds.found
    }
}

impl<'ast> Visit<'ast> for Choices<'_> {
    fn visit_expr_if(&mut self, node: &'ast syn::ExprIf) {
        if self.builds_variant(|b| b.visit_block(&node.then_branch)) {
            self.inspections(&node.cond);
        }
        syn::visit::visit_expr_if(self, node);
    }

    fn visit_expr_match(&mut self, node: &'ast syn::ExprMatch) {
        let on_text = is_message_text(&node.expr, self.bindings);
        for arm in &node.arms {
            if !self.builds_variant(|b| b.visit_expr(&arm.body)) {
                continue;
            }
            if let Some((_, guard)) = &arm.guard {
                self.inspections(guard);
            }
            if on_text && (string_pattern(&arm.pat) || constant_pattern(&arm.pat)) {
                self.found.push(Region::of(&arm.pat));
            }
        }
        syn::visit::visit_expr_match(self, node);
    }

    fn visit_expr_closure(&mut self, _: &'ast syn::ExprClosure) {}
    fn visit_item(&mut self, _: &'ast syn::Item) {}
}

/// A constant pattern, alone or among alternatives: `NEED_SNAPSHOT_MSG`, `errors::LOCKED`.
fn constant_pattern(pat: &Pat) -> bool {
    match pat {
        Pat::Path(path) => path
            .path
            .segments
            .last()
            .is_some_and(|seg| constant_name(&seg.ident.to_string())),
        Pat::Ident(ident) => ident.subpat.is_none() && constant_name(&ident.ident.to_string()),
        Pat::Or(or) => or.cases.iter().any(constant_pattern),
        _ => false,
    }
}

struct Builds<'b> {
    target: &'b str,
    found: bool,
}

impl<'ast> Visit<'ast> for Builds<'_> {
    fn visit_path(&mut self, path: &'ast syn::Path) {
        let count = path.segments.len();
        if count >= 2 {
            let owner = path.segments[count - 2].ident.to_string();
            self.found |= owner == self.target || owner == "Self";
        }
        syn::visit::visit_path(self, path);
    }

    /// An error-building macro of the tree (`connector_err!(External, WithBackoff, ..)`) or one
    /// naming the target among its tokens.
    fn visit_macro(&mut self, mac: &'ast syn::Macro) {
        let named_for_errors = mac.path.segments.last().is_some_and(|seg| {
            let name = seg.ident.to_string();
            name.ends_with("_err") || name.ends_with("_error")
        });
        self.found |= named_for_errors || tokens_mention(&mac.tokens, &|name| name == self.target);
    }

    fn visit_expr_closure(&mut self, _: &'ast syn::ExprClosure) {}
}
