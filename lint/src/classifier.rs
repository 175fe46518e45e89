//! Which code decides whether an error is retried.
//!
//! Classifiers are recognised the way real code writes them:
//! - a `bool` function whose name asks about retrying ([`crate::retry_words::name_polarity`]: either
//!   polarity, `is_retryable` and `is_permanent` alike), or is listed in `triage.toml`;
//! - every `bool` method of an impl of a trait whose name says retry (`CouldRetry`, `RetryPolicy`);
//! - `Classify::verdict`, and any function returning a verdict-like enum (`RetryAction`, `Verdict`)
//!   or a retry-after `Option<Duration>`;
//! - closures and functions given to retry libraries as their condition (backon `.when(..)`,
//!   tokio-retry `RetryIf::spawn(.., .., cond)`, `retry_if`), and closures mapping errors to the
//!   backoff crate's `Error::transient`/`Error::permanent`;
//! - inline decisions: `let can_retry = match err { .. };` (or `matches!(..)`) read by what decides
//!   next: an `if` or `while` condition, a `match` on it, or a match guard.
//!
//! A function only counts when it inspects an error: its receiver's type or one of its parameters
//! looks like an error (`TableOptions::is_transient` reading a map is not a classifier).

use std::collections::HashSet;
use syn::visit::Visit;

use syn::{
    Block, Expr, FnArg, GenericParam, Generics, ItemImpl, ItemTrait, Pat, ReturnType, Signature,
    Stmt, Type, TypeParamBound,
};

use crate::facts::TreeFacts;
use crate::retry_words::{
    name_polarity, trait_decides_retries, variant_answer, verdict_like_type, words, Polarity,
};
use crate::syntax::types::type_name;

pub use crate::retry_words::Answer;
pub(crate) use crate::syntax::patterns::matches_parts;

/// Parameter names that hold an error, or an error's message, whatever their type says.
const ERROR_PARAM_NAMES: &[&str] = &[
    "e",
    "err",
    "error",
    "status",
    "cause",
    "failure",
    "fault",
    "ex",
    "exception",
    "msg",
    "message",
];

/// What kind of classifier a function is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ClassifierKind {
    /// A `bool` answer: `true` means retry, or "do not retry" for a [`Polarity::Final`] name.
    Predicate,
    /// `fn verdict(&self) -> Verdict` in an `impl Classify for T`: `Verdict::Retryable` means retry.
    Verdict,
    /// A verdict-like enum (`RetryAction`, `RetryHint`, backoff's `Error::transient`), judged by
    /// the name of the variant or constructor it answers.
    VerdictLike,
    /// A retry-after `Option<Duration>`: `Some` means retry, `None` means do not.
    RetryAfter,
}

/// The code a classifier's answer comes from.
#[derive(Debug, Clone, Copy)]
pub enum ClassifierBody<'a> {
    /// A function's body.
    Block(&'a Block),
    /// A closure's body or the initialiser of an inline `let can_retry = ..`.
    Expr(&'a Expr),
}

/// One classifier found in a file, borrowing the parsed file.
#[derive(Debug, Clone)]
pub struct Classifier<'a> {
    /// How its answer reads.
    pub kind: ClassifierKind,
    /// Whether `true` means retry or "do not retry".
    pub polarity: Polarity,
    /// The function's signature; `None` for closures and inline decisions.
    pub sig: Option<&'a Signature>,
    /// The code that answers.
    pub body: ClassifierBody<'a>,
    /// How findings name a classifier that is not a function: "the retry condition given to
    /// `.when(..)`", "`can_retry`".
    pub label: Option<String>,
    /// The `Self` type of the impl or the trait the function sits in, by last path segment.
    pub self_type: Option<String>,
    /// The bindings that hold the inspected error: `self` and/or parameter names.
    pub error_inputs: Vec<String>,
    /// For an inline decision bound in a tuple (`let (kind, retryable) = match err { .. }`), the
    /// position of the answer in each tuple the classifier's code gives.
    pub slot: Option<usize>,
}

impl<'a> Classifier<'a> {
    /// The function's name (`is_retryable` for a closure, which has none).
    pub fn name(&self) -> String {
        self.sig
            .map_or_else(|| "is_retryable".to_owned(), |sig| sig.ident.to_string())
    }

    /// `name` for a free function, `Type::name` for a method.
    pub fn qualified_name(&self) -> String {
        match (&self.self_type, self.sig) {
            (Some(ty), Some(sig)) => format!("{ty}::{}", sig.ident),
            _ => self.name(),
        }
    }

