//! `lossy_delegation`: a classifier that answers a constant for a variant wrapping an error that
//! can classify itself.

use std::collections::HashSet;

use syn::visit::Visit;
use syn::{Fields, Item, ItemEnum, Macro, Pat, Token, Type};

use crate::classifier::{matches_parts, Answer, Classifier, ClassifierKind};
use crate::facts::file_facts;
use crate::finding::{Finding, Level, Region};
use crate::retry_words::answer_in_variant_name;
use crate::rule::{FileContext, Rule, RuleInfo};
use crate::syntax::names::{bound_names, names_in};
use crate::syntax::types::{type_name, type_path};

const DOCS: &str = "\
### What it does
Checks classifiers (`is_retryable`-style functions and `Classify::verdict`) for match arms that
answer a constant (`true`, `false`, `Verdict::Retryable`, `Verdict::Terminal`) for a variant that
wraps an error type with a classifier of its own in the same tree, whether an arm names the
variant or a catch-all arm (`_ => true`) or a `matches!` list leaves it out.

### Why is this bad
The wrapped error knows whether it is worth retrying; the constant throws that knowledge away. A
terminal inner error wrapped in a variant answered with `true` is retried for ever, and a
transient one answered with `false` fails work that would have succeeded.

### Example
```rust
impl StoreError {
    fn is_retryable(&self) -> bool {
        match self {
            StoreError::Engine(_) => true,
            StoreError::Corrupted => false,
        }
    }
}
```

### Use instead
```rust
impl StoreError {
    fn is_retryable(&self) -> bool {
        match self {
            StoreError::Engine(inner) => inner.is_retryable(),
            StoreError::Corrupted => false,
        }
    }
}
```
or `#[derive(triage::Classify)]` with `#[delegate]` on the wrapping variant.
";

/// The rule.
pub(crate) struct LossyDelegation;

/// The rule's declaration: what `cargo triage explain lossy_delegation` prints, and its level.
pub(crate) static INFO: RuleInfo = RuleInfo {
    name: "lossy_delegation",
    default_level: Level::Warn,
    docs: DOCS,
    // Only classifiers are inspected; the engine adds the classifier names and `Classify`.
    needles: &[],
    loop_needles: &[],
    function_needles: &[],
    only_in_triage_crates: false,
};

impl Rule for LossyDelegation {
    fn info(&self) -> &'static RuleInfo {
        &INFO
    }

    fn check(&self, cx: &FileContext<'_>) -> Vec<Finding> {
        let classifiers = cx.classifiers();
        let derives_classify = cx.source.contains("Classify");
        if classifiers.is_empty() && !derives_classify {
            return Vec::new();
        }
        let local = file_facts(cx.ast, &cx.tree.classifier_names).classified_types;
        let mut classified = local.clone();
        classified.extend(cx.tree.classified_types.iter().cloned());
        let mut enums = Vec::new();
        collect_enums(&cx.ast.items, &mut enums);
        let lookup = VariantLookup {
            enums: &enums,
            classified: &classified,
            local: &local,
            foreign: &cx.tree.classified_foreign,
            uses_triage: cx.crate_uses_triage,
        };

        let mut findings = Vec::new();
        if derives_classify {
            for item in &enums {
                findings.extend(self.derived_constants(cx, item, &lookup));
            }
        }
        for classifier in classifiers {
            let mut arms = ConstantArms {
                classifier,
                lookup: &lookup,
                answer: None,
                found: Vec::new(),
            };
            classifier.visit_body(&mut arms);
            for lossy in arms.found {
                findings.push(self.finding(cx, classifier, lossy));
            }
        }
        findings.sort_by_key(|f| f.region);
        findings.dedup_by_key(|f| f.region);
        findings
    }
}

