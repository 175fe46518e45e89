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

    /// Whether a `match` arm's body retries (see [`Self::branch_leads_to_retry`]).
    pub(super) fn leads_to_retry(&self, branch: &Expr) -> bool {
        self.branch_leads_to_retry(Branch::Expr(branch))
    }

    /// Whether an `if` branch retries (see [`Self::branch_leads_to_retry`]).
    pub(super) fn block_leads_to_retry(&self, branch: &syn::Block) -> bool {
        self.branch_leads_to_retry(Branch::Block(branch))
    }

    /// Whether a branch retries: it speaks of retrying, produces a final or transient outcome,
    /// repeats an operation of the function, goes round a retry loop, or calls back into the
    /// function.
    fn branch_leads_to_retry(&self, branch: Branch<'_>) -> bool {
        let mut continues = Continue(false);
        branch.visit(&mut continues);
        let mut finals = FinalMention::default();
        branch.visit(&mut finals);
        let mut transient = TransientConstruction(false);
        branch.visit(&mut transient);
        let mut repeats = self.repeats(branch.span());
        branch.visit(&mut repeats);
        let mentions = match branch {
            Branch::Block(block) => mentions_retry(block, RETRY_WORDS),
            Branch::Expr(expr) => mentions_retry_expr(expr, RETRY_WORDS),
        };
        mentions
            || finals.named
            || (finals.called && self.retry_context_here())
            || (self.transient_counts && transient.0)
            || (repeats.found && *self.repeats_count)
            || self.commented_as_retry(branch.span())
            || (self.retry_context_here() && self.continue_repeats && continues.0)
            || (self.recursion_counts && self.calls_back(branch))
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
    fn calls_back(&self, branch: Branch<'_>) -> bool {
        self.function.as_ref().is_some_and(|key| {
            let graph = self.call_graph.get_or_init(|| CallGraph::of(self.file));
            match branch {
                Branch::Block(block) => graph.leads_back(block, key),
                Branch::Expr(expr) => graph.expr_leads_back(expr, key),
            }
        })
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
        self.stops_retrying(Branch::Block(branch))
    }

    /// [`Self::block_stops_retrying`] for a `match` arm's body.
    pub(super) fn expr_stops_retrying(&self, branch: &Expr) -> bool {
        self.stops_retrying(Branch::Expr(branch))
    }

    fn stops_retrying(&self, branch: Branch<'_>) -> bool {
        if self.loop_depth == 0 || !self.retry_context_here() {
            return false;
        }
        let mut exits = Exit(false);
        branch.visit(&mut exits);
        exits.0
    }
}

/// A branch of a check: an `if` branch's block or a `match` arm's body.
#[derive(Clone, Copy)]
enum Branch<'a> {
    Block(&'a syn::Block),
    Expr(&'a Expr),
}

impl<'a> Branch<'a> {
    fn visit(self, visitor: &mut impl Visit<'a>) {
        match self {
            Branch::Block(block) => visitor.visit_block(block),
            Branch::Expr(expr) => visitor.visit_expr(expr),
        }
    }

    fn span(self) -> proc_macro2::Span {
        match self {
            Branch::Block(block) => block.brace_token.span.join(),
            Branch::Expr(expr) => expr.span(),
        }
    }
}
