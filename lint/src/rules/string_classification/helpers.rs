//! Functions whose answer decides a retry one call away: those a classifier answers with and
//! those a retry flag is set from.

use std::collections::HashMap;

use quote::ToTokens;
use syn::visit::Visit;
use syn::{Expr, Local, Pat};

use crate::classifier::Classifier;

/// The functions a classifier answers with, one call away: `check_response(err.raw())` as the
/// answer of an arm of `is_retriable_error` (alone, negated or in a `||`/`&&` chain), called by
/// name or as `self.name(..)`/`Self::name(..)`. Each maps to how findings name it.
pub(super) fn answer_helpers(classifiers: &[Classifier<'_>]) -> HashMap<String, String> {
    fn called(expr: &Expr, out: &mut Vec<String>) {
        match expr {
            Expr::Call(call) => {
                if let Expr::Path(path) = &*call.func {
                    let segments = &path.path.segments;
                    let local = segments.len() == 1
                        || (segments.len() == 2 && segments[0].ident == "Self");
                    if let (true, Some(last)) = (local, segments.last()) {
                        out.push(last.ident.to_string());
                    }
                }
            }
            Expr::MethodCall(call) => {
                if matches!(&*call.receiver, Expr::Path(p) if p.path.is_ident("self")) {
                    out.push(call.method.to_string());
                }
            }
            Expr::Binary(binary)
                if matches!(binary.op, syn::BinOp::Or(_) | syn::BinOp::And(_)) =>
            {
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
            helpers
                .entry(name.clone())
                .or_insert_with(|| format!("`{name}`, whose answer {} returns,", classifier.describe()));
        }
    }
    helpers
}

/// Functions of the file whose result is stored in a retry flag: `let retryable =
/// is_retryable_text(&msg);`, `(kind, retryable) = parse_summary(&s).unwrap_or((kind, false));`.
/// Each maps to the flag's name.
pub(super) fn flag_helpers(file: &syn::File) -> HashMap<String, String> {
    /// The flag a pattern or assignee binds: a retry-worded name, alone or in a tuple.
    fn flag_in(expr_or_pat: FlagTarget<'_>) -> Option<String> {
        let names: Vec<String> = match expr_or_pat {
            FlagTarget::Pat(Pat::Ident(ident)) => vec![ident.ident.to_string()],
            FlagTarget::Pat(Pat::Tuple(tuple)) => tuple
                .elems
                .iter()
                .filter_map(|p| match p {
                    Pat::Ident(ident) => Some(ident.ident.to_string()),
                    _ => None,
                })
                .collect(),
            FlagTarget::Pat(_) => Vec::new(),
            FlagTarget::Expr(Expr::Path(path)) => {
                path.path.get_ident().map(|i| vec![i.to_string()]).unwrap_or_default()
            }
            FlagTarget::Expr(Expr::Tuple(tuple)) => tuple
                .elems
                .iter()
                .filter_map(|e| match e {
                    Expr::Path(path) => path.path.get_ident().map(ToString::to_string),
                    _ => None,
                })
                .collect(),
            FlagTarget::Expr(_) => Vec::new(),
        };
        names
            .into_iter()
            .find(|name| crate::retry_words::name_polarity(name).is_some())
    }
    /// The function of the file a value comes from, through `?`, `.unwrap_or(..)` and the like.
    fn source_call(expr: &Expr) -> Option<String> {
        match expr {
            Expr::Call(call) => match &*call.func {
                Expr::Path(path) if path.path.segments.len() == 1 => {
                    Some(path.path.segments[0].ident.to_string())
                }
                Expr::Path(path)
                    if path.path.segments.len() == 2 && path.path.segments[0].ident == "Self" =>
                {
                    Some(path.path.segments[1].ident.to_string())
                }
                _ => None,
            },
            Expr::MethodCall(call) => {
                let method = call.method.to_string();
                if matches!(&*call.receiver, Expr::Path(p) if p.path.is_ident("self")) {
                    Some(method)
                } else if matches!(
                    method.as_str(),
                    "unwrap_or" | "unwrap_or_else" | "unwrap_or_default" | "unwrap" | "expect"
                ) {
                    source_call(&call.receiver)
                } else {
                    None
                }
            }
            Expr::Try(t) => source_call(&t.expr),
            Expr::Await(a) => source_call(&a.base),
            Expr::Paren(p) => source_call(&p.expr),
            _ => None,
        }
    }
    enum FlagTarget<'e> {
        Pat(&'e Pat),
        Expr(&'e Expr),
    }
    struct Finder(HashMap<String, String>);
    impl<'ast> Visit<'ast> for Finder {
        fn visit_local(&mut self, local: &'ast Local) {
            if let (Some(init), Some(flag)) = (&local.init, flag_in(FlagTarget::Pat(&local.pat))) {
                if let Some(name) = source_call(&init.expr) {
                    self.0.entry(name).or_insert(flag);
                }
            }
            syn::visit::visit_local(self, local);
        }
        fn visit_expr_assign(&mut self, assign: &'ast syn::ExprAssign) {
            if let Some(flag) = flag_in(FlagTarget::Expr(&assign.left)) {
                if let Some(name) = source_call(&assign.right) {
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

