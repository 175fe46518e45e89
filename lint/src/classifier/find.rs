//! Finding the classifiers of a file: functions by their name, signature and enclosing impl,
//! conditions handed to retry libraries, and inline decisions.

use std::collections::HashSet;

use syn::visit::Visit;
use syn::{
    Block, Expr, FnArg, Generics, ItemImpl, ItemTrait, Pat, ReturnType, Signature, Stmt, Type,
};

use super::conditions::{condition_argument, method_takes_condition, ConditionNames};
use super::inline::inline_decisions;
use super::signature::{
    bounds_mention_error, bounds_mention_retry_trait, generic_bound_mentions_error,
    lifecycle_state, name_looks_like_error, own_answer_enum, result_error_type, returns_bool,
    returns_option_duration,
};
use super::{Classifier, ClassifierBody, ClassifierKind, Origin, ERROR_PARAM_NAMES};
use crate::facts::TreeFacts;
use crate::retry_words::{
    name_polarity, names_a_failover, names_an_outcome, trait_decides_retries, verdict_like_type,
    words, Polarity,
};
use crate::syntax::attributes::marked_unused;
use crate::syntax::names::path_segments;
use crate::syntax::types::type_name;

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
        // A method of a retry trait named for another choice (`should_try_next_url`, `fallback`)
        // decides a failover to something else, not whether to repeat the same call.
        let in_retry_trait = scope.is_some_and(|s| s.is_retry_trait) && !names_a_failover(&name);
        let polarity = name_polarity(&name);
        let returned = match &sig.output {
            ReturnType::Type(_, ty) => type_name(ty),
            ReturnType::Default => None,
        };
        let (kind, polarity) = if in_classify_impl && sig.ident == "verdict" {
            (ClassifierKind::Verdict, Polarity::Retry)
        } else if returns_bool(sig) {
            let listed = self.tree.is_classifier_name(&name) || self.condition_fns.contains(&name);
            // A question a retry decision asks of an error decides retries whatever its name,
            // unless it only tells one variant (`is_not_found`, `is_write_conflict`): that
            // defines the variant's case, and the other variants are not it by definition.
            let by_use = self
                .tree
                .retry_condition(&name)
                .filter(|_| !super::signature::tests_one_variant(body));
            if polarity.is_none() && !listed && !in_retry_trait && by_use.is_none() {
                return;
            }
            (
                ClassifierKind::Predicate,
                polarity.or(by_use).unwrap_or(Polarity::Retry),
            )
        } else if returned
            .as_deref()
            .is_some_and(|ty| verdict_like_type(ty) || self.tree.verdict_enums.contains(ty))
        {
            (ClassifierKind::VerdictLike, Polarity::Retry)
        } else if polarity.is_some()
            && returned
                .as_deref()
                .is_some_and(|ty| own_answer_enum(ty, self.tree))
        {
            // `fn should_retry_send(err: &SendError) -> RecoveryStep`: the name asks the question
            // and the variants of the tree's own enum answer it.
            (ClassifierKind::VerdictLike, Polarity::Retry)
        } else if returns_option_duration(sig)
            && words(&name)
                .iter()
                .any(|w| matches!(w.as_str(), "retry" | "backoff"))
            && !super::accessor::hands_back_a_carried_delay(body)
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
                    // The outcome of a call (`result: &TransportResult`, `outcome: &Outcome`)
                    // holds its error when it failed.
                    let by_type =
                        self.looks_like_error(&typed.ty, &[&sig.generics], outer_generics)
                            || type_name(&typed.ty).is_some_and(|name| names_an_outcome(&name));
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
            origin: Origin::Function,
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
            origin: Origin::RetryCondition,
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
            origin: Origin::ErrorMapping,
            label: Some("the error mapping to `backoff::Error::transient`".to_owned()),
            self_type: None,
            error_inputs,
            slot: None,
        });
    }

    /// `let can_retry = match err { .. };` read later by a decision on `can_retry`.
    fn consider_inline(&mut self, stmts: &'a [Stmt]) {
        let self_type = self.scope.last().and_then(|s| s.self_type.clone());
        self.found.extend(inline_decisions(stmts, self_type));
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
        // The outcome of a call (`resp: Result<R, HttpClientError>`) holds its error.
        if let Some(error) = result_error_type(ty) {
            return self.looks_like_error(error, generics, outer);
        }
        generics
            .iter()
            .copied()
            .chain(outer)
            .any(|g| generic_bound_mentions_error(g, &name))
    }
}

/// Whether a closure body answers with the backoff crate's `Error::transient(..)` or
/// `Error::permanent(..)`.
fn maps_to_backoff_kinds(body: &Expr) -> bool {
    struct Kinds(bool);
    impl<'ast> Visit<'ast> for Kinds {
        fn visit_expr_call(&mut self, call: &'ast syn::ExprCall) {
            if let Expr::Path(path) = &*call.func {
                let segments = path_segments(&path.path);
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
        if !marked_unused(&item.attrs) {
            self.consider(&item.sig, &item.block);
        }
        syn::visit::visit_item_fn(self, item);
        self.scope = saved;
    }

    fn visit_impl_item_fn(&mut self, item: &'a syn::ImplItemFn) {
        if !marked_unused(&item.attrs) {
            self.consider(&item.sig, &item.block);
        }
        // Items nested in the body do not belong to the impl.
        let saved = std::mem::take(&mut self.scope);
        syn::visit::visit_impl_item_fn(self, item);
        self.scope = saved;
    }

    fn visit_trait_item_fn(&mut self, item: &'a syn::TraitItemFn) {
        if let Some(body) = item
            .default
            .as_ref()
            .filter(|_| !marked_unused(&item.attrs))
        {
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
