//! `retry_without_condition`: a retry library told to retry every error.

use std::cell::OnceCell;
use std::collections::{HashMap, HashSet};

use syn::visit::Visit;
use syn::{Expr, Stmt};

use crate::finding::{Finding, Level, Region};
use crate::retry_library::backoff::{
    is_backoff_retry, transient_everywhere, LocalOperations, Retried,
};
use crate::retry_library::{
    callee, calls_named, chain, closure_body, method_region, LibrariesUsed, Link,
};
use crate::rule::{FileContext, Rule, RuleInfo};

const DOCS: &str = "\
### What it does
Finds retry-library calls that retry every error, whatever it is:
- backon's `op.retry(builder)` awaited or called without `.when(..)` (or `.adjust(..)`, whose `None`
  answer stops the retries);
- the backoff crate's `retry(policy, op)` or `retry_notify(..)`, its operation written in place or
  bound to a local first (`let put = || async { .. };`), whose operation uses `?` on its own
  errors: the crate's `From` impl makes every such error `Error::transient`; so does
  `.map_err(Error::transient)` (or a closure doing only that), with or without the `?`. A `?`
  on a value that already holds backoff's error converts nothing and is not reported: a `match`
  whose arms build `Err(BackoffError::permanent(..))`, or a call of one of the file's functions
  returning `Result<_, BackoffError<_>>`. Nor is a `.map_err(Error::transient)` in a branch of a
  `match` or `if` another branch of which answers `permanent` (`match status { 400..=499 =>
  Err(Error::permanent(..)), 200 => body.map_err(Error::transient), .. }`): the branches classify;
- tryhard's `retry_fn(op)` awaited without `.custom_backoff(..)` (whose `RetryPolicy::Break`
  answer stops the retries) or `.with_config(..)` (which may carry one), unless the operation
  sorts the errors itself by answering `Ok(Err(e))` for those it must not retry.

A backoff retry whose statement, or the comment right above it, says that it goes on for ever on
purpose (`// retry until the database is up`, `.expect(\"an infinite retry loop\")` after it), or
whose policy is bound to a local by a statement that says so (`let policy = ExponentialBackoff {
max_elapsed_time: None, // keep retrying until it succeeds`), is not reported: retrying every
error is then what its author chose; unless a comment in the paragraph holding the operation (up
to the blank line above it) or in the statement flags a problem (`// TODO: a 400 should be
permanent`).

### Why is this bad
Errors that can never succeed (bad input, a missing object, a permission denied) are retried as
if they were transient: the caller waits through every backoff for the same failure, and the
service is loaded with requests that cannot succeed.

### Example
```rust
(|| async { store.get(path).await })
    .retry(ExponentialBuilder::default())
    .await
```

### Use instead
```rust
(|| async { store.get(path).await })
    .retry(ExponentialBuilder::default())
    .when(|err| err.is_retryable())
    .await
```
";

/// How far above a retry's operation its paragraph, whose comments may flag a problem, is read.
const PARAGRAPH_LINES: usize = 40;

static INFO: RuleInfo = RuleInfo {
    name: "retry_without_condition",
    default_level: Level::Warn,
    docs: DOCS,
    needles: &["backon", "backoff::", "tryhard"],
    loop_needles: &[],
    function_needles: &[],
    only_in_triage_crates: false,
};

/// The rule; see its documentation.
pub struct RetryWithoutCondition;

impl Rule for RetryWithoutCondition {
    fn info(&self) -> &'static RuleInfo {
        &INFO
    }

    fn check(&self, cx: &FileContext<'_>) -> Vec<Finding> {
        let libraries = LibrariesUsed::in_source(cx.source);
        if !(libraries.backon || libraries.backoff || libraries.tryhard) {
            return Vec::new();
        }
        let mut finder = ConditionFinder {
            cx,
            libraries,
            backoff_answers: OnceCell::new(),
            pending: HashMap::new(),
            local_operations: LocalOperations::default(),
            statements: Vec::new(),
            bindings: Vec::new(),
            findings: Vec::new(),
        };
        finder.visit_file(cx.ast);
        finder.findings.sort_by_key(|f| f.region);
        finder.findings.dedup_by_key(|f| f.region);
        finder.findings
    }
}

struct ConditionFinder<'x, 'ast> {
    cx: &'x FileContext<'x>,
    libraries: LibrariesUsed,
    /// The file's functions and methods whose error is already backoff's (`-> Result<T,
    /// BackoffError<E>>`): a `?` on their result converts nothing. Read from the file only when a
    /// `?` asks.
    backoff_answers: OnceCell<HashSet<String>>,
    /// `let x = op.retry(..)` bindings without a condition yet, by name, with the `retry` call.
    pending: HashMap<String, Region>,
    /// The bodies of closures bound to a local (`let put = || async { .. };`), by name, for a
    /// backoff `retry` handed the name.
    local_operations: LocalOperations<'ast>,
    /// The statements the walk is inside, innermost last.
    statements: Vec<&'ast Stmt>,
    /// The local bindings in scope where the walk is (`let policy = ExponentialBackoff { .. };`),
    /// each name with its statement, innermost last: the comments of a policy's binding speak for
    /// the retry it is handed to.
    bindings: Vec<(String, Region)>,
    findings: Vec<Finding>,
}

