//! Turning token spans into the 1-based regions findings are reported at.

use proc_macro2::Span;

use crate::finding::Region;

/// The region a span covers; `proc-macro2` counts columns from 0, findings count them from 1.
pub fn region_of(span: Span) -> Region {
    region_between(span, span)
}

/// The region from the start of `first` to the end of `last`.
pub fn region_between(first: Span, last: Span) -> Region {
    let start = first.start();
    let end = last.end();
    Region {
        line: start.line,
        column: start.column + 1,
        end_line: end.line,
        end_column: end.column + 1,
    }
}
