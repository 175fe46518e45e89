//! `string_classification`: deciding retry from an error's message text.
//!
//! One concern per file: what message text is and what inspects it ([`text`]), the helpers whose
//! answer decides one call away ([`helpers`]), what a branch does ([`outcomes`]), whether a
//! checked branch retries or stops retrying ([`leads`]), the shapes of a check's branches
//! ([`branches`]), the closures handed to retry helpers ([`retry_calls`]), the questions that
//! decide under another name ([`predicates`]) and the search of one body ([`inspect`]).

use std::cell::{LazyCell, OnceCell};
use std::collections::HashMap;

use syn::visit::Visit;
use syn::Pat;

use crate::classifier::{Classifier, ClassifierBody};
use crate::finding::{Finding, Level};
use crate::retry_words::mentions_retr;
use crate::rule::{FileContext, Rule, RuleInfo};
use crate::syntax::attributes::marked_unused;
use crate::syntax::lexer::{LexemeKind, Lexer};
use crate::syntax::macro_bodies::macro_rules_arms;

mod branches;
mod conversions;
mod helpers;
mod inspect;
mod leads;
mod outcomes;
mod predicates;
mod recursion;
mod retry_calls;
mod text;

use conversions::{conversion_target, variant_choices, ImplHeader};
use helpers::{answer_helpers, returns_a_bool};
use inspect::InspectionFinder;
use outcomes::{words_in, RETRY_LOOP_WORDS};
use predicates::{decision_named_predicate, documented_error_predicate, handles_an_error};
use recursion::{CallGraph, FnKey};
use text::{is_text_type, predicate_name, takes_text, TextBindings, CODE_WORDS, TEXT_NAMES};

/// The rule; see [`DOCS`].
pub(crate) struct StringClassification;

