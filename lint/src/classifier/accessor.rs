//! Accessors that look like retry-after classifiers: `fn retry_after(&self) -> Option<Duration>`
//! that hands back the delay one variant carries (`Self::Throttled { retry_after } =>
//! Some(*retry_after), _ => None`). `None` there means "no delay given", not "do not retry".

use syn::visit::Visit;
use syn::{Block, Expr};

use crate::syntax::names::bound_names;

/// Whether every `Some(..)` a body answers with holds a value the error carries: a name bound by
/// the pattern of the arm it is in (`Some(*retry_after)`, `Some(delay.clone())`), or an arm hands
/// back an optional delay it carries (`Command(error) => error.base_backoff`). A body that
/// computes a delay (`Some(Duration::from_secs(1))`, `Some(backoff(attempt))`) or hands out one it
/// was configured with (`Some(self.delay)`, a policy's) decides one.
pub(super) fn hands_back_a_carried_delay(body: &Block) -> bool {
    let mut finder = CarriedSome {
        bound: Vec::new(),
        carried: 0,
        computed: 0,
    };
    finder.visit_block(body);
    finder.carried > 0 && finder.computed == 0
}

struct CarriedSome {
    /// The names bound by the patterns of the arms being visited, innermost last.
    bound: Vec<String>,
    carried: usize,
    computed: usize,
}

impl CarriedSome {
    /// Whether a value is carried data: a name the arm's pattern bound or a field of one, behind
    /// `*`, `&`, `.clone()`, `.into()` and the like.
    fn carried(&self, expr: &Expr) -> bool {
        match expr {
            Expr::Unary(unary) => self.carried(&unary.expr),
            Expr::Reference(reference) => self.carried(&reference.expr),
            Expr::Paren(paren) => self.carried(&paren.expr),
            Expr::MethodCall(call)
                if call.args.is_empty()
                    && matches!(
                        call.method.to_string().as_str(),
                        "clone" | "into" | "to_owned" | "copied" | "cloned"
                    ) =>
            {
                self.carried(&call.receiver)
            }
            // `command_error.base_backoff`: a field of what the arm bound.
            Expr::Field(field) => self.carried(&field.base),
            Expr::Path(path) => path
                .path
                .get_ident()
                .is_some_and(|ident| self.bound.iter().any(|name| ident == name)),
            _ => false,
        }
    }
}

impl<'ast> Visit<'ast> for CarriedSome {
    fn visit_arm(&mut self, arm: &'ast syn::Arm) {
        let before = self.bound.len();
        self.bound.extend(bound_names(&arm.pat));
        // `Command(error) => error.base_backoff`: an optional delay handed back as it is.
        if self.carried(&arm.body) {
            self.carried += 1;
        }
        syn::visit::visit_arm(self, arm);
        self.bound.truncate(before);
    }

    fn visit_expr_call(&mut self, call: &'ast syn::ExprCall) {
        let some = matches!(&*call.func, Expr::Path(path) if path.path.is_ident("Some"));
        if some && call.args.len() == 1 {
            if self.carried(&call.args[0]) {
                self.carried += 1;
            } else {
                self.computed += 1;
            }
        }
        syn::visit::visit_expr_call(self, call);
    }

    fn visit_expr_closure(&mut self, _: &'ast syn::ExprClosure) {}
}
