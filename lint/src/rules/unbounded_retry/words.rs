//! The words that mark a loop as a retry loop.

use proc_macro2::{TokenStream, TokenTree};
use syn::visit::Visit;
use syn::Macro;

use super::LoopShape;

/// Words of which a retry loop must mention one (in a name, a call or a log message). They are also
/// the rule's prefilter needles, matched case-sensitively in both places so the prefilter cannot
/// change what the rule finds.
pub(super) const RETRY_WORDS: &[&str] = &[
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
    "sleep",
    "Sleep",
    "SLEEP",
];

impl LoopShape<'_> {
    /// Whether the loop mentions a retry, an attempt, a backoff or a sleep.
    pub(super) fn mentions_retry(&self) -> bool {
        let mut words = WordFinder { found: false };
        if let Some(cond) = self.cond {
            words.visit_expr(cond);
        }
        words.visit_block(self.body);
        words.found
    }
}


/// Looks for a [`RETRY_WORDS`] entry in identifiers, literals and macro tokens.
struct WordFinder {
    found: bool,
}

impl WordFinder {
    fn text(&mut self, text: &str) {
        if !self.found && RETRY_WORDS.iter().any(|word| text.contains(word)) {
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
}

