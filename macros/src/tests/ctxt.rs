//! The error context must be checked: dropping it unchecked would lose errors silently.

use proc_macro2::Span;

use crate::ctxt::Ctxt;

#[test]
#[should_panic(expected = "never checked")]
fn dropping_an_unchecked_context_panics() {
    let cx = Ctxt::new();
    cx.syn_error(syn::Error::new(Span::call_site(), "lost"));
    drop(cx);
}

#[test]
#[should_panic(expected = "never checked")]
fn dropping_an_unchecked_context_panics_even_without_errors() {
    drop(Ctxt::new());
}

#[test]
fn checking_reports_every_error_in_order() {
    let cx = Ctxt::new();
    cx.syn_error(syn::Error::new(Span::call_site(), "first"));
    cx.error_spanned_by(quote::quote!(x), "second");
    let errors: Vec<String> = match cx.check() {
        Ok(()) => Vec::new(),
        Err(errors) => errors.into_iter().map(|error| error.to_string()).collect(),
    };
    assert_eq!(errors, ["first", "second"]);
    assert!(Ctxt::new().check().is_ok());
}
