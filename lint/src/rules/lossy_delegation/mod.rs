//! `lossy_delegation`: a classifier that answers a constant for a variant wrapping an error that
//! can classify itself, and a retry policy wrapping another that leaves some of the trait's methods
//! to their defaults.

use syn::{Item, ItemEnum, Token};

use crate::classifier::{Answer, Classifier, ClassifierBody, ClassifierKind};
use crate::facts::file_facts;
use crate::finding::{Finding, Level, Region};
use crate::rule::{FileContext, Rule, RuleInfo};

mod arms;
mod forwarding;
#[cfg(test)]
mod tests;
mod variants;

use arms::ConstantArms;
use forwarding::{partial_forwardings, PartialForwarding};
use variants::{delegation_field, VariantLookup};

const DOCS: &str = "\
### What it does
Checks classifiers (`is_retryable`-style functions and `Classify::verdict`) for match arms that
answer a constant (`true`, `false`, `Verdict::Retryable`, `Verdict::Terminal`) for a variant that
wraps an error type with a classifier of its own in the same tree, whether an arm names the variant
or a catch-all arm (`_ => true`) or a `matches!` list leaves it out. A variant of another crate's
enum is known by its name (`IoError(e)` wraps an `io::Error`, which the tree classifies when a
function of it decides on one: `let (kind, retryable) = match err.kind() { .. }`), and in an answer
given as a tuple (`(Kind::Io, false, e.to_string())`) only the answer's element counts. When the
wrapped type's classifier (the same method, in the same file) answers that very constant whatever
the error, asking it would change nothing, and the arm is not reported. Neither is \"do not retry\"
for a variant named for a failure that cannot succeed (`InvalidConfigFilePath { source: io::Error
}`, `PermissionDenied(..)`): the name says what the constant means, whatever the error inside. A
classifier whose doc comment says it is only used for printing, logging or metrics decides no retry
and is not inspected, nor one that tests a single variant its doc comment names (`/// Returns true
if this is a `NotYetVisible` error`): it defines that variant's case. An arm under a comment of the
classifier that speaks of retrying and names the variant (`// Retrying a lock failure only adds
traffic to the contended lock.` above `SaveError::Lock(_) => false`) is a choice explained for
that variant, and is not reported either.

It also checks retry policies that wrap another: an impl of a trait deciding retries (`impl
RetryPolicy for Wrapper`) that forwards some of the trait's methods to a field of its own
(`self.inner.on_error(..)`) and leaves others to the trait's default bodies, so the inner policy's
answer to those (its deadline, its throttling) is silently replaced. When the trait is defined in
the tree, its methods with a default body that does not call the implementor's other methods count;
when it is another crate's, those some other impl of the tree writes do.

### Why is this bad
The wrapped error knows whether it is worth retrying; the constant throws that knowledge away. A
terminal inner error wrapped in a variant answered with `true` is retried for ever, and a transient
one answered with `false` fails work that would have succeeded. Likewise a wrapping policy that does
not forward a method answers the trait's default for it (often \"no deadline\" or \"always go on\"),
so the limits the application gave the inner policy no longer hold.

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

