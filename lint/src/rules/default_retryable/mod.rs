//! `default_retryable`: a classifier whose fallback says "retry".

mod constant;
mod documented;
mod error_types;
mod implicit;
mod marked_default;
mod marks_all;
mod nested;
mod picks_retried;

use syn::visit::Visit;
use syn::{Expr, ExprMatch, Stmt};

use crate::classifier::{Answer, Classifier, ClassifierBody, ClassifierKind};
use crate::codegen::suggest::terminal_answer;
use crate::finding::{Finding, Level, Region};
use crate::retry_words::Polarity;
use crate::rule::{FileContext, Rule, RuleInfo};
use crate::rules::unbounded_retry::{retry_default_arms, LOOP_NEEDLES, NEEDLES};
use crate::syntax::patterns::catch_all_arm;

use documented::{
    asks_only_whether_fatal, commented, doc_says_deliberate, documented, documents_the_rest,
    logged_retry_over_foreign_enum,
};

/// The rule; see [`DOCS`].
pub(crate) struct DefaultRetryable;

/// What `cargo triage explain default_retryable` prints.
const DOCS: &str = "\
### What it does
Finds classifiers (`is_retryable`, `should_retry`, `Classify::verdict`, ...) whose fallback says
\"retry\": a wildcard arm `_ => true` (or `_ => Verdict::Retryable`), a trailing `true` after the
checks, a final `else { true }`, `.unwrap_or(true)` as the answer (not in an `if` condition,
where it picks a branch, unless that branch answers retry), a negated list (`!matches!(err, ..)`,
`.is_none_or(..)`, also as the answer of one arm of a `match` on the error, or bound to a local that
the classifier returns), negated checks for single cases as the whole answer
(`!is_object_not_found(err) && !is_version_not_found(err)`, an attempt bound beside them or not; a
negated verdict such as `!err.is_permanent()` asks another classifier and is not one, nor is a last
word that hands the error to one, `Self::should_retry_send(err)`), or an `is_permanent`-style
classifier whose fallback says \"not permanent\", or an early `return Retry(..)` that ends a block
after an `if` returning another answer (every case that `if` does not single out is retried), or an
arm of a `match` whose `if` chain answers \"do not retry\" for the cases it singles out and ends in
`else { retry }`. Also a classifier that answers retry without any check when the type it is asked
about tells failures apart: one of the tree's enums with several variants, a type with its own
classifier, or a type named for failures that cannot succeed (`ConfigError`); and a conversion into
a verdict (`impl From<&hyper::Error> for Verdict`) that answers retry for every value of another
crate's named error type, for every caller that converts with it. Classifiers include
retry conditions given to retry libraries (`.when(|err| ..)`) and inline `let can_retry = match err
{ .. };` decisions, the flag also as one element of a tuple (`let (kind, retryable) = match err { ..
};`). A fallback with a comment on the line above it or inside it, or a doc comment on the
classifier saying its answers are deliberate, is a documented decision and is not reported (for a
list, the comment must speak of the cases it leaves out, \"everything else is transient\", or cite
where the list comes from: a comment on why the listed cases stop says nothing about the rest); so
is a catch-all over another crate's enum whose arm logs that it retries, and a `matches!` that lists
only variants named as final (`matches!(self, Self::Fatal(_))`). Nor is a question whether an
error is fatal (`is_fatal`, `is_unrecoverable_socket_error`) with no word of retrying in its name or
doc comment, that no retry decision of the tree asks: its \"not fatal\" keeps a component going (the
next connection is accepted, the peer kept), it runs nothing again. (A retry decision is seen when a
loop's `if`/`else` or a guarded arm that goes round asks the question.) Nor is any fallback of a
policy that never looks at the error (`fn retry(&self, _error: &Error, attempt: usize)`, the
parameter named as unused and never read): it decides from attempts or time and has no unknown
errors to fall back on; one that answers retry without a check is judged as such (below).

Also a retry loop's `match` over the error (or over the operation's `Result`) in which an arm naming
an error leaves while a catch-all arm goes round with no exit of its own (`Err(Error::Refused) =>
return Err(..), Err(_) => continue`) in a `loop` or `while`, bounded or not: every error the match
does not name is retried. An arm leaving on cancellation (`Err(Error::Cancelled) => return`) does
not count, nor a catch-all with a comment line of its own inside it or right above it, nor a loop
that goes round on success too.

