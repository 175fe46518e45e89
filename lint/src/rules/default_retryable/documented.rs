//! Where the code says a fallback was chosen: a comment on it or above it, a doc comment that
//! calls the choice deliberate, one about the cases a list leaves out, or a log line in a
//! catch-all over another crate's enum that says it retries.

use syn::visit::Visit;
use syn::{Expr, ExprMatch};

use crate::classifier::{Classifier, ClassifierKind};
use crate::finding::Region;
use crate::retry_words::{mentions_retr, words, Polarity};
use crate::rule::FileContext;

/// Words of a doc comment that say its classifier's fallback was chosen on purpose.
const DELIBERATE_WORDS: &[&str] = &["deliberate", "intentional", "on purpose", "by design"];

/// Whether the doc comment of a classifier function says its answers were chosen on purpose
/// (`/// Deliberately a deny-list: a new variant is transient by default`): a documented choice,
/// like a comment on the fallback itself.
pub(super) fn doc_says_deliberate(source: &str, classifier: &Classifier<'_>) -> bool {
    classifier
        .doc_comment(source)
        .is_some_and(|doc| DELIBERATE_WORDS.iter().any(|word| doc.contains(word)))
}

/// Words of a question name that ask whether an error ends the component that met it (`is_fatal`,
/// `is_unrecoverable_socket_error`), not whether the operation may be run again.
const COMPONENT_ENDING_WORDS: &[&str] = &["fatal", "unrecoverable", "nonrecoverable"];

/// Whether a classifier only asks whether an error is fatal: an `is_fatal`-style question with
/// no word of retrying in its name or its doc comment, and that no retry decision the tree
/// facts recognise asks (see [`crate::facts::TreeFacts::retry_conditions`]). Its `false` says the component carries on (it logs, skips, reconnects, shuts down
/// something smaller), not that the failed operation is run again, so a "not fatal" fallback
/// retries nothing. Asked of it by a retry loop (`if err.is_fatal() { break }`), the same
/// fallback retries every error it does not list, and is reported.
pub(super) fn asks_only_whether_fatal(cx: &FileContext<'_>, classifier: &Classifier<'_>) -> bool {
    let Some(sig) = classifier.sig else {
        return false;
    };
    let name = sig.ident.to_string();
    classifier.kind == ClassifierKind::Predicate
        && classifier.polarity == Polarity::Final
        && words(&name)
            .iter()
            .any(|word| COMPONENT_ENDING_WORDS.contains(&word.as_str()))
        && !mentions_retr(name.as_bytes())
        && !cx.tree.retry_conditions.contains_key(&name)
        && classifier
            .doc_comment(cx.source)
            .is_some_and(|doc| !mentions_retr(doc.as_bytes()))
}

/// Whether the fallback at `region` carries a comment (on the line above it or inside it): the
/// author wrote down why unknown errors are retried, a documented choice rather than a default
/// nobody decided.
pub(super) fn documented(source: &str, region: Region) -> bool {
    commented(source, region, true)
}

/// Words of a comment that speak of the cases a list leaves out, or of where the list comes from.
const REST_WORDS: &[&str] = &[
    "other",
    "others",
    "else",
    "rest",
    "remaining",
    "unlisted",
    "unknown",
    "default",
    "otherwise",
    "anything",
    "everything",
    "deliberate",
    "deliberately",
    "design",
    "purpose",
    // A list that cites where it comes from (a protocol's guide) answers for the rest too.
    "listed",
    "guide",
    "spec",
    "specification",
    "rfc",
    "documented",
    "documentation",
    "according",
    "taken",
    "http",
    "https",
    // What the rest are: "retry only transient connection issues".
    "transient",
    "temporary",
];

