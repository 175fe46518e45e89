//! Catch-all arms that answer with a value marked retryable by its own words, outside any
//! classifier: `err => Ok(TaskOutcome::Failed(TaskError::empty_recoverable()))` after an arm
//! that fails one named error for good, or `s => Err(RequestError { permanent: false, .. })`
//! after the arms for the statuses the code knows. Every error or status the `match` does not
//! name, including those that can never succeed, is handed on as one to retry.
//!
//! The named cases must be the tree's own (a variant of one of its enums) or statuses (a number,
//! a range, a constant such as `StatusCode::OK`): a catch-all over another crate's enum covers
//! variants nobody here can list. A `match` that picks among ways of retrying (`RetryError::Retry`
//! beside `RetryError::Continue`, `Retry::retry_later` beside `Retry::rate_limited`) decides how
//! to retry, not whether, and is left alone.

use syn::visit::Visit;
use syn::{Expr, Lit, Member, Pat};

use crate::classifier::{name_looks_like_error, root_names};
use crate::facts::TreeFacts;
use crate::finding::Region;
use crate::retry_words::{
    answer_in_variant_name, speaks_of_verdict, variant_answer, verdict_like_type, words, Answer,
};
use crate::rules::unbounded_retry::expr_continues_loop;
use crate::rules::variant_scope::{enums_declared_in, VariantScope};
use crate::syntax::exits::block_value;
use crate::syntax::imports::ModuleImports;
use crate::syntax::names::{constant_name, path_segments};
use crate::syntax::patterns::{catch_all_arm, pattern_kind, takes_anything, PatternKind};

/// Words of an answer that is another way of trying again: waiting, going on, coming back later.
const RETRY_LIKE: &[&str] = &[
    "continue",
    "later",
    "again",
    "wait",
    "limited",
    "throttled",
    "pending",
    "requeue",
    "resume",
    "backoff",
    "backpressure",
    "overloaded",
    "busy",
];

/// One catch-all arm whose value is marked retryable.
pub(super) struct MarkedDefault {
    /// The catch-all's pattern.
    pub(super) region: Region,
    /// The whole arm, for the comment that may explain it.
    pub(super) arm: Region,
    /// What marks the value (`empty_recoverable`, `permanent: false`), for the message.
    pub(super) marker: String,
}

/// The catch-all arms of the file's `match`es on an error or a status (outside the regions
/// given, the classifiers' own code) that mark their value retryable while an arm naming a case
/// answers something else.
pub(super) fn marked_defaults(
    file: &syn::File,
    tree: &TreeFacts,
    skip: &[Region],
) -> Vec<MarkedDefault> {
    struct Finder<'s, 'ast> {
        tree: &'s TreeFacts,
        skip: &'s [Region],
        candidates: Vec<(&'ast syn::ExprMatch, &'ast syn::Arm, Mark)>,
    }
    impl<'ast> Visit<'ast> for Finder<'_, 'ast> {
        fn visit_expr_match(&mut self, node: &'ast syn::ExprMatch) {
            let line = Region::of(node).line;
            if !self
                .skip
                .iter()
                .any(|outer| (outer.line..=outer.end_line).contains(&line))
            {
                if let Some((arm, mark)) = marked_catch_all(node, self.tree) {
                    self.candidates.push((node, arm, mark));
                }
            }
            syn::visit::visit_expr_match(self, node);
        }
    }
    let mut finder = Finder {
        tree,
        skip,
        candidates: Vec::new(),
    };
    finder.visit_file(file);
    if finder.candidates.is_empty() {
        return Vec::new();
    }
    // Which enum a pattern names is read with the imports in scope, built only for a file with
    // a candidate.
    let file_enums = enums_declared_in(file);
    let modules = ModuleImports::of_file(file);
    finder
        .candidates
        .into_iter()
        .filter(|(node, _, mark)| {
            let scope = VariantScope::at_line(Region::of(*node).line, &modules, tree, &file_enums);
            decides_named_cases(node, mark, &scope, tree)
        })
        .map(|(_, arm, mark)| MarkedDefault {
            region: Region::of(&arm.pat),
            arm: Region::of(arm),
            marker: mark.text,
        })
        .collect()
}