    /// How a finding names the classifier, with its code in backticks.
    pub fn describe(&self) -> String {
        match &self.label {
            Some(label) => label.clone(),
            None => format!("`{}`", self.qualified_name()),
        }
    }

    /// Walks the classifier's code with `visitor`.
    pub fn visit_body<V: Visit<'a>>(&self, visitor: &mut V) {
        match self.body {
            ClassifierBody::Block(block) => visitor.visit_block(block),
            ClassifierBody::Expr(expr) => visitor.visit_expr(expr),
        }
    }

    /// The answer to "retry this error?" a constant expression gives in this classifier,
    /// looking through blocks, parentheses and `return`, with the name's polarity applied:
    /// `true` in `is_permanent` is [`Answer::DoNotRetry`].
    pub fn answer(&self, expr: &Expr) -> Option<Answer> {
        self.answer_in(expr, self.slot)
    }

    /// [`Classifier::answer`], reading element `slot` of the tuple the code gives, if any.
    fn answer_in(&self, expr: &Expr, slot: Option<usize>) -> Option<Answer> {
        let raw = match expr {
            Expr::Paren(inner) => return self.answer_in(&inner.expr, slot),
            Expr::Group(inner) => return self.answer_in(&inner.expr, slot),
            Expr::Return(ret) => return self.answer_in(ret.expr.as_deref()?, slot),
            Expr::Block(block) => return self.block_answer_in(&block.block, slot),
            Expr::Tuple(tuple) if slot.is_some() => {
                return self.answer_in(tuple.elems.iter().nth(slot?)?, None);
            }
            _ if slot.is_some() => return None,
            _ => match self.kind {
                ClassifierKind::Predicate | ClassifierKind::Verdict => constant_answer(expr)?,
                ClassifierKind::VerdictLike => verdict_like_answer(expr)?,
                ClassifierKind::RetryAfter => match expr {
                    Expr::Path(path) if path.path.is_ident("None") => Answer::DoNotRetry,
                    Expr::Call(call) if matches!(&*call.func, Expr::Path(p) if p.path.is_ident("Some")) => {
                        Answer::Retry
                    }
                    _ => return None,
                },
            },
        };
        Some(match (self.kind, self.polarity) {
            (ClassifierKind::Predicate, Polarity::Final) => raw.opposite(),
            _ => raw,
        })
    }

    /// The answer a block ends with (see [`Classifier::answer`]).
    pub fn block_answer(&self, block: &Block) -> Option<Answer> {
        self.block_answer_in(block, self.slot)
    }

    fn block_answer_in(&self, block: &Block, slot: Option<usize>) -> Option<Answer> {
        match block.stmts.last()? {
            Stmt::Expr(expr, None) => self.answer_in(expr, slot),
            Stmt::Expr(expr @ Expr::Return(_), Some(_)) => self.answer_in(expr, slot),
            _ => None,
        }
    }

    /// The answer `true` gives in this classifier: retry, or "do not" for an inverted name.
    pub fn answer_of_true(&self) -> Answer {
        match self.polarity {
            Polarity::Retry => Answer::Retry,
            Polarity::Final => Answer::DoNotRetry,
        }
    }
}

/// The answer of a verdict-like value: a variant path (`RetryAction::NoActionIndicated`) or a
/// constructor call (`RetryAction::transient_error()`, `backoff::Error::permanent(err)`,
/// `RetryHint::RetryAfter(d)`), by the variant's or constructor's name.
fn verdict_like_answer(expr: &Expr) -> Option<Answer> {
    let path = match expr {
        Expr::Path(path) => &path.path,
        Expr::Call(call) => match &*call.func {
            Expr::Path(path) => &path.path,
            _ => return None,
        },
        Expr::Struct(strukt) => &strukt.path,
        _ => return None,
    };
    if path.segments.len() < 2 {
        return None;
    }
    variant_answer(&path.segments.last()?.ident.to_string())
}

/// The constant answer an expression gives, looking through blocks, parentheses and `return`:
/// `true`/`Verdict::Retryable` is [`Answer::Retry`], `false`/`Verdict::Terminal` is
/// [`Answer::DoNotRetry`], anything computed is `None`.
pub fn constant_answer(expr: &Expr) -> Option<Answer> {
    match expr {
        Expr::Lit(lit) => match &lit.lit {
            syn::Lit::Bool(b) if b.value => Some(Answer::Retry),
            syn::Lit::Bool(_) => Some(Answer::DoNotRetry),
            _ => None,
        },
        Expr::Path(path) => match path.path.segments.last()?.ident.to_string().as_str() {
            "Retryable" => Some(Answer::Retry),
            "Terminal" => Some(Answer::DoNotRetry),
            _ => None,
        },
        Expr::Paren(inner) => constant_answer(&inner.expr),
        Expr::Group(inner) => constant_answer(&inner.expr),
        Expr::Return(ret) => constant_answer(ret.expr.as_deref()?),
        Expr::Block(block) => block_answer(&block.block),
        _ => None,
    }
}

