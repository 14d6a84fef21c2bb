//! `awscheck scan [PATH...]`: the deep scan on its own. Every file under the paths (the home
//! folder when none is given) is searched for the keys awscheck knows; the copies are the
//! audit's `key-copied-outside-credentials` findings, with the file and line.

use super::audit::{machine_facts, Machine, OUTPUT_BUFFER};
use super::{overrides, short_paths, style, AppError, Io, Outcome};
use crate::audit::settings::Settings;
use crate::audit::{self, Evaluation, Inputs, Scope};
use crate::cli::{AuditFormat, GlobalArgs, ScanArgs};
use crate::profiles::model::Model;
use crate::report::deep_scan::DeepScan;
use crate::report::shown::ShortPaths;
use crate::report::table::{self, Style};
use crate::report::Rows;
use crate::sys::env::Env;
use crate::sys::mask::KeyDisplay;
use crate::sys::paths;
use chrono::{DateTime, Utc};
use serde::Serialize;
use std::io::{self, BufWriter, Write};

/// The rule whose findings a scan reports.
const COPY_RULE: &str = "key-copied-outside-credentials";

pub(super) fn scan(
    args: &ScanArgs,
    global: &GlobalArgs,
    env: &Env,
    io: &mut Io,
    now: DateTime<Utc>,
) -> Result<Outcome, AppError> {
    let settings = Settings::load(global.settings.as_deref(), paths::settings_file(env))?;
    let inputs = Inputs::load(env, &overrides(global))?;
    let set = inputs.profile_set()?;
    let model = Model::build(&set);
    // A path named on the command line that is not there is a typo, as it is to ripgrep.
    for path in &args.paths {
        if let Err(e) = std::fs::symlink_metadata(path) {
            return Err(AppError::Usage(format!(
                "cannot search {}: {}",
                path.display(),
                crate::scan::reason(&e)
            )));
        }
    }
    let roots = match args.paths.is_empty() {
        false => args.paths.clone(),
        true => match crate::sys::env::home_dir(env) {
            Some(home) => vec![home],
            None => {
                return Err(AppError::Usage(
                    "no home folder to search (HOME is not set): name a PATH".to_string(),
                ))
            }
        },
    };
    let machine = Machine {
        scanning: false,
        deep: Some(roots),
        secrets: true,
    };
    let (facts, _) = machine_facts(env, &inputs, &model, &settings, machine, io.warnings, now);
    let keys = KeyDisplay {
        reveal: args.show_key_ids,
    };
    let files = inputs.into_files();
    let mut evaluation = audit::evaluate(
        &model,
        &facts,
        &files.locations,
        &settings,
        &Scope::default(),
        keys,
    );
    evaluation.findings.retain(|f| f.slug == COPY_RULE);
    evaluation
        .suppressed
        .retain(|s| s.finding.slug == COPY_RULE);
    let scan = facts.scan.as_ref().expect("a deep scan was asked for");
    let report = Report {
        deep: DeepScan::of(scan, &model).expect("the deep scan says what it searched"),
        evaluation: &evaluation,
    };
    let style = style(global, env, io);
    let paths = short_paths(env);
    let mut out = BufWriter::with_capacity(OUTPUT_BUFFER, &mut *io.out);
    match args.format {
        AuditFormat::Table => {
            let rows = Rows::new(&model, &files.locations, Some(&facts), keys, &[]);
            let about = table::rows_about(rows, &evaluation);
            report.write_text(&mut out, &about, style, &paths)?;
        }
        AuditFormat::Json => report.write_json(&mut out, now)?,
        AuditFormat::Sarif => crate::report::sarif::write(&mut out, &evaluation.findings)?,
    }
    out.flush()?;
    Ok(match evaluation.findings.is_empty() {
        true => Outcome::Clean,
        false => Outcome::Findings,
    })
}

struct Report<'a> {
    deep: DeepScan<'a>,
    evaluation: &'a Evaluation,
}

impl Report<'_> {
    /// What was searched and what was left out, the copies, and a count.
    fn write_text(
        &self,
        out: &mut dyn Write,
        about: &[crate::report::ProfileRow],
        style: Style,
        paths: &ShortPaths,
    ) -> io::Result<()> {
        for line in self.deep.lines("awscheck scan: ") {
            table::write_prose(out, &line, style, paths)?;
        }
        writeln!(out)?;
        table::write_findings(out, about, &self.evaluation.findings, style, paths)?;
        if !self.evaluation.findings.is_empty() {
            writeln!(out)?;
        }
        let count = self.evaluation.findings.len();
        let last = match count {
            0 => "No copies of keys found.".to_string(),
            1 => "1 copy of a key found.".to_string(),
            _ => format!("{count} copies of keys found."),
        };
        table::write_prose(out, &last, style, paths)
    }

    fn write_json(&self, out: &mut dyn Write, now: DateTime<Utc>) -> io::Result<()> {
        #[derive(Serialize)]
        struct Document<'a> {
            schema_version: u32,
            awscheck_version: &'static str,
            generated_at: String,
            #[serde(flatten)]
            deep: &'a DeepScan<'a>,
            findings: &'a [crate::audit::finding::Finding],
        }
        let document = Document {
            schema_version: crate::report::json::SCHEMA_VERSION,
            awscheck_version: env!("CARGO_PKG_VERSION"),
            generated_at: now.to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
            deep: &self.deep,
            findings: &self.evaluation.findings,
        };
        serde_json::to_writer_pretty(&mut *out, &document)?;
        out.write_all(b"\n")
    }
}
