//! `wildcard_classification`: a classifier over the tree's own error enum with a catch-all arm.

use std::collections::{HashMap, HashSet};

use syn::visit::Visit;
use syn::{Expr, ExprMatch, Pat};

use super::variant_scope::{enums_declared_in, VariantRef, VariantScope};
use crate::classifier::{matches_parts, Answer, Classifier, Origin};
use crate::codegen::suggest::expand_catch_all;
use crate::finding::{Finding, Level, Region};
use crate::retry_words::{answer_in_variant_name, names_an_outcome, speaks_of_verdict, words};
use crate::rule::{FileContext, Rule, RuleInfo};
use crate::syntax::imports::ModuleImports;
use crate::syntax::names::{local_name, names_in};
use crate::syntax::patterns::catch_all_arm;

/// The rule; see [`DOCS`].
pub(crate) struct WildcardClassification;

/// What `cargo triage explain wildcard_classification` prints.
const DOCS: &str = "\
### What it does
Finds classifiers that match on an error enum of the same codebase, on the kind enum its
errors report (`ConnectErrorKind`), or on the enum of a call's outcome a classifier is handed
(`fn should_retry_send(result: &SendResult) -> bool` matching `result.outcome`, a
`SendOutcome`), or on the field holding the error of what a retry policy is handed
(`fn decide_should_retry(&mut self, info: AttemptInfo) -> RetryDecision` matching `info.error`),
and end in a catch-all arm (`_ => false`, `other => ...`) instead of naming every
variant. A classifier may answer with `bool` or with an enum of the
codebase (`fn should_retry_send(e: &SendError) -> RecoveryStep`). A catch-all that answers \"retry\"
is reported by `default_retryable` instead. A catch-all that hands what it caught to another
classifier (`other => is_transient(other)`) is not reported: a new variant is judged by what it
holds. Neither is a retry condition written for one call (`.when(|e| matches!(e,
PushError::Backoff))`): it names what that call waits out, and the errors it leaves out are not
retried. Nor is a closure given to `.map_err(..)` that answers the backoff crate's errors
(`.map_err(|e| match e { Busy => Error::transient(e), _ => Error::permanent(e) })`): it is written
for the operation whose errors it maps, for the same reason. Nor a
classifier whose doc comment says it is only used for printing, logging or metrics, or one that
tests a single variant its doc comment names as what the value is (`/// Returns true if this is a
`NotYetVisible` error` over `matches!(self, E::NotYetVisible { .. })`, the bare variant name in
backticks): it defines that variant's case. Nor a
question on an enum whose variants name both answers (`Status::TemporaryFailure`,
`Status::PermanentFailure`): it reads a verdict already made.

### Why is this bad
A variant added later is classified by the catch-all without anyone deciding its verdict. The
compiler could have asked: with every variant named, adding one fails to compile until its
classification is written. Enums of other crates (`std::io::ErrorKind`, gRPC codes) are not
reported, since they often require a catch-all. An enum is another crate's when its path starts
there, and also when it names a variant that none of the codebase's enums of that name (or enums
a `type` alias of that name stands for) declares: `client::Error::CommunicationError` under a
module whose `Error` a macro generates from an API description.

### Example
```rust
impl FetchError {
    fn is_retryable(&self) -> bool {
        match self {
            FetchError::Timeout | FetchError::Unavailable => true,
            _ => false,
        }
    }
}
```

### Use instead
```rust
#[derive(triage::Classify)]
enum FetchError {
    #[retryable]
    Timeout,
    #[retryable]
    Unavailable,
    #[terminal]
    NotFound,
}
```
";

/// The rule's declaration: what `cargo triage explain wildcard_classification` prints, and its level.
pub(crate) static INFO: RuleInfo = RuleInfo {
    name: "wildcard_classification",
    default_level: Level::Warn,
    docs: DOCS,
    // Only classifiers are inspected; the engine adds the classifier names and `Classify`.
    needles: &[],
    loop_needles: &[],
    function_needles: &[],
    only_in_triage_crates: false,
};