/// The constant answer a block ends with: its tail expression or a final `return X;`, after any
/// statements (`{ warn!("unknown error"); true }` answers retry).
pub fn block_answer(block: &Block) -> Option<Answer> {
    match block.stmts.last()? {
        Stmt::Expr(expr, None) => constant_answer(expr),
        Stmt::Expr(expr @ Expr::Return(_), Some(_)) => constant_answer(expr),
        _ => None,
    }
}

/// Every classifier in a file, in source order, nested modules and functions included.
pub fn find_classifiers<'a>(file: &'a syn::File, tree: &TreeFacts) -> Vec<Classifier<'a>> {
    let mut conditions = ConditionNames::default();
    conditions.visit_file(file);
    let mut finder = ClassifierFinder {
        tree,
        condition_fns: conditions.0,
        scope: Vec::new(),
        found: Vec::new(),
    };
    finder.visit_file(file);
    finder.found
}

/// The enclosing item of a function: an impl, a trait, or nothing.
struct Scope<'a> {
    self_type: Option<String>,
    self_is_error: bool,
    is_classify_impl: bool,
    /// An impl of a trait whose name says retry: every `bool` method decides retries.
    is_retry_trait: bool,
    generics: Option<&'a Generics>,
}

/// Methods (or functions) whose closure or function argument is a retry condition.
fn condition_position(name: &str) -> bool {
    matches!(name, "when" | "retry_if" | "retry_when" | "with_retry_if")
}

/// The condition argument of a call, when the call takes one: the third argument of tokio-retry's
/// `RetryIf::spawn(strategy, action, condition)`, the only one of `retry_if(cond)`.
fn condition_argument(call: &syn::ExprCall) -> Option<&Expr> {
    let Expr::Path(path) = &*call.func else {
        return None;
    };
    let mut segments = path.path.segments.iter().rev();
    let last = segments.next()?.ident.to_string();
    let before = segments.next().map(|seg| seg.ident.to_string());
    match (before.as_deref(), last.as_str()) {
        (Some("RetryIf"), "spawn" | "start" | "new") => call.args.iter().nth(2),
        (_, name) if condition_position(name) => call.args.last(),
        _ => None,
    }
}

/// Whether a method call is a retry library's condition: `.when(..)` on a chain that retries
/// (`op.retry(b).when(..)`, `retryable.when(..)`), or `.retry_if(..)`.
fn method_takes_condition(call: &syn::ExprMethodCall) -> bool {
    let name = call.method.to_string();
    if name != "when" {
        return condition_position(&name);
    }
    let mut receiver = &*call.receiver;
    loop {
        match receiver {
            Expr::MethodCall(inner) => {
                if words(&inner.method.to_string())
                    .iter()
                    .any(|w| w == "retry")
                {
                    return true;
                }
                receiver = &inner.receiver;
            }
            Expr::Path(path) => {
                return path
                    .path
                    .get_ident()
                    .is_some_and(|ident| ident.to_string().to_ascii_lowercase().contains("retr"))
            }
            Expr::Paren(paren) => receiver = &paren.expr,
            _ => return false,
        }
    }
}

/// Names of functions passed by path as retry conditions (`.when(retry_on)`).
#[derive(Default)]
struct ConditionNames(HashSet<String>);

impl ConditionNames {
    fn record(&mut self, arg: &Expr) {
        if let Expr::Path(path) = arg {
            if let Some(last) = path.path.segments.last() {
                self.0.insert(last.ident.to_string());
            }
        }
    }
}

impl<'ast> Visit<'ast> for ConditionNames {
    fn visit_expr_method_call(&mut self, call: &'ast syn::ExprMethodCall) {
        if call.args.len() == 1 && method_takes_condition(call) {
            self.record(&call.args[0]);
        }
        syn::visit::visit_expr_method_call(self, call);
    }

    fn visit_expr_call(&mut self, call: &'ast syn::ExprCall) {
        if let Some(arg) = condition_argument(call) {
            self.record(arg);
        }
        syn::visit::visit_expr_call(self, call);
    }
}

struct ClassifierFinder<'a, 't> {
    tree: &'t TreeFacts,
    condition_fns: HashSet<String>,
    scope: Vec<Scope<'a>>,
    found: Vec<Classifier<'a>>,
}

