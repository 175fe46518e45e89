//! `unclassified_error`: in a crate that depends on triage, an error type without `Classify`.

use std::collections::HashSet;

use proc_macro2::Span;
use syn::spanned::Spanned;
use syn::{Attribute, Item, ItemImpl};

use crate::facts::file_facts;
use crate::finding::{Finding, Level, Region};
use crate::rule::{FileContext, Rule, RuleInfo};
use crate::syntax::names::path_segments;
use crate::syntax::types::{derived_traits, implemented_trait, type_name};

/// An error type is seen through `#[derive(Error)]`, `#[derive(Snafu)]` or `impl Error for T`.
/// The rule only runs in crates that depend on triage, so these broad needles cost nothing elsewhere.
const NEEDLES: &[&str] = &["Error", "Snafu"];

const DOCS: &str = "\
### What it does
In a crate that depends on `triage`, checks for error types (a `#[derive(Error)]`, a
`#[derive(Snafu)]` or an `impl std::error::Error`) that do not implement `Classify`, neither derived nor written by hand
anywhere in the tree.

### Why is this bad
Whoever handles the error cannot ask it whether a retry may succeed. Executors treat an unknown
error as terminal, so a transient failure is never retried; hand-written checks elsewhere drift
from the type, and new variants go unclassified.

### Known problems
A type that has its own `is_retryable`-style method instead of `Classify` is not reported.

### Example
```rust
#[derive(Debug, thiserror::Error)]
pub enum FetchError {
    #[error(\"timed out\")]
    Timeout,
    #[error(\"not found: {0}\")]
    NotFound(String),
}
```

### Use instead
```rust
#[derive(Debug, thiserror::Error, triage::Classify)]
pub enum FetchError {
    #[error(\"timed out\")]
    #[retryable]
    Timeout,
    #[error(\"not found: {0}\")]
    #[terminal]
    NotFound(String),
}
```
";

/// The rule.
pub(crate) struct UnclassifiedError;

/// The rule's declaration: what `cargo triage explain unclassified_error` prints, and its level.
pub(crate) static INFO: RuleInfo = RuleInfo {
    name: "unclassified_error",
    default_level: Level::Warn,
    docs: DOCS,
    needles: NEEDLES,
    loop_needles: &[],
    function_needles: &[],
    only_in_triage_crates: true,
};

impl Rule for UnclassifiedError {
    fn info(&self) -> &'static RuleInfo {
        &INFO
    }

    fn check(&self, cx: &FileContext<'_>) -> Vec<Finding> {
        if !cx.crate_uses_triage {
            return Vec::new();
        }
        let mut classified = file_facts(cx.ast, &cx.tree.classifier_names).classified_types;
        classified.extend(cx.tree.classified_types.iter().cloned());

        let mut types = Vec::new();
        collect_types(&cx.ast.items, &mut types);
        let mut reported = HashSet::new();
        let mut findings = Vec::new();
        let mut report = |name: &str, span: Span, wraps: Wraps| {
            if !classified.contains(name) && reported.insert(name.to_owned()) {
                findings.push(self.finding(cx, name, span, wraps));
            }
        };
        for ty in &types {
            if ty.derives_error {
                report(&ty.name, ty.span, ty.wraps);
            }
        }
        let mut impls = Vec::new();
        collect_error_impls(&cx.ast.items, &mut impls);
        for item in impls {
            let Some(name) = type_name(&item.self_ty) else {
                continue;
            };
            // Report at the type's definition when it is in this file, else at the impl.
            let found = types.iter().find(|ty| ty.name == name);
            let span = found.map_or_else(|| item.self_ty.span(), |ty| ty.span);
            report(&name, span, found.map(|ty| ty.wraps).unwrap_or_default());
        }
        findings.sort_by_key(|f| f.region);
        findings
    }
}

impl UnclassifiedError {
    fn finding(&self, cx: &FileContext<'_>, name: &str, span: Span, wraps: Wraps) -> Finding {
        let mut help = "derive `triage::Classify` and mark each variant `#[retryable]`, \
                        `#[terminal]` or `#[delegate]`"
            .to_owned();
        if wraps.erased {
            help.push_str(
                "; `#[delegate]` also takes `Box<dyn Error + Send + Sync>` and `anyhow::Error`, \
                 which answer by their chain",
            );
        }
        if wraps.foreign {
            help.push_str(
                "; another crate's error without `Classify` takes `#[delegate(with = path)]`, a \
                 `fn(&E) -> Verdict` of your own",
            );
        }
        cx.report(
            &INFO,
            Region::from_span(span),
            format!("error type `{name}` does not implement `Classify`"),
            help,
        )
    }
}

/// `#[derive(thiserror::Error)]` or `#[derive(Snafu)]`.
fn derives_error(attrs: &[Attribute]) -> bool {
    derived_traits(attrs)
        .iter()
        .any(|name| name == "Error" || name == "Snafu")
}

/// A struct or enum defined in the file.
struct TypeDef {
    name: String,
    span: Span,
    derives_error: bool,
    wraps: Wraps,
}

