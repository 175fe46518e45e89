//! A retry executor that can only be bounded.
