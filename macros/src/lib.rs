//! The `#[derive(Classify)]` macro of [triage](https://docs.rs/triage). Use it through
//! `triage::Classify`, not from this crate directly; the attribute reference is there.

mod ast;
mod attr;
mod ctxt;
mod expand;
mod fallback;
mod resolve;
mod valid;

#[cfg(test)]
mod tests;

use proc_macro::TokenStream;
use syn::{parse_macro_input, DeriveInput};

/// The derive accepts thiserror's `#[source]` as an inert attribute as well, so that `#[delegate]`
/// can find its field whether or not thiserror's `Error` is derived on the type. `#[from]` is read
/// but not declared: without thiserror it would generate no `From` impl, so rustc's "cannot find
/// attribute `from`" is the honest answer there.
#[proc_macro_derive(Classify, attributes(retryable, terminal, delegate, source))]
pub fn derive_classify(input: TokenStream) -> TokenStream {
    let input = parse_macro_input!(input as DeriveInput);
    expand::derive(&input).into()
}