Also a conversion that marks every error it is given retryable without looking at it (`fn
format_store_error(err: StoreError) -> Error { Error::new(..).set_source(err).set_temporary() }`, or
`.with_retryable(true)`, `.mark_transient()`), when the type it converts tells failures apart:
another crate's named error type, or one of the tree's enums with several variants. An opaque error
(`anyhow::Error`, a boxed error) has nothing to look at and is not reported, nor a conversion that
checks anything before it marks; but a conversion that marks retryable the kind its catch-all picks
(`_ => ErrorKind::Unexpected`, then `if kind == ErrorKind::Unexpected { err = err.set_temporary() }`)
is reported, since every error its match does not name is marked.

Also a default that picks a variant the tree retries: a catch-all arm (`_ => ErrorKind::Unexpected`)
or the default of `.map_or(..)`/`.unwrap_or(..)`, when an arm of a `match` somewhere in the tree
answers retry for that variant (`ErrorKind::Unexpected | ErrorKind::Busy => RetryKind::Temporary`).
Every status or error the conversion does not name is then retried.

Also, outside classifiers, a catch-all arm of a `match` on an error, a `Result` or a status that
answers with a value marked retryable by its own words while an arm naming a case answers
otherwise: a constructor named for it (`err => Ok(Outcome::Failed(TaskError::empty_recoverable()))`
beside `Reset::HeadMissing => Ok(Outcome::Failed(..))`, `Err(e) => Err(ReadError::retryable(e))`
beside `Err(StoreError::NotFound) => Ok(None)`), or a field saying so (`s => Err(CallError {
permanent: false, .. })` beside `StatusCode::OK => Ok(body)`); a bare unit variant (`_ =>
Step::Retry`) carries no error on and picks what the function itself does next. The named cases
must be variants of
the tree's own enums or statuses (a number, a range, a constant): another crate's enum has
variants nobody here can list. A `match` whose named arms answer another way of retrying with the
same type (`RetryError::Continue` beside the catch-all's `RetryError::Retry`, `rate_limited` beside
`retry_later`, or `continue`s its loop) picks how to retry, not whether, and a catch-all with a
comment line of its own inside it or right above it says why the rest are retried; neither is
reported. Nor is a catch-all after a guard or a range that answers otherwise (`s if
s.is_client_error() => permanent`, `400..=499 => ..`: only what is left of a class reaches it), a
match on a state that is no error (`match op.status() { OpState::Done => .., _ => transient }`
waits for a job), or a mark on a type that carries no failure (`Redirect::temporary(..)`) or
names something else (`TemporaryFile`, `RetriesExhausted`).

### Why is this bad
Every error the classifier does not recognise, including errors that can never succeed, is retried.
A task that fails on stale metadata or a missing index then retries forever and makes no progress.
An unknown error must be terminal.

### Example
```rust
fn is_retryable(&self) -> bool {
    match self {
        StoreError::InvalidArgument(_) => false,
        _ => true,
    }
}
```

### Use instead
```rust
fn is_retryable(&self) -> bool {
    match self {
        StoreError::Unavailable | StoreError::Timeout => true,
        StoreError::InvalidArgument(_) | StoreError::Corrupted => false,
    }
}
```
";

/// The rule's declaration: what `cargo triage explain default_retryable` prints, and its level.
pub(crate) static INFO: RuleInfo = RuleInfo {
    name: "default_retryable",
    default_level: Level::Deny,
    docs: DOCS,
    // Classifiers (the engine adds the classifier names and `Classify`) and retry loops.
    needles: NEEDLES,
    loop_needles: LOOP_NEEDLES,
    function_needles: &[],
    only_in_triage_crates: false,
};

