//! Reads the attributes the derive cares about from one item, variant or field.

use proc_macro2::TokenStream;
use quote::quote;
use syn::parse::{ParseStream, Parser};
use syn::{Attribute, Meta, Path, Token};

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
    /// The function of `#[delegate(with = path)]`, when `delegate` has one.
    pub delegate_with: Option<Path>,
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

    /// How an attribute is named in messages: `#[delegate(with = ..)]` is told apart from
    /// `#[delegate]`. Only for messages: it goes through the compiler to read the tokens.
    pub fn display_name(which: VerdictAttr, attr: &Attribute) -> &'static str {
        match (which, &attr.meta) {
            (VerdictAttr::Delegate, Meta::List(list))
                if list.tokens.to_string().starts_with("with") =>
            {
                "delegate(with = ..)"
            }
            _ => which.name(),
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
        let with = match which {
            VerdictAttr::Delegate => delegate_arguments(cx, attr),
            _ => {
                reject_arguments(cx, attr, which);
                None
            }
        };
        if found.get(which).is_some() {
            let shown = Attrs::display_name(which, attr);
            cx.error_spanned_by(
                attr,
                format_args!("duplicate `#[{shown}]` attribute: remove it"),
            );
            continue;
        }
        if let Some((earlier, earlier_attr)) = found.verdicts().next() {
            let shown = Attrs::display_name(which, attr);
            let earlier = Attrs::display_name(earlier, earlier_attr);
            let message = if shown == "delegate(with = ..)" || earlier == "delegate(with = ..)" {
                format!(
                    "`#[{shown}]` conflicts with `#[{earlier}]`: the function given with `with` \
                     decides the verdict, so keep only one of them"
                )
            } else {
                format!("`#[{shown}]` conflicts with `#[{earlier}]`: keep only one verdict")
            };
            cx.error_spanned_by(attr, message);
        }
        *found.slot(which) = Some(attr);
        if with.is_some() {
            found.delegate_with = with;
        }
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

/// How `#[delegate]` is written with its one argument.
const DELEGATE_WITH: &str = "`#[delegate(with = path::to::function)]`";

/// Reads `#[delegate]` (no function) or `#[delegate(with = path)]` (the function).
fn delegate_arguments(cx: &Ctxt, attr: &Attribute) -> Option<Path> {
    match &attr.meta {
        Meta::Path(_) => None,
        Meta::List(list) if list.tokens.is_empty() => {
            cx.syn_error(syn::Error::new(
                list.delimiter.span().join(),
                format_args!("empty `#[delegate()]`: write `#[delegate]` or {DELEGATE_WITH}"),
            ));
            None
        }
        Meta::List(list) => match parse_with.parse2(list.tokens.clone()) {
            Ok(path) => Some(path),
            Err(error) => {
                cx.syn_error(error);
                None
            }
        },
        Meta::NameValue(name_value) => {
            let eq = name_value.eq_token;
            let value = &name_value.value;
            cx.error_spanned_by(
                quote!(#eq #value),
                format_args!(
                    "`#[delegate]` takes no value: write `#[delegate]`, or {DELEGATE_WITH} for a \
                     function that decides"
                ),
            );
            None
        }
    }
}

/// `with = path`, with an optional trailing comma.
fn parse_with(input: ParseStream) -> syn::Result<Path> {
    let key: syn::Ident = input.call(syn::ext::IdentExt::parse_any).map_err(|error| {
        syn::Error::new(
            error.span(),
            format_args!("expected `with = ..` in `#[delegate(..)]`: write {DELEGATE_WITH}"),
        )
    })?;
    if key != "with" {
        return Err(syn::Error::new(
            key.span(),
            format_args!(
                "unknown argument `{key}` in `#[delegate(..)]`: the only one is `with`, as in \
                 {DELEGATE_WITH}; plain `#[delegate]` takes the field marked `#[source]` or \
                 `#[from]`"
            ),
        ));
    }
    if !input.peek(Token![=]) {
        return Err(syn::Error::new(
            key.span(),
            format_args!("`with` needs a function: write {DELEGATE_WITH}"),
        ));
    }
    let eq: Token![=] = input.parse()?;
    let rest: TokenStream = input.fork().parse()?;
    let path = input.parse::<Path>().map_err(|_| {
        let shown = if rest.is_empty() {
            quote!(#eq)
        } else {
            rest.clone()
        };
        syn::Error::new_spanned(
            shown,
            format_args!(
                "`with` takes a path to a function, not an expression or a string: write \
                 {DELEGATE_WITH}, where the function is `fn(&FieldType) -> triage::Verdict`"
            ),
        )
    })?;
    if input.peek(Token![,]) {
        input.parse::<Token![,]>()?;
    }
    if !input.is_empty() {
        let extra: TokenStream = input.parse()?;
        return Err(syn::Error::new_spanned(
            extra,
            format_args!(
                "unexpected tokens after the function in `#[delegate(with = ..)]`: it takes one \
                 path, to a `fn(&FieldType) -> triage::Verdict`"
            ),
        ));
    }
    Ok(path)
}
