//! `retry_without_condition`: a retry library told to retry every error.

use std::cell::OnceCell;
use std::collections::{HashMap, HashSet};

use syn::visit::Visit;
use syn::{Expr, Stmt};

use crate::finding::{Finding, Level, Region};
use crate::retry_library::{method_region, callee, calls_named, chain, closure_body, LibrariesUsed, Link};
use crate::rule::{FileContext, Rule, RuleInfo};
use crate::syntax::names::file_call_name;

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
  returning `Result<_, BackoffError<_>>`.

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

static INFO: RuleInfo = RuleInfo {
    name: "retry_without_condition",
    default_level: Level::Warn,
    docs: DOCS,
    needles: &["backon", "backoff::"],
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
        if !(libraries.backon || libraries.backoff) {
            return Vec::new();
        }
        let mut finder = ConditionFinder {
            cx,
            libraries,
            backoff_answers: OnceCell::new(),
            pending: HashMap::new(),
            local_operations: HashMap::new(),
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
    local_operations: HashMap<String, &'ast Expr>,
    findings: Vec<Finding>,
}

impl ConditionFinder<'_, '_> {
    fn report_backon(&mut self, region: Region) {
        self.findings.push(self.cx.report(
            &INFO,
            region,
            "this retry has no `.when(..)`, so every error is retried",
            "add `.when(|err| ..)` that answers retry only for errors that may succeed next time",
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

    fn check_call(&mut self, call: &syn::ExprCall) {
        let Some((before, function)) = callee(call) else {
            return;
        };
        let backoff_retry = self.libraries.backoff
            && matches!(function.as_str(), "retry" | "retry_notify")
            && call.args.len() >= 2
            && before.as_deref().is_none_or(|b| matches!(b, "backoff" | "future"));
        if !backoff_retry {
            return;
        }
        let Some(operation) = call.args.iter().nth(1) else {
            return;
        };
        // The operation written in place, or bound first (`let put = || async { .. };
        // retry_notify(p, put, ..)`).
        let body = closure_body(operation).or_else(|| match operation {
            Expr::Path(path) => path
                .path
                .get_ident()
                .and_then(|ident| self.local_operations.get(&ident.to_string()).copied()),
            _ => None,
        });
        let Some(body) = body else {
            return;
        };
        let mut questions = QuestionMarks {
            file: self.cx.ast,
            backoff_answers: &self.backoff_answers,
            found: Vec::new(),
        };
        questions.visit_expr(body);
        let found = questions.found;
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
        if self.libraries.backoff {
            for stmt in &block.stmts {
                if let Stmt::Local(local) = stmt {
                    if let (syn::Pat::Ident(ident), Some(init)) = (&local.pat, &local.init) {
                        if let Some(body) = closure_body(&init.expr) {
                            self.local_operations.insert(ident.ident.to_string(), body);
                        }
                    }
                }
            }
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
    }

    fn visit_expr(&mut self, expr: &'ast Expr) {
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

/// How a retried operation makes every error transient.
#[derive(Debug, Clone, Copy)]
enum Retried {
    /// A `?` handing the error to backoff's `From`.
    Question,
    /// `.map_err(backoff::Error::transient)` (or a closure doing only that).
    Mapped,
}

/// The `?` operators of a retried operation that hand its own error to backoff's `From` (not
/// those on an error already mapped, `.map_err(..)?`, or already backoff's), and the
/// `.map_err(..)` calls that make every error transient, outside nested closures.
struct QuestionMarks<'f> {
    file: &'f syn::File,
    /// See [`ConditionFinder::backoff_answers`].
    backoff_answers: &'f OnceCell<HashSet<String>>,
    found: Vec<(Region, Retried)>,
}

impl QuestionMarks<'_> {
    /// Whether the value a `?` is applied to already holds backoff's error, so that the `?`
    /// converts nothing: a `match`/`if` whose arms build `Err(BackoffError::permanent(..))` or
    /// the like, or a call of one of the file's functions answering backoff's error.
    fn already_backoff(&self, expr: &Expr) -> bool {
        match expr {
            Expr::Await(inner) => self.already_backoff(&inner.base),
            Expr::Paren(inner) => self.already_backoff(&inner.expr),
            Expr::Match(_) | Expr::If(_) => {
                let mut arms = BuildsBackoffError::default();
                arms.visit_expr(expr);
                arms.found
            }
            // A function of the file by its bare name or through `Self::`, a method on `self`:
            // another type's method of the same name is not one of them.
            call => file_call_name(call).is_some_and(|name| {
                self.backoff_answers
                    .get_or_init(|| functions_answering_backoff_errors(self.file))
                    .contains(&name)
            }),
        }
    }
}

impl<'ast> Visit<'ast> for QuestionMarks<'_> {
    fn visit_expr_try(&mut self, node: &'ast syn::ExprTry) {
        match &*node.expr {
            // `.map_err(f)?` decides for itself, unless `f` makes every error transient, which
            // retries everything just the same; it is reported as the `?`.
            Expr::MethodCall(call) if call.method == "map_err" => {
                if maps_to_transient(call) {
                    self.found.push((Region::of(node), Retried::Question));
                }
                self.visit_expr(&call.receiver);
                for arg in &call.args {
                    self.visit_expr(arg);
                }
                return;
            }
            inner if self.already_backoff(inner) => {}
            _ => self.found.push((Region::of(node), Retried::Question)),
        }
        syn::visit::visit_expr_try(self, node);
    }

    fn visit_expr_method_call(&mut self, call: &'ast syn::ExprMethodCall) {
        if call.method == "map_err" && maps_to_transient(call) {
            self.found.push((Region::of(call), Retried::Mapped));
        }
        syn::visit::visit_expr_method_call(self, call);
    }

    fn visit_expr_closure(&mut self, _: &'ast syn::ExprClosure) {}
    fn visit_item_fn(&mut self, _: &'ast syn::ItemFn) {}
}

/// Whether an expression builds backoff's error in one of its branches: `Err(E::permanent(..))`,
/// `Err(BackoffError::Transient { .. })`, outside nested closures.
#[derive(Default)]
struct BuildsBackoffError {
    found: bool,
}

impl<'ast> Visit<'ast> for BuildsBackoffError {
    fn visit_expr_call(&mut self, call: &'ast syn::ExprCall) {
        let is_err = matches!(&*call.func, Expr::Path(path) if path.path.is_ident("Err"));
        if is_err && call.args.first().is_some_and(is_backoff_error_value) {
            self.found = true;
        }
        syn::visit::visit_expr_call(self, call);
    }

    fn visit_expr_closure(&mut self, _: &'ast syn::ExprClosure) {}
}

/// `backoff::Error::permanent(e)`, `BackoffError::Transient { .. }` and the like.
fn is_backoff_error_value(expr: &Expr) -> bool {
    let path = match expr {
        Expr::Call(call) => match &*call.func {
            Expr::Path(path) => &path.path,
            _ => return false,
        },
        Expr::Struct(built) => &built.path,
        _ => return false,
    };
    let mut names = path.segments.iter().rev().map(|seg| seg.ident.to_string());
    let variant = names.next().unwrap_or_default();
    let kind = names.next().unwrap_or_default();
    let through_backoff = path.segments.iter().any(|seg| seg.ident == "backoff");
    // A bare `Error::Transient(..)` may be the file's own enum; backoff's constructors
    // (`Error::transient(..)`) are the functions only it has.
    match variant.as_str() {
        "permanent" | "transient" => kind.contains("Backoff") || kind == "Error",
        "Permanent" | "Transient" => kind.contains("Backoff") || through_backoff,
        _ => false,
    }
}

/// The names of a file's functions and methods whose return type holds backoff's error
/// (`BackoffError<E>`, `backoff::Error<E>`).
fn functions_answering_backoff_errors(file: &syn::File) -> HashSet<String> {
    struct Functions(HashSet<String>);
    impl<'ast> Visit<'ast> for Functions {
        fn visit_signature(&mut self, sig: &'ast syn::Signature) {
            if let syn::ReturnType::Type(_, ty) = &sig.output {
                let mut names = NamesBackoffError(false);
                names.visit_type(ty);
                if names.0 {
                    self.0.insert(sig.ident.to_string());
                }
            }
        }
    }
    struct NamesBackoffError(bool);
    impl<'ast> Visit<'ast> for NamesBackoffError {
        fn visit_path(&mut self, path: &'ast syn::Path) {
            let names: Vec<String> = path.segments.iter().map(|s| s.ident.to_string()).collect();
            let last = names.last().map(String::as_str).unwrap_or_default();
            let before = names.len().checked_sub(2).map(|i| names[i].as_str());
            if last.ends_with("BackoffError") || (last == "Error" && before == Some("backoff")) {
                self.0 = true;
            }
            syn::visit::visit_path(self, path);
        }
    }
    let mut functions = Functions(HashSet::new());
    functions.visit_file(file);
    functions.0
}

/// Whether a `.map_err(..)` makes every error transient: `.map_err(BackoffError::transient)`, or
/// a closure that only does that (`|err| backoff::Error::transient(err.into())`).
fn maps_to_transient(call: &syn::ExprMethodCall) -> bool {
    let is_transient = |path: &syn::Path| {
        path.segments
            .last()
            .is_some_and(|seg| seg.ident == "transient")
    };
    match call.args.first() {
        Some(Expr::Path(path)) => is_transient(&path.path),
        Some(Expr::Closure(closure)) => {
            matches!(&*closure.body, Expr::Call(inner)
                if matches!(&*inner.func, Expr::Path(path) if is_transient(&path.path)))
        }
        _ => false,
    }
}

/// Whether a backon chain says which errors to retry: `.when(..)`, or `.adjust(|err, delay| ..)`,
/// which stops the retries by answering `None`.
fn has_condition(links: &[Link<'_>]) -> bool {
    !calls_named(links, "when").is_empty() || !calls_named(links, "adjust").is_empty()
}