impl Rule for DefaultRetryable {
    fn info(&self) -> &'static RuleInfo {
        &INFO
    }

    fn check(&self, cx: &FileContext<'_>) -> Vec<Finding> {
        let mut findings = Vec::new();
        for classifier in cx.classifiers() {
            let before = findings.len();
            Self::check_classifier(cx, classifier, &mut findings);
            // Asked only of a classifier with findings: most have none, and this reads lines.
            if findings.len() > before
                && (doc_says_deliberate(cx.source, classifier)
                    || asks_only_whether_fatal(cx, classifier))
            {
                findings.truncate(before);
            }
        }
        // A comment line of its own inside the arm or above it says why the rest go round; one
        // after the arm's code on its line (`Err(_) => continue, // retry`) only says what it does.
        let arms = retry_default_arms(cx);
        for (region, _) in arms
            .iter()
            .filter(|(_, arm)| !commented(cx.source, *arm, false))
        {
            findings.push(cx.report(
                &INFO,
                *region,
                "this retry loop goes round on every error its `match` does not name, while the \
                 errors it names leave: an unknown error is retried",
                "name the errors worth another attempt and leave the loop on every other one",
            ));
        }
        for marks in marks_all::conversions_marking_all(cx.source, cx.ast, cx.tree) {
            if documented(cx.source, marks.region) {
                continue;
            }
            findings.push(cx.report(
                &INFO,
                marks.region,
                marks.message(),
                "look at the error first (its kind, its status) and mark only the transient \
                 cases retryable",
            ));
        }
        // A classifier's own catch-all is judged above, with its exemptions.
        let classifier_code: Vec<Region> = cx
            .classifiers()
            .iter()
            .map(|classifier| match classifier.body {
                ClassifierBody::Block(block) => Region::of(block),
                ClassifierBody::Expr(expr) => Region::of(expr),
            })
            .collect();
        for marked in marked_default::marked_defaults(cx.ast, cx.tree, &classifier_code) {
            if commented(cx.source, marked.arm, false) {
                continue;
            }
            findings.push(cx.report(
                &INFO,
                marked.region,
                format!(
                    "this catch-all marks retryable (`{}`) every case the `match` does not \
                     name, while a case it names is not: an unknown error is retried",
                    marked.marker
                ),
                "name the transient cases and answer \"do not retry\" for everything else",
            ));
        }
        for default in picks_retried::retried_defaults(cx.ast, cx.tree) {
            // A classifier's own fallback is reported above, with what it answers.
            let reported = findings
                .iter()
                .any(|finding| finding.region.line == default.region.line);
            if reported || documented(cx.source, default.region) {
                continue;
            }
            findings.push(cx.report(
                &INFO,
                default.region,
                format!(
                    "this default picks `{}`, which the tree's classifiers answer retry for: \
                     every case not named before it is retried",
                    default.variant
                ),
                "default to a kind that is not retried, and name the transient cases",
            ));
        }
        findings
    }
}

impl DefaultRetryable {
    /// The findings of one classifier, added to `findings`.
    fn check_classifier(
        cx: &FileContext<'_>,
        classifier: &Classifier<'_>,
        findings: &mut Vec<Finding>,
    ) {
        // A policy that never looks at the error (`fn retry(&self, _error: &Error, attempt: ..)`)
        // has no unknown errors: its checks are on attempts or time, and its last answer is not a
        // fallback for errors it did not recognise. Answering retry for every error without a
        // check is the next question's to judge.
        if classifier.ignores_the_error() {
            Self::check_constant(cx, classifier, findings);
            return;
        }
        let mut finder = FallbackFinder {
            classifier,
            cx,
            findings: &mut *findings,
            in_condition: 0,
        };
        classifier.visit_body(&mut finder);
        let body = match classifier.body {
            ClassifierBody::Block(block) => Some(block),
            ClassifierBody::Expr(Expr::Block(block)) => Some(&block.block),
            ClassifierBody::Expr(_) => None,
        };
        if let Some(region) = body
            .and_then(|body| trailing_retry(classifier, body))
            .filter(|region| !documented(cx.source, *region))
        {
            let how = match (classifier.kind, classifier.polarity) {
                (ClassifierKind::Predicate, Polarity::Retry) => "answers `true` after its checks",
                (ClassifierKind::Predicate, Polarity::Final) => "answers `false` after its checks",
                _ => "answers retry after its checks",
            };
            findings.push(finding(cx, classifier, region, how.to_owned()));
        }
        for (region, how) in implicit::implicit_retry(classifier) {
            if !documents_the_rest(cx.source, region) {
                findings.push(finding(cx, classifier, region, how));
            }
        }
        for region in nested::early_retry_fallbacks(classifier) {
            if !documented(cx.source, region) {
                let how = "returns retry for every case its checks before do not single out";
                findings.push(finding(cx, classifier, region, how.to_owned()));
            }
        }
        Self::check_constant(cx, classifier, findings);
    }

    /// A classifier that answers retry without looking at an error whose type tells failures
    /// apart.
    fn check_constant(
        cx: &FileContext<'_>,
        classifier: &Classifier<'_>,
        findings: &mut Vec<Finding>,
    ) {
        if let Some((region, ty)) = constant::constant_retry(classifier, cx.ast, cx.tree)
            .filter(|(region, _)| !documented(cx.source, *region))
        {
            findings.push(cx.report(
                &INFO,
                region,
                format!(
                    "{} answers retry for every `{ty}` without a check, although `{ty}` \
                     tells failures apart; those that can never succeed are retried too",
                    classifier.describe()
                ),
                "answer from the error: retry the transient cases (or ask the type's own \
                 classifier) and make the rest terminal",
            ));
        }
    }
}

