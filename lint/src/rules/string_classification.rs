//! `string_classification`: deciding retry from an error's message text.

use std::cell::OnceCell;
use std::collections::{HashMap, HashSet};

use quote::ToTokens;
use syn::spanned::Spanned;
use syn::visit::Visit;
use syn::{Expr, Local, Pat};

use crate::classifier::{Classifier, ClassifierBody};
use crate::finding::{Finding, Level, Region};
use crate::rule::{FileContext, Rule, RuleInfo};
use crate::syntax::lexer::{LexemeKind, Lexer};
use crate::syntax::macro_bodies::macro_rules_arms;

/// The rule; see [`DOCS`].
pub(crate) struct StringClassification;

/// What `cargo triage explain string_classification` prints.
const DOCS: &str = "\
### What it does
Finds retry decisions made on an error's message text: `.contains(..)`, `.starts_with(..)`,
`.ends_with(..)` or `==` applied to `to_string()`, `format!(..)`, `message()` or `description()`
output, a response body (`text()`, `String::from_utf8_lossy(..)`, a `b\"..\"` byte string), a
regular expression's `is_match`, or a yes/no helper handed the text
(`is_transport_error_message(&msg)`), directly or through a local binding, inside a classifier
(`is_retryable`, `should_retry`, `Classify::verdict`, a backon `.when(..)` condition,
`let can_retry = ..`), inside a function whose `bool` a classifier answers with
(`SdkError::Service(e) => check_response(e)`) or a retry flag is set from
(`(kind, retryable) = kind_from_summary(&summary).unwrap_or(..)`), or in a condition whose
branch decides either way: it retries (`continue` in a retry loop, a `retry` call, the failed call made again), gives up
(`return Err(..)` in a retry loop), produces a fatal or non-retryable outcome, or, in a file that
speaks of retrying, a transient one (`Unavailable`, `Interrupted`, `Busy`) or one its comment
calls retryable. Inside a classifier, a `match` on the text with string arms
(`\"Rate limit exceeded.\" => ..`) compares it too, and any text parameter is message text unless
its name says it holds a code (`code: &str`). Checks inside `macro_rules!` bodies count where they
are written.

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

const INSPECTING_METHODS: &[&str] = &["contains", "starts_with", "ends_with"];
const TEXT_METHODS: &[&str] = &[
    "to_string",
    "message",
    "description",
    "msg",
    "get_message",
    "text",
    "body_text",
];
/// Parameters of a classifier that hold text: `fn is_retryable(status: u16, body: &[u8])`.
const TEXT_NAMES: &[&str] = &["msg", "message", "body", "text", "response_body", "error_message"];
/// Words of a text parameter's name that make it a modeled code rather than a message.
const CODE_WORDS: &[&str] = &[
    "code", "kind", "type", "name", "id", "status", "tag", "variant", "class", "key", "header",
    "method", "op", "operation", "path", "url", "uri", "host", "region", "service",
];

/// Methods that match text against a pattern given as their argument (`regex.is_match(&msg)`).
const PATTERN_METHODS: &[&str] = &["is_match", "find", "captures"];
/// Methods that keep text text: `err.to_string().to_lowercase().contains(..)` still inspects it.
const TEXT_PRESERVING: &[&str] = &[
    "as_str",
    "as_ref",
    "to_lowercase",
    "to_ascii_lowercase",
    "to_uppercase",
    "to_ascii_uppercase",
    "trim",
    "as_bytes",
    "to_owned",
    "borrow",
];
const RETRY_WORDS: &[&str] = &["retry", "retries", "retried", "retriable", "retryable"];
const RETRY_LOOP_WORDS: &[&str] = &["retry", "retries", "retried", "attempt", "backoff"];

/// The rule's declaration: what `cargo triage explain string_classification` prints, and its level.
pub(crate) static INFO: RuleInfo = RuleInfo {
    name: "string_classification",
    default_level: Level::Deny,
    docs: DOCS,
    // Outside classifiers, a retry context needs one of these words (the prefilter is case
    // insensitive); classifiers come from the names the engine adds.
    needles: &["retr", "attempt", "backoff"],
    loop_needles: &[],
    only_in_triage_crates: false,
};

impl Rule for StringClassification {
    fn info(&self) -> &'static RuleInfo {
        &INFO
    }

    fn check(&self, cx: &FileContext<'_>) -> Vec<Finding> {
        let classifiers = cx.classifiers();
        // The prefilter always lets a file with `retr` through, so this keeps the findings the
        // same with the prefilter off.
        let speaks_of_retry = cx
            .source
            .as_bytes()
            .windows(4)
            .any(|w| w.eq_ignore_ascii_case(b"retr"));
        let retry_comment_lines = if speaks_of_retry {
            retry_comment_lines(cx.source)
        } else {
            Vec::new()
        };
        let mut collector = FunctionCollector {
            classifiers,
            answer_helpers: {
                let mut helpers = answer_helpers(classifiers);
                for (name, flag) in flag_helpers(cx.ast) {
                    helpers
                        .entry(name.clone())
                        .or_insert_with(|| format!("`{name}`, whose answer sets `{flag}`,"));
                }
                helpers
            },
            cx,
            speaks_of_retry,
            retry_comment_lines: &retry_comment_lines,
            findings: Vec::new(),
        };
        collector.visit_file(cx.ast);
        let mut findings = collector.findings;
        findings.sort_by_key(|f| f.region);
        findings.dedup_by_key(|f| f.region);
        findings
    }
}

