//! Where a branch leads: a retry (the failed call repeated, a transient outcome, a retry word, a
//! `continue`), a final outcome, or giving up.

use std::collections::HashMap;

use quote::ToTokens;
use syn::spanned::Spanned;
use syn::visit::Visit;
use syn::{Expr, Local};

pub(super) const RETRY_WORDS: &[&str] = &["retry", "retries", "retried", "retriable", "retryable"];
pub(super) const RETRY_LOOP_WORDS: &[&str] = &["retry", "retries", "retried", "attempt", "backoff"];

/// Methods whose call is no operation worth repeating: conversions, accessors, locks.
pub(super) const NOT_OPERATIONS: &[&str] = &[
    "clone",
    "to_string",
    "to_owned",
    "as_ref",
    "as_str",
    "as_deref",
    "into",
    "unwrap",
    "expect",
    "unwrap_or_default",
    "len",
    "is_empty",
    "lock",
    "read",
    "write",
    "borrow",
    "borrow_mut",
    "get",
    "iter",
    "display",
    "new",
    "from",
    "now",
    "default",
    "message",
    "description",
    // Pure methods of text, options and iterators: calling one again repeats no operation.
    "unwrap_or",
    "unwrap_or_else",
    "unwrap_or_default",
    "ok",
    "err",
    "map",
    "map_err",
    "cloned",
    "copied",
    "flatten",
    "strip_prefix",
    "strip_suffix",
    "split",
    "splitn",
    "rsplit",
    "find",
    "rfind",
    "parse",
    "trim",
    "trim_start",
    "trim_end",
    "to_lowercase",
    "to_ascii_lowercase",
    "to_uppercase",
    "to_ascii_uppercase",
    "chars",
    "bytes",
    "lines",
    "as_bytes",
    "to_vec",
    "from_utf8",
    "from_utf8_lossy",
    "collect",
    "first",
    "last",
    "keys",
    "values",
];

/// Standard value types whose associated functions convert or build a value
/// (`String::from_utf8_lossy(..)`, `Duration::from_secs(..)`): calling one again repeats nothing.
pub(super) const VALUE_TYPES: &[&str] = &[
    "String", "str", "Vec", "Cow", "Path", "PathBuf", "Duration", "Instant", "Bytes", "Box", "Arc",
    "Rc", "Some", "Ok", "Err", "u8", "u16", "u32", "u64", "usize", "i32", "i64",
];

/// The calls whose result a body goes on to examine: those in a `let` initialiser, a `match`
/// scrutinee or an `if let`, along their receiver chain (`inner.list(p).peekable()` holds
/// `inner.list(p)` too), by their tokens, with where each first appears. A branch that makes one
/// of them again repeats the operation: it retries.
#[derive(Default)]
pub(super) struct Operations {
    pub(super) calls: HashMap<String, (usize, usize)>,
}

impl Operations {
    fn record_chain(&mut self, expr: &Expr) {
        match expr {
            Expr::MethodCall(call) => {
                if !NOT_OPERATIONS.contains(&call.method.to_string().as_str()) {
                    self.record(expr);
                }
                self.record_chain(&call.receiver);
            }
            Expr::Call(call) => {
                let constructor = matches!(&*call.func, Expr::Path(p) if p.path.segments.last().is_some_and(|seg| {
                    let name = seg.ident.to_string();
                    name.starts_with(|c: char| c.is_uppercase()) || NOT_OPERATIONS.contains(&name.as_str())
                }) || p.path.segments.first().is_some_and(|seg| {
                    VALUE_TYPES.iter().any(|ty| seg.ident == ty)
                }));
                if !constructor {
                    self.record(expr);
                }
            }
            Expr::Await(a) => self.record_chain(&a.base),
            Expr::Try(t) => self.record_chain(&t.expr),
            Expr::Paren(p) => self.record_chain(&p.expr),
            Expr::Reference(r) => self.record_chain(&r.expr),
            _ => {}
        }
    }

    fn record(&mut self, expr: &Expr) {
        let start = expr.span().start();
        let at = (start.line, start.column);
        self.calls
            .entry(expr.to_token_stream().to_string())
            .and_modify(|first| *first = (*first).min(at))
            .or_insert(at);
    }
}

impl<'ast> Visit<'ast> for Operations {
    fn visit_local(&mut self, local: &'ast Local) {
        if let Some(init) = &local.init {
            self.record_chain(&init.expr);
        }
        syn::visit::visit_local(self, local);
    }

    fn visit_expr_match(&mut self, node: &'ast syn::ExprMatch) {
        self.record_chain(&node.expr);
        syn::visit::visit_expr_match(self, node);
    }

