//! Where a checked branch leads: whether the function speaks of retrying, and whether a branch
//! retries (goes round, repeats the operation, calls back into the function) or stops retrying.

use syn::spanned::Spanned;
use syn::visit::Visit;
use syn::Expr;

use crate::syntax::names::and_operands;

use super::inspect::InspectionFinder;
use super::outcomes::{
    awaited_call_shape, mentions_retry, mentions_retry_expr, Continue, Exit, FinalMention,
    Operations, Repeats, SameRequestBefore, TransientConstruction, RETRY_LOOP_WORDS, RETRY_WORDS,
};
use super::recursion::CallGraph;

impl InspectionFinder<'_> {
    /// Whether the function is about retrying: its name or an identifier of its body says so.
    /// Asked only once a text check is found, so most bodies are never searched for it.
    pub(super) fn retry_context(&self) -> bool {
        *self
            .retry_context
            .get_or_init(|| self.retry_fn || mentions_retry(self.body, RETRY_LOOP_WORDS))
    }

    /// [`Self::retry_context`], or, on a failure's path (an `Err(..)` arm, `if let Err(..)`), a
    /// comment of the body that speaks of retrying (`// Sleep before the next retry`).
    pub(super) fn retry_context_here(&self) -> bool {
        self.retry_context_on_failure(self.failure_paths > 0)
    }

    /// [`Self::retry_context`], or, when `on_failure` (the check is on a failure's path, the guard
    /// of an `Err(..)` arm included), a comment of the body that speaks of retrying.
    pub(super) fn retry_context_on_failure(&self, on_failure: bool) -> bool {
        self.retry_context()
            || (on_failure && self.commented_as_retry(self.body.brace_token.span.join()))
    }

    pub(super) fn leads_to_retry(&self, branch: &Expr) -> bool {
        let mut continues = Continue(false);
        continues.visit_expr(branch);
        let mut finals = FinalMention::default();
        finals.visit_expr(branch);
        let mut transient = TransientConstruction(false);
        transient.visit_expr(branch);
        let mut repeats = self.repeats(branch.span());
        repeats.visit_expr(branch);
        mentions_retry_expr(branch, RETRY_WORDS)
            || finals.named
            || (finals.called && self.retry_context_here())
            || (self.transient_counts && transient.0)
            || (repeats.found && *self.repeats_count)
            || self.commented_as_retry(branch.span())
            || (self.retry_context_here() && self.continue_repeats && continues.0)
            || (self.recursion_counts && self.expr_calls_back(branch))
    }

    /// `if body.contains("bad_blocks") && let Ok(again) = build_req(stripped).send().await`: a
    /// `let` after the text check runs only on that text; one whose value retries, or, in a
    /// function that speaks of retrying (a comment will do), awaits the same request the function
    /// made before (its arguments aside), is the check's branch too. Only the value counts, not
    /// the name it is bound to.
    pub(super) fn chain_retries_after_check(&self, cond: &Expr) -> bool {
        let chain = and_operands(cond);
        let Some(first) = chain.iter().position(|op| self.inspects_text_in(op)) else {
            return false;
        };
        chain[first + 1..].iter().any(|op| match op {
            Expr::Let(binding) => {
                self.leads_to_retry(&binding.expr)
                    || (self.requests_again(&binding.expr) && self.retry_context_on_failure(true))
            }
            _ => false,
        })
    }

    /// Whether `expr` awaits a request of the same shape as one awaited earlier in the function
    /// (`sink.push(bare).await` after `sink.push(full).await?`).
    pub(super) fn requests_again(&self, expr: &Expr) -> bool {
        let Some(shape) = awaited_call_shape(expr) else {
            return false;
        };
        let start = expr.span().start();
        let mut earlier = SameRequestBefore {
            shape: &shape,
            before: (start.line, start.column),
            found: false,
        };
        earlier.visit_block(self.body);
        earlier.found
    }

    /// Whether a comment inside the branch at `span` speaks of retrying (`// Return 503 so the
    /// client retries`, `// Keep it retryable`).
    pub(super) fn commented_as_retry(&self, span: proc_macro2::Span) -> bool {
        let (from, to) = (span.start().line, span.end().line);
        let first = self
            .retry_comment_lines
            .partition_point(|line| *line < from);
        self.retry_comment_lines
            .get(first)
            .is_some_and(|line| *line <= to)
    }

    /// Whether `branch` calls the function again, itself or through the file's functions: the
    /// recursion goes round the work as a loop would (asked when [`Self::recursion_counts`]).
    pub(super) fn calls_back(&self, branch: &syn::Block) -> bool {
        self.function.as_ref().is_some_and(|key| {
            self.call_graph
                .get_or_init(|| CallGraph::of(self.file))
                .leads_back(branch, key)
        })
    }

    /// [`Self::calls_back`] for a `match` arm's body.
    pub(super) fn expr_calls_back(&self, branch: &Expr) -> bool {
        self.function.as_ref().is_some_and(|key| {
            self.call_graph
                .get_or_init(|| CallGraph::of(self.file))
                .expr_leads_back(branch, key)
        })
    }

    pub(super) fn block_leads_to_retry(&self, branch: &syn::Block) -> bool {
        let mut continues = Continue(false);
        continues.visit_block(branch);
        let mut finals = FinalMention::default();
        finals.visit_block(branch);
        let mut transient = TransientConstruction(false);
        transient.visit_block(branch);
        let mut repeats = self.repeats(branch.brace_token.span.join());
        repeats.visit_block(branch);
        mentions_retry(branch, RETRY_WORDS)
            || finals.named
            || (finals.called && self.retry_context_here())
            || (self.transient_counts && transient.0)
            || (repeats.found && *self.repeats_count)
            || self.commented_as_retry(branch.brace_token.span.join())
            || (self.retry_context_here() && self.continue_repeats && continues.0)
            || (self.recursion_counts && self.calls_back(branch))
    }

    /// A search for a repeated operation in a branch starting at `span`.
    pub(super) fn repeats(&self, span: proc_macro2::Span) -> Repeats<'_> {
        let start = span.start();
        let operations = self.operations.get_or_init(|| {
            let mut operations = Operations::default();
            operations.visit_block(self.body);
            operations.calls
        });
        Repeats {
            operations,
            start: (start.line, start.column),
            found: false,
        }
    }

    /// The other polarity: in a retry loop, a branch that gives up (`return`, `break`) decides
    /// just as much as one that retries.
    pub(super) fn block_stops_retrying(&self, branch: &syn::Block) -> bool {
        if self.loop_depth == 0 || !self.retry_context_here() {
            return false;
        }
        let mut exits = Exit(false);
        exits.visit_block(branch);
        exits.0
    }

    pub(super) fn expr_stops_retrying(&self, branch: &Expr) -> bool {
        if self.loop_depth == 0 || !self.retry_context_here() {
            return false;
        }
        let mut exits = Exit(false);
        exits.visit_expr(branch);
        exits.0
    }
}
