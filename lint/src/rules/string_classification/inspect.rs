//! The search of one function body for text inspections that decide a retry.

use std::cell::{LazyCell, OnceCell};
use std::collections::{HashMap, HashSet};

use syn::visit::Visit;
use syn::Expr;

use crate::classifier::{matches_parts, Classifier, ClassifierBody};
use crate::finding::Region;
use crate::syntax::names::only_logs;
use crate::syntax::patterns::{pattern_kind, PatternKind};

use super::branches::{expr_leaves, flag_operands, leaves, only_macros, same_verdict_in_every_arm};
use super::outcomes::FinalMention;
use super::recursion::{CallGraph, FnKey};
use super::retry_calls::{retried_operations, retry_condition_closures, success_exits_on_text};
use super::text::{
    checks_outside_async, inspects_text, is_message_text, searches_for_fixed_message,
    string_pattern, AllInspections,
};

/// Finds the inspections that count in one function body: every one inside a classifier, and
/// elsewhere those in a condition whose branch retries.
pub(super) struct InspectionFinder<'b> {
    pub(super) bindings: &'b HashSet<String>,
    pub(super) in_classifier: Option<String>,
    /// Whether the body is a helper whose `bool` a classifier answers with, rather than a
    /// classifier of its own: its text parameters may hold the program's own reasons, so only
    /// checks on text read from an error count there.
    pub(super) answer_helper: bool,
    /// The function's name speaks of retrying.
    pub(super) retry_fn: bool,
    /// The function speaks of retrying (see [`InspectionFinder::retry_context`]).
    pub(super) retry_context: OnceCell<bool>,
    /// How many failure paths (`Err(..)` arms, `if let Err(..)` branches) enclose the expression.
    pub(super) failure_paths: usize,
    /// How many loops enclose the expression being visited.
    pub(super) loop_depth: usize,
    /// Whether a `continue` in the innermost loop goes round the same work again: it does in a
    /// `loop`, a `while` and a `for` over a range of attempts, not in a `for` over items, where it
    /// moves on to the next one.
    pub(super) continue_repeats: bool,
    /// The file's classifiers: closures and inline decisions in this body are among them.
    pub(super) inner_classifiers: &'b [Classifier<'b>],
    /// The body's operations (see [`Operations`]), found when a branch is first asked about.
    pub(super) operations: &'b OnceCell<HashMap<String, (usize, usize)>>,
    /// The body being searched.
    pub(super) body: &'b syn::Block,
    /// Whether a branch building a transient-named value retries (the file speaks of retrying).
    pub(super) transient_counts: bool,
    /// Whether a branch repeating an operation retries (the function speaks of retrying).
    pub(super) repeats_count: LazyCell<bool, Box<dyn FnOnce() -> bool + 'b>>,
    /// The lines of comments that speak of retrying: a branch holding one says what it decides.
    pub(super) retry_comment_lines: &'b [usize],
    pub(super) regions: Vec<(Region, Option<String>)>,
    /// Local flags set by a text check (`let stale = msg.contains(..);`), with the checks, found
    /// when a classifier or a condition first reads a name.
    pub(super) checked_flags: OnceCell<HashMap<String, Vec<Region>>>,
    /// Whether a branch that calls the function again retries: the file speaks of retrying and
    /// the function is handed no text, so the text it checks is an error's. A parser that
    /// recurses on the text it is handed (`parse(rest)`) retries nothing.
    pub(super) recursion_counts: bool,
    /// The function, for a branch that calls it again (`None` for a `macro_rules!` arm, a trait's
    /// default method or a method of a generic trait's impl).
    pub(super) function: Option<FnKey>,
    /// The file's calls, built when a branch is first asked whether it leads back to `name`.
    pub(super) call_graph: &'b OnceCell<CallGraph>,
    /// The file, for [`Self::call_graph`].
    pub(super) file: &'b syn::File,
}