    fn visit_expr_let(&mut self, node: &'ast syn::ExprLet) {
        self.record_chain(&node.expr);
        syn::visit::visit_expr_let(self, node);
    }

    fn visit_item_fn(&mut self, _: &'ast syn::ItemFn) {}
    fn visit_item_impl(&mut self, _: &'ast syn::ItemImpl) {}
}

/// Finds, outside closures, a call that repeats one of [`Operations`] made before `start`.
pub(super) struct Repeats<'o> {
    pub(super) operations: &'o HashMap<String, (usize, usize)>,
    pub(super) start: (usize, usize),
    pub(super) found: bool,
}

impl<'ast> Visit<'ast> for Repeats<'_> {
    fn visit_expr(&mut self, expr: &'ast Expr) {
        if matches!(expr, Expr::Call(_) | Expr::MethodCall(_)) {
            let key = expr.to_token_stream().to_string();
            if self
                .operations
                .get(&key)
                .is_some_and(|first| *first < self.start)
            {
                self.found = true;
                return;
            }
        }
        syn::visit::visit_expr(self, expr);
    }

    fn visit_expr_closure(&mut self, _: &'ast syn::ExprClosure) {}
}

/// Finds a value built by a name that says "try again later" (`ApiError::ResourceUnavailable`,
/// `Issue::TransportInterrupted`, `Status::unavailable(..)`): the branch producing it hands the
/// caller an error its retry logic treats as transient.
pub(super) struct TransientConstruction(pub(super) bool);

/// Words of a constructor or variant name that mark a transient outcome.
pub(super) const TRANSIENT_WORDS: &[&str] = &[
    "unavailable",
    "interrupted",
    "transient",
    "temporary",
    "retryable",
    "retriable",
    "throttled",
    "overloaded",
    "busy",
];

pub(super) fn says_transient(path: &syn::Path) -> bool {
    path.segments.last().is_some_and(|seg| {
        crate::retry_words::words(&seg.ident.to_string())
            .iter()
            .any(|word| TRANSIENT_WORDS.contains(&word.as_str()))
    })
}

impl<'ast> Visit<'ast> for TransientConstruction {
    fn visit_expr(&mut self, expr: &'ast Expr) {
        let built = match expr {
            Expr::Call(call) => matches!(&*call.func, Expr::Path(p) if says_transient(&p.path)),
            Expr::Path(p) => says_transient(&p.path),
            Expr::Struct(s) => says_transient(&s.path),
            _ => false,
        };
        if built {
            self.0 = true;
            return;
        }
        syn::visit::visit_expr(self, expr);
    }

    fn visit_expr_closure(&mut self, _: &'ast syn::ExprClosure) {}
}

/// Whether an identifier contains one of `words` (case-insensitively).
pub(super) fn words_in(ident: &str, words: &[&str]) -> bool {
    let lower = ident.to_ascii_lowercase();
    words.iter().any(|word| lower.contains(word))
}

pub(super) fn mentions_retry(block: &syn::Block, words: &[&str]) -> bool {
    let mut finder = RetryMention {
        words,
        found: false,
    };
    finder.visit_block(block);
    finder.found
}

pub(super) fn mentions_retry_expr(expr: &Expr, words: &[&str]) -> bool {
    let mut finder = RetryMention {
        words,
        found: false,
    };
    finder.visit_expr(expr);
    finder.found
}

pub(super) struct RetryMention<'w> {
    pub(super) words: &'w [&'w str],
    pub(super) found: bool,
}

impl<'ast> Visit<'ast> for RetryMention<'_> {
    fn visit_ident(&mut self, ident: &'ast proc_macro2::Ident) {
        if self.found {
            return;
        }
        let text = ident.to_string();
        // `Verdict::Retryable` says retry; `no_retry`/`Terminal` do not.
        if words_in(&text, self.words) && !text.to_ascii_lowercase().starts_with("no") {
            self.found = true;
        }
    }
}

/// Finds a way of giving up outside closures: `return Err(..)` (or a `return` of anything but
/// `Ok`/`Some`), `break Err(..)`, `bail!(..)`. A plain `break` may as well mean success.
pub(super) struct Exit(pub(super) bool);

pub(super) fn is_success(expr: &Expr) -> bool {
    match expr {
        Expr::Call(call) => matches!(&*call.func, Expr::Path(p)
            if p.path.segments.last().is_some_and(|seg| seg.ident == "Ok" || seg.ident == "Some")),
        Expr::Path(p) => p.path.is_ident("None"),
        Expr::Tuple(t) => t.elems.is_empty(),
        _ => false,
    }
}