/// The catch-all of a `match` on a failure that marks its value retryable, and the mark.
fn marked_catch_all<'m>(
    node: &'m syn::ExprMatch,
    tree: &TreeFacts,
) -> Option<(&'m syn::Arm, Mark)> {
    if !on_an_error(node) && !on_a_status(node) {
        return None;
    }
    let catch_all = node.arms.iter().find(|arm| takes_the_rest(arm))?;
    let mark = retry_mark(arm_value(&catch_all.body)?, tree)?;
    Some((catch_all, mark))
}

/// Whether an arm takes every case left: `_`, a plain binding, or over a `Result` any error
/// (`Err(_)`, `Err(e)`), with no guard.
fn takes_the_rest(arm: &syn::Arm) -> bool {
    catch_all_arm(arm)
        || (arm.guard.is_none()
            && matches!(&arm.pat, Pat::TupleStruct(tuple)
                if pattern_kind(&arm.pat) == PatternKind::Err
                    && matches!(tuple.elems.iter().collect::<Vec<_>>().as_slice(), [inner] if takes_anything(inner))))
}

/// Whether an arm naming a case of the tree's own or a status answers without the catch-all's
/// mark, and nothing else in the match has sorted the failures already: no guarded arm and no
/// range answers without the mark (`s if s.is_client_error() => permanent`, `400..=499 =>
/// retryable: false`: the catch-all then takes only what is left of a class), and no named arm
/// retries another way (`continue`s the loop, or answers a retry-like variant of the mark's own
/// type: the match picks how to retry, not whether). A match on a status that is no error or
/// `Result` (`op.status()`) must name statuses (numbers, ranges, constants): one naming the
/// variants of a state (`OpState::Done`) waits for a job, and its catch-all is "not yet".
fn decides_named_cases(
    node: &syn::ExprMatch,
    mark: &Mark,
    scope: &VariantScope<'_>,
    tree: &TreeFacts,
) -> bool {
    let only_a_status = !on_an_error(node);
    let sorted_by_class = node.arms.iter().any(|arm| {
        (arm.guard.is_some() || matches!(strip_wrappers(&arm.pat), Pat::Range(_)))
            && arm_value(&arm.body).is_none_or(|value| retry_mark(value, tree).is_none())
    });
    if sorted_by_class {
        return false;
    }
    let named: Vec<&syn::Arm> = node
        .arms
        .iter()
        .filter(|arm| !takes_the_rest(arm) && arm.guard.is_none())
        .filter(|arm| {
            if only_a_status {
                names_a_status(&arm.pat)
            } else {
                names_a_case(&arm.pat, scope)
            }
        })
        .collect();
    let picks_how = named.iter().any(|arm| {
        // `continue` goes round the loop the match is in: another try.
        if expr_continues_loop(&arm.body, None) {
            return true;
        }
        let Some(value) = arm_value(&arm.body) else {
            return false;
        };
        let mut seen = Vec::new();
        answers_seen(value, &mut seen);
        seen.iter().any(|(owner, last)| {
            !owner.is_empty()
                && (*owner == mark.owner || owner.last() == mark.owner.last())
                && words(last).iter().any(|w| RETRY_LIKE.contains(&w.as_str()))
        })
    });
    !picks_how
        && named
            .iter()
            .any(|arm| arm_value(&arm.body).is_some_and(|value| retry_mark(value, tree).is_none()))
}

/// Whether a `match` is on an error: a `Result` with an `Err(..)` arm, or an error binding.
fn on_an_error(node: &syn::ExprMatch) -> bool {
    node.arms
        .iter()
        .any(|arm| pattern_kind(&arm.pat) == PatternKind::Err)
        || root_names(&node.expr).iter().any(|name| {
            let lower = name.to_ascii_lowercase();
            lower == "e" || lower.contains("err")
        })
}

/// A pattern inside `Some(..)` or a reference: `Some(StatusCode::NOT_FOUND)` names the status.
fn strip_wrappers(pat: &Pat) -> &Pat {
    match pat {
        Pat::TupleStruct(tuple) if tuple.path.is_ident("Some") && tuple.elems.len() == 1 => {
            strip_wrappers(&tuple.elems[0])
        }
        Pat::Reference(reference) => strip_wrappers(&reference.pat),
        Pat::Paren(paren) => strip_wrappers(&paren.pat),
        other => other,
    }
}

