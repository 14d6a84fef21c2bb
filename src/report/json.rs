//! `awscheck audit --format json`: a stable document for scripts and dashboards.
//!
//! `schema_version` changes only when a field is removed or changes meaning.

use super::deep_scan::DeepScan;
use super::Rows;
use crate::audit::finding::Finding;
use crate::audit::severity::Severity;
use crate::audit::Evaluation;
use crate::input::locate::Locations;
use serde::Serialize;
use std::collections::BTreeMap;
use std::io::{self, Write};

pub const SCHEMA_VERSION: u32 = 1;

/// The document's fields before `profiles`.
#[derive(Serialize)]
struct Head<'a> {
    schema_version: u32,
    awscheck_version: &'static str,
    generated_at: String,
    mode: &'static str,
    files: BTreeMap<&'static str, FileEntry>,
    selected_profile: &'a str,
}

/// The document's fields after `profiles`.
#[derive(Serialize)]
struct Tail<'a> {
    /// With `--deep` only, so that an audit's document is otherwise unchanged.
    #[serde(skip_serializing_if = "Option::is_none")]
    deep_scan: Option<&'a DeepScan<'a>>,
    findings: &'a [Finding],
    suppressed: Vec<SuppressedEntry<'a>>,
    summary: Summary,
}

#[derive(Serialize)]
struct FileEntry {
    path: String,
    found: bool,
}

#[derive(Serialize)]
struct SuppressedEntry<'a> {
    rule_id: &'a str,
    slug: &'a str,
    profile: Option<&'a str>,
    reason: &'a str,
}

#[derive(Serialize)]
struct Summary {
    findings: usize,
    by_severity: BTreeMap<&'static str, usize>,
    fail_on: Severity,
    failed: bool,
}

pub struct AuditJson<'a> {
    pub locations: &'a Locations,
    pub found: (bool, bool),
    /// Made one at a time as the document is written.
    pub profiles: Rows<'a>,
    pub evaluation: &'a Evaluation,
    pub fail_on: Severity,
    pub mode: &'static str,
    pub generated_at: chrono::DateTime<chrono::Utc>,
    pub deep_scan: Option<&'a DeepScan<'a>>,
}

impl AuditJson<'_> {
    /// The document's fields before and after the rows.
    fn parts(&self) -> (Head<'_>, Tail<'_>) {
        let mut by_severity = BTreeMap::new();
        for severity in [
            Severity::Info,
            Severity::Low,
            Severity::Medium,
            Severity::High,
            Severity::Critical,
        ] {
            by_severity.insert(severity.name(), 0);
        }
        for finding in &self.evaluation.findings {
            *by_severity.entry(finding.severity.name()).or_default() += 1;
        }
        let files = BTreeMap::from([
            (
                "config",
                FileEntry {
                    path: self.locations.config.path.display().to_string(),
                    found: self.found.0,
                },
            ),
            (
                "credentials",
                FileEntry {
                    path: self.locations.credentials.path.display().to_string(),
                    found: self.found.1,
                },
            ),
        ]);
        let head = Head {
            schema_version: SCHEMA_VERSION,
            awscheck_version: env!("CARGO_PKG_VERSION"),
            generated_at: self
                .generated_at
                .to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
            mode: self.mode,
            files,
            selected_profile: &self.locations.selected_profile,
        };
        let tail = Tail {
            deep_scan: self.deep_scan,
            findings: &self.evaluation.findings,
            suppressed: self
                .evaluation
                .suppressed
                .iter()
                .map(|s| SuppressedEntry {
                    rule_id: s.finding.rule_id,
                    slug: s.finding.slug,
                    profile: s.finding.profile.as_deref(),
                    reason: &s.reason,
                })
                .collect(),
            summary: Summary {
                findings: self.evaluation.findings.len(),
                by_severity,
                fail_on: self.fail_on,
                failed: self
                    .evaluation
                    .findings
                    .iter()
                    .any(|f| f.severity >= self.fail_on),
            },
        };
        (head, tail)
    }

    /// Write the document, pretty-printed and ending in a newline, to `out` (a `BufWriter`,
    /// so that serde_json's many small writes land in its buffer).
    pub fn write<W: Write>(&self, mut out: W) -> io::Result<()> {
        let (head, tail) = self.parts();
        let document = Document {
            head,
            profiles: &self.profiles,
            tail,
        };
        serde_json::to_writer_pretty(&mut out, &document)?;
        out.write_all(b"\n")
    }
}

