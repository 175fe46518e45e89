//! The backoff crate's retry functions (`retry(policy, op)`, `retry_notify(policy, op, notify)`)
//! and what their operation does with its errors: `?` hands each one to backoff's `From`, which
//! makes it `Error::transient`, and so does `.map_err(Error::transient)`.

use std::cell::OnceCell;
use std::collections::{HashMap, HashSet};

use syn::visit::Visit;
use syn::{Expr, ExprCall, Stmt};

use super::{callee, closure_body, LibrariesUsed};
use crate::finding::Region;
use crate::syntax::names::{file_call_name, path_segments};

/// Whether a call is one of the backoff crate's retry functions: `retry(policy, op)` or
/// `retry_notify(policy, op, notify)`, bare or through `backoff::` / `backoff::future::`, in a file
/// that uses the crate.
pub(crate) fn is_backoff_retry(call: &ExprCall, libraries: LibrariesUsed) -> bool {
    let Some((before, function)) = callee(call) else {
        return false;
    };
    libraries.backoff
        && matches!(function.as_str(), "retry" | "retry_notify")
        && call.args.len() >= 2
        && before
            .as_deref()
            .is_none_or(|b| matches!(b, "backoff" | "future"))
}

/// Operations bound to a local before they are retried (`let put = || async { .. };
/// retry_notify(policy, put, ..)`), by name, as a visitor meets their blocks.
#[derive(Default)]
pub(crate) struct LocalOperations<'ast>(HashMap<String, &'ast Expr>);

impl<'ast> LocalOperations<'ast> {
    /// Records the closures a block binds to a name.
    pub(crate) fn record(&mut self, block: &'ast syn::Block) {
        for stmt in &block.stmts {
            if let Stmt::Local(local) = stmt {
                if let (syn::Pat::Ident(ident), Some(init)) = (&local.pat, &local.init) {
                    if let Some(body) = closure_body(&init.expr) {
                        self.0.insert(ident.ident.to_string(), body);
                    }
                }
            }
        }
    }

    /// The body of the operation a backoff retry call is given: written in place, or bound
    /// earlier under the name the call passes.
    pub(crate) fn operation(&self, call: &'ast ExprCall) -> Option<&'ast Expr> {
        let operation = call.args.iter().nth(1)?;
        closure_body(operation).or_else(|| match operation {
            Expr::Path(path) => path
                .path
                .get_ident()
                .and_then(|ident| self.0.get(&ident.to_string()).copied()),
            _ => None,
        })
    }
}

/// Where a retried operation makes every error transient: its `?` operators that hand its own
/// error to backoff's `From`, and its `.map_err(..)` calls that do only that, outside nested
/// closures. `backoff_answers` caches the file's functions answering backoff's error.
pub(crate) fn transient_everywhere(
    body: &Expr,
    file: &syn::File,
    backoff_answers: &OnceCell<HashSet<String>>,
) -> Vec<(Region, Retried)> {
    let mut questions = QuestionMarks {
        file,
        backoff_answers,
        found: Vec::new(),
        in_classifying_branches: 0,
    };
    questions.visit_expr(body);
    questions.found
}

/// How a retried operation makes every error transient.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Retried {
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
    /// The file's functions answering backoff's error (see
    /// [`functions_answering_backoff_errors`]), found when a `?` first needs them.
    backoff_answers: &'f OnceCell<HashSet<String>>,
    found: Vec<(Region, Retried)>,
    /// How many `match`es or `if`s around the visited code have a branch answering backoff's
    /// `permanent`: a `.map_err(transient)` in a sibling branch is that branch's verdict.
    in_classifying_branches: usize,
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
        if call.method == "map_err" && maps_to_transient(call) && self.in_classifying_branches == 0
        {
            self.found.push((Region::of(call), Retried::Mapped));
        }
        syn::visit::visit_expr_method_call(self, call);
    }

    // `match status { client_error => ...map_err(Permanent), _ => ...map_err(transient) }`: the
    // branches classify, and the transient one is the verdict for its case, not for every error.
    fn visit_expr_match(&mut self, node: &'ast syn::ExprMatch) {
        self.visit_expr(&node.expr);
        let classifies = node.arms.iter().any(|arm| branch_says_permanent(&arm.body));
        self.in_classifying_branches += usize::from(classifies);
        for arm in &node.arms {
            self.visit_arm(arm);
        }
        self.in_classifying_branches -= usize::from(classifies);
    }

    fn visit_expr_if(&mut self, node: &'ast syn::ExprIf) {
        self.visit_expr(&node.cond);
        let classifies = says_permanent(&node.then_branch)
            || node
                .else_branch
                .as_ref()
                .is_some_and(|(_, other)| branch_says_permanent(other));
        self.in_classifying_branches += usize::from(classifies);
        self.visit_block(&node.then_branch);
        if let Some((_, other)) = &node.else_branch {
            self.visit_expr(other);
        }
        self.in_classifying_branches -= usize::from(classifies);
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
    backoff_error_kind(expr).is_some()
}

