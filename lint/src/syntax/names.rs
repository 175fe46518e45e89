//! The identifiers an expression (or a macro's tokens) mentions and the variables a pattern binds.

use syn::visit::Visit;
use syn::{Expr, Pat};

/// The variables a pattern binds.
pub(crate) fn bound_names(pat: &Pat) -> Vec<String> {
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

/// Collects every identifier a walk meets (a macro's tokens are not walked).
struct Names(Vec<String>);

impl<'ast> Visit<'ast> for Names {
    fn visit_ident(&mut self, ident: &'ast proc_macro2::Ident) {
        self.0.push(ident.to_string());
    }
}

/// Every identifier in an expression (variables, fields, methods, path segments).
pub(crate) fn names_in(expr: &Expr) -> Vec<String> {
    let mut names = Names(Vec::new());
    names.visit_expr(expr);
    names.0
}

/// Every identifier in a block's statements, as [`names_in`] reads an expression.
pub(crate) fn names_in_block(block: &syn::Block) -> Vec<String> {
    let mut names = Names(Vec::new());
    names.visit_block(block);
    names.0
}

/// The variable an expression is, when it is nothing more than one (`queue`, not `self.queue` or
/// `a::b`).
pub(crate) fn local_name(expr: &Expr) -> Option<&proc_macro2::Ident> {
    match expr {
        Expr::Path(path) => path.path.get_ident(),
        _ => None,
    }
}

/// Whether a macro's tokens hold, at any depth, an identifier (keywords included: `break`,
/// `return`) that `wanted` accepts. syn leaves a macro's body as tokens, so this is how a walk of
/// the tree reads what a `select!` or a logging macro names.
pub(crate) fn tokens_mention(
    tokens: &proc_macro2::TokenStream,
    wanted: &dyn Fn(&str) -> bool,
) -> bool {
    tokens.clone().into_iter().any(|token| match token {
        proc_macro2::TokenTree::Ident(ident) => wanted(&ident.to_string()),
        proc_macro2::TokenTree::Group(group) => tokens_mention(&group.stream(), wanted),
        _ => false,
    })
}

/// The names of a path's segments, in order: `["ErrorKind", "Unexpected"]` for
/// `ErrorKind::Unexpected` (generic arguments left out).
pub(crate) fn path_segments(path: &syn::Path) -> Vec<String> {
    path.segments
        .iter()
        .map(|segment| segment.ident.to_string())
        .collect()
}

/// The names a pattern's paths are made of (`JobRetry::Exhausted(e)` gives `JobRetry` and
/// `Exhausted`), outside the names it binds.
pub(crate) fn pattern_path_names(pat: &Pat) -> Vec<String> {
    struct Paths(Vec<String>);
    impl<'ast> Visit<'ast> for Paths {
        fn visit_path_segment(&mut self, seg: &'ast syn::PathSegment) {
            self.0.push(seg.ident.to_string());
        }
    }
    let mut paths = Paths(Vec::new());
    paths.visit_pat(pat);
    paths.0
}

/// The name a call has if it may call a function of the same file: a method on `self`
/// (`self.helper(..)`), a function by its bare name (`helper(..)`) or an associated function of
/// the impl (`Self::helper(..)`). Another value's method of the same name is none of them.
pub(crate) fn file_call_name(expr: &Expr) -> Option<String> {
    match expr {
        Expr::MethodCall(call) => {
            matches!(&*call.receiver, Expr::Path(p) if p.path.is_ident("self"))
                .then(|| call.method.to_string())
        }
        Expr::Call(call) => match &*call.func {
            Expr::Path(path) => {
                let segments = &path.path.segments;
                let of_self = segments.len() == 2 && segments[0].ident == "Self";
                segments
                    .last()
                    .filter(|_| segments.len() == 1 || of_self)
                    .map(|last| last.ident.to_string())
            }
            _ => None,
        },
        _ => None,
    }
}

/// The operands of an `&&` chain, through parentheses: `a && (b && c)` gives `a`, `b`, `c`; any
/// other expression is its own only operand.
pub(crate) fn and_operands(expr: &Expr) -> Vec<&Expr> {
    fn walk<'e>(expr: &'e Expr, out: &mut Vec<&'e Expr>) {
        match expr {
            Expr::Binary(binary) if matches!(binary.op, syn::BinOp::And(_)) => {
                walk(&binary.left, out);
                walk(&binary.right, out);
            }
            Expr::Paren(paren) => walk(&paren.expr, out),
            other => out.push(other),
        }
    }
    let mut out = Vec::new();
    walk(expr, &mut out);
    out
}

/// Whether a macro is a logging one: `warn!`, `tracing::error!`, `log::info!`, `event!`,
/// `eprintln!`.
pub(crate) fn is_log_macro(path: &syn::Path) -> bool {
    path.segments.last().is_some_and(|seg| {
        matches!(
            seg.ident.to_string().as_str(),
            "trace" | "debug" | "info" | "warn" | "error" | "event" | "println" | "eprintln"
        )
    })
}

/// Whether a block does nothing but log: every statement is a logging macro
/// ([`is_log_macro`]), and there is one at least.
pub(crate) fn only_logs(block: &syn::Block) -> bool {
    !block.stmts.is_empty()
        && block.stmts.iter().all(|stmt| match stmt {
            syn::Stmt::Macro(mac) => is_log_macro(&mac.mac.path),
            syn::Stmt::Expr(Expr::Macro(mac), _) => is_log_macro(&mac.mac.path),
            _ => false,
        })
}

/// A name written as a constant's (`CONFLICT_MESSAGE`, `NOT_FOUND`), not a single letter.
pub(crate) fn constant_name(name: &str) -> bool {
    name.len() > 1 && !name.chars().any(|c| c.is_ascii_lowercase())
}