impl InspectionFinder<'_> {
    /// See [`InspectionFinder::checked_flags`].
    pub(super) fn checked_flags(&self) -> &HashMap<String, Vec<Region>> {
        self.checked_flags.get_or_init(|| {
            struct Flags<'b> {
                bindings: &'b HashSet<String>,
                found: HashMap<String, Vec<Region>>,
            }
            impl<'ast> Visit<'ast> for Flags<'_> {
                fn visit_local(&mut self, local: &'ast syn::Local) {
                    if let (syn::Pat::Ident(ident), Some(init)) = (&local.pat, &local.init) {
                        // What async work checks is decided there, not by the value it hands
                        // back (`let resp = retry.run(|| async { .. }).await`).
                        let found = checks_outside_async(&init.expr, self.bindings);
                        if !found.is_empty() {
                            self.found.insert(ident.ident.to_string(), found);
                        }
                    }
                    syn::visit::visit_local(self, local);
                }
                fn visit_expr_closure(&mut self, _: &'ast syn::ExprClosure) {}
                fn visit_item(&mut self, _: &'ast syn::Item) {}
            }
            let mut flags = Flags {
                bindings: self.bindings,
                found: HashMap::new(),
            };
            flags.visit_block(self.body);
            flags.found
        })
    }

    /// Whether `expr` holds a text inspection [`Self::record_inspections_in`] would record.
    pub(super) fn inspects_text_in(&self, expr: &Expr) -> bool {
        struct Any<'b> {
            bindings: &'b HashSet<String>,
            found: bool,
        }
        impl<'ast> Visit<'ast> for Any<'_> {
            fn visit_expr(&mut self, expr: &'ast Expr) {
                if self.found {
                    return;
                }
                if inspects_text(expr, self.bindings) {
                    self.found = true;
                    return;
                }
                syn::visit::visit_expr(self, expr);
            }
        }
        let mut any = Any {
            bindings: self.bindings,
            found: false,
        };
        any.visit_expr(expr);
        any.found || !flag_operands(expr, self.checked_flags(), self.file).is_empty()
    }

    fn record_inspections_in(&mut self, expr: &Expr) {
        let mut all = AllInspections {
            bindings: self.bindings,
            found: Vec::new(),
        };
        all.visit_expr(expr);
        for region in all.found {
            self.regions.push((region, self.in_classifier.clone()));
        }
        for region in flag_operands(expr, self.checked_flags(), self.file) {
            self.regions.push((region, self.in_classifier.clone()));
        }
    }

    /// `matches!(message.as_str(), "name or service not known" | "no such host")`: the text
    /// compared with fixed sentences, as a `match` with string arms does.
    fn matches_text_against_literals(&self, expr: &Expr) -> bool {
        let Expr::Macro(mac) = expr else {
            return false;
        };
        matches_parts(&mac.mac).is_some_and(|(scrutinee, pat, _)| {
            is_message_text(&scrutinee, self.bindings) && string_pattern(&pat)
        })
    }

    /// A closure or inline decision recognised as a classifier, if `expr` is one's body.
    fn classifier_at(&self, expr: &Expr) -> Option<String> {
        self.inner_classifiers.iter().find_map(|c| match c.body {
            ClassifierBody::Expr(body) if std::ptr::eq(body, expr) => Some(c.describe()),
            _ => None,
        })
    }
}

