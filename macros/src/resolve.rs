//! Resolves what decides the verdict of each struct or variant, once the attributes are read and
//! validated: a fixed verdict, the wrapped error's own `Classify`, or a function given with
//! `#[delegate(with = ..)]`.

use syn::Path;

use crate::ast::{Enum, Field, Struct, Variant};
use crate::attr::{Attrs, VerdictAttr};

/// The verdict that applies to one struct or variant.
pub enum Decision<'a, 'b> {
    Retryable,
    Terminal,
    /// The verdict of this field's value, by its `Classify` impl.
    Delegate(&'b Field<'a>),
    /// The verdict this function gives for this field's value.
    DelegateWith(&'b Field<'a>, &'b Path),
}

/// What `#[delegate]` refers to among a variant's fields.
pub enum DelegateTarget<'a, 'b> {
    Field(&'b Field<'a>),
    /// There are no fields.
    NoField,
    /// Several fields and none marked `#[source]` or `#[from]`.
    Unmarked,
    /// Several fields are marked; these are the first two.
    Ambiguous(&'b Field<'a>, &'b Field<'a>),
}

/// The field `#[delegate]` means: the only field, else the one marked `#[source]` or `#[from]`,
/// else the field named `source` (the three ways thiserror finds an error's source).
pub fn delegate_target<'a, 'b>(fields: &'b [Field<'a>]) -> DelegateTarget<'a, 'b> {
    if let [only] = fields {
        return DelegateTarget::Field(only);
    }
    let mut marked = fields
        .iter()
        .filter(|field| field.attrs.source_marker().is_some());
    match (marked.next(), marked.next()) {
        (Some(field), None) => DelegateTarget::Field(field),
        (Some(first), Some(second)) => DelegateTarget::Ambiguous(first, second),
        (None, _) => match fields.iter().find(|field| field.is_named_source()) {
            Some(field) => DelegateTarget::Field(field),
            None if fields.is_empty() => DelegateTarget::NoField,
            None => DelegateTarget::Unmarked,
        },
    }
}

/// The verdict of variants that carry no attribute: `#[retryable]` or `#[terminal]` on the enum
/// itself. `#[delegate]` on an enum is an error and never a default.
pub fn enum_default(input: &Enum) -> Option<VerdictAttr> {
    match (input.attrs.retryable, input.attrs.terminal) {
        (Some(_), None) => Some(VerdictAttr::Retryable),
        (None, Some(_)) => Some(VerdictAttr::Terminal),
        _ => None,
    }
}

pub fn struct_decision<'a, 'b>(input: &'b Struct<'a>) -> Option<Decision<'a, 'b>> {
    decide(&input.attrs, None, &input.fields)
}

pub fn variant_decision<'a, 'b>(
    variant: &'b Variant<'a>,
    default: Option<VerdictAttr>,
) -> Option<Decision<'a, 'b>> {
    decide(&variant.attrs, default, &variant.fields)
}

fn decide<'a, 'b>(
    attrs: &'b Attrs<'a>,
    default: Option<VerdictAttr>,
    fields: &'b [Field<'a>],
) -> Option<Decision<'a, 'b>> {
    let which = match attrs.verdicts().count() {
        0 => default?,
        _ => attrs.single_verdict()?,
    };
    match which {
        VerdictAttr::Retryable => Some(Decision::Retryable),
        VerdictAttr::Terminal => Some(Decision::Terminal),
        VerdictAttr::Delegate => match (delegate_target(fields), &attrs.delegate_with) {
            (DelegateTarget::Field(field), None) => Some(Decision::Delegate(field)),
            (DelegateTarget::Field(field), Some(with)) => Some(Decision::DelegateWith(field, with)),
            _ => None,
        },
    }
}
