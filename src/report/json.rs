//! `awscheck audit --format json`: a stable document for scripts and dashboards.
//!
//! `schema_version` changes only when a field is removed or changes meaning.

use super::Rows;
use crate::audit::Evaluation;
use crate::finding::Finding;
use crate::locate::Locations;
use crate::severity::Severity;
use serde::Serialize;
use std::collections::BTreeMap;
use std::io::{self, Write};

pub const SCHEMA_VERSION: u32 = 1;

#[derive(Serialize)]
struct AuditDocument<'a> {
    schema_version: u32,
    awscheck_version: &'static str,
    generated_at: String,
    mode: &'static str,
    files: BTreeMap<&'static str, FileEntry>,
    selected_profile: &'a str,
    profiles: Rows<'a>,
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
}

impl AuditJson<'_> {
    /// Write the document, pretty-printed and ending in a newline, straight to `out`. Generic
    /// over the writer so the serializer's many small writes go straight into a `BufWriter`'s
    /// buffer instead of through a `dyn Write` call each.
    pub fn write<W: Write>(&self, mut out: W) -> io::Result<()> {
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
        let document = AuditDocument {
            schema_version: SCHEMA_VERSION,
            awscheck_version: env!("CARGO_PKG_VERSION"),
            generated_at: self
                .generated_at
                .to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
            mode: self.mode,
            files,
            selected_profile: &self.locations.selected_profile,
            profiles: self.profiles,
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
        serde_json::to_writer_pretty(&mut out, &document)?;
        out.write_all(b"\n")
    }
}
