//! The `#[derive(Classify)]` macro of [triage](https://docs.rs/triage). Use it through
//! `triage::Classify`, not from this crate directly; the attribute reference is there.

mod ast;
mod attr;
mod ctxt;
mod expand;
mod fallback;
mod valid;

#[cfg(test)]
mod expand_properties;

use proc_macro::TokenStream;
use syn::{parse_macro_input, DeriveInput};

/// The derive accepts thiserror's `#[source]` and `#[from]` as inert attributes as well, so that
/// `#[delegate]` can find its field whether or not thiserror's `Error` is derived on the type.
#[proc_macro_derive(Classify, attributes(retryable, terminal, delegate, source, from))]
pub fn derive_classify(input: TokenStream) -> TokenStream {
    let input = parse_macro_input!(input as DeriveInput);
    expand::derive(&input).into()
}
