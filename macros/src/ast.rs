//! A small typed model of the derive input that borrows the syn tree, so every later stage can
//! point its errors at the original tokens.

use syn::ext::IdentExt;
use syn::{Data, DataEnum, DataStruct, DeriveInput, Fields, Ident, Member, Type};

use crate::attr::{self, Attrs};
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

    pub fn is_named_source(&self) -> bool {
        matches!(&self.original.ident, Some(ident) if ident.unraw() == "source")
    }

    pub fn ty(&self) -> &'a Type {
        &self.original.ty
    }
}