fn finding(
    cx: &FileContext<'_>,
    classifier: &Classifier<'_>,
    region: Region,
    how: String,
) -> Finding {
    cx.report(
        &INFO,
        region,
        format!(
            "{} {how}, so every error it does not recognise is retried",
            classifier.describe()
        ),
        "name the retryable cases and make the fallback terminal (`false` or \
               `Verdict::Terminal`)",
    )
}

/// Attaches the edit that makes a "retry" fallback terminal, where the answer is a constant of a
/// classifier that answers the retry question (an inverted `is_permanent` would need the
/// opposite constant, and is left to the reader).
fn with_terminal_edit(found: Finding, classifier: &Classifier<'_>, answer: &Expr) -> Finding {
    match terminal_answer(answer) {
        Some(edit) if classifier.polarity == Polarity::Retry => found.with_suggestion(edit),
        _ => found,
    }
}

/// The region of a trailing "retry" answer that follows other statements, or of a final
/// `else { true }` of an `if` chain that is the body's result.
fn trailing_retry(classifier: &Classifier<'_>, body: &syn::Block) -> Option<Region> {
    let (last, before) = body.stmts.split_last()?;
    let tail = match last {
        Stmt::Expr(expr, None) => expr,
        Stmt::Expr(expr @ Expr::Return(_), Some(_)) => expr,
        _ => return None,
    };
    if classifier.answer(tail) == Some(Answer::Retry) {
        // A retry-after reader that ends with the delay it worked out (`Some(delay)`) answers
        // what it read from the error, not a fallback.
        if classifier.kind == ClassifierKind::RetryAfter && !fixed_delay(tail) {
            return None;
        }
        // Only a fallback after checks: a body that logs and answers retry decides nothing.
        return before.iter().any(decides).then(|| Region::of(tail));
    }
    final_else_retry(classifier, tail).map(|(region, _)| region)
}

/// The region of the final `else { retry }` of an `if` chain, and whether a branch before it
/// answers "do not retry".
fn final_else_retry(classifier: &Classifier<'_>, expr: &Expr) -> Option<(Region, bool)> {
    let mut branch = expr;
    let mut denies = false;
    loop {
        match branch {
            Expr::If(check) => {
                denies |= classifier.block_answer(&check.then_branch) == Some(Answer::DoNotRetry);
                branch = &check.else_branch.as_ref()?.1;
            }
            Expr::Block(block)
                if !std::ptr::eq(branch, expr)
                    && classifier.block_answer(&block.block) == Some(Answer::Retry) =>
            {
                return Some((Region::of(block), denies));
            }
            _ => return None,
        }
    }
}

/// The final `else { retry }` of the `if` chain an arm ends with, when a branch before it answers
/// "do not retry" (`Err(Rpc(e)) => { let msg = ..; if .. { NonRetryable(e) } else { Retryable(e) }
/// }`): the arm lists the cases that cannot succeed and retries the rest. A chain that only picks
/// among ways to retry (`if text.contains(..) { Throttled(e) } else { Retryable(e) }`) decides the
/// arm's case as a whole.
fn arm_final_else_retry(classifier: &Classifier<'_>, body: &Expr) -> Option<Region> {
    let chain = match body {
        Expr::Block(block) => match block.block.stmts.last()? {
            Stmt::Expr(tail, None) => tail,
            _ => return None,
        },
        other => other,
    };
    final_else_retry(classifier, chain)
        .filter(|(_, denies)| *denies)
        .map(|(region, _)| region)
}

/// Whether a retry-after answer is the same whatever the error: `Some(Duration::from_secs(1))`,
/// `Some(DEFAULT_DELAY)`, rather than `Some(delay)` read from the error.
fn fixed_delay(answer: &Expr) -> bool {
    match answer {
        Expr::Lit(_) => true,
        Expr::Path(path) => path.path.segments.last().is_some_and(|seg| {
            let name = seg.ident.to_string();
            path.path.segments.len() > 1 || name.chars().all(|c| c.is_uppercase() || c == '_')
        }),
        Expr::Call(call) => call.args.iter().all(fixed_delay),
        Expr::MethodCall(call) => fixed_delay(&call.receiver) && call.args.iter().all(fixed_delay),
        Expr::Paren(inner) => fixed_delay(&inner.expr),
        Expr::Return(ret) => ret.expr.as_deref().is_some_and(fixed_delay),
        Expr::Binary(binary) => fixed_delay(&binary.left) && fixed_delay(&binary.right),
        _ => false,
    }
}

