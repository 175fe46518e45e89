//! Finding the arms (and `matches!` patterns) of a classifier that answer a constant for a
//! variant wrapping a classified error.

use std::collections::HashSet;

use syn::visit::Visit;
use syn::{Macro, Pat, Token};

use super::variants::{FieldKey, VariantLookup};
use super::{LeftOut, Lossy};
use crate::classifier::{matches_parts, Answer, Classifier};
use crate::finding::Region;
use crate::retry_words::{answer_in_variant_name, names_a_failure_that_cannot_succeed};
use crate::syntax::names::{bound_names, names_in};

/// Finds constant-answer arms (and `matches!` patterns) in one classifier's body.
pub(super) struct ConstantArms<'c, 'a> {
    pub(super) classifier: &'c Classifier<'a>,
    pub(super) lookup: &'c VariantLookup<'c>,
    /// The answer the patterns being checked get.
    pub(super) answer: Option<Answer>,
    pub(super) found: Vec<Lossy>,
}

impl ConstantArms<'_, '_> {
    pub(super) fn check_pattern(&mut self, pat: &Pat) {
        match pat {
            Pat::Or(or) => or.cases.iter().for_each(|case| self.check_pattern(case)),
            Pat::Reference(r) => self.check_pattern(&r.pat),
            Pat::Paren(p) => self.check_pattern(&p.pat),
            Pat::TupleStruct(tuple) => {
                let Some((enum_name, variant)) = self.split(&tuple.path) else {
                    return;
                };
                match self.lookup.wrapped(enum_name.as_deref(), &variant) {
                    Some((wrapped, field_count)) => {
                        let inner = wrapped.iter().find_map(|(key, name)| match key {
                            FieldKey::Index(i)
                                if tuple_field_ignored(&tuple.elems, field_count, *i) =>
                            {
                                Some(name.clone())
                            }
                            _ => None,
                        });
                        if let Some(inner) = inner {
                            self.report(pat, &tuple.path, inner);
                        }
                    }
                    None if tuple.elems.len() == 1 && ignores_value(&tuple.elems[0]) => {
                        if let Some(inner) = self.lookup.by_variant_name(&variant) {
                            self.report(pat, &tuple.path, inner);
                        }
                    }
                    None => {}
                }
            }
            Pat::Struct(strukt) => {
                let Some((enum_name, variant)) = self.split(&strukt.path) else {
                    return;
                };
                let Some((wrapped, _)) = self.lookup.wrapped(enum_name.as_deref(), &variant) else {
                    return;
                };
                let inner = wrapped.iter().find_map(|(key, name)| {
                    let FieldKey::Named(field) = key else {
                        return None;
                    };
                    let named = strukt.fields.iter().find(|f| match &f.member {
                        syn::Member::Named(ident) => ident == field,
                        syn::Member::Unnamed(_) => false,
                    });
                    let ignored = match named {
                        Some(f) => ignores_value(&f.pat),
                        None => strukt.rest.is_some(),
                    };
                    ignored.then(|| name.clone())
                });
                if let Some(inner) = inner {
                    self.report(pat, &strukt.path, inner);
                }
            }
            _ => {}
        }
    }

    /// `Enum::Variant` → (`Some("Enum")`, `"Variant"`); `Self::Variant` uses the impl's type;
    /// a bare `Variant` (imported) has no enum name.
    pub(super) fn split(&self, path: &syn::Path) -> Option<(Option<String>, String)> {
        let mut segments = path.segments.iter().rev();
        let variant = segments.next()?.ident.to_string();
        let enum_name = match segments.next() {
            Some(seg) if seg.ident == "Self" => Some(self.classifier.self_type.clone()?),
            Some(seg) => Some(seg.ident.to_string()),
            None => None,
        };
        Some((enum_name, variant))
    }

