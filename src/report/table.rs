//! The human report: a profile overview, then findings grouped by profile.
//!
//! Colour only when asked for by the caller (a terminal, no `NO_COLOR`); the text reads the
//! same without it.

use super::ProfileRow;
use crate::audit::Evaluation;
use crate::finding::Finding;
use crate::severity::Severity;
use comfy_table::{presets, Attribute, Cell, Color, ContentArrangement, Table};
use std::fmt::Write as _;

/// How to draw tables.
#[derive(Clone, Copy, Debug)]
pub struct Style {
    pub color: bool,
    /// Columns to fit in; tables wrap long text to it.
    pub width: u16,
}

pub fn new_table(style: Style, header: &[&str]) -> Table {
    let mut table = Table::new();
    table
        .load_style(presets::UTF8_FULL_CONDENSED)
        .set_content_arrangement(ContentArrangement::Dynamic)
        .set_width(style.width);
    if style.color {
        table.enforce_styling();
    } else {
        table.force_no_tty();
    }
    table.set_header(
        header
            .iter()
            .map(|title| Cell::new(title).add_attribute(Attribute::Bold)),
    );
    table
}

pub fn profiles_table(rows: &[ProfileRow], style: Style) -> Table {
    let online = rows.iter().any(|row| row.last_used.is_some());
    let mut header = vec!["Profile", "Credential", "Access key", "Key age"];
    if online {
        header.push("Last used");
    }
    header.extend(["Region", "Defined at"]);
    let mut table = new_table(style, &header);
    for row in rows {
        let name = if row.selected {
            format!("{} *", row.name)
        } else {
            row.name.clone()
        };
        let age = match (row.key_age_days, row.key_age_exact) {
            (Some(days), Some(true)) => format!("{days} d"),
            (Some(days), _) => format!("≥ {days} d"),
            (None, _) => String::new(),
        };
        let mut kind = row.kind_label();
        if row.chain.len() > 1 {
            kind.push_str(&format!("\nvia {}", row.chain[1..].join(" → ")));
        }
        let mut cells = vec![
            Cell::new(name),
            Cell::new(kind),
            Cell::new(row.access_key_id.as_deref().unwrap_or("")),
            Cell::new(age),
        ];
        if online {
            cells.push(Cell::new(last_used(row)));
        }
        cells.push(Cell::new(row.region.as_deref().unwrap_or("")));
        cells.push(Cell::new(row.defined_at.join("\n")));
        table.add_row(cells);
    }
    table
}

fn last_used(row: &ProfileRow) -> String {
    let Some(used) = &row.last_used else {
        return String::new();
    };
    match (used.days_ago, &used.service) {
        (None, _) => "never".to_string(),
        (Some(0), Some(service)) => format!("today, {service}"),
        (Some(0), None) => "today".to_string(),
        (Some(days), Some(service)) => format!("{days} d ago, {service}"),
        (Some(days), None) => format!("{days} d ago"),
    }
}

/// The audit as text: header line, profiles, findings by profile, summary.
pub fn render_audit(
    heading: &str,
    rows: &[ProfileRow],
    evaluation: &Evaluation,
    fail_on: Severity,
    style: Style,
) -> String {
    let mut out = String::new();
    writeln!(out, "{heading}\n").unwrap();
    if !rows.is_empty() {
        writeln!(out, "{}", profiles_table(rows, style)).unwrap();
        if rows.iter().any(|row| row.selected) {
            writeln!(
                out,
                "* selected when no profile is named (AWS_PROFILE or default)"
            )
            .unwrap();
        }
        for row in rows {
            if let Some(note) = &row.note {
                writeln!(out, "note: {}: {note}", row.name).unwrap();
            }
        }
        writeln!(out).unwrap();
    }
    if !evaluation.findings.is_empty() {
        writeln!(out, "{}\n", findings_table(&evaluation.findings, style)).unwrap();
    }
    out.push_str(&summary(evaluation, fail_on));
    out
}

/// One table, grouped by profile: the profile's name heads its first row.
pub fn findings_table(findings: &[Finding], style: Style) -> Table {
    let mut table = new_table(style, &["Profile", "Severity", "Finding", "Fix"]);
    let mut previous: Option<Option<&str>> = None;
    for finding in findings {
        let profile = finding.profile.as_deref();
        let group = if previous == Some(profile) {
            String::new()
        } else {
            profile.unwrap_or("(machine)").to_string()
        };
        previous = Some(profile);
        let mut text = format!("{}\n{} {}", finding.message, finding.rule_id, finding.slug);
        if !finding.evidence.is_empty() {
            text.push_str(&format!(": {}", finding.evidence));
        }
        text.push_str(&format!("\nat {}", finding.location()));
        let mut severity = Cell::new(finding.severity.name());
        if style.color {
            severity = severity.fg(color(finding.severity));
        }
        table.add_row(vec![
            Cell::new(group),
            severity,
            Cell::new(text),
            Cell::new(&finding.remediation),
        ]);
    }
    table
}

pub fn summary(evaluation: &Evaluation, fail_on: Severity) -> String {
    let total = evaluation.findings.len();
    let mut parts = Vec::new();
    for severity in [
        Severity::Critical,
        Severity::High,
        Severity::Medium,
        Severity::Low,
        Severity::Info,
    ] {
        let count = evaluation
            .findings
            .iter()
            .filter(|f| f.severity == severity)
            .count();
        if count > 0 {
            parts.push(format!("{count} {severity}"));
        }
    }
    let mut line = match total {
        0 => "No findings.".to_string(),
        1 => format!("1 finding ({}).", parts.join(", ")),
        _ => format!("{total} findings ({}).", parts.join(", ")),
    };
    if !evaluation.suppressed.is_empty() {
        line.push_str(&format!(
            " {} ignored by your settings.",
            evaluation.suppressed.len()
        ));
    }
    let failing = evaluation
        .findings
        .iter()
        .filter(|f| f.severity >= fail_on)
        .count();
    if failing > 0 {
        line.push_str(&format!(" {failing} at or above --fail-on {fail_on}."));
    }
    line.push('\n');
    line
}

fn color(severity: Severity) -> Color {
    match severity {
        Severity::Critical => Color::Magenta,
        Severity::High => Color::Red,
        Severity::Medium => Color::Yellow,
        Severity::Low => Color::Cyan,
        Severity::Info => Color::Grey,
    }
}
