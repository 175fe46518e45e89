//! Retry-by-default in the middle of a classifier: a block that singles out some cases with an
//! `if` that returns another answer, then ends in `return <retry>` for everything else.

use syn::visit::Visit;
use syn::{Block, Expr, Stmt};

use crate::classifier::{Answer, Classifier, ClassifierBody};
use crate::finding::Region;

/// The `return <retry>` statements that end a nested block after an `if` whose branch returns
/// another answer (`if status == "Success" { return Successful; } .. return Retry(..);`).
pub(super) fn early_retry_fallbacks(classifier: &Classifier<'_>) -> Vec<Region> {
    let top = match classifier.body {
        ClassifierBody::Block(block) => Some(block),
        ClassifierBody::Expr(Expr::Block(block)) => Some(&block.block),
        ClassifierBody::Expr(_) => None,
    };
    let mut finder = Fallbacks {
        classifier,
        top,
        found: Vec::new(),
    };
    classifier.visit_body(&mut finder);
    finder.found
}

struct Fallbacks<'c, 'a> {
    classifier: &'c Classifier<'a>,
    top: Option<&'a Block>,
    found: Vec<Region>,
}

impl Fallbacks<'_, '_> {
    fn check(&mut self, block: &Block) {
        let Some((Stmt::Expr(last @ Expr::Return(_), _), before)) = block.stmts.split_last() else {
            return;
        };
        if self.classifier.answer(last) != Some(Answer::Retry) {
            return;
        }
        let singles_out = before.iter().any(|stmt| match stmt {
            Stmt::Expr(Expr::If(check), _) => self.returns_other_answer(&check.then_branch),
            _ => false,
        });
        if singles_out {
            self.found.push(Region::of(last));
        }
    }

    /// Whether a branch returns an answer other than retry (outside closures).
    fn returns_other_answer(&self, branch: &Block) -> bool {
        struct Returns<'c, 'a> {
            classifier: &'c Classifier<'a>,
            other: bool,
        }
        impl<'ast> Visit<'ast> for Returns<'_, '_> {
            fn visit_expr_return(&mut self, node: &'ast syn::ExprReturn) {
                if let Some(value) = &node.expr {
                    if self.classifier.answer(value) != Some(Answer::Retry) {
                        self.other = true;
                    }
                }
                syn::visit::visit_expr_return(self, node);
            }
            fn visit_expr_closure(&mut self, _: &'ast syn::ExprClosure) {}
        }
        let mut returns = Returns {
            classifier: self.classifier,
            other: false,
        };
        returns.visit_block(branch);
        returns.other
    }
}

impl<'ast> Visit<'ast> for Fallbacks<'_, '_> {
    fn visit_block(&mut self, block: &'ast Block) {
        if !self.top.is_some_and(|top| std::ptr::eq(top, block)) {
            self.check(block);
        }
        syn::visit::visit_block(self, block);
    }

    // A closure's `return` answers for the closure; nested items are classified on their own.
    fn visit_expr_closure(&mut self, _: &'ast syn::ExprClosure) {}
    fn visit_item(&mut self, _: &'ast syn::Item) {}
}
