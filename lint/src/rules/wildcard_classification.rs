//! `wildcard_classification`: a classifier over the tree's own error enum with a catch-all arm.

use std::collections::HashSet;

use syn::visit::Visit;
use syn::{Expr, ExprMatch, Pat};

use crate::codegen::suggest::expand_catch_all;
use crate::classifier::{constant_answer, find_classifiers, Answer, Classifier};
use crate::finding::{Finding, Level, Region};
use crate::facts::TreeFacts;
use crate::rule::{FileContext, Rule, RuleInfo};
use crate::syntax::patterns::catch_all_arm;

/// The rule; see [`DOCS`].
pub(crate) struct WildcardClassification;

/// What `cargo triage explain wildcard_classification` prints.
const DOCS: &str = "\
### What it does
Finds classifiers that match on an error enum of the same codebase and end in a catch-all arm
(`_ => false`, `other => ...`) instead of naming every variant. A catch-all that answers \"retry\"
is reported by `default_retryable` instead.

### Why is this bad
A variant added later is classified by the catch-all without anyone deciding its verdict. The
compiler could have asked: with every variant named, adding one fails to compile until its
classification is written. Enums of other crates (`std::io::ErrorKind`, gRPC codes) are not
reported, since they often require a catch-all.

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
    only_in_triage_crates: false,
};

impl Rule for WildcardClassification {
    fn info(&self) -> &'static RuleInfo {
        &INFO
    }

    fn check(&self, cx: &FileContext<'_>) -> Vec<Finding> {
        let mut findings = Vec::new();
        let file_enums = enums_declared_in(cx.ast);
        for classifier in find_classifiers(cx.ast, cx.tree) {
            let mut finder = WildcardFinder {
                classifier: &classifier,
                file_enums: &file_enums,
                cx,
                findings: &mut findings,
            };
            finder.visit_block(classifier.body);
        }
        findings
    }
}

struct WildcardFinder<'c, 'x, 'f> {
    classifier: &'c Classifier<'c>,
    file_enums: &'c HashSet<String>,
    cx: &'x FileContext<'x>,
    findings: &'f mut Vec<Finding>,
}

impl<'ast> Visit<'ast> for WildcardFinder<'_, '_, '_> {
    fn visit_expr_match(&mut self, node: &'ast ExprMatch) {
        if matches_own_error_enum(node, self.classifier, self.cx.tree, self.file_enums) {
            for (index, arm) in node.arms.iter().enumerate() {
                if catch_all_arm(arm) && constant_answer(&arm.body) != Some(Answer::Retry) {
                    let mut finding = self.cx.report(&INFO, Region::of(&arm.pat), format!(
                            "`{}` classifies the variants it does not name with a catch-all arm",
                            self.classifier.qualified_name()
                        ), "name every variant, or `#[derive(triage::Classify)]` so a new \
                               variant cannot compile without a verdict"
                            .to_owned());
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

    fn visit_item_fn(&mut self, _: &'ast syn::ItemFn) {}
    fn visit_item_impl(&mut self, _: &'ast syn::ItemImpl) {}
}

/// Whether a match is over one of the tree's own error enums: the scrutinee is the inspected error
/// and the named arms use variant paths of `Self`, of the classifier's type, of an enum declared in
/// the file, or of an error or classified type of the tree. Other crates' enums (`io::ErrorKind`,
/// gRPC codes) often require a catch-all and are left alone.
fn matches_own_error_enum(
    node: &ExprMatch,
    classifier: &Classifier<'_>,
    tree: &TreeFacts,
    file_enums: &HashSet<String>,
) -> bool {
    if !scrutinee_is_error_input(&node.expr, classifier) {
        return false;
    }
    node.arms.iter().any(|arm| {
        pattern_paths(&arm.pat).iter().any(|enum_name| {
            enum_name == "Self"
                || classifier.self_type.as_deref() == Some(enum_name.as_str())
                || file_enums.contains(enum_name)
                || tree.error_types.contains(enum_name)
                || tree.classified_types.contains(enum_name)
        })
    })
}

/// Names of the enums declared in a file, nested modules included.
fn enums_declared_in(file: &syn::File) -> HashSet<String> {
    struct Enums(HashSet<String>);
    impl<'ast> Visit<'ast> for Enums {
        fn visit_item_enum(&mut self, item: &'ast syn::ItemEnum) {
            self.0.insert(item.ident.to_string());
        }
    }
    let mut enums = Enums(HashSet::new());
    enums.visit_file(file);
    enums.0
}

/// The inspected error itself, or something read from it without arguments: `self`, `*err`,
/// `self.kind`, `self.inner()`. Whose enum it is decides the rest.
fn scrutinee_is_error_input(expr: &Expr, classifier: &Classifier<'_>) -> bool {
    match expr {
        Expr::Field(field) => scrutinee_is_error_input(&field.base, classifier),
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

/// The enum named by every variant path in a pattern (`Self` in `Self::Timeout(..)`, `StoreError`
/// in `crate::StoreError::Closed`).
fn pattern_paths(pat: &Pat) -> Vec<String> {
    let first_of = |path: &syn::Path| {
        let count = path.segments.len();
        (count > 1)
            .then(|| {
                path.segments
                    .iter()
                    .nth(count - 2)
                    .map(|seg| seg.ident.to_string())
            })
            .flatten()
    };
    match pat {
        Pat::Path(p) => first_of(&p.path).into_iter().collect(),
        Pat::TupleStruct(p) => first_of(&p.path).into_iter().collect(),
        Pat::Struct(p) => first_of(&p.path).into_iter().collect(),
        Pat::Or(or) => or.cases.iter().flat_map(pattern_paths).collect(),
        Pat::Reference(r) => pattern_paths(&r.pat),
        Pat::Paren(p) => pattern_paths(&p.pat),
        Pat::Ident(ident) => ident
            .subpat
            .as_ref()
            .map(|(_, sub)| pattern_paths(sub))
            .unwrap_or_default(),
        _ => Vec::new(),
    }
}