impl<'a> ClassifierFinder<'a, '_> {
    fn consider(&mut self, sig: &'a Signature, body: &'a Block) {
        let scope = self.scope.last();
        let name = sig.ident.to_string();
        let in_classify_impl = scope.is_some_and(|s| s.is_classify_impl);
        let in_retry_trait = scope.is_some_and(|s| s.is_retry_trait);
        let polarity = name_polarity(&name);
        let returned = match &sig.output {
            ReturnType::Type(_, ty) => type_name(ty),
            ReturnType::Default => None,
        };
        let (kind, polarity) = if in_classify_impl && sig.ident == "verdict" {
            (ClassifierKind::Verdict, Polarity::Retry)
        } else if returns_bool(sig) {
            let listed = self.tree.is_classifier_name(&name) || self.condition_fns.contains(&name);
            if polarity.is_none() && !listed && !in_retry_trait {
                return;
            }
            (
                ClassifierKind::Predicate,
                polarity.unwrap_or(Polarity::Retry),
            )
        } else if returned.as_deref().is_some_and(verdict_like_type) {
            (ClassifierKind::VerdictLike, Polarity::Retry)
        } else if returns_option_duration(sig)
            && words(&name)
                .iter()
                .any(|w| matches!(w.as_str(), "retry" | "backoff"))
        {
            (ClassifierKind::RetryAfter, Polarity::Retry)
        } else {
            return;
        };
        let outer_generics = scope.and_then(|s| s.generics);
        // `is_terminal`, `is_final`: asked of a lifecycle state, these words mean "finished", not
        // "do not retry"; only a retry-worded name makes a classifier of such a state.
        let end_state_question =
            kind == ClassifierKind::Predicate && polarity == Polarity::Final && !in_retry_trait;
        let mut error_inputs = Vec::new();
        let mut has_receiver = false;
        for input in &sig.inputs {
            match input {
                FnArg::Receiver(_) => {
                    has_receiver = true;
                    let self_is_state = end_state_question
                        && scope
                            .and_then(|s| s.self_type.as_deref())
                            .is_some_and(|name| lifecycle_state(name, self.tree));
                    if in_classify_impl
                        || (scope.is_some_and(|s| s.self_is_error) && !self_is_state)
                    {
                        error_inputs.push("self".to_owned());
                    }
                }
                FnArg::Typed(typed) => {
                    let binding = match &*typed.pat {
                        Pat::Ident(ident) => Some(ident.ident.to_string()),
                        _ => None,
                    };
                    let by_name = binding.as_deref().is_some_and(|b| {
                        ERROR_PARAM_NAMES.contains(&b)
                            || b.ends_with("_err")
                            || b.ends_with("_error")
                    });
                    let by_type =
                        self.looks_like_error(&typed.ty, &[&sig.generics], outer_generics);
                    let is_state = end_state_question
                        && type_name(&typed.ty)
                            .is_some_and(|name| lifecycle_state(&name, self.tree));
                    if (by_name || by_type) && !is_state {
                        error_inputs.push(binding.unwrap_or_else(|| "_".to_owned()));
                    }
                }
            }
        }
        // A retry trait implemented for a type asks that type (`impl CouldRetry for io::Error`).
        if error_inputs.is_empty() && has_receiver && in_retry_trait {
            error_inputs.push("self".to_owned());
        }
        if error_inputs.is_empty() {
            return;
        }
        self.found.push(Classifier {
            kind,
            polarity,
            sig: Some(sig),
            body: ClassifierBody::Block(body),
            label: None,
            self_type: scope.and_then(|s| s.self_type.clone()),
            error_inputs,
            slot: None,
        });
    }

    /// A closure given to a retry library as its condition.
    fn consider_condition(&mut self, arg: &'a Expr, label: String) {
        let Expr::Closure(closure) = arg else {
            return;
        };
        let error_inputs: Vec<String> = closure
            .inputs
            .iter()
            .filter_map(|input| match input {
                Pat::Ident(ident) => Some(ident.ident.to_string()),
                Pat::Type(typed) => match &*typed.pat {
                    Pat::Ident(ident) => Some(ident.ident.to_string()),
                    _ => None,
                },
                Pat::Reference(r) => match &*r.pat {
                    Pat::Ident(ident) => Some(ident.ident.to_string()),
                    _ => None,
                },
                _ => None,
            })
            .collect();
        if error_inputs.len() != 1 {
            return;
        }
        self.found.push(Classifier {
            kind: ClassifierKind::Predicate,
            polarity: Polarity::Retry,
            sig: None,
            body: ClassifierBody::Expr(&closure.body),
            label: Some(label),
            self_type: None,
            error_inputs,
            slot: None,
        });
    }

    /// A `map_err` closure that sorts errors into the backoff crate's transient and permanent ones.
    fn consider_backoff_mapping(&mut self, call: &'a syn::ExprMethodCall) {
        let Some(Expr::Closure(closure)) = call.args.first() else {
            return;
        };
        if call.method != "map_err" || !maps_to_backoff_kinds(&closure.body) {
            return;
        }
        let error_inputs: Vec<String> = closure
            .inputs
            .iter()
            .filter_map(|input| match input {
                Pat::Ident(ident) => Some(ident.ident.to_string()),
                _ => None,
            })
            .collect();
        self.found.push(Classifier {
            kind: ClassifierKind::VerdictLike,
            polarity: Polarity::Retry,
            sig: None,
            body: ClassifierBody::Expr(&closure.body),
            label: Some("the error mapping to `backoff::Error::transient`".to_owned()),
            self_type: None,
            error_inputs,
            slot: None,
        });
    }

    /// `let can_retry = match err { .. };` read later by a decision on `can_retry`.
    fn consider_inline(&mut self, stmts: &'a [Stmt]) {
        for (index, stmt) in stmts.iter().enumerate() {
            let Stmt::Local(local) = stmt else {
                continue;
            };
            let Some(init) = &local.init else {
                continue;
            };
            // `let can_retry = ..`, or one retry-worded binding of a tuple:
            // `let (kind, retryable) = match err { .. }`.
            let (name, slot) = match &local.pat {
                Pat::Ident(ident) => (ident.ident.to_string(), None),
                Pat::Tuple(tuple) => {
                    let Some((slot, ident)) =
                        tuple.elems.iter().enumerate().find_map(|(i, p)| match p {
                            Pat::Ident(ident)
                                if name_polarity(&ident.ident.to_string()).is_some() =>
                            {
                                Some((i, ident))
                            }
                            _ => None,
                        })
                    else {
                        continue;
                    };
                    (ident.ident.to_string(), Some(slot))
                }
                _ => continue,
            };
            let Some(polarity) = name_polarity(&name) else {
                continue;
            };
            let Some(scrutinee) = decision_scrutinee(&init.expr) else {
                continue;
            };
            let decided = stmts[index + 1..]
                .iter()
                .any(|later| decision_reads(later, &name));
            if !decided {
                continue;
            }
            self.found.push(Classifier {
                kind: ClassifierKind::Predicate,
                polarity,
                sig: None,
                body: ClassifierBody::Expr(&init.expr),
                label: Some(format!("`{name}`")),
                self_type: self.scope.last().and_then(|s| s.self_type.clone()),
                error_inputs: root_names(scrutinee),
                slot,
            });
        }
    }

    fn looks_like_error(
        &self,
        ty: &Type,
        generics: &[&Generics],
        outer: Option<&Generics>,
    ) -> bool {
        match ty {
            Type::Reference(r) => return self.looks_like_error(&r.elem, generics, outer),
            Type::Paren(p) => return self.looks_like_error(&p.elem, generics, outer),
            Type::TraitObject(obj) => return bounds_mention_error(obj.bounds.iter()),
            Type::ImplTrait(imp) => {
                return bounds_mention_error(imp.bounds.iter())
                    || bounds_mention_retry_trait(imp.bounds.iter())
            }
            _ => {}
        }
        let Some(name) = type_name(ty) else {
            return false;
        };
        if name_looks_like_error(&name, self.tree) {
            return true;
        }
        generics
            .iter()
            .copied()
            .chain(outer)
            .any(|g| generic_bound_mentions_error(g, &name))
    }
}

