//! The parse-only pass that benchmarks compare the lint with: the same discovery, the same worker
//! threads and the same parser (with line/column locations), and nothing else.

use rayon::prelude::*;

use crate::engine::{discover_roots, parse_pool, Options};
use crate::parse::{forget_locations, parse_source, read_source, FileError};

/// What a parse-only pass did.
#[derive(Debug, Default)]
pub struct ParseOnly {
    /// Files parsed successfully.
    pub parsed: usize,
    /// Bytes of source read.
    pub bytes: usize,
    /// Files and paths that could not be walked, read or parsed.
    pub errors: Vec<FileError>,
}

/// Discovers the Rust files under `options.roots` and parses every one of them, keeping nothing.
pub fn parse_only(options: &Options) -> ParseOnly {
    let mut outcome = ParseOnly::default();
    let (files, walk_errors) = discover_roots(options);
    outcome.errors.extend(walk_errors);
    let pool = match parse_pool(options.jobs) {
        Ok(pool) => pool,
        Err(err) => {
            outcome.errors.push(err);
            return outcome;
        }
    };
    let results: Vec<Result<usize, FileError>> = pool.install(|| {
        files
            .par_iter()
            .map(|file| {
                let source = read_source(&file.path, &file.display)?;
                let parsed = parse_source(&source, &file.display).map(drop);
                forget_locations();
                parsed.map(|()| source.len())
            })
            .collect()
    });
    for result in results {
        match result {
            Ok(bytes) => {
                outcome.parsed += 1;
                outcome.bytes += bytes;
            }
            Err(err) => outcome.errors.push(err),
        }
    }
    outcome
}
