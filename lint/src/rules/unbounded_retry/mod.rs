//! `unbounded_retry`: a loop that goes round again after an error with nothing that stops it.
//!
//! One concern per file: finding the loops (here), recognising a retry
//! ([`shape`]), recognising what bounds one ([`bounds`]), and the words that mark one ([`words`]).

mod bounds;
mod shape;
mod words;

#[cfg(test)]
mod tests;

use proc_macro2::Span;
use syn::visit::Visit;
use syn::{Block, Expr, ExprLoop, ExprWhile, Lifetime};

use crate::finding::{Finding, Level, Region};
use crate::rule::{FileContext, Rule, RuleInfo};
use crate::syntax::names::bound_names;
use words::RETRY_WORDS;

const DOCS: &str = "\
### What it does
Checks for `loop` and `while` loops (and `for` loops over an endless range such as `1..`) that
retry an operation after an error (the error path goes round again while the success path leaves
the loop) with no attempt counter compared to a bound, no deadline or elapsed-time check and no
`exhausted()`-style check.

### Why is this bad
An error that can never succeed is then retried forever: the task makes no progress, burns
resources and hides the real failure. Even a transient error deserves a limit, after which the
caller sees a final \"attempts exhausted\" error.

### Known problems
A loop counts as a retry loop only when it mentions a retry, an attempt, a backoff or a sleep, so
a tight loop that spins on an error without any of these is not reported.

### Example
```rust
loop {
    match client.fetch(&key) {
        Ok(value) => return Ok(value),
        Err(err) => {
            warn!(\"fetch failed, retrying: {err}\");
            sleep(Duration::from_millis(100));
        }
    }
}
```

### Use instead
```rust
let mut attempt = 0;
loop {
    match client.fetch(&key) {
        Ok(value) => return Ok(value),
        Err(err) if err.is_retryable() && attempt < MAX_ATTEMPTS => {
            attempt += 1;
            sleep(Duration::from_millis(100));
        }
        Err(err) => return Err(err),
    }
}
```
or a bounded retry policy that consults the error's `Classify` verdict.
";

/// The rule.
pub(crate) struct UnboundedRetry;

/// The rule's declaration: what `cargo triage explain unbounded_retry` prints, and its level.
pub(crate) static INFO: RuleInfo = RuleInfo {
    name: "unbounded_retry",
    default_level: Level::Warn,
    docs: DOCS,
    needles: RETRY_WORDS,
    only_in_triage_crates: false,
};

impl Rule for UnboundedRetry {
    fn info(&self) -> &'static RuleInfo {
        &INFO
    }

    fn check(&self, cx: &FileContext<'_>) -> Vec<Finding> {
        let mut finder = LoopFinder {
            cx,
            findings: Vec::new(),
        };
        finder.visit_file(cx.ast);
        finder.findings
    }
}

struct LoopFinder<'c, 'a> {
    cx: &'c FileContext<'a>,
    findings: Vec<Finding>,
}

impl LoopFinder<'_, '_> {
    fn consider(&mut self, shape: LoopShape<'_>) {
        if !shape.retries_after_error() || shape.is_bounded() || !shape.mentions_retry() {
            return;
        }
        let keyword = shape.kind;
        self.findings.push(self.cx.report(&INFO, Region::from_span(shape.start.join(shape.keyword).unwrap_or(shape.keyword)), format!(
                "this `{keyword}` retries after an error with no attempt bound or deadline"
            ), "count the attempts and give up at a maximum, or stop at a deadline; \
                   a bounded retry policy does both"
                .to_owned()));
    }
}

impl<'ast> Visit<'ast> for LoopFinder<'_, '_> {
    fn visit_expr_loop(&mut self, node: &'ast ExprLoop) {
        let keyword = node.loop_token.span;
        self.consider(LoopShape {
            kind: "loop",
            counters: Vec::new(),
            label: node.label.as_ref().map(|l| &l.name),
            cond: None,
            body: &node.body,
            start: node.label.as_ref().map_or(keyword, |l| l.name.span()),
            keyword,
        });
        syn::visit::visit_expr_loop(self, node);
    }

    fn visit_expr_while(&mut self, node: &'ast ExprWhile) {
        let keyword = node.while_token.span;
        self.consider(LoopShape {
            kind: "while",
            counters: Vec::new(),
            label: node.label.as_ref().map(|l| &l.name),
            cond: Some(&node.cond),
            body: &node.body,
            start: node.label.as_ref().map_or(keyword, |l| l.name.span()),
            keyword,
        });
        syn::visit::visit_expr_while(self, node);
    }

    fn visit_expr_for_loop(&mut self, node: &'ast syn::ExprForLoop) {
        // A range with no end counts attempts without bounding them.
        if matches!(&*node.expr, Expr::Range(range) if range.end.is_none()) {
            let keyword = node.for_token.span;
            self.consider(LoopShape {
                kind: "for",
                counters: bound_names(&node.pat),
                label: node.label.as_ref().map(|l| &l.name),
                cond: None,
                body: &node.body,
                start: node.label.as_ref().map_or(keyword, |l| l.name.span()),
                keyword,
            });
        }
        syn::visit::visit_expr_for_loop(self, node);
    }
}

/// One `loop`, `while` loop, or `for` loop over an endless range (`for attempt in 1..`).
pub(super) struct LoopShape<'a> {
    /// `loop`, `while`, or `for` over a range with no end.
    pub(super) kind: &'static str,
    /// The variables a `for` loop binds: they count up by themselves.
    pub(super) counters: Vec<String>,
    pub(super) label: Option<&'a Lifetime>,
    pub(super) cond: Option<&'a Expr>,
    pub(super) body: &'a Block,
    pub(super) start: Span,
    pub(super) keyword: Span,
}

