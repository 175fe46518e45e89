//! Whether an endless retry is chosen on purpose: by an option of the user's (`opts.reconnect`),
//! or by what the loop's function or its type documents (the words are read by
//! [`crate::intent`]).

use syn::visit::Visit;

use super::error_paths::{ErrorPath, ErrorPaths};
use super::words::has_part;
use crate::rule::FileContext;
use crate::syntax::exits::{exits, Exit};
use crate::syntax::patterns::{pattern_kind, PatternKind};

/// Name parts of a switch that turns reconnecting or retrying on or off.
const SWITCH_PARTS: &[&str] = &["reconnect", "retry", "retries"];

/// Whether an error path of the loop branches on a switch named for reconnecting or retrying
/// (`else if !opts.no_reconnect { sleep(..) } else { break }`): a field of the options or the
/// configuration, not a call and not a local decision such as `let retry = match err { .. }`
/// (a classification, which bounds nothing). Going round is then what the user asked for.
pub(super) fn switched_by_option(body: &syn::Block) -> bool {
    struct Switches(bool);
    impl<'ast> Visit<'ast> for Switches {
        fn visit_expr_closure(&mut self, _: &'ast syn::ExprClosure) {}
        fn visit_item(&mut self, _: &'ast syn::Item) {}
        fn visit_expr_if(&mut self, node: &'ast syn::ExprIf) {
            if is_switch(&node.cond, false) {
                self.0 = true;
            }
            syn::visit::visit_expr_if(self, node);
        }
    }
    let mut switches = Switches(false);
    ErrorPaths(|_: &syn::Expr, path| match path {
        ErrorPath::Expr(expr) => switches.visit_expr(expr),
        ErrorPath::Block(block) => switches.visit_block(block),
    })
    .visit_block(body);
    switches.0 || guarded_by_reconnect_switch(body)
}

/// Names of the values that hold the user's options.
const OPTION_HOLDERS: &[&str] = &["opt", "opts", "option", "options", "config", "cfg", "args"];

/// Whether a condition turns retrying on by an option named for it (`if opts.retry_activate`,
/// `if self.config.reconnect`), for the loops written in its branch. A negated one (`if
/// !opts.retry`) is the branch where retrying is off, and a flag of the program's own state
/// (`self.needs_reconnect`) is no option.
pub(super) fn is_option_switch(cond: &syn::Expr) -> bool {
    let syn::Expr::Field(field) = cond else {
        return false;
    };
    let held = match &*field.base {
        syn::Expr::Path(path) => path.path.get_ident().map(ToString::to_string),
        syn::Expr::Field(inner) => match &inner.member {
            syn::Member::Named(name) => Some(name.to_string()),
            syn::Member::Unnamed(_) => None,
        },
        _ => None,
    };
    let negative = matches!(&field.member,
        syn::Member::Named(name) if has_part(&name.to_string(), &["no", "disable", "skip"]));
    held.is_some_and(|holder| OPTION_HOLDERS.contains(&holder.as_str()))
        && !negative
        && is_switch(cond, false)
}

/// A switch named for reconnecting or retrying, negated or not: a field of the options or the
/// configuration (`opts.no_reconnect`), or with `bare_names` a binding that speaks of
/// reconnecting (`auto_reconnect`, destructured from the options); `retry` alone is as often a
/// local classification.
fn is_switch(cond: &syn::Expr, bare_names: bool) -> bool {
    match cond {
        syn::Expr::Unary(unary) if matches!(unary.op, syn::UnOp::Not(_)) => {
            is_switch(&unary.expr, bare_names)
        }
        syn::Expr::Paren(paren) => is_switch(&paren.expr, bare_names),
        syn::Expr::Field(field) => matches!(&field.member,
            syn::Member::Named(name) if has_part(&name.to_string(), SWITCH_PARTS)),
        syn::Expr::Path(path) if bare_names => path
            .path
            .get_ident()
            .is_some_and(|ident| has_part(&ident.to_string(), &["reconnect"])),
        _ => false,
    }
}

/// Whether an error arm of the loop is guarded by a reconnect switch (`Err(e) if !auto_reconnect
/// => return`): the other error arms go round because the switch said so.
fn guarded_by_reconnect_switch(body: &syn::Block) -> bool {
    struct Guards(bool);
    impl<'ast> Visit<'ast> for Guards {
        fn visit_expr_closure(&mut self, _: &'ast syn::ExprClosure) {}
        fn visit_item(&mut self, _: &'ast syn::Item) {}
        fn visit_expr_loop(&mut self, _: &'ast syn::ExprLoop) {}
        fn visit_expr_while(&mut self, _: &'ast syn::ExprWhile) {}
        fn visit_expr_for_loop(&mut self, _: &'ast syn::ExprForLoop) {}
        fn visit_arm(&mut self, arm: &'ast syn::Arm) {
            let on_error = pattern_kind(&arm.pat) == PatternKind::Err;
            if let (true, Some((_, guard))) = (on_error, &arm.guard) {
                let leaves = exits(&arm.body, None, Exit::Normal);
                if leaves && is_switch(guard, true) {
                    self.0 = true;
                }
            }
            syn::visit::visit_arm(self, arm);
        }
    }
    let mut guards = Guards(false);
    guards.visit_block(body);
    guards.0
}

/// Whether the code from the start of the enclosing function (its doc comment and the line
/// comments right above it included) to a few lines after `end_line`, but not past the function's
/// end (the next item's doc comment speaks of that item), or the function's name, documents an
/// endless retry; or, for a method, the doc comment of its type (see
/// [`type_documented_as_endless`]). `function` is the enclosing function's name, first line and
/// last line.
pub(super) fn loop_documented_as_endless(
    cx: &FileContext<'_>,
    function: Option<(&str, usize, usize)>,
    impl_type: Option<&str>,
    line: usize,
    end_line: usize,
) -> bool {
    let (name, first_line, last_line) =
        function.unwrap_or(("", line.saturating_sub(10), usize::MAX));
    let first_line = crate::intent::comment_above(cx.source, first_line);
    let to = (end_line + 3).min(last_line);
    crate::intent::documented_as_endless(cx.source, first_line, to, name)
        || impl_type.is_some_and(|ty| type_documented_as_endless(cx.ast, cx.source, ty))
}

/// Whether the type a method belongs to is documented as retrying until it succeeds: the doc
/// comment of the file's `struct`, `enum` or `union` named `type_name` ("This policy will block
/// until the allocation succeeds." above `pub struct BlockOn`), so that its methods' loops are
/// what the type promises.
pub(super) fn type_documented_as_endless(file: &syn::File, source: &str, type_name: &str) -> bool {
    struct Types<'n> {
        name: &'n str,
        found: Option<(usize, usize)>,
    }
    impl Types<'_> {
        fn consider(&mut self, ident: &syn::Ident, attrs: &[syn::Attribute]) {
            if self.found.is_none() && ident == self.name {
                let to = crate::finding::Region::of(ident).line;
                let from = attrs
                    .iter()
                    .filter(|attr| attr.path().is_ident("doc"))
                    .map(|attr| crate::finding::Region::of(attr).line)
                    .min()
                    .unwrap_or(to);
                self.found = Some((from, to));
            }
        }
    }
    impl<'ast> Visit<'ast> for Types<'_> {
        fn visit_item_struct(&mut self, node: &'ast syn::ItemStruct) {
            self.consider(&node.ident, &node.attrs);
        }
        fn visit_item_enum(&mut self, node: &'ast syn::ItemEnum) {
            self.consider(&node.ident, &node.attrs);
        }
        fn visit_item_union(&mut self, node: &'ast syn::ItemUnion) {
            self.consider(&node.ident, &node.attrs);
        }
        fn visit_item_fn(&mut self, _: &'ast syn::ItemFn) {}
        fn visit_item_impl(&mut self, _: &'ast syn::ItemImpl) {}
    }
    let mut types = Types {
        name: type_name,
        found: None,
    };
    types.visit_file(file);
    types
        .found
        .is_some_and(|(from, to)| crate::intent::documented_as_endless(source, from, to, ""))
}
