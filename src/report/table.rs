//! The human report: a profile overview, then findings grouped by profile.
//!
//! Colour only when asked for by the caller (a terminal, no `NO_COLOR`); the text reads the
//! same without it.

use super::cells::{self, Color, Table};
use super::{Brief, ProfileRow, Rows};
use crate::audit::finding::{thousands, Finding};
use crate::audit::severity::Severity;
use crate::audit::Evaluation;
use crate::profiles::model::CredentialKind;
use rustc_hash::FxHashSet;
use std::fmt;
use std::io::{self, Write};

/// How to draw tables.
#[derive(Clone, Copy, Debug)]
pub struct Style {
    pub color: bool,
    /// Columns to fit in; tables wrap long text to it.
    pub width: u16,
}

pub fn new_table(style: Style, header: &[&str]) -> Table {
    Table::new(style.width, style.color, header)
}

/// What goes under the profiles table: the legend for `*` and any per-profile notes.
#[derive(Debug, Default)]
pub struct Footnotes {
    /// Some profile is marked `*`, the one SDKs use when none is named.
    pub selected: bool,
    /// `(profile, note)`, in table order.
    pub notes: Vec<(String, String)>,
}

/// Profiles left out of the audit's table because there is nothing to say about them, counted
/// by kind (and SSO session) for one line under it.
#[derive(Debug, Default)]
pub struct Folded {
    /// `(kind, sso-session for SSO profiles, how many)`, in the order first seen.
    groups: Vec<(CredentialKind, Option<String>, usize)>,
}

impl Folded {
    fn add(&mut self, profile: &Brief) {
        let kind = profile.credential_kind;
        let session = profile.sso_session.filter(|_| kind == CredentialKind::Sso);
        let group = self.groups.iter_mut().find(|(other, other_session, _)| {
            *other == kind && other_session.as_deref() == session
        });
        match group {
            Some((_, _, count)) => *count += 1,
            None => self.groups.push((kind, session.map(str::to_string), 1)),
        }
    }

    /// `3,000 SSO profiles (sso-session corp), 30 assume role profiles: nothing to report.`
    fn line(&self) -> Option<String> {
        if self.groups.is_empty() {
            return None;
        }
        let parts: Vec<String> = self
            .groups
            .iter()
            .map(|(kind, session, count)| {
                let noun = if *count == 1 { "profile" } else { "profiles" };
                let count = thousands(*count);
                match (session, kind.label().split_once(" (")) {
                    (Some(session), _) => {
                        format!("{count} {kind} {noun} (sso-session {session})")
                    }
                    (None, Some((kind, detail))) => format!("{count} {kind} {noun} ({detail}"),
                    (None, None) => format!("{count} {kind} {noun}"),
                }
            })
            .collect();
        Some(format!(
            "{}: nothing to report. `awscheck profiles` lists them; `awscheck audit --all` shows them here.",
            parts.join(", ")
        ))
    }
}

/// Whether a profile earns its row in the audit: it holds or uses a long-term or temporary
/// key, it has a finding or a note, or it cannot be resolved. The rest (SSO, roles on SSO,
/// credential processes, settings only) fold into one line.
fn worth_a_row(profile: &Brief, with_findings: &FxHashSet<&str>) -> bool {
    let keyed = |kind: CredentialKind| {
        matches!(
            kind,
            CredentialKind::LongTermKey | CredentialKind::SessionKey | CredentialKind::ProtectedKey
        )
    };
    keyed(profile.credential_kind)
        || profile.root_kind.is_some_and(keyed)
        || profile.credential_kind == CredentialKind::Invalid
        || profile.noted
        || with_findings.contains(profile.name)
}

/// The profiles table, made from each row as it comes, and what to say under it.
pub fn profiles_table(rows: Rows<'_>, style: Style) -> (Table, Footnotes) {
    profiles_table_where(rows, style, |_| true).0
}

/// The profiles table of the rows `keep` accepts; the others are counted in [`Folded`].
fn profiles_table_where<'a>(
    rows: Rows<'a>,
    style: Style,
    keep: impl Fn(&Brief<'a>) -> bool + 'a,
) -> ((Table, Footnotes), Folded) {
    let online = rows.any_last_used();
    let accounts = rows.any_account();
    let mut header = vec!["Profile", "Credential"];
    if accounts {
        header.push("Account");
    }
    header.extend(["Access key", "Key age"]);
    if online {
        header.push("Last used");
    }
    header.extend(["Region", "Defined at"]);
    let mut table = new_table(style, &header);
    let mut footnotes = Footnotes::default();
    let mut folded = Folded::default();
    for row in rows.rows_where(keep) {
        let row = match row {
            Ok(row) => row,
            Err(profile) => {
                folded.add(&profile);
                continue;
            }
        };
        add_profile(&mut table, &row, online, accounts);
        footnotes.selected |= row.selected;
        if let Some(note) = row.note {
            footnotes.notes.push((row.name, note));
        }
    }
    ((table, footnotes), folded)
}