impl LossyDelegation {
    /// `#[retryable]` or `#[terminal]` on a derived variant whose field can classify itself.
    fn derived_constants(
        &self,
        cx: &FileContext<'_>,
        item: &ItemEnum,
        lookup: &VariantLookup<'_>,
    ) -> Vec<Finding> {
        let derives = item.attrs.iter().any(|attr| {
            attr.path().is_ident("derive")
                && attr
                    .parse_args_with(
                        syn::punctuated::Punctuated::<syn::Path, Token![,]>::parse_terminated,
                    )
                    .is_ok_and(|paths| {
                        paths
                            .iter()
                            .any(|p| p.segments.last().is_some_and(|seg| seg.ident == "Classify"))
                    })
        });
        if !derives {
            return Vec::new();
        }
        let own = item.ident.to_string();
        let mut findings = Vec::new();
        for variant in &item.variants {
            let Some(constant) = variant
                .attrs
                .iter()
                .find(|attr| attr.path().is_ident("retryable") || attr.path().is_ident("terminal"))
            else {
                continue;
            };
            let Some(field) = delegation_field(&variant.fields) else {
                continue;
            };
            let Some(inner) = lookup.classified_name(&field.ty, &own) else {
                continue;
            };
            let attr_name = if constant.path().is_ident("retryable") {
                "retryable"
            } else {
                "terminal"
            };
            findings.push(cx.report(
                &INFO,
                Region::of(constant),
                format!(
                    "`{own}::{}` wraps `{inner}`, which can classify itself, but `#[{attr_name}]` \
                     answers a constant",
                    variant.ident
                ),
                "mark the variant `#[delegate]` (or `#[delegate(with = path)]` to decide with a \
                 function of the wrapped error)",
            ));
        }
        findings
    }

    fn finding(&self, cx: &FileContext<'_>, classifier: &Classifier<'_>, lossy: Lossy) -> Finding {
        let call = match classifier.kind {
            ClassifierKind::Verdict => "verdict".to_owned(),
            _ => classifier.name(),
        };
        let erased = lossy.inner.starts_with("Box<dyn") || lossy.inner == "anyhow::Error";
        let ask = if erased {
            "ask the wrapped error's chain: `triage::classify(inner)`".to_owned()
        } else if cx.tree.classified_foreign.contains(&lossy.inner) {
            format!(
                "bind the wrapped error and pass it to this codebase's classifier of `{}`",
                lossy.inner
            )
        } else {
            format!("ask the wrapped error: bind it and call `inner.{call}()`")
        };
        cx.report(
            &INFO,
            lossy.region,
            format!(
                "`{}` wraps `{}`, which has its own classifier, but {} a constant",
                lossy.variant,
                lossy.inner,
                match lossy.left_out {
                    LeftOut::ByMatches => "`matches!` leaves it out and so answers",
                    LeftOut::ByCatchAll => "the catch-all answers it",
                    LeftOut::No => "this arm answers",
                }
            ),
            format!("{ask}, or derive `triage::Classify` and mark the variant `#[delegate]`"),
        )
    }
}

/// An arm pattern that ignores a classified inner error.
struct Lossy {
    region: Region,
    variant: String,
    inner: String,
    /// How the variant gets its constant: named in an arm, or left to a catch-all.
    left_out: LeftOut,
}

/// How a variant gets a constant answer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum LeftOut {
    /// An arm names it.
    No,
    /// A `matches!` list leaves it out.
    ByMatches,
    /// A catch-all arm covers it.
    ByCatchAll,
}

fn collect_enums<'a>(items: &'a [Item], out: &mut Vec<&'a ItemEnum>) {
    for item in items {
        match item {
            Item::Enum(e) => out.push(e),
            Item::Mod(m) => {
                if let Some((_, items)) = &m.content {
                    collect_enums(items, out);
                }
            }
            _ => {}
        }
    }
}

/// Answers "which classified type does this variant wrap?" from the enums defined in the file.
struct VariantLookup<'a> {
    enums: &'a [&'a ItemEnum],
    /// Classified type names of the whole tree.
    classified: &'a HashSet<String>,
    /// Classified type names of this file.
    local: &'a HashSet<String>,
    /// Other crates' types the tree has a classifier for (`io::Error`).
    foreign: &'a HashSet<String>,
    /// triage classifies `std::io::Error` itself.
    uses_triage: bool,
}