    pub(super) fn report(&mut self, pat: &Pat, path: &syn::Path, inner: String) {
        let named_answer = path
            .segments
            .last()
            .and_then(|seg| answer_in_variant_name(&seg.ident.to_string()));
        if named_answer.is_some() && named_answer == self.answer {
            return;
        }
        // `InvalidConfigFilePath { source: io::Error }` answered "do not retry": the variant is
        // named for a failure that cannot succeed, whatever the error inside says.
        let named_permanent = path
            .segments
            .last()
            .is_some_and(|seg| names_a_failure_that_cannot_succeed(&seg.ident.to_string()));
        if named_permanent && self.answer == Some(Answer::DoNotRetry) {
            return;
        }
        let self_type = self.classifier.self_type.as_deref();
        let variant = path
            .segments
            .iter()
            .map(|seg| match self_type {
                Some(name) if seg.ident == "Self" => name.to_owned(),
                _ => seg.ident.to_string(),
            })
            .collect::<Vec<_>>()
            .join("::");
        self.found.push(Lossy {
            region: Region::of(pat),
            variant,
            inner,
            left_out: LeftOut::No,
            answer: self.answer,
        });
    }
}

/// Whether field `index` of a tuple variant with `field_count` fields is not looked at by `elems`,
/// which may hold one `..` standing for the fields between those it names.
pub(super) fn tuple_field_ignored(
    elems: &syn::punctuated::Punctuated<Pat, Token![,]>,
    field_count: usize,
    index: usize,
) -> bool {
    let elems: Vec<&Pat> = elems.iter().collect();
    match elems.iter().position(|p| matches!(p, Pat::Rest(_))) {
        None => elems.get(index).is_some_and(|p| ignores_value(p)),
        Some(rest) => {
            let after = elems.len() - rest - 1;
            if index < rest {
                ignores_value(elems[index])
            } else if index + after >= field_count {
                // Matched from the end by the patterns after `..`.
                elems
                    .get(rest + 1 + index + after - field_count)
                    .is_some_and(|p| ignores_value(p))
            } else {
                true
            }
        }
    }
}

/// A sub-pattern that does not look at the value: `_`, a plain binding, `..`.
pub(super) fn ignores_value(pat: &Pat) -> bool {
    match pat {
        Pat::Wild(_) | Pat::Rest(_) => true,
        Pat::Ident(ident) => ident.subpat.is_none(),
        Pat::Reference(r) => ignores_value(&r.pat),
        Pat::Paren(p) => ignores_value(&p.pat),
        _ => false,
    }
}

impl<'ast> Visit<'ast> for ConstantArms<'_, '_> {
    fn visit_arm(&mut self, arm: &'ast syn::Arm) {
        if arm.guard.is_none() && !reads_a_binding(arm, self.classifier.slot) {
            if let Some(answer) = self.classifier.answer(&arm.body) {
                self.answer = Some(answer);
                self.check_pattern(&arm.pat);
            }
        }
        syn::visit::visit_arm(self, arm);
    }

    fn visit_macro(&mut self, mac: &'ast Macro) {
        // A guard may look at the inner value.
        if let Some((_, pat, false)) = matches_parts(mac) {
            self.answer = Some(self.classifier.answer_of_true());
            self.check_pattern(&pat);
            let mut listed = Vec::new();
            variant_paths(&pat, &mut listed);
            let left_out = self.classifier.answer_of_true().opposite();
            self.check_unlisted(Region::of(mac), &listed, left_out, LeftOut::ByMatches);
        }
    }

    /// A catch-all arm answering a constant (`_ => true`) answers it for every variant the other
    /// arms leave out, as a `matches!` does.
    fn visit_expr_match(&mut self, node: &'ast syn::ExprMatch) {
        let catch_all = node.arms.iter().find(|arm| {
            arm.guard.is_none()
                && matches!(
                    &arm.pat,
                    Pat::Wild(_) | Pat::Ident(syn::PatIdent { subpat: None, .. })
                )
        });
        if let Some(arm) = catch_all {
            if let Some(answer) = self.classifier.answer(&arm.body) {
                let mut listed = Vec::new();
                for other in &node.arms {
                    variant_paths(&other.pat, &mut listed);
                }
                self.check_unlisted(Region::of(&arm.pat), &listed, answer, LeftOut::ByCatchAll);
            }
        }
        syn::visit::visit_expr_match(self, node);
    }
}

