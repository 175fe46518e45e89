//! `malformed_suppression`: a `// triage:allow(..)` comment that cannot be used.

use crate::finding::{Finding, Level};
use crate::rule::{Rule, RuleInfo, TextContext};

/// The rule's declaration.
pub(crate) static INFO: RuleInfo = RuleInfo {
    name: "malformed_suppression",
    default_level: Level::Warn,
    docs: DOCS,
    needles: &[],
    loop_needles: &[],
    function_needles: &[],
    only_in_triage_crates: false,
};

const DOCS: &str = "\
### What it does
Reports a `// triage:allow(..)` comment that cannot be used: no rule list, an unknown rule, or no
reason after the closing parenthesis.

### Why is this bad
A suppression hides a retryability hazard from every later reader. Without a reason nobody can
tell whether it is still justified, and a misspelt rule name suppresses nothing.

### Example
```rust
// triage:allow(default_retryable)
_ => true,
```

### Use instead
```rust
// triage:allow(default_retryable) the server documents every other status as transient
_ => true,
```
";

/// The rule. Its findings come from the suppression comments the engine reads from every file.
pub(crate) struct MalformedSuppression;

impl Rule for MalformedSuppression {
    fn info(&self) -> &'static RuleInfo {
        &INFO
    }

    fn check_text(&self, cx: &TextContext<'_>) -> Vec<Finding> {
        cx.malformed_suppressions
            .iter()
            .map(|malformed| {
                cx.report(
                    &INFO,
                    malformed.region,
                    malformed.message.clone(),
                    malformed.help.clone(),
                )
            })
            .collect()
    }
}