/// What `cargo triage explain string_classification` prints.
const DOCS: &str = "\
### What it does
Finds retry decisions made on an error's message text: `.contains(..)`, `.starts_with(..)`,
`.ends_with(..)`, or `==` against fixed text (a literal or a constant), applied to `to_string()`,
`format!(..)`, `message()` or `description()` output, a response body (`text()`, `bytes()`,
`String::from_utf8_lossy(..)`, a `b\"..\"` byte string), a text-named field (`payload.message`,
`resp.body`), anything compared with a sentence (`reply.result == \"Pending in queue\"`: codes have no
spaces), a regular expression's `is_match`, or a yes/no helper handed the text
(`is_transport_error_message(&msg)`), directly or through a local binding, inside a classifier
(`is_retryable`, `should_retry`, `Classify::verdict`, a backon `.when(..)` condition, a one-argument
closure handed to a retry helper, `let can_retry = ..`), inside a yes/no function about an error or
its text whose doc comment speaks of retrying (`fn is_range_limit_error(err: &RpcError) -> bool`
documented as \"a limit that retrying over a smaller range can fix\") or whose name speaks of backing
off or restarting (`should_restart_sync`), inside a function whose `bool` a classifier answers with
(`SdkError::Service(e) => check_response(e)`) or a retry flag is set from (`(kind, retryable) =
kind_from_summary(&summary).unwrap_or(..)`), or in a condition whose branch decides either way
(directly, or through a flag the text check set: `let expired = msg.contains(..); if expired {
continue }`, also when the condition hands the flag to a yes/no question, `if should_give_up(&mut
seen, bucket, expired)`, unless the question is a function of the file that reads that parameter
only in macros or not at all): it retries (`continue` in a retry loop, not in a `for` loop over items; a `retry`
call; a call of the function it is in, directly or through functions of the file that lead back
to it, since that recursion goes round like a loop; or, in a function that speaks of retrying (its text or the comments right above it), the
failed call made again), gives up (`return Err(..)`, `break Err(..)` or `bail!(..)` in a retry loop,
in the other branch too when the checked one does not leave; an `Err(..)` arm of a retry loop that
leaves on its text even with success, `Err(Failed(out)) if out.stderr.contains(\"does not exist\") =>
return Ok(())`; an `Err(..)` arm guarded by the text that goes round while every other arm of its
`match` leaves the loop, in a function that speaks of retrying, `Err(E::Rejected(why)) if
why.starts_with(\"bound is past\") => bound = None`, since the text alone sends the loop round),
produces a fatal or non-retryable outcome, or, in a file that speaks of retrying, a
transient one (`Unavailable`, `Interrupted`, `Busy`) or one its comment calls retryable. Inside the
operation a retry helper repeats (`retry(policy, || async { ..})`, `policy.into_retry().run(||
..)`), a text check whose branch returns `Ok(..)` ends the retries on that text. A `match` on text
whose arms all give the same verdict (`\"not found\" => (NotFound, false), _ => (Other, false)`) picks
a kind, not a verdict. In a let-chain, a `let` after the text check counts as the check's branch
when its value sends the request again: it retries, or, in a function that speaks of retrying,
awaits a request of the same shape as one made before (`if body.contains(\"bad_blocks\") && let
Ok(again) = build_req(stripped).send().await`, after `build_req(full).send().await`). On a
failure's path (an `Err(..)` arm, its guard included, or `if let Err(..)`), a loop is a retry loop
also when a comment of the function speaks of retrying (`// Rest, then retry the pull`). A closure
parameter typed as text (`|err: &String|`) and an error payload a guard matches against a string
literal (`Err(E::Corrupt(detail)) if detail.starts_with(\"..\")`) hold message text, and so does an
error-named field or payload of a pattern (not `Err(e)`) that the function matches against a bare
string literal or constant (`if let Deferred { last_error } = outcome` read by
`last_error.starts_with(CLEANUP_PENDING)`: an error type has no `starts_with`). A flag set by a text check (`let stale = msg.contains(..);`) and read inside a
classifier counts where it is set. Inside a classifier, a `match` on the text with string arms
(`\"Rate limit exceeded.\" => ..`) compares it too, and any text parameter is message text unless its
name says it holds a code (`code: &str`); there `matches!` on the text with string patterns,
`eq_ignore_ascii_case`, and a search for a message held in a constant (`r.contains(STALE_PROOF)`)
compare it too. A function sorting an error into one of the tree's enums whose variants say retry or
not (`RetryableErr`, `NonRetryableErr`) is a classifier. In a file that speaks of retrying, a
conversion into one of the tree's error types (`impl From<Status> for SyncError`, `fn
classify_gateway_error(err: GatewayError) -> SyncError`) whose text check picks the variant
(`NEED_SNAPSHOT => SyncError::NeedSnapshot`) decides what the retry sees; one that only rewrites the
message it keeps does not. Checks inside `macro_rules!` bodies count where they are written.

### Why is this bad
Message text is not an interface: a dependency rewords a message, adds context, or translates it,
and the classification silently changes. An error wrapped with context (\"fetching page 3: connection
reset\") may still match while an unrelated error whose message happens to contain the word is
retried forever.

### Example
```rust
fn should_retry(status: &Status) -> bool {
    status.code() == Code::Unavailable || status.message().contains(\"connection reset\")
}
```

### Use instead
```rust
fn should_retry(status: &Status) -> bool {
    matches!(status.code(), Code::Unavailable | Code::ResourceExhausted)
}
```
Classify by type, variant or code; give the error a variant (and `#[derive(triage::Classify)]`) if
the information only exists in text today.
";

/// The rule's declaration: what `cargo triage explain string_classification` prints, and its level.
pub(crate) static INFO: RuleInfo = RuleInfo {
    name: "string_classification",
    default_level: Level::Deny,
    docs: DOCS,
    // Outside classifiers, a retry context needs one of these words (the prefilter is case
    // insensitive); classifiers come from the names the engine adds. A yes/no function named for
    // a restart decides one too.
    needles: &["retr", "attempt", "backoff", "restart"],
    loop_needles: &[],
    // A transient-named outcome chosen by a text check counts in any file that speaks of retrying.
    function_needles: outcomes::TRANSIENT_WORDS,
    only_in_triage_crates: false,
};

impl Rule for StringClassification {
    fn info(&self) -> &'static RuleInfo {
        &INFO
    }

    fn check(&self, cx: &FileContext<'_>) -> Vec<Finding> {
        let classifiers = cx.classifiers();
        // The prefilter always lets a file that speaks of retrying through (the same test), so
        // this keeps the findings the same with the prefilter off.
        let speaks_of_retry = mentions_retr(cx.source.as_bytes());
        let retry_comment_lines = if speaks_of_retry {
            retry_comment_lines(cx.source)
        } else {
            Vec::new()
        };
        let mut collector = FunctionCollector {
            classifiers,
            answer_helpers: answer_helpers(classifiers, cx.ast),
            impls: Vec::new(),
            cx,
            speaks_of_retry,
            retry_comment_lines: &retry_comment_lines,
            lines: OnceCell::new(),
            call_graph: OnceCell::new(),
            function: None,
            findings: Vec::new(),
        };
        collector.visit_file(cx.ast);
        let mut findings = collector.findings;
        findings.sort_by_key(|f| f.region);
        findings.dedup_by_key(|f| f.region);
        findings
    }
}

/// What every finding suggests.
const FIX: &str = "classify by the error's type, variant or code (`matches!(err.kind(), ..)`, \
                   `#[derive(triage::Classify)]`), not by its text";

/// Visits every function body, as a classifier or as ordinary code.
struct FunctionCollector<'c, 'x> {
    classifiers: &'c [Classifier<'c>],
    /// Functions of the file whose `bool` a classifier answers with, by name, with how findings
    /// name them (see [`answer_helpers`]).
    answer_helpers: HashMap<String, String>,
    /// The impls enclosing the function being checked, innermost last.
    impls: Vec<ImplHeader>,
    cx: &'x FileContext<'x>,
    /// Whether the file's text (comments included) speaks of retrying: only then does a
    /// transient-named outcome chosen by text count as a retry decision (and a repeated call, when
    /// the function itself speaks of retrying too).
    speaks_of_retry: bool,
    /// The lines (1-based, sorted) of comments that speak of retrying.
    retry_comment_lines: &'x [usize],
    /// The file's lines, split when a function is first asked whether it speaks of retrying.
    lines: OnceCell<Vec<&'x str>>,
    /// The file's calls, built when a text check's branch is first asked whether it calls back.
    call_graph: OnceCell<CallGraph>,
    /// The key in [`Self::call_graph`] of the function [`Self::check_body`] is handed.
    function: Option<FnKey>,
    findings: Vec<Finding>,
}

