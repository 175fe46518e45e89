//! A byte-level pass that proves a file cannot matter before it is parsed.
//!
//! A rule lists needles, byte strings of which a file must contain one for the rule to find anything
//! in it. A file containing no needle of any enabled rule is never parsed, which is what makes the
//! lint fast on large trees; `--no-prefilter` parses everything and must give the same findings.
//! The engine matches the needles against the file's text without its plain comments (doc comments
//! kept): no rule finds anything from a word that only a plain comment holds, except `retr` starting a
//! word of retrying (`retry`, `retried`; not `retrieve`), which counts in comments too
//! (`string_classification` reads comments that speak of retrying). A rule
//! that only looks at loops may list needles that count only inside one ([`LoopNeedles`]): `sleep`
//! in a file's setup code is no reason to parse it for retry loops. Inside a file that is parsed,
//! the bodies of the functions no rule can find anything in are blanked first ([`bodies`]), and,
//! when test code is skipped, the contents of inline test modules ([`test_modules`]).

use aho_corasick::AhoCorasick;

pub(crate) mod bodies;
pub(crate) mod test_modules;

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
        let needles = shortest(needles);
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

/// The needles no other needle lies inside, ASCII case-insensitively, each once: a text holds one
/// of them exactly when it holds one of `needles` (`retr` stands for `retry`, `RETRIES` and
/// `is_retryable`). Fewer needles make a faster automaton.
fn shortest<I, S>(needles: I) -> Vec<Vec<u8>>
where
    I: IntoIterator<Item = S>,
    S: AsRef<[u8]>,
{
    let mut all: Vec<Vec<u8>> = needles
        .into_iter()
        .map(|needle| needle.as_ref().to_ascii_lowercase())
        .collect();
    all.sort_by_key(Vec::len);
    let mut kept: Vec<Vec<u8>> = Vec::new();
    for needle in all {
        let covered = kept
            .iter()
            .any(|shorter| memchr::memmem::find(&needle, shorter).is_some());
        if !covered {
            kept.push(needle);
        }
    }
    kept
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

    /// Whether `bytes` contains one of the needles.
    pub fn any_in(&self, bytes: &[u8]) -> bool {
        match &self.automaton {
            Some(automaton) => automaton.is_match(bytes),
            None => self.count > 0,
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

/// Needles that count only inside a loop (`RuleInfo::loop_needles`): a [`NeedleSet`] searched in
/// the ranges of [`crate::syntax::loops::loop_ranges`].
#[derive(Debug, Clone)]
pub struct LoopNeedles(NeedleSet);

impl LoopNeedles {
    /// A set of `needles`, identified by their index.
    pub fn new<S: AsRef<[u8]>>(needles: &[S]) -> LoopNeedles {
        LoopNeedles(NeedleSet::new(needles))
    }

    /// Whether `bytes` holds one of the needles anywhere: a quick test before the loops are read.
    pub fn may_occur(&self, bytes: &[u8]) -> bool {
        self.0.any_in(bytes)
    }

    /// For each needle, by index, whether `code` (the text without its plain comments) holds it
    /// inside a loop. The loops are only looked for when a needle is there at all.
    pub fn found_in_loops(&self, code: &[u8]) -> Vec<bool> {
        let mut found = self.0.found_in(code);
        if !found.contains(&true) {
            return found;
        }
        found.fill(false);
        // Nested ranges lie inside the outermost ones: search each outermost range once.
        let mut ranges = crate::syntax::loops::loop_ranges(code);
        ranges.sort_by_key(|range| (range.start, std::cmp::Reverse(range.end)));
        let mut searched_to = 0;
        for range in ranges {
            if range.end <= searched_to {
                continue;
            }
            searched_to = range.end;
            for (seen, here) in found.iter_mut().zip(self.0.found_in(&code[range])) {
                *seen |= here;
            }
        }
        found
    }

    /// Whether `code` holds one of the needles inside a loop (a quick test first: most texts hold
    /// none at all).
    pub fn any_in_loops(&self, code: &[u8]) -> bool {
        self.may_occur(code) && self.found_in_loops(code).contains(&true)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_loop_needle_counts_only_inside_a_loop() {
        let set = LoopNeedles::new(&["sleep", ".tick()"]);
        assert_eq!(
            set.found_in_loops(b"fn f() { sleep(d); loop { t.tick().await; } }"),
            [false, true]
        );
        assert!(!set.any_in_loops(b"fn f() { sleep(d); for x in xs { go(x); } }"));
        assert!(set.any_in_loops(b"fn f() { while busy() { SLEEP(d); } }"));
        assert!(!LoopNeedles::new::<&str>(&[]).any_in_loops(b"loop { sleep(d); }"));
    }

    #[test]
    fn a_needle_holding_another_is_dropped_from_a_prefilter() {
        let needles = [
            "RETRIES",
            "sleep",
            "retr",
            "is_retryable",
            "SLEEP",
            ".tick()",
            "tick",
        ];
        assert_eq!(
            shortest(needles),
            [b"retr".to_vec(), b"tick".to_vec(), b"sleep".to_vec()]
        );
        let prefilter = Prefilter::new(needles);
        for (text, holds) in [
            ("let n = MAX_RETRIES;", true),
            ("t.Tick()", true),
            ("thread::sleep(d)", true),
            ("retrieve(k)", true),
            ("ret(r)", false),
        ] {
            assert_eq!(prefilter.may_match(text.as_bytes()), holds, "{text}");
        }
    }

    #[test]
    fn a_needle_inside_another_is_found_too() {
        let set = NeedleSet::new(&["tokio_retry", "retr", "sleep", "absent"]);
        assert_eq!(
            set.found_in(b"use tokio_retry::Retry; SLEEP"),
            [true, true, true, false]
        );
    }
}
