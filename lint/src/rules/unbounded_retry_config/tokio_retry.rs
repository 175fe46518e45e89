//! tokio-retry's strategies: endless iterators of delays unless capped with `.take(n)`.

use std::collections::HashMap;

use syn::visit::Visit;
use syn::{Expr, Stmt};

use super::PolicyFinder;
use crate::retry_library::{callee, chain, Link};

/// tokio-retry's strategies: endless iterators of delays.
pub(super) const TOKIO_RETRY_STRATEGIES: &[&str] = &[
    "ExponentialBackoff",
    "ExponentialFactorBackoff",
    "FixedInterval",
    "FibonacciBackoff",
];

impl PolicyFinder<'_, '_> {
    /// The tokio-retry strategy an argument names, looking through one `let` binding.
    pub(super) fn uncapped_strategy(&self, arg: &Expr) -> bool {
        let expr = match arg {
            Expr::Path(path) => match path.path.get_ident() {
                Some(ident) => match self.strategies.get(&ident.to_string()) {
                    Some(bound) => *bound,
                    None => return false,
                },
                None => return false,
            },
            other => other,
        };
        let expr = match expr {
            Expr::Call(call) if call.args.is_empty() => {
                match callee(call).and_then(|(_, name)| self.functions.get(&name)) {
                    Some(tail) => *tail,
                    None => expr,
                }
            }
            other => other,
        };
        let (links, root) = chain(expr);
        let capped = links
            .iter()
            .any(|link| matches!(link, Link::Call(call) if call.method == "take"));
        let Expr::Call(constructor) = root else {
            return false;
        };
        let strategy = callee(constructor)
            .and_then(|(before, _)| before)
            .is_some_and(|ty| TOKIO_RETRY_STRATEGIES.contains(&ty.as_str()));
        strategy && !capped
    }
}

/// The tail expressions of the parameterless functions of a file.
#[derive(Default)]
pub(super) struct FunctionTails<'ast>(pub(super) HashMap<String, &'ast Expr>);

impl<'ast> Visit<'ast> for FunctionTails<'ast> {
    fn visit_item_fn(&mut self, item: &'ast syn::ItemFn) {
        if item.sig.inputs.is_empty() {
            if let Some(Stmt::Expr(tail, None)) = item.block.stmts.last() {
                self.0.insert(item.sig.ident.to_string(), tail);
            }
        }
        syn::visit::visit_item_fn(self, item);
    }
}
