//! Tests of the expansion that run on `proc_macro2` tokens, without a compiler.

mod expand_properties;