/// What kinds of error a type's fields wrap, for the advice on how to delegate to them.
#[derive(Debug, Clone, Copy, Default)]
struct Wraps {
    /// `Box<dyn Error ..>` or `anyhow::Error`: `#[delegate]` asks their chain.
    erased: bool,
    /// Another crate's error (`serde_json::Error`): `#[delegate(with = path)]` decides for it.
    foreign: bool,
}

impl Wraps {
    fn of<'a>(fields: impl Iterator<Item = &'a syn::Field>) -> Wraps {
        let mut wraps = Wraps::default();
        for field in fields {
            let syn::Type::Path(path) = &field.ty else {
                continue;
            };
            let segments = path_segments(&path.path);
            let boxes_dyn = path.path.segments.last().is_some_and(|last| {
                matches!(&last.arguments, syn::PathArguments::AngleBracketed(args)
                    if matches!(args.args.first(), Some(syn::GenericArgument::Type(syn::Type::TraitObject(_)))))
            });
            match segments.as_slice() {
                [.., first, last] if first == "anyhow" && last == "Error" => wraps.erased = true,
                [.., last] if (last == "Box" || last == "Arc") && boxes_dyn => {
                    wraps.erased = true;
                }
                [.., krate, last] if last == "Error" && krate != "io" && krate != "std" => {
                    wraps.foreign = true;
                }
                _ => {}
            }
        }
        wraps
    }
}

fn collect_types(items: &[Item], out: &mut Vec<TypeDef>) {
    for item in items {
        match item {
            Item::Struct(s) => out.push(TypeDef {
                name: s.ident.to_string(),
                span: s.ident.span(),
                derives_error: derives_error(&s.attrs),
                wraps: Wraps::of(s.fields.iter()),
            }),
            Item::Enum(e) => out.push(TypeDef {
                name: e.ident.to_string(),
                span: e.ident.span(),
                derives_error: derives_error(&e.attrs),
                wraps: Wraps::of(e.variants.iter().flat_map(|v| v.fields.iter())),
            }),
            Item::Mod(m) => {
                if let Some((_, items)) = &m.content {
                    collect_types(items, out);
                }
            }
            _ => {}
        }
    }
}

fn collect_error_impls<'a>(items: &'a [Item], out: &mut Vec<&'a ItemImpl>) {
    for item in items {
        match item {
            Item::Impl(i) if implemented_trait(i).as_deref() == Some("Error") => out.push(i),
            Item::Mod(m) => {
                if let Some((_, items)) = &m.content {
                    collect_error_impls(items, out);
                }
            }
            _ => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use std::path::Path;

    use super::*;
    use crate::facts::TreeFacts;

    fn lines_with(source: &str, uses_triage: bool, tree: &TreeFacts) -> Vec<usize> {
        let file = syn::parse_file(source).unwrap();
        let cx = FileContext::new(Path::new("src/lib.rs"), source, &file, tree, uses_triage);
        UnclassifiedError
            .check(&cx)
            .iter()
            .map(|f| f.region.line)
            .collect()
    }

    fn lines(source: &str) -> Vec<usize> {
        lines_with(source, true, &TreeFacts::with_default_classifier_names())
    }

    #[test]
    fn a_derived_error_without_classify_is_reported() {
        let source = "
#[derive(Debug, thiserror::Error)]
pub enum FetchError {
    #[error(\"timed out\")]
    Timeout,
}";
        assert_eq!(lines(source), [3]);
    }

    #[test]
    fn a_hand_written_error_impl_is_reported_at_the_type() {
        let source = "
#[derive(Debug)]
pub struct Oops;
impl std::fmt::Display for Oops {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result { f.write_str(\"oops\") }
}
impl std::error::Error for Oops {}";
        assert_eq!(lines(source), [3]);
    }

    #[test]
    fn an_error_impl_for_a_type_defined_elsewhere_is_reported_at_the_impl() {
        assert_eq!(lines("\nimpl Error for crate::Oops {}"), [2]);
    }

    #[test]
    fn a_derived_classify_is_not_reported() {
        let source = "
#[derive(Debug, thiserror::Error, triage::Classify)]
pub enum FetchError {
    #[error(\"timed out\")]
    #[retryable]
    Timeout,
}";
        assert!(lines(source).is_empty());
    }

    #[test]
    fn a_classify_impl_elsewhere_in_the_tree_is_not_reported() {
        let source = "
#[derive(Debug, thiserror::Error)]
pub enum FetchError {
    #[error(\"timed out\")]
    Timeout,
}";
        let mut tree = TreeFacts::with_default_classifier_names();
        tree.classified_types.insert("FetchError".to_owned());
        assert!(lines_with(source, true, &tree).is_empty());
    }

    #[test]
    fn a_crate_without_triage_is_not_checked() {
        let source = "
#[derive(Debug, thiserror::Error)]
pub enum FetchError {
    #[error(\"timed out\")]
    Timeout,
}";
        let tree = TreeFacts::with_default_classifier_names();
        assert!(lines_with(source, false, &tree).is_empty());
    }

    #[test]
    fn a_type_that_is_not_an_error_is_not_reported() {
        assert!(lines("#[derive(Debug, Clone)]\npub struct Config;").is_empty());
    }
}