/// The value an inline decision inspects: the scrutinee of `match err { .. }`, the expression of
/// `matches!(err, ..)` (negated or not), or the condition of an `if`.
fn decision_scrutinee(expr: &Expr) -> Option<&Expr> {
    match expr {
        Expr::Match(m) => Some(&m.expr),
        Expr::If(i) => Some(&i.cond),
        Expr::Unary(u) => decision_scrutinee(&u.expr),
        Expr::Paren(p) => decision_scrutinee(&p.expr),
        Expr::Macro(m) if m.mac.path.is_ident("matches") => Some(expr),
        _ => None,
    }
}

/// The variables an expression reads (`err` in `err.kind()`, `e` in `e.without_context()`).
pub fn root_names(expr: &Expr) -> Vec<String> {
    struct Roots(Vec<String>);
    impl<'ast> Visit<'ast> for Roots {
        fn visit_expr_path(&mut self, path: &'ast syn::ExprPath) {
            if let Some(ident) = path.path.get_ident() {
                self.0.push(ident.to_string());
            }
        }
        fn visit_macro(&mut self, mac: &'ast syn::Macro) {
            if let Ok(first) = mac.parse_body_with(|input: syn::parse::ParseStream<'_>| {
                let expr: Expr = input.parse()?;
                input.parse::<proc_macro2::TokenStream>()?;
                Ok(expr)
            }) {
                self.0.extend(root_names(&first));
            }
        }
    }
    let mut roots = Roots(Vec::new());
    roots.visit_expr(expr);
    roots.0
}

