//! Functions whose answer decides a retry one call away: those a classifier answers with and
//! those a retry flag is set from.

use std::collections::HashMap;

use quote::ToTokens;
use syn::visit::Visit;
use syn::{Expr, Local};

use crate::classifier::Classifier;
use crate::retry_words::name_polarity;
use crate::syntax::names::{bound_names, names_in};

/// The functions whose answer decides a retry one call away, each with how findings name it:
/// - those a classifier answers with: `check_response(err.raw())` as the answer of an arm of
///   `is_retriable_error` (alone, negated or in a `||`/`&&` chain);
/// - those a retry flag is set from: `let retryable = is_retryable_text(&msg);`,
///   `(kind, retryable) = parse_summary(&s).unwrap_or((kind, false));`.
///
/// Both are called by name or as `self.name(..)`/`Self::name(..)`.
pub(super) fn answer_helpers(
    classifiers: &[Classifier<'_>],
    file: &syn::File,
) -> HashMap<String, String> {
    fn called(expr: &Expr, out: &mut Vec<String>) {
        if let Some(name) = local_callee(expr) {
            out.push(name);
            return;
        }
        match expr {
            Expr::Binary(binary) if matches!(binary.op, syn::BinOp::Or(_) | syn::BinOp::And(_)) => {
                called(&binary.left, out);
                called(&binary.right, out);
            }
            Expr::Unary(unary) => called(&unary.expr, out),
            Expr::Paren(paren) => called(&paren.expr, out),
            Expr::Return(ret) => {
                if let Some(value) = &ret.expr {
                    called(value, out);
                }
            }
            Expr::Block(block) => {
                if let Some(syn::Stmt::Expr(tail, None)) = block.block.stmts.last() {
                    called(tail, out);
                }
            }
            Expr::Match(m) => m.arms.iter().for_each(|arm| called(&arm.body, out)),
            // `if is_aborted(&err) { true } else if emulated { is_emulator_error(&err) } else
            // { false }`: each branch's value is an answer.
            Expr::If(branches) => {
                if let Some(syn::Stmt::Expr(tail, None)) = branches.then_branch.stmts.last() {
                    called(tail, out);
                }
                if let Some((_, other)) = &branches.else_branch {
                    called(other, out);
                }
            }
            _ => {}
        }
    }
    let mut helpers = HashMap::new();
    for classifier in classifiers {
        let mut names = Vec::new();
        for answer in crate::classifier::answer_exprs(classifier) {
            called(answer, &mut names);
        }
        for name in names {
            if classifier.sig.is_some_and(|sig| sig.ident == name) {
                continue;
            }
            helpers.entry(name.clone()).or_insert_with(|| {
                format!("`{name}`, whose answer {} returns,", classifier.describe())
            });
        }
    }
    for (name, flag) in flag_helpers(file) {
        helpers
            .entry(name.clone())
            .or_insert_with(|| format!("`{name}`, whose answer sets `{flag}`,"));
    }
    helpers
}

/// The function of the file a call makes: `name(..)`, `Self::name(..)` or `self.name(..)`.
fn local_callee(expr: &Expr) -> Option<String> {
    match expr {
        Expr::Call(call) => {
            let Expr::Path(path) = &*call.func else {
                return None;
            };
            let segments = &path.path.segments;
            let local = segments.len() == 1 || (segments.len() == 2 && segments[0].ident == "Self");
            local.then(|| segments.last().map(|seg| seg.ident.to_string()))?
        }
        Expr::MethodCall(call) => {
            matches!(&*call.receiver, Expr::Path(p) if p.path.is_ident("self"))
                .then(|| call.method.to_string())
        }
        _ => None,
    }
}

/// Functions of the file whose result is stored in a retry flag, each with the flag's name.
fn flag_helpers(file: &syn::File) -> HashMap<String, String> {
    /// The function of the file a value comes from, through `?`, `.await` and `.unwrap_or(..)`.
    fn source_call(expr: &Expr) -> Option<String> {
        if let Some(name) = local_callee(expr) {
            return Some(name);
        }
        match expr {
            Expr::MethodCall(call)
                if matches!(
                    call.method.to_string().as_str(),
                    "unwrap_or" | "unwrap_or_else" | "unwrap_or_default" | "unwrap" | "expect"
                ) =>
            {
                source_call(&call.receiver)
            }
            Expr::Try(t) => source_call(&t.expr),
            Expr::Await(a) => source_call(&a.base),
            Expr::Paren(p) => source_call(&p.expr),
            _ => None,
        }
    }
    /// The retry flag among names bound or assigned: `retryable` of `(kind, retryable)`.
    fn flag(names: Vec<String>) -> Option<String> {
        names.into_iter().find(|name| name_polarity(name).is_some())
    }
    struct Finder(HashMap<String, String>);
    impl<'ast> Visit<'ast> for Finder {
        fn visit_local(&mut self, local: &'ast Local) {
            if let Some(name) = local.init.as_ref().and_then(|init| source_call(&init.expr)) {
                if let Some(flag) = flag(bound_names(&local.pat)) {
                    self.0.entry(name).or_insert(flag);
                }
            }
            syn::visit::visit_local(self, local);
        }
        fn visit_expr_assign(&mut self, assign: &'ast syn::ExprAssign) {
            if let Some(name) = source_call(&assign.right) {
                if let Some(flag) = flag(names_in(&assign.left)) {
                    self.0.entry(name).or_insert(flag);
                }
            }
            syn::visit::visit_expr_assign(self, assign);
        }
    }
    let mut finder = Finder(HashMap::new());
    finder.visit_file(file);
    finder.0
}

/// Whether a function's result holds a `bool` (`bool`, `Option<bool>`, `Option<(Kind, bool)>`):
/// the shapes an answer can take.
pub(super) fn returns_a_bool(sig: &syn::Signature) -> bool {
    fn holds_bool(stream: proc_macro2::TokenStream) -> bool {
        stream.into_iter().any(|token| match token {
            proc_macro2::TokenTree::Ident(ident) => ident == "bool",
            proc_macro2::TokenTree::Group(group) => holds_bool(group.stream()),
            _ => false,
        })
    }
    match &sig.output {
        syn::ReturnType::Type(_, ty) => holds_bool(ty.to_token_stream()),
        syn::ReturnType::Default => false,
    }
}
