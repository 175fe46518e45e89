//! The parse-only pass that benchmarks compare the lint with: the same discovery, the same worker
//! threads and the same parser (with line/column locations), and nothing else.

use rayon::prelude::*;

use crate::discover::{discover, DiscoveryOptions};
use crate::engine::Options;
use crate::parse::{forget_locations, parse_source, read_source, FileError, PARSE_STACK_SIZE};

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
    let discovery = DiscoveryOptions {
        include_tests: options.include_tests,
        exclude: options.config.exclude.clone(),
    };
    let mut files = Vec::new();
    for root in &options.roots {
        let (found, walk_errors) = discover(root, &discovery);
        files.extend(found);
        outcome
            .errors
            .extend(walk_errors.into_iter().map(|err| FileError {
                path: err.path,
                location: None,
                message: err.message,
            }));
    }
    let mut builder = rayon::ThreadPoolBuilder::new().stack_size(PARSE_STACK_SIZE);
    if let Some(jobs) = options.jobs {
        builder = builder.num_threads(jobs.max(1));
    }
    let pool = match builder.build() {
        Ok(pool) => pool,
        Err(err) => {
            outcome.errors.push(FileError {
                path: ".".into(),
                location: None,
                message: format!("cannot start worker threads: {err}"),
            });
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