/// The whole document: the fields before the rows, the rows, and the fields after them.
#[derive(Serialize)]
struct Document<'a> {
    #[serde(flatten)]
    head: Head<'a>,
    profiles: &'a Rows<'a>,
    #[serde(flatten)]
    tail: Tail<'a>,
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::input::locate::{Location, Reason};
    use crate::parse::origin::FileKind;
    use crate::profiles::model::Model;
    use crate::profiles::set::ProfileSet;
    use crate::sys::mask::KeyDisplay;

    #[test]
    fn the_document_has_the_published_fields_in_order() {
        let config = "[default]\nregion = eu-west-1\n[profile admin]\nrole_arn = arn:aws:iam::123456789012:role/A\nsource_profile = dev\n[profile broken]\nrole_arn = x\n";
        let credentials =
            "[dev]\naws_access_key_id = AKIAIOSFODNN7EXAMPLE\naws_secret_access_key = s\n";
        let set = ProfileSet::from_texts(config, credentials).unwrap();
        let model = Model::build(&set);
        let location = |kind, path: &str| Location {
            kind,
            path: path.into(),
            reason: Reason::Default,
        };
        let locations = Locations {
            config: location(FileKind::Config, "/home/u/.aws/config"),
            credentials: location(FileKind::Credentials, "/home/u/.aws/credentials"),
            selected_profile: "default".to_string(),
            selected_by: None,
            cli_selected_profile: None,
        };
        let rule = &crate::audit::catalog::rules()[0];
        let evaluation = Evaluation {
            findings: vec![Finding::new(rule, "a \"finding\"").profile("dev")],
            suppressed: vec![crate::audit::Suppressed {
                finding: Finding::new(rule, "another"),
                reason: "ignored in settings".to_string(),
            }],
        };
        let no_rows: [String; 0] = [];
        let only_missing = ["nowhere".to_string()];
        for scope in [&no_rows[..], &only_missing[..]] {
            let document = AuditJson {
                locations: &locations,
                found: (true, false),
                profiles: Rows::new(&model, &locations, None, KeyDisplay::default(), scope),
                evaluation: &evaluation,
                fail_on: Severity::High,
                mode: "offline",
                generated_at: chrono::DateTime::from_timestamp(1_700_000_000, 0).unwrap(),
                deep_scan: None,
            };
            let mut written = Vec::new();
            document.write(&mut written).unwrap();
            let text = String::from_utf8(written).unwrap();
            assert!(text.ends_with("}\n") && text.starts_with("{\n  \"schema_version\": "));
            // The published schema's fields, in its order, the rows between head and tail.
            let keys: Vec<&str> = text
                .lines()
                .filter_map(|line| line.strip_prefix("  \"")?.split_once('"'))
                .map(|(key, _)| key)
                .collect();
            assert_eq!(
                keys,
                [
                    "schema_version",
                    "awscheck_version",
                    "generated_at",
                    "mode",
                    "files",
                    "selected_profile",
                    "profiles",
                    "findings",
                    "suppressed",
                    "summary"
                ]
            );
            let document: serde_json::Value = serde_json::from_str(&text).unwrap();
            assert_eq!(document["findings"][0]["message"], "a \"finding\"");
            assert_eq!(document["suppressed"][0]["reason"], "ignored in settings");
            assert_eq!(
                document["profiles"].as_array().unwrap().len(),
                if scope.is_empty() { 4 } else { 0 }
            );
        }
    }
}
