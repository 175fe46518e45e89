//! What message text is and what inspects it: text-producing calls, text bindings and
//! parameters, and the comparisons made on them.

use std::collections::HashSet;

use syn::visit::Visit;
use syn::{Expr, Local, Pat};

use crate::finding::Region;
use crate::syntax::names::{bound_names, constant_name, local_name};
use crate::syntax::patterns::{pattern_kind, PatternKind};

pub(super) const INSPECTING_METHODS: &[&str] = &[
    "contains",
    "starts_with",
    "ends_with",
    "eq_ignore_ascii_case",
];
pub(super) const TEXT_METHODS: &[&str] = &[
    "to_string",
    "message",
    "description",
    "msg",
    "get_message",
    "text",
    "body_text",
    // A response body read whole (`response.bytes().await?`), searched as a byte string.
    "bytes",
];
/// Parameters of a classifier that hold text: `fn is_retryable(status: u16, body: &[u8])`.
pub(super) const TEXT_NAMES: &[&str] = &[
    "msg",
    "message",
    "body",
    "text",
    "response_body",
    "error_message",
];
/// Words of a text parameter's name that make it a modeled code rather than a message.
pub(super) const CODE_WORDS: &[&str] = &[
    "code",
    "kind",
    "type",
    "name",
    "id",
    "status",
    "tag",
    "variant",
    "class",
    "key",
    "header",
    "method",
    "op",
    "operation",
    "path",
    "url",
    "uri",
    "host",
    "region",
    "service",
];

/// Methods that match text against a pattern given as their argument (`regex.is_match(&msg)`).
pub(super) const PATTERN_METHODS: &[&str] = &["is_match", "find", "captures"];
/// Methods that keep text text: `err.to_string().to_lowercase().contains(..)` still inspects it.
pub(super) const TEXT_PRESERVING: &[&str] = &[
    "as_str",
    "as_ref",
    "to_lowercase",
    "to_ascii_lowercase",
    "to_uppercase",
    "to_ascii_uppercase",
    "trim",
    "trim_start",
    "trim_end",
    "replace",
    "replacen",
    "as_bytes",
    "to_owned",
    "borrow",
];

/// Whether a type is text: `&str`, `String`, `&[u8]`, `Cow<str>`.
pub(super) fn is_text_type(ty: &syn::Type) -> bool {
    match ty {
        syn::Type::Reference(r) => is_text_type(&r.elem),
        syn::Type::Slice(slice) => {
            matches!(&*slice.elem, syn::Type::Path(p) if p.path.is_ident("u8"))
        }
        syn::Type::Path(path) => {
            path.path.segments.last().is_some_and(|seg| {
                seg.ident == "str" || seg.ident == "String" || seg.ident == "Cow"
            })
        }
        _ => false,
    }
}

/// Local bindings that hold message text: `let msg = err.to_string();`.
#[derive(Default)]
pub(super) struct TextBindings {
    pub(super) names: HashSet<String>,
}

impl<'ast> Visit<'ast> for TextBindings {
    fn visit_local(&mut self, local: &'ast Local) {
        if let (Pat::Ident(ident), Some(init)) = (&local.pat, &local.init) {
            if is_message_text(&init.expr, &self.names) {
                self.names.insert(ident.ident.to_string());
            }
        }
        syn::visit::visit_local(self, local);
    }

    /// A text-named binding of a pattern: `Err(ApiError(code, msg)) if msg.contains(..)`; and a
    /// binding of an error pattern that the guard matches against a string literal
    /// (`Err(Error::Corrupt(detail)) if detail.starts_with("first to keep")`): it holds text.
    fn visit_arm(&mut self, arm: &'ast syn::Arm) {
        let bound = bound_names(&arm.pat);
        let matched_in_guard = match (&arm.guard, pattern_kind(&arm.pat)) {
            (Some((_, guard)), PatternKind::Err) => literal_matched_names(guard),
            _ => Vec::new(),
        };
        self.names.extend(
            bound.into_iter().filter(|name| {
                TEXT_NAMES.contains(&name.as_str()) || matched_in_guard.contains(name)
            }),
        );
        syn::visit::visit_arm(self, arm);
    }

    /// A closure parameter typed as text: `.when(|err: &String| err.contains(..))`.
    fn visit_expr_closure(&mut self, closure: &'ast syn::ExprClosure) {
        for input in &closure.inputs {
            if let Pat::Type(typed) = input {
                if is_text_type(&typed.ty) {
                    self.names.extend(bound_names(&typed.pat));
                }
            }
        }
        syn::visit::visit_expr_closure(self, closure);
    }