impl ConstantArms<'_, '_> {
    /// `matches!(self, A | B)`, or a match whose catch-all arm answers a constant, answers
    /// `left_out_answer` for every variant `listed` leaves out: report, at `region`, the left-out
    /// variants that wrap a classified error and are not looked at anywhere else, saying `how`
    /// they were left out.
    pub(super) fn check_unlisted(
        &mut self,
        region: Region,
        listed: &[syn::Path],
        left_out_answer: Answer,
        how: LeftOut,
    ) {
        let Some((enum_name, _)) = listed.iter().find_map(|path| self.split(path)) else {
            return;
        };
        let Some(item) = self.lookup.enums.iter().find(|e| match &enum_name {
            Some(name) => e.ident == name,
            None => false,
        }) else {
            return;
        };
        let named: HashSet<String> = listed
            .iter()
            .filter_map(|path| path.segments.last().map(|seg| seg.ident.to_string()))
            .collect();
        // `matches!(self, Error::RetryLater { .. })`: a test for the enum's variants dedicated to
        // retrying, each named for it. The variants it leaves out are not retry-later ones by
        // definition; their inner errors were not asked the question to begin with.
        if named
            .iter()
            .all(|name| answer_in_variant_name(name).is_some())
        {
            return;
        }
        let mentioned = idents_in_body(self.classifier);
        let own = item.ident.to_string();
        for variant in &item.variants {
            let name = variant.ident.to_string();
            if named.contains(&name) || mentioned.contains(&name) {
                continue;
            }
            if answer_in_variant_name(&name) == Some(left_out_answer)
                || (left_out_answer == Answer::DoNotRetry
                    && names_a_failure_that_cannot_succeed(&name))
            {
                continue;
            }
            let Some(inner) = variant
                .fields
                .iter()
                .find_map(|field| self.lookup.classified_name(&field.ty, &own))
            else {
                continue;
            };
            self.found.push(Lossy {
                region,
                variant: format!("{own}::{name}"),
                inner,
                left_out: how,
                answer: Some(left_out_answer),
            });
        }
    }
}

/// Whether the value an arm answers with reads something its pattern binds (`Io { error, .. } =>
/// classify_io(error)`, even when the function's name reads like a verdict): such an answer is
/// not a constant. A binding only logged before a literal answer does not count, nor, for an
/// answer given at `slot` of a tuple (`(Kind::Io, false, error.to_string())`), one read by the
/// tuple's other elements.
pub(super) fn reads_a_binding(arm: &syn::Arm, slot: Option<usize>) -> bool {
    fn tail(expr: &syn::Expr, slot: Option<usize>) -> &syn::Expr {
        let value = crate::syntax::exits::block_value(expr);
        match value {
            syn::Expr::Tuple(tuple) => match slot.and_then(|at| tuple.elems.iter().nth(at)) {
                Some(answer) => crate::syntax::exits::block_value(answer),
                None => value,
            },
            _ => value,
        }
    }
    let bound = bound_names(&arm.pat);
    !bound.is_empty()
        && names_in(tail(&arm.body, slot))
            .iter()
            .any(|name| bound.contains(name))
}

/// The variant paths a pattern names.
pub(super) fn variant_paths(pat: &Pat, out: &mut Vec<syn::Path>) {
    match pat {
        Pat::Path(p) => out.push(p.path.clone()),
        Pat::TupleStruct(p) => out.push(p.path.clone()),
        Pat::Struct(p) => out.push(p.path.clone()),
        Pat::Or(or) => or.cases.iter().for_each(|case| variant_paths(case, out)),
        Pat::Reference(r) => variant_paths(&r.pat, out),
        Pat::Paren(p) => variant_paths(&p.pat, out),
        _ => {}
    }
}

/// Every identifier a classifier's code mentions outside `matches!` macros.
pub(super) fn idents_in_body(classifier: &Classifier<'_>) -> HashSet<String> {
    struct Idents(HashSet<String>);
    impl<'ast> Visit<'ast> for Idents {
        fn visit_ident(&mut self, ident: &'ast proc_macro2::Ident) {
            self.0.insert(ident.to_string());
        }
    }
    let mut idents = Idents(HashSet::new());
    classifier.visit_body(&mut idents);
    idents.0
}
