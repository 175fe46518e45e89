//! Reading and parsing one file, with locations, in a thread that has a large stack.

use std::path::Path;

/// Stack size of the parsing threads: deeply nested code (10,000 parentheses) recurses deeply in
/// the tokenizer, the parser, the visitors and the destructors.
pub const PARSE_STACK_SIZE: usize = 512 * 1024 * 1024;

/// A file that could not be read or parsed, located as precisely as possible.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FileError {
    /// The file as reported (root-relative).
    pub path: std::path::PathBuf,
    /// 1-based line and column of a syntax error.
    pub location: Option<(usize, usize)>,
    /// What went wrong.
    pub message: String,
}

impl std::fmt::Display for FileError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}", self.path.display())?;
        if let Some((line, column)) = self.location {
            write!(f, ":{line}:{column}")?;
        }
        write!(f, ": {}", self.message)
    }
}

/// Reads a file as UTF-8 text.
pub fn read_source(path: &Path, display: &Path) -> Result<String, FileError> {
    let bytes = std::fs::read(path).map_err(|err| FileError {
        path: display.to_path_buf(),
        location: None,
        message: format!("cannot read the file: {err}"),
    })?;
    String::from_utf8(bytes).map_err(|err| {
        let offset = err.utf8_error().valid_up_to();
        let valid = String::from_utf8_lossy(&err.as_bytes()[..offset]).into_owned();
        let line = valid.matches('\n').count() + 1;
        let column = valid.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1;
        FileError {
            path: display.to_path_buf(),
            location: Some((line, column)),
            message: "the file is not valid UTF-8".to_owned(),
        }
    })
}

/// Parses Rust source; a syntax error is located at its span.
///
/// Locations are recorded in a per-thread source map; call [`forget_locations`] once nothing parsed
/// on this thread is needed any more.
pub fn parse_source(source: &str, display: &Path) -> Result<syn::File, FileError> {
    if let Some((line, column)) = too_deep(source) {
        return Err(FileError {
            path: display.to_path_buf(),
            location: Some((line, column)),
            message: format!(
                "brackets nest more than {MAX_NESTING} levels deep here; the file is not parsed"
            ),
        });
    }
    // A shebang line syn skips by itself; cargo-script front matter it does not know.
    let source = crate::syntax::lexer::without_front_matter(source);
    syn::parse_file(&source).map_err(|err| {
        let start = err.span().start();
        FileError {
            path: display.to_path_buf(),
            location: Some((start.line.max(1), start.column + 1)),
            message: format!("cannot parse the file: {err}"),
        }
    })
}

/// The deepest bracket nesting parsed; deeper files are reported instead of risking the stack.
pub const MAX_NESTING: usize = 20_000;

/// The line and column where bracket nesting first exceeds [`MAX_NESTING`]. Brackets inside strings
/// and comments are counted too, which only matters for files that are absurdly deep anyway.
fn too_deep(source: &str) -> Option<(usize, usize)> {
    let mut depth = 0usize;
    let mut deepest = 0usize;
    for (offset, byte) in source.bytes().enumerate() {
        match byte {
            b'(' | b'[' | b'{' => {
                depth += 1;
                deepest = deepest.max(depth);
                if depth > MAX_NESTING {
                    let before = &source[..offset];
                    let line = before.matches('\n').count() + 1;
                    let column = before.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1;
                    return Some((line, column));
                }
            }
            b')' | b']' | b'}' => depth = depth.saturating_sub(1),
            _ => {}
        }
    }
    None
}

/// Frees the locations recorded for everything parsed on this thread; spans of syntax trees parsed
/// before must not be used afterwards.
pub fn forget_locations() {
    proc_macro2::extra::invalidate_current_thread_spans();
}
