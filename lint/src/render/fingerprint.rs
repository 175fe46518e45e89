//! Fingerprints that identify a finding across runs while the lines around it move: a hash of the
//! rule, the path and the finding's code with its whitespace normalised, never its line number.
//! Two findings of one rule on the same code in one file are told apart by their order.

use std::collections::HashMap;

use crate::engine::Report;
use crate::finding::Finding;
use crate::render::{human::byte_range, portable_path};

/// The key under which SARIF's `partialFingerprints` and the baseline file hold the fingerprint;
/// the version changes whenever the hashed text does.
pub const FINGERPRINT_KEY: &str = "triageFingerprint/v1";

/// The fingerprint of every finding of a report, in the report's order.
///
/// ```
/// use triage_lint::engine::{lint, Options};
/// use triage_lint::render::fingerprint::fingerprints;
///
/// let dir = tempfile::tempdir()?;
/// let classifier = "impl E {\n    fn is_retryable(&self) -> bool {\n        match self {\n            \
///                   E::Closed => false,\n            _ => true,\n        }\n    }\n}\n";
/// std::fs::write(dir.path().join("lib.rs"), classifier)?;
/// let before = fingerprints(&lint(&Options::new(vec![dir.path().into()]), &triage_lint::rules::all()));
/// std::fs::write(dir.path().join("lib.rs"), format!("// moved down\n\n{classifier}"))?;
/// let after = fingerprints(&lint(&Options::new(vec![dir.path().into()]), &triage_lint::rules::all()));
/// assert_eq!(before, after);
/// # Ok::<(), std::io::Error>(())
/// ```
pub fn fingerprints(report: &Report) -> Vec<String> {
    let mut seen: HashMap<u64, usize> = HashMap::new();
    report
        .findings
        .iter()
        .map(|finding| {
            let source = report
                .sources
                .get(&finding.path)
                .map(String::as_str)
                .unwrap_or_default();
            let hash = hash_of(finding, source);
            let occurrence = seen.entry(hash).or_insert(0);
            *occurrence += 1;
            format!("{hash:016x}:{occurrence}")
        })
        .collect()
}

fn hash_of(finding: &Finding, source: &str) -> u64 {
    let mut hash = Fnv1a::new();
    hash.write(finding.rule.as_bytes());
    hash.write(&[0]);
    hash.write(portable_path(&finding.path).as_bytes());
    hash.write(&[0]);
    let code = source.get(byte_range(source, finding)).unwrap_or_default();
    if code.trim().is_empty() {
        // No code to go by (a finding about a whole file): the message is what identifies it.
        hash.write(normalised(&finding.message).as_bytes());
    } else {
        hash.write(normalised(code).as_bytes());
    }
    hash.finish()
}

/// The code with every run of whitespace made one space, so reindenting or rewrapping it does not
/// change the fingerprint.
fn normalised(code: &str) -> String {
    code.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// 64-bit FNV-1a: stable across platforms, Rust versions and runs, which `std`'s hasher is not.
struct Fnv1a(u64);

impl Fnv1a {
    const OFFSET_BASIS: u64 = 0xcbf2_9ce4_8422_2325;
    const PRIME: u64 = 0x0000_0100_0000_01b3;

    fn new() -> Self {
        Fnv1a(Self::OFFSET_BASIS)
    }

    fn write(&mut self, bytes: &[u8]) {
        for byte in bytes {
            self.0 ^= u64::from(*byte);
            self.0 = self.0.wrapping_mul(Self::PRIME);
        }
    }

    fn finish(&self) -> u64 {
        self.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fnv1a_matches_the_published_test_vectors() {
        let of = |text: &str| {
            let mut hash = Fnv1a::new();
            hash.write(text.as_bytes());
            hash.finish()
        };
        assert_eq!(of(""), 0xcbf2_9ce4_8422_2325);
        assert_eq!(of("a"), 0xaf63_dc4c_8601_ec8c);
        assert_eq!(of("foobar"), 0x8594_4171_f739_67e8);
    }

    #[test]
    fn whitespace_does_not_count() {
        assert_eq!(normalised("_  =>\n    true"), normalised("_ => true"));
    }
}
