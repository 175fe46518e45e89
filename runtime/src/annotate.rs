//! Annotated error chains: a context message around an error that keeps the error's verdict.
