//! What a classifier's doc comment says it is for: one documented as only feeding what is shown
//! (a log line, a printed message, a metric) decides no retry, whatever it answers.

/// What a display-only classifier's answer feeds (lowercase words).
const DISPLAY_USES: &[&str] = &[
    "printing",
    "print",
    "display",
    "displaying",
    "logging",
    "log",
    "logs",
    "metrics",
    "metric",
    "diagnostics",
    "reporting",
];

/// Whether a doc comment (lowercase, in reading order) says its function is only used for what
/// is shown (`/// Only used for printing.`, `/// For logging purposes only.`).
pub(super) fn says_display_only_in(doc: &str) -> bool {
    doc.split(['.', ';', ':']).any(says_display_only)
}

/// `only used for printing`, `used only in logs`, `only for metrics`, `for logging purposes
/// only`: "only" next to a use that merely shows the answer.
fn says_display_only(sentence: &str) -> bool {
    let words: Vec<&str> = sentence
        .split(|c: char| !c.is_alphanumeric())
        .filter(|word| !word.is_empty())
        .collect();
    words.iter().enumerate().any(|(at, word)| {
        if !DISPLAY_USES.contains(word) || at == 0 {
            return false;
        }
        let before = &words[..at];
        let after = &words[at + 1..];
        // "when" would read "only retries when logging is enabled" as display-only.
        let introduced = matches!(before.last(), Some(&("for" | "in" | "to")));
        // "only used for X", "used only for X", "only for X".
        let leading = &before[..before.len() - 1];
        let only_before = introduced && leading.iter().rev().take(2).any(|w| *w == "only");
        // "for X only", "for X purposes only".
        let only_after =
            introduced && matches!(after, ["only", ..] | ["purposes" | "purpose", "only", ..]);
        only_before || only_after
    })
}

#[cfg(test)]
mod tests {
    use super::says_display_only;

    #[test]
    fn display_only_sentences() {
        for sentence in [
            "any error worth trying again only used for printing",
            "used only for logging",
            "only in metrics",
            "for logging purposes only",
            "this is only used to print a hint",
        ] {
            assert!(says_display_only(sentence), "{sentence}");
        }
        for sentence in [
            "only retries transient errors and logs the rest",
            "used for logging and for the retry loop",
            "returns true when the error can be retried",
            "only retries when logging is enabled",
        ] {
            assert!(!says_display_only(sentence), "{sentence}");
        }
    }
}
