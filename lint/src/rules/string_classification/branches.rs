//! The shapes of a text check's branches: whether they leave, whether every arm gives the same
//! answer, which flags they set, whether they only log.

use std::collections::HashMap;

use syn::visit::Visit;
use syn::Expr;

use crate::finding::Region;

/// Whether a block may leave the loop or function it is in (`return`, `break`, `bail!`), outside
/// nested closures. When both branches of a text check leave, the check picks a way out, not
/// whether to go round again.
pub(super) fn leaves(block: &syn::Block) -> bool {
    let mut leaves = Leaves(false);
    leaves.visit_block(block);
    leaves.0
}

/// [`leaves`] for an expression (a `match` arm's body).
pub(super) fn expr_leaves(expr: &Expr) -> bool {
    let mut leaves = Leaves(false);
    leaves.visit_expr(expr);
    leaves.0
}

/// Finds a `return`, a `break` or a `bail!` outside nested closures.
struct Leaves(bool);

impl<'ast> Visit<'ast> for Leaves {
    fn visit_expr_return(&mut self, _: &'ast syn::ExprReturn) {
        self.0 = true;
    }
    fn visit_expr_break(&mut self, _: &'ast syn::ExprBreak) {
        self.0 = true;
    }
    fn visit_macro(&mut self, mac: &'ast syn::Macro) {
        if crate::syntax::exits::is_bail_macro(mac) {
            self.0 = true;
        }
    }
    fn visit_expr_closure(&mut self, _: &'ast syn::ExprClosure) {}
}

/// Whether every arm of a `match` answers the same `bool`s, alone or in a tuple
/// (`"file does not exist" => (NotFound, false), _ => (Unexpected, false)`): the text picks a
/// kind, the verdict is the same whatever it says.
pub(super) fn same_verdict_in_every_arm(m: &syn::ExprMatch) -> bool {
    fn bools(expr: &Expr) -> Option<Vec<bool>> {
        let literal = |expr: &Expr| match expr {
            Expr::Lit(syn::ExprLit {
                lit: syn::Lit::Bool(b),
                ..
            }) => Some(b.value),
            _ => None,
        };
        let found: Vec<bool> = match expr {
            Expr::Tuple(tuple) => tuple.elems.iter().filter_map(literal).collect(),
            Expr::Paren(p) => return bools(&p.expr),
            other => literal(other).into_iter().collect(),
        };
        (!found.is_empty()).then_some(found)
    }
    let mut answers = m.arms.iter().map(|arm| bools(&arm.body));
    match answers.next() {
        Some(Some(first)) => answers.all(|other| other.as_ref() == Some(&first)),
        _ => false,
    }
}

/// The checks behind the text-check flags a condition reads as a whole operand: `flag`, `!flag`,
/// `flag && x`, `let Some(hash) = flag`, or hands to a yes/no question
/// (`should_give_up(&mut seen, bucket, flag)`), unless the question is a function of `file` that
/// never reads that parameter outside macros (a flag only logged decides nothing). The flag
/// decides as much as the check written in place.
pub(super) fn flag_operands(
    expr: &Expr,
    flags: &HashMap<String, Vec<Region>>,
    file: &syn::File,
) -> Vec<Region> {
    if flags.is_empty() {
        return Vec::new();
    }
    if let Some((name, args, method)) = question_call(expr) {
        // The file is searched for the question only for an argument that carries a flag.
        let mut checks = Vec::new();
        for (index, arg) in args.into_iter().enumerate() {
            let arg = match arg {
                Expr::Reference(r) => &*r.expr,
                other => other,
            };
            let carried = flag_operands(arg, flags, file);
            if !carried.is_empty() && reads_parameter(file, &name, index, method) {
                checks.extend(carried);
            }
        }
        return checks;
    }
    match expr {
        Expr::Path(path) => path
            .path
            .get_ident()
            .and_then(|ident| flags.get(&ident.to_string()))
            .cloned()
            .unwrap_or_default(),
        Expr::Unary(u) => flag_operands(&u.expr, flags, file),
        Expr::Paren(p) => flag_operands(&p.expr, flags, file),
        Expr::Let(l) => flag_operands(&l.expr, flags, file),
        Expr::Binary(b) if matches!(b.op, syn::BinOp::And(_) | syn::BinOp::Or(_)) => {
            let mut checks = flag_operands(&b.left, flags, file);
            checks.extend(flag_operands(&b.right, flags, file));
            checks
        }
        _ => Vec::new(),
    }
}

/// A call asking a yes/no question, by the question's name: the name, the arguments, and whether
/// it is a method call (its arguments come after the receiver).
fn question_call(expr: &Expr) -> Option<(String, Vec<&Expr>, bool)> {
    let (name, args, method) = match expr {
        Expr::Call(call) => match &*call.func {
            Expr::Path(path) => (
                path.path.segments.last()?.ident.to_string(),
                &call.args,
                false,
            ),
            _ => return None,
        },
        Expr::MethodCall(call) => (call.method.to_string(), &call.args, true),
        _ => return None,
    };
    QUESTION_PREFIXES
        .iter()
        .any(|prefix| name.starts_with(prefix))
        .then(|| (name, args.iter().collect(), method))
}

/// Whether the question `name`, if `file` defines it, reads its parameter at `index` (counted
/// after the receiver for a method call) outside macros. A question defined elsewhere may.
fn reads_parameter(file: &syn::File, name: &str, index: usize, method: bool) -> bool {
    /// The functions and methods of the file called `name`.
    struct Defined<'a, 'n> {
        name: &'n str,
        found: Vec<(&'a syn::Signature, &'a syn::Block)>,
    }
    impl<'a> Visit<'a> for Defined<'a, '_> {
        fn visit_item_fn(&mut self, item: &'a syn::ItemFn) {
            if item.sig.ident == self.name {
                self.found.push((&item.sig, &item.block));
            }
            syn::visit::visit_item_fn(self, item);
        }
        fn visit_impl_item_fn(&mut self, item: &'a syn::ImplItemFn) {
            if item.sig.ident == self.name {
                self.found.push((&item.sig, &item.block));
            }
            syn::visit::visit_impl_item_fn(self, item);
        }
    }
    let mut defined = Defined {
        name,
        found: Vec::new(),
    };
    defined.visit_file(file);
    if defined.found.is_empty() {
        return true;
    }
    defined.found.iter().any(|(sig, body)| {
        let inputs: Vec<&syn::FnArg> = sig
            .inputs
            .iter()
            .filter(|input| !method || matches!(input, syn::FnArg::Typed(_)))
            .collect();
        match inputs.get(index) {
            Some(syn::FnArg::Typed(typed)) => match &*typed.pat {
                syn::Pat::Ident(ident) => {
                    let param = ident.ident.to_string();
                    !param.starts_with('_') && read_outside_logging(body, &param)
                }
                _ => true,
            },
            Some(syn::FnArg::Receiver(_)) => true,
            None => true,
        }
    })
}

/// Whether `body` reads `name` other than in a macro or in the condition of an `if` that only
/// logs (`if !expected { eprintln!(..) }`).
fn read_outside_logging(body: &syn::Block, name: &str) -> bool {
    struct Reads<'n> {
        name: &'n str,
        found: bool,
    }
    impl<'ast> Visit<'ast> for Reads<'_> {
        fn visit_expr_if(&mut self, node: &'ast syn::ExprIf) {
            if node.else_branch.is_none() && only_macros(&node.then_branch) {
                return;
            }
            syn::visit::visit_expr_if(self, node);
        }
        fn visit_ident(&mut self, ident: &'ast proc_macro2::Ident) {
            self.found |= ident == self.name;
        }
    }
    let mut reads = Reads { name, found: false };
    reads.visit_block(body);
    reads.found
}

/// Names that begin a yes/no question a condition asks (`should_give_up`, `is_exhausted`): a
/// decision on its arguments, where [`super::text::predicate_name`] names a test of text.
const QUESTION_PREFIXES: &[&str] = &["is_", "has_", "should_", "must_", "can_", "needs_", "may_"];

/// Whether a block does nothing but call macros (`debug!(..)`, `metrics::counter!(..)`).
pub(super) fn only_macros(block: &syn::Block) -> bool {
    block.stmts.iter().all(|stmt| {
        matches!(
            stmt,
            syn::Stmt::Macro(_) | syn::Stmt::Expr(Expr::Macro(_), _)
        )
    })
}
