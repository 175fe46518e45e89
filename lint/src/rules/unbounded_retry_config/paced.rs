//! A backoff policy stepped by hand: `let delay = backoff.next_backoff()` paces a loop of the
//! file's own, and no retry function of the backoff crate (nor one of the tree's named for
//! retrying) is handed a policy. The loop decides when to stop, and `unbounded_retry` reads it;
//! the policy's missing `max_elapsed_time` only means its delays never run out.

use syn::visit::Visit;
use syn::ExprCall;

use crate::retry_library::backoff::is_backoff_retry;
use crate::retry_library::{callee, LibrariesUsed};
use crate::retry_words::names_retrying;

/// Whether the file steps a backoff policy by hand and never hands one to a retry function.
pub(super) fn steps_by_hand(file: &syn::File, libraries: LibrariesUsed) -> bool {
    struct Uses {
        libraries: LibrariesUsed,
        stepped: bool,
        handed: bool,
    }
    impl<'ast> Visit<'ast> for Uses {
        fn visit_expr_method_call(&mut self, call: &'ast syn::ExprMethodCall) {
            self.stepped |= call.method == "next_backoff" && call.args.is_empty();
            syn::visit::visit_expr_method_call(self, call);
        }
        fn visit_expr_call(&mut self, call: &'ast ExprCall) {
            self.handed |= is_backoff_retry(call, self.libraries)
                || (call.args.len() >= 2
                    && callee(call).is_some_and(|(_, name)| names_retrying(&name)));
            syn::visit::visit_expr_call(self, call);
        }
    }
    let mut uses = Uses {
        libraries,
        stepped: false,
        handed: false,
    };
    uses.visit_file(file);
    uses.stepped && !uses.handed
}
