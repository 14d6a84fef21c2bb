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
    let out = &mut io.out;
    writeln!(out, "{} {}: {}", rule.id, rule.slug, rule.title)?;
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
    writeln!(out, "What it does\n  {}\n", indent(&rule.summary))?;
    writeln!(out, "Why it matters\n  {}\n", indent(&rule.rationale))?;
    if let Some(example) = &rule.example {
        writeln!(
            out,
            "Example\n  {}\n\n  Use instead:\n  {}\n",
            indent(&example.bad),
            indent(&example.good)
        )?;
    }
    writeln!(out, "Fix\n  {}\n", indent(&rule.remediation))?;
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
            writeln!(out, "  - {}: {}", reference.title, reference.url)?;
        }
    }
    Ok(Outcome::Clean)
}

fn indent(text: &str) -> String {
    text.trim().replace('\n', "\n  ")
}