/// Whether a list answering retry for what it leaves out (`!matches!(err, A | B)`) carries a
/// comment, above it or inside it, about the cases left out ("everything else is transient"):
/// a comment explaining why the listed cases stop says nothing about the rest.
pub(super) fn documents_the_rest(source: &str, region: Region) -> bool {
    // The run of comment lines right above the list, and the comments inside it.
    let from = crate::intent::comment_above(source, region.line.max(1));
    crate::intent::lines_between(source, from, region.end_line)
        .lines()
        .filter(|line| !line.trim_start().starts_with("///"))
        .filter_map(|line| line.find("//").map(|at| &line[at..]))
        .filter(|comment| !comment.contains("triage:allow"))
        .any(|comment| {
            comment
                .split(|c: char| !c.is_ascii_alphanumeric())
                .any(|word| REST_WORDS.contains(&word.to_ascii_lowercase().as_str()))
        })
}

/// Whether a comment sits on the line above `region` (a comment line of its own) or inside it;
/// `trailing` says whether a comment after code on a line of the region (`Err(_) => continue, //
/// retry`) counts, or only comment lines of their own do.
pub(super) fn commented(source: &str, region: Region, trailing: bool) -> bool {
    let lines: Vec<&str> = source.lines().collect();
    let first = region.line.saturating_sub(2);
    let last = region.end_line.min(lines.len());
    lines.get(first..last).is_some_and(|span| {
        span.iter().enumerate().any(|(index, line)| {
            let trimmed = line.trim_start();
            if line.contains("triage:allow") {
                // A suppression is not an explanation; it has its own rules.
                return false;
            }
            let comment_line = trimmed.starts_with("//") && !trimmed.starts_with("///");
            // The line above counts only when it is a comment line of its own.
            if index == 0 && first + 1 < region.line {
                return comment_line;
            }
            comment_line || (trailing && line.contains(" // "))
        })
    })
}

/// Whether a catch-all arm over another crate's enum logs that it retries
/// (`_ => { warn!("unknown error, retrying"); true }`): the enum's unknown variants need an arm,
/// and its message writes down what the author chose for them.
pub(super) fn logged_retry_over_foreign_enum(
    node: &ExprMatch,
    body: &Expr,
    cx: &FileContext<'_>,
) -> bool {
    let mut enums = Vec::new();
    for arm in &node.arms {
        enum_paths(&arm.pat, &mut enums);
    }
    let foreign = !enums.is_empty()
        && enums
            .iter()
            .all(|name| name != "Self" && !cx.tree.local_types.contains(name));
    foreign && logs_retrying(body)
}

/// The enum of every variant path in a pattern (`SdkError` in `SdkError::TimeoutError(_)`).
fn enum_paths(pat: &syn::Pat, out: &mut Vec<String>) {
    let path = match pat {
        syn::Pat::Path(p) => &p.path,
        syn::Pat::TupleStruct(p) => &p.path,
        syn::Pat::Struct(p) => &p.path,
        syn::Pat::Or(or) => return or.cases.iter().for_each(|case| enum_paths(case, out)),
        syn::Pat::Paren(p) => return enum_paths(&p.pat, out),
        syn::Pat::Reference(r) => return enum_paths(&r.pat, out),
        _ => return,
    };
    let count = path.segments.len();
    if count > 1 {
        out.push(path.segments[count - 2].ident.to_string());
    }
}

/// Whether an expression holds a log macro (`warn!`, `tracing::info!`, ..) whose message speaks
/// of retrying.
fn logs_retrying(body: &Expr) -> bool {
    struct Logs(bool);
    impl<'ast> Visit<'ast> for Logs {
        fn visit_macro(&mut self, mac: &'ast syn::Macro) {
            let is_log = crate::syntax::names::is_log_macro(&mac.path);
            if is_log {
                self.0 |= mac.tokens.clone().into_iter().any(|token| match token {
                    proc_macro2::TokenTree::Literal(lit) => {
                        let text = lit.to_string().to_ascii_lowercase();
                        text.starts_with('"') && text.contains("retr")
                    }
                    _ => false,
                });
            }
        }
    }
    let mut logs = Logs(false);
    logs.visit_expr(body);
    logs.0
}
