//! A byte-level pass that proves a file cannot matter before it is parsed.
//!
//! A rule lists needles, byte strings of which a file must contain one for the rule to find anything
//! in it. A file containing no needle of any enabled rule is never parsed, which is what makes the
//! lint fast on large trees; `--no-prefilter` parses everything and must give the same findings.
//! The engine matches the needles against the file's text without its plain comments (doc comments
//! kept): no rule finds anything from a word that only a plain comment holds, except `retr`, which
//! counts in comments too (`string_classification` reads comments that speak of retrying).

use aho_corasick::AhoCorasick;

/// A compiled set of needles, matched ASCII case-insensitively (a superset of exact matches, so a
/// rule may list `retr` for `retry`, `Retryable` and `RETRIES`); an empty set matches nothing.
#[derive(Debug, Clone)]
pub struct Prefilter {
    automaton: Option<AhoCorasick>,
    /// Set when needles were given but could not be compiled: every file must then be parsed.
    match_all: bool,
}

impl Prefilter {
    /// A prefilter matching any of `needles`.
    pub fn new<I, S>(needles: I) -> Prefilter
    where
        I: IntoIterator<Item = S>,
        S: AsRef<[u8]>,
    {
        let needles: Vec<S> = needles.into_iter().collect();
        if needles.is_empty() {
            return Prefilter {
                automaton: None,
                match_all: false,
            };
        }
        // Building only fails on absurd pattern sizes, which a rule list cannot reach; treating
        // that as "match everything" keeps the prefilter sound.
        let automaton = AhoCorasick::builder()
            .ascii_case_insensitive(true)
            .build(&needles)
            .ok();
        let match_all = automaton.is_none();
        Prefilter {
            automaton,
            match_all,
        }
    }

    /// `true` when `bytes` contains one of the needles.
    pub fn may_match(&self, bytes: &[u8]) -> bool {
        match &self.automaton {
            Some(automaton) => automaton.is_match(bytes),
            None => self.match_all,
        }
    }
}

/// Which of a list of needles a text contains, matched ASCII case-insensitively like
/// [`Prefilter`]'s.
#[derive(Debug, Clone)]
pub struct NeedleSet {
    /// `None` when the needles could not be compiled: every needle then counts as present.
    automaton: Option<AhoCorasick>,
    count: usize,
}

impl NeedleSet {
    /// A set of `needles`, identified by their index.
    pub fn new<S: AsRef<[u8]>>(needles: &[S]) -> NeedleSet {
        let automaton = AhoCorasick::builder()
            .ascii_case_insensitive(true)
            .build(needles)
            .ok();
        NeedleSet {
            automaton,
            count: needles.len(),
        }
    }

    /// For each needle, by index, whether `bytes` contains it (overlapping occurrences count).
    pub fn found_in(&self, bytes: &[u8]) -> Vec<bool> {
        let Some(automaton) = &self.automaton else {
            return vec![true; self.count];
        };
        let mut found = vec![false; self.count];
        let mut left = self.count;
        for hit in automaton.find_overlapping_iter(bytes) {
            let seen = &mut found[hit.pattern().as_usize()];
            if !*seen {
                *seen = true;
                left -= 1;
                if left == 0 {
                    break;
                }
            }
        }
        found
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_needle_inside_another_is_found_too() {
        let set = NeedleSet::new(&["tokio_retry", "retr", "sleep", "absent"]);
        assert_eq!(
            set.found_in(b"use tokio_retry::Retry; SLEEP"),
            [true, true, true, false]
        );
    }
}
