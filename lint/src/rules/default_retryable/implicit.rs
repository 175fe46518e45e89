//! Retry-by-default written as a list: `!matches!(err, A | B)` as a retry classifier's answer,
//! `matches!(self, A | B)` as an `is_permanent`-style one's, and `.is_none_or(..)` answering retry
//! when nothing is known.

use syn::visit::Visit;
use syn::{Expr, Stmt};

use crate::classifier::{Answer, Classifier, ClassifierBody};
use crate::finding::Region;
use crate::retry_words::Polarity;

/// Answers that say "retry" for whatever a list leaves out: `!matches!(err, A | B)` as the answer
/// of a retry classifier, `matches!(self, A | B)` as the answer of an `is_permanent`-style one, and
/// `.is_none_or(..)` / `.map_or(true, ..)` on something read from the error.
pub(super) fn implicit_retry(classifier: &Classifier<'_>) -> Vec<(Region, String)> {
    let mut found = Vec::new();
    for (expr, bound) in answers_and_arm_bindings(classifier) {
        let (negated, inner) = match expr {
            Expr::Unary(unary) if matches!(unary.op, syn::UnOp::Not(_)) => (true, &*unary.expr),
            other => (false, other),
        };
        if classifier.polarity == Polarity::Retry && only_rules_out_cases(classifier, expr) {
            found.push((
                Region::of(expr),
                "answers retry for every error its negated checks do not single out".to_owned(),
            ));
            continue;
        }
        let Some(scrutinee) = crate::classifier::matches_scrutinee(inner) else {
            continue;
        };
        let reads_bound = crate::classifier::root_names(&scrutinee)
            .iter()
            .any(|name| bound.contains(name));
        if !reads_error(classifier, &scrutinee) && !reads_bound {
            continue;
        }
        let retries_unlisted = match classifier.polarity {
            Polarity::Retry => negated,
            Polarity::Final => !negated,
        };
        if retries_unlisted && lists_only_final_variants(inner) {
            // `matches!(self, Self::Fatal(_))`: the enum carries the verdict in a variant of its
            // own, and the others are what it was built to retry.
            continue;
        }
        if retries_unlisted {
            let how = if negated {
                "answers retry for every case its negated `matches!` does not list"
            } else {
                "answers \"not final\" for every case its `matches!` does not list"
            };
            found.push((Region::of(expr), how.to_owned()));
        }
    }
    let mut calls = UnknownIsRetry {
        classifier,
        found: Vec::new(),
    };
    classifier.visit_body(&mut calls);
    found.extend(calls.found);
    found
}

/// Whether a retry classifier's answer only rules cases out: `!is_err_object_not_found(err) &&
/// !is_err_version_not_found(err)`, with or without a bound on the attempts beside them. Each
/// question about the error is a negated check for one case (a predicate named for the case,
/// not a verdict of its own: `!err.is_permanent()` asks another classifier), so every error the
/// checks do not name is retried.
fn only_rules_out_cases(classifier: &Classifier<'_>, answer: &Expr) -> bool {
    let all = crate::syntax::names::and_operands(answer);
    let mut ruled_out = 0;
    for operand in all {
        if !reads_error(classifier, operand) {
            continue;
        }
        let Expr::Unary(unary) = operand else {
            return false;
        };
        if !matches!(unary.op, syn::UnOp::Not(_)) {
            return false;
        }
        let name = match &*unary.expr {
            Expr::Call(call) => match &*call.func {
                Expr::Path(path) => path.path.segments.last().map(|seg| seg.ident.to_string()),
                _ => None,
            },
            Expr::MethodCall(call) => Some(call.method.to_string()),
            _ => None,
        };
        let names_a_case = name.is_some_and(|name| {
            (name.starts_with("is_") || name.starts_with("has_"))
                && crate::retry_words::name_polarity(&name).is_none()
        });
        if !names_a_case {
            return false;
        }
        ruled_out += 1;
    }
    ruled_out > 0
}

/// Whether a `matches!` lists only variants whose names say they can never succeed (`Fatal`,
/// `Permanent(..)`, `NonRetryable`).
fn lists_only_final_variants(expr: &Expr) -> bool {
    fn names(pat: &syn::Pat, out: &mut Vec<String>) -> bool {
        let path = match pat {
            syn::Pat::Path(p) => &p.path,
            syn::Pat::TupleStruct(p) => &p.path,
            syn::Pat::Struct(p) => &p.path,
            syn::Pat::Or(or) => return or.cases.iter().all(|case| names(case, out)),
            syn::Pat::Paren(p) => return names(&p.pat, out),
            syn::Pat::Reference(r) => return names(&r.pat, out),
            _ => return false,
        };
        match path.segments.last() {
            Some(last) => {
                out.push(last.ident.to_string());
                true
            }
            None => false,
        }
    }
    let Expr::Macro(mac) = expr else {
        return false;
    };
    let Some((_, pat, _)) = crate::classifier::matches_parts(&mac.mac) else {
        return false;
    };
    let mut listed = Vec::new();
    names(&pat, &mut listed)
        && !listed.is_empty()
        && listed
            .iter()
            .all(|name| crate::retry_words::says_final(name))
}

