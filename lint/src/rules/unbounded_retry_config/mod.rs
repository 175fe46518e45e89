//! `unbounded_retry_config`: a retry library configured to retry for ever.
//!
//! One concern per file: limits on attempts and how builders drop them ([`limits`]), the
//! backoff crate's endless policies and the operations that never answer permanent
//! ([`endless`]) and tokio-retry's strategies ([`tokio_retry`]); settings, reporting and the
//! walk are here.

use std::cell::OnceCell;
use std::collections::{HashMap, HashSet};

use syn::visit::Visit;
use syn::{Expr, ExprStruct, Member, Stmt};

use crate::finding::{Finding, Level, Region};
use crate::retry_library::backoff::{is_backoff_retry, LocalOperations};
use crate::retry_library::{built_for_retrying, callee, method_region, LibrariesUsed};
use crate::retry_words::names_retrying;
use crate::rule::{FileContext, Rule, RuleInfo};
use crate::syntax::spans::fn_start;
use crate::syntax::types::{is_none, is_unlimited_integer_max, is_zero_literal};

mod endless;
mod limits;
mod paced;
mod tokio_retry;

use limits::{builders_only_stepped, caps_total_delay, drops_the_limit, ATTEMPT_LIMIT_METHODS};
use tokio_retry::FunctionTails;

const DOCS: &str = "\
### What it does
Finds retry libraries configured without an end:
- backon's `.without_max_times()`, unless the builder caps the total delay
  (`.with_total_delay(Some(..))`), or the file only builds delay iterators that its own code steps
  (it calls `.build()`, has no `.retry(..)`, `.retry_with(..)` or `Retry::new(..)` of the library,
  and no function returning a builder): the loop that steps one decides when to stop;
- a retry builder told to retry an integer type's `MAX` times (tryhard's `.retries(u32::MAX)`,
  `.with_max_times(usize::MAX)`), or given no cap at all (`.max_retries(None)`);
- the backoff crate's `max_elapsed_time: None` or `.with_max_elapsed_time(None)` (its only stop),
  unless the binding or field holding the policy is only stepped by hand to space the rounds of a
  loop of the file (`let pause = pause_policy.next_backoff().expect(..)`): never asked whether it
  ran out (`while let Some(delay) = policy.next_backoff()`, `None => return Err(e)`) and never
  handed to a retry function, so the loop decides when to stop; or `.with_max_elapsed_time(limit)`
  given an optional setting (`cli.max_time.map(Into::into)`) that is `None` when the setting is
  absent;
- a tokio-retry strategy (`ExponentialBackoff`, `FixedInterval`, `FibonacciBackoff`) given to
  `Retry::spawn`/`RetryIf::spawn` without `.take(n)`: the strategy is an endless iterator;
- a Temporal-style policy with `maximum_attempts: 0`, which means unlimited;
- a retry builder, the tree's own or a library's, told to drop its limit: a method named for it
  (`.no_limit()`, `.unlimited()`, `.without_max_retries()`) in a chain built by something named
  for retrying (`retry(\"fetch\", &log).no_limit().run(op)`,
  `RetryPolicy::default().unlimited()`); a method named for the endless retry itself
  (`.retry_forever()`) documents it;
