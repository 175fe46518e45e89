//! Verdicts of type-erased errors (`&dyn Error`), found by walking the `source()` chain.