/// Words of a comment that speak of retrying (`retrying`, `retryable` included; `retrieve` not).
const RETRY_COMMENT_WORDS: &[&str] = &["retry", "retries", "retried", "retriable"];

/// Whether a comment's text speaks of retrying (see [`RETRY_COMMENT_WORDS`]).
fn speaks_of_retrying(text: &str) -> bool {
    let text = text.to_lowercase();
    RETRY_COMMENT_WORDS.iter().any(|word| text.contains(word))
}

/// The lines of `source` that hold (part of) a comment speaking of retrying.
fn retry_comment_lines(source: &str) -> Vec<usize> {
    let bytes = source.as_bytes();
    let mut lines = Vec::new();
    let (mut line, mut counted) = (1, 0);
    for lexeme in Lexer::new(bytes) {
        if !matches!(
            lexeme.kind,
            LexemeKind::LineComment | LexemeKind::BlockComment
        ) {
            continue;
        }
        line += memchr::memchr_iter(b'\n', &bytes[counted..lexeme.start]).count();
        counted = lexeme.start;
        if speaks_of_retrying(&String::from_utf8_lossy(&bytes[lexeme.start..lexeme.end])) {
            let span = memchr::memchr_iter(b'\n', &bytes[lexeme.start..lexeme.end]).count();
            lines.extend(line..=line + span);
        }
    }
    lines
}

