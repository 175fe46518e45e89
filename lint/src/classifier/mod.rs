//! Which code decides whether an error is retried.
//!
//! Classifiers are recognised the way real code writes them:
//! - a `bool` function whose name asks about retrying ([`crate::retry_words::name_polarity`]: either
//!   polarity, `is_retryable` and `is_permanent` alike), or is listed in `triage.toml`;
//! - every `bool` method of an impl of a trait whose name says retry (`CouldRetry`, `RetryPolicy`),
//!   except one named for turning to something else (`should_try_next_url`, a fallback);
//! - `Classify::verdict`, and any function returning a verdict-like enum (`RetryAction`, `Verdict`,
//!   or an enum of the tree, not an error type, whose variants name both answers:
//!   `RetryableErr`/`NonRetryableErr`) or a retry-after `Option<Duration>` it decides (one that
//!   only hands back the delay a variant carries is an accessor, see [`accessor`]);
//! - a function whose name asks about retrying and that answers with an enum of the tree, not an
//!   error type (`fn should_retry_send(e: &SendError) -> RecoveryStep`), judged by its variants;
//! - closures and functions given to retry libraries as their condition (backon `.when(..)`,
//!   tokio-retry `RetryIf::spawn(.., .., cond)`, `retry_if`), and closures mapping errors to the
//!   backoff crate's `Error::transient`/`Error::permanent`;
//! - a `bool` function or method, whatever its name, that a retry decision of the tree asks of an
//!   error (`Err(err) if is_network_like(&err) => { sleep(..); continue }`, or in a loop
//!   `if error.may_be_stale() { refresh() } else { return Err(error) }`), its polarity taken from
//!   that use (see [`crate::facts::TreeFacts::retry_conditions`]); one that only tells a single
//!   variant (`matches!(self, E::NotFound)`) defines that case and is left out;
//! - inline decisions: `let can_retry = match err { .. };` (or `matches!(..)`) read by what decides
//!   next: an `if` or `while` condition, a `match` on it, or a match guard.
//!
//! A function marked `#[allow(dead_code)]` (or `#[expect(dead_code)]`) decides nothing and is
//! skipped. A function only counts when it inspects an error: its receiver's type or one of its parameters
//! looks like an error, or holds a call's outcome (`Result<R, HttpError>`); `TableOptions::
//! is_transient` reading a map is not a classifier.
//!
//! This module holds what a classifier is and what it answers; finding them is in [`find`] (with
//! retry libraries' conditions in [`conditions`] and what signatures say in [`signature`]).

use quote::ToTokens;
use syn::visit::Visit;

use syn::{Block, Expr, Signature, Stmt};

use crate::retry_words::{opens_with_question, variant_answer, Polarity};

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

/// Where a classifier is written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Origin {
    /// A function or method: the classification of its error type.
    Function,
    /// A closure given to one retry call as its condition (`.when(|e| ..)`): what that call
    /// waits out.
    RetryCondition,
    /// A closure mapping errors to the backoff crate's transient and permanent errors.
    ErrorMapping,
    /// An inline decision: `let can_retry = match err { .. };`.
    Inline,
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
    /// Where it is written.
    pub origin: Origin,
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
    /// Whether every binding that holds the inspected error is named as unused (`_error`): the
    /// answer is worked out from something else (attempts, elapsed time).
    pub fn ignores_the_error(&self) -> bool {
        if self.error_inputs.is_empty()
            || !self
                .error_inputs
                .iter()
                .all(|binding| binding.len() > 1 && binding.starts_with('_'))
        {
            return false;
        }
        // Named as unused, but read all the same (`match _error { .. }`): it is looked at.
        let tokens = match self.body {
            ClassifierBody::Block(block) => block.to_token_stream(),
            ClassifierBody::Expr(expr) => expr.to_token_stream(),
        };
        !crate::syntax::names::tokens_mention(&tokens, &|name| {
            self.error_inputs.iter().any(|binding| binding == name)
        })
    }

    /// The doc comment of a classifier function, lowercased and joined into one line in reading
    /// order (empty when it has none); `None` for a closure or an inline decision.
    pub fn doc_comment(&self, source: &str) -> Option<String> {
        let sig = self.sig?;
        let fn_line = crate::finding::Region::of(sig).line;
        // Only the lines above the function are read.
        let lines: Vec<&str> = source.lines().take(fn_line.saturating_sub(1)).collect();
        let mut doc: Vec<&str> = lines
            .iter()
            .rev()
            .map(|line| line.trim_start())
            .take_while(|line| line.starts_with("///") || line.starts_with("#[") || line.is_empty())
            .filter_map(|line| line.strip_prefix("///"))
            .collect();
        // Read upwards; sentences run across lines in reading order.
        doc.reverse();
        Some(doc.join(" ").to_lowercase())
    }

    /// Whether the doc comment of a classifier function says it is only used for what is shown
    /// (`/// Only used for printing.`, `/// For logging purposes only.`): its answer drives no
    /// retry, whatever it answers.
    pub fn documented_as_display_only(&self, source: &str) -> bool {
        self.doc_comment(source)
            .is_some_and(|doc| purpose::says_display_only_in(&doc))
    }

    /// Whether the function only tests one variant and its doc comment says so by naming it as
    /// what the value is (`/// Returns true if this is a `NotYetVisible` error`, over `matches!(self.kind,
    /// Kind::NotYetVisible { .. })`): it defines that variant's case, whatever its name asks, and
    /// the variants it leaves out are not caught by a catch-all.
    pub fn documents_its_one_variant(&self, source: &str) -> bool {
        let ClassifierBody::Block(body) = self.body else {
            return false;
        };
        let Some(variant) = signature::tested_variant(body)
            .and_then(|pat| crate::syntax::patterns::variant_name(&pat))
        else {
            return false;
        };
        let variant = variant.to_lowercase();
        self.doc_comment(source).is_some_and(|doc| {
            ["is a", "is an", "is"]
                .iter()
                .any(|verb| doc.contains(&format!("{verb} `{variant}`")))
        })
    }

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

/// The answer of a verdict-like value: a variant path (`RetryAction::NoActionIndicated`, or
/// `RetryableErr(e)` after `use CategorizedResponse::*`) or a constructor call
/// (`RetryAction::transient_error()`, `backoff::Error::permanent(err)`, `RetryHint::RetryAfter(d)`),
/// by the variant's or constructor's name.
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
    let name = path.segments.last()?.ident.to_string();
    // A lone name answers only as a variant brought in by a `use Enum::*` (`RetryableErr(e)`),
    // not as a function of the file (`retry_later(e)`).
    if path.segments.len() < 2 && !name.starts_with(|c: char| c.is_ascii_uppercase()) {
        return None;
    }
    // `Self::should_retry_send(e)` hands the error to another classifier: what it answers is not
    // written here. A variant (`Decision::ShouldRetry`) is an answer whatever its words.
    if name.starts_with(|c: char| c.is_ascii_lowercase()) && opens_with_question(&name) {
        return None;
    }
    variant_answer(&name)
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

mod accessor;
mod conditions;
mod find;
mod inline;
mod purpose;
mod signature;
#[cfg(test)]
mod tests;

pub use find::find_classifiers;
pub(crate) use signature::name_looks_like_error;

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
