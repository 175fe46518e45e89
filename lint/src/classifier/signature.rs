//! What a function's signature and its parameters' types say: whether it returns a `bool` or a
//! retry-after, and whether what it inspects looks like an error.

use syn::{GenericParam, Generics, ReturnType, Signature, Type, TypeParamBound};

use crate::facts::TreeFacts;
use crate::retry_words::trait_decides_retries;
use crate::syntax::types::type_name;

pub(super) fn returns_option_duration(sig: &Signature) -> bool {
    let ReturnType::Type(_, ty) = &sig.output else {
        return false;
    };
    let Type::Path(path) = &**ty else {
        return false;
    };
    let Some(last) = path.path.segments.last() else {
        return false;
    };
    if last.ident != "Option" {
        return false;
    }
    let syn::PathArguments::AngleBracketed(args) = &last.arguments else {
        return false;
    };
    matches!(args.args.first(), Some(syn::GenericArgument::Type(inner))
        if type_name(inner).as_deref() == Some("Duration"))
}

pub(super) fn bounds_mention_retry_trait<'b>(
    mut bounds: impl Iterator<Item = &'b TypeParamBound>,
) -> bool {
    bounds.any(|bound| match bound {
        TypeParamBound::Trait(t) => t
            .path
            .segments
            .last()
            .is_some_and(|seg| trait_decides_retries(&seg.ident.to_string())),
        _ => false,
    })
}

pub(super) fn returns_bool(sig: &Signature) -> bool {
    match &sig.output {
        ReturnType::Type(_, ty) => {
            matches!(&**ty, Type::Path(p) if p.qself.is_none() && p.path.is_ident("bool"))
        }
        ReturnType::Default => false,
    }
}

/// A type name that says "error": known to the tree as one, or named like one.
pub(crate) fn name_looks_like_error(name: &str, tree: &TreeFacts) -> bool {
    tree.error_types.contains(name)
        || name.contains("Error")
        || name.contains("Err")
        || name.ends_with("Status")
        || name.contains("Failure")
        || name.ends_with("Fault")
        // Why a run failed (`RunFailureReason`, `DisconnectReason`): the kinds of a failure.
        || name.ends_with("Reason")
        || name.ends_with("Exception")
}

/// A lifecycle state rather than an error: a type of the tree's own named `..Status`
/// (`JobStatus { Running, Done, Failed }`) that is not an error type. A foreign `Status` (a gRPC
/// status) is the failure of a call and keeps counting as an error.
pub(super) fn lifecycle_state(name: &str, tree: &TreeFacts) -> bool {
    name.ends_with("Status")
        && !name.contains("Err")
        && tree.local_types.contains(name)
        && !tree.error_types.contains(name)
}

pub(super) fn bounds_mention_error<'b>(
    mut bounds: impl Iterator<Item = &'b TypeParamBound>,
) -> bool {
    bounds.any(|bound| match bound {
        TypeParamBound::Trait(t) => {
            t.path.segments.last().is_some_and(|seg| {
                seg.ident.to_string().contains("Error") || seg.ident == "Classify"
            })
        }
        _ => false,
    })
}

/// Whether `name` is a type parameter of `generics` bounded by an error trait (inline or in `where`).
pub(super) fn generic_bound_mentions_error(generics: &Generics, name: &str) -> bool {
    let inline = generics.params.iter().any(|param| match param {
        GenericParam::Type(t) => t.ident == name && bounds_mention_error(t.bounds.iter()),
        _ => false,
    });
    let in_where = generics.where_clause.as_ref().is_some_and(|clause| {
        clause.predicates.iter().any(|pred| match pred {
            syn::WherePredicate::Type(p) => {
                type_name(&p.bounded_ty).as_deref() == Some(name)
                    && bounds_mention_error(p.bounds.iter())
            }
            _ => false,
        })
    });
    inline || in_where
}

/// `E` of a `Result<T, E>` written with both parameters.
pub(super) fn result_error_type(ty: &Type) -> Option<&Type> {
    let Type::Path(path) = ty else {
        return None;
    };
    let last = path.path.segments.last()?;
    if last.ident != "Result" {
        return None;
    }
    let syn::PathArguments::AngleBracketed(args) = &last.arguments else {
        return None;
    };
    match args.args.iter().nth(1)? {
        syn::GenericArgument::Type(error) => Some(error),
        _ => None,
    }
}

/// Whether a type is an enum of the tree with variants to choose from that is not an error: what a
/// function whose name asks about retrying answers with instead of `bool`.
pub(super) fn own_answer_enum(name: &str, tree: &TreeFacts) -> bool {
    tree.local_types.contains(name)
        && tree.multi_variant_enums.contains(name)
        && !tree.error_types.contains(name)
}

/// Whether a `bool` function's body only tells whether a value is one variant
/// (`fn is_not_found(&self) -> bool { matches!(self, Error::NotFound) }`, or a `match` with that
/// variant's arm answering `true` and a catch-all answering `false`): a definition of that
/// variant's case, not a verdict on which errors are worth retrying.
pub(super) fn tests_one_variant(body: &syn::Block) -> bool {
    tested_variant(body).is_some()
}

/// The pattern of the one variant a `bool` function's body tests (see [`tests_one_variant`]).
pub(super) fn tested_variant(body: &syn::Block) -> Option<syn::Pat> {
    let [syn::Stmt::Expr(expr, None)] = body.stmts.as_slice() else {
        return None;
    };
    // `match self { E::TimedOut => true, _ => false }` says the same.
    if let syn::Expr::Match(found) = expr {
        let is_bool = |e: &syn::Expr, value: bool| matches!(e, syn::Expr::Lit(l) if matches!(&l.lit, syn::Lit::Bool(b) if b.value == value));
        return match found.arms.as_slice() {
            [named, rest]
                if named.guard.is_none()
                    && !matches!(named.pat, syn::Pat::Or(_) | syn::Pat::Wild(_))
                    && matches!(rest.pat, syn::Pat::Wild(_))
                    && is_bool(&named.body, true)
                    && is_bool(&rest.body, false) =>
            {
                Some(named.pat.clone())
            }
            _ => None,
        };
    }
    // `matches!(self, E::NotFound)`: one alternative, without a guard.
    let syn::Expr::Macro(mac) = expr else {
        return None;
    };
    crate::syntax::patterns::matches_parts(&mac.mac)
        .filter(|(_, pat, guarded)| !guarded && !matches!(pat, syn::Pat::Or(_)))
        .map(|(_, pat, _)| pat)
}