/// Visits every function body, as a classifier or as ordinary code.
struct FunctionCollector<'c, 'x> {
    classifiers: &'c [Classifier<'c>],
    /// Functions of the file whose `bool` a classifier answers with, by name, with how findings
    /// name them (see [`answer_helpers`]).
    answer_helpers: HashMap<String, String>,
    cx: &'x FileContext<'x>,
    /// Whether the file's text (comments included) speaks of retrying: only then do a repeated
    /// call or a transient-named outcome chosen by text count as retry decisions.
    speaks_of_retry: bool,
    /// The lines (1-based, sorted) of comments that speak of retrying.
    retry_comment_lines: &'x [usize],
    findings: Vec<Finding>,
}

/// Words of a comment that speak of retrying (`retrying`, `retryable` included; `retrieve` not).
const RETRY_COMMENT_WORDS: &[&str] = &["retry", "retries", "retried", "retriable"];

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
        let text = String::from_utf8_lossy(&bytes[lexeme.start..lexeme.end]).to_lowercase();
        if RETRY_COMMENT_WORDS.iter().any(|word| text.contains(word)) {
            let span = memchr::memchr_iter(b'\n', &bytes[lexeme.start..lexeme.end]).count();
            lines.extend(line..=line + span);
        }
    }
    lines
}