impl Rule for WildcardClassification {
    fn info(&self) -> &'static RuleInfo {
        &INFO
    }

    fn check(&self, cx: &FileContext<'_>) -> Vec<Finding> {
        let mut findings = Vec::new();
        if cx.classifiers().is_empty() {
            return findings;
        }
        let file_enums = enums_declared_in(cx.ast);
        let modules = ModuleImports::of_file(cx.ast);
        // A retry condition written for one call names what that call waits out (`.when(|e|
        // matches!(e, PushError::Backoff))`), and so does an error mapping written inside one
        // retry call (`.map_err(|e| match e { Busy => transient(e), _ => permanent(e) })`):
        // neither is the classification of the error type.
        let classifications = cx
            .classifiers()
            .iter()
            .filter(|c| !matches!(c.origin, Origin::RetryCondition | Origin::ErrorMapping));
        for classifier in classifications {
            let before = findings.len();
            let scope = VariantScope::new(classifier, &modules, cx.tree, &file_enums);
            let mut finder = WildcardFinder {
                classifier,
                file_enums: &file_enums,
                scope: &scope,
                cx,
                findings: &mut findings,
            };
            classifier.visit_body(&mut finder);
            // Nor is a classifier documented as only feeding a log line or a message, or one
            // whose doc says it tests the one variant it names (its doc read only when it has
            // findings).
            if findings.len() > before
                && (classifier.documented_as_display_only(cx.source)
                    || classifier.documents_its_one_variant(cx.source))
            {
                findings.truncate(before);
            }
        }
        findings
    }
}

struct WildcardFinder<'c, 'x, 'f> {
    classifier: &'c Classifier<'c>,
    file_enums: &'c HashMap<String, HashSet<String>>,
    scope: &'c VariantScope<'c>,
    cx: &'x FileContext<'x>,
    findings: &'f mut Vec<Finding>,
}

impl<'ast> Visit<'ast> for WildcardFinder<'_, '_, '_> {
    fn visit_expr_match(&mut self, node: &'ast ExprMatch) {
        if self.matches_own_error_enum(node) {
            for (index, arm) in node.arms.iter().enumerate() {
                if catch_all_arm(arm)
                    && self.classifier.answer(&arm.body) != Some(Answer::Retry)
                    && !asks_what_it_caught(self.classifier, arm)
                {
                    let mut finding = self.cx.report(
                        &INFO,
                        Region::of(&arm.pat),
                        format!(
                            "{} classifies the variants it does not name with a catch-all arm",
                            self.classifier.describe()
                        ),
                        "name every variant, or `#[derive(triage::Classify)]` so a new \
                               variant cannot compile without a verdict"
                            .to_owned(),
                    );
                    let self_type = self.classifier.self_type.as_deref();
                    if let Some(edit) = expand_catch_all(self.cx.ast, node, index, self_type) {
                        finding = finding.with_suggestion(edit);
                    }
                    self.findings.push(finding);
                }
            }
        }
        syn::visit::visit_expr_match(self, node);
    }

    fn visit_expr(&mut self, expr: &'ast Expr) {
        let (negated, inner) = match expr {
            Expr::Unary(unary) if matches!(unary.op, syn::UnOp::Not(_)) => (true, &*unary.expr),
            other => (false, other),
        };
        if let Expr::Macro(mac) = inner {
            self.check_matches(&mac.mac, negated);
            if negated {
                return;
            }
        }
        syn::visit::visit_expr(self, expr);
    }

    fn visit_expr_closure(&mut self, node: &'ast syn::ExprClosure) {
        if self.classifier.sig.is_some() {
            syn::visit::visit_expr_closure(self, node);
        }
    }
    fn visit_item_fn(&mut self, _: &'ast syn::ItemFn) {}
    fn visit_item_impl(&mut self, _: &'ast syn::ItemImpl) {}
}

impl WildcardFinder<'_, '_, '_> {
    /// `matches!(self, A | B)` answers "no" for every variant it does not list: an implicit
    /// catch-all arm. (When that answer is "retry", `default_retryable` reports it.)
    fn check_matches(&mut self, mac: &syn::Macro, negated: bool) {
        let Some((scrutinee, pat, false)) = matches_parts(mac) else {
            return;
        };
        let unlisted_answer = if negated {
            self.classifier.answer_of_true()
        } else {
            self.classifier.answer_of_true().opposite()
        };
        if unlisted_answer == Answer::Retry
            || !scrutinee_is_error_input(&scrutinee, self.classifier)
        {
            return;
        }
        let listed = pattern_variants(&pat, self.scope);
        let Some(enum_name) = listed
            .iter()
            .find(|listed| self.own(listed))
            .map(|listed| listed.enum_name.clone())
        else {
            return;
        };
        // `matches!(self, Error::RetryLater { .. })`: a test for the variants the enum dedicates
        // to one answer, each named for it. The variants left out are not those by definition.
        if listed
            .iter()
            .all(|v| answer_in_variant_name(&v.variant).is_some())
        {
            return;
        }
        if let Some(variants) = self.file_enums.get(&enum_name) {
            let named: HashSet<&str> = listed.iter().map(|v| v.variant.as_str()).collect();
            if variants.iter().all(|v| named.contains(v.as_str())) {
                return;
            }
        }
        self.findings.push(self.cx.report(
            &INFO,
            Region::of(mac),
            format!(
                "{} classifies every variant its `matches!` does not list, as a catch-all arm would",
                self.classifier.describe()
            ),
            "match every variant by name, or `#[derive(triage::Classify)]` so a new variant \
             cannot compile without a verdict",
        ));
    }
}