/// The scrutinee of an unguarded `matches!(..)` expression.
pub fn matches_scrutinee(expr: &Expr) -> Option<Expr> {
    match expr {
        Expr::Macro(mac) => match matches_parts(&mac.mac)? {
            (scrutinee, _, false) => Some(scrutinee),
            _ => None,
        },
        Expr::Paren(paren) => matches_scrutinee(&paren.expr),
        _ => None,
    }
}

/// The expressions a classifier answers with: its body's tail (or the closure's body) and the
/// value of every `return`, outside nested closures and items.
pub fn answer_exprs<'a>(classifier: &Classifier<'a>) -> Vec<&'a Expr> {
    struct Returns<'a>(Vec<&'a Expr>);
    impl<'a> Visit<'a> for Returns<'a> {
        fn visit_expr_return(&mut self, node: &'a syn::ExprReturn) {
            if let Some(expr) = &node.expr {
                self.0.push(expr);
            }
            syn::visit::visit_expr_return(self, node);
        }
        fn visit_expr_closure(&mut self, _: &'a syn::ExprClosure) {}
        fn visit_item(&mut self, _: &'a syn::Item) {}
    }
    let mut returns = Returns(Vec::new());
    let tail = match classifier.body {
        ClassifierBody::Block(block) => {
            returns.visit_block(block);
            match block.stmts.last() {
                Some(Stmt::Expr(expr, None)) => Some(expr),
                _ => None,
            }
        }
        ClassifierBody::Expr(expr) => {
            returns.visit_expr(expr);
            match expr {
                Expr::Block(block) => match block.block.stmts.last() {
                    Some(Stmt::Expr(expr, None)) => Some(expr),
                    _ => None,
                },
                other => Some(other),
            }
        }
    };
    returns.0.extend(tail);
    returns.0
}

/// Whether a statement decides on `name`: an `if` or `while` condition (`&&` chains included), a
/// `match` scrutinee or a match guard (`Some(delay) if can_retry =>`) reads it.
fn decision_reads(stmt: &Stmt, name: &str) -> bool {
    struct Finder<'n> {
        name: &'n str,
        found: bool,
    }
    impl<'ast> Visit<'ast> for Finder<'_> {
        fn visit_expr_if(&mut self, node: &'ast syn::ExprIf) {
            if root_names(&node.cond).iter().any(|n| n == self.name) {
                self.found = true;
            }
            syn::visit::visit_expr_if(self, node);
        }
        fn visit_expr_while(&mut self, node: &'ast syn::ExprWhile) {
            if root_names(&node.cond).iter().any(|n| n == self.name) {
                self.found = true;
            }
            syn::visit::visit_expr_while(self, node);
        }
        fn visit_expr_match(&mut self, node: &'ast syn::ExprMatch) {
            if root_names(&node.expr).iter().any(|n| n == self.name) {
                self.found = true;
            }
            syn::visit::visit_expr_match(self, node);
        }
        fn visit_arm(&mut self, arm: &'ast syn::Arm) {
            if let Some((_, guard)) = &arm.guard {
                if root_names(guard).iter().any(|n| n == self.name) {
                    self.found = true;
                }
            }
            syn::visit::visit_arm(self, arm);
        }
    }
    let mut finder = Finder { name, found: false };
    finder.visit_stmt(stmt);
    finder.found
}

/// Whether a closure body answers with the backoff crate's `Error::transient(..)` or
/// `Error::permanent(..)`.
fn maps_to_backoff_kinds(body: &Expr) -> bool {
    struct Kinds(bool);
    impl<'ast> Visit<'ast> for Kinds {
        fn visit_expr_call(&mut self, call: &'ast syn::ExprCall) {
            if let Expr::Path(path) = &*call.func {
                let segments: Vec<String> = path
                    .path
                    .segments
                    .iter()
                    .map(|seg| seg.ident.to_string())
                    .collect();
                if let [.., kind_of, kind] = segments.as_slice() {
                    if matches!(kind_of.as_str(), "Error" | "BackoffError")
                        && matches!(kind.as_str(), "transient" | "permanent")
                    {
                        self.0 = true;
                    }
                }
            }
            syn::visit::visit_expr_call(self, call);
        }
    }
    let mut kinds = Kinds(false);
    kinds.visit_expr(body);
    kinds.0
}