impl FunctionCollector<'_, '_> {
    /// Checks one body: a function's (with its signature) or a `macro_rules!` arm's (`sig` is
    /// `None`, `name` is the macro's).
    fn check_body(&mut self, name: &str, sig: Option<&syn::Signature>, body: &syn::Block) {
        let classifier = sig.and_then(|sig| {
            self.classifiers.iter().find(|c| {
                c.sig.is_some_and(|s| std::ptr::eq(s, sig))
                    && matches!(c.body, ClassifierBody::Block(b) if std::ptr::eq(b, body))
            })
        });
        // A helper whose answer a classifier returns decides as much as the classifier.
        // One handed the text by a yes/no name (`is_transport_error_message(&msg)`) is reported
        // where it is called.
        let in_classifier = classifier.map(Classifier::describe).or_else(|| {
            sig.filter(|sig| returns_a_bool(sig) && !(predicate_name(name) && takes_text(sig)))
                .and_then(|_| self.answer_helpers.get(name).cloned())
        });
        let mut bindings = TextBindings::default();
        for input in sig.iter().flat_map(|sig| &sig.inputs) {
            if let syn::FnArg::Typed(typed) = input {
                if let Pat::Ident(ident) = &*typed.pat {
                    let name = ident.ident.to_string();
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
        bindings.visit_block(body);
        let retry_fn = words_in(name, RETRY_LOOP_WORDS);
        let operations = OnceCell::new();
        let mut finder = InspectionFinder {
            bindings: &bindings.names,
            in_classifier,
            retry_fn,
            retry_context: OnceCell::new(),
            loop_depth: 0,
            inner_classifiers: self.classifiers,
            operations: &operations,
            body,
            outcomes_count: self.speaks_of_retry,
            retry_comment_lines: self.retry_comment_lines,
            regions: Vec::new(),
        };
        finder.visit_block(body);
        for (region, in_classifier) in finder.regions {
            let message = match in_classifier {
                Some(name) => format!("{name} classifies errors by their message text"),
                None => "the decision to retry depends on the error's message text".to_owned(),
            };
            self.findings.push(self.cx.report(&INFO, region, message, "classify by the error's type, variant or code (`matches!(err.kind(), ..)`, \
                       `#[derive(triage::Classify)]`), not by its text"
                    .to_owned()));
        }
    }
}

impl<'ast> Visit<'ast> for FunctionCollector<'_, '_> {
    fn visit_item_fn(&mut self, item: &'ast syn::ItemFn) {
        self.check_body(&item.sig.ident.to_string(), Some(&item.sig), &item.block);
        syn::visit::visit_item_fn(self, item);
    }

    fn visit_impl_item_fn(&mut self, item: &'ast syn::ImplItemFn) {
        self.check_body(&item.sig.ident.to_string(), Some(&item.sig), &item.block);
        syn::visit::visit_impl_item_fn(self, item);
    }

    fn visit_trait_item_fn(&mut self, item: &'ast syn::TraitItemFn) {
        if let Some(body) = &item.default {
            self.check_body(&item.sig.ident.to_string(), Some(&item.sig), body);
        }
        syn::visit::visit_trait_item_fn(self, item);
    }

    /// A check written in a `macro_rules!` body runs wherever the macro is used.
    fn visit_item_macro(&mut self, item: &'ast syn::ItemMacro) {
        let name = item.ident.as_ref().map(ToString::to_string).unwrap_or_default();
        for arm in macro_rules_arms(&item.mac) {
            self.check_body(&name, None, &arm);
            self.visit_block(&arm);
        }
    }
}

/// The functions a classifier answers with, one call away: `check_response(err.raw())` as the
/// answer of an arm of `is_retriable_error` (alone, negated or in a `||`/`&&` chain), called by
/// name or as `self.name(..)`/`Self::name(..)`. Each maps to how findings name it.
fn answer_helpers(classifiers: &[Classifier<'_>]) -> HashMap<String, String> {
    fn called(expr: &Expr, out: &mut Vec<String>) {
        match expr {
            Expr::Call(call) => {
                if let Expr::Path(path) = &*call.func {
                    let segments = &path.path.segments;
                    let local = segments.len() == 1
                        || (segments.len() == 2 && segments[0].ident == "Self");
                    if let (true, Some(last)) = (local, segments.last()) {
                        out.push(last.ident.to_string());
                    }
                }
            }
            Expr::MethodCall(call) => {
                if matches!(&*call.receiver, Expr::Path(p) if p.path.is_ident("self")) {
                    out.push(call.method.to_string());
                }
            }
            Expr::Binary(binary)
                if matches!(binary.op, syn::BinOp::Or(_) | syn::BinOp::And(_)) =>
            {
                called(&binary.left, out);
                called(&binary.right, out);
            }
            Expr::Unary(unary) => called(&unary.expr, out),
            Expr::Paren(paren) => called(&paren.expr, out),
            Expr::Return(ret) => {
                if let Some(value) = &ret.expr {
                    called(value, out);
                }
            }
            Expr::Block(block) => {
                if let Some(syn::Stmt::Expr(tail, None)) = block.block.stmts.last() {
                    called(tail, out);
                }
            }
            Expr::Match(m) => m.arms.iter().for_each(|arm| called(&arm.body, out)),
            _ => {}
        }
    }
    let mut helpers = HashMap::new();
    for classifier in classifiers {
        let mut names = Vec::new();
        for answer in crate::classifier::answer_exprs(classifier) {
            called(answer, &mut names);
        }
        for name in names {
            if classifier.sig.is_some_and(|sig| sig.ident == name) {
                continue;
            }
            helpers
                .entry(name.clone())
                .or_insert_with(|| format!("`{name}`, whose answer {} returns,", classifier.describe()));
        }
    }
    helpers
}

/// Functions of the file whose result is stored in a retry flag: `let retryable =
/// is_retryable_text(&msg);`, `(kind, retryable) = parse_summary(&s).unwrap_or((kind, false));`.
/// Each maps to the flag's name.
fn flag_helpers(file: &syn::File) -> HashMap<String, String> {
    /// The flag a pattern or assignee binds: a retry-worded name, alone or in a tuple.
    fn flag_in(expr_or_pat: FlagTarget<'_>) -> Option<String> {
        let names: Vec<String> = match expr_or_pat {
            FlagTarget::Pat(Pat::Ident(ident)) => vec![ident.ident.to_string()],
            FlagTarget::Pat(Pat::Tuple(tuple)) => tuple
                .elems
                .iter()
                .filter_map(|p| match p {
                    Pat::Ident(ident) => Some(ident.ident.to_string()),
                    _ => None,
                })
                .collect(),
            FlagTarget::Pat(_) => Vec::new(),
            FlagTarget::Expr(Expr::Path(path)) => {
                path.path.get_ident().map(|i| vec![i.to_string()]).unwrap_or_default()
            }
            FlagTarget::Expr(Expr::Tuple(tuple)) => tuple
                .elems
                .iter()
                .filter_map(|e| match e {
                    Expr::Path(path) => path.path.get_ident().map(ToString::to_string),
                    _ => None,
                })
                .collect(),
            FlagTarget::Expr(_) => Vec::new(),
        };
        names
            .into_iter()
            .find(|name| crate::retry_words::name_polarity(name).is_some())
    }
    /// The function of the file a value comes from, through `?`, `.unwrap_or(..)` and the like.
    fn source_call(expr: &Expr) -> Option<String> {
        match expr {
            Expr::Call(call) => match &*call.func {
                Expr::Path(path) if path.path.segments.len() == 1 => {
                    Some(path.path.segments[0].ident.to_string())
                }
                Expr::Path(path)
                    if path.path.segments.len() == 2 && path.path.segments[0].ident == "Self" =>
                {
                    Some(path.path.segments[1].ident.to_string())
                }
                _ => None,
            },
            Expr::MethodCall(call) => {
                let method = call.method.to_string();
                if matches!(&*call.receiver, Expr::Path(p) if p.path.is_ident("self")) {
                    Some(method)
                } else if matches!(
                    method.as_str(),
                    "unwrap_or" | "unwrap_or_else" | "unwrap_or_default" | "unwrap" | "expect"
                ) {
                    source_call(&call.receiver)
                } else {
                    None
                }
            }
            Expr::Try(t) => source_call(&t.expr),
            Expr::Await(a) => source_call(&a.base),
            Expr::Paren(p) => source_call(&p.expr),
            _ => None,
        }
    }
    enum FlagTarget<'e> {
        Pat(&'e Pat),
        Expr(&'e Expr),
    }
    struct Finder(HashMap<String, String>);
    impl<'ast> Visit<'ast> for Finder {
        fn visit_local(&mut self, local: &'ast Local) {
            if let (Some(init), Some(flag)) = (&local.init, flag_in(FlagTarget::Pat(&local.pat))) {
                if let Some(name) = source_call(&init.expr) {
                    self.0.entry(name).or_insert(flag);
                }
            }
            syn::visit::visit_local(self, local);
        }
        fn visit_expr_assign(&mut self, assign: &'ast syn::ExprAssign) {
            if let Some(flag) = flag_in(FlagTarget::Expr(&assign.left)) {
                if let Some(name) = source_call(&assign.right) {
                    self.0.entry(name).or_insert(flag);
                }
            }
            syn::visit::visit_expr_assign(self, assign);
        }
    }
    let mut finder = Finder(HashMap::new());
    finder.visit_file(file);
    finder.0
}

/// Whether a function's result holds a `bool` (`bool`, `Option<bool>`, `Option<(Kind, bool)>`):
/// the shapes an answer can take.
fn returns_a_bool(sig: &syn::Signature) -> bool {
    fn holds_bool(stream: proc_macro2::TokenStream) -> bool {
        stream.into_iter().any(|token| match token {
            proc_macro2::TokenTree::Ident(ident) => ident == "bool",
            proc_macro2::TokenTree::Group(group) => holds_bool(group.stream()),
            _ => false,
        })
    }
    match &sig.output {
        syn::ReturnType::Type(_, ty) => holds_bool(ty.to_token_stream()),
        syn::ReturnType::Default => false,
    }
}

/// Whether a type is text: `&str`, `String`, `&[u8]`, `Cow<str>`.
fn is_text_type(ty: &syn::Type) -> bool {
    match ty {
        syn::Type::Reference(r) => is_text_type(&r.elem),
        syn::Type::Slice(slice) => {
            matches!(&*slice.elem, syn::Type::Path(p) if p.path.is_ident("u8"))
        }
        syn::Type::Path(path) => path.path.segments.last().is_some_and(|seg| {
            seg.ident == "str" || seg.ident == "String" || seg.ident == "Cow"
        }),
        _ => false,
    }
}

/// Local bindings that hold message text: `let msg = err.to_string();`.
#[derive(Default)]
struct TextBindings {
    names: HashSet<String>,
}

impl<'ast> Visit<'ast> for TextBindings {
    fn visit_local(&mut self, local: &'ast Local) {
        if let (Pat::Ident(ident), Some(init)) = (&local.pat, &local.init) {
            if is_message_text(&init.expr, &self.names) {
                self.names.insert(ident.ident.to_string());
            }
        }
        syn::visit::visit_local(self, local);
    }

    /// A text-named binding of a pattern: `Err(ApiError(code, msg)) if msg.contains(..)`.
    fn visit_arm(&mut self, arm: &'ast syn::Arm) {
        let mut named = PatNames(Vec::new());
        named.visit_pat(&arm.pat);
        self.names.extend(
            named
                .0
                .into_iter()
                .filter(|name| TEXT_NAMES.contains(&name.as_str())),
        );
        syn::visit::visit_arm(self, arm);
    }

    fn visit_item_fn(&mut self, _: &'ast syn::ItemFn) {}
    fn visit_item_impl(&mut self, _: &'ast syn::ItemImpl) {}
}

/// The names a pattern binds.
struct PatNames(Vec<String>);

impl<'ast> Visit<'ast> for PatNames {
    fn visit_pat_ident(&mut self, pat: &'ast syn::PatIdent) {
        self.0.push(pat.ident.to_string());
        syn::visit::visit_pat_ident(self, pat);
    }
}

/// Methods whose call is no operation worth repeating: conversions, accessors, locks.
const NOT_OPERATIONS: &[&str] = &[
    "clone", "to_string", "to_owned", "as_ref", "as_str", "as_deref", "into", "unwrap", "expect",
    "unwrap_or_default", "len", "is_empty", "lock", "read", "write", "borrow", "borrow_mut", "get",
    "iter", "display", "new", "from", "now", "default", "message", "description",
    // Pure methods of text, options and iterators: calling one again repeats no operation.
    "unwrap_or", "unwrap_or_else", "unwrap_or_default", "ok", "err", "map", "map_err", "cloned",
    "copied", "flatten", "strip_prefix", "strip_suffix", "split", "splitn", "rsplit", "find",
    "rfind", "parse", "trim", "trim_start", "trim_end", "to_lowercase", "to_ascii_lowercase",
    "to_uppercase", "to_ascii_uppercase", "chars", "bytes", "lines", "as_bytes", "to_vec",
    "from_utf8", "from_utf8_lossy", "collect", "first", "last", "keys", "values",
];

/// Standard value types whose associated functions convert or build a value
/// (`String::from_utf8_lossy(..)`, `Duration::from_secs(..)`): calling one again repeats nothing.
const VALUE_TYPES: &[&str] = &[
    "String", "str", "Vec", "Cow", "Path", "PathBuf", "Duration", "Instant", "Bytes", "Box", "Arc",
    "Rc", "Some", "Ok", "Err", "u8", "u16", "u32", "u64", "usize", "i32", "i64",
];

/// The calls whose result a body goes on to examine: those in a `let` initialiser, a `match`
/// scrutinee or an `if let`, along their receiver chain (`inner.list(p).peekable()` holds
/// `inner.list(p)` too), by their tokens, with where each first appears. A branch that makes one
/// of them again repeats the operation: it retries.
#[derive(Default)]
struct Operations {
    calls: HashMap<String, (usize, usize)>,
}

impl Operations {
    fn record_chain(&mut self, expr: &Expr) {
        match expr {
            Expr::MethodCall(call) => {
                if !NOT_OPERATIONS.contains(&call.method.to_string().as_str()) {
                    self.record(expr);
                }
                self.record_chain(&call.receiver);
            }
            Expr::Call(call) => {
                let constructor = matches!(&*call.func, Expr::Path(p) if p.path.segments.last().is_some_and(|seg| {
                    let name = seg.ident.to_string();
                    name.starts_with(|c: char| c.is_uppercase()) || NOT_OPERATIONS.contains(&name.as_str())
                }) || p.path.segments.first().is_some_and(|seg| {
                    VALUE_TYPES.iter().any(|ty| seg.ident == ty)
                }));
                if !constructor {
                    self.record(expr);
                }
            }
            Expr::Await(a) => self.record_chain(&a.base),
            Expr::Try(t) => self.record_chain(&t.expr),
            Expr::Paren(p) => self.record_chain(&p.expr),
            Expr::Reference(r) => self.record_chain(&r.expr),
            _ => {}
        }
    }

    fn record(&mut self, expr: &Expr) {
        let start = expr.span().start();
        let at = (start.line, start.column);
        self.calls
            .entry(expr.to_token_stream().to_string())
            .and_modify(|first| *first = (*first).min(at))
            .or_insert(at);
    }
}

impl<'ast> Visit<'ast> for Operations {
    fn visit_local(&mut self, local: &'ast Local) {
        if let Some(init) = &local.init {
            self.record_chain(&init.expr);
        }
        syn::visit::visit_local(self, local);
    }

    fn visit_expr_match(&mut self, node: &'ast syn::ExprMatch) {
        self.record_chain(&node.expr);
        syn::visit::visit_expr_match(self, node);
    }

    fn visit_expr_let(&mut self, node: &'ast syn::ExprLet) {
        self.record_chain(&node.expr);
        syn::visit::visit_expr_let(self, node);
    }

    fn visit_item_fn(&mut self, _: &'ast syn::ItemFn) {}
    fn visit_item_impl(&mut self, _: &'ast syn::ItemImpl) {}
}

/// Finds, outside closures, a call that repeats one of [`Operations`] made before `start`.
struct Repeats<'o> {
    operations: &'o HashMap<String, (usize, usize)>,
    start: (usize, usize),
    found: bool,
}

impl<'ast> Visit<'ast> for Repeats<'_> {
    fn visit_expr(&mut self, expr: &'ast Expr) {
        if matches!(expr, Expr::Call(_) | Expr::MethodCall(_)) {
            let key = expr.to_token_stream().to_string();
            if self
                .operations
                .get(&key)
                .is_some_and(|first| *first < self.start)
            {
                self.found = true;
                return;
            }
        }
        syn::visit::visit_expr(self, expr);
    }

    fn visit_expr_closure(&mut self, _: &'ast syn::ExprClosure) {}
}

/// Finds a value built by a name that says "try again later" (`ApiError::ResourceUnavailable`,
/// `Issue::TransportInterrupted`, `Status::unavailable(..)`): the branch producing it hands the
/// caller an error its retry logic treats as transient.
struct TransientConstruction(bool);

/// Words of a constructor or variant name that mark a transient outcome.
const TRANSIENT_WORDS: &[&str] = &[
    "unavailable",
    "interrupted",
    "transient",
    "temporary",
    "retryable",
    "retriable",
    "throttled",
    "overloaded",
    "busy",
];

fn says_transient(path: &syn::Path) -> bool {
    path.segments.last().is_some_and(|seg| {
        crate::retry_words::words(&seg.ident.to_string())
            .iter()
            .any(|word| TRANSIENT_WORDS.contains(&word.as_str()))
    })
}

impl<'ast> Visit<'ast> for TransientConstruction {
    fn visit_expr(&mut self, expr: &'ast Expr) {
        let built = match expr {
            Expr::Call(call) => matches!(&*call.func, Expr::Path(p) if says_transient(&p.path)),
            Expr::Path(p) => says_transient(&p.path),
            Expr::Struct(s) => says_transient(&s.path),
            _ => false,
        };
        if built {
            self.0 = true;
            return;
        }
        syn::visit::visit_expr(self, expr);
    }

    fn visit_expr_closure(&mut self, _: &'ast syn::ExprClosure) {}
}

/// Whether an expression is an error's message text.
fn is_message_text(expr: &Expr, bindings: &HashSet<String>) -> bool {
    match expr {
        Expr::MethodCall(call) => {
            let method = call.method.to_string();
            if TEXT_METHODS.contains(&method.as_str()) && call.args.is_empty() {
                return true;
            }
            if TEXT_PRESERVING.contains(&method.as_str()) || method == "unwrap_or_default" {
                return is_message_text(&call.receiver, bindings);
            }
            false
        }
        Expr::Macro(mac) => mac.mac.path.is_ident("format"),
        Expr::Path(path) => path
            .path
            .get_ident()
            .is_some_and(|ident| bindings.contains(&ident.to_string())),
        Expr::Reference(r) => is_message_text(&r.expr, bindings),
        Expr::Paren(p) => is_message_text(&p.expr, bindings),
        Expr::Unary(u) => is_message_text(&u.expr, bindings),
        Expr::Try(t) => is_message_text(&t.expr, bindings),
        Expr::Await(a) => is_message_text(&a.base, bindings),
        Expr::Call(call) => {
            // `String::from_utf8_lossy(body)`: bytes decoded to be read as text (a response body,
            // a process's output).
            matches!(&*call.func, Expr::Path(p) if p.path.segments.last().is_some_and(|seg| seg.ident == "from_utf8_lossy"))
        }
        _ => false,
    }
}

/// A string literal pattern, alone or among alternatives: `"busy"`, `"busy" | "locked"`.
fn string_pattern(pat: &Pat) -> bool {
    match pat {
        Pat::Lit(lit) => matches!(lit.lit, syn::Lit::Str(_) | syn::Lit::ByteStr(_)),
        Pat::Or(or) => or.cases.iter().any(string_pattern),
        Pat::Paren(p) => string_pattern(&p.pat),
        _ => false,
    }
}

/// A byte-string literal (`b"SlowDown"`): matching against one is matching raw text.
fn is_byte_string(expr: &Expr) -> bool {
    match expr {
        Expr::Lit(lit) => matches!(lit.lit, syn::Lit::ByteStr(_)),
        Expr::Reference(r) => is_byte_string(&r.expr),
        _ => false,
    }
}

/// A function asking a yes/no question of its argument (`is_transport_error_message(&msg)`):
/// handed message text, it matches that text one call away.
fn is_predicate_call(call: &syn::ExprCall) -> bool {
    let Expr::Path(path) = &*call.func else {
        return false;
    };
    path.path
        .segments
        .last()
        .is_some_and(|seg| predicate_name(&seg.ident.to_string()))
}

/// A name asking a yes/no question (`is_..`, `has_..`, `looks_like_..`).
fn predicate_name(name: &str) -> bool {
    ["is_", "has_", "contains", "matches", "looks_like"]
        .iter()
        .any(|prefix| name.starts_with(prefix))
}

/// Whether a function takes a text parameter (`msg: &str`).
fn takes_text(sig: &syn::Signature) -> bool {
    sig.inputs
        .iter()
        .any(|input| matches!(input, syn::FnArg::Typed(typed) if is_text_type(&typed.ty)))
}

/// Whether an expression inspects message text: `text.contains(..)`, `text == ".."`.
fn inspects_text(expr: &Expr, bindings: &HashSet<String>) -> bool {
    match expr {
        Expr::MethodCall(call) => {
            let method = call.method.to_string();
            let inspecting = INSPECTING_METHODS.contains(&method.as_str());
            (inspecting
                && (is_message_text(&call.receiver, bindings)
                    || call.args.first().is_some_and(is_byte_string)))
                || (PATTERN_METHODS.contains(&method.as_str())
                    && call.args.len() == 1
                    && is_message_text(&call.args[0], bindings))
        }
        Expr::Call(call) => {
            is_predicate_call(call) && call.args.iter().any(|arg| is_message_text(arg, bindings))
        }
        Expr::Binary(binary) => {
            matches!(binary.op, syn::BinOp::Eq(_) | syn::BinOp::Ne(_))
                && (is_message_text(&binary.left, bindings)
                    || is_message_text(&binary.right, bindings))
        }
        _ => false,
    }
}

/// Finds the inspections that count in one function body: every one inside a classifier, and
/// elsewhere those in a condition whose branch retries.
struct InspectionFinder<'b> {
    bindings: &'b HashSet<String>,
    in_classifier: Option<String>,
    /// The function's name speaks of retrying.
    retry_fn: bool,
    /// The function speaks of retrying (see [`InspectionFinder::retry_context`]).
    retry_context: OnceCell<bool>,
    /// How many loops enclose the expression being visited.
    loop_depth: usize,
    /// The file's classifiers: closures and inline decisions in this body are among them.
    inner_classifiers: &'b [Classifier<'b>],
    /// The body's operations (see [`Operations`]), found when a branch is first asked about.
    operations: &'b OnceCell<HashMap<String, (usize, usize)>>,
    /// The body being searched.
    body: &'b syn::Block,
    /// Whether a branch repeating an operation or building a transient-named value retries.
    outcomes_count: bool,
    /// The lines of comments that speak of retrying: a branch holding one says what it decides.
    retry_comment_lines: &'b [usize],
    regions: Vec<(Region, Option<String>)>,
}

impl InspectionFinder<'_> {
    /// Whether the function is about retrying: its name or an identifier of its body says so.
    /// Asked only once a text check is found, so most bodies are never searched for it.
    fn retry_context(&self) -> bool {
        *self
            .retry_context
            .get_or_init(|| self.retry_fn || mentions_retry(self.body, RETRY_LOOP_WORDS))
    }

    /// Whether `expr` holds a text inspection [`Self::record_inspections_in`] would record.
    fn inspects_text_in(&self, expr: &Expr) -> bool {
        struct Any<'b> {
            bindings: &'b HashSet<String>,
            found: bool,
        }
        impl<'ast> Visit<'ast> for Any<'_> {
            fn visit_expr(&mut self, expr: &'ast Expr) {
                if self.found {
                    return;
                }
                if inspects_text(expr, self.bindings) {
                    self.found = true;
                    return;
                }
                syn::visit::visit_expr(self, expr);
            }
        }
        let mut any = Any {
            bindings: self.bindings,
            found: false,
        };
        any.visit_expr(expr);
        any.found
    }

    fn record_inspections_in(&mut self, expr: &Expr) {
        let mut all = AllInspections {
            bindings: self.bindings,
            found: Vec::new(),
        };
        all.visit_expr(expr);
        for region in all.found {
            self.regions.push((region, self.in_classifier.clone()));
        }
    }

    fn leads_to_retry(&self, branch: &Expr) -> bool {
        let mut continues = Continue(false);
        continues.visit_expr(branch);
        let mut finals = FinalMention(false);
        finals.visit_expr(branch);
        let mut transient = TransientConstruction(false);
        transient.visit_expr(branch);
        let mut repeats = self.repeats(branch.span());
        repeats.visit_expr(branch);
        mentions_retry_expr(branch, RETRY_WORDS)
            || finals.0
            || (self.outcomes_count && (transient.0 || repeats.found))
            || self.commented_as_retry(branch.span())
            || (self.retry_context() && continues.0)
    }

    /// Whether a comment inside the branch at `span` speaks of retrying (`// Return 503 so the
    /// client retries`, `// Keep it retryable`).
    fn commented_as_retry(&self, span: proc_macro2::Span) -> bool {
        let (from, to) = (span.start().line, span.end().line);
        let first = self.retry_comment_lines.partition_point(|line| *line < from);
        self.retry_comment_lines
            .get(first)
            .is_some_and(|line| *line <= to)
    }

    fn block_leads_to_retry(&self, branch: &syn::Block) -> bool {
        let mut continues = Continue(false);
        continues.visit_block(branch);
        let mut finals = FinalMention(false);
        finals.visit_block(branch);
        let mut transient = TransientConstruction(false);
        transient.visit_block(branch);
        let mut repeats = self.repeats(branch.brace_token.span.join());
        repeats.visit_block(branch);
        mentions_retry(branch, RETRY_WORDS)
            || finals.0
            || (self.outcomes_count && (transient.0 || repeats.found))
            || self.commented_as_retry(branch.brace_token.span.join())
            || (self.retry_context() && continues.0)
    }

    /// A search for a repeated operation in a branch starting at `span`.
    fn repeats(&self, span: proc_macro2::Span) -> Repeats<'_> {
        let start = span.start();
        let operations = self.operations.get_or_init(|| {
            let mut operations = Operations::default();
            operations.visit_block(self.body);
            operations.calls
        });
        Repeats {
            operations,
            start: (start.line, start.column),
            found: false,
        }
    }

    /// The other polarity: in a retry loop, a branch that gives up (`return`, `break`) decides
    /// just as much as one that retries.
    fn block_stops_retrying(&self, branch: &syn::Block) -> bool {
        if self.loop_depth == 0 || !self.retry_context() {
            return false;
        }
        let mut exits = Exit(false);
        exits.visit_block(branch);
        exits.0
    }

    fn expr_stops_retrying(&self, branch: &Expr) -> bool {
        if self.loop_depth == 0 || !self.retry_context() {
            return false;
        }
        let mut exits = Exit(false);
        exits.visit_expr(branch);
        exits.0
    }

    /// A closure or inline decision recognised as a classifier, if `expr` is one's body.
    fn classifier_at(&self, expr: &Expr) -> Option<String> {
        self.inner_classifiers.iter().find_map(|c| match c.body {
            ClassifierBody::Expr(body) if std::ptr::eq(body, expr) => Some(c.describe()),
            _ => None,
        })
    }
}

impl<'ast> Visit<'ast> for InspectionFinder<'_> {
    fn visit_expr(&mut self, expr: &'ast Expr) {
        if self.in_classifier.is_none() {
            if let Some(name) = self.classifier_at(expr) {
                let saved = self.in_classifier.replace(name);
                self.visit_expr(expr);
                self.in_classifier = saved;
                return;
            }
        }
        if self.in_classifier.is_some() {
            if inspects_text(expr, self.bindings) {
                self.regions
                    .push((Region::of(expr), self.in_classifier.clone()));
            }
            // `match message { "Rate limit exceeded." => .., _ => .. }`: each string arm
            // compares the text with a sentence.
            if let Expr::Match(m) = expr {
                if is_message_text(&m.expr, self.bindings) {
                    for arm in &m.arms {
                        if string_pattern(&arm.pat) {
                            self.regions
                                .push((Region::of(&arm.pat), self.in_classifier.clone()));
                        }
                    }
                }
            }
            syn::visit::visit_expr(self, expr);
            return;
        }
        match expr {
            // Whether the condition inspects text is asked first: it is cheaper than asking
            // where the branches lead, and most conditions do not.
            Expr::If(if_expr)
                if self.inspects_text_in(&if_expr.cond)
                    && (self.block_leads_to_retry(&if_expr.then_branch)
                    || self.block_stops_retrying(&if_expr.then_branch)
                    || if_expr.else_branch.as_ref().is_some_and(|(_, other)| {
                        matches!(&**other, Expr::Block(block)
                            if self.block_leads_to_retry(&block.block))
                    })) =>
            {
                self.record_inspections_in(&if_expr.cond);
            }
            Expr::Match(match_expr) => {
                for arm in &match_expr.arms {
                    if let Some((_, guard)) = &arm.guard {
                        if self.inspects_text_in(guard)
                            && (self.leads_to_retry(&arm.body)
                                || self.expr_stops_retrying(&arm.body))
                        {
                            self.record_inspections_in(guard);
                        }
                    }
                }
            }
            Expr::Loop(_) | Expr::While(_) | Expr::ForLoop(_) => {
                self.loop_depth += 1;
                syn::visit::visit_expr(self, expr);
                self.loop_depth -= 1;
                return;
            }
            Expr::Closure(_) => {
                // A closure body runs elsewhere: its exits do not leave this loop.
                let saved = std::mem::replace(&mut self.loop_depth, 0);
                syn::visit::visit_expr(self, expr);
                self.loop_depth = saved;
                return;
            }
            Expr::MethodCall(call) if words_in(&call.method.to_string(), RETRY_WORDS) => {
                for arg in &call.args {
                    if let Expr::Closure(closure) = arg {
                        self.record_inspections_in(&closure.body);
                    }
                }
            }
            _ => {}
        }
        syn::visit::visit_expr(self, expr);
    }

    fn visit_item_fn(&mut self, _: &'ast syn::ItemFn) {}
    fn visit_item_impl(&mut self, _: &'ast syn::ItemImpl) {}
}

struct AllInspections<'b> {
    bindings: &'b HashSet<String>,
    found: Vec<Region>,
}

impl<'ast> Visit<'ast> for AllInspections<'_> {
    fn visit_expr(&mut self, expr: &'ast Expr) {
        if inspects_text(expr, self.bindings) {
            self.found.push(Region::of(expr));
        }
        syn::visit::visit_expr(self, expr);
    }
}

/// Whether an identifier contains one of `words` (case-insensitively).
fn words_in(ident: &str, words: &[&str]) -> bool {
    let lower = ident.to_ascii_lowercase();
    words.iter().any(|word| lower.contains(word))
}

fn mentions_retry(block: &syn::Block, words: &[&str]) -> bool {
    let mut finder = RetryMention {
        words,
        found: false,
    };
    finder.visit_block(block);
    finder.found
}

fn mentions_retry_expr(expr: &Expr, words: &[&str]) -> bool {
    let mut finder = RetryMention {
        words,
        found: false,
    };
    finder.visit_expr(expr);
    finder.found
}

struct RetryMention<'w> {
    words: &'w [&'w str],
    found: bool,
}

