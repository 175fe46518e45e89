//! Tests of the derive's stages that run on `proc_macro2` tokens, without a compiler.

mod ctxt;
mod expand_properties;
