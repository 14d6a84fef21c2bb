//! What each subcommand does, as library functions that write to the streams they are given.
//! `main` only parses arguments and turns the result into an exit code.

use crate::audit::{self, Inputs, Scope};
use crate::catalog;
use crate::cli::{
    AuditArgs, AuditFormat, ColorChoice, Command, GlobalArgs, ListFormat, ProfilesArgs, RulesArgs,
};
use crate::env::Env;
use crate::facts::Facts;
use crate::locate::Overrides;
use crate::mask::KeyDisplay;
use crate::model::Model;
use crate::paths;
use crate::report::{self, table::Style, ProfileRow};
use crate::settings::Settings;
use crate::severity::Severity;
use crate::source::InputError;
use crate::state::{FirstSeen, State, FIRST_SEEN_FILE, OWN_USE_FILE};
use chrono::{DateTime, Utc};
use std::fmt;
use std::io::{self, Write};

/// How a run ended, as an exit code: 0 fine, 1 findings at or above `--fail-on`, 2 error.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Outcome {
    Clean,
    Findings,
}

#[derive(Debug)]
pub enum AppError {
    Input(InputError),
    Usage(String),
    Io(io::Error),
}

impl fmt::Display for AppError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            AppError::Input(error) => write!(f, "{error}"),
            AppError::Usage(message) => f.write_str(message),
            AppError::Io(error) => write!(f, "cannot write output: {error}"),
        }
    }
}

impl From<InputError> for AppError {
    fn from(error: InputError) -> Self {
        AppError::Input(error)
    }
}

impl From<io::Error> for AppError {
    fn from(error: io::Error) -> Self {
        AppError::Io(error)
    }
}

/// Where a run writes, and what it knows of the terminal.
pub struct Io<'a> {
    pub out: &'a mut dyn Write,
    pub warnings: &'a mut Vec<String>,
    pub stdout_is_terminal: bool,
    pub terminal_width: Option<u16>,
}

/// Default when neither the flag nor the settings file says: only what needs action soon.
pub const DEFAULT_FAIL_ON: Severity = Severity::High;

pub fn run(
    command: Command,
    global: &GlobalArgs,
    env: &Env,
    io: &mut Io,
    now: DateTime<Utc>,
) -> Result<Outcome, AppError> {
    match command {
        Command::Audit(args) => audit(&args, global, env, io, now),
        Command::Profiles(args) => profiles(&args, global, env, io),
        Command::Rules(args) => rules(&args, io),
        Command::Explain { rule } => explain(&rule, io),
    }
}

fn style(global: &GlobalArgs, env: &Env, io: &Io) -> Style {
    let color = match global.color {
        ColorChoice::Never => false,
        ColorChoice::Always => true,
        ColorChoice::Auto => {
            io.stdout_is_terminal
                && env.get("NO_COLOR").is_none()
                && env.get("TERM") != Some("dumb")
        }
    };
    // NO_COLOR wins even over --color always: it is the user's standing choice.
    let color = color && env.get("NO_COLOR").is_none();
    Style {
        color,
        width: io.terminal_width.unwrap_or(120),
    }
}

fn overrides(global: &GlobalArgs) -> Overrides {
    Overrides {
        config_file: global.config_file.clone(),
        credentials_file: global.credentials_file.clone(),
    }
}

