//! The enums of the tree as migration needs them: where to put the derive, each variant's
//! attribute and the generated functions, and the type of each single-field variant's field.

use syn::{ItemEnum, Meta};

use crate::codegen::migrate::analyse::slice;
use crate::codegen::variants::variants_of;
use crate::finding::Region;

/// One variant.
#[derive(Debug, Clone)]
pub(crate) struct EnumVariant {
    pub(crate) name: String,
    /// Where the variant's name starts: its attribute goes just before it.
    pub(crate) ident: Region,
    /// The type of the variant's only field, as written, when it has exactly one.
    pub(crate) field_type: Option<String>,
}

/// Where the enum's derive goes.
#[derive(Debug, Clone)]
pub(crate) enum DeriveAt {
    /// Before the `)` of an existing `#[derive(..)]`; `trailing_comma` when its list ends in one.
    Existing { close: Region, trailing_comma: bool },
    /// A new attribute line before the item's first token after its attributes.
    New { item_start: Region },
}

/// One enum of the tree.
#[derive(Debug, Clone)]
pub(crate) struct EnumInfo {
    pub(crate) name: String,
    pub(crate) variants: Vec<EnumVariant>,
    pub(crate) derive_at: DeriveAt,
    /// The item's end, after which generated functions go.
    pub(crate) end: Region,
    /// `true` when it is generic or has `#[cfg]` variants.
    pub(crate) unsupported: bool,
    /// `true` when it already derives `Classify`.
    pub(crate) derives_classify: bool,
}

/// Reads an enum item.
pub(crate) fn enum_info(item: &ItemEnum, source: &str) -> EnumInfo {
    let unsupported = !item.generics.params.is_empty() || variants_of(item).is_none();
    let variants = item
        .variants
        .iter()
        .map(|variant| {
            let field_type = match variant.fields.iter().collect::<Vec<_>>().as_slice() {
                [only] => slice(source, Region::of(&only.ty)).map(str::to_owned),
                _ => None,
            };
            EnumVariant {
                name: variant.ident.to_string(),
                ident: Region::of(&variant.ident),
                field_type,
            }
        })
        .collect();
    let mut derive_at = None;
    let mut derives_classify = false;
    for attr in &item.attrs {
        if !attr.path().is_ident("derive") {
            continue;
        }
        if let Meta::List(list) = &attr.meta {
            let text = list.tokens.to_string();
            if text
                .split(',')
                .any(|path| path.trim().ends_with("Classify"))
            {
                derives_classify = true;
            }
            if derive_at.is_none() {
                let close = Region::from_span(list.delimiter.span().close());
                derive_at = Some(DeriveAt::Existing {
                    close,
                    trailing_comma: text.trim_end().ends_with(','),
                });
            }
        }
    }
    let item_start = match &item.vis {
        syn::Visibility::Inherited => Region::of(&item.enum_token),
        vis => Region::of(vis),
    };
    EnumInfo {
        name: item.ident.to_string(),
        variants,
        derive_at: derive_at.unwrap_or(DeriveAt::New { item_start }),
        end: Region::from_span(item.brace_token.span.close()),
        unsupported,
        derives_classify,
    }
}