impl<'ast> Visit<'ast> for RetryMention<'_> {
    fn visit_ident(&mut self, ident: &'ast proc_macro2::Ident) {
        if self.found {
            return;
        }
        let text = ident.to_string();
        // `Verdict::Retryable` says retry; `no_retry`/`Terminal` do not.
        if words_in(&text, self.words) && !text.to_ascii_lowercase().starts_with("no") {
            self.found = true;
        }
    }
}

/// Finds a way of giving up outside closures: `return Err(..)` (or a `return` of anything but
/// `Ok`/`Some`), `break Err(..)`, `bail!(..)`. A plain `break` may as well mean success.
struct Exit(bool);

fn is_success(expr: &Expr) -> bool {
    match expr {
        Expr::Call(call) => matches!(&*call.func, Expr::Path(p)
            if p.path.segments.last().is_some_and(|seg| seg.ident == "Ok" || seg.ident == "Some")),
        Expr::Path(p) => p.path.is_ident("None"),
        Expr::Tuple(t) => t.elems.is_empty(),
        _ => false,
    }
}

impl<'ast> Visit<'ast> for Exit {
    fn visit_expr_return(&mut self, node: &'ast syn::ExprReturn) {
        if !node.expr.as_deref().is_some_and(is_success) && node.expr.is_some() {
            self.0 = true;
        }
        syn::visit::visit_expr_return(self, node);
    }