fn audit(
    args: &AuditArgs,
    global: &GlobalArgs,
    env: &Env,
    io: &mut Io,
    now: DateTime<Utc>,
) -> Result<Outcome, AppError> {
    let settings = Settings::load(global.settings.as_deref(), paths::settings_file(env))?;
    let inputs = Inputs::load(env, &overrides(global))?;
    let set = inputs.profile_set()?;
    let model = Model::build(&set);
    for wanted in &args.profiles {
        if set.profile(wanted).is_none() {
            let known: Vec<&str> = model.profiles.iter().map(|p| p.name()).collect();
            return Err(AppError::Usage(format!(
                "no profile named `{wanted}` (profiles: {})",
                if known.is_empty() {
                    "none".to_string()
                } else {
                    known.join(", ")
                }
            )));
        }
    }
    let mut facts = Facts::gather(env, &inputs.sources(), now);
    let state = State::new(paths::state_dir(env));
    let mut first_seen: FirstSeen = state.read(FIRST_SEEN_FILE, io.warnings);
    let seen = model
        .profiles
        .iter()
        .filter_map(|profile| profile.own_key())
        .chain(facts.environment.access_key_id.as_deref());
    if first_seen.observe(seen, now) {
        state.write(FIRST_SEEN_FILE, &first_seen, io.warnings);
    }
    facts.first_seen = first_seen.keys;
    let mode = if args.offline {
        "offline"
    } else {
        check_online(args, &model, &set, &inputs, &state, &mut facts, io)
    };

    let keys = KeyDisplay {
        reveal: args.show_key_ids,
    };
    let scope = Scope {
        profiles: args.profiles.clone(),
    };
    let evaluation = audit::evaluate(&model, &facts, &inputs.locations, &settings, &scope, keys);
    let fail_on = args.fail_on.or(settings.fail_on).unwrap_or(DEFAULT_FAIL_ON);
    let rows: Vec<ProfileRow> = ProfileRow::all(&model, &inputs.locations, Some(&facts), keys)
        .into_iter()
        .filter(|row| scope.profiles.is_empty() || scope.profiles.contains(&row.name))
        .collect();

    match args.format {
        AuditFormat::Table => {
            let style = style(global, env, io);
            let heading = heading(&inputs, rows.len(), mode);
            let text = report::table::render_audit(&heading, &rows, &evaluation, fail_on, style);
            io.out.write_all(text.as_bytes())?;
        }
        AuditFormat::Json => {
            let document = report::json::AuditJson {
                locations: &inputs.locations,
                found: (inputs.config.is_some(), inputs.credentials.is_some()),
                profiles: &rows,
                evaluation: &evaluation,
                fail_on,
                mode,
                generated_at: now,
            };
            io.out.write_all(document.render().as_bytes())?;
        }
        AuditFormat::Sarif => io
            .out
            .write_all(report::sarif::render(&evaluation.findings).as_bytes())?,
    }
    if evaluation
        .findings
        .iter()
        .any(|finding| finding.severity >= fail_on)
    {
        Ok(Outcome::Findings)
    } else {
        Ok(Outcome::Clean)
    }
}

/// What was read, in one line: files, whether they were found, how many profiles.
fn heading(inputs: &Inputs, profiles: usize, mode: &str) -> String {
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
    io: &mut Io,
) -> &'static str {
    use crate::online::{self, Limits, OwnUse};
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
    let mut own_use: OwnUse = state.read(OWN_USE_FILE, io.warnings);
    online::check(jobs, &inputs.locations, limits, facts, &mut own_use);
    state.write(OWN_USE_FILE, &own_use, io.warnings);
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
    io: &mut Io,
) -> &'static str {
    io.warnings
        .push("this build has no online checks (built without the `online` feature)".to_string());
    "offline"
}

fn profiles(
    args: &ProfilesArgs,
    global: &GlobalArgs,
    env: &Env,
    io: &mut Io,
) -> Result<Outcome, AppError> {
    let inputs = Inputs::load(env, &overrides(global))?;
    let set = inputs.profile_set()?;
    let model = Model::build(&set);
    let keys = KeyDisplay {
        reveal: args.show_key_ids,
    };
    let rows = ProfileRow::all(&model, &inputs.locations, None, keys);
    match args.format {
        ListFormat::Table => {
            if rows.is_empty() {
                writeln!(io.out, "{}", heading(&inputs, 0, "offline"))?;
            } else {
                let table = report::table::profiles_table(&rows, style(global, env, io));
                writeln!(io.out, "{table}")?;
            }
        }
        ListFormat::Json => io
            .out
            .write_all(report::profiles::render_json(&model, &rows, keys).as_bytes())?,
    }
    Ok(Outcome::Clean)
}

fn rules(args: &RulesArgs, io: &mut Io) -> Result<Outcome, AppError> {
    match args.format {
        ListFormat::Table => {
            let style = Style {
                color: false,
                width: io.terminal_width.unwrap_or(120),
            };
            let mut table = report::table::new_table(style, &["ID", "Slug", "Severity", "Title"]);
            for rule in catalog::rules() {
                let mut title = rule.title.clone();
                if rule.online {
                    title.push_str(" (online)");
                }
                table.add_row(vec![
                    rule.id.as_str(),
                    rule.slug.as_str(),
                    rule.severity.name(),
                    title.as_str(),
                ]);
            }
            writeln!(io.out, "{table}")?;
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

fn explain(name: &str, io: &mut Io) -> Result<Outcome, AppError> {
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