impl<'ast> ConditionFinder<'_, 'ast> {
    fn report_backon(&mut self, region: Region) {
        self.findings.push(self.cx.report(
            &INFO,
            region,
            "this retry has no `.when(..)`, so every error is retried",
            "add `.when(|err| ..)` that answers retry only for errors that may succeed next time",
        ));
    }

    /// A tryhard chain: `retry_fn(op) .. .await`, with or without `.custom_backoff(..)`.
    fn check_tryhard_chain(&mut self, expr: &Expr) {
        let (links, root) = chain(expr);
        if !matches!(links.first(), Some(Link::Await)) {
            return;
        }
        let Expr::Call(start) = root else {
            return;
        };
        let named_retry_fn = callee(start).is_some_and(|(_, name)| name == "retry_fn");
        if !named_retry_fn || start.args.len() != 1 {
            return;
        }
        let decided = ["custom_backoff", "with_config"]
            .iter()
            .any(|name| !calls_named(&links, name).is_empty());
        let sorts_its_errors = closure_body(&start.args[0]).is_some_and(answers_ok_err);
        if decided || sorts_its_errors {
            return;
        }
        self.findings.push(self.cx.report(
            &INFO,
            Region::of(&*start.func),
            "this tryhard retry has no `.custom_backoff(..)`, so every error is retried",
            "add `.custom_backoff(|attempt, err| ..)` that answers `RetryPolicy::Break` for errors \
             that cannot succeed",
        ));
    }

    /// A backon chain: `op.retry(builder) .. .await` (or `.call()`), with or without `.when(..)`.
    fn check_backon_chain(&mut self, expr: &Expr) {
        let (links, root) = chain(expr);
        let consumed = matches!(links.first(), Some(Link::Await))
            || matches!(links.first(), Some(Link::Call(call)) if call.method == "call");
        let has_condition = has_condition(&links);
        let retries = calls_named(&links, "retry");
        if let [retry] = retries.as_slice() {
            if retry.args.len() == 1 && retry_receiver_is_operation(&retry.receiver) {
                if consumed && !has_condition {
                    self.report_backon(method_region(retry));
                }
                return;
            }
        }
        // A chain continuing a `let x = op.retry(..)` binding.
        if let Expr::Path(path) = root {
            if let Some(ident) = path.path.get_ident() {
                if let Some(region) = self.pending.get(&ident.to_string()).copied() {
                    if consumed && !has_condition {
                        self.report_backon(region);
                    }
                }
            }
        }
    }

    fn check_call(&mut self, call: &'ast syn::ExprCall) {
        if !is_backoff_retry(call, self.libraries) {
            return;
        }
        let Some(body) = self.local_operations.operation(call) else {
            return;
        };
        let found = transient_everywhere(body, self.cx.ast, &self.backoff_answers);
        if !found.is_empty() && self.documented_as_endless(call, body) {
            return;
        }
        for (region, how) in found {
            let message = match how {
                Retried::Question => {
                    "every error this `?` returns becomes `backoff::Error::transient`, so it is \
                     retried"
                }
                Retried::Mapped => {
                    "this `.map_err(..)` makes every error `backoff::Error::transient`, so it is \
                     retried"
                }
            };
            self.findings.push(self.cx.report(
                &INFO,
                region,
                message,
                "map the error yourself: `.map_err(|err| if err.is_retryable() { \
                 backoff::Error::transient(err) } else { backoff::Error::permanent(err) })?`",
            ));
        }
    }

    /// Whether the comments and messages of the statement holding a retry call (its
    /// `.expect(..)` included) or the comment right above that statement say that it retries for
    /// ever on purpose: then retrying every error is what the author chose. Words of the next
    /// statement or of a comment further up are about other code. Not when a comment from the
    /// start of the paragraph holding the `operation` to the end of the statement flags a problem
    /// (`TODO: a 400 should be permanent`): then what the retry does is known to be wrong.
    fn documented_as_endless(&self, call: &syn::ExprCall, operation: &Expr) -> bool {
        let source = self.cx.source;
        let statement = match self.statements.last() {
            Some(statement) => Region::of(*statement),
            None => Region::of(call),
        };
        let (start, end) = (statement.line, statement.end_line);
        let operation_start = Region::of(operation).line.min(start);
        let from = crate::intent::comment_above(source, start).max(1);
        // A policy bound to a local before the call (`let policy = ExponentialBackoff { ..,
        // max_elapsed_time: None };`) may carry the words at its binding.
        let policy_binding = call
            .args
            .first()
            .and_then(|policy| match policy {
                Expr::Path(path) => path.path.get_ident(),
                _ => None,
            })
            .and_then(|name| {
                self.bindings
                    .iter()
                    .rev()
                    .find(|(bound, _)| name == bound)
                    .map(|(_, binding)| binding)
            });
        let policy_says_so = policy_binding.is_some_and(|binding| {
            let from = crate::intent::comment_above(source, binding.line).max(1);
            crate::intent::commented_as_endless(source, from, binding.end_line)
        });
        (policy_says_so || crate::intent::commented_as_endless(source, from, end))
            && !crate::intent::comments_flag_a_problem(
                source,
                crate::intent::paragraph_start(source, operation_start, PARAGRAPH_LINES).max(1),
                end,
            )
    }
}

