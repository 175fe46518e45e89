//! The words that mark a loop as a retry loop.

use proc_macro2::{TokenStream, TokenTree};
use syn::visit::Visit;
use syn::Macro;

use super::find::LoopShape;
use crate::retry_words::{name_polarity, Polarity};

/// Words of which a retry loop must mention one (in a name, a call or a log message), besides the
/// pacing words of [`PACE_WORDS`]; they are the rule's prefilter needles. A loop whose error a
/// verdict call sends round (`is_temporary()`) needs neither: a name that asks for retry holds a
/// classifier needle, which opens every rule's gate already. `while let Err` is only ever found in text: a loop of
/// that shape needs no other word, and the rule checks the file's text for it.
pub(crate) const NEEDLES: &[&str] = &[
    "retry",
    "Retry",
    "RETRY",
    "retries",
    "Retries",
    "RETRIES",
    "retried",
    "Retried",
    "retriable",
    "Retriable",
    "attempt",
    "Attempt",
    "ATTEMPT",
    "backoff",
    "Backoff",
    "BACKOFF",
    "back_off",
    "while let Err",
];

/// The pacing words that mark a retry loop: a loop must hold one (in its condition or body) for it
/// to count, so they open the rule's gate only when written inside a loop (see
/// `RuleInfo::loop_needles`).
pub(super) const PACE_WORDS: &[&str] = &["sleep", "Sleep", "SLEEP", ".tick()"];

/// The rule's loop needles: the [`PACE_WORDS`], and the receive calls of a loop that may spin on
/// a closed channel (`closed_recv::RECEIVE_NEEDLES`).
pub(crate) const LOOP_NEEDLES: &[&str] = &[
    "sleep",
    "Sleep",
    "SLEEP",
    ".tick()",
    ".recv()",
    ".recv_async()",
    ".changed()",
    ".blocking_recv()",
    ".try_recv()",
];

/// The text a wordless `while let Err(..) = op()` loop must be written with to be reported.
pub(super) const WHILE_LET_ERR: &str = "while let Err";

/// The text a loop paced by `interval.tick()` must be written with for the tick to count as a
/// retry word (a needle as rare as this keeps the prefilter sharp).
pub(super) const TICK_CALL: &str = ".tick()";

impl LoopShape<'_> {
    /// Whether the loop mentions a retry, an attempt, a backoff or a sleep, (when the file is
    /// written with [`TICK_CALL`]) calls `.tick()`, or sends an error round on a verdict call
    /// (`Err(e) if e.is_temporary() => continue`).
    pub(super) fn mentions_retry(&self, source: &str) -> bool {
        let mut words = WordFinder {
            tick_counts: source.contains(TICK_CALL),
            found: false,
        };
        if let Some(cond) = self.cond {
            words.visit_expr(cond);
        }
        words.visit_block(self.body);
        words.found || goes_round_on_a_verdict(self.body)
    }
}

