//! The backoff crate's retries that never end: a policy without an elapsed-time limit handed an
//! operation that never answers permanent.

use syn::Expr;

use super::{PolicyFinder, INFO};
use crate::finding::Region;
use crate::retry_library::backoff::{transient_by_default, transient_everywhere, ByDefault};
use crate::retry_library::callee;

impl<'ast> PolicyFinder<'_, 'ast> {
    /// A backoff retry whose policy comes from one of the tree's functions handing out a policy
    /// without an end (`retry_notify(retry_policy_local(), op, notify)`) and whose operation makes
    /// every error transient: nothing ever stops it. Documented when the comments or messages
    /// around the whole call (the `.expect(..)` after it included) say the retries go on.
    pub(super) fn check_endless_retry(&mut self, call: &'ast syn::ExprCall) {
        let Some(Expr::Call(policy)) = call.args.first() else {
            return;
        };
        let Some((_, policy_name)) = callee(policy) else {
            return;
        };
        if !policy.args.is_empty() || !self.cx.tree.endless_policies.contains(&policy_name) {
            return;
        }
        let Some(operation) = self.operations.operation(call) else {
            return;
        };
        let everywhere =
            !transient_everywhere(operation, self.cx.ast, &self.backoff_answers).is_empty();
        let by_default = if everywhere {
            None
        } else {
            transient_by_default(operation)
        };
        if !everywhere && by_default.is_none() {
            return;
        }
        let every = everywhere || by_default == Some(ByDefault::Every);
        let region = Region::of(&*call.func);
        let end = Region::of(call).end_line;
        let source = self.cx.source;
        let documented = crate::intent::documented_as_endless(
            source,
            region.line.saturating_sub(2).max(1),
            end + 3,
            "",
        ) || self.documented_as_endless(region.line);
        if documented {
            return;
        }
        self.findings.push(self.cx.report(
            &INFO,
            region,
            format!(
                "this retry never ends: `{policy_name}()` has no max elapsed time, and the \
                 operation makes every error{} transient",
                if every { "" } else { " it does not single out" }
            ),
            "answer `backoff::Error::permanent` for errors that cannot succeed, or give the \
             policy a max elapsed time",
        ));
    }
}
