//! The edits findings propose. Only an edit that provably keeps behaviour is machine-applicable:
//! expanding a catch-all into the variants it covers is; turning a "retry" fallback into a
//! terminal one changes behaviour on purpose, so a person decides.

use syn::{Expr, ExprMatch, Lit, Pat};

use crate::codegen::variants::{enum_named, variant_cases, variants_of};
use crate::finding::{Applicability, Edit, Region, Suggestion};
use crate::syntax::names::path_segments;

/// Replaces a constant "retry" answer (`true`, `Verdict::Retryable`) by the terminal one.
pub(crate) fn terminal_answer(answer: &Expr) -> Option<Suggestion> {
    let replacement = match answer {
        Expr::Lit(lit) if matches!(&lit.lit, Lit::Bool(b) if b.value) => "false".to_owned(),
        Expr::Path(path) if path.path.segments.last()?.ident == "Retryable" => {
            let mut words = path_segments(&path.path);
            words.pop();
            words.push("Terminal".to_owned());
            let lead = if path.path.leading_colon.is_some() {
                "::"
            } else {
                ""
            };
            format!("{lead}{}", words.join("::"))
        }
        Expr::Paren(paren) => return terminal_answer(&paren.expr),
        _ => return None,
    };
    Some(Suggestion {
        message: format!("make the fallback terminal: `{replacement}`"),
        applicability: Applicability::MaybeIncorrect,
        edits: vec![Edit {
            region: Region::of(answer),
            replacement,
        }],
    })
}

/// Replaces the `_` arm at `index` of a match over an enum declared in `file` by the variants it
/// catches, so that a new variant no longer compiles without a decision. Behaviour is unchanged:
/// the listed variants are exactly those every earlier arm leaves (a variant an earlier arm only
/// partly matches is listed too). `self_type` resolves `Self::Variant` paths.
pub(crate) fn expand_catch_all(
    file: &syn::File,
    node: &ExprMatch,
    index: usize,
    self_type: Option<&str>,
) -> Option<Suggestion> {
    let arm = node.arms.get(index)?;
    if !matches!(arm.pat, Pat::Wild(_)) || arm.guard.is_some() {
        return None;
    }
    let mut prefix: Option<String> = None;
    let mut covered = Vec::new();
    for earlier in node.arms.iter().take(index) {
        for case in variant_cases(&earlier.pat)? {
            if prefix.get_or_insert_with(|| case.prefix.clone()) != &case.prefix {
                return None;
            }
            if case.total && earlier.guard.is_none() {
                covered.push(case.variant);
            }
        }
    }
    let prefix = prefix?;
    let enum_name = match prefix.rsplit("::").next()? {
        "Self" => self_type?,
        name => name,
    };
    let variants = variants_of(enum_named(file, enum_name)?)?;
    if covered
        .iter()
        .any(|name| !variants.iter().any(|v| &v.name == name))
    {
        return None;
    }
    let left: Vec<String> = variants
        .iter()
        .filter(|variant| !covered.contains(&variant.name))
        .map(|variant| variant.catch_all_pattern(&prefix))
        .collect();
    if left.is_empty() {
        return None;
    }
    Some(Suggestion {
        message: "name the variants the catch-all covers".to_owned(),
        applicability: Applicability::MachineApplicable,
        edits: vec![Edit {
            region: Region::of(&arm.pat),
            replacement: left.join(" | "),
        }],
    })
}
