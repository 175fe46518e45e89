//! Classifiers that answer retry for everything, without a check: a hazard when the type they are
//! asked about tells failures apart (several variants, its own classifier, a name that says it can
//! never succeed), because the constant throws that distinction away.

use syn::visit::Visit;
use syn::{Block, Expr, FnArg, ImplItem, ItemImpl, Signature, Stmt, Type};

use super::decides;
use super::error_types::{error_type_telling_apart, own_type_name};
use crate::classifier::{Answer, Classifier, ClassifierBody};
use crate::facts::TreeFacts;
use crate::finding::Region;
use crate::retry_words::names_a_failure_that_cannot_succeed;
use crate::syntax::names::path_segments;
use crate::syntax::types::type_path;

/// The region of the constant a classifier answers with, and the type it is asked about, when the
/// classifier answers retry for every error of a type that tells failures apart.
pub(super) fn constant_retry(
    classifier: &Classifier<'_>,
    file: &syn::File,
    tree: &TreeFacts,
) -> Option<(Region, String)> {
    let (ClassifierBody::Block(body), Some(sig)) = (classifier.body, classifier.sig) else {
        return None;
    };
    let (tail, before) = body.stmts.split_last()?;
    let tail = match tail {
        Stmt::Expr(expr, None) => expr,
        Stmt::Expr(expr @ Expr::Return(_), Some(_)) => expr,
        _ => return None,
    };
    if classifier.answer(tail) != Some(Answer::Retry) || before.iter().any(decides) {
        return None;
    }
    let owner = enclosing_impl(file, sig);
    let (name, tells_apart) = match classified_type(classifier, sig, owner, file, tree)? {
        Asked::Foreign(name) => (name, true),
        Asked::Own {
            name,
            from_parameter,
        } => {
            let tells_apart = tree.multi_variant_enums.contains(&name)
                || (from_parameter
                    && tree.classified_types.contains(&name)
                    && tree.local_types.contains(&name))
                || (tree.local_types.contains(&name) && names_a_failure_that_cannot_succeed(&name));
            (name, tells_apart)
        }
    };
    tells_apart.then(|| (Region::of(tail), name))
}

/// The type a classifier is asked about.
enum Asked {
    /// One of the tree's own types, handed as a parameter or as `self`.
    Own { name: String, from_parameter: bool },
    /// Another crate's named error type that tells failures apart, as written (`hyper::Error`).
    Foreign(String),
}

/// The type a classifier is asked about. `None` when it is another crate's type that is not a named
/// error type telling failures apart, or cannot be told.
fn classified_type(
    classifier: &Classifier<'_>,
    sig: &Signature,
    owner: Option<&ItemImpl>,
    file: &syn::File,
    tree: &TreeFacts,
) -> Option<Asked> {
    for input in &sig.inputs {
        let FnArg::Typed(typed) = input else {
            continue;
        };
        let asked = match &*typed.pat {
            syn::Pat::Ident(binding) => classifier
                .error_inputs
                .iter()
                .any(|input| binding.ident == input),
            // `fn from(_: &hyper::Error)`: a conversion's one input, not even looked at.
            syn::Pat::Wild(_) => converts_into_a_verdict(sig, owner),
            _ => false,
        };
        if !asked {
            continue;
        }
        let ty = resolve_associated(&typed.ty, owner)?;
        return match own_type_name(ty, file) {
            Some(name) => Some(Asked::Own {
                name,
                from_parameter: true,
            }),
            // Another crate's named error type (`&hyper::Error`) was given a name of its own to
            // tell its failures apart. A conversion into a verdict (`impl From<&hyper::Error> for
            // Verdict`) answers for every value of it, to every caller, as a setter that marks it
            // retryable does; a retry policy's method for it is one component's decision about the
            // transport it owns.
            None if converts_into_a_verdict(sig, owner) => {
                let path = error_type_telling_apart(ty, file, tree)?;
                // Named as written (`hyper::Error`): the last segment alone is often `Error`.
                let written = path_segments(path);
                Some(Asked::Foreign(written.join("::")))
            }
            None => None,
        };
    }
    if classifier.error_inputs.iter().any(|input| input == "self") {
        // A trait's default method has no type to ask about.
        return own_type_name(&owner?.self_ty, file).map(|name| Asked::Own {
            name,
            from_parameter: false,
        });
    }
    None
}

/// Whether a method is the `from` of an `impl From<..> for ..`.
fn converts_into_a_verdict(sig: &Signature, owner: Option<&ItemImpl>) -> bool {
    sig.ident == "from"
        && owner
            .and_then(|owner| owner.trait_.as_ref())
            .and_then(|(_, path, _)| path.segments.last())
            .is_some_and(|last| last.ident == "From")
}

/// `Self::Error` read from the impl's `type Error = ..;`; any other type as written.
fn resolve_associated<'a>(ty: &'a Type, owner: Option<&'a ItemImpl>) -> Option<&'a Type> {
    let path = type_path(ty)?;
    let segments = path_segments(path);
    let [first, associated] = segments.as_slice() else {
        return Some(ty);
    };
    if first != "Self" {
        return Some(ty);
    }
    owner?.items.iter().find_map(|item| match item {
        ImplItem::Type(alias) if alias.ident == associated => Some(&alias.ty),
        _ => None,
    })
}

/// The impl whose method has the signature `sig`.
fn enclosing_impl<'a>(file: &'a syn::File, sig: &Signature) -> Option<&'a ItemImpl> {
    struct Finder<'a, 's> {
        sig: &'s Signature,
        found: Option<&'a ItemImpl>,
    }
    impl<'a> Visit<'a> for Finder<'a, '_> {
        fn visit_item_impl(&mut self, item: &'a ItemImpl) {
            let owns = item.items.iter().any(
                |impl_item| matches!(impl_item, ImplItem::Fn(f) if std::ptr::eq(&f.sig, self.sig)),
            );
            if owns {
                self.found = Some(item);
                return;
            }
            syn::visit::visit_item_impl(self, item);
        }
        fn visit_block(&mut self, block: &'a Block) {
            if self.found.is_none() {
                syn::visit::visit_block(self, block);
            }
        }
    }
    let mut finder = Finder { sig, found: None };
    finder.visit_file(file);
    finder.found
}