- a constant for an attempt or retry limit set to an integer type's `MAX` (`const RETRY_ATTEMPTS:
  usize = isize::MAX as usize;`): every policy that takes its default retries for ever. One
  declared inside a function is that function's own, reported only when the function hands it to
  a retry builder (`.with_max_times(MAX_ATTEMPTS)`).
- the backoff crate's `retry(policy, op)` or `retry_notify(..)`, or the tree's own function named
  for retrying that wraps them (`retry_notify_ext(policy, op, notify)`), given a policy made by
  one of the tree's functions that sets no max elapsed time (`retry_notify(retry_policy_local(),
  op, ..)`, where `retry_policy_local()` builds on a `backoff_builder()` setting `None`), when the
  operation makes every error transient (`.map_err(Error::transient)`, or `?` through backoff's
  `From`, or `Err(Error::transient(e))` as its only answer), or ends by answering transient for
  every error it did not single out (`if conflict { return Err(Error::permanent(..)); }
  Err(Error::transient(e))`): no error it did not name ever stops it. Reported at the call, even
  when the policy itself is documented as endless, unless the comments or messages around the
  call (its `.expect(..)` included) say so too.

A setting documented as endless on purpose is not reported: a comment beside it that says the
retries are meant to go on (`forever`, `indefinitely`), or the function holding it documenting an
endless retry the way `unbounded_retry` reads a loop's function (its name, the plain or doc comment
above it), or a comment, a message or a call named for an endless retry (`retry_forever(..)`) a
few lines around the setting; a comment marking it as a
problem (`TODO`, `FIXME`) documents nothing.

### Why is this bad
An error that can never succeed, or one misclassified as transient, is retried for ever: the caller
hangs, the work makes no progress, and the retries load the service that is failing.

### Example
```rust
let strategy = ExponentialBackoff::from_millis(10).map(jitter);
Retry::spawn(strategy, || connect(addr)).await
```

### Use instead
```rust
let strategy = ExponentialBackoff::from_millis(10).map(jitter).take(5);
Retry::spawn(strategy, || connect(addr)).await
```
Give every policy an attempt cap, a deadline, or both.
";

static INFO: RuleInfo = RuleInfo {
    name: "unbounded_retry_config",
    default_level: Level::Deny,
    docs: DOCS,
    needles: &[
        "without_max_times",
        "max_elapsed_time",
        "tokio_retry",
        "maximum_attempts",
        // Attempt-limit constants; `retr` (`MAX_RETRIES`) opens every gate already.
        "attempt",
    ],
    loop_needles: &[],
    function_needles: &[],
    only_in_triage_crates: false,
};

/// The rule; see its documentation.
pub struct UnboundedRetryConfig;

impl Rule for UnboundedRetryConfig {
    fn info(&self) -> &'static RuleInfo {
        &INFO
    }

    fn check(&self, cx: &FileContext<'_>) -> Vec<Finding> {
        let libraries = LibrariesUsed::in_source(cx.source);
        let mut functions = FunctionTails::default();
        // Strategies are only read for tokio-retry's calls.
        if libraries.tokio_retry {
            functions.visit_file(cx.ast);
        }
        let mut finder = PolicyFinder {
            cx,
            libraries,
            functions: functions.0,
            strategies: HashMap::new(),
            optional: HashSet::new(),
            function: None,
            operations: LocalOperations::default(),
            backoff_answers: OnceCell::new(),
            holders: Vec::new(),
            local_limits: HashMap::new(),
            findings: Vec::new(),
        };
        finder.visit_file(cx.ast);
        finder.findings.sort_by_key(|f| f.region);
        finder.findings.dedup_by_key(|f| f.region);
        finder.findings
    }
}

struct PolicyFinder<'x, 'ast> {
    cx: &'x FileContext<'x>,
    libraries: LibrariesUsed,
    /// The tail expression of every function of the file without parameters, by name: a strategy
    /// built by `get_retry_strategy()` is read through one call.
    functions: HashMap<String, &'ast Expr>,
    /// `let strategy = ..;` bindings in the function being visited, by name (tokio-retry only).
    strategies: HashMap<String, &'ast Expr>,
    /// `let limit = setting.map(..);` bindings in the function being visited: optional values,
    /// `None` when the setting is absent.
    optional: HashSet<String>,
    /// The name, first line (its doc comment included) and signature line of the function being
    /// visited.
    function: Option<(String, usize, usize)>,
    /// Operations bound to a local before a backoff retry is handed them (read only when the
    /// tree has a function handing out an endless policy).
    operations: LocalOperations<'ast>,
    /// See [`transient_everywhere`](crate::retry_library::backoff::transient_everywhere).
    backoff_answers: OnceCell<HashSet<String>>,
    /// The `let` binding or struct field whose value is being visited, innermost last: what holds
    /// a policy built there.
    holders: Vec<String>,
    /// Limit constants declared in the function being visited, by name: reported only when the
    /// function hands one to a retry builder (`.with_max_times(MAX_ATTEMPTS)`).
    local_limits: HashMap<String, (&'ast syn::Ident, &'ast Expr)>,
    findings: Vec<Finding>,
}

impl<'ast> PolicyFinder<'_, 'ast> {
    /// Walks one function with its own `let` bindings, then gives back the enclosing ones.
    fn in_function(
        &mut self,
        sig: &syn::Signature,
        first_line: usize,
        walk: impl FnOnce(&mut Self),
    ) {
        let strategies = std::mem::take(&mut self.strategies);
        let optional = std::mem::take(&mut self.optional);
        let local_limits = std::mem::take(&mut self.local_limits);
        let function = self.function.replace((
            sig.ident.to_string(),
            first_line,
            Region::of(&sig.ident).line,
        ));
        walk(self);
        self.strategies = strategies;
        self.optional = optional;
        self.local_limits = local_limits;
        self.function = function;
    }

    /// A `const` or `static` item: checked where it is declared at module level, kept for its
    /// uses when declared in the function being visited.
    fn item_limit(&mut self, name: &'ast syn::Ident, value: &'ast Expr) {
        if self.function.is_none() {
            self.check_limit(name, value);
        } else {
            self.local_limits.insert(name.to_string(), (name, value));
        }
    }

    /// Visits the value held by `holder` (a `let` binding or a struct field), if it has a name.
    fn in_holder(&mut self, holder: Option<String>, walk: impl FnOnce(&mut Self)) {
        let named = holder.is_some();
        self.holders.extend(holder);
        walk(self);
        if named {
            self.holders.pop();
        }
    }

    /// Whether the setting at `line` is documented as endless on purpose: by a comment on its
    /// line or the one above, or by the function holding it (its name, its comments and messages
    /// up to a few lines below the setting, and the comment right above it), as an endless retry
    /// loop would be.
    fn documented_as_endless(&self, line: usize) -> bool {
        let source = self.cx.source;
        if says_endless_on_purpose(source, line) {
            return true;
        }
        let near = crate::intent::documented_as_endless(
            source,
            line.saturating_sub(2).max(1),
            line + 3,
            "",
        );
        near || self
            .function
            .as_ref()
            .is_some_and(|(name, first_line, sig_line)| {
                let from = crate::intent::comment_above(source, *first_line);
                crate::intent::documented_as_endless(source, from, *sig_line, name)
            })
    }

    /// Whether a limit handed to a builder is an optional setting: mapped on the spot
    /// (`cli.max_time.map(Into::into)`) or bound from one in the same function.
    fn may_be_absent(&self, limit: &Expr) -> bool {
        maps_an_option(limit)
            || matches!(limit, Expr::Path(path)
                if path.path.get_ident().is_some_and(|name| self.optional.contains(&name.to_string())))
    }

    /// Reports a policy's missing `max_elapsed_time`, unless what holds the policy is only stepped
    /// by hand to pace a loop of the file (see [`paced::steps_by_hand`]).
    fn report_no_elapsed_limit(&mut self, region: Region, message: &str, help: &str) {
        let paced = self
            .holders
            .last()
            .is_some_and(|holder| paced::steps_by_hand(self.cx.ast, self.libraries, holder));
        if !paced {
            self.report(region, message, help);
        }
    }

    /// Reports a setting, unless the code documents the endless retry as deliberate.
    fn report(&mut self, region: Region, message: &str, help: &str) {
        if self.documented_as_endless(region.line) {
            return;
        }
        self.findings
            .push(self.cx.report(&INFO, region, message, help));
    }
}

impl<'ast> Visit<'ast> for PolicyFinder<'_, 'ast> {
    fn visit_block(&mut self, block: &'ast syn::Block) {
        for stmt in &block.stmts {
            let Stmt::Local(local) = stmt else {
                continue;
            };
            let (syn::Pat::Ident(ident), Some(init)) = (&local.pat, &local.init) else {
                continue;
            };
            if maps_an_option(&init.expr) {
                self.optional.insert(ident.ident.to_string());
            }
            if self.libraries.tokio_retry {
                self.strategies.insert(ident.ident.to_string(), &*init.expr);
            }
        }
        if self.libraries.backoff && !self.cx.tree.endless_policies.is_empty() {
            self.operations.record(block);
        }
        syn::visit::visit_block(self, block);
    }

    fn visit_local(&mut self, local: &'ast syn::Local) {
        let holder = match &local.pat {
            syn::Pat::Ident(ident) => Some(ident.ident.to_string()),
            syn::Pat::Type(typed) => match &*typed.pat {
                syn::Pat::Ident(ident) => Some(ident.ident.to_string()),
                _ => None,
            },
            _ => None,
        };
        self.in_holder(holder, |this| syn::visit::visit_local(this, local));
    }

    fn visit_field_value(&mut self, field: &'ast syn::FieldValue) {
        let holder = match &field.member {
            Member::Named(name) => Some(name.to_string()),
            Member::Unnamed(_) => None,
        };
        self.in_holder(holder, |this| syn::visit::visit_field_value(this, field));
    }

    fn visit_item_fn(&mut self, item: &'ast syn::ItemFn) {
        let start = fn_start(&item.attrs, &item.vis, None, &item.sig);
        self.in_function(&item.sig, Region::from_span(start).line, |this| {
            syn::visit::visit_item_fn(this, item)
        });
    }

    fn visit_impl_item_fn(&mut self, item: &'ast syn::ImplItemFn) {
        let start = fn_start(&item.attrs, &item.vis, item.defaultness.as_ref(), &item.sig);
        self.in_function(&item.sig, Region::from_span(start).line, |this| {
            syn::visit::visit_impl_item_fn(this, item)
        });
    }

    // A constant declared inside a function is that function's own: no policy takes it as a
    // default. It is reported only when the function hands it to a retry builder.
    fn visit_item_const(&mut self, item: &'ast syn::ItemConst) {
        self.item_limit(&item.ident, &item.expr);
        syn::visit::visit_item_const(self, item);
    }

    fn visit_item_static(&mut self, item: &'ast syn::ItemStatic) {
        self.item_limit(&item.ident, &item.expr);
        syn::visit::visit_item_static(self, item);
    }

    fn visit_impl_item_const(&mut self, item: &'ast syn::ImplItemConst) {
        self.check_limit(&item.ident, &item.expr);
        syn::visit::visit_impl_item_const(self, item);
    }

    fn visit_trait_item_const(&mut self, item: &'ast syn::TraitItemConst) {
        if let Some((_, value)) = &item.default {
            self.check_limit(&item.ident, value);
        }
        syn::visit::visit_trait_item_const(self, item);
    }

    fn visit_expr_method_call(&mut self, call: &'ast syn::ExprMethodCall) {
        // `retry("load", &log).no_limit().run(op)`: a builder told to drop its limit.
        let method = call.method.to_string();
        if call.args.is_empty() && drops_the_limit(&method) && built_for_retrying(&call.receiver) {
            self.report(
                method_region(call),
                &format!("`.{method}()` lets this retry go on until the operation succeeds"),
                "give it a limit (a handful of attempts, or a total time), or document why it \
                 must never give up",
            );
        }
        if call.method == "without_max_times"
            && call.args.is_empty()
            && !caps_total_delay(call)
            && !builders_only_stepped(self.cx.source)
        {
            self.report(
                method_region(call),
                "`.without_max_times()` retries until the operation succeeds",
                "cap the attempts with `.with_max_times(n)`, or bound the total delay",
            );
        }
        // `.with_max_times(MAX_ATTEMPTS)` with `const MAX_ATTEMPTS: usize = usize::MAX;` declared
        // in the function.
        if ATTEMPT_LIMIT_METHODS.contains(&method.as_str()) && call.args.len() == 1 {
            let local = match &call.args[0] {
                Expr::Path(path) => path
                    .path
                    .get_ident()
                    .and_then(|name| self.local_limits.get(&name.to_string()).copied()),
                _ => None,
            };
            if let Some((name, value)) = local {
                self.check_limit(name, value);
            }
        }
        // `tryhard::retry_fn(op).retries(u32::MAX)`: a limit no run reaches.
        if ATTEMPT_LIMIT_METHODS.contains(&call.method.to_string().as_str())
            && call.args.len() == 1
            && is_unlimited_integer_max(&call.args[0], true)
        {
            self.report(
                Region::of(&call.args[0]),
                &format!(
                    "`.{}(..)` is given an integer's maximum: the operation is retried for ever",
                    call.method
                ),
                "give it a real limit (a handful of attempts), or a total time",
            );
        }
        // `FibonacciBackoffBuilder::new().max_retries(None)`: an optional cap left out.
        if ATTEMPT_LIMIT_METHODS.contains(&call.method.to_string().as_str())
            && call.args.len() == 1
            && is_none(&call.args[0])
        {
            self.report(
                method_region(call),
                &format!(
                    "`.{}(None)` removes the attempt cap: the operation is retried for ever",
                    call.method
                ),
                "give it a real limit (a handful of attempts), or a total time",
            );
        }
        if call.method == "with_max_elapsed_time" && call.args.len() == 1 && is_none(&call.args[0])
        {
            self.report_no_elapsed_limit(
                method_region(call),
                "`with_max_elapsed_time(None)` removes the backoff policy's only stop",
                "give it a limit: `.with_max_elapsed_time(Some(Duration::from_secs(..)))`",
            );
        }
        if call.method == "with_max_elapsed_time"
            && call.args.len() == 1
            && self.may_be_absent(&call.args[0])
        {
            self.report(
                method_region(call),
                "`with_max_elapsed_time(..)` is given an optional setting: when it is absent the \
                 backoff policy has no stop",
                "fall back to a limit when the setting is absent: \
                 `.with_max_elapsed_time(Some(setting.unwrap_or(DEFAULT_LIMIT)))`",
            );
        }
        syn::visit::visit_expr_method_call(self, call);
    }

    fn visit_expr_call(&mut self, call: &'ast syn::ExprCall) {
        // The crate's own functions, or the tree's wrappers around them
        // (`retry_notify_ext(policy, op, notify)`), given an endless policy.
        let wrapper = || {
            let endless_policy = matches!(call.args.first(), Some(Expr::Call(policy))
                if policy.args.is_empty()
                    && callee(policy).is_some_and(|(_, name)| self.cx.tree.endless_policies.contains(&name)));
            self.libraries.backoff
                && call.args.len() >= 2
                && endless_policy
                && callee(call).is_some_and(|(_, name)| names_retrying(&name))
        };
        if is_backoff_retry(call, self.libraries) || wrapper() {
            self.check_endless_retry(call);
        }
        if self.libraries.tokio_retry {
            if let Some((Some(ty), function)) = callee(call) {
                let retry_type = matches!(ty.as_str(), "Retry" | "RetryIf");
                let starts = matches!(function.as_str(), "spawn" | "start");
                if retry_type && starts {
                    if let Some(strategy) = call.args.first() {
                        if self.uncapped_strategy(strategy) {
                            self.report(
                                Region::of(strategy),
                                "this tokio-retry strategy never runs out, so the operation is \
                                 retried for ever",
                                "cap the strategy with `.take(n)`",
                            );
                        }
                    }
                }
            }
        }
        syn::visit::visit_expr_call(self, call);
    }

    fn visit_expr_assign(&mut self, assign: &'ast syn::ExprAssign) {
        if let Expr::Field(field) = &*assign.left {
            let is_elapsed =
                matches!(&field.member, Member::Named(name) if name == "max_elapsed_time");
            if is_elapsed && self.libraries.backoff && is_none(&assign.right) {
                self.report_no_elapsed_limit(
                    Region::of(assign),
                    "`max_elapsed_time = None` removes the backoff policy's only stop",
                    "give it a limit: `Some(Duration::from_secs(..))`",
                );
            }
        }
        syn::visit::visit_expr_assign(self, assign);
    }

    fn visit_expr_struct(&mut self, node: &'ast ExprStruct) {
        let type_name = node
            .path
            .segments
            .last()
            .map(|seg| seg.ident.to_string())
            .unwrap_or_default();
        for field in &node.fields {
            let Member::Named(name) = &field.member else {
                continue;
            };
            if name == "max_elapsed_time" && is_none(&field.expr) && type_name.contains("Backoff") {
                self.report_no_elapsed_limit(
                    Region::of(field),
                    "`max_elapsed_time: None` removes the backoff policy's only stop",
                    "give it a limit: `max_elapsed_time: Some(Duration::from_secs(..))`",
                );
            }
            if name == "maximum_attempts"
                && is_zero_literal(&field.expr)
                && type_name.contains("Retry")
            {
                self.report(
                    Region::of(field),
                    "`maximum_attempts: 0` means unlimited attempts",
                    "set the number of attempts the work may take",
                );
            }
        }
        syn::visit::visit_expr_struct(self, node);
    }
}

/// `setting.map(Into::into)`, `cfg.limit.and_then(..)`: an `Option` carried over from a setting.
fn maps_an_option(expr: &Expr) -> bool {
    matches!(expr, Expr::MethodCall(call) if matches!(call.method.to_string().as_str(), "map" | "and_then"))
}

/// Whether the line at `line` (1-based) or the one above it holds a comment saying the retries
/// are meant to go on.
fn says_endless_on_purpose(source: &str, line: usize) -> bool {
    crate::intent::lines_between(source, line.saturating_sub(1).max(1), line)
        .lines()
        .filter_map(|text| text.find("//").map(|at| text[at..].to_ascii_lowercase()))
        .any(|comment| {
            [
                "forever",
                "indefinite",
                "infinite",
                "unlimited",
                "never give up",
                "until",
            ]
            .iter()
            .any(|word| comment.contains(word))
                && !crate::intent::flags_a_problem(&comment)
        })
}
