//! `unbounded_retry`: a loop that goes round again after an error with nothing that stops it.

use proc_macro2::{Span, TokenStream, TokenTree};
use syn::punctuated::Punctuated;
use syn::visit::Visit;
use syn::{BinOp, Block, Expr, ExprLoop, ExprWhile, Lifetime, Macro, Pat, Stmt, Token, UnOp};

use crate::finding::{Finding, Level, Region};
use crate::rule::{FileContext, Rule};

/// Words of which a retry loop must mention one (in a name, a call or a log message). They are also
/// the rule's prefilter needles, matched case-sensitively in both places so the prefilter cannot
/// change what the rule finds.
const RETRY_WORDS: &[&str] = &[
    "retry",
    "Retry",
    "RETRY",
    "retries",
    "Retries",
    "RETRIES",
    "retried",
    "Retried",
    "retriable",
    "Retriable",
    "attempt",
    "Attempt",
    "ATTEMPT",
    "backoff",
    "Backoff",
    "BACKOFF",
    "back_off",
    "sleep",
    "Sleep",
    "SLEEP",
];

/// Parts of a name that make a comparison an attempt bound or a deadline check.
const BOUND_NAME_PARTS: &[&str] = &[
    "attempt",
    "retr",
    "tries",
    "count",
    "times",
    "remaining",
    "budget",
    "limit",
    "max",
    "elapsed",
    "deadline",
    "instant",
    "now",
    "expire",
    "timeout",
];

/// Parts of a called function's name that stop a retry by themselves: an exhausted policy, a
/// passed deadline, a backoff that has run out.
const BOUND_CALL_PARTS: &[&str] = &[
    "exhaust",
    "expired",
    "elapsed",
    "deadline",
    "give_up",
    "next_backoff",
    "next_delay",
    "checked_sub",
];

/// Parts of a name that make a decision able to end the loop an attempt or time bound: a branch
/// that leaves the loop on `match attempts.after_failure(..)` or `if budget.is_empty()`. Retry
/// words are not among them: `if !err.is_retryable() { return }` stops terminal errors only.
const STOP_DECISION_PARTS: &[&str] = &[
    "attempt",
    "tries",
    "budget",
    "deadline",
    "elapsed",
    "expire",
    "remaining",
    "limit",
    "exhaust",
];

/// Receiver names whose `.next()` yields delays until a policy runs out.
const DELAY_ITERATOR_PARTS: &[&str] = &["backoff", "delay", "retr", "strateg", "schedule"];

/// Macros that never return.
const DIVERGING_MACROS: &[&str] = &["panic", "unreachable", "todo", "unimplemented", "bail"];

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
pub struct UnboundedRetry;

impl Rule for UnboundedRetry {
    fn name(&self) -> &'static str {
        "unbounded_retry"
    }

    fn default_level(&self) -> Level {
        Level::Warn
    }

    fn docs(&self) -> &'static str {
        DOCS
    }

    fn needles(&self) -> &'static [&'static str] {
        RETRY_WORDS
    }

    fn check(&self, cx: &FileContext<'_>) -> Vec<Finding> {
        let mut finder = LoopFinder {
            cx,
            rule: self,
            findings: Vec::new(),
        };
        finder.visit_file(cx.ast);
        finder.findings
    }
}

struct LoopFinder<'c, 'a> {
    cx: &'c FileContext<'a>,
    rule: &'c UnboundedRetry,
    findings: Vec<Finding>,
}

impl LoopFinder<'_, '_> {
    fn consider(&mut self, shape: LoopShape<'_>) {
        if !shape.retries_after_error() || shape.is_bounded() || !shape.mentions_retry() {
            return;
        }
        let keyword = shape.kind;
        self.findings.push(Finding {
            rule: self.rule.name(),
            level: self.rule.default_level(),
            path: self.cx.path.to_path_buf(),
            region: Region::from_span(shape.start.join(shape.keyword).unwrap_or(shape.keyword)),
            message: format!(
                "this `{keyword}` retries after an error with no attempt bound or deadline"
            ),
            help: "count the attempts and give up at a maximum, or stop at a deadline; \
                   a bounded retry policy does both"
                .to_owned(),
        });
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
struct LoopShape<'a> {
    /// `loop`, `while`, or `for` over a range with no end.
    kind: &'static str,
    /// The variables a `for` loop binds: they count up by themselves.
    counters: Vec<String>,
    label: Option<&'a Lifetime>,
    cond: Option<&'a Expr>,
    body: &'a Block,
    start: Span,
    keyword: Span,
}

impl LoopShape<'_> {
    /// The error path goes round again and the success path leaves the loop.
    fn retries_after_error(&self) -> bool {
        if let Some(cond) = self.cond {
            // `while let Err(e) = op()` and `while op().is_err()` retry by construction.
            if result_check(cond) == Some(ResultCheck::IsErr) {
                return true;
            }
        }
        let mut shapes = RetryShapes {
            label: self.label,
            found: false,
        };
        shapes.visit_block(self.body);
        shapes.found
    }