/// The kind of backoff error a constructor builds, `Transient` or `Permanent`, or `None` when the
/// expression builds no backoff error.
fn backoff_error_kind(expr: &Expr) -> Option<BackoffKind> {
    let path = match expr {
        Expr::Call(call) => match &*call.func {
            Expr::Path(path) => &path.path,
            _ => return None,
        },
        Expr::Struct(built) => &built.path,
        _ => return None,
    };
    let mut names = path.segments.iter().rev().map(|seg| seg.ident.to_string());
    let variant = names.next().unwrap_or_default();
    let kind = names.next().unwrap_or_default();
    let through_backoff = path.segments.iter().any(|seg| seg.ident == "backoff");
    // A bare `Error::Transient(..)` may be the file's own enum; backoff's constructors
    // (`Error::transient(..)`) are the functions only it has.
    let backoff = match variant.as_str() {
        "permanent" | "transient" => kind.contains("Backoff") || kind == "Error",
        "Permanent" | "Transient" => kind.contains("Backoff") || through_backoff,
        _ => false,
    };
    match variant.to_ascii_lowercase().as_str() {
        "transient" if backoff => Some(BackoffKind::Transient),
        "permanent" if backoff => Some(BackoffKind::Permanent),
        _ => None,
    }
}

/// The two kinds of backoff error.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum BackoffKind {
    Transient,
    Permanent,
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
            let names = path_segments(path);
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
        // `|err| BackoffError::transient(..)`, or the same as the tail of a block (`|err| {
        // warn!(..); BackoffError::transient(Wrapped(err)) }`) that says `permanent` nowhere.
        Some(Expr::Closure(closure)) => {
            let transient = matches!(crate::syntax::exits::block_value(&closure.body), Expr::Call(inner)
                if matches!(&*inner.func, Expr::Path(path) if is_transient(&path.path)));
            let mut answers = Answers::default();
            answers.visit_expr(&closure.body);
            transient && !answers.permanent
        }
        _ => false,
    }
}

/// Whether a retried operation, though written without `?` or `.map_err(..)`, answers
/// backoff's `transient` for every error it does not single out: it builds
/// `Err(BackoffError::transient(..))` and either never says `permanent`, or ends by returning
/// that transient error whatever happened before (`if conflict { return Err(permanent(..)) }
/// return Err(transient(e));`). The transient error must hand on one the operation caught: a
/// made-up "not yet" is a poll. `?` operators it does not convert itself (on a value that may
/// already be backoff's `permanent`) leave the answer open.
pub(crate) fn transient_by_default(body: &Expr) -> Option<ByDefault> {
    let block = match body {
        Expr::Async(block) => &block.block,
        Expr::Block(block) => &block.block,
        _ => return None,
    };
    let mut answers = Answers::default();
    answers.visit_block(block);
    if !answers
        .transient
        .iter()
        .any(|value| answers.hands_on_caught(value))
    {
        return None;
    }
    // A `?` the operation does not convert itself (`transient_everywhere` is asked first) is
    // applied to a value that may already be backoff's `permanent`; any other `Err(..)` it builds
    // may be too (`Err(to_backoff(e))`); and `permanent` may be said inside a closure.
    if answers.tries > 0 || answers.other_errors {
        None
    } else if !says_permanent(block) {
        Some(ByDefault::Every)
    } else {
        ends_transient(block)
            .filter(|value| answers.hands_on_caught(value))
            .map(|_| ByDefault::Unnamed)
    }
}

/// Whether a block names backoff's `permanent` anywhere, closures included.
fn says_permanent(block: &syn::Block) -> bool {
    NamesPermanent::find(|names| names.visit_block(block))
}

/// Whether a branch (a `match` arm's body) names backoff's `permanent` anywhere, closures
/// included: `Err(Error::permanent(e))`, `.map_err(backoff::Error::Permanent)`.
fn branch_says_permanent(branch: &Expr) -> bool {
    NamesPermanent::find(|names| names.visit_expr(branch))
}

/// Finds a path ending in `permanent` or `Permanent`.
struct NamesPermanent(bool);

impl NamesPermanent {
    /// Whether `walk` meets such a path.
    fn find(walk: impl FnOnce(&mut NamesPermanent)) -> bool {
        let mut names = NamesPermanent(false);
        walk(&mut names);
        names.0
    }
}

impl<'ast> Visit<'ast> for NamesPermanent {
    fn visit_path(&mut self, path: &'ast syn::Path) {
        self.0 |= path
            .segments
            .last()
            .is_some_and(|seg| seg.ident == "permanent" || seg.ident == "Permanent");
        syn::visit::visit_path(self, path);
    }
}