    fn visit_item_fn(&mut self, _: &'ast syn::ItemFn) {}
    fn visit_item_impl(&mut self, _: &'ast syn::ItemImpl) {}
}

impl TextBindings {
    /// Adds the error-named payload bindings of `body` that an inspecting method matches against
    /// a string literal or a constant: `if let Outcome::Deferred { last_error } = outcome` read by
    /// `last_error.starts_with(CLEANUP_PENDING)` holds an error's message (an error type has no
    /// `starts_with`). Only a field or payload of a pattern counts (not `Err(e)`, a closure's or
    /// a `for` loop's binding), and only a bare literal or constant as what is searched for: a
    /// lookup in a list takes a reference (`codes.contains(&TOO_MANY)`).
    pub(super) fn add_error_text(&mut self, body: &syn::Block) {
        /// Error-named names bound as a field or payload of a pattern, outside `Err`/`Ok`/`Some`.
        #[derive(Default)]
        struct Payloads(HashSet<String>);
        impl Payloads {
            fn add(&mut self, pat: &Pat) {
                self.0.extend(
                    bound_names(pat)
                        .into_iter()
                        .filter(|name| error_named(name)),
                );
            }
        }
        impl<'ast> Visit<'ast> for Payloads {
            fn visit_pat_struct(&mut self, pat: &'ast syn::PatStruct) {
                for field in &pat.fields {
                    self.add(&field.pat);
                }
                syn::visit::visit_pat_struct(self, pat);
            }
            fn visit_pat_tuple_struct(&mut self, pat: &'ast syn::PatTupleStruct) {
                let wrapper = pat.path.segments.last().is_some_and(|seg| {
                    matches!(seg.ident.to_string().as_str(), "Err" | "Ok" | "Some")
                });
                if !wrapper {
                    for elem in &pat.elems {
                        self.add(elem);
                    }
                }
                syn::visit::visit_pat_tuple_struct(self, pat);
            }
            fn visit_expr_closure(&mut self, _: &'ast syn::ExprClosure) {}
            fn visit_item_fn(&mut self, _: &'ast syn::ItemFn) {}
            fn visit_item_impl(&mut self, _: &'ast syn::ItemImpl) {}
        }
        struct Matched<'p, 'n> {
            payloads: &'p HashSet<String>,
            names: &'n mut HashSet<String>,
        }
        impl<'ast> Visit<'ast> for Matched<'_, '_> {
            fn visit_expr_method_call(&mut self, call: &'ast syn::ExprMethodCall) {
                let fixed = call.args.first().is_some_and(literal_or_constant);
                if fixed && INSPECTING_METHODS.contains(&call.method.to_string().as_str()) {
                    if let Some(name) = local_name(&call.receiver).map(ToString::to_string) {
                        if self.payloads.contains(&name) {
                            self.names.insert(name);
                        }
                    }
                }
                syn::visit::visit_expr_method_call(self, call);
            }
            fn visit_item_fn(&mut self, _: &'ast syn::ItemFn) {}
            fn visit_item_impl(&mut self, _: &'ast syn::ItemImpl) {}
        }
        let mut payloads = Payloads::default();
        payloads.visit_block(body);
        if payloads.0.is_empty() {
            return;
        }
        Matched {
            payloads: &payloads.0,
            names: &mut self.names,
        }
        .visit_block(body);
    }
}

/// Whether a binding's name says it holds an error (`err`, `error`, `last_error`, `io_err`).
fn error_named(name: &str) -> bool {
    matches!(name, "err" | "error") || name.ends_with("_err") || name.ends_with("_error")
}

/// Names that an inspecting method (`contains`, `starts_with`, `ends_with`) matches against a
/// string literal in `expr`: `detail` in `detail.starts_with("first to keep")`.
fn literal_matched_names(expr: &Expr) -> Vec<String> {
    struct Matched(Vec<String>);
    impl<'ast> Visit<'ast> for Matched {
        fn visit_expr_method_call(&mut self, call: &'ast syn::ExprMethodCall) {
            let literal = call.args.first().is_some_and(
                |arg| matches!(arg, Expr::Lit(lit) if matches!(lit.lit, syn::Lit::Str(_))),
            );
            if literal && INSPECTING_METHODS.contains(&call.method.to_string().as_str()) {
                if let Expr::Path(path) = &*call.receiver {
                    if let Some(ident) = path.path.get_ident() {
                        self.0.push(ident.to_string());
                    }
                }
            }
            syn::visit::visit_expr_method_call(self, call);
        }
    }
    let mut matched = Matched(Vec::new());
    matched.visit_expr(expr);
    matched.0
}

/// Whether an expression is an error's message text.
pub(super) fn is_message_text(expr: &Expr, bindings: &HashSet<String>) -> bool {
    match expr {
        Expr::MethodCall(call) => {
            let method = call.method.to_string();
            if TEXT_METHODS.contains(&method.as_str()) && call.args.is_empty() {
                return true;
            }
            if TEXT_PRESERVING.contains(&method.as_str()) || method == "unwrap_or_default" {
                return is_message_text(&call.receiver, bindings);
            }
            false
        }
        Expr::Macro(mac) => mac.mac.path.is_ident("format"),
        // A text-named field of an error or a response: `payload.message`, `resp.body`.
        Expr::Field(field) => {
            matches!(&field.member, syn::Member::Named(name) if TEXT_NAMES.contains(&name.to_string().as_str()))
        }
        Expr::Path(path) => path
            .path
            .get_ident()
            .is_some_and(|ident| bindings.contains(&ident.to_string())),
        Expr::Reference(r) => is_message_text(&r.expr, bindings),
        Expr::Paren(p) => is_message_text(&p.expr, bindings),
        Expr::Unary(u) => is_message_text(&u.expr, bindings),
        Expr::Try(t) => is_message_text(&t.expr, bindings),
        Expr::Await(a) => is_message_text(&a.base, bindings),
        Expr::Call(call) => {
            // `String::from_utf8_lossy(body)`: bytes decoded to be read as text (a response body,
            // a process's output).
            matches!(&*call.func, Expr::Path(p) if p.path.segments.last().is_some_and(|seg| seg.ident == "from_utf8_lossy"))
        }
        _ => false,
    }
}

/// A string literal pattern, alone or among alternatives: `"busy"`, `"busy" | "locked"`.
pub(super) fn string_pattern(pat: &Pat) -> bool {
    match pat {
        Pat::Lit(lit) => matches!(lit.lit, syn::Lit::Str(_) | syn::Lit::ByteStr(_)),
        Pat::Or(or) => or.cases.iter().any(string_pattern),
        Pat::Paren(p) => string_pattern(&p.pat),
        _ => false,
    }
}

/// A byte-string literal (`b"SlowDown"`): matching against one is matching raw text.
pub(super) fn is_byte_string(expr: &Expr) -> bool {
    match expr {
        Expr::Lit(lit) => matches!(lit.lit, syn::Lit::ByteStr(_)),
        Expr::Reference(r) => is_byte_string(&r.expr),
        _ => false,
    }
}

/// A function asking a yes/no question of its argument (`is_transport_error_message(&msg)`):
/// handed message text, it matches that text one call away.
pub(super) fn is_predicate_call(call: &syn::ExprCall) -> bool {
    let Expr::Path(path) = &*call.func else {
        return false;
    };
    path.path
        .segments
        .last()
        .is_some_and(|seg| predicate_name(&seg.ident.to_string()))
}

/// A name asking a yes/no question (`is_..`, `has_..`, `looks_like_..`).
pub(super) fn predicate_name(name: &str) -> bool {
    ["is_", "has_", "contains", "matches", "looks_like"]
        .iter()
        .any(|prefix| name.starts_with(prefix))
}

/// Whether a function takes a text parameter (`msg: &str`).
pub(super) fn takes_text(sig: &syn::Signature) -> bool {
    sig.inputs
        .iter()
        .any(|input| matches!(input, syn::FnArg::Typed(typed) if is_text_type(&typed.ty)))
}

/// Whether an expression inspects message text: `text.contains(..)`, `text == ".."`.
pub(super) fn inspects_text(expr: &Expr, bindings: &HashSet<String>) -> bool {
    match expr {
        Expr::MethodCall(call) => {
            let method = call.method.to_string();
            let inspecting = INSPECTING_METHODS.contains(&method.as_str());
            (inspecting
                && (is_message_text(&call.receiver, bindings)
                    || call
                        .args
                        .first()
                        .is_some_and(|arg| is_byte_string(arg) || is_prose(arg))))
                || (PATTERN_METHODS.contains(&method.as_str())
                    && call.args.len() == 1
                    && is_message_text(&call.args[0], bindings))
        }
        Expr::Call(call) => {
            is_predicate_call(call) && call.args.iter().any(|arg| is_message_text(arg, bindings))
        }
        // `err.to_string() == "busy"`: a message compared with fixed text. Two texts of the
        // running program compared (`addr.to_string() != reported_addr`) is no classification.
        Expr::Binary(binary) => {
            matches!(binary.op, syn::BinOp::Eq(_) | syn::BinOp::Ne(_))
                && ((is_message_text(&binary.left, bindings) && is_fixed_text(&binary.right))
                    || (is_message_text(&binary.right, bindings) && is_fixed_text(&binary.left))
                    || is_prose(&binary.left)
                    || is_prose(&binary.right))
        }
        _ => false,
    }
}

/// Inside a classifier, a search for a fixed message held in a constant
/// (`r.contains(DELIVERY_FAILED)`, `line.starts_with(REMOTE_FAILURE_PREFIX)`): handed bare, the
/// constant is a text pattern, where a lookup in a list of codes takes a reference
/// (`CODES.contains(&code)`).
pub(super) fn searches_for_fixed_message(expr: &Expr) -> bool {
    let Expr::MethodCall(call) = expr else {
        return false;
    };
    if !INSPECTING_METHODS.contains(&call.method.to_string().as_str()) || call.args.len() != 1 {
        return false;
    }
    let constant = |expr: &Expr| {
        matches!(expr, Expr::Path(path) if path.qself.is_none() && path.path.segments.len() <= 2)
            && is_fixed_text(expr)
    };
    constant(&call.args[0]) && !constant(&call.receiver)
}

/// A string literal written as prose, words with spaces between them (`"Pending in queue"`,
/// `"Error: contract does not exist"`): whatever it is compared with is a message, not a code,
/// since codes (`"0"`, `"SlowDown"`, `"not_found"`) have no spaces.
fn is_prose(expr: &Expr) -> bool {
    match expr {
        Expr::Lit(syn::ExprLit {
            lit: syn::Lit::Str(text),
            ..
        }) => {
            let text = text.value();
            text.split_whitespace()
                .filter(|word| word.chars().filter(|c| c.is_alphabetic()).count() >= 2)
                .count()
                >= 2
        }
        Expr::Reference(r) => is_prose(&r.expr),
        Expr::Paren(p) => is_prose(&p.expr),
        Expr::Group(g) => is_prose(&g.expr),
        _ => false,
    }
}

/// Text fixed in the program: a string or byte-string literal, or a constant
/// (`CONFLICT_MESSAGE`, `errors::LOCKED`), looking through references and parentheses.
fn is_fixed_text(expr: &Expr) -> bool {
    match expr {
        Expr::Lit(lit) => matches!(lit.lit, syn::Lit::Str(_) | syn::Lit::ByteStr(_)),
        Expr::Reference(r) => is_fixed_text(&r.expr),
        Expr::Paren(p) => is_fixed_text(&p.expr),
        Expr::Group(g) => is_fixed_text(&g.expr),
        other => literal_or_constant(other),
    }
}

/// A string literal or a constant written as itself (`"lease expired"`, `LEASE_EXPIRED`), not
/// behind a reference.
fn literal_or_constant(expr: &Expr) -> bool {
    match expr {
        Expr::Lit(lit) => matches!(lit.lit, syn::Lit::Str(_)),
        Expr::Path(path) => path
            .path
            .segments
            .last()
            .is_some_and(|seg| constant_name(&seg.ident.to_string())),
        _ => false,
    }
}

/// Every text inspection in an expression, where it is.
pub(super) struct AllInspections<'b> {
    pub(super) bindings: &'b HashSet<String>,
    pub(super) found: Vec<Region>,
}

impl AllInspections<'_> {
    /// Records `expr` itself when it inspects text, not what it holds.
    fn visit_expr_shallow(&mut self, expr: &Expr) {
        if inspects_text(expr, self.bindings) {
            self.found.push(Region::of(expr));
        }
    }
}

impl<'ast> Visit<'ast> for AllInspections<'_> {
    fn visit_expr(&mut self, expr: &'ast Expr) {
        self.visit_expr_shallow(expr);
        syn::visit::visit_expr(self, expr);
    }
}

/// The text checks of an expression outside its async work: an async block, or a closure that is
/// async or hands one back (`retry.run(|| async { .. })`). A synchronous closure's checks count
/// (`errors.iter().any(|e| e.to_string().contains(..))`).
pub(super) fn checks_outside_async(expr: &Expr, bindings: &HashSet<String>) -> Vec<Region> {
    fn is_async_work(expr: &Expr) -> bool {
        match expr {
            Expr::Async(_) => true,
            Expr::Closure(closure) => {
                closure.asyncness.is_some() || matches!(&*closure.body, Expr::Async(_))
            }
            _ => false,
        }
    }
    struct Outside<'b>(AllInspections<'b>);
    impl<'ast> Visit<'ast> for Outside<'_> {
        fn visit_expr(&mut self, expr: &'ast Expr) {
            if !is_async_work(expr) {
                self.0.visit_expr_shallow(expr);
                syn::visit::visit_expr(self, expr);
            }
        }
    }
    let mut outside = Outside(AllInspections {
        bindings,
        found: Vec::new(),
    });
    outside.visit_expr(expr);
    outside.0.found
}