    /// Something in the loop compares an attempt counter or a clock, or asks a policy whether it is
    /// exhausted.
    fn is_bounded(&self) -> bool {
        let mut bounds = BoundFinder {
            counters: self.counters.clone(),
            comparisons: Vec::new(),
            conditions: Vec::new(),
            bounded_by_call: false,
        };
        if let Some(cond) = self.cond {
            bounds.conditions.push(names_in(cond));
            bounds.visit_expr(cond);
        }
        bounds.visit_block(self.body);
        // A condition that reads a counter the loop advances, such as
        // `!should_retry(&err, attempts, policy)`, bounds it as a comparison would.
        let counter_in_condition = bounds
            .conditions
            .iter()
            .flatten()
            .any(|name| bounds.counters.contains(name));
        bounds.bounded_by_call
            || counter_in_condition
            || bounds.comparisons.iter().any(|names| {
                names.iter().any(|name| {
                    let lower = name.to_ascii_lowercase();
                    BOUND_NAME_PARTS.iter().any(|part| lower.contains(part))
                        || bounds.counters.contains(name)
                })
            })
    }

    fn mentions_retry(&self) -> bool {
        let mut words = WordFinder { found: false };
        if let Some(cond) = self.cond {
            words.visit_expr(cond);
        }
        words.visit_block(self.body);
        words.found
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum ResultCheck {
    /// True when the result is an error: `let Err(..) = r`, `r.is_err()`, `!r.is_ok()`.
    IsErr,
    /// True when the result is a success: `let Ok(..) = r`, `r.is_ok()`, `!r.is_err()`.
    IsOk,
}

/// Calls whose `Err` means "nothing yet" rather than a failure: polling a channel or a lock is not
/// retrying an operation.
const POLLING_CALLS: &[&str] = &[
    "try_recv",
    "recv_timeout",
    "try_lock",
    "try_read",
    "try_write",
    "try_wait",
    "try_next",
];

/// Functions whose `Err` means "the time ran out" (`tokio::time::timeout`), not a failure.
const TIMER_CALLS: &[&str] = &["timeout", "timeout_at"];

fn is_polling_call(expr: &Expr) -> bool {
    match expr {
        Expr::MethodCall(call) => POLLING_CALLS.iter().any(|name| call.method == name),
        Expr::Call(call) => matches!(&*call.func, Expr::Path(path)
            if path.path.segments.last().is_some_and(|seg| TIMER_CALLS.iter().any(|name| seg.ident == name))),
        Expr::Await(awaited) => is_polling_call(&awaited.base),
        Expr::Paren(paren) => is_polling_call(&paren.expr),
        _ => false,
    }
}

/// What an `if`/`while` condition tests about a `Result`, looking at the first operand of `&&`.
fn result_check(cond: &Expr) -> Option<ResultCheck> {
    match cond {
        Expr::Let(expr_let) if is_polling_call(&expr_let.expr) => None,
        Expr::MethodCall(call) if is_polling_call(&call.receiver) => None,
        Expr::Let(expr_let) => match pattern_kind(&expr_let.pat) {
            PatternKind::Err => Some(ResultCheck::IsErr),
            PatternKind::Ok => Some(ResultCheck::IsOk),
            PatternKind::Other => None,
        },
        Expr::MethodCall(call) if call.method == "is_err" => Some(ResultCheck::IsErr),
        Expr::MethodCall(call) if call.method == "is_ok" => Some(ResultCheck::IsOk),
        Expr::Unary(unary) if matches!(unary.op, UnOp::Not(_)) => {
            match result_check(&unary.expr)? {
                ResultCheck::IsErr => Some(ResultCheck::IsOk),
                ResultCheck::IsOk => Some(ResultCheck::IsErr),
            }
        }
        Expr::Binary(binary) if matches!(binary.op, BinOp::And(_)) => result_check(&binary.left),
        Expr::Paren(paren) => result_check(&paren.expr),
        Expr::Group(group) => result_check(&group.expr),
        _ => None,
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum PatternKind {
    Ok,
    Err,
    Other,
}

fn pattern_kind(pat: &Pat) -> PatternKind {
    match pat {
        Pat::TupleStruct(tuple) => match tuple.path.segments.last() {
            Some(seg) if seg.ident == "Err" => PatternKind::Err,
            Some(seg) if seg.ident == "Ok" => PatternKind::Ok,
            _ => PatternKind::Other,
        },
        Pat::Ident(ident) => ident
            .subpat
            .as_ref()
            .map_or(PatternKind::Other, |(_, sub)| pattern_kind(sub)),
        Pat::Or(or) => {
            let kinds: Vec<PatternKind> = or.cases.iter().map(pattern_kind).collect();
            if kinds.contains(&PatternKind::Err) {
                PatternKind::Err
            } else if kinds.contains(&PatternKind::Ok) {
                PatternKind::Ok
            } else {
                PatternKind::Other
            }
        }
        Pat::Paren(paren) => pattern_kind(&paren.pat),
        _ => PatternKind::Other,
    }
}

/// Whether control never reaches the end of `expr` and does not start the loop's next iteration:
/// a `return`, a `break`, a `continue` to an outer loop, a panic, `process::exit`, `Err(..)?`.
fn leaves_loop(expr: &Expr, label: Option<&Lifetime>) -> bool {
    exits(expr, label, Exit::Any)
}

/// Whether `expr` always leaves the loop by `return` or `break`, the way a success path does; a
/// panic or `process::exit` on a path is not a success.
fn returns_from_loop(expr: &Expr, label: Option<&Lifetime>) -> bool {
    exits(expr, label, Exit::Normal)
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Exit {
    /// `return`, `break`, a `continue` to an outer loop, a panic, `process::exit`, `Err(..)?`.
    Any,
    /// `return`, `break` or a `continue` to an outer loop.
    Normal,
}

fn exits(expr: &Expr, label: Option<&Lifetime>, how: Exit) -> bool {
    match expr {
        Expr::Return(_) | Expr::Break(_) => true,
        Expr::Continue(cont) => match (&cont.label, label) {
            (Some(target), Some(own)) => target.ident != own.ident,
            (Some(_), None) => true,
            (None, _) => false,
        },
        Expr::Macro(mac) => how == Exit::Any && macro_diverges(&mac.mac),
        Expr::Call(call) if how == Exit::Any => match &*call.func {
            Expr::Path(path) => {
                let segments: Vec<String> = path
                    .path
                    .segments
                    .iter()
                    .map(|seg| seg.ident.to_string())
                    .collect();
                segments.ends_with(&["process".to_owned(), "exit".to_owned()])
            }
            _ => false,
        },
        Expr::Try(tried) if how == Exit::Any => matches!(&*tried.expr, Expr::Call(call)
            if matches!(&*call.func, Expr::Path(p) if p.path.is_ident("Err"))),
        Expr::Block(block) => stmts_exit(&block.block.stmts, label, how),
        Expr::Unsafe(block) => stmts_exit(&block.block.stmts, label, how),
        Expr::If(expr_if) => match &expr_if.else_branch {
            Some((_, else_branch)) => {
                stmts_exit(&expr_if.then_branch.stmts, label, how) && exits(else_branch, label, how)
            }
            None => false,
        },
        Expr::Match(expr_match) => {
            !expr_match.arms.is_empty()
                && expr_match
                    .arms
                    .iter()
                    .all(|arm| exits(&arm.body, label, how))
        }
        Expr::Paren(paren) => exits(&paren.expr, label, how),
        Expr::Group(group) => exits(&group.expr, label, how),
        _ => false,
    }
}

fn block_leaves_loop(block: &Block, label: Option<&Lifetime>) -> bool {
    stmts_exit(&block.stmts, label, Exit::Any)
}

fn stmts_return_from_loop(stmts: &[Stmt], label: Option<&Lifetime>) -> bool {
    stmts_exit(stmts, label, Exit::Normal)
}

fn stmts_exit(stmts: &[Stmt], label: Option<&Lifetime>, how: Exit) -> bool {
    stmts.iter().any(|stmt| match stmt {
        Stmt::Expr(expr, _) => exits(expr, label, how),
        Stmt::Macro(mac) => how == Exit::Any && macro_diverges(&mac.mac),
        Stmt::Local(local) => local
            .init
            .as_ref()
            .is_some_and(|init| exits(&init.expr, label, how)),
        Stmt::Item(_) => false,
    })
}

fn macro_diverges(mac: &Macro) -> bool {
    mac.path
        .segments
        .last()
        .is_some_and(|seg| DIVERGING_MACROS.iter().any(|name| seg.ident == name))
}

/// The expressions a function-like macro was called with, when they parse as a comma-separated list
/// (`format!`-style logging, `assert!`, `ensure!`); `None` for any other macro syntax.
fn macro_args(mac: &Macro) -> Option<Punctuated<Expr, Token![,]>> {
    mac.parse_body_with(Punctuated::<Expr, Token![,]>::parse_terminated)
        .ok()
}

/// Walks one loop's body (not nested loops, closures, async blocks or items: their control flow is
/// their own) looking for a check of a `Result` whose error path goes round again while its success
/// path always leaves the loop (a success path that only sometimes leaves is a worker loop's).
struct RetryShapes<'l> {
    label: Option<&'l Lifetime>,
    found: bool,
}

impl RetryShapes<'_> {
    fn error_goes_round(&self, error_path: &Expr) -> bool {
        !leaves_loop(error_path, self.label)
    }
}

impl<'ast> Visit<'ast> for RetryShapes<'_> {
    fn visit_expr_loop(&mut self, _: &'ast ExprLoop) {}
    fn visit_expr_while(&mut self, _: &'ast ExprWhile) {}
    fn visit_expr_for_loop(&mut self, _: &'ast syn::ExprForLoop) {}
    fn visit_expr_closure(&mut self, _: &'ast syn::ExprClosure) {}
    fn visit_expr_async(&mut self, _: &'ast syn::ExprAsync) {}
    fn visit_item(&mut self, _: &'ast syn::Item) {}

    fn visit_block(&mut self, block: &'ast Block) {
        for (index, stmt) in block.stmts.iter().enumerate() {
            // The success path of a check written as a statement is the rest of the block.
            let rest = &block.stmts[index + 1..];
            match stmt {
                Stmt::Local(local) if pattern_kind(&local.pat) == PatternKind::Ok => {
                    if let Some((_, diverge)) = local.init.as_ref().and_then(|i| i.diverge.as_ref())
                    {
                        if self.error_goes_round(diverge)
                            && stmts_return_from_loop(rest, self.label)
                        {
                            self.found = true;
                        }
                    }
                }
                Stmt::Expr(Expr::If(expr_if), _)
                    if result_check(&expr_if.cond) == Some(ResultCheck::IsErr) =>
                {
                    let success_leaves = stmts_return_from_loop(rest, self.label)
                        || expr_if
                            .else_branch
                            .as_ref()
                            .is_some_and(|(_, else_branch)| {
                                returns_from_loop(else_branch, self.label)
                            });
                    if !block_leaves_loop(&expr_if.then_branch, self.label) && success_leaves {
                        self.found = true;
                    }
                }
                _ => {}
            }
            self.visit_stmt(stmt);
        }
    }

    fn visit_expr_match(&mut self, node: &'ast syn::ExprMatch) {
        let kinds: Vec<PatternKind> = node.arms.iter().map(|arm| pattern_kind(&arm.pat)).collect();
        let has_ok_arm = kinds.contains(&PatternKind::Ok);
        let has_err_arm = kinds.contains(&PatternKind::Err);
        if (has_ok_arm || has_err_arm) && !is_polling_call(&node.expr) {
            let is_error_arm = |kind: PatternKind| match kind {
                PatternKind::Err => true,
                // `_` or a binding after an `Ok(..)` arm catches the errors.
                PatternKind::Other => has_ok_arm && !has_err_arm,
                PatternKind::Ok => false,
            };
            let error_goes_round = node
                .arms
                .iter()
                .zip(&kinds)
                .any(|(arm, kind)| is_error_arm(*kind) && self.error_goes_round(&arm.body));
            let success_leaves = node.arms.iter().zip(&kinds).any(|(arm, kind)| {
                !is_error_arm(*kind) && returns_from_loop(&arm.body, self.label)
            });
            if error_goes_round && success_leaves {
                self.found = true;
            }
        }
        syn::visit::visit_expr_match(self, node);
    }

    fn visit_expr_if(&mut self, node: &'ast syn::ExprIf) {
        if result_check(&node.cond) == Some(ResultCheck::IsOk) {
            let error_goes_round = node
                .else_branch
                .as_ref()
                .is_none_or(|(_, else_branch)| self.error_goes_round(else_branch));
            if error_goes_round && stmts_return_from_loop(&node.then_branch.stmts, self.label) {
                self.found = true;
            }
        }
        syn::visit::visit_expr_if(self, node);
    }
}

/// Collects what a loop compares, what it counts, and whether it calls something that ends it.
struct BoundFinder {
    /// Names assigned with `+=`/`-=` or `x = x ± ..`.
    counters: Vec<String>,
    /// For each comparison, the names mentioned on either side.
    comparisons: Vec<Vec<String>>,
    /// For each `if`/`while` condition and match guard, the names it mentions.
    conditions: Vec<Vec<String>>,
    bounded_by_call: bool,
}

impl BoundFinder {
    fn call_name(&mut self, name: &str, receiver: Option<&Expr>) {
        let lower = name.to_ascii_lowercase();
        if BOUND_CALL_PARTS.iter().any(|part| lower.contains(part)) {
            self.bounded_by_call = true;
        }
        if name == "next" {
            let receiver_names = receiver.map(names_in).unwrap_or_default();
            if receiver_names.iter().any(|n| {
                let lower = n.to_ascii_lowercase();
                DELAY_ITERATOR_PARTS.iter().any(|part| lower.contains(part))
            }) {
                self.bounded_by_call = true;
            }
        }
    }
}

impl<'ast> Visit<'ast> for BoundFinder {
    fn visit_expr_if(&mut self, node: &'ast syn::ExprIf) {
        self.conditions.push(names_in(&node.cond));
        let leaves = block_leaves_loop(&node.then_branch, None)
            || node
                .else_branch
                .as_ref()
                .is_some_and(|(_, else_branch)| leaves_loop(else_branch, None));
        // Checking the operation's own `Result` is the retry itself, not a decision to stop.
        if leaves && result_check(&node.cond).is_none() && decides_stop(&node.cond) {
            self.bounded_by_call = true;
        }
        syn::visit::visit_expr_if(self, node);
    }

    fn visit_expr_match(&mut self, node: &'ast syn::ExprMatch) {
        let leaves = node.arms.iter().any(|arm| leaves_loop(&arm.body, None));
        let checks_result = node
            .arms
            .iter()
            .any(|arm| pattern_kind(&arm.pat) != PatternKind::Other);
        if leaves && !checks_result && decides_stop(&node.expr) {
            self.bounded_by_call = true;
        }
        syn::visit::visit_expr_match(self, node);
    }

    fn visit_arm(&mut self, node: &'ast syn::Arm) {
        if let Some((_, guard)) = &node.guard {
            self.conditions.push(names_in(guard));
        }
        syn::visit::visit_arm(self, node);
    }

    fn visit_expr_binary(&mut self, node: &'ast syn::ExprBinary) {
        match node.op {
            BinOp::Lt(_)
            | BinOp::Le(_)
            | BinOp::Gt(_)
            | BinOp::Ge(_)
            | BinOp::Eq(_)
            | BinOp::Ne(_) => {
                let mut names = names_in(&node.left);
                names.extend(names_in(&node.right));
                self.comparisons.push(names);
            }
            BinOp::AddAssign(_) | BinOp::SubAssign(_) => {
                self.counters.extend(names_in(&node.left));
            }
            _ => {}
        }
        syn::visit::visit_expr_binary(self, node);
    }

    fn visit_expr_assign(&mut self, node: &'ast syn::ExprAssign) {
        if let Expr::Binary(binary) = &*node.right {
            if matches!(binary.op, BinOp::Add(_) | BinOp::Sub(_)) {
                self.counters.extend(names_in(&node.left));
            }
        }
        syn::visit::visit_expr_assign(self, node);
    }

    fn visit_expr_method_call(&mut self, node: &'ast syn::ExprMethodCall) {
        self.call_name(&node.method.to_string(), Some(&node.receiver));
        syn::visit::visit_expr_method_call(self, node);
    }

    fn visit_expr_call(&mut self, node: &'ast syn::ExprCall) {
        if let Expr::Path(path) = &*node.func {
            if let Some(seg) = path.path.segments.last() {
                self.call_name(&seg.ident.to_string(), None);
            }
        }
        syn::visit::visit_expr_call(self, node);
    }

    fn visit_macro(&mut self, node: &'ast Macro) {
        if let Some(args) = macro_args(node) {
            for arg in &args {
                self.visit_expr(arg);
            }
        }
    }
}

/// Whether an expression names an attempt, time or budget bound (see [`STOP_DECISION_PARTS`]).
fn decides_stop(expr: &Expr) -> bool {
    names_in(expr).iter().any(|name| {
        // `with_client_retries` holds "tries" but decides nothing.
        let lower = name.to_ascii_lowercase().replace("retries", "");
        STOP_DECISION_PARTS.iter().any(|part| lower.contains(part))
    })
}

/// The variables a pattern binds.
fn bound_names(pat: &Pat) -> Vec<String> {
    struct Bindings(Vec<String>);
    impl<'ast> Visit<'ast> for Bindings {
        fn visit_pat_ident(&mut self, node: &'ast syn::PatIdent) {
            self.0.push(node.ident.to_string());
            syn::visit::visit_pat_ident(self, node);
        }
    }
    let mut bindings = Bindings(Vec::new());
    bindings.visit_pat(pat);
    bindings.0
}

/// Every identifier in an expression (variables, fields, methods, path segments).
fn names_in(expr: &Expr) -> Vec<String> {
    struct Names(Vec<String>);
    impl<'ast> Visit<'ast> for Names {
        fn visit_ident(&mut self, ident: &'ast proc_macro2::Ident) {
            self.0.push(ident.to_string());
        }
    }
    let mut names = Names(Vec::new());
    names.visit_expr(expr);
    names.0
}

/// Looks for a [`RETRY_WORDS`] entry in identifiers, literals and macro tokens.
struct WordFinder {
    found: bool,
}

impl WordFinder {
    fn text(&mut self, text: &str) {
        if !self.found && RETRY_WORDS.iter().any(|word| text.contains(word)) {
            self.found = true;
        }
    }

    fn tokens(&mut self, tokens: &TokenStream) {
        for token in tokens.clone() {
            match token {
                TokenTree::Ident(ident) => self.text(&ident.to_string()),
                TokenTree::Literal(lit) => self.text(&lit.to_string()),
                TokenTree::Group(group) => self.tokens(&group.stream()),
                TokenTree::Punct(_) => {}
            }
        }
    }
}

impl<'ast> Visit<'ast> for WordFinder {
    fn visit_ident(&mut self, ident: &'ast proc_macro2::Ident) {
        self.text(&ident.to_string());
    }

    fn visit_lit(&mut self, lit: &'ast syn::Lit) {
        if let syn::Lit::Str(s) = lit {
            self.text(&s.value());
        }
    }

    fn visit_macro(&mut self, node: &'ast Macro) {
        self.visit_path(&node.path);
        self.tokens(&node.tokens);
    }
}

#[cfg(test)]
mod tests {
    use std::path::Path;

    use super::*;
    use crate::rule::TreeFacts;

    /// The lines the rule reports in `source`.
    fn lines(source: &str) -> Vec<usize> {
        let file = syn::parse_file(source).unwrap();
        let tree = TreeFacts::with_default_classifier_names();
        let cx = FileContext {
            path: Path::new("src/lib.rs"),
            source,
            ast: &file,
            tree: &tree,
            crate_uses_triage: false,
        };
        UnboundedRetry
            .check(&cx)
            .iter()
            .map(|f| f.region.line)
            .collect()
    }

    #[test]
    fn a_loop_that_sleeps_after_an_error_and_returns_on_success_is_reported() {
        let source = "
fn fetch() -> Value {
    loop {
        match client.get() {
            Ok(v) => return v,
            Err(e) => { warn!(\"failed: {}\", e); std::thread::sleep(DELAY); }
        }
    }
}";
        assert_eq!(lines(source), [3]);
    }

    #[test]
    fn while_let_err_with_a_sleep_is_reported() {
        let source = "
async fn connect() {
    while let Err(e) = try_connect().await {
        tokio::time::sleep(Duration::from_secs(1)).await;
    }
}";
        assert_eq!(lines(source), [3]);
    }

    #[test]
    fn continue_after_an_error_then_break_is_reported() {
        let source = "
fn send() {
    'retry: loop {
        if let Err(e) = do_send() {
            continue 'retry;
        }
        break;
    }
}";
        assert_eq!(lines(source), [3]);
    }

    #[test]
    fn an_attempt_counter_compared_to_a_bound_is_not_reported() {
        let source = "
fn fetch() -> Result<Value, Error> {
    let mut attempts = 0;
    loop {
        match client.get() {
            Ok(v) => return Ok(v),
            Err(e) if attempts < 5 => { attempts += 1; sleep(DELAY); }
            Err(e) => return Err(e),
        }
    }
}";
        assert!(lines(source).is_empty());
    }

    #[test]
    fn a_deadline_in_a_match_guard_is_not_reported() {
        let source = "
fn fetch(deadline: Instant) -> Result<Value, Error> {
    loop {
        match client.get() {
            Ok(v) => return Ok(v),
            Err(e) if Instant::now() < deadline => sleep(DELAY),
            Err(e) => return Err(e),
        }
    }
}";
        assert!(lines(source).is_empty());
    }

    #[test]
    fn an_exhausted_check_is_not_reported() {
        let source = "
fn fetch(ctx: &mut RetryCtx) -> Result<Value, Error> {
    loop {
        match client.get() {
            Ok(v) => return Ok(v),
            Err(e) => {
                if ctx.exhausted() { return Err(e); }
                sleep(ctx.backoff());
            }
        }
    }
}";
        assert!(lines(source).is_empty());
    }

    #[test]
    fn a_loop_that_gives_up_on_error_is_not_reported() {
        let source = "
fn drain() {
    loop {
        match rx.recv() {
            Ok(msg) => { if msg.is_last() { break; } }
            Err(e) => { error!(\"retry channel closed: {}\", e); return; }
        }
    }
}";
        assert!(lines(source).is_empty());
    }

    #[test]
    fn a_worker_loop_that_never_leaves_on_success_is_not_reported() {
        let source = "
fn run() {
    loop {
        match poll() {
            Ok(batch) => handle(batch),
            Err(e) => warn!(\"poll failed: {}\", e),
        }
        sleep(INTERVAL);
    }
}";
        assert!(lines(source).is_empty());
    }

    #[test]
    fn an_optional_update_beside_an_unrelated_break_is_not_reported() {
        let source = "
async fn watch() {
    loop {
        if let Some(event) = stream.next().await {
            if let Ok(r) = client.revision().await {
                revision = r;
            }
            if event.is_error() { sleep(DELAY).await; break; }
        }
    }
}";
        assert!(lines(source).is_empty());
    }

    #[test]
    fn a_policy_asked_with_the_attempt_count_is_not_reported() {
        let source = "
async fn wake(num_retries: &mut u32) -> Result<Node, Error> {
    loop {
        match api.wake().await {
            Err(e) if !should_retry(&e, *num_retries, config) => return Err(e),
            Err(e) => warn!(\"retrying: {e}\"),
            Ok(n) => return Ok(n),
        }
        *num_retries += 1;
        tokio::time::sleep(retry_after(*num_retries)).await;
    }
}";
        assert!(lines(source).is_empty());
    }

    #[test]
    fn an_attempt_counter_that_is_only_logged_is_reported() {
        let source = "
fn lease() -> Result<Lease, Error> {
    let mut attempts = 0;
    loop {
        match try_lease() {
            Ok(l) => return Ok(l),
            Err(e) => { warn!(\"failed: {e} (attempt {attempts})\"); sleep(PERIOD); }
        }
        attempts += 1;
    }
}";
        assert_eq!(lines(source), [4]);
    }

    #[test]
    fn waiting_with_a_timeout_is_not_reported() {
        let source = "
async fn gc_loop() {
    loop {
        run_gc().await;
        if tokio::time::timeout(sleep_duration, cancel.cancelled()).await.is_ok() {
            break;
        }
    }
}";
        assert!(lines(source).is_empty());
    }

    #[test]
    fn a_monitor_loop_that_leaves_only_when_interrupted_is_not_reported() {
        let source = "
fn monitor() {
    loop {
        match &mut client {
            Ok(cli) => {
                if interrupted() { break; }
                check(cli);
            }
            Err(e) => { warn!(\"reconnecting: {e}\"); sleep(INTERVAL); client = connect(); }
        }
    }
}";
        assert!(lines(source).is_empty());
    }

    #[test]
    fn exiting_the_process_is_not_a_success_path() {
        let source = "
fn refresh_loop() {
    loop {
        match fetch_config() {
            Ok(Some(config)) => apply(config),
            Ok(None) => std::process::exit(1),
            Err(e) => { error!(\"fetch failed: {e}\"); sleep(BACKOFF); }
        }
    }
}";
        assert!(lines(source).is_empty());
    }

    #[test]
    fn a_policy_object_that_can_stop_the_loop_is_not_reported() {
        let source = "
fn run(mut operation: impl FnMut() -> Result<T, E>, first: E) -> Result<T, RetryError<E>> {
    let mut attempts = Attempts::new();
    let mut error = first;
    loop {
        let delay = match attempts.after_failure(&error) {
            Next::Retry(delay) => delay,
            Next::Stop(reason) => return Err(attempts.stop(reason, error)),
        };
        clock.sleep(delay);
        match operation() {
            Ok(value) => return Ok(value),
            Err(next) => error = next,
        }
    }
}";
        assert!(lines(source).is_empty());
    }

    #[test]
    fn an_attempt_number_handed_to_the_operation_is_not_a_bound() {
        let source = "
async fn calculate() -> ControlFlow<(), u64> {
    let mut attempt = 0;
    loop {
        attempt += 1;
        match try_once(attempt).await {
            Ok(size) => return ControlFlow::Continue(size),
            Err(e) => { warn!(attempt, \"failed: {e:?}\"); sleep(HOUR).await; }
        }
        match origin.with_client_retries(3).await {
            Some(_) => {}
            None => return ControlFlow::Break(()),
        }
    }
}";
        assert_eq!(lines(source), [4]);
    }

    #[test]
    fn stopping_only_terminal_errors_is_still_reported() {
        let source = "
fn fetch() -> Result<Value, Error> {
    loop {
        match client.get() {
            Ok(v) => return Ok(v),
            Err(e) => {
                if !e.is_retryable() { return Err(e); }
                sleep(DELAY);
            }
        }
    }
}";
        assert_eq!(lines(source), [3]);
    }

    #[test]
    fn polling_a_channel_is_not_reported() {
        let source = "
fn monitor() {
    while rx.try_recv().is_err() {
        std::thread::sleep(INTERVAL);
        check();
    }
}";
        assert!(lines(source).is_empty());
    }

    #[test]
    fn a_for_loop_over_an_endless_range_is_reported() {
        let source = "
fn fetch() -> Value {
    for attempt in 1.. {
        match client.get() {
            Ok(v) => return v,
            Err(e) => warn!(\"attempt {attempt} failed: {e}\"),
        }
    }
    unreachable!()
}";
        assert_eq!(lines(source), [3]);
    }

    #[test]
    fn an_endless_range_whose_variable_is_compared_is_not_reported() {
        let source = "
fn fetch() -> Result<Value, Error> {
    for i in 0.. {
        match client.get() {
            Ok(v) => return Ok(v),
            Err(e) if i >= cap => return Err(e),
            Err(e) => std::thread::sleep(DELAY),
        }
    }
    unreachable!()
}";
        assert!(lines(source).is_empty());
    }

    #[test]
    fn a_for_loop_over_a_range_is_not_reported() {
        let source = "
fn fetch() -> Option<Value> {
    for attempt in 0..3 {
        match client.get() {
            Ok(v) => return Some(v),
            Err(e) => sleep(DELAY),
        }
    }
    None
}";
        assert!(lines(source).is_empty());
    }
}
