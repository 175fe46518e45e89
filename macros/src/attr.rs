//! Reads the attributes the derive cares about from one item, variant or field.

use quote::quote;
use syn::{Attribute, Meta};

use crate::ctxt::Ctxt;

/// The three verdict attributes, as written by the user.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum VerdictAttr {
    Retryable,
    Terminal,
    Delegate,
}

impl VerdictAttr {
    pub const ALL: [VerdictAttr; 3] = [
        VerdictAttr::Retryable,
        VerdictAttr::Terminal,
        VerdictAttr::Delegate,
    ];

    pub fn name(self) -> &'static str {
        match self {
            VerdictAttr::Retryable => "retryable",
            VerdictAttr::Terminal => "terminal",
            VerdictAttr::Delegate => "delegate",
        }
    }
}

/// The derive's attributes on one node, each kept as the attribute it came from for spans.
#[derive(Default)]
pub struct Attrs<'a> {
    pub retryable: Option<&'a Attribute>,
    pub terminal: Option<&'a Attribute>,
    pub delegate: Option<&'a Attribute>,
    /// thiserror's `#[source]`: read to find the field `#[delegate]` means, never required.
    pub source: Option<&'a Attribute>,
    /// thiserror's `#[from]`, which implies `#[source]`.
    pub from: Option<&'a Attribute>,
}

impl<'a> Attrs<'a> {
    pub fn get(&self, which: VerdictAttr) -> Option<&'a Attribute> {
        match which {
            VerdictAttr::Retryable => self.retryable,
            VerdictAttr::Terminal => self.terminal,
            VerdictAttr::Delegate => self.delegate,
        }
    }

    fn slot(&mut self, which: VerdictAttr) -> &mut Option<&'a Attribute> {
        match which {
            VerdictAttr::Retryable => &mut self.retryable,
            VerdictAttr::Terminal => &mut self.terminal,
            VerdictAttr::Delegate => &mut self.delegate,
        }
    }

    /// The verdict attributes present, in the fixed order retryable, terminal, delegate.
    pub fn verdicts(&self) -> impl Iterator<Item = (VerdictAttr, &'a Attribute)> + '_ {
        VerdictAttr::ALL
            .into_iter()
            .filter_map(|which| self.get(which).map(|attr| (which, attr)))
    }

    /// The one verdict attribute present, if there is exactly one.
    pub fn single_verdict(&self) -> Option<VerdictAttr> {
        let mut verdicts = self.verdicts();
        match (verdicts.next(), verdicts.next()) {
            (Some((which, _)), None) => Some(which),
            _ => None,
        }
    }

    /// The attribute that marks this field as the wrapped error, if any.
    pub fn source_marker(&self) -> Option<&'a Attribute> {
        self.from.or(self.source)
    }
}

/// Reads `attrs`, reporting arguments, duplicates and conflicting verdicts as it goes. Every
/// attribute after the first verdict attribute is one error (duplicate or conflict), so a user
/// fixes each with one edit.
pub fn get<'a>(cx: &Ctxt, attrs: &'a [Attribute]) -> Attrs<'a> {
    let mut found = Attrs::default();
    for attr in attrs {
        // One conversion of the name per attribute: comparing an identifier with a string goes
        // through the compiler each time.
        let Some(name) = attr.path().get_ident().map(ToString::to_string) else {
            continue;
        };
        match name.as_str() {
            "source" => {
                found.source.get_or_insert(attr);
                continue;
            }
            "from" => {
                found.from.get_or_insert(attr);
                continue;
            }
            _ => {}
        }
        let Some(which) = VerdictAttr::ALL
            .into_iter()
            .find(|which| name == which.name())
        else {
            continue;
        };
        reject_arguments(cx, attr, which);
        if found.get(which).is_some() {
            cx.error_spanned_by(
                attr,
                format_args!("duplicate `#[{}]` attribute: remove it", which.name()),
            );
            continue;
        }
        if let Some((earlier, _)) = found.verdicts().next() {
            cx.error_spanned_by(
                attr,
                format_args!(
                    "`#[{}]` conflicts with `#[{}]`: keep only one verdict",
                    which.name(),
                    earlier.name(),
                ),
            );
        }
        *found.slot(which) = Some(attr);
    }
    found
}

fn reject_arguments(cx: &Ctxt, attr: &Attribute, which: VerdictAttr) {
    let name = which.name();
    match &attr.meta {
        Meta::Path(_) => {}
        Meta::List(list) => {
            let delimiter = list.delimiter.span().join();
            cx.syn_error(syn::Error::new(
                delimiter,
                format_args!("`#[{name}]` takes no arguments: write `#[{name}]`"),
            ));
        }
        Meta::NameValue(name_value) => {
            let eq = name_value.eq_token;
            let value = &name_value.value;
            cx.error_spanned_by(
                quote!(#eq #value),
                format_args!("`#[{name}]` takes no value: write `#[{name}]`"),
            );
        }
    }
}
