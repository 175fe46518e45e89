//! The `#[derive(Classify)]` macro of [triage](https://docs.rs/triage). Use it through
//! `triage::Classify`, not from this crate directly.

use proc_macro::TokenStream;

/// Derives `triage::Classify`: see the `triage` crate's documentation.
#[proc_macro_derive(Classify, attributes(retryable, terminal, delegate))]
pub fn derive_classify(input: TokenStream) -> TokenStream {
    let _ = input;
    TokenStream::new()
}