/// Whether a pattern names a status: a number, a range, or a constant (`StatusCode::OK`).
fn names_a_status(pat: &Pat) -> bool {
    match strip_wrappers(pat) {
        Pat::Lit(_) | Pat::Range(_) => true,
        Pat::Path(path) => names_a_constant(&path.path),
        Pat::Or(or) => or.cases.iter().any(names_a_status),
        _ => false,
    }
}

/// Whether a path ends in an upper-case constant (`StatusCode::NOT_FOUND`).
fn names_a_constant(path: &syn::Path) -> bool {
    path_segments(path)
        .last()
        .is_some_and(|last| constant_name(last))
}

/// Whether a `match` is on a status (`status`, `resp.status()`).
fn on_a_status(node: &syn::ExprMatch) -> bool {
    root_names(&node.expr)
        .iter()
        .any(|name| name.to_ascii_lowercase().contains("status"))
        || matches!(&*node.expr, Expr::MethodCall(call) if call.method == "status")
}

/// Whether a pattern names a case the tree knows all of: a variant of one of its own enums, or a
/// status (a literal, a range, a constant such as `StatusCode::OK`); not `Ok(..)` (the success),
/// not another crate's variant, and not a binding that takes anything.
fn names_a_case(pat: &Pat, scope: &VariantScope<'_>) -> bool {
    let own_variant =
        |path: &syn::Path| scope.variant(path).is_some_and(|variant| !variant.foreign);
    if names_a_status(pat) {
        return true;
    }
    match strip_wrappers(pat) {
        Pat::Path(path) => own_variant(&path.path),
        Pat::Struct(strukt) => own_variant(&strukt.path),
        inner @ Pat::TupleStruct(tuple) => match pattern_kind(inner) {
            PatternKind::Ok => false,
            PatternKind::Err => tuple.elems.iter().any(|elem| names_a_case(elem, scope)),
            PatternKind::Other => own_variant(&tuple.path),
        },
        Pat::Or(or) => or.cases.iter().any(|case| names_a_case(case, scope)),
        Pat::Ident(ident) => ident
            .subpat
            .as_ref()
            .is_some_and(|(_, sub)| names_a_case(sub, scope)),
        _ => false,
    }
}

/// The value an arm answers with: its expression, a block's last expression, or what it
/// returns; none for a block that ends in a statement.
fn arm_value(body: &Expr) -> Option<&Expr> {
    match block_value(body) {
        Expr::Block(_) => None,
        Expr::Return(ret) => arm_value(ret.expr.as_deref()?),
        value => Some(value),
    }
}

/// What marks a value retryable: the marker as written, and the path of the type it belongs to
/// (`TaskError` for `TaskError::empty_recoverable()`).
struct Mark {
    text: String,
    owner: Vec<String>,
}