impl FunctionCollector<'_, '_> {
    /// Checks one body: a function's (with its signature) or a `macro_rules!` arm's (`sig` is
    /// `None`, `name` is the macro's).
    /// `item` is where the whole function or macro is, attributes and doc comments included.
    fn check_body(
        &mut self,
        name: &str,
        sig: Option<&syn::Signature>,
        body: &syn::Block,
        item: ItemLines,
        attrs: &[syn::Attribute],
    ) {
        let classifier = sig.and_then(|sig| {
            self.classifiers.iter().find(|c| {
                c.sig.is_some_and(|s| std::ptr::eq(s, sig))
                    && matches!(c.body, ClassifierBody::Block(b) if std::ptr::eq(b, body))
            })
        });
        // A helper whose answer a classifier returns decides as much as the classifier.
        // One handed the text by a yes/no name (`is_transport_error_message(&msg)`) is reported
        // where it is called.
        let helper = sig
            .filter(|sig| returns_a_bool(sig) && !(predicate_name(name) && takes_text(sig)))
            .and_then(|_| self.answer_helpers.get(name).cloned());
        let answer_helper = classifier.is_none() && helper.is_some();
        let self_is_error = self
            .impls
            .last()
            .and_then(ImplHeader::self_type)
            .is_some_and(|ty| ty.ends_with("Error") || ty.ends_with("Err"));
        let in_classifier = classifier.map(Classifier::describe).or(helper).or_else(|| {
            sig.filter(|sig| {
                !marked_unused(attrs)
                    && (documented_error_predicate(sig, attrs)
                        || decision_named_predicate(name, sig, self_is_error))
            })
            .map(|_| format!("`{name}`"))
        });
        let mut bindings = TextBindings::default();
        // Every parameter typed as text (`err: &str`), which a conversion reads as message text.
        let mut typed_text = Vec::new();
        for input in sig.iter().flat_map(|sig| &sig.inputs) {
            if let syn::FnArg::Typed(typed) = input {
                if let Pat::Ident(ident) = &*typed.pat {
                    let name = ident.ident.to_string();
                    if is_text_type(&typed.ty) {
                        typed_text.push(name.clone());
                    }
                    // A text-named parameter is text in a classifier; elsewhere when its type
                    // is text too (`message: &str`).
                    // In a classifier, any text parameter is text unless its name says it holds
                    // a modeled code (`code: &str`, an AWS error code).
                    let text_param = is_text_type(&typed.ty)
                        && !crate::retry_words::words(&name)
                            .iter()
                            .any(|w| CODE_WORDS.contains(&w.as_str()));
                    if (TEXT_NAMES.contains(&name.as_str())
                        && (in_classifier.is_some() || is_text_type(&typed.ty)))
                        || (in_classifier.is_some() && text_param)
                    {
                        bindings.names.insert(name);
                    }
                }
            }
        }
        let handed_text = !bindings.names.is_empty();
        // Before the visit, so that text derived from a payload (`let lower =
        // last_error.to_lowercase()`) is text too.
        bindings.add_error_text(body);
        bindings.visit_block(body);
        // A conversion into one of the tree's error types, where the file speaks of retrying:
        // the variant its text checks pick is what a retry decides on later.
        if in_classifier.is_none() && self.speaks_of_retry {
            if let Some(target) =
                sig.and_then(|sig| conversion_target(sig, self.impls.last(), self.cx.tree))
            {
                let mut names = bindings.names.clone();
                names.extend(typed_text);
                for region in variant_choices(body, &names, &target) {
                    self.findings.push(self.cx.report(
                        &INFO,
                        region,
                        format!(
                            "`{name}` picks a variant of `{target}` by the error's message text"
                        ),
                        FIX.to_owned(),
                    ));
                }
            }
        }
        let retry_fn = words_in(name, RETRY_LOOP_WORDS);
        let operations = OnceCell::new();
        let (speaks_of_retry, lines, source) = (self.speaks_of_retry, &self.lines, self.cx.source);
        let mut finder = InspectionFinder {
            bindings: &bindings.names,
            in_classifier,
            answer_helper,
            retry_fn,
            retry_context: OnceCell::new(),
            failure_paths: 0,
            loop_depth: 0,
            continue_repeats: false,
            inner_classifiers: self.classifiers,
            operations: &operations,
            body,
            transient_counts: self.speaks_of_retry,
            repeats_count: LazyCell::new(Box::new(move || {
                speaks_of_retry
                    && speaks_of_retry_at(lines.get_or_init(|| source.split('\n').collect()), item)
            })),
            retry_comment_lines: self.retry_comment_lines,
            regions: Vec::new(),
            checked_flags: OnceCell::new(),
            recursion_counts: self.speaks_of_retry && !handed_text && handles_an_error(sig, body),
            function: self.function.take(),
            call_graph: &self.call_graph,
            file: self.cx.ast,
        };
        finder.visit_block(body);
        for (region, in_classifier) in finder.regions {
            let message = match in_classifier {
                Some(name) => format!("{name} classifies errors by their message text"),
                None => "the decision to retry depends on the error's message text".to_owned(),
            };
            self.findings
                .push(self.cx.report(&INFO, region, message, FIX.to_owned()));
        }
    }
}

