//! The attributes that mark an item as test code: `#[test]`-style attributes, and `cfg`
//! predicates that cannot hold in a build without tests. A predicate is judged by what it may do
//! with `test` and the options of test builds off (simulators', model checkers' and fuzzers':
//! [`TEST_BUILD_OPTIONS`]) and every other option unknown, so `not(test)` and `any(test, feature =
//! "x")` stay normal code.

use syn::Attribute;

use super::names::names_test_support;

/// `#[cfg(test)]` (also `all(test, ..)`, `msim`: any predicate that cannot hold outside tests,
/// [`TEST_BUILD_OPTIONS`]), `#[test]`,
/// `#[tokio::test]` and other `#[..::test]` attributes. A feature named for tests
/// (`feature = "test-utils"`, `"testing"`) counts as `test`: `any(test, feature = "test-utils")`
/// is test code. `any(test, feature = "x")` and `not(test)` can hold in a normal build: such items
/// are not test code.
pub(super) fn is_test_attrs(attrs: &[Attribute]) -> bool {
    attrs.iter().any(|attr| {
        let path = attr.path();
        if path.segments.last().is_some_and(|seg| seg.ident == "test") {
            return true;
        }
        if !path.is_ident("cfg") {
            return false;
        }
        let Ok(predicate) = attr.parse_args::<syn::Meta>() else {
            return false;
        };
        !Outcomes::without_test(&predicate).may_hold
    })
}

/// Whether a `cfg` predicate (`test`, `all(msim, unix)`) cannot hold in a build without tests.
pub(super) fn only_in_tests(predicate: &syn::Meta) -> bool {
    !Outcomes::without_test(predicate).may_hold
}

/// Options set only by builds that test the program: `test`, and those of simulators, model
/// checkers and fuzzers (`msim`, `madsim`, `loom`, `shuttle`, `fuzzing`).
const TEST_BUILD_OPTIONS: &[&str] = &["test", "msim", "madsim", "loom", "shuttle", "fuzzing"];

/// Whether a `cfg` predicate may hold, and may fail, in a build without tests ([`TEST_BUILD_OPTIONS`]
/// off, every other option being unknown).
struct Outcomes {
    /// Some build without `test` may turn the predicate on.
    may_hold: bool,
    /// Some build without `test` may turn the predicate off.
    may_fail: bool,
}

impl Outcomes {
    /// The outcomes of `predicate` with the options of test builds (and features for tests) off:
    /// `any`, `all` and `not` combine those of their parts; any other option may go either way.
    fn without_test(predicate: &syn::Meta) -> Outcomes {
        let unknown = Outcomes {
            may_hold: true,
            may_fail: true,
        };
        match predicate {
            syn::Meta::Path(path)
                if TEST_BUILD_OPTIONS
                    .iter()
                    .any(|option| path.is_ident(option)) =>
            {
                Outcomes {
                    may_hold: false,
                    may_fail: true,
                }
            }
            // `feature = "test-utils"`: a feature that exists to build test support.
            syn::Meta::NameValue(value)
                if value.path.is_ident("feature") && feature_for_tests(&value.value) =>
            {
                Outcomes {
                    may_hold: false,
                    may_fail: true,
                }
            }
            syn::Meta::List(list) => {
                let Ok(inner) = list.parse_args_with(
                    syn::punctuated::Punctuated::<syn::Meta, syn::Token![,]>::parse_terminated,
                ) else {
                    return unknown;
                };
                let parts: Vec<Outcomes> = inner.iter().map(Outcomes::without_test).collect();
                if list.path.is_ident("any") {
                    Outcomes {
                        may_hold: parts.iter().any(|p| p.may_hold),
                        may_fail: parts.iter().all(|p| p.may_fail),
                    }
                } else if list.path.is_ident("all") {
                    Outcomes {
                        may_hold: parts.iter().all(|p| p.may_hold),
                        may_fail: parts.iter().any(|p| p.may_fail),
                    }
                } else if list.path.is_ident("not") && parts.len() == 1 {
                    Outcomes {
                        may_hold: parts[0].may_fail,
                        may_fail: parts[0].may_hold,
                    }
                } else {
                    unknown
                }
            }
            _ => unknown,
        }
    }
}

/// The value of `feature = ".."` names a feature for tests.
fn feature_for_tests(value: &syn::Expr) -> bool {
    match value {
        syn::Expr::Lit(syn::ExprLit {
            lit: syn::Lit::Str(name),
            ..
        }) => names_test_support(&name.value()),
        _ => false,
    }
}