impl WildcardFinder<'_, '_, '_> {
    /// Whether a variant belongs to one of the tree's own enums: `Self`, the classifier's type, an
    /// enum declared in the file, an error or classified type of the tree or the kind of one
    /// (`ErrorKind`, declared anywhere in the tree), and not reached
    /// through another crate's path. A foreign enum (an SDK's `#[non_exhaustive]` error) needs its
    /// catch-all.
    fn own(&self, variant: &VariantRef) -> bool {
        let (classifier, tree) = (self.classifier, self.cx.tree);
        let enum_name = variant.enum_name.as_str();
        let own = enum_name == "Self"
            || classifier.self_type.as_deref() == Some(enum_name)
            || self.file_enums.contains_key(enum_name)
            || tree.error_types.contains(enum_name)
            || tree.classified_types.contains(enum_name)
            || (tree.multi_variant_enums.contains(enum_name)
                && (names_an_error_kind(enum_name) || names_an_outcome(enum_name)));
        // The enum must be defined somewhere in the tree.
        let name = match enum_name {
            "Self" => classifier.self_type.as_deref().unwrap_or(""),
            name => name,
        };
        // An enum whose variants name both answers (`TemporaryFailure`, `PermanentFailure`) holds
        // a verdict already made: a question on it reads that verdict, it classifies nothing.
        !variant.foreign
            && own
            && (self.file_enums.contains_key(name) || tree.local_types.contains(name))
            && !tree.verdict_enums.contains(name)
    }

    /// Whether a match is over one of the tree's own error enums: the scrutinee is the inspected
    /// error and a named arm uses a variant of one of the tree's own enums (see
    /// [`WildcardFinder::own`]). Other crates' enums (`io::ErrorKind`, gRPC codes) often require a
    /// catch-all and are left alone.
    fn matches_own_error_enum(&self, node: &ExprMatch) -> bool {
        scrutinee_is_error_input(&node.expr, self.classifier)
            && node.arms.iter().any(|arm| {
                pattern_variants(&arm.pat, self.scope)
                    .iter()
                    .any(|variant| self.own(variant))
            })
    }
}

/// Whether a field's name says it holds the error (`info.error`, `attempt.err`): a retry
/// policy handed what it needs to decide (`request_info: RequestInfo`) asks about that field.
fn names_the_error(member: &syn::Member) -> bool {
    matches!(member, syn::Member::Named(name) if name == "error" || name == "err")
}

/// Whether an expression names a parameter of the classifier's function.
fn is_parameter(expr: &Expr, classifier: &Classifier<'_>) -> bool {
    let (Some(ident), Some(sig)) = (local_name(expr), classifier.sig) else {
        return false;
    };
    sig.inputs.iter().any(|input| {
        matches!(input, syn::FnArg::Typed(typed)
            if matches!(&*typed.pat, Pat::Ident(bound) if bound.ident == *ident))
    })
}

