//! The prefilter's other cut inside a file: when test code is skipped, the contents of the inline
//! modules that are test code (`#[cfg(test)] mod tests { .. }`, `mod test_utils { .. }`) are blanked
//! before the parse. Stripping removes such a module from the parsed file whole
//! ([`crate::test_code::strip_test_code`]), so no rule could have read its contents; in large files
//! they are often a quarter of the text. Whether a module is test code is decided by parsing its
//! header with the same test the stripping uses.

use crate::syntax::items::items;
use crate::syntax::lexer::{blank, blank_comments_and_strings};
use crate::test_code::is_test_module;

/// `source` with the contents of its inline test modules blanked (braces and line breaks kept), or
/// `None` when it has none.
pub(crate) fn blank_test_modules(source: &str) -> Option<String> {
    let bytes = source.as_bytes();
    // Most files have no module block at all: nothing to read.
    memchr::memmem::find(bytes, b"mod ")?;
    let code = blank_comments_and_strings(bytes);
    let found = items(&code);
    let mut text: Option<Vec<u8>> = None;
    for block in &found.blocks {
        let header = &code[block.header.clone()];
        if memchr::memmem::find(header, b"mod").is_none() {
            continue;
        }
        let Ok(header) = std::str::from_utf8(&bytes[block.header.clone()]) else {
            continue;
        };
        let Ok(module) = syn::parse_str::<syn::ItemMod>(&format!("{header}{{}}")) else {
            continue;
        };
        if !is_test_module(&module) {
            continue;
        }
        let inside = block.block.start + 1..block.block.end.saturating_sub(1);
        if inside.is_empty() {
            continue;
        }
        blank(&mut text.get_or_insert_with(|| bytes.to_vec())[inside]);
    }
    text.and_then(|text| String::from_utf8(text).ok())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_test_module_is_blanked_and_keeps_its_lines() {
        let source = "fn kept() { retry() }\n#[cfg(test)]\nmod tests {\n    fn gone() {}\n}\n";
        let blanked = blank_test_modules(source).unwrap();
        assert_eq!(
            blanked,
            "fn kept() { retry() }\n#[cfg(test)]\nmod tests {\n                \n}\n"
        );
    }

    #[test]
    fn other_modules_stay() {
        let source = "#[cfg(not(test))]\nmod a { fn x() {} }\n#[cfg(any(test, feature = \"f\"))]\n\
                      mod b { fn y() {} }\nmod net { fn z() {} }\n// mod tests { }\nfn f() { \"mod tests {}\"; }\n";
        assert_eq!(blank_test_modules(source), None);
    }

    #[test]
    fn modules_named_for_tests_and_nested_ones_are_blanked() {
        let source = "mod outer {\n    /// Helpers.\n    pub(crate) mod test_utils { fn h() { 1 } }\n    fn kept() {}\n}\n";
        let blanked = blank_test_modules(source).unwrap();
        assert!(blanked.contains("fn kept() {}"), "{blanked}");
        assert!(!blanked.contains("fn h()"), "{blanked}");
        assert_eq!(blanked.len(), source.len());
    }
}