impl<'a> Visit<'a> for ClassifierFinder<'a, '_> {
    fn visit_item_impl(&mut self, item: &'a ItemImpl) {
        let self_type = type_name(&item.self_ty);
        let trait_name = item
            .trait_
            .as_ref()
            .and_then(|(_, path, _)| path.segments.last())
            .map(|seg| seg.ident.to_string());
        let is_classify_impl = trait_name.as_deref() == Some("Classify");
        let is_retry_trait = trait_name.as_deref().is_some_and(trait_decides_retries);
        let self_is_error = is_classify_impl
            || self_type
                .as_deref()
                .is_some_and(|name| name_looks_like_error(name, self.tree))
            || generic_bound_mentions_error(&item.generics, self_type.as_deref().unwrap_or(""));
        self.scope.push(Scope {
            self_type,
            self_is_error,
            is_classify_impl,
            is_retry_trait,
            generics: Some(&item.generics),
        });
        syn::visit::visit_item_impl(self, item);
        self.scope.pop();
    }

    fn visit_item_trait(&mut self, item: &'a ItemTrait) {
        let self_is_error = bounds_mention_error(item.supertraits.iter())
            || name_looks_like_error(&item.ident.to_string(), self.tree);
        self.scope.push(Scope {
            self_type: Some(item.ident.to_string()),
            self_is_error,
            is_classify_impl: false,
            is_retry_trait: false,
            generics: Some(&item.generics),
        });
        syn::visit::visit_item_trait(self, item);
        self.scope.pop();
    }

    fn visit_item_mod(&mut self, item: &'a syn::ItemMod) {
        // An inline module starts a fresh scope even inside a function inside an impl.
        let saved = std::mem::take(&mut self.scope);
        syn::visit::visit_item_mod(self, item);
        self.scope = saved;
    }

    fn visit_item_fn(&mut self, item: &'a syn::ItemFn) {
        let saved = std::mem::take(&mut self.scope);
        self.consider(&item.sig, &item.block);
        syn::visit::visit_item_fn(self, item);
        self.scope = saved;
    }

    fn visit_impl_item_fn(&mut self, item: &'a syn::ImplItemFn) {
        self.consider(&item.sig, &item.block);
        // Items nested in the body do not belong to the impl.
        let saved = std::mem::take(&mut self.scope);
        syn::visit::visit_impl_item_fn(self, item);
        self.scope = saved;
    }

    fn visit_trait_item_fn(&mut self, item: &'a syn::TraitItemFn) {
        if let Some(body) = &item.default {
            self.consider(&item.sig, body);
        }
        let saved = std::mem::take(&mut self.scope);
        syn::visit::visit_trait_item_fn(self, item);
        self.scope = saved;
    }

    fn visit_block(&mut self, block: &'a Block) {
        self.consider_inline(&block.stmts);
        syn::visit::visit_block(self, block);
    }

    fn visit_expr_method_call(&mut self, call: &'a syn::ExprMethodCall) {
        if call.args.len() == 1 && method_takes_condition(call) {
            let label = format!("the retry condition given to `.{}(..)`", call.method);
            self.consider_condition(&call.args[0], label);
        }
        self.consider_backoff_mapping(call);
        syn::visit::visit_expr_method_call(self, call);
    }

    fn visit_expr_call(&mut self, call: &'a syn::ExprCall) {
        if let Some(arg) = condition_argument(call) {
            self.consider_condition(arg, "the retry condition".to_owned());
        }
        syn::visit::visit_expr_call(self, call);
    }
}

fn returns_option_duration(sig: &Signature) -> bool {
    let ReturnType::Type(_, ty) = &sig.output else {
        return false;
    };
    let Type::Path(path) = &**ty else {
        return false;
    };
    let Some(last) = path.path.segments.last() else {
        return false;
    };
    if last.ident != "Option" {
        return false;
    }
    let syn::PathArguments::AngleBracketed(args) = &last.arguments else {
        return false;
    };
    matches!(args.args.first(), Some(syn::GenericArgument::Type(inner))
        if type_name(inner).as_deref() == Some("Duration"))
}

fn bounds_mention_retry_trait<'b>(mut bounds: impl Iterator<Item = &'b TypeParamBound>) -> bool {
    bounds.any(|bound| match bound {
        TypeParamBound::Trait(t) => t
            .path
            .segments
            .last()
            .is_some_and(|seg| trait_decides_retries(&seg.ident.to_string())),
        _ => false,
    })
}

