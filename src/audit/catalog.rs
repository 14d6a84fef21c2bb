//! The rule catalog: the human half of every rule, from the TOML files in `rules/`.
//!
//! The files are embedded at build time (see `build.rs`), so what `awscheck explain` prints is
//! exactly what the project ships; each is read from the JSON the build made of it. The
//! machine half, one check function per rule, lives in `crate::audit::rules`; a test holds the two
//! halves to each other.

use crate::audit::severity::Severity;
use serde::Deserialize;
use std::collections::BTreeMap;
use std::sync::OnceLock;

include!(concat!(env!("OUT_DIR"), "/rule_files.rs"));

/// One rule as its TOML file describes it.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RuleMeta {
    pub id: String,
    pub slug: String,
    pub title: String,
    pub severity: Severity,
    /// What the rule looks at, in one or two sentences.
    pub summary: String,
    /// Why it matters.
    pub rationale: String,
    /// How to fix it, in general; findings carry the exact command.
    pub remediation: String,
    /// The fix as the report says it, in a line or two, where `remediation` takes more; JSON,
    /// SARIF and `explain` keep the whole of it.
    #[serde(default)]
    pub brief_fix: Option<String>,
    #[serde(default)]
    pub example: Option<Example>,
    #[serde(default)]
    pub references: Vec<Reference>,
    /// Numeric settings with their defaults; user settings may override them.
    #[serde(default)]
    pub parameters: BTreeMap<String, u64>,
    /// Needs answers from IAM or STS; never fires in an offline audit.
    #[serde(default)]
    pub online: bool,
    /// How the weekly reminder says it of a profile, after its name ("dev holds a long-term
    /// key"); a finding may carry its own, with the numbers it knows.
    #[serde(default)]
    pub reminder: Option<String>,
    /// How the reminder says it of a finding about no profile; else the title.
    #[serde(default)]
    pub reminder_alone: Option<String>,
    /// The finding is about a profile's access key: a reminder of only these speaks of keys.
    #[serde(default)]
    pub about_key: bool,
}

#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Example {
    pub bad: String,
    pub good: String,
}

#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Reference {
    pub title: String,
    pub url: String,
}

/// Every rule, sorted by id.
pub fn rules() -> &'static [RuleMeta] {
    static RULES: OnceLock<Vec<RuleMeta>> = OnceLock::new();
    RULES.get_or_init(|| {
        let mut rules: Vec<RuleMeta> = RULE_JSON
            .iter()
            .map(|(stem, json)| {
                // The catalog is part of the binary and checked by the test suite; a broken
                // file here is a build defect, not user input.
                let mut rule: RuleMeta = serde_json::from_str(json)
                    .unwrap_or_else(|error| panic!("rules/{stem}.toml is invalid: {error}"));
                for prose in [
                    &mut rule.summary,
                    &mut rule.rationale,
                    &mut rule.remediation,
                ] {
                    *prose = reflow(prose);
                }
                assert_eq!(
                    &rule.slug, stem,
                    "rules/{stem}.toml: slug must match the file name"
                );
                rule
            })
            .collect();
        rules.sort_by(|a, b| a.id.cmp(&b.id));
        rules
    })
}

/// Join the hard-wrapped lines of TOML prose into paragraphs, so tables and terminals can wrap
/// it to their own width. A blank line still separates paragraphs.
fn reflow(text: &str) -> String {
    text.trim()
        .split("\n\n")
        .map(|paragraph| paragraph.split_whitespace().collect::<Vec<_>>().join(" "))
        .collect::<Vec<_>>()
        .join("\n\n")
}

/// A rule by id (`AK003`, any case) or slug (`key-too-old`).
pub fn find(name: &str) -> Option<&'static RuleMeta> {
    rules()
        .iter()
        .find(|rule| rule.slug == name || rule.id.eq_ignore_ascii_case(name))
}

/// The raw TOML of a rule file, as shipped.
pub fn source(slug: &str) -> Option<&'static str> {
    RULE_FILES
        .iter()
        .find(|(stem, _)| *stem == slug)
        .map(|(_, text)| *text)
}