/// Whether the function or macro at `item` speaks of retrying: its text, or the comments
/// right above it (`// Retried once with fresh credentials.`). Only there does a call made
/// again after a text check count as a retry decision; the prefilter reads the same text to
/// decide which bodies to parse (`prefilter::bodies`).
fn speaks_of_retry_at(lines: &[&str], item: ItemLines) -> bool {
    let (first, last) = (item.first.start().line, item.last.end().line);
    let mut from = first.saturating_sub(1).min(lines.len());
    while from > 0 {
        let above = lines[from - 1].trim_start();
        let comment = above.is_empty()
            || above.starts_with("//")
            || above.starts_with("/*")
            || above.starts_with('*');
        if !comment {
            break;
        }
        from -= 1;
    }
    lines[from..last.min(lines.len())]
        .iter()
        .any(|line| mentions_retr(line.as_bytes()))
}

/// Where an item is: its first token (an attribute's `#`, a doc comment, or the keyword) and its
/// last. Read from those two tokens, as `Spanned::span` would only after printing the whole item.
#[derive(Clone, Copy)]
struct ItemLines {
    first: proc_macro2::Span,
    last: proc_macro2::Span,
}

impl ItemLines {
    fn of_fn(attrs: &[syn::Attribute], sig: &syn::Signature, body: &syn::Block) -> ItemLines {
        ItemLines {
            first: attrs
                .first()
                .map_or(sig.fn_token.span, |attr| attr.pound_token.span),
            last: body.brace_token.span.close(),
        }
    }
}

impl<'ast> Visit<'ast> for FunctionCollector<'_, '_> {
    fn visit_item_fn(&mut self, item: &'ast syn::ItemFn) {
        self.function = Some(FnKey::Free(item.sig.ident.to_string()));
        self.check_body(
            &item.sig.ident.to_string(),
            Some(&item.sig),
            &item.block,
            ItemLines::of_fn(&item.attrs, &item.sig, &item.block),
            &item.attrs,
        );
        syn::visit::visit_item_fn(self, item);
    }

    fn visit_impl_item_fn(&mut self, item: &'ast syn::ImplItemFn) {
        self.function = self
            .impls
            .last()
            .and_then(|header| header.method_key(&item.sig.ident.to_string()));
        self.check_body(
            &item.sig.ident.to_string(),
            Some(&item.sig),
            &item.block,
            ItemLines::of_fn(&item.attrs, &item.sig, &item.block),
            &item.attrs,
        );
        syn::visit::visit_impl_item_fn(self, item);
    }

    fn visit_item_impl(&mut self, item: &'ast syn::ItemImpl) {
        self.impls.push(ImplHeader::of(item));
        syn::visit::visit_item_impl(self, item);
        self.impls.pop();
    }

    fn visit_trait_item_fn(&mut self, item: &'ast syn::TraitItemFn) {
        if let Some(body) = &item.default {
            let lines = ItemLines::of_fn(&item.attrs, &item.sig, body);
            self.check_body(
                &item.sig.ident.to_string(),
                Some(&item.sig),
                body,
                lines,
                &item.attrs,
            );
        }
        syn::visit::visit_trait_item_fn(self, item);
    }

    /// A check written in a `macro_rules!` body runs wherever the macro is used.
    fn visit_item_macro(&mut self, item: &'ast syn::ItemMacro) {
        let name = item
            .ident
            .as_ref()
            .map(ToString::to_string)
            .unwrap_or_default();
        for arm in macro_rules_arms(&item.mac) {
            let lines = ItemLines {
                first: item
                    .attrs
                    .first()
                    .map_or(item.mac.bang_token.span, |attr| attr.pound_token.span),
                last: item.mac.delimiter.span().close(),
            };
            self.check_body(&name, None, &arm, lines, &[]);
            self.visit_block(&arm);
        }
    }
}