/// What `.retry(..)` is called on in a backon chain: a closure or a function path (the operation).
fn retry_receiver_is_operation(expr: &Expr) -> bool {
    match expr {
        Expr::Closure(_) | Expr::Path(_) | Expr::Field(_) => true,
        Expr::Paren(paren) => retry_receiver_is_operation(&paren.expr),
        Expr::Reference(reference) => retry_receiver_is_operation(&reference.expr),
        _ => false,
    }
}

impl<'ast> Visit<'ast> for ConditionFinder<'_, 'ast> {
    fn visit_block(&mut self, block: &'ast syn::Block) {
        // The block's bindings go out of scope with it.
        let outer_bindings = self.bindings.len();
        if self.libraries.backoff {
            self.local_operations.record(block);
        }
        if self.libraries.backon {
            for stmt in &block.stmts {
                let Stmt::Local(local) = stmt else {
                    continue;
                };
                let (syn::Pat::Ident(ident), Some(init)) = (&local.pat, &local.init) else {
                    continue;
                };
                let (links, _) = chain(&init.expr);
                let retries = calls_named(&links, "retry");
                let unconditioned = !has_condition(&links);
                if let [retry] = retries.as_slice() {
                    if unconditioned && retry.args.len() == 1 {
                        self.pending
                            .insert(ident.ident.to_string(), method_region(retry));
                    }
                }
            }
        }
        syn::visit::visit_block(self, block);
        self.bindings.truncate(outer_bindings);
    }

    fn visit_stmt(&mut self, stmt: &'ast Stmt) {
        self.statements.push(stmt);
        syn::visit::visit_stmt(self, stmt);
        self.statements.pop();
        // A binding is in scope from the end of its statement on.
        if let Stmt::Local(syn::Local {
            pat: syn::Pat::Ident(ident),
            ..
        }) = stmt
        {
            if self.libraries.backoff {
                self.bindings
                    .push((ident.ident.to_string(), Region::of(stmt)));
            }
        }
    }

    fn visit_expr(&mut self, expr: &'ast Expr) {
        if self.libraries.tryhard && matches!(expr, Expr::Await(_)) {
            self.check_tryhard_chain(expr);
        }
        if self.libraries.backon && matches!(expr, Expr::Await(_) | Expr::MethodCall(_)) {
            self.check_backon_chain(expr);
            // Visit what hangs off the chain, not its inner links as chains of their own.
            let (links, root) = chain(expr);
            for link in &links {
                if let Link::Call(call) = link {
                    for arg in &call.args {
                        self.visit_expr(arg);
                    }
                }
            }
            self.visit_expr(root);
            return;
        }
        if let Expr::Call(call) = expr {
            self.check_call(call);
        }
        syn::visit::visit_expr(self, expr);
    }
}

/// Whether an operation answers `Ok(Err(..))` somewhere: it hands back the errors it will not
/// have retried as a success of the retry (tryhard retries only what the operation fails with).
fn answers_ok_err(body: &Expr) -> bool {
    struct OkErr(bool);
    impl<'ast> Visit<'ast> for OkErr {
        fn visit_expr_call(&mut self, call: &'ast syn::ExprCall) {
            let named = |expr: &Expr, name: &str| matches!(expr, Expr::Path(path) if path.path.is_ident(name));
            if named(&call.func, "Ok")
                && matches!(call.args.first(), Some(Expr::Call(inner)) if named(&inner.func, "Err"))
            {
                self.0 = true;
            }
            syn::visit::visit_expr_call(self, call);
        }
    }
    let mut found = OkErr(false);
    found.visit_expr(body);
    found.0
}

/// Whether a backon chain says which errors to retry: `.when(..)`, or `.adjust(|err, delay| ..)`,
/// which stops the retries by answering `None`.
fn has_condition(links: &[Link<'_>]) -> bool {
    !calls_named(links, "when").is_empty() || !calls_named(links, "adjust").is_empty()
}