fn add_profile(table: &mut Table, row: &ProfileRow, online: bool, accounts: bool) {
    let mut cells = table.row();
    match row.selected {
        true => cells.cell_fmt(format_args!("{} *", row.name)),
        false => cells.cell(&row.name),
    };
    cells.cell_fmt(format_args!("{}", Credential(row)));
    if accounts {
        match (&row.account_alias, &row.account) {
            (Some(alias), Some(account)) => cells.cell_fmt(format_args!("{alias} ({account})")),
            (_, Some(account)) => cells.cell(account),
            (_, None) => cells.cell(""),
        };
    }
    cells.cell(row.access_key_id.as_deref().unwrap_or(""));
    match (row.key_age_days, row.key_age_exact) {
        (Some(days), Some(true)) => cells.cell_fmt(format_args!("{days} d")),
        // Offline, the age counts from the day awscheck first saw the key: on that day "≥ 0 d"
        // is true but reads like a bug.
        (Some(0), _) => cells.cell("first seen today"),
        (Some(days), _) => cells.cell_fmt(format_args!("≥ {days} d")),
        (None, _) => cells.cell(""),
    };
    if online {
        cells.cell(&last_used(row));
    }
    cells
        .cell(row.region.as_deref().unwrap_or(""))
        .cell_lines(row.defined_at.iter().map(String::as_str));
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

/// The audit as text: header line, profiles, findings by profile, summary. Written straight
/// to `out`, so no copy of the whole report is ever held in memory.
/// With `all` false, profiles with nothing to report fold into one line: on a setup with
/// thousands of SSO profiles the findings would otherwise scroll away under them.
pub fn write_audit(
    out: &mut dyn Write,
    heading: &str,
    rows: Rows<'_>,
    evaluation: &Evaluation,
    fail_on: Severity,
    style: Style,
    all: bool,
) -> io::Result<()> {
    writeln!(out, "{}\n", cells::escaped(heading))?;
    let mut drawn = None;
    if !rows.is_empty() {
        let with_findings: FxHashSet<&str> = evaluation
            .findings
            .iter()
            .filter_map(|f| f.profile.as_deref())
            .collect();
        let ((table, footnotes), folded) =
            profiles_table_where(rows, style, |row| all || worth_a_row(row, &with_findings));
        if !table.is_empty() {
            table.write_to(out)?;
        }
        if let Some(line) = folded.line() {
            writeln!(out, "{line}")?;
        }
        drawn = Some(table);
        if footnotes.selected {
            writeln!(
                out,
                "* selected when no profile is named (AWS_PROFILE or default)"
            )?;
        }
        for (profile, note) in &footnotes.notes {
            writeln!(out, "note: {profile}: {}", cells::escaped(note))?;
        }
        writeln!(out)?;
    }
    if !evaluation.findings.is_empty() {
        let table = match drawn {
            Some(table) => table.recycle(&FINDINGS_HEADER),
            None => new_table(style, &FINDINGS_HEADER),
        };
        add_findings(table, &evaluation.findings).write_to(out)?;
        writeln!(out)?;
    }
    out.write_all(summary(evaluation, fail_on).as_bytes())
}

const FINDINGS_HEADER: [&str; 4] = ["Profile", "Severity", "Finding", "Fix"];

/// The findings table, grouped by profile: the profile's name heads its first row.
fn add_findings(mut table: Table, findings: &[Finding]) -> Table {
    let mut previous: Option<Option<&str>> = None;
    for finding in findings {
        let profile = finding.profile.as_deref();
        let group = match previous == Some(profile) {
            true => "",
            false => profile.unwrap_or("(machine)"),
        };
        previous = Some(profile);
        let mut cells = table.row();
        cells
            .cell(group)
            .colored(finding.severity.name(), color(finding.severity));
        cells
            .cell_fmt(format_args!("{}", FindingText(finding)))
            .cell(&finding.remediation);
    }
    table
}

/// The credential column: `assume role ← long-term key`, then `via a → b` for a role chain.
struct Credential<'a>(&'a ProfileRow);

impl fmt::Display for Credential<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let row = self.0;
        match row.root_kind {
            Some(root) => write!(f, "{} ← {root}", row.credential_kind)?,
            None => f.write_str(row.credential_kind.label())?,
        }
        if let Some((first, rest)) = row.chain.get(1..).and_then(<[String]>::split_first) {
            write!(f, "\nvia {first}")?;
            for link in rest {
                write!(f, " → {link}")?;
            }
        }
        Ok(())
    }
}

/// The finding column: the message, the rule and its evidence, and where.
struct FindingText<'a>(&'a Finding);

impl fmt::Display for FindingText<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let finding = self.0;
        write!(
            f,
            "{}\n{} {}",
            finding.message, finding.rule_id, finding.slug
        )?;
        if !finding.evidence.is_empty() {
            write!(f, ": {}", finding.evidence)?;
        }
        write!(f, "\nat {}", finding.location())
    }
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