/// Whether an error path goes round because a verdict on the error says so: a match arm
/// `Err(e) if e.is_temporary() => continue`, or `if e.is_retryable() { continue }`. Such a loop
/// retries by its own words even with no pause and no log line.
fn goes_round_on_a_verdict(body: &syn::Block) -> bool {
    struct Finder(bool);
    impl<'ast> Visit<'ast> for Finder {
        fn visit_arm(&mut self, arm: &'ast syn::Arm) {
            if let Some((_, guard)) = &arm.guard {
                if asks_a_verdict(guard) && continues(&arm.body) {
                    self.0 = true;
                }
            }
            syn::visit::visit_arm(self, arm);
        }
        fn visit_expr_if(&mut self, node: &'ast syn::ExprIf) {
            if ends_by_continuing(&node.then_branch) && asks_a_verdict(&node.cond) {
                self.0 = true;
            }
            syn::visit::visit_expr_if(self, node);
        }
        fn visit_expr_closure(&mut self, _: &'ast syn::ExprClosure) {}
        fn visit_item(&mut self, _: &'ast syn::Item) {}
        // A nested loop's `continue` goes round that loop.
        fn visit_expr_loop(&mut self, _: &'ast syn::ExprLoop) {}
        fn visit_expr_while(&mut self, _: &'ast syn::ExprWhile) {}
        fn visit_expr_for_loop(&mut self, _: &'ast syn::ExprForLoop) {}
    }
    fn continues(expr: &syn::Expr) -> bool {
        match expr {
            syn::Expr::Continue(c) => c.label.is_none(),
            syn::Expr::Block(block) => ends_by_continuing(&block.block),
            _ => false,
        }
    }
    fn ends_by_continuing(block: &syn::Block) -> bool {
        matches!(block.stmts.last(), Some(syn::Stmt::Expr(e, _)) if continues(e))
    }
    let mut finder = Finder(false);
    finder.visit_block(body);
    finder.0
}

/// Whether an expression asks the error for a retry verdict: `e.is_temporary()`,
/// `err.is_retryable()`.
pub(super) fn asks_a_verdict(expr: &syn::Expr) -> bool {
    struct Ask(bool);
    impl<'ast> Visit<'ast> for Ask {
        fn visit_expr_method_call(&mut self, call: &'ast syn::ExprMethodCall) {
            if call.args.is_empty()
                && name_polarity(&call.method.to_string()) == Some(Polarity::Retry)
            {
                self.0 = true;
            }
            syn::visit::visit_expr_method_call(self, call);
        }
    }
    let mut ask = Ask(false);
    ask.visit_expr(expr);
    ask.0
}

/// Looks for a retry word ([`NEEDLES`], [`PACE_WORDS`]) in identifiers, literals and macro tokens.
struct WordFinder {
    tick_counts: bool,
    found: bool,
}

impl WordFinder {
    fn text(&mut self, text: &str) {
        if !self.found
            && NEEDLES
                .iter()
                .chain(PACE_WORDS)
                .any(|word| text.contains(word))
        {
            self.found = true;
        }
    }

    fn tokens(&mut self, tokens: &TokenStream) {
        for token in tokens.clone() {
            match token {
                TokenTree::Ident(ident) => self.text(&ident.to_string()),
                TokenTree::Literal(lit) => self.text(&lit.to_string()),
                TokenTree::Group(group) => self.tokens(&group.stream()),
                TokenTree::Punct(_) => {}
            }
        }
    }
}

impl<'ast> Visit<'ast> for WordFinder {
    fn visit_ident(&mut self, ident: &'ast proc_macro2::Ident) {
        self.text(&ident.to_string());
    }

    fn visit_lit(&mut self, lit: &'ast syn::Lit) {
        if let syn::Lit::Str(s) = lit {
            self.text(&s.value());
        }
    }

    fn visit_macro(&mut self, node: &'ast Macro) {
        self.visit_path(&node.path);
        self.tokens(&node.tokens);
    }

    fn visit_expr_method_call(&mut self, node: &'ast syn::ExprMethodCall) {
        if self.tick_counts && node.method == "tick" && node.args.is_empty() {
            self.found = true;
        }
        syn::visit::visit_expr_method_call(self, node);
    }
}

/// Receiver names whose `.next()` yields delays until a policy runs out.
pub(super) const DELAY_ITERATOR_PARTS: &[&str] =
    &["backoff", "delay", "retr", "strateg", "schedule", "trial"];

/// Whether one of the words of `name` (split at `_` and lower-to-upper case changes) starts with
/// one of `parts`: `max_attempts` has `attempt`, `known` has no `now`.
pub(super) fn has_part(name: &str, parts: &[&str]) -> bool {
    words_of(name).any(|word| parts.iter().any(|part| word.starts_with(part)))
}

/// The words of a name, split at `_` and at lower-to-upper case changes, in lowercase:
/// `RetryAfterPause` gives `retry`, `after`, `pause`.
pub(super) fn words_of(name: &str) -> impl Iterator<Item = String> + '_ {
    let mut words = Vec::new();
    let mut current = String::new();
    let mut previous_lower = false;
    for c in name.chars() {
        if c == '_' {
            words.push(std::mem::take(&mut current));
            previous_lower = false;
            continue;
        }
        if c.is_uppercase() && previous_lower {
            words.push(std::mem::take(&mut current));
        }
        previous_lower = c.is_lowercase() || c.is_ascii_digit();
        current.extend(c.to_lowercase());
    }
    words.push(current);
    words.into_iter().filter(|w| !w.is_empty())
}

#[cfg(test)]
mod needle_tests {
    use super::*;

    #[test]
    fn every_verdict_call_opens_the_gate() {
        for name in [
            "is_temporary",
            "is_transient",
            "is_recoverable",
            "is_retryable",
            "can_retry",
        ] {
            assert_eq!(name_polarity(name), Some(Polarity::Retry), "{name}");
            let opens = crate::retry_words::CLASSIFIER_NEEDLES
                .iter()
                .any(|needle| name.contains(&needle.to_ascii_lowercase()));
            assert!(opens, "`{name}` sends an error round but opens no gate");
        }
    }
}
