//! `awscheck remind`: the weekly job. Audits (online unless `--offline`, within the audit's
//! time limits), and when a finding reaches the threshold shows a desktop notification naming
//! the profiles and the command to run; with no notification service it prints the text.
//! Silent when all is well. Every run is logged and recorded in the state folder.
//!
//! It exits 0 whether or not it notified: it is a background job, and a scheduler that sees a
//! failure may retry, mail or disable it. Only a real error (unreadable files, bad settings)
//! exits 2, and that is logged too, so `schedule status` can show it.

use super::{run_audit, AppError, Io, Outcome};
use crate::audit::settings::Settings;
use crate::cli::{AuditArgs, AuditFormat, GlobalArgs, RemindArgs};
use crate::remind::notify;
use crate::remind::{self, LastRemind, DEFAULT_MIN_SEVERITY, LAST_REMIND_FILE, LOG_FILE};
use crate::sys::atomic;
use crate::sys::env::Env;
use crate::sys::paths;
use crate::sys::state::State;
use chrono::{DateTime, Utc};
use std::io::Write;
use std::path::Path;

pub(super) fn remind(
    args: &RemindArgs,
    global: &GlobalArgs,
    env: &Env,
    io: &mut Io,
    now: DateTime<Utc>,
) -> Result<Outcome, AppError> {
    let state_dir = paths::state_dir(env);
    let state = State::new(state_dir.clone());
    // A build without online checks says so on every audit; a weekly job would mail it weekly.
    let offline = args.offline || !cfg!(feature = "online");
    let mode = if offline { "offline" } else { "online" };
    let fail = |error: AppError, warnings: &mut Vec<String>| {
        let message = error.to_string();
        append_log(
            state_dir.as_deref(),
            &remind::log_line(now, mode, &format!("error: {message}")),
            warnings,
        );
        let record = LastRemind {
            time: Some(now),
            mode: Some(mode.to_string()),
            outcome: "error".to_string(),
            detail: Some(message),
            ..LastRemind::default()
        };
        state.write(LAST_REMIND_FILE, &record, warnings);
        error
    };

    let settings = match Settings::load(global.settings.as_deref(), paths::settings_file(env)) {
        Ok(settings) => settings,
        Err(error) => return Err(fail(error.into(), io.warnings)),
    };
    let min_severity = args
        .min_severity
        .or(settings.remind.min_severity)
        .unwrap_or(DEFAULT_MIN_SEVERITY);
    let audit_args = AuditArgs {
        offline,
        no_scan: args.no_scan,
        // `[scan] deep = true`: the weekly job searches the whole home folder.
        deep: !args.no_scan && settings.scan.deep == Some(true),
        all: false,
        profiles: Vec::new(),
        format: AuditFormat::Json,
        fail_on: None,
        show_key_ids: false,
        // The audit's own defaults: bounded per key, so a dead network costs seconds.
        jobs: 8,
        timeout: 10,
        connect_timeout: 3,
    };
    let run = match run_audit(&audit_args, global, env, io.warnings, now) {
        Ok(run) => run,
        Err(error) => return Err(fail(error, io.warnings)),
    };

    let findings = &run.evaluation.findings;
    let mut record = LastRemind {
        time: Some(now),
        mode: Some(run.mode.to_string()),
        min_severity: Some(min_severity),
        findings: findings.len(),
        ..LastRemind::default()
    };
    let event = match remind::reminder(findings, min_severity) {
        None => {
            record.outcome = "nothing due".to_string();
            format!(
                "nothing due ({} findings, none at or above {min_severity})",
                findings.len()
            )
        }
        Some(reminder) => {
            record.due = reminder.due;
            record.text = Some(reminder.text.clone());
            match notify::notify(env, &reminder.title, &reminder.lines.join("\n")) {
                Ok(()) => {
                    record.outcome = "notified".to_string();
                    // Someone running it by hand sees it here as well as on the desktop.
                    if io.stdout_is_terminal {
                        writeln!(io.out, "{}", reminder.text)?;
                    }
                    format!("notified: {}", reminder.text)
                }
                Err(why) => {
                    writeln!(io.out, "{}", reminder.text)?;
                    record.outcome = "printed".to_string();
                    let event = format!("printed ({why}): {}", reminder.text);
                    record.detail = Some(why.to_string());
                    event
                }
            }
        }
    };
    append_log(
        state_dir.as_deref(),
        &remind::log_line(now, run.mode, &event),
        io.warnings,
    );
    state.write(LAST_REMIND_FILE, &record, io.warnings);
    Ok(Outcome::Clean)
}

/// Append to `remind.log` (0600), first trimming it when it has grown past its limit. A log
/// that cannot be written is a warning: the reminder itself has already been delivered.
fn append_log(dir: Option<&Path>, line: &str, warnings: &mut Vec<String>) {
    use std::fs::OpenOptions;
    use std::os::unix::fs::OpenOptionsExt;
    let Some(dir) = dir else { return };
    let path = dir.join(LOG_FILE);
    let result = (|| -> std::io::Result<()> {
        atomic::create_private_dir(dir)?;
        if std::fs::metadata(&path).is_ok_and(|m| m.len() > remind::LOG_LIMIT as u64) {
            let log = std::fs::read(&path)?;
            atomic::write(&path, remind::trim_log(&log), 0o600)?;
        }
        OpenOptions::new()
            .create(true)
            .append(true)
            .mode(0o600)
            .open(&path)?
            .write_all(line.as_bytes())
    })();
    if let Err(error) = result {
        warnings.push(format!("could not update {}: {error}", path.display()));
    }
}
