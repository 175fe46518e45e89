//! Cross-crate tests of the verdict tables; nothing to use here.
