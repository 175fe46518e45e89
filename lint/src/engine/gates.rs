//! Which rules a file's text lets run: the needles of the enabled rules compiled once for the
//! tree (see [`crate::prefilter`]), and the gates each file's text opens.

use std::collections::HashSet;

use crate::finding::Level;
use crate::prefilter::bodies::BodyNeedles;
use crate::prefilter::{LoopNeedles, NeedleSet, Prefilter};
use crate::rule::Rule;

/// Which rules can find anything in a file, by the promise the prefilter relies on: a rule finds
/// nothing in a file that contains none of its needles and none of the words classifier
/// recognition depends on (the classifier names, [`crate::retry_words::CLASSIFIER_NEEDLES`],
/// `Classify`). Without those words the file has no classifier either. A file the prefilter lets
/// through for one rule is then not searched by every other rule.
pub(super) struct RuleGates {
    needles: NeedleSet,
    /// For each enabled rule, in order, the indices of its own needles.
    rules: Vec<Vec<usize>>,
    /// The needles that count only inside a loop (`RuleInfo::loop_needles`).
    loop_needles: LoopNeedles,
    /// For each enabled rule, in order, the indices of its own loop needles.
    loop_rules: Vec<Vec<usize>>,
    /// The indices of the words classifier recognition depends on; each opens every gate.
    classifier_words: Vec<usize>,
    /// The index of [`COMMENT_NEEDLE`] among the needles, if a rule lists it.
    comment_needle: Option<usize>,
    /// The needles, function needles and loop needles of the rules that run outside crates
    /// depending on triage: a function whose text (with the comments and attributes before it)
    /// holds none of them, a loop needle counting only inside one of its loops, has a body no
    /// rule reads, unless something kept calls it.
    pub(super) body_needles: BodyNeedles,
}

/// The one needle that counts in plain comments too: `string_classification` takes a comment that
/// speaks of retrying, beside a branch chosen by a text check, as that branch's decision.
pub(super) const COMMENT_NEEDLE: &[u8] = b"retr";

/// Whether `bytes` (comments included) hold [`COMMENT_NEEDLE`] as the start of a word of retrying
/// (`retry`, `retried`, not `retrieve`), ASCII case-insensitively (see
/// [`crate::retry_words::mentions_retr`]).
pub(super) fn mentions_comment_needle(bytes: &[u8]) -> bool {
    crate::retry_words::mentions_retr(bytes)
}

/// The index of `needle` in `list`, added at the end when it is not there yet.
fn index_in(list: &mut Vec<String>, needle: &str) -> usize {
    match list.iter().position(|n| n == needle) {
        Some(index) => index,
        None => {
            list.push(needle.to_owned());
            list.len() - 1
        }
    }
}

/// The gates a file's text opens.
pub(super) struct OpenGates {
    /// For each enabled rule, in order, whether it runs.
    pub(super) rules: Vec<bool>,
    /// Whether the file may hold a classifier.
    pub(super) classifiers: bool,
}

impl RuleGates {
    pub(super) fn new(
        enabled: &[(&dyn Rule, Level)],
        classifier_names: &HashSet<String>,
    ) -> RuleGates {
        let mut needles: Vec<String> = Vec::new();
        let mut classifier_words: Vec<usize> = classifier_names
            .iter()
            .map(String::as_str)
            .chain(crate::retry_words::CLASSIFIER_NEEDLES.iter().copied())
            .chain(["Classify"])
            .map(|needle| index_in(&mut needles, needle))
            .collect();
        classifier_words.sort_unstable();
        classifier_words.dedup();
        let rules = enabled
            .iter()
            .map(|(rule, _)| {
                rule.needles()
                    .iter()
                    .map(|n| index_in(&mut needles, n))
                    .collect()
            })
            .collect();
        let mut loop_needles: Vec<String> = Vec::new();
        let loop_rules = enabled
            .iter()
            .map(|(rule, _)| {
                rule.loop_needles()
                    .iter()
                    .map(|n| index_in(&mut loop_needles, n))
                    .collect()
            })
            .collect();
        let comment_needle = needles
            .iter()
            .position(|needle| needle.as_bytes().eq_ignore_ascii_case(COMMENT_NEEDLE));
        // Bodies are only blanked in crates that do not depend on triage: the needles of rules
        // that only run in those crates keep nothing.
        let body_words: Vec<&str> = running(enabled, false)
            .flat_map(|rule| rule.needles().iter().chain(rule.function_needles()))
            .copied()
            .chain(
                classifier_words
                    .iter()
                    .map(|index| needles[*index].as_str()),
            )
            .collect();
        RuleGates {
            body_needles: BodyNeedles::new(&body_words, loop_prefilter(enabled, false)),
            needles: NeedleSet::new(&needles),
            rules,
            loop_needles: LoopNeedles::new(&loop_needles),
            loop_rules,
            classifier_words,
            comment_needle,
        }
    }