/// The classifier's answers (its tail and every `return`), and, where an answer is a `match` on
/// the error, the tail of each arm with the names its pattern binds: in
/// `match err.kind() { Kind::Response { status, .. } => !matches!(status, ..), .. }` the arm
/// answers, and `status` is read from the error.
fn answers_and_arm_bindings<'a>(classifier: &Classifier<'a>) -> Vec<(&'a Expr, Vec<String>)> {
    let mut answers = Vec::new();
    for expr in crate::classifier::answer_exprs(classifier) {
        answers.push((expr, Vec::new()));
        // `let retry = !matches!(err, ..); if !retry { debug!(..) } retry`: the binding's value
        // is the answer.
        if let Some(value) = bound_value(classifier, expr) {
            answers.push((value, Vec::new()));
        }
        let Expr::Match(outer) = expr else {
            continue;
        };
        if !reads_error(classifier, &outer.expr) {
            continue;
        }
        for arm in &outer.arms {
            answers.push((
                crate::syntax::exits::block_value(&arm.body),
                crate::syntax::names::bound_names(&arm.pat),
            ));
        }
    }
    answers
}

/// The value a classifier's answer names, when the answer is a local bound once in the body's
/// own statements and never assigned again.
fn bound_value<'a>(classifier: &Classifier<'a>, answer: &Expr) -> Option<&'a Expr> {
    let Expr::Path(path) = answer else {
        return None;
    };
    let name = path.path.get_ident()?;
    let ClassifierBody::Block(body) = classifier.body else {
        return None;
    };
    let mut values = body.stmts.iter().filter_map(|stmt| match stmt {
        Stmt::Local(local) => match (&local.pat, &local.init) {
            (syn::Pat::Ident(bound), Some(init))
                if bound.ident == *name && init.diverge.is_none() =>
            {
                Some(&*init.expr)
            }
            _ => None,
        },
        _ => None,
    });
    let value = values.next()?;
    if values.next().is_some() || assigns(body, name) {
        return None;
    }
    Some(value)
}

/// Whether a block assigns to `name` anywhere (`name = ..`, `name |= ..`).
fn assigns(body: &syn::Block, name: &proc_macro2::Ident) -> bool {
    struct Assigns<'n> {
        name: &'n proc_macro2::Ident,
        found: bool,
    }
    impl<'ast> Visit<'ast> for Assigns<'_> {
        fn visit_expr_assign(&mut self, node: &'ast syn::ExprAssign) {
            self.found |= matches!(&*node.left, Expr::Path(p) if p.path.is_ident(self.name));
            syn::visit::visit_expr_assign(self, node);
        }
        fn visit_expr_binary(&mut self, node: &'ast syn::ExprBinary) {
            let compound = matches!(
                node.op,
                syn::BinOp::BitOrAssign(_)
                    | syn::BinOp::BitAndAssign(_)
                    | syn::BinOp::BitXorAssign(_)
            );
            self.found |=
                compound && matches!(&*node.left, Expr::Path(p) if p.path.is_ident(self.name));
            syn::visit::visit_expr_binary(self, node);
        }
    }
    let mut assigns = Assigns { name, found: false };
    assigns.visit_block(body);
    assigns.found
}

fn reads_error(classifier: &Classifier<'_>, expr: &Expr) -> bool {
    crate::classifier::root_names(expr)
        .iter()
        .any(|name| classifier.error_inputs.contains(name))
}

/// `.is_none_or(..)` and `.map_or(true, ..)` answer retry when the error carries nothing to check.
struct UnknownIsRetry<'c, 'a> {
    classifier: &'c Classifier<'a>,
    found: Vec<(Region, String)>,
}

impl<'ast> Visit<'ast> for UnknownIsRetry<'_, '_> {
    fn visit_expr_method_call(&mut self, node: &'ast syn::ExprMethodCall) {
        let retry_if_unknown = match node.method.to_string().as_str() {
            "is_none_or" => self.classifier.answer_of_true() == Answer::Retry,
            "map_or" => node
                .args
                .first()
                .is_some_and(|arg| self.classifier.answer(arg) == Some(Answer::Retry)),
            _ => false,
        };
        if retry_if_unknown && reads_error(self.classifier, &node.receiver) {
            self.found.push((
                Region::of(node),
                format!(
                    "answers retry when `.{}(..)` finds nothing to check",
                    node.method
                ),
            ));
        }
        syn::visit::visit_expr_method_call(self, node);
    }

    fn visit_item_fn(&mut self, _: &'ast syn::ItemFn) {}
    fn visit_item_impl(&mut self, _: &'ast syn::ItemImpl) {}
}