impl VariantLookup<'_> {
    /// The classified field types of `variant`, each with its field name or index, and the
    /// variant's number of fields, when the enum is found in the file; `None` when it is not.
    fn wrapped(
        &self,
        enum_name: Option<&str>,
        variant: &str,
    ) -> Option<(Vec<(FieldKey, String)>, usize)> {
        let mut candidates = self.enums.iter().filter(|e| {
            enum_name.is_none_or(|name| e.ident == name)
                && e.variants.iter().any(|v| v.ident == variant)
        });
        let item = candidates.next()?;
        if candidates.next().is_some() {
            // Two enums in the file have this variant and the pattern does not say which.
            return None;
        }
        let found = item.variants.iter().find(|v| v.ident == variant)?;
        let own = item.ident.to_string();
        let wrapped = found
            .fields
            .iter()
            .enumerate()
            .filter_map(|(index, field)| {
                let name = self.classified_name(&field.ty, &own)?;
                let key = match (&found.fields, &field.ident) {
                    (Fields::Named(_), Some(ident)) => FieldKey::Named(ident.to_string()),
                    _ => FieldKey::Index(index),
                };
                Some((key, name))
            })
            .collect();
        Some((wrapped, found.fields.len()))
    }

    fn classified_name(&self, ty: &Type, own: &str) -> Option<String> {
        if self.uses_triage && is_boxed_dyn_error(ty) {
            // triage classifies `dyn Error` by its chain.
            return Some("Box<dyn Error>".to_owned());
        }
        let name = type_name(ty)?;
        let path = type_path(ty)?;
        let qualified = path.segments.len() > 1;
        if qualified {
            // Another crate's type the tree wrote a classifier for (`std::io::Error` when the tree
            // has `fn retry_hint_from_io_error(e: &std::io::Error) -> RetryHint`), whatever the
            // enum wrapping it is called.
            let mut last_two = path.segments.iter().rev().take(2);
            let last = last_two.next()?.ident.to_string();
            let before = last_two.next()?.ident.to_string();
            let key = format!("{before}::{last}");
            if self.foreign.contains(&key) {
                return Some(key);
            }
        }
        if name == own {
            return None;
        }
        if name == "Error" {
            // Every module has an `Error`: `io::Error` is not the tree's `Error`, and a bare `Error`
            // is the one this file defines or imports, so only this file's classifier counts.
            let is_io = qualified
                && path
                    .segments
                    .iter()
                    .rev()
                    .nth(1)
                    .is_some_and(|seg| seg.ident == "io");
            let is_anyhow = qualified
                && path
                    .segments
                    .iter()
                    .rev()
                    .nth(1)
                    .is_some_and(|seg| seg.ident == "anyhow");
            return if is_io && self.uses_triage {
                Some("io::Error".to_owned())
            } else if is_anyhow && self.uses_triage {
                Some("anyhow::Error".to_owned())
            } else if !qualified && self.local.contains(&name) {
                Some(name)
            } else {
                None
            };
        }
        self.classified.contains(&name).then_some(name)
    }

    /// For an enum not defined in the file: a single-field variant named after a classified type
    /// (`Engine` for `EngineError`, `Status` for `Status`).
    fn by_variant_name(&self, variant: &str) -> Option<String> {
        [variant.to_owned(), format!("{variant}Error")]
            .into_iter()
            .find(|name| self.classified.contains(name))
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum FieldKey {
    Index(usize),
    Named(String),
}

/// Finds constant-answer arms (and `matches!` patterns) in one classifier's body.
struct ConstantArms<'c, 'a> {
    classifier: &'c Classifier<'a>,
    lookup: &'c VariantLookup<'c>,
    /// The answer the patterns being checked get.
    answer: Option<Answer>,
    found: Vec<Lossy>,
}

impl ConstantArms<'_, '_> {
    fn check_pattern(&mut self, pat: &Pat) {
        match pat {
            Pat::Or(or) => or.cases.iter().for_each(|case| self.check_pattern(case)),
            Pat::Reference(r) => self.check_pattern(&r.pat),
            Pat::Paren(p) => self.check_pattern(&p.pat),
            Pat::TupleStruct(tuple) => {
                let Some((enum_name, variant)) = self.split(&tuple.path) else {
                    return;
                };
                match self.lookup.wrapped(enum_name.as_deref(), &variant) {
                    Some((wrapped, field_count)) => {
                        let inner = wrapped.iter().find_map(|(key, name)| match key {
                            FieldKey::Index(i)
                                if tuple_field_ignored(&tuple.elems, field_count, *i) =>
                            {
                                Some(name.clone())
                            }
                            _ => None,
                        });
                        if let Some(inner) = inner {
                            self.report(pat, &tuple.path, inner);
                        }
                    }
                    None if tuple.elems.len() == 1 && ignores_value(&tuple.elems[0]) => {
                        if let Some(inner) = self.lookup.by_variant_name(&variant) {
                            self.report(pat, &tuple.path, inner);
                        }
                    }
                    None => {}
                }
            }
            Pat::Struct(strukt) => {
                let Some((enum_name, variant)) = self.split(&strukt.path) else {
                    return;
                };
                let Some((wrapped, _)) = self.lookup.wrapped(enum_name.as_deref(), &variant) else {
                    return;
                };
                let inner = wrapped.iter().find_map(|(key, name)| {
                    let FieldKey::Named(field) = key else {
                        return None;
                    };
                    let named = strukt.fields.iter().find(|f| match &f.member {
                        syn::Member::Named(ident) => ident == field,
                        syn::Member::Unnamed(_) => false,
                    });
                    let ignored = match named {
                        Some(f) => ignores_value(&f.pat),
                        None => strukt.rest.is_some(),
                    };
                    ignored.then(|| name.clone())
                });
                if let Some(inner) = inner {
                    self.report(pat, &strukt.path, inner);
                }
            }
            _ => {}
        }
    }

    /// `Enum::Variant` → (`Some("Enum")`, `"Variant"`); `Self::Variant` uses the impl's type;
    /// a bare `Variant` (imported) has no enum name.
    fn split(&self, path: &syn::Path) -> Option<(Option<String>, String)> {
        let mut segments = path.segments.iter().rev();
        let variant = segments.next()?.ident.to_string();
        let enum_name = match segments.next() {
            Some(seg) if seg.ident == "Self" => Some(self.classifier.self_type.clone()?),
            Some(seg) => Some(seg.ident.to_string()),
            None => None,
        };
        Some((enum_name, variant))
    }

    fn report(&mut self, pat: &Pat, path: &syn::Path, inner: String) {
        let named_answer = path
            .segments
            .last()
            .and_then(|seg| answer_in_variant_name(&seg.ident.to_string()));
        if named_answer.is_some() && named_answer == self.answer {
            return;
        }
        let self_type = self.classifier.self_type.as_deref();
        let variant = path
            .segments
            .iter()
            .map(|seg| match self_type {
                Some(name) if seg.ident == "Self" => name.to_owned(),
                _ => seg.ident.to_string(),
            })
            .collect::<Vec<_>>()
            .join("::");
        self.found.push(Lossy {
            region: Region::of(pat),
            variant,
            inner,
            left_out: LeftOut::No,
        });
    }
}

/// Whether field `index` of a tuple variant with `field_count` fields is not looked at by `elems`,
/// which may hold one `..` standing for the fields between those it names.
fn tuple_field_ignored(
    elems: &syn::punctuated::Punctuated<Pat, Token![,]>,
    field_count: usize,
    index: usize,
) -> bool {
    let elems: Vec<&Pat> = elems.iter().collect();
    match elems.iter().position(|p| matches!(p, Pat::Rest(_))) {
        None => elems.get(index).is_some_and(|p| ignores_value(p)),
        Some(rest) => {
            let after = elems.len() - rest - 1;
            if index < rest {
                ignores_value(elems[index])
            } else if index + after >= field_count {
                // Matched from the end by the patterns after `..`.
                elems
                    .get(rest + 1 + index + after - field_count)
                    .is_some_and(|p| ignores_value(p))
            } else {
                true
            }
        }
    }
}

/// A sub-pattern that does not look at the value: `_`, a plain binding, `..`.
fn ignores_value(pat: &Pat) -> bool {
    match pat {
        Pat::Wild(_) | Pat::Rest(_) => true,
        Pat::Ident(ident) => ident.subpat.is_none(),
        Pat::Reference(r) => ignores_value(&r.pat),
        Pat::Paren(p) => ignores_value(&p.pat),
        _ => false,
    }
}

impl<'ast> Visit<'ast> for ConstantArms<'_, '_> {
    fn visit_arm(&mut self, arm: &'ast syn::Arm) {
        if arm.guard.is_none() && !reads_a_binding(arm) {
            if let Some(answer) = self.classifier.answer(&arm.body) {
                self.answer = Some(answer);
                self.check_pattern(&arm.pat);
            }
        }
        syn::visit::visit_arm(self, arm);
    }

    fn visit_macro(&mut self, mac: &'ast Macro) {
        // A guard may look at the inner value.
        if let Some((_, pat, false)) = matches_parts(mac) {
            self.answer = Some(self.classifier.answer_of_true());
            self.check_pattern(&pat);
            let mut listed = Vec::new();
            variant_paths(&pat, &mut listed);
            let left_out = self.classifier.answer_of_true().opposite();
            self.check_unlisted(Region::of(mac), &listed, left_out, LeftOut::ByMatches);
        }
    }

    /// A catch-all arm answering a constant (`_ => true`) answers it for every variant the other
    /// arms leave out, as a `matches!` does.
    fn visit_expr_match(&mut self, node: &'ast syn::ExprMatch) {
        let catch_all = node.arms.iter().find(|arm| {
            arm.guard.is_none()
                && matches!(&arm.pat, Pat::Wild(_) | Pat::Ident(syn::PatIdent { subpat: None, .. }))
        });
        if let Some(arm) = catch_all {
            if let Some(answer) = self.classifier.answer(&arm.body) {
                let mut listed = Vec::new();
                for other in &node.arms {
                    variant_paths(&other.pat, &mut listed);
                }
                self.check_unlisted(Region::of(&arm.pat), &listed, answer, LeftOut::ByCatchAll);
            }
        }
        syn::visit::visit_expr_match(self, node);
    }
}

impl ConstantArms<'_, '_> {
    /// `matches!(self, A | B)`, or a match whose catch-all arm answers a constant, answers
    /// `left_out_answer` for every variant `listed` leaves out: report, at `region`, the left-out
    /// variants that wrap a classified error and are not looked at anywhere else, saying `how`
    /// they were left out.
    fn check_unlisted(&mut self, region: Region, listed: &[syn::Path], left_out_answer: Answer, how: LeftOut) {
        let Some((enum_name, _)) = listed.iter().find_map(|path| self.split(path)) else {
            return;
        };
        let Some(item) = self.lookup.enums.iter().find(|e| match &enum_name {
            Some(name) => e.ident == name,
            None => false,
        }) else {
            return;
        };
        let named: HashSet<String> = listed
            .iter()
            .filter_map(|path| path.segments.last().map(|seg| seg.ident.to_string()))
            .collect();
        // `matches!(self, Error::RetryLater { .. })`: a test for the enum's variants dedicated to
        // retrying, each named for it. The variants it leaves out are not retry-later ones by
        // definition; their inner errors were not asked the question to begin with.
        if named.iter().all(|name| answer_in_variant_name(name).is_some()) {
            return;
        }
        let mentioned = idents_in_body(self.classifier);
        let own = item.ident.to_string();
        for variant in &item.variants {
            let name = variant.ident.to_string();
            if named.contains(&name) || mentioned.contains(&name) {
                continue;
            }
            if answer_in_variant_name(&name) == Some(left_out_answer) {
                continue;
            }
            let Some(inner) = variant
                .fields
                .iter()
                .find_map(|field| self.lookup.classified_name(&field.ty, &own))
            else {
                continue;
            };
            self.found.push(Lossy {
                region,
                variant: format!("{own}::{name}"),
                inner,
                left_out: how,
            });
        }
    }
}

/// Whether the value an arm answers with reads something its pattern binds (`Io { error, .. } =>
/// classify_io(error)`, even when the function's name reads like a verdict): such an answer is
/// not a constant. A binding only logged before a literal answer does not count.
fn reads_a_binding(arm: &syn::Arm) -> bool {
    fn tail(expr: &syn::Expr) -> &syn::Expr {
        match expr {
            syn::Expr::Block(block) => match block.block.stmts.last() {
                Some(syn::Stmt::Expr(last, None)) => tail(last),
                _ => expr,
            },
            syn::Expr::Paren(paren) => tail(&paren.expr),
            _ => expr,
        }
    }
    let bound = bound_names(&arm.pat);
    !bound.is_empty() && names_in(tail(&arm.body)).iter().any(|name| bound.contains(name))
}

/// The variant paths a pattern names.
fn variant_paths(pat: &Pat, out: &mut Vec<syn::Path>) {
    match pat {
        Pat::Path(p) => out.push(p.path.clone()),
        Pat::TupleStruct(p) => out.push(p.path.clone()),
        Pat::Struct(p) => out.push(p.path.clone()),
        Pat::Or(or) => or.cases.iter().for_each(|case| variant_paths(case, out)),
        Pat::Reference(r) => variant_paths(&r.pat, out),
        Pat::Paren(p) => variant_paths(&p.pat, out),
        _ => {}
    }
}

/// Every identifier a classifier's code mentions outside `matches!` macros.
fn idents_in_body(classifier: &Classifier<'_>) -> HashSet<String> {
    struct Idents(HashSet<String>);
    impl<'ast> Visit<'ast> for Idents {
        fn visit_ident(&mut self, ident: &'ast proc_macro2::Ident) {
            self.0.insert(ident.to_string());
        }
    }
    let mut idents = Idents(HashSet::new());
    classifier.visit_body(&mut idents);
    idents.0
}

/// The field a `#[delegate]` would read: the only field, or the one marked `#[source]`/`#[from]`.
fn delegation_field(fields: &Fields) -> Option<&syn::Field> {
    if fields.len() == 1 {
        return fields.iter().next();
    }
    fields.iter().find(|field| {
        field
            .attrs
            .iter()
            .any(|attr| attr.path().is_ident("source") || attr.path().is_ident("from"))
    })
}

/// `Box<dyn Error ..>` (or `Arc`), the type-erased errors triage classifies by their chain.
fn is_boxed_dyn_error(ty: &Type) -> bool {
    let Type::Path(path) = ty else {
        return false;
    };
    let Some(last) = path.path.segments.last() else {
        return false;
    };
    if !matches!(last.ident.to_string().as_str(), "Box" | "Arc") {
        return false;
    }
    let syn::PathArguments::AngleBracketed(args) = &last.arguments else {
        return false;
    };
    matches!(args.args.first(), Some(syn::GenericArgument::Type(Type::TraitObject(obj)))
        if obj.bounds.iter().any(|bound| matches!(bound, syn::TypeParamBound::Trait(t)
            if t.path.segments.last().is_some_and(|seg| seg.ident == "Error"))))
}

#[cfg(test)]
mod tests {
    use std::path::Path;

    use super::*;
    use crate::facts::TreeFacts;

    fn lines(source: &str) -> Vec<usize> {
        let file = syn::parse_file(source).unwrap();
        let tree = TreeFacts::with_default_classifier_names();
        let cx = FileContext::new(Path::new("src/lib.rs"), source, &file, &tree, false);
        LossyDelegation
            .check(&cx)
            .iter()
            .map(|f| f.region.line)
            .collect()
    }

    const INNER: &str = "
pub enum EngineError { Busy, Gone }
impl EngineError {
    pub fn is_retryable(&self) -> bool { matches!(self, EngineError::Busy) }
}
";

    #[test]
    fn a_constant_for_a_wrapping_variant_is_reported() {
        let source = format!(
            "{INNER}
pub enum StoreError {{ Engine(EngineError), Corrupted }}
impl StoreError {{
    pub fn is_retryable(&self) -> bool {{
        match self {{
            StoreError::Engine(_) => true,
            StoreError::Corrupted => false,
        }}
    }}
}}"
        );
        assert_eq!(lines(&source), [11]);
    }

    #[test]
    fn a_verdict_impl_and_a_struct_variant_are_reported() {
        let source = format!(
            "{INNER}
pub enum StoreError {{ Engine {{ source: EngineError, at: u64 }}, Corrupted }}
impl triage::Classify for StoreError {{
    fn verdict(&self) -> triage::Verdict {{
        match self {{
            Self::Engine {{ .. }} => triage::Verdict::Terminal,
            Self::Corrupted => triage::Verdict::Terminal,
        }}
    }}
}}"
        );
        assert_eq!(lines(&source), [11]);
    }

    #[test]
    fn a_matches_macro_listing_a_wrapping_variant_is_reported() {
        let source = format!(
            "{INNER}
pub enum StoreError {{ Engine(EngineError), Corrupted }}
impl StoreError {{
    pub fn is_retryable(&self) -> bool {{
        matches!(self, StoreError::Engine(_))
    }}
}}"
        );
        assert_eq!(lines(&source), [10]);
    }

    #[test]
    fn delegating_to_the_inner_error_is_not_reported() {
        let source = format!(
            "{INNER}
pub enum StoreError {{ Engine(EngineError), Corrupted }}
impl StoreError {{
    pub fn is_retryable(&self) -> bool {{
        match self {{
            StoreError::Engine(e) => e.is_retryable(),
            StoreError::Corrupted => false,
        }}
    }}
}}"
        );
        assert!(lines(&source).is_empty());
    }

    #[test]
    fn an_arm_on_an_inner_variant_is_not_reported_but_the_catch_all_is() {
        let source = format!(
            "{INNER}
pub enum StoreError {{ Engine(EngineError), Corrupted }}
impl StoreError {{
    pub fn is_retryable(&self) -> bool {{
        match self {{
            StoreError::Engine(EngineError::Busy) => true,
            StoreError::Engine(_) => false,
            StoreError::Corrupted => false,
        }}
    }}
}}"
        );
        // The catch-all for the other inner variants still ignores the inner verdict.
        assert_eq!(lines(&source), [12]);
    }

    #[test]
    fn an_io_error_is_not_the_trees_error_outside_triage() {
        let source = "
pub enum Error { Busy }
impl Error { pub fn is_retryable(&self) -> bool { true } }
pub enum UploadError { Io(io::Error), Other(Error) }
impl UploadError {
    pub fn is_retryable(&self) -> bool {
        match self {
            UploadError::Io(_) => false,
            UploadError::Other(_) => true,
        }
    }
}";
        assert_eq!(lines(source), [9]);
    }

    #[test]
    fn a_variant_wrapping_an_unclassified_type_is_not_reported() {
        let source = "
pub enum StoreError { Io(std::io::Error), Corrupted }
impl StoreError {
    pub fn is_retryable(&self) -> bool {
        match self {
            StoreError::Io(_) => true,
            StoreError::Corrupted => false,
        }
    }
}";
        assert!(lines(source).is_empty());
    }
}