    /// The gates `code` (the file's text without its plain comments) opens; `comment_needle`
    /// says whether the whole text, comments included, holds [`COMMENT_NEEDLE`].
    pub(super) fn open_in(&self, code: &[u8], comment_needle: bool) -> OpenGates {
        let mut found = self.needles.found_in(code);
        if comment_needle {
            if let Some(index) = self.comment_needle {
                found[index] = true;
            }
        }
        let classifiers = self.classifier_words.iter().any(|index| found[*index]);
        let mut rules: Vec<bool> = self
            .rules
            .iter()
            .map(|needles| classifiers || needles.iter().any(|index| found[*index]))
            .collect();
        // The loops are looked for only when a closed gate has loop needles to open it.
        let mut in_loops: Option<Vec<bool>> = None;
        for (open, needles) in rules.iter_mut().zip(&self.loop_rules) {
            if *open || needles.is_empty() {
                continue;
            }
            let in_loops = in_loops.get_or_insert_with(|| self.loop_needles.found_in_loops(code));
            *open = needles.iter().any(|index| in_loops[*index]);
        }
        OpenGates { rules, classifiers }
    }
}

/// The enabled rules that can find something in a crate: outside one that depends on triage,
/// those that only apply inside one are left out.
fn running<'r>(
    enabled: &'r [(&'r dyn Rule, Level)],
    crate_uses_triage: bool,
) -> impl Iterator<Item = &'r dyn Rule> {
    enabled
        .iter()
        .map(|(rule, _)| *rule)
        .filter(move |rule| crate_uses_triage || !rule.only_in_triage_crates())
}

/// The loop needles of the enabled rules (see `RuleInfo::loop_needles`); outside a crate that
/// depends on triage, those of rules that only apply inside one are left out.
pub(super) fn loop_prefilter(
    enabled: &[(&dyn Rule, Level)],
    crate_uses_triage: bool,
) -> LoopNeedles {
    let mut needles: Vec<&str> = running(enabled, crate_uses_triage)
        .flat_map(|rule| rule.loop_needles().iter().copied())
        .collect();
    needles.sort_unstable();
    needles.dedup();
    LoopNeedles::new(&needles)
}

/// The prefilter for the enabled rules: their needles, plus the classifier names and `Classify`,
/// which every rule built on classifier detection depends on. Outside a crate that depends on
/// triage, the needles of rules that only apply inside one are left out.
pub(super) fn rule_prefilter(
    enabled: &[(&dyn Rule, Level)],
    classifier_names: &HashSet<String>,
    crate_uses_triage: bool,
) -> Prefilter {
    if enabled.is_empty() {
        return Prefilter::new(Vec::<String>::new());
    }
    let mut needles: Vec<String> = running(enabled, crate_uses_triage)
        .flat_map(|rule| rule.needles().iter().map(|n| (*n).to_owned()))
        .collect();
    needles.extend(classifier_names.iter().cloned());
    needles.extend(
        crate::retry_words::CLASSIFIER_NEEDLES
            .iter()
            .map(|needle| (*needle).to_owned()),
    );
    needles.push("Classify".to_owned());
    needles.sort();
    needles.dedup();
    Prefilter::new(needles)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::prefilter::bodies::{blank_idle_bodies, scan_items};
    use crate::syntax::lexer::blank_plain_comments;

    /// `source` as the default rules' gates blank it in a crate that does not depend on triage.
    fn blanked(source: &str) -> String {
        let rules = crate::rules::all();
        let enabled: Vec<(&dyn Rule, Level)> = rules
            .iter()
            .map(|rule| (*rule, rule.default_level()))
            .filter(|(_, level)| *level != Level::Allow)
            .collect();
        let gates = RuleGates::new(&enabled, &HashSet::new());
        let (code, found) = scan_items(source);
        let plain = blank_plain_comments(source.as_bytes());
        blank_idle_bodies(source, &plain, &code, &found, &gates.body_needles)
            .unwrap_or_else(|| source.to_owned())
    }

    #[test]
    fn needles_of_rules_for_triage_crates_keep_no_body_elsewhere() {
        let source = "fn open() -> Result<File, Error> { File::open(PATH) }\n\
            fn fetch() { loop { retry_once() } }";
        let text = blanked(source);
        assert!(!text.contains("File::open"));
        assert!(text.contains("retry_once()"));
    }

    #[test]
    fn a_sleep_outside_every_loop_keeps_no_body() {
        let source = "fn settle() { std::thread::sleep(D); rx.recv().unwrap(); }\n\
            fn wait() { while !ready() { std::thread::sleep(D) } }";
        let text = blanked(source);
        assert!(!text.contains("rx.recv()"));
        assert!(text.contains("while !ready()"));
    }
}
