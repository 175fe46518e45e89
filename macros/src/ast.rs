//! A small typed model of the derive input that borrows the syn tree, so every later stage can
//! point its errors at the original tokens.

use syn::ext::IdentExt;
use syn::{Data, DataEnum, DataStruct, DeriveInput, Fields, Ident, Member, Type};

use crate::attr::{self, Attrs, VerdictAttr};
use crate::ctxt::Ctxt;

pub enum Input<'a> {
    Struct(Struct<'a>),
    Enum(Enum<'a>),
}

pub struct Struct<'a> {
    pub original: &'a DeriveInput,
    pub attrs: Attrs<'a>,
    pub fields: Vec<Field<'a>>,
}

pub struct Enum<'a> {
    pub original: &'a DeriveInput,
    pub attrs: Attrs<'a>,
    pub variants: Vec<Variant<'a>>,
}

pub struct Variant<'a> {
    pub original: &'a syn::Variant,
    pub attrs: Attrs<'a>,
    pub fields: Vec<Field<'a>>,
}

pub struct Field<'a> {
    pub original: &'a syn::Field,
    pub attrs: Attrs<'a>,
    /// How a pattern names the field: its identifier, or its index in a tuple.
    pub member: Member,
}

/// The verdict that applies to one struct or variant once its attributes are resolved.
pub enum Decision<'a, 'b> {
    Retryable,
    Terminal,
    /// The verdict of this field's value.
    Delegate(&'b Field<'a>),
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

impl<'a> Input<'a> {
    /// Builds the model. A union is the one input that is rejected here, as nothing else about it
    /// can be checked.
    pub fn from_syn(node: &'a DeriveInput, cx: &Ctxt) -> syn::Result<Self> {
        match &node.data {
            Data::Struct(data) => Ok(Input::Struct(Struct::from_syn(node, data, cx))),
            Data::Enum(data) => Ok(Input::Enum(Enum::from_syn(node, data, cx))),
            Data::Union(data) => Err(syn::Error::new_spanned(
                data.union_token,
                "`#[derive(Classify)]` does not support unions: use an enum or a struct",
            )),
        }
    }
}

impl<'a> Struct<'a> {
    fn from_syn(node: &'a DeriveInput, data: &'a DataStruct, cx: &Ctxt) -> Self {
        Struct {
            original: node,
            attrs: attr::get(cx, &node.attrs),
            fields: Field::multiple_from_syn(&data.fields, cx),
        }
    }

    pub fn decision(&self) -> Option<Decision<'a, '_>> {
        decide(&self.attrs, None, &self.fields)
    }
}

impl<'a> Enum<'a> {
    fn from_syn(node: &'a DeriveInput, data: &'a DataEnum, cx: &Ctxt) -> Self {
        Enum {
            original: node,
            attrs: attr::get(cx, &node.attrs),
            variants: data
                .variants
                .iter()
                .map(|variant| Variant {
                    original: variant,
                    attrs: attr::get(cx, &variant.attrs),
                    fields: Field::multiple_from_syn(&variant.fields, cx),
                })
                .collect(),
        }
    }

    /// The verdict of variants that carry no attribute: `#[retryable]` or `#[terminal]` on the
    /// enum itself. `#[delegate]` on an enum is an error and never a default.
    pub fn default_decision(&self) -> Option<VerdictAttr> {
        match (self.attrs.retryable, self.attrs.terminal) {
            (Some(_), None) => Some(VerdictAttr::Retryable),
            (None, Some(_)) => Some(VerdictAttr::Terminal),
            _ => None,
        }
    }

    /// Whether the enum carries `#[retryable]` or `#[terminal]`, even wrongly: then unmarked
    /// variants are not reported, because the user meant to give them a default.
    pub fn has_default_attr(&self) -> bool {
        self.attrs.retryable.is_some() || self.attrs.terminal.is_some()
    }
}

impl<'a> Variant<'a> {
    pub fn ident(&self) -> &'a Ident {
        &self.original.ident
    }

    pub fn decision(&self, default: Option<VerdictAttr>) -> Option<Decision<'a, '_>> {
        decide(&self.attrs, default, &self.fields)
    }
}

impl<'a> Field<'a> {
    fn multiple_from_syn(fields: &'a Fields, cx: &Ctxt) -> Vec<Self> {
        fields
            .iter()
            .enumerate()
            .map(|(index, field)| Field {
                original: field,
                attrs: attr::get(cx, &field.attrs),
                member: match &field.ident {
                    Some(ident) => Member::Named(ident.clone()),
                    None => Member::Unnamed(syn::Index {
                        index: index as u32,
                        span: proc_macro2::Span::call_site(),
                    }),
                },
            })
            .collect()
    }

    fn is_named_source(&self) -> bool {
        matches!(&self.original.ident, Some(ident) if ident.unraw() == "source")
    }

    pub fn ty(&self) -> &'a Type {
        &self.original.ty
    }
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

fn decide<'a, 'b>(
    attrs: &Attrs<'a>,
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
        VerdictAttr::Delegate => match delegate_target(fields) {
            DelegateTarget::Field(field) => Some(Decision::Delegate(field)),
            _ => None,
        },
    }
}