/// What marks a value retryable, if anything does: a constructor named for it
/// (`TaskError::empty_recoverable()`, `Outcome::Transient(e)`), a field saying so
/// (`retryable: true`, `permanent: false`), inside wrappers (`Ok(..)`, `Err(..)`,
/// `TaskOutcome::Failed(..)`) that say nothing themselves. A bare unit variant
/// (`Action::Retry`) carries no error on: it picks what the function does next, and the retry
/// it picks is the function's own.
fn retry_mark(value: &Expr, tree: &TreeFacts) -> Option<Mark> {
    match value {
        Expr::Call(call) => {
            let Expr::Path(path) = &*call.func else {
                return None;
            };
            let (owner, last) = split_path(&path.path)?;
            match marker_answer(&owner, &last, tree) {
                Some(Answer::Retry) => Some(Mark { text: last, owner }),
                Some(Answer::DoNotRetry) => None,
                // A wrapper (`Ok(..)`, `Err(..)`, `TaskOutcome::Failed(..)`), or a constructor
                // handed a kind (`Error::new(ErrorKind::Transient, msg)`).
                None => match call.args.iter().collect::<Vec<_>>().as_slice() {
                    [only] => retry_mark(only, tree),
                    args => args.iter().find_map(|arg| match arg {
                        Expr::Path(kind) => {
                            let (owner, last) = split_path(&kind.path)?;
                            (!owner.is_empty()
                                && marker_answer(&owner, &last, tree) == Some(Answer::Retry))
                            .then_some(Mark { text: last, owner })
                        }
                        _ => None,
                    }),
                },
            }
        }
        // `TaskError::retryable(e).into()`: the conversion keeps the mark.
        Expr::MethodCall(call) if call.method == "into" && call.args.is_empty() => {
            retry_mark(&call.receiver, tree)
        }
        Expr::Struct(strukt) => {
            let (_, last) = split_path(&strukt.path)?;
            if !error_like(&last, tree) {
                return None;
            }
            strukt.fields.iter().find_map(|field| {
                let Member::Named(name) = &field.member else {
                    return None;
                };
                let Expr::Lit(lit) = &field.expr else {
                    return None;
                };
                let Lit::Bool(flag) = &lit.lit else {
                    return None;
                };
                let name = name.to_string();
                if !speaks_of_verdict(&name) {
                    return None;
                }
                let retried = match variant_answer(&name)? {
                    Answer::Retry => flag.value,
                    Answer::DoNotRetry => !flag.value,
                };
                retried.then(|| Mark {
                    text: format!("{name}: {}", flag.value),
                    owner: path_segments(&strukt.path),
                })
            })
        }
        Expr::Paren(paren) => retry_mark(&paren.expr, tree),
        _ => None,
    }
}

/// The answer a constructor's name gives, read only when it speaks of the verdict as an answer
/// about a failure: a word of the verdict (`recoverable`, `transient`, not `Throttling`: the
/// prefilter opens a file on those words alone) that ends the name or comes before a word for
/// the failure (`TemporaryFailure`; not `TemporaryFile`), on a type named for a failure or a
/// verdict, or a function of the type's own (`TaskError::empty_recoverable`; not
/// `Redirect::temporary`). A name for spent attempts (`RetriesExhausted`) answers no retry.
fn marker_answer(owner: &[String], last: &str, tree: &TreeFacts) -> Option<Answer> {
    if !speaks_of_verdict(last) {
        return None;
    }
    if answer_in_variant_name(last) == Some(Answer::DoNotRetry) {
        return Some(Answer::DoNotRetry);
    }
    let words = words(last);
    let ends_with_verdict = words.last().is_some_and(|w| {
        speaks_of_verdict(w)
            || matches!(
                w.as_str(),
                "failure" | "failed" | "error" | "err" | "fault" | "outcome"
            )
    });
    let owner_ok = owner.last().is_none_or(|ty| error_like(ty, tree));
    if ends_with_verdict && owner_ok {
        variant_answer(last)
    } else {
        None
    }
}

/// Whether a type's name says it carries a failure (`ReadError`, `TaskFailure`,
/// `DeliveryStatus`, see [`name_looks_like_error`]) or a verdict (`RetryDecision`, `Outcome`).
fn error_like(name: &str, tree: &TreeFacts) -> bool {
    name_looks_like_error(name, tree)
        || name.ends_with("Outcome")
        || verdict_like_type(name)
        || words(name).iter().any(|w| speaks_of_verdict(w))
}

/// A path's segments before its last, and its last.
fn split_path(path: &syn::Path) -> Option<(Vec<String>, String)> {
    let mut names = path_segments(path);
    let last = names.pop()?;
    Some((names, last))
}

/// Every constructor an answer goes through, as its type's path and its own name, down through
/// the one argument of each (`Err(RetryError::Continue(e))` gives `Err` and
/// `RetryError::Continue`).
fn answers_seen(value: &Expr, seen: &mut Vec<(Vec<String>, String)>) {
    match value {
        Expr::Call(call) => {
            if let Expr::Path(path) = &*call.func {
                if let Some(parts) = split_path(&path.path) {
                    seen.push(parts);
                }
            }
            if let [only] = call.args.iter().collect::<Vec<_>>().as_slice() {
                answers_seen(only, seen);
            }
        }
        Expr::Path(path) => seen.extend(split_path(&path.path)),
        Expr::Struct(strukt) => seen.extend(split_path(&strukt.path)),
        Expr::Paren(paren) => answers_seen(&paren.expr, seen),
        _ => {}
    }
}
