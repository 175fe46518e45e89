//! The words that mark a loop as a retry loop.

use proc_macro2::{TokenStream, TokenTree};
use syn::visit::Visit;
use syn::Macro;

use super::find::LoopShape;

/// Words of which a retry loop must mention one (in a name, a call or a log message). They are also
/// the rule's prefilter needles, matched case-sensitively in both places so the prefilter cannot
/// change what the rule finds. `while let Err` is only ever found in text: a loop of that shape
/// needs no other word, and the rule checks the file's text for it.
pub(crate) const NEEDLES: &[&str] = RETRY_WORDS;

/// See [`NEEDLES`].
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
    "while let Err",
    ".tick()",
];

/// The text a wordless `while let Err(..) = op()` loop must be written with to be reported.
pub(super) const WHILE_LET_ERR: &str = "while let Err";

/// The text a loop paced by `interval.tick()` must be written with for the tick to count as a
/// retry word (a needle as rare as this keeps the prefilter sharp).
pub(super) const TICK_CALL: &str = ".tick()";

impl LoopShape<'_> {
    /// Whether the loop mentions a retry, an attempt, a backoff or a sleep, or (when the file is
    /// written with [`TICK_CALL`]) calls `.tick()`.
    pub(super) fn mentions_retry(&self, source: &str) -> bool {
        let mut words = WordFinder {
            tick_counts: source.contains(TICK_CALL),
            found: false,
        };
        if let Some(cond) = self.cond {
            words.visit_expr(cond);
        }
        words.visit_block(self.body);
        words.found
    }
}


/// Looks for a [`RETRY_WORDS`] entry in identifiers, literals and macro tokens.
struct WordFinder {
    tick_counts: bool,
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

    fn visit_expr_method_call(&mut self, node: &'ast syn::ExprMethodCall) {
        if self.tick_counts && node.method == "tick" && node.args.is_empty() {
            self.found = true;
        }
        syn::visit::visit_expr_method_call(self, node);
    }
}

