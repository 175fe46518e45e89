//! The impl emitted next to compile errors, so that uses of the type elsewhere do not add
//! "`Classify` is not implemented" errors on top of the ones that matter.

use proc_macro2::TokenStream;
use quote::quote;
use syn::DeriveInput;

pub fn expand(node: &DeriveInput, error: syn::Error) -> TokenStream {
    let ty = &node.ident;
    let (impl_generics, ty_generics, where_clause) = node.generics.split_for_impl();
    let error = error.to_compile_error();

    quote! {
        #error

        #[allow(unused_qualifications)]
        #[automatically_derived]
        impl #impl_generics ::triage::Classify for #ty #ty_generics #where_clause {
            fn verdict(&self) -> ::triage::Verdict {
                ::core::unreachable!()
            }
        }
    }
}