impl<'ast> Visit<'ast> for InspectionFinder<'_> {
    /// `if text.contains(..) { return Ok(..) } return Err(Permanent(..))`: the statement after an
    /// `if` whose branch leaves is its `else`, and one producing a final outcome decides.
    fn visit_block(&mut self, block: &'ast syn::Block) {
        for (index, stmt) in block.stmts.iter().enumerate() {
            let syn::Stmt::Expr(Expr::If(if_expr), _) = stmt else {
                continue;
            };
            let Some(next) = block.stmts.get(index + 1) else {
                continue;
            };
            if if_expr.else_branch.is_none()
                && leaves(&if_expr.then_branch)
                && self.inspects_text_in(&if_expr.cond)
            {
                let mut finals = FinalMention::default();
                finals.visit_stmt(next);
                if finals.named {
                    self.record_inspections_in(&if_expr.cond);
                }
            }
        }
        syn::visit::visit_block(self, block);
    }

    fn visit_expr(&mut self, expr: &'ast Expr) {
        if self.in_classifier.is_none() {
            if let Some(name) = self.classifier_at(expr) {
                let saved = self.in_classifier.replace(name);
                self.visit_expr(expr);
                self.in_classifier = saved;
                return;
            }
        }
        if self.in_classifier.is_some() {
            // A flag set by a text check outside the classifier and read inside it: the check
            // decides as much as one written in place.
            if let Expr::Path(path) = expr {
                if let Some(checks) = path
                    .path
                    .get_ident()
                    .and_then(|ident| self.checked_flags().get(&ident.to_string()))
                {
                    let checks = checks.clone();
                    for region in checks {
                        self.regions.push((region, self.in_classifier.clone()));
                    }
                }
            }
            // `if text.contains(..) { error!(..) }`: a check whose only effect is a log line
            // decides nothing; only its branch is read.
            if let Expr::If(branches) = expr {
                if branches.else_branch.is_none() && only_logs(&branches.then_branch) {
                    self.visit_block(&branches.then_branch);
                    return;
                }
            }
            if inspects_text(expr, self.bindings)
                || (!self.answer_helper
                    && (searches_for_fixed_message(expr)
                        || self.matches_text_against_literals(expr)))
            {
                self.regions
                    .push((Region::of(expr), self.in_classifier.clone()));
            }
            // `match message { "Rate limit exceeded." => .., _ => .. }`: each string arm
            // compares the text with a sentence.
            if let Expr::Match(m) = expr {
                if is_message_text(&m.expr, self.bindings) && !same_verdict_in_every_arm(m) {
                    for arm in &m.arms {
                        if string_pattern(&arm.pat) {
                            self.regions
                                .push((Region::of(&arm.pat), self.in_classifier.clone()));
                        }
                    }
                }
            }
            syn::visit::visit_expr(self, expr);
            return;
        }
        match expr {
            // Whether the condition inspects text is asked first: it is cheaper than asking
            // where the branches lead, and most conditions do not.
            Expr::If(if_expr)
                if self.inspects_text_in(&if_expr.cond)
                    && (self.chain_retries_after_check(&if_expr.cond)
                        || self.block_leads_to_retry(&if_expr.then_branch)
                        || self.block_stops_retrying(&if_expr.then_branch)
                        || if_expr.else_branch.as_ref().is_some_and(|(_, other)| {
                            matches!(&**other, Expr::Block(block)
                            if self.block_leads_to_retry(&block.block))
                                || (self.expr_stops_retrying(other)
                                    && !leaves(&if_expr.then_branch))
                        })) =>
            {
                self.record_inspections_in(&if_expr.cond);
                // `if text.contains(a) { .. } else if text.contains(b) { .. }`: the chain is one
                // decision, and each text check of it picks a branch, unless all that branch
                // does is call macros (a log line, a metric).
                let mut next = if_expr.else_branch.as_ref().map(|(_, other)| &**other);
                while let Some(Expr::If(inner)) = next {
                    if !only_macros(&inner.then_branch) && self.inspects_text_in(&inner.cond) {
                        self.record_inspections_in(&inner.cond);
                    }
                    next = inner.else_branch.as_ref().map(|(_, other)| &**other);
                }
            }
            Expr::Match(match_expr) => {
                for arm in &match_expr.arms {
                    if let Some((_, guard)) = &arm.guard {
                        // The guard of an `Err(..)` arm is on the failure's path, as its body is.
                        let failure = usize::from(pattern_kind(&arm.pat) == PatternKind::Err);
                        self.failure_paths += failure;
                        // `Err(Failure(info)) if info.stderr.contains("does not exist") =>
                        // return Ok(())`: in a retry loop, an error whose text says it is done
                        // stops the retries as surely as one that gives up.
                        let error_leaves_on_text = || {
                            pattern_kind(&arm.pat) == PatternKind::Err
                                && self.loop_depth > 0
                                && self.continue_repeats
                                && self.retry_context_here()
                                && expr_leaves(&arm.body)
                        };
                        // `Ok(v) => return Ok(v), Err(E::Corrupt(why)) if why.starts_with(..)
                        // => { offset.take(); }, Err(e) => return Err(e)`: every other arm
                        // leaves, so the text alone sends the loop round again.
                        let only_text_goes_round = || {
                            pattern_kind(&arm.pat) == PatternKind::Err
                                && self.loop_depth > 0
                                && self.continue_repeats
                                && self.retry_context_here()
                                && !expr_leaves(&arm.body)
                                && match_expr.arms.iter().all(|other| {
                                    std::ptr::eq(other, arm)
                                        || crate::syntax::exits::leaves_loop(&other.body, None)
                                })
                        };
                        if self.inspects_text_in(guard)
                            && (self.leads_to_retry(&arm.body)
                                || self.expr_stops_retrying(&arm.body)
                                || error_leaves_on_text()
                                || only_text_goes_round())
                        {
                            self.record_inspections_in(guard);
                        }
                        self.failure_paths -= failure;
                    }
                }
            }
            Expr::Loop(_) | Expr::While(_) | Expr::ForLoop(_) => {
                let repeats = match expr {
                    Expr::ForLoop(for_loop) => matches!(&*for_loop.expr, Expr::Range(_)),
                    _ => true,
                };
                let saved = std::mem::replace(&mut self.continue_repeats, repeats);
                self.loop_depth += 1;
                syn::visit::visit_expr(self, expr);
                self.loop_depth -= 1;
                self.continue_repeats = saved;
                return;
            }
            Expr::Closure(_) => {
                // A closure body runs elsewhere: its exits do not leave this loop.
                let saved = std::mem::replace(&mut self.loop_depth, 0);
                let saved_repeats = std::mem::replace(&mut self.continue_repeats, false);
                syn::visit::visit_expr(self, expr);
                self.loop_depth = saved;
                self.continue_repeats = saved_repeats;
                return;
            }
            _ => {
                for closure in retry_condition_closures(expr) {
                    self.record_inspections_in(&closure.body);
                }
                for closure in retried_operations(expr) {
                    for region in success_exits_on_text(closure, self.bindings) {
                        self.regions.push((region, self.in_classifier.clone()));
                    }
                }
            }
        }
        syn::visit::visit_expr(self, expr);
    }

    fn visit_arm(&mut self, arm: &'ast syn::Arm) {
        let failure = pattern_kind(&arm.pat) == PatternKind::Err;
        self.failure_paths += usize::from(failure);
        syn::visit::visit_arm(self, arm);
        self.failure_paths -= usize::from(failure);
    }

    fn visit_expr_if(&mut self, if_expr: &'ast syn::ExprIf) {
        let failure =
            matches!(&*if_expr.cond, Expr::Let(l) if pattern_kind(&l.pat) == PatternKind::Err);
        self.visit_expr(&if_expr.cond);
        self.failure_paths += usize::from(failure);
        self.visit_block(&if_expr.then_branch);
        self.failure_paths -= usize::from(failure);
        if let Some((_, other)) = &if_expr.else_branch {
            self.visit_expr(other);
        }
    }

    fn visit_item_fn(&mut self, _: &'ast syn::ItemFn) {}
    fn visit_item_impl(&mut self, _: &'ast syn::ItemImpl) {}
}
