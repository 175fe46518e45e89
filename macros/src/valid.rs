//! Every check that looks at more than one attribute, reported into the [`Ctxt`] so that one build
//! shows every problem.

use syn::ext::IdentExt;
use syn::Member;

use crate::ast::{Enum, Field, Input, Struct, Variant};
use crate::attr::{Attrs, VerdictAttr};
use crate::ctxt::Ctxt;
use crate::resolve::{delegate_target, DelegateTarget};

pub fn validate(input: &Input, cx: &Ctxt) {
    match input {
        Input::Struct(input) => check_struct(input, cx),
        Input::Enum(input) => check_enum(input, cx),
    }
}

// Names are formatted only when an error is reported: going through the compiler for every
// variant's name is a measurable part of the derive's cost on large enums.
fn check_struct(input: &Struct, cx: &Ctxt) {
    let name = || input.original.ident.unraw();
    check_fields(&input.fields, "struct", cx);
    if input.attrs.verdicts().next().is_none() && !any_field_has_verdict(&input.fields) {
        cx.error_spanned_by(
            &input.original.ident,
            format_args!(
                "struct `{}` has no verdict: add `#[retryable]`, `#[terminal]` or `#[delegate]`",
                name()
            ),
        );
    }
    check_delegate(
        &input.attrs,
        &input.fields,
        &|| format!("struct `{}`", name()),
        cx,
    );
}

fn check_enum(input: &Enum, cx: &Ctxt) {
    if let Some(delegate) = input.attrs.delegate {
        let shown = Attrs::display_name(VerdictAttr::Delegate, delegate);
        cx.error_spanned_by(
            delegate,
            format_args!(
                "`#[{shown}]` cannot be used on an enum: put it on each variant that wraps an \
                 error (`#[retryable]` or `#[terminal]` on the enum sets a default)"
            ),
        );
    }
    let has_default = input.has_default_attr();
    for variant in &input.variants {
        check_variant(variant, has_default, cx);
    }
}

fn check_variant(variant: &Variant, enum_has_default: bool, cx: &Ctxt) {
    let name = || variant.ident().unraw();
    check_fields(&variant.fields, "variant", cx);
    // A verdict misplaced on a field is reported as such; the variant is not unmarked on top.
    let unmarked =
        variant.attrs.verdicts().next().is_none() && !any_field_has_verdict(&variant.fields);
    if unmarked && !enum_has_default {
        cx.error_spanned_by(
            variant.ident(),
            format_args!(
                "variant `{}` has no verdict: add `#[retryable]`, `#[terminal]` or \
                 `#[delegate]` (or put `#[retryable]`/`#[terminal]` on the enum as a default)",
                name()
            ),
        );
    }
    check_delegate(
        &variant.attrs,
        &variant.fields,
        &|| format!("variant `{}`", name()),
        cx,
    );
}

fn any_field_has_verdict(fields: &[Field]) -> bool {
    fields
        .iter()
        .any(|field| field.attrs.verdicts().next().is_some())
}

/// Verdict attributes belong on the item or variant, never on a field.
fn check_fields(fields: &[Field], owner: &str, cx: &Ctxt) {
    for field in fields {
        for (which, attr) in field.attrs.verdicts() {
            let message = match which {
                VerdictAttr::Delegate => format!(
                    "`#[{}]` cannot be used on a field: put it on the {owner}, and mark \
                     this field `#[source]` if the {owner} has several fields",
                    Attrs::display_name(which, attr)
                ),
                _ => format!(
                    "`#[{}]` cannot be used on a field: put it on the {owner}",
                    which.name()
                ),
            };
            cx.error_spanned_by(attr, message);
        }
    }
}

/// A lone `#[delegate]` must find the field it means; `#[delegate(with = ..)]` finds its field the
/// same way, to pass it to the function. (With a conflicting verdict beside it the conflict is the
/// error to fix first.)
fn check_delegate(attrs: &Attrs, fields: &[Field], owner: &dyn Fn() -> String, cx: &Ctxt) {
    let (Some(VerdictAttr::Delegate), Some(delegate)) = (attrs.single_verdict(), attrs.delegate)
    else {
        return;
    };
    let with = attrs.delegate_with.is_some();
    match delegate_target(fields) {
        DelegateTarget::Field(_) => {}
        DelegateTarget::NoField if with => cx.error_spanned_by(
            delegate,
            format_args!(
                "`#[delegate(with = ..)]` passes a field to its function, and {} has none: \
                 use `#[retryable]` or `#[terminal]`",
                owner()
            ),
        ),
        DelegateTarget::NoField => cx.error_spanned_by(
            delegate,
            format_args!(
                "`#[delegate]` needs a field holding the inner error, and {} has none: \
                 use `#[retryable]` or `#[terminal]`",
                owner()
            ),
        ),
        DelegateTarget::Unmarked => cx.error_spanned_by(
            delegate,
            format_args!(
                "`#[{}]` cannot tell which field of {} holds the inner error: mark \
                 that field `#[source]` or `#[from]`",
                Attrs::display_name(VerdictAttr::Delegate, delegate),
                owner()
            ),
        ),
        DelegateTarget::Ambiguous(first, second) => {
            let message = format!(
                "`#[{}]` on {} is ambiguous: fields {} and {} are both marked \
                 `#[source]`/`#[from]`; mark only the one holding the inner error",
                Attrs::display_name(VerdictAttr::Delegate, delegate),
                owner(),
                describe(&first.member),
                describe(&second.member),
            );
            match second.attrs.source_marker() {
                Some(marker) => cx.error_spanned_by(marker, message),
                None => cx.error_spanned_by(second.original, message),
            }
        }
    }
}

fn describe(member: &Member) -> String {
    match member {
        Member::Named(ident) => format!("`{}`", ident.unraw()),
        Member::Unnamed(index) => format!("{}", index.index),
    }
}
