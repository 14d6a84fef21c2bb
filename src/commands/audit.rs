//! `awscheck audit`.

use super::{overrides, style, AppError, Io, Outcome, DEFAULT_FAIL_ON};
use crate::audit::{self, Evaluation, Inputs, Scope};
use crate::cli::{AuditArgs, AuditFormat, GlobalArgs};
use crate::env::Env;
use crate::facts::Facts;
use crate::mask::KeyDisplay;
use crate::model::Model;
use crate::paths;
use crate::report::{self, ProfileRow};
use crate::settings::Settings;
use crate::severity::Severity;
use crate::state::{FirstSeen, State, FIRST_SEEN_FILE};
use chrono::{DateTime, Utc};

/// One audit's results, owned, for any report or for `remind`.
#[derive(Debug)]
pub struct AuditRun {
    pub inputs: Inputs,
    pub rows: Vec<ProfileRow>,
    pub evaluation: Evaluation,
    /// `online` or `offline`.
    pub mode: &'static str,
    pub fail_on: Severity,
}

impl AuditRun {
    pub fn outcome(&self) -> Outcome {
        if self
            .evaluation
            .findings
            .iter()
            .any(|finding| finding.severity >= self.fail_on)
        {
            Outcome::Findings
        } else {
            Outcome::Clean
        }
    }
}

/// Read the files, gather facts (online unless `--offline`), run the rules. Never prompts and
/// never writes the user's files; keeps its own records in the state folder.
pub fn run_audit(
    args: &AuditArgs,
    global: &GlobalArgs,
    env: &Env,
    warnings: &mut Vec<String>,
    now: DateTime<Utc>,
) -> Result<AuditRun, AppError> {
    let settings = Settings::load(global.settings.as_deref(), paths::settings_file(env))?;
    let inputs = Inputs::load(env, &overrides(global))?;
    let set = inputs.profile_set()?;
    let model = Model::build(&set);
    for wanted in &args.profiles {
        if set.profile(wanted).is_none() {
            let known: Vec<&str> = model.profiles.iter().map(|p| p.name()).collect();
            let known = if known.is_empty() {
                "none".to_string()
            } else {
                known.join(", ")
            };
            return Err(AppError::Usage(format!(
                "no profile named `{wanted}` (profiles: {known})"
            )));
        }
    }
    let mut facts = Facts::gather(env, &inputs.sources(), now);
    let state = State::new(paths::state_dir(env));
    let mut first_seen: FirstSeen = state.read(FIRST_SEEN_FILE, warnings);
    let seen = model
        .profiles
        .iter()
        .filter_map(|profile| profile.own_key())
        .chain(facts.environment.access_key_id.as_deref());
    if first_seen.observe(seen, now) {
        state.write(FIRST_SEEN_FILE, &first_seen, warnings);
    }
    facts.first_seen = first_seen.keys;
    let mode = if args.offline {
        "offline"
    } else {
        check_online(args, &model, &set, &inputs, &state, &mut facts, warnings)
    };

    let keys = KeyDisplay {
        reveal: args.show_key_ids,
    };
    let scope = Scope {
        profiles: args.profiles.clone(),
    };
    let evaluation = audit::evaluate(&model, &facts, &inputs.locations, &settings, &scope, keys);
    let rows: Vec<ProfileRow> = ProfileRow::all(&model, &inputs.locations, Some(&facts), keys)
        .into_iter()
        .filter(|row| scope.profiles.is_empty() || scope.profiles.contains(&row.name))
        .collect();
    Ok(AuditRun {
        inputs,
        rows,
        evaluation,
        mode,
        fail_on: args.fail_on.or(settings.fail_on).unwrap_or(DEFAULT_FAIL_ON),
    })
}

pub(super) fn audit(
    args: &AuditArgs,
    global: &GlobalArgs,
    env: &Env,
    io: &mut Io,
    now: DateTime<Utc>,
) -> Result<Outcome, AppError> {
    let run = run_audit(args, global, env, io.warnings, now)?;
    match args.format {
        AuditFormat::Table => {
            let style = style(global, env, io);
            let heading = heading(&run.inputs, run.rows.len(), run.mode);
            let text = report::table::render_audit(
                &heading,
                &run.rows,
                &run.evaluation,
                run.fail_on,
                style,
            );
            io.out.write_all(text.as_bytes())?;
        }
        AuditFormat::Json => {
            let document = report::json::AuditJson {
                locations: &run.inputs.locations,
                found: (
                    run.inputs.config.is_some(),
                    run.inputs.credentials.is_some(),
                ),
                profiles: &run.rows,
                evaluation: &run.evaluation,
                fail_on: run.fail_on,
                mode: run.mode,
                generated_at: now,
            };
            io.out.write_all(document.render().as_bytes())?;
        }
        AuditFormat::Sarif => io
            .out
            .write_all(report::sarif::render(&run.evaluation.findings).as_bytes())?,
    }
    Ok(run.outcome())
}

/// What was read, in one line: files, whether they were found, how many profiles.
pub(crate) fn heading(inputs: &Inputs, profiles: usize, mode: &str) -> String {
    let describe = |path: &std::path::Path, found: bool| {
        if found {
            path.display().to_string()
        } else {
            format!("{} (not found)", path.display())
        }
    };
    let files = format!(
        "{}, {}",
        describe(&inputs.locations.config.path, inputs.config.is_some()),
        describe(
            &inputs.locations.credentials.path,
            inputs.credentials.is_some()
        )
    );
    if inputs.config.is_none() && inputs.credentials.is_none() {
        return format!("No AWS config or credentials file found ({files}): no profiles to audit.");
    }
    let noun = if profiles == 1 { "profile" } else { "profiles" };
    let mut line = format!("awscheck audit ({mode}): {profiles} {noun} from {files}");
    if let Some(cli) = &inputs.locations.cli_selected_profile {
        line.push_str(&format!(
            "\nnote: AWS_DEFAULT_PROFILE={cli} makes the AWS CLI use `{cli}`, while SDKs use `{}`",
            inputs.locations.selected_profile
        ));
    }
    line
}

/// Ask IAM and STS about every long-term key; returns the audit's mode for the report.
#[cfg(feature = "online")]
fn check_online(
    args: &AuditArgs,
    model: &Model,
    set: &crate::profile_set::ProfileSet,
    inputs: &Inputs,
    state: &State,
    facts: &mut Facts,
    warnings: &mut Vec<String>,
) -> &'static str {
    use crate::online::{self, Limits, OwnUse};
    use crate::state::OWN_USE_FILE;
    use std::time::Duration;
    let (jobs, notes) = online::plan(model, set);
    facts.notes.extend(notes);
    if jobs.is_empty() {
        return "online";
    }
    let limits = Limits {
        jobs: usize::from(args.jobs),
        connect_timeout: Duration::from_secs(args.connect_timeout),
        key_timeout: Duration::from_secs(args.timeout),
    };
    let mut own_use: OwnUse = state.read(OWN_USE_FILE, warnings);
    online::check(jobs, &inputs.locations, limits, facts, &mut own_use);
    state.write(OWN_USE_FILE, &own_use, warnings);
    "online"
}

#[cfg(not(feature = "online"))]
fn check_online(
    _: &AuditArgs,
    _: &Model,
    _: &crate::profile_set::ProfileSet,
    _: &Inputs,
    _: &State,
    _: &mut Facts,
    warnings: &mut Vec<String>,
) -> &'static str {
    warnings
        .push("this build has no online checks (built without the `online` feature)".to_string());
    "offline"
}
