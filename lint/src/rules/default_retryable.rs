//! `default_retryable`: a classifier whose fallback says "retry".

use syn::visit::Visit;
use syn::{Expr, ExprMatch, Stmt};

use crate::codegen::suggest::terminal_answer;
use crate::classifier::{block_answer, constant_answer, find_classifiers, Answer, Classifier};
use crate::finding::{Finding, Level, Region};
use crate::rule::{FileContext, Rule, RuleInfo};
use crate::syntax::patterns::catch_all_arm;

/// The rule; see [`DOCS`].
pub(crate) struct DefaultRetryable;

/// What `cargo triage explain default_retryable` prints.
const DOCS: &str = "\
### What it does
Finds classifiers (`is_retryable`, `should_retry`, `Classify::verdict`, ...) whose fallback says
\"retry\": a wildcard arm `_ => true` (or `_ => Verdict::Retryable`), a trailing `true` after the
checks, a final `else { true }`, or `.unwrap_or(true)`.

### Why is this bad
Every error the classifier does not recognise, including errors that can never succeed, is
retried. A task that fails on stale metadata or a missing index then retries forever and makes no
progress. An unknown error must be terminal.

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
    // Only classifiers are inspected; the engine adds the classifier names and `Classify`.
    needles: &[],
    only_in_triage_crates: false,
};

impl Rule for DefaultRetryable {
    fn info(&self) -> &'static RuleInfo {
        &INFO
    }

    fn check(&self, cx: &FileContext<'_>) -> Vec<Finding> {
        let mut findings = Vec::new();
        for classifier in find_classifiers(cx.ast, cx.tree) {
            let mut finder = FallbackFinder {
                classifier: &classifier,
                cx,
                findings: &mut findings,
            };
            finder.visit_block(classifier.body);
            if let Some(region) = trailing_retry(classifier.body) {
                findings.push(finding(
                    cx,
                    &classifier,
                    region,
                    "answers `true` after its checks".to_owned(),
                ));
            }
        }
        findings
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
            "`{}` {how}, so every error it does not recognise is retried",
            classifier.qualified_name()
        ),
        "name the retryable cases and make the fallback terminal (`false` or \
               `Verdict::Terminal`)",
    )
}

/// The region of a trailing "retry" answer that follows other statements, or of a final
/// `else { true }` of an `if` chain that is the body's result.
fn trailing_retry(body: &syn::Block) -> Option<Region> {
    let (last, before) = body.stmts.split_last()?;
    let tail = match last {
        Stmt::Expr(expr, None) => expr,
        Stmt::Expr(expr @ Expr::Return(_), Some(_)) => expr,
        _ => return None,
    };
    if constant_answer(tail) == Some(Answer::Retry) {
        return (!before.is_empty()).then(|| Region::of(tail));
    }
    let Expr::If(mut chain) = tail.clone() else {
        return None;
    };
    loop {
        let (_, else_branch) = chain.else_branch?;
        match *else_branch {
            Expr::If(next) => chain = next,
            Expr::Block(block) if block_answer(&block.block) == Some(Answer::Retry) => {
                return Some(Region::of(&block));
            }
            _ => return None,
        }
    }
}

struct FallbackFinder<'c, 'x, 'f> {
    classifier: &'c Classifier<'c>,
    cx: &'x FileContext<'x>,
    findings: &'f mut Vec<Finding>,
}

impl<'ast> Visit<'ast> for FallbackFinder<'_, '_, '_> {
    fn visit_expr_match(&mut self, node: &'ast ExprMatch) {
        for arm in &node.arms {
            if catch_all_arm(arm) && constant_answer(&arm.body) == Some(Answer::Retry) {
                let region = Region::from_span(
                    arm.pat
                        .span_join(&arm.body)
                        .unwrap_or_else(|| syn::spanned::Spanned::span(&arm.pat)),
                );
                let mut found = finding(
                    self.cx,
                    self.classifier,
                    region,
                    "has a catch-all arm that answers retry".to_owned(),
                );
                if let Some(edit) = terminal_answer(&arm.body) {
                    found = found.with_suggestion(edit);
                }
                self.findings.push(found);
            }
        }
        syn::visit::visit_expr_match(self, node);
    }

    fn visit_expr_method_call(&mut self, node: &'ast syn::ExprMethodCall) {
        if node.method == "unwrap_or" && node.args.len() == 1 {
            if let Some(arg) = node.args.first() {
                if constant_answer(arg) == Some(Answer::Retry) {
                    let mut found = finding(
                        self.cx,
                        self.classifier,
                        Region::of(node),
                        "falls back to retry with `.unwrap_or(..)`".to_owned(),
                    );
                    if let Some(edit) = terminal_answer(arg) {
                        found = found.with_suggestion(edit);
                    }
                    self.findings.push(found);
                }
            }
        }
        syn::visit::visit_expr_method_call(self, node);
    }

    // Nested functions are classified on their own.
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