/// Which errors [`transient_by_default`] found made transient.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum ByDefault {
    /// Every error: the operation never says `permanent`.
    Every,
    /// Every error it does not single out as permanent before its last word.
    Unnamed,
}

/// The transient error a block's last statement gives up with whatever came before: `e` for
/// `return Err(BackoffError::transient(e));` or the tail `Err(BackoffError::transient(e))`.
fn ends_transient(block: &syn::Block) -> Option<&Expr> {
    let value = match block.stmts.last()? {
        Stmt::Expr(Expr::Return(ret), _) => ret.expr.as_deref()?,
        Stmt::Expr(tail, None) => tail,
        _ => return None,
    };
    match value {
        Expr::Call(call) if matches!(&*call.func, Expr::Path(path) if path.path.is_ident("Err")) => {
            call.args.first().filter(|value| is_transient_value(value))
        }
        _ => None,
    }
}

/// `BackoffError::transient(..)`, `backoff::Error::Transient { .. }` and the like.
fn is_transient_value(expr: &Expr) -> bool {
    backoff_error_kind(expr) == Some(BackoffKind::Transient)
}

/// What a retried operation answers, outside nested closures and functions: how many
/// `Err(transient(..))` it builds, whether it ever names backoff's `permanent`, and how many
/// `?` it applies.
#[derive(Default)]
struct Answers<'ast> {
    transient: Vec<&'ast Expr>,
    /// Whether it builds an `Err(..)` that is not backoff's transient error.
    other_errors: bool,
    permanent: bool,
    tries: usize,
    /// Names bound to a caught error: `Err(e)` in a pattern.
    caught: HashSet<String>,
}

impl Answers<'_> {
    /// Whether a transient answer hands on an error the operation caught (`Err(e) =>
    /// Err(transient(Wrapped(e)))`), not one it made up to say "not yet" (`Err(transient("not
    /// ready"))`), which is a poll.
    fn hands_on_caught(&self, value: &Expr) -> bool {
        struct Mentions<'a>(&'a HashSet<String>, bool);
        impl<'ast> Visit<'ast> for Mentions<'_> {
            fn visit_path(&mut self, path: &'ast syn::Path) {
                if path
                    .get_ident()
                    .is_some_and(|name| self.0.contains(&name.to_string()))
                {
                    self.1 = true;
                }
                syn::visit::visit_path(self, path);
            }
            fn visit_macro(&mut self, mac: &'ast syn::Macro) {
                // `format!("..: {}", e)` or `format!("..: {e:#}")`: the caught error's text.
                fn mention(tokens: proc_macro2::TokenStream, names: &HashSet<String>) -> bool {
                    tokens.into_iter().any(|token| match token {
                        proc_macro2::TokenTree::Ident(ident) => names.contains(&ident.to_string()),
                        proc_macro2::TokenTree::Literal(text) => {
                            let text = text.to_string();
                            names.iter().any(|name| {
                                text.contains(&format!("{{{name}}}"))
                                    || text.contains(&format!("{{{name}:"))
                            })
                        }
                        proc_macro2::TokenTree::Group(group) => mention(group.stream(), names),
                        proc_macro2::TokenTree::Punct(_) => false,
                    })
                }
                if mention(mac.tokens.clone(), self.0) {
                    self.1 = true;
                }
            }
        }
        let mut mentions = Mentions(&self.caught, false);
        mentions.visit_expr(value);
        mentions.1
    }
}

impl<'ast> Visit<'ast> for Answers<'ast> {
    fn visit_expr_call(&mut self, call: &'ast syn::ExprCall) {
        let is_err = matches!(&*call.func, Expr::Path(path) if path.path.is_ident("Err"));
        if is_err {
            match call.args.first() {
                Some(value) if is_transient_value(value) => self.transient.push(value),
                Some(value) if !is_backoff_error_value(value) => self.other_errors = true,
                _ => {}
            }
        }
        syn::visit::visit_expr_call(self, call);
    }

    fn visit_pat_tuple_struct(&mut self, pat: &'ast syn::PatTupleStruct) {
        if pat.path.is_ident("Err") {
            for elem in &pat.elems {
                self.caught.extend(crate::syntax::names::bound_names(elem));
            }
        }
        syn::visit::visit_pat_tuple_struct(self, pat);
    }

    fn visit_path(&mut self, path: &'ast syn::Path) {
        if path
            .segments
            .last()
            .is_some_and(|seg| seg.ident == "permanent" || seg.ident == "Permanent")
        {
            self.permanent = true;
        }
        syn::visit::visit_path(self, path);
    }

    fn visit_expr_try(&mut self, node: &'ast syn::ExprTry) {
        self.tries += 1;
        syn::visit::visit_expr_try(self, node);
    }

    fn visit_expr_closure(&mut self, _: &'ast syn::ExprClosure) {}
    fn visit_item_fn(&mut self, _: &'ast syn::ItemFn) {}
}