fn returns_bool(sig: &Signature) -> bool {
    match &sig.output {
        ReturnType::Type(_, ty) => {
            matches!(&**ty, Type::Path(p) if p.qself.is_none() && p.path.is_ident("bool"))
        }
        ReturnType::Default => false,
    }
}

/// A type name that says "error": known to the tree as one, or named like one.
fn name_looks_like_error(name: &str, tree: &TreeFacts) -> bool {
    tree.error_types.contains(name)
        || name.contains("Error")
        || name.contains("Err")
        || name.ends_with("Status")
        || name.ends_with("Failure")
        || name.ends_with("Fault")
        || name.ends_with("Exception")
}

/// A lifecycle state rather than an error: a type of the tree's own named `..Status`
/// (`JobStatus { Running, Done, Failed }`) that is not an error type. A foreign `Status` (a gRPC
/// status) is the failure of a call and keeps counting as an error.
fn lifecycle_state(name: &str, tree: &TreeFacts) -> bool {
    name.ends_with("Status")
        && !name.contains("Err")
        && tree.local_types.contains(name)
        && !tree.error_types.contains(name)
}

fn bounds_mention_error<'b>(mut bounds: impl Iterator<Item = &'b TypeParamBound>) -> bool {
    bounds.any(|bound| match bound {
        TypeParamBound::Trait(t) => {
            t.path.segments.last().is_some_and(|seg| {
                seg.ident.to_string().contains("Error") || seg.ident == "Classify"
            })
        }
        _ => false,
    })
}

/// Whether `name` is a type parameter of `generics` bounded by an error trait (inline or in `where`).
fn generic_bound_mentions_error(generics: &Generics, name: &str) -> bool {
    let inline = generics.params.iter().any(|param| match param {
        GenericParam::Type(t) => t.ident == name && bounds_mention_error(t.bounds.iter()),
        _ => false,
    });
    let in_where = generics.where_clause.as_ref().is_some_and(|clause| {
        clause.predicates.iter().any(|pred| match pred {
            syn::WherePredicate::Type(p) => {
                type_name(&p.bounded_ty).as_deref() == Some(name)
                    && bounds_mention_error(p.bounds.iter())
            }
            _ => false,
        })
    });
    inline || in_where
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names(source: &str) -> Vec<String> {
        let file = syn::parse_file(source).unwrap();
        let tree = TreeFacts::with_default_classifier_names();
        find_classifiers(&file, &tree)
            .iter()
            .map(Classifier::qualified_name)
            .collect()
    }

    #[test]
    fn a_method_on_an_error_type_is_a_classifier() {
        let found = names("impl StoreError { fn is_retryable(&self) -> bool { true } }");
        assert_eq!(found, ["StoreError::is_retryable"]);
    }

    #[test]
    fn a_free_function_over_a_status_is_a_classifier() {
        let found = names("fn should_retry(status: &tonic::Status) -> bool { false }");
        assert_eq!(found, ["should_retry"]);
    }

    #[test]
    fn a_generic_error_parameter_counts() {
        let found = names("fn retry_on<E: std::error::Error>(x: &E) -> bool { false }");
        assert_eq!(found, ["retry_on"]);
    }

    #[test]
    fn a_method_reading_a_map_is_not_a_classifier() {
        let found = names(
            "impl TableOptions { fn is_transient(&self) -> bool { self.map.contains_key(\"t\") } }",
        );
        assert!(found.is_empty(), "{found:?}");
    }

    #[test]
    fn a_function_not_returning_bool_is_not_a_classifier() {
        assert!(names("fn is_retryable(err: &Error) -> u8 { 1 }").is_empty());
    }

    #[test]
    fn classify_verdict_impls_are_classifiers() {
        let source =
            "impl Classify for Anything { fn verdict(&self) -> Verdict { Verdict::Terminal } }";
        let file = syn::parse_file(source).unwrap();
        let tree = TreeFacts::with_default_classifier_names();
        let found = find_classifiers(&file, &tree);
        assert_eq!(found.len(), 1);
        assert_eq!(found[0].kind, ClassifierKind::Verdict);
        assert_eq!(found[0].error_inputs, ["self"]);
    }

    #[test]
    fn constant_answers_look_through_blocks_and_returns() {
        let answer = |src: &str| constant_answer(&syn::parse_str::<Expr>(src).unwrap());
        assert_eq!(answer("{ return true; }"), Some(Answer::Retry));
        assert_eq!(answer("Verdict::Terminal"), Some(Answer::DoNotRetry));
        assert_eq!(answer("(false)"), Some(Answer::DoNotRetry));
        assert_eq!(answer("e.is_retryable()"), None);
    }
}
