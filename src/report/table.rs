//! The human report: what was read and what the profiles are, then the findings, most severe
//! first and grouped by rule, then the count and the verdict. `--all` adds a table of every
//! profile, and `awscheck profiles` is that table.
//!
//! Everything fits the width given, and no word (key ID, profile, path, command) is cut inside
//! itself. Colour only when asked for by the caller (a terminal, no `NO_COLOR`); the text reads
//! the same without it.

use super::cells::{self, Table};
use super::findings::{self, KeyNote, Look};
use super::shown::ShortPaths;
use super::{ProfileRow, Rows};
use crate::audit::finding::Finding;
use crate::audit::severity::Severity;
use crate::audit::Evaluation;
use crate::sys::wrap::wrap;
use rustc_hash::{FxHashMap, FxHashSet};
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

/// Narrower than this, nothing reads well; the report is laid out for this many columns.
const NARROWEST: usize = 40;

/// Columns the profiles table leaves out, first to last, when they do not fit.
const OPTIONAL_COLUMNS: [&str; 6] = [
    "Region",
    "Account",
    "Key age",
    "Last used",
    "Defined at",
    "Credential",
];

/// The profiles table, made from each row as it comes, and whether a profile in it is marked
/// `*` (the one SDKs use when none is named). Where a profile is defined is cited as
/// `config:4`: the heading names the two files.
pub fn profiles_table(rows: Rows<'_>, style: Style) -> (Table, bool) {
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
    table.optional(&OPTIONAL_COLUMNS);
    let mut selected = false;
    let files = rows.file_paths();
    for row in rows.iter() {
        add_profile(&mut table, &row, online, accounts, &files);
        selected |= row.selected;
    }
    (table, selected)
}

/// `config:4` for `/home/me/.aws/config:4`.
fn short_citation<'a>(cited: &'a str, files: &[String; 2]) -> std::borrow::Cow<'a, str> {
    for (path, name) in files.iter().zip(["config", "credentials"]) {
        if let Some(line) = cited
            .strip_prefix(path.as_str())
            .and_then(|rest| rest.strip_prefix(':'))
        {
            return format!("{name}:{line}").into();
        }
    }
    cited.into()
}

fn add_profile(
    table: &mut Table,
    row: &ProfileRow,
    online: bool,
    accounts: bool,
    files: &[String; 2],
) {
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
    cells.cell(row.region.as_deref().unwrap_or("")).cell(
        &row.defined_at
            .iter()
            .map(|cited| short_citation(cited, files))
            .collect::<Vec<_>>()
            .join("\n"),
    );
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

/// `text` wrapped to the style's width, its paths shown short.
pub fn write_prose(
    out: &mut dyn Write,
    text: &str,
    style: Style,
    paths: &ShortPaths,
) -> io::Result<()> {
    let width = usize::from(style.width).max(NARROWEST);
    for line in wrap(&paths.shorten(&cells::escaped(text)), width, "", "") {
        writeln!(out, "{line}")?;
    }
    Ok(())
}

/// The audit as text: what was read, what the profiles are, the findings, and the count.
/// With `all`, a table of every profile goes after the findings.
#[allow(clippy::too_many_arguments)]
pub fn write_audit(
    out: &mut dyn Write,
    heading: &str,
    rows: Rows<'_>,
    evaluation: &Evaluation,
    fail_on: Severity,
    style: Style,
    all: bool,
    paths: &ShortPaths,
) -> io::Result<()> {
    let prose = |out: &mut dyn Write, text: &str| write_prose(out, text, style, paths);
    prose(out, heading)?;
    if let Some(line) = rows.inventory().line() {
        prose(out, &line)?;
    }
    writeln!(out)?;

    let about = rows_about(rows, evaluation);
    write_findings(out, &about, &evaluation.findings, style, paths)?;
    if !evaluation.findings.is_empty() {
        writeln!(out)?;
    }

    if all && !rows.is_empty() {
        let (table, selected) = profiles_table(rows, style);
        table.write_to(out)?;
        if selected {
            prose(
                out,
                "* selected when no profile is named (AWS_PROFILE or default)",
            )?;
        }
        writeln!(out)?;
    }
    let mut noted = false;
    for row in &about {
        if let Some(note) = &row.note {
            prose(out, &format!("note: {}: {note}", row.name))?;
            noted = true;
        }
    }
    if noted {
        writeln!(out)?;
    }
    prose(out, summary(evaluation, fail_on).trim_end())
}

/// Rows only for the profiles a finding or a note is about: the key a place line names.
pub fn rows_about(rows: Rows<'_>, evaluation: &Evaluation) -> Vec<ProfileRow> {
    let with_findings: FxHashSet<&str> = evaluation
        .findings
        .iter()
        .filter_map(|f| f.profile.as_deref())
        .collect();
    rows.rows_where(|brief| brief.noted || with_findings.contains(brief.name))
        .collect()
}

/// The findings in their groups, each place line with the key of its profile (`about`): what
/// the audit and the scan both print.
pub fn write_findings(
    out: &mut dyn Write,
    about: &[ProfileRow],
    findings: &[Finding],
    style: Style,
    paths: &ShortPaths,
) -> io::Result<()> {
    let width = usize::from(style.width).max(NARROWEST);
    let by_name: FxHashMap<&str, &ProfileRow> =
        about.iter().map(|row| (row.name.as_str(), row)).collect();
    let keys = |profile: &str| {
        let row = by_name.get(profile);
        KeyNote {
            key_id: row.and_then(|row| row.access_key_id.clone()),
            detail: row.and_then(|row| {
                // What IAM and STS said of the key (online only): the account it acts in,
                // and its age.
                let mut said = Vec::new();
                if row.arn.is_some() {
                    match (&row.account_alias, &row.account) {
                        (Some(alias), Some(account)) => said.push(format!("{alias} ({account})")),
                        (None, Some(account)) => said.push(account.clone()),
                        _ => {}
                    }
                }
                if let (Some(days), Some(true)) = (row.key_age_days, row.key_age_exact) {
                    said.push(format!("{days} d old"));
                }
                (!said.is_empty()).then(|| said.join(", "))
            }),
        }
    };
    let look = Look {
        width,
        color: style.color,
        paths,
        keys: &keys,
    };
    // No blank line between groups: each heading starts at the margin with its severity, and
    // the report stays short enough to take in at once.
    for group in &findings::groups(findings) {
        look.write_group(out, group)?;
    }
    Ok(())
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
