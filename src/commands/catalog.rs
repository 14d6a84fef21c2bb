//! `awscheck rules` and `awscheck explain`.

use super::{AppError, Io, Outcome};
use crate::audit::catalog;
use crate::cli::{ListFormat, RulesArgs};
use crate::report::{self, table::Style};
use std::io::Write;

pub(super) fn rules(args: &RulesArgs, io: &mut Io) -> Result<Outcome, AppError> {
    match args.format {
        ListFormat::Table => {
            let style = Style {
                color: false,
                width: io.table_width,
            };
            let mut table = report::table::new_table(style, &["ID", "Slug", "Severity", "Title"]);
            for rule in catalog::rules() {
                let mut title = rule.title.clone();
                if rule.online {
                    title.push_str(" (online)");
                }
                table
                    .row()
                    .cell(&rule.id)
                    .cell(&rule.slug)
                    .cell(rule.severity.name())
                    .cell(&title);
            }
            table.write_to(io.out)?;
            writeln!(
                io.out,
                "Run `awscheck explain ID` for what a rule checks, why, and how to fix it."
            )?;
        }
        ListFormat::Json => {
            let list: Vec<serde_json::Value> = catalog::rules()
                .iter()
                .map(|rule| {
                    serde_json::json!({
                        "id": rule.id, "slug": rule.slug, "title": rule.title,
                        "severity": rule.severity, "online": rule.online, "parameters": rule.parameters,
                    })
                })
                .collect();
            writeln!(
                io.out,
                "{}",
                serde_json::to_string_pretty(&list).expect("plain data serialises")
            )?;
        }
    }
    Ok(Outcome::Clean)
}

pub(super) fn explain(name: &str, io: &mut Io) -> Result<Outcome, AppError> {
    let rule = catalog::find(name)
        .ok_or_else(|| AppError::Usage(format!("no rule `{name}` (see `awscheck rules`)")))?;
    // Prose reads best at most 100 columns wide, as man pages keep it.
    let columns = usize::from(io.table_width).clamp(40, 100);
    let prose = |text: &str| wrapped(text, columns);
    let out = &mut io.out;
    writeln!(
        out,
        "{}",
        prose(&format!("{} {}: {}", rule.id, rule.slug, rule.title)).trim_start()
    )?;
    writeln!(
        out,
        "Severity: {}{}\n",
        rule.severity,
        if rule.online {
            " (needs IAM: online audit only)"
        } else {
            ""
        }
    )?;
    writeln!(out, "What it does\n{}\n", prose(&rule.summary))?;
    writeln!(out, "Why it matters\n{}\n", prose(&rule.rationale))?;
    if let Some(example) = &rule.example {
        writeln!(
            out,
            "Example\n  {}\n\n  Use instead:\n  {}\n",
            indent(&example.bad),
            indent(&example.good)
        )?;
    }
    writeln!(out, "Fix\n{}\n", prose(&rule.remediation))?;
    if let Some(paths) = known_paths(&rule.slug) {
        writeln!(out, "Paths awscheck knows")?;
        for path in paths {
            let actions: Vec<String> = path
                .needs
                .iter()
                .map(|need| need.any.join(" or "))
                .collect();
            let line = format!(
                "{} ({}; {})",
                path.says.replace(" {target}", ""),
                actions.join(" + "),
                path.source
            );
            for line in crate::sys::wrap::wrap(&line, columns, "  - ", "    ") {
                writeln!(out, "{line}")?;
            }
        }
        writeln!(out)?;
    }
    if !rule.parameters.is_empty() {
        writeln!(
            out,
            "Parameters (set in your settings file under [rules.{}])",
            rule.slug
        )?;
        for (name, default) in &rule.parameters {
            writeln!(out, "  {name} = {default}")?;
        }
        writeln!(out)?;
    }
    if !rule.references.is_empty() {
        writeln!(out, "References")?;
        for reference in &rule.references {
            let line = format!("{}: {}", reference.title, reference.url);
            for line in crate::sys::wrap::wrap(&line, columns, "  - ", "    ") {
                writeln!(out, "{line}")?;
            }
        }
    }
    Ok(Outcome::Clean)
}

/// The catalogue of paths a rule reports, for its explanation.
fn known_paths(slug: &str) -> Option<&'static [crate::audit::policy::paths::Path]> {
    let catalogue = crate::audit::policy::paths::catalogue();
    match slug {
        "key-has-admin-access" => Some(&catalogue.admin),
        "key-can-take-over-compute" => Some(&catalogue.takeover),
        _ => None,
    }
}

/// `text`'s paragraphs wrapped at spaces to `columns`, each line indented by two.
fn wrapped(text: &str, columns: usize) -> String {
    let paragraphs: Vec<String> = text
        .trim()
        .split("\n\n")
        .map(|paragraph| {
            crate::sys::wrap::wrap(&paragraph.replace('\n', " "), columns, "  ", "  ").join("\n")
        })
        .collect();
    paragraphs.join("\n\n")
}

fn indent(text: &str) -> String {
    text.trim().replace('\n', "\n  ")
}
