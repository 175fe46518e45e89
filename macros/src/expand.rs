//! Emits `impl ::triage::Classify` for a validated input.

use std::collections::BTreeSet;

use proc_macro2::{Ident, Span, TokenStream, TokenTree};
use quote::{quote, quote_spanned, ToTokens};
use syn::spanned::Spanned;
use syn::{DeriveInput, GenericParam, Type, WherePredicate};

use crate::ast::{Enum, Input, Struct};
use crate::ctxt::Ctxt;
use crate::resolve::{self, Decision};
use crate::{fallback, valid};

/// The derive: the impl, or every error found together with a fallback impl.
pub fn derive(node: &DeriveInput) -> TokenStream {
    try_expand(node).unwrap_or_else(|error| fallback::expand(node, error))
}

/// The impl, or every error found in `node` combined into one `syn::Error`.
pub fn try_expand(node: &DeriveInput) -> syn::Result<TokenStream> {
    let cx = Ctxt::new();
    let input = Input::from_syn(node, &cx);
    if let Ok(input) = &input {
        valid::validate(input, &cx);
    }
    cx.check()?;
    match &input? {
        Input::Struct(input) => impl_struct(input),
        Input::Enum(input) => impl_enum(input),
    }
}

/// One arm of the generated `match`: a pattern path (`Self` or `Self::Variant`) and its verdict.
struct Arm<'a, 'b> {
    path: TokenStream,
    decision: Decision<'a, 'b>,
}

fn impl_struct(input: &Struct) -> syn::Result<TokenStream> {
    let decision =
        resolve::struct_decision(input).ok_or_else(|| unresolved(&input.original.ident))?;
    let arms = [Arm {
        path: quote!(Self),
        decision,
    }];
    Ok(impl_classify(input.original, &arms))
}

fn impl_enum(input: &Enum) -> syn::Result<TokenStream> {
    let default = resolve::enum_default(input);
    let arms = input
        .variants
        .iter()
        .map(|variant| {
            let ident = variant.ident();
            let decision =
                resolve::variant_decision(variant, default).ok_or_else(|| unresolved(ident))?;
            Ok(Arm {
                path: quote!(Self::#ident),
                decision,
            })
        })
        .collect::<syn::Result<Vec<_>>>()?;
    Ok(impl_classify(input.original, &arms))
}

/// Validation reports every input that has no decision, so this is never shown to a user; it
/// exists so that a gap between the two stages is a compile error and not a panic.
fn unresolved(ident: &Ident) -> syn::Error {
    syn::Error::new_spanned(
        ident,
        "internal error in `#[derive(Classify)]`: no verdict was resolved here; please report this",
    )
}

fn impl_classify(node: &DeriveInput, arms: &[Arm]) -> TokenStream {
    let ty = &node.ident;
    let inner = Ident::new("__inner", Span::call_site());

    let delegated: Vec<&Type> = arms
        .iter()
        .filter_map(|arm| match arm.decision {
            Decision::Delegate(field) => Some(field.ty()),
            _ => None,
        })
        .collect();

    let mut generics = node.generics.clone();
    let bounds = classify_bounds(&node.generics, &delegated);
    if !bounds.is_empty() {
        generics.make_where_clause().predicates.extend(bounds);
    }
    let (impl_generics, ty_generics, where_clause) = generics.split_for_impl();

    let verdict_arms = arms.iter().map(|arm| {
        let path = &arm.path;
        match arm.decision {
            Decision::Retryable => quote!(#path { .. } => ::triage::Verdict::Retryable,),
            Decision::Terminal => quote!(#path { .. } => ::triage::Verdict::Terminal,),
            Decision::Delegate(field) => {
                let member = &field.member;
                let call = classify_call(field.ty(), "verdict");
                quote!(#path { #member: #inner, .. } => #call(#inner),)
            }
            Decision::DelegateWith(field, with) => {
                let member = &field.member;
                // Spanned at the path, so that a function of the wrong type is reported there.
                let call = quote_spanned!(with.span()=> #with(#inner));
                quote!(#path { #member: #inner, .. } => #call,)
            }
        }
    });
    let verdict_body = if arms.is_empty() {
        // An enum without variants has no values, so `verdict` can never be called.
        quote!(match *self {})
    } else {
        quote!(match self { #(#verdict_arms)* })
    };

    let retry_after = if delegated.is_empty() {
        None
    } else {
        let mut fixed = false;
        let mut forwarding = Vec::new();
        for arm in arms {
            let path = &arm.path;
            match arm.decision {
                Decision::Delegate(field) => {
                    let member = &field.member;
                    let call = classify_call(field.ty(), "retry_after");
                    forwarding.push(quote!(#path { #member: #inner, .. } => #call(#inner),));
                }
                _ => fixed = true,
            }
        }
        // Every variant is decided above, so a wildcard is exact here, and shorter to compile
        // than a pattern per variant.
        let fixed_arm = fixed.then(|| quote!(_ => ::core::option::Option::None,));
        Some(quote! {
            #[inline]
            fn retry_after(&self) -> ::core::option::Option<::core::time::Duration> {
                match self {
                    #(#forwarding)*
                    #fixed_arm
                }
            }
        })
    };

    // Registration needs a `'static` type without parameters; generic types are classified
    // through their concrete wrappers.
    let register = node
        .generics
        .params
        .is_empty()
        .then(|| quote!(::triage::__register_derived!(#ty);));

    quote! {
        #[allow(unused_qualifications)]
        #[automatically_derived]
        impl #impl_generics ::triage::Classify for #ty #ty_generics #where_clause {
            #[inline]
            fn verdict(&self) -> ::triage::Verdict {
                #verdict_body
            }

            #retry_after
        }

        #register
    }
}

/// `<FieldType as ::triage::Classify>::method`, spanned at the field's type so that a type which
/// does not implement `Classify` is reported there.
fn classify_call(ty: &Type, method: &str) -> TokenStream {
    let span = ty.span();
    let method = Ident::new(method, span);
    quote_spanned!(span=> <#ty as ::triage::Classify>::#method)
}

/// `FieldType: ::triage::Classify` for each distinct delegated field type that mentions one of
/// the input's type parameters; other field types need no bound (and a missing impl is then an
/// error at the field).
fn classify_bounds(generics: &syn::Generics, delegated: &[&Type]) -> Vec<WherePredicate> {
    let params: BTreeSet<String> = generics
        .params
        .iter()
        .filter_map(|param| match param {
            GenericParam::Type(param) => Some(param.ident.to_string()),
            _ => None,
        })
        .collect();
    if params.is_empty() {
        return Vec::new();
    }
    let mut seen = BTreeSet::new();
    delegated
        .iter()
        .filter(|ty| mentions_any(ty.to_token_stream(), &params))
        .filter(|ty| seen.insert(ty.to_token_stream().to_string()))
        .map(|ty| syn::parse_quote!(#ty: ::triage::Classify))
        .collect()
}

fn mentions_any(tokens: TokenStream, idents: &BTreeSet<String>) -> bool {
    tokens.into_iter().any(|token| match token {
        TokenTree::Ident(ident) => idents.contains(&ident.to_string()),
        TokenTree::Group(group) => mentions_any(group.stream(), idents),
        TokenTree::Punct(_) | TokenTree::Literal(_) => false,
    })
}