/// Whether an enum's name says it tells the kinds of an error apart (`ErrorKind`,
/// `ConnectErrorKind`): what an error's `kind()` answers, an error's verdict in all but name.
fn names_an_error_kind(enum_name: &str) -> bool {
    let words = words(enum_name);
    words.last().is_some_and(|last| last == "kind")
        && words
            .iter()
            .any(|word| matches!(word.as_str(), "error" | "err"))
}

/// Whether a catch-all arm binds what it caught (`other => ..`) and hands it to another
/// classifier (`is_transient(other)`, `other.inner().is_retryable()`) instead of answering a
/// constant: a new variant is then judged by what it holds, not by a verdict nobody wrote.
fn asks_what_it_caught(classifier: &Classifier<'_>, arm: &syn::Arm) -> bool {
    let Pat::Ident(binding) = &arm.pat else {
        return false;
    };
    if classifier.answer(&arm.body).is_some() {
        return false;
    }
    struct Delegation<'b> {
        binding: &'b proc_macro2::Ident,
        found: bool,
    }
    impl<'ast> Visit<'ast> for Delegation<'_> {
        fn visit_expr_call(&mut self, call: &'ast syn::ExprCall) {
            let classifies = matches!(&*call.func, Expr::Path(path)
                if path.path.segments.last().is_some_and(|seg| speaks_of_verdict(&seg.ident.to_string())));
            if classifies && call.args.iter().any(|arg| mentions(arg, self.binding)) {
                self.found = true;
            }
            syn::visit::visit_expr_call(self, call);
        }
        fn visit_expr_method_call(&mut self, call: &'ast syn::ExprMethodCall) {
            if speaks_of_verdict(&call.method.to_string())
                && (mentions(&call.receiver, self.binding)
                    || call.args.iter().any(|arg| mentions(arg, self.binding)))
            {
                self.found = true;
            }
            syn::visit::visit_expr_method_call(self, call);
        }
    }
    fn mentions(expr: &Expr, binding: &proc_macro2::Ident) -> bool {
        names_in(expr).iter().any(|name| binding == name)
    }
    let mut delegation = Delegation {
        binding: &binding.ident,
        found: false,
    };
    delegation.visit_expr(&arm.body);
    delegation.found
}

/// Every variant a pattern names: variant paths (`Self::Timeout(..)`,
/// `crate::StoreError::Closed`), bare variants a glob import brings into scope, through
/// or-patterns, references, parentheses and `name @ ..` bindings.
fn pattern_variants(pat: &Pat, scope: &VariantScope<'_>) -> Vec<VariantRef> {
    match pat {
        Pat::Path(p) => scope.variant(&p.path).into_iter().collect(),
        Pat::TupleStruct(p) => scope.variant(&p.path).into_iter().collect(),
        Pat::Struct(p) => scope.variant(&p.path).into_iter().collect(),
        Pat::Or(or) => or
            .cases
            .iter()
            .flat_map(|case| pattern_variants(case, scope))
            .collect(),
        Pat::Reference(r) => pattern_variants(&r.pat, scope),
        Pat::Paren(p) => pattern_variants(&p.pat, scope),
        Pat::Ident(ident) => match &ident.subpat {
            Some((_, sub)) => pattern_variants(sub, scope),
            None => scope.unit_variant(&ident.ident).into_iter().collect(),
        },
        _ => Vec::new(),
    }
}

/// The inspected error itself, or something read from it without arguments: `self`, `*err`,
/// `self.kind`, `self.inner()`. Whose enum it is decides the rest.
fn scrutinee_is_error_input(expr: &Expr, classifier: &Classifier<'_>) -> bool {
    match expr {
        Expr::Field(field) => {
            scrutinee_is_error_input(&field.base, classifier)
                || (names_the_error(&field.member) && is_parameter(&field.base, classifier))
        }
        Expr::MethodCall(call) if call.args.is_empty() => {
            scrutinee_is_error_input(&call.receiver, classifier)
        }
        Expr::Path(path) => path
            .path
            .get_ident()
            .is_some_and(|ident| classifier.error_inputs.iter().any(|input| ident == input)),
        Expr::Unary(unary) => scrutinee_is_error_input(&unary.expr, classifier),
        Expr::Reference(reference) => scrutinee_is_error_input(&reference.expr, classifier),
        Expr::Paren(paren) => scrutinee_is_error_input(&paren.expr, classifier),
        _ => false,
    }
}
