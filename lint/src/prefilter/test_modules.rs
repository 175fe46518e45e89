//! The prefilter's other cut inside a file: when test code is skipped, the contents of the inline
//! modules that are test code (`#[cfg(test)] mod tests { .. }`, `mod test_utils { .. }`) are blanked
//! before the parse. Stripping removes such a module from the parsed file whole
//! ([`crate::test_code::strip_test_code`]), so no rule could have read its contents; in large files
//! they are often a quarter of the text. Whether a module is test code is decided by parsing its
//! header with the same test the stripping uses.

use crate::syntax::items::Items;
use crate::syntax::lexer::blank;
use crate::test_code::is_test_module;

/// `text` with the contents of its inline test modules blanked (braces and line breaks kept), or
/// `None` when it has none. `code` is `source`'s text with comments and literals blanked and
/// `found` its items, as [`super::bodies::blank_idle_bodies`] reads them; `text` is `source` or
/// the same text with idle bodies blanked, which leaves every block where it was. A module
/// written inside a macro's braces (`macro_rules!`, `foo! { .. }`) is tokens the stripping never
/// sees as a module, and stays.
pub(crate) fn blank_test_modules(
    source: &str,
    code: &[u8],
    found: &Items,
    text: Option<String>,
) -> Option<String> {
    let bytes = source.as_bytes();
    let in_a_macro = |at: usize| {
        found.blocks.iter().any(|outer| {
            outer.block.start < at
                && at < outer.block.end
                && code[outer.header.clone()].contains(&b'!')
        })
    };
    let mut blanked: Option<Vec<u8>> = None;
    for block in &found.blocks {
        if memchr::memmem::find(&code[block.header.clone()], b"mod").is_none() {
            continue;
        }
        let Ok(header) = std::str::from_utf8(&bytes[block.header.clone()]) else {
            continue;
        };
        let Ok(module) = syn::parse_str::<syn::ItemMod>(&format!("{header}{{}}")) else {
            continue;
        };
        let inside = block.block.start + 1..block.block.end.saturating_sub(1);
        if inside.is_empty() || !is_test_module(&module) || in_a_macro(block.block.start) {
            continue;
        }
        let out = blanked.get_or_insert_with(|| {
            text.as_deref()
                .map_or_else(|| bytes.to_vec(), |t| t.as_bytes().to_vec())
        });
        blank(&mut out[inside]);
    }
    match blanked {
        Some(out) => String::from_utf8(out).ok().or(text),
        None => text,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::syntax::items::items;
    use crate::syntax::lexer::blank_comments_and_strings;

    fn blank_modules_of(source: &str) -> Option<String> {
        let code = blank_comments_and_strings(source.as_bytes());
        blank_test_modules(source, &code, &items(&code), None)
    }

    #[test]
    fn a_test_module_is_blanked_and_keeps_its_lines() {
        let source = "fn kept() { retry() }\n#[cfg(test)]\nmod tests {\n    fn gone() {}\n}\n";
        let blanked = blank_modules_of(source).unwrap();
        assert_eq!(
            blanked,
            "fn kept() { retry() }\n#[cfg(test)]\nmod tests {\n                \n}\n"
        );
    }

    #[test]
    fn other_modules_stay() {
        let source = "#[cfg(not(test))]\nmod a { fn x() {} }\n#[cfg(any(test, feature = \"f\"))]\n\
                      mod b { fn y() {} }\nmod net { fn z() {} }\n// mod tests { }\nfn f() { \"mod tests {}\"; }\n";
        assert_eq!(blank_modules_of(source), None);
    }

    #[test]
    fn modules_named_for_tests_and_nested_ones_are_blanked() {
        let source = "mod outer {\n    /// Helpers.\n    pub(crate) mod test_utils { fn h() { 1 } }\n    fn kept() {}\n}\n";
        let blanked = blank_modules_of(source).unwrap();
        assert!(blanked.contains("fn kept() {}"), "{blanked}");
        assert!(!blanked.contains("fn h()"), "{blanked}");
        assert_eq!(blanked.len(), source.len());
    }

    #[test]
    fn modules_inside_macros_stay() {
        let source = "macro_rules! m { () => { #[cfg(test)] mod tests { fn f() { g() } } } }\n\
                      outer! { #[cfg(test)] mod tests { fn h() { g() } } }\n";
        assert_eq!(blank_modules_of(source), None);
    }
}