/// Whether a statement checks something: an `if`, a `match`, a `return` or a `?`.
fn decides(stmt: &Stmt) -> bool {
    struct Decision(bool);
    impl<'ast> Visit<'ast> for Decision {
        fn visit_expr(&mut self, expr: &'ast Expr) {
            if matches!(
                expr,
                Expr::If(_) | Expr::Match(_) | Expr::Return(_) | Expr::Try(_) | Expr::Let(_)
            ) {
                self.0 = true;
            }
            syn::visit::visit_expr(self, expr);
        }
        fn visit_expr_closure(&mut self, _: &'ast syn::ExprClosure) {}
    }
    let mut decision = Decision(false);
    decision.visit_stmt(stmt);
    decision.0
}

struct FallbackFinder<'c, 'x, 'f> {
    classifier: &'c Classifier<'c>,
    cx: &'x FileContext<'x>,
    findings: &'f mut Vec<Finding>,
    /// How many `if` conditions hold the visited code whose branch does not answer retry: a
    /// default there picks a branch (`if version.map(..).unwrap_or(true) { .. }`), it is not the
    /// classifier's answer.
    in_condition: usize,
}

impl<'ast> Visit<'ast> for FallbackFinder<'_, '_, '_> {
    fn visit_expr_match(&mut self, node: &'ast ExprMatch) {
        for arm in &node.arms {
            if let Some(region) = arm_final_else_retry(self.classifier, &arm.body)
                .filter(|region| !documented(self.cx.source, *region))
            {
                let found = finding(
                    self.cx,
                    self.classifier,
                    region,
                    "ends the checks of one arm with an `else` that answers retry".to_owned(),
                );
                self.findings.push(found);
            }
            if catch_all_arm(arm) && self.classifier.answer(&arm.body) == Some(Answer::Retry) {
                let region = Region::from_span(
                    arm.pat
                        .span_join(&arm.body)
                        .unwrap_or_else(|| syn::spanned::Spanned::span(&arm.pat)),
                );
                if documented(self.cx.source, region)
                    || logged_retry_over_foreign_enum(node, &arm.body, self.cx)
                {
                    continue;
                }
                let found = finding(
                    self.cx,
                    self.classifier,
                    region,
                    "has a catch-all arm that answers retry".to_owned(),
                );
                self.findings
                    .push(with_terminal_edit(found, self.classifier, &arm.body));
            }
        }
        syn::visit::visit_expr_match(self, node);
    }

    fn visit_expr_if(&mut self, node: &'ast syn::ExprIf) {
        // A condition whose branch answers retry is that answer's fallback all the same
        // (`if status.map(..).unwrap_or(true) { return true; }`).
        let picks = self.classifier.block_answer(&node.then_branch) != Some(Answer::Retry);
        self.in_condition += usize::from(picks);
        self.visit_expr(&node.cond);
        self.in_condition -= usize::from(picks);
        self.visit_block(&node.then_branch);
        if let Some((_, other)) = &node.else_branch {
            self.visit_expr(other);
        }
    }

    fn visit_expr_method_call(&mut self, node: &'ast syn::ExprMethodCall) {
        if node.method == "unwrap_or" && node.args.len() == 1 && self.in_condition == 0 {
            if let Some(arg) = node.args.first() {
                if self.classifier.answer(arg) == Some(Answer::Retry) {
                    let found = finding(
                        self.cx,
                        self.classifier,
                        Region::of(node),
                        "falls back to retry with `.unwrap_or(..)`".to_owned(),
                    );
                    self.findings
                        .push(with_terminal_edit(found, self.classifier, arg));
                }
            }
        }
        syn::visit::visit_expr_method_call(self, node);
    }

    // Nested functions and closures are classified on their own.
    fn visit_expr_closure(&mut self, node: &'ast syn::ExprClosure) {
        if self.classifier.sig.is_some() {
            syn::visit::visit_expr_closure(self, node);
        }
    }
    fn visit_item_fn(&mut self, _: &'ast syn::ItemFn) {}
    fn visit_item_impl(&mut self, _: &'ast syn::ItemImpl) {}
}

/// Joins the spans of a pattern and an expression (first token to last token).
trait SpanJoin {
    fn span_join(&self, other: &Expr) -> Option<proc_macro2::Span>;
}

impl SpanJoin for syn::Pat {
    fn span_join(&self, other: &Expr) -> Option<proc_macro2::Span> {
        let start = syn::spanned::Spanned::span(self);
        let end = syn::spanned::Spanned::span(other);
        start.join(end)
    }
}