impl<'ast> Visit<'ast> for Exit {
    fn visit_expr_return(&mut self, node: &'ast syn::ExprReturn) {
        if !node.expr.as_deref().is_some_and(is_success) && node.expr.is_some() {
            self.0 = true;
        }
        syn::visit::visit_expr_return(self, node);
    }

    fn visit_expr_break(&mut self, node: &'ast syn::ExprBreak) {
        if let Some(Expr::Call(call)) = node.expr.as_deref() {
            if matches!(&*call.func, Expr::Path(p) if p.path.is_ident("Err")) {
                self.0 = true;
            }
        }
        syn::visit::visit_expr_break(self, node);
    }

    fn visit_macro(&mut self, mac: &'ast syn::Macro) {
        if crate::syntax::exits::is_bail_macro(mac) {
            self.0 = true;
        }
    }

    fn visit_expr_closure(&mut self, _: &'ast syn::ExprClosure) {}
}

/// Finds an identifier that says "never retry": the other polarity of a retry decision. A type
/// or variant (`NotifyError::Fatal`, `Permanent`) says it by itself; a function or variable
/// (`backoff::Error::permanent(e)`, `emit_fatal_report(..)`) only where the code around speaks of
/// retrying, since it may name a fatal message as well as a final verdict.
#[derive(Default)]
pub(super) struct FinalMention {
    /// A type or variant named for a final failure.
    pub(super) named: bool,
    /// A function or variable named for one.
    pub(super) called: bool,
}

impl<'ast> Visit<'ast> for FinalMention {
    fn visit_ident(&mut self, ident: &'ast proc_macro2::Ident) {
        let name = ident.to_string();
        if crate::retry_words::says_final(&name) {
            if name.starts_with(|c: char| c.is_ascii_uppercase()) {
                self.named = true;
            } else {
                self.called = true;
            }
        }
    }

    fn visit_expr_closure(&mut self, _: &'ast syn::ExprClosure) {}
}

/// Finds a `continue` outside closures.
pub(super) struct Continue(pub(super) bool);

impl<'ast> Visit<'ast> for Continue {
    fn visit_expr_continue(&mut self, _: &'ast syn::ExprContinue) {
        self.0 = true;
    }

    fn visit_expr_closure(&mut self, _: &'ast syn::ExprClosure) {}
}

/// The shape of an awaited call with its arguments left out (`build_req(..).send().await` gives
/// `build_req().send()`), or `None` for anything that is not awaited. Two awaited calls of the
/// same shape make the same request, whatever they send.
pub(super) fn awaited_call_shape(expr: &Expr) -> Option<String> {
    fn shape(expr: &Expr) -> Option<String> {
        match expr {
            Expr::MethodCall(call) => Some(format!("{}.{}()", shape(&call.receiver)?, call.method)),
            Expr::Call(call) => match &*call.func {
                Expr::Path(path) => Some(format!("{}()", path.to_token_stream())),
                _ => None,
            },
            Expr::Path(path) => Some(path.to_token_stream().to_string()),
            Expr::Field(field) => Some(format!(
                "{}.{}",
                shape(&field.base)?,
                field.member.to_token_stream()
            )),
            Expr::Paren(paren) => shape(&paren.expr),
            Expr::Reference(reference) => shape(&reference.expr),
            _ => None,
        }
    }
    match expr {
        Expr::Try(t) => awaited_call_shape(&t.expr),
        Expr::Paren(p) => awaited_call_shape(&p.expr),
        Expr::Await(a) if matches!(&*a.base, Expr::MethodCall(_) | Expr::Call(_)) => shape(&a.base),
        _ => None,
    }
}

/// Finds an awaited call of a given shape (see [`awaited_call_shape`]) that starts before a
/// position: the request an expression of that shape makes again.
pub(super) struct SameRequestBefore<'s> {
    pub(super) shape: &'s str,
    pub(super) before: (usize, usize),
    pub(super) found: bool,
}

impl<'ast> Visit<'ast> for SameRequestBefore<'_> {
    fn visit_expr(&mut self, expr: &'ast Expr) {
        if let Expr::Await(_) = expr {
            let start = expr.span().start();
            if (start.line, start.column) < self.before
                && awaited_call_shape(expr).as_deref() == Some(self.shape)
            {
                self.found = true;
                return;
            }
        }
        syn::visit::visit_expr(self, expr);
    }

    fn visit_expr_closure(&mut self, _: &'ast syn::ExprClosure) {}
}
