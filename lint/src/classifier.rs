//! Which functions decide whether an error is retried.
//!
//! A classifier is a function named like one of
//! [`DEFAULT_CLASSIFIER_NAMES`](crate::facts::DEFAULT_CLASSIFIER_NAMES) (or a name added in
//! `triage.toml`) that returns `bool`, or the `verdict` method of an `impl Classify for T`. A function
//! with a classifier's name only counts when it inspects an error: its receiver's type or one of its
//! parameters looks like an error (`TableOptions::is_transient` reading a map is not a classifier).

use syn::visit::Visit;
use syn::{
    Block, Expr, FnArg, GenericParam, Generics, ItemImpl, ItemTrait, Pat, ReturnType, Signature,
    Stmt, Type, TypeParamBound,
};

use crate::facts::TreeFacts;
use crate::syntax::types::type_name;

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
    /// A `bool` function from the name list: `true` means retry.
    Predicate,
    /// `fn verdict(&self) -> Verdict` in an `impl Classify for T`: `Verdict::Retryable` means retry.
    Verdict,
}

/// The answer a constant expression gives to "retry this error?".
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Answer {
    /// `true` or `Verdict::Retryable`.
    Retry,
    /// `false` or `Verdict::Terminal`.
    DoNotRetry,
}

/// One classifier function found in a file, borrowing the parsed file.
#[derive(Debug, Clone)]
pub struct Classifier<'a> {
    /// Predicate or `Classify::verdict`.
    pub kind: ClassifierKind,
    /// The function's signature (its name and span come from here).
    pub sig: &'a Signature,
    /// The function's body.
    pub body: &'a Block,
    /// The `Self` type of the impl or the trait the function sits in, by last path segment.
    pub self_type: Option<String>,
    /// The bindings that hold the inspected error: `self` and/or parameter names.
    pub error_inputs: Vec<String>,
}

impl Classifier<'_> {
    /// The function's name.
    pub fn name(&self) -> String {
        self.sig.ident.to_string()
    }

    /// `name` for a free function, `Type::name` for a method.
    pub fn qualified_name(&self) -> String {
        match &self.self_type {
            Some(ty) => format!("{ty}::{}", self.sig.ident),
            None => self.sig.ident.to_string(),
        }
    }
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
    let mut finder = ClassifierFinder {
        tree,
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
    generics: Option<&'a Generics>,
}

struct ClassifierFinder<'a, 't> {
    tree: &'t TreeFacts,
    scope: Vec<Scope<'a>>,
    found: Vec<Classifier<'a>>,
}

impl<'a> ClassifierFinder<'a, '_> {
    fn consider(&mut self, sig: &'a Signature, body: &'a Block) {
        let scope = self.scope.last();
        let name = sig.ident.to_string();
        let in_classify_impl = scope.is_some_and(|s| s.is_classify_impl);
        let kind = if in_classify_impl && name == "verdict" {
            ClassifierKind::Verdict
        } else if self.tree.is_classifier_name(&name) && returns_bool(sig) {
            ClassifierKind::Predicate
        } else {
            return;
        };
        let outer_generics = scope.and_then(|s| s.generics);
        let mut error_inputs = Vec::new();
        for input in &sig.inputs {
            match input {
                FnArg::Receiver(_) => {
                    if in_classify_impl || scope.is_some_and(|s| s.self_is_error) {
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
                    if by_name || by_type {
                        error_inputs.push(binding.unwrap_or_else(|| "_".to_owned()));
                    }
                }
            }
        }
        if error_inputs.is_empty() {
            return;
        }
        self.found.push(Classifier {
            kind,
            sig,
            body,
            self_type: scope.and_then(|s| s.self_type.clone()),
            error_inputs,
        });
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
            Type::ImplTrait(imp) => return bounds_mention_error(imp.bounds.iter()),
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

impl<'a> Visit<'a> for ClassifierFinder<'a, '_> {
    fn visit_item_impl(&mut self, item: &'a ItemImpl) {
        let self_type = type_name(&item.self_ty);
        let is_classify_impl = item
            .trait_
            .as_ref()
            .and_then(|(_, path, _)| path.segments.last())
            .is_some_and(|seg| seg.ident == "Classify");
        let self_is_error = is_classify_impl
            || self_type
                .as_deref()
                .is_some_and(|name| name_looks_like_error(name, self.tree))
            || generic_bound_mentions_error(&item.generics, self_type.as_deref().unwrap_or(""));
        self.scope.push(Scope {
            self_type,
            self_is_error,
            is_classify_impl,
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