// `time_left` is left to the trait's default: the inner policy's deadline is lost.
impl<P: RetryPolicy> RetryPolicy for AlsoOnConflict<P> {
    fn should_retry(&self, attempt: u32, failure: &Failure) -> bool {
        failure.code == 409 || self.inner.should_retry(attempt, failure)
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
or `#[derive(triage::Classify)]` with `#[delegate]` on the wrapping variant; and for a wrapping
policy, forward every method:
```rust
impl<P: RetryPolicy> RetryPolicy for AlsoOnConflict<P> {
    fn should_retry(&self, attempt: u32, failure: &Failure) -> bool {
        failure.code == 409 || self.inner.should_retry(attempt, failure)
    }
    fn time_left(&self, attempt: u32) -> Option<Duration> {
        self.inner.time_left(attempt)
    }
}
```
";

/// The rule.
pub(crate) struct LossyDelegation;

/// The rule's declaration: what `cargo triage explain lossy_delegation` prints, and its level.
pub(crate) static INFO: RuleInfo = RuleInfo {
    name: "lossy_delegation",
    default_level: Level::Warn,
    docs: DOCS,
    // Classifiers (the engine adds the classifier names and `Classify`), and impls of traits
    // deciding retries, whose names hold one of these.
    needles: &["retr", "transient", "temporary", "recoverable"],
    loop_needles: &[],
    function_needles: &[],
    only_in_triage_crates: false,
};

impl Rule for LossyDelegation {
    fn info(&self) -> &'static RuleInfo {
        &INFO
    }

    fn check(&self, cx: &FileContext<'_>) -> Vec<Finding> {
        let mut findings: Vec<Finding> = partial_forwardings(&cx.ast.items, cx.tree)
            .into_iter()
            .map(|partial| self.forwarding_finding(cx, partial))
            .collect();
        let classifiers = cx.classifiers();
        let derives_classify = cx.source.contains("Classify");
        if classifiers.is_empty() && !derives_classify {
            return findings;
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
            // Its doc comment is read only when it has something to report.
            if !arms.found.is_empty()
                && (classifier.documented_as_display_only(cx.source)
                    || classifier.documents_its_one_variant(cx.source))
            {
                continue;
            }
            for lossy in arms.found {
                if answers_as_the_wrapped_error_does(classifiers, classifier, &lossy)
                    || commented_choice(cx.source, classifier, &lossy)
                {
                    continue;
                }
                findings.push(self.finding(cx, classifier, lossy));
            }
        }
        findings.sort_by_key(|f| f.region);
        findings.dedup_by_key(|f| f.region);
        findings
    }
}

impl LossyDelegation {
    /// A wrapping retry policy that leaves some of the trait's methods to their defaults.
    fn forwarding_finding(&self, cx: &FileContext<'_>, partial: PartialForwarding<'_>) -> Finding {
        let list = |names: &std::collections::BTreeSet<String>| {
            names
                .iter()
                .map(|name| format!("`{name}`"))
                .collect::<Vec<_>>()
                .join(", ")
        };
        let wrapper = match &*partial.item.self_ty {
            syn::Type::Path(path) => path.path.segments.last().map_or_else(
                || "the wrapper".to_owned(),
                |seg| format!("`{}`", seg.ident),
            ),
            _ => "the wrapper".to_owned(),
        };
        let field = &partial.field;
        let left = list(&partial.left_to_defaults);
        let one = partial.left_to_defaults.len() == 1;
        cx.report(
            &INFO,
            Region::of(&partial.item.self_ty),
            format!(
                "{wrapper} forwards {} to `self.{field}` but leaves {left} to `{}`'s default{}, \
                 so the inner policy's answer to {} is lost",
                list(&partial.forwarded),
                partial.trait_name,
                if one { "" } else { "s" },
                if one { "it" } else { "them" },
            ),
            format!("forward {left} to `self.{field}` as well, adjusting its answer if need be"),
        )
    }

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
    /// The constant it gets, when known.
    answer: Option<Answer>,
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

/// Whether the wrapped error's own classifier, the same method in this file, answers the same
/// constant whatever the error (`impl RetryableError for InvalidLocation { fn kind(&self) ->
/// Kind { Kind::Permanent } }`): asking it would give the answer the arm gives, so nothing is lost.
fn answers_as_the_wrapped_error_does(
    classifiers: &[Classifier<'_>],
    classifier: &Classifier<'_>,
    lossy: &Lossy,
) -> bool {
    let Some(answer) = lossy.answer else {
        return false;
    };
    let inner = lossy.inner.rsplit("::").next().unwrap_or(&lossy.inner);
    let name = classifier.name();
    classifiers.iter().any(|other| {
        other.sig.is_some()
            && other.self_type.as_deref() == Some(inner)
            && other.name() == name
            && match other.body {
                ClassifierBody::Block(block) => match block.stmts.as_slice() {
                    [syn::Stmt::Expr(tail, None)] => other.answer(tail) == Some(answer),
                    _ => false,
                },
                ClassifierBody::Expr(_) => false,
            }
    })
}

/// Whether the comment right above the arm naming the variant (or the `matches!` list it is in),
/// or one ending the arm's own line, speaks of retrying and names the variant in words (`//
/// Retrying lock failures only adds lock traffic.` above `StorageError::Lock(_) | ..`): the
/// constant is a choice made for that variant and explained. A comment above an earlier arm
/// explains that arm. A variant left to a catch-all or out of a `matches!` list has no arm to
/// explain.
fn commented_choice(source: &str, classifier: &Classifier<'_>, lossy: &Lossy) -> bool {
    let ClassifierBody::Block(body) = classifier.body else {
        return false;
    };
    if lossy.left_out != LeftOut::No {
        return false;
    }
    let first = Region::of(body).line;
    let lines: Vec<&str> = source.lines().collect();
    let Some(own) = lines.get(lossy.region.line.saturating_sub(1)) else {
        return false;
    };
    let mut comments: Vec<&str> = own.split_once("//").map(|(_, c)| c).into_iter().collect();
    // Up from the arm: past the lines of the same expression (`!matches!(`, `err,`) to the run of
    // comment lines above it, stopping at another arm or the body's start.
    let mut line = lossy.region.line.saturating_sub(1);
    let mut in_run = false;
    while line > first {
        let text = lines.get(line - 1).map_or("", |l| l.trim());
        if let Some(comment) = text.strip_prefix("//") {
            comments.push(comment);
            in_run = true;
        } else if in_run || text.contains("=>") || text.starts_with('}') {
            break;
        }
        line -= 1;
    }
    let said: Vec<String> = comments
        .iter()
        .flat_map(|c| c.split(|ch: char| !ch.is_alphanumeric()))
        .map(str::to_lowercase)
        .collect();
    let variant = lossy.variant.rsplit("::").next().unwrap_or_default();
    let variant_words = crate::retry_words::words(variant);
    !variant_words.is_empty()
        && said.iter().any(|w| crate::retry_words::is_retry_word(w))
        && variant_words.iter().all(|word| {
            said.iter()
                .any(|s| s == word || s.strip_suffix('s') == Some(word.as_str()))
        })
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