    fn visit_expr_break(&mut self, node: &'ast syn::ExprBreak) {
        if let Some(Expr::Call(call)) = node.expr.as_deref() {
            if matches!(&*call.func, Expr::Path(p) if p.path.is_ident("Err")) {
                self.0 = true;
            }
        }
        syn::visit::visit_expr_break(self, node);
    }

    fn visit_macro(&mut self, mac: &'ast syn::Macro) {
        if mac.path.is_ident("bail") {
            self.0 = true;
        }
    }

    fn visit_expr_closure(&mut self, _: &'ast syn::ExprClosure) {}
}

/// Finds an identifier that says "never retry" (`NotifyError::Fatal`, `Permanent`): the other
/// polarity of a retry decision.
struct FinalMention(bool);

impl<'ast> Visit<'ast> for FinalMention {
    fn visit_ident(&mut self, ident: &'ast proc_macro2::Ident) {
        if crate::retry_words::says_final(&ident.to_string()) {
            self.0 = true;
        }
    }

    fn visit_expr_closure(&mut self, _: &'ast syn::ExprClosure) {}
}

/// Finds a `continue` outside closures.
struct Continue(bool);

impl<'ast> Visit<'ast> for Continue {
    fn visit_expr_continue(&mut self, _: &'ast syn::ExprContinue) {
        self.0 = true;
    }

    fn visit_expr_closure(&mut self, _: &'ast syn::ExprClosure) {}
}
