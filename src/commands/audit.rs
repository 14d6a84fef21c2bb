//! `awscheck audit`.

use super::{overrides, short_paths, style, AppError, Io, Outcome, DEFAULT_FAIL_ON};
use crate::audit::facts::Facts;
use crate::audit::settings::Settings;
use crate::audit::severity::Severity;
use crate::audit::{self, Evaluation, InputFiles, Inputs, Scope};
use crate::cli::{AuditArgs, AuditFormat, GlobalArgs};
use crate::input::locate::Locations;
use crate::profiles::model::Model;
use crate::report::deep_scan::DeepScan;
use crate::report::shown::ShortPaths;
use crate::report::table::Style;
use crate::report::{self, ProfileRow, Rows};
use crate::sys::env::Env;
use crate::sys::mask::KeyDisplay;
use crate::sys::paths;
use crate::sys::state::{FirstSeen, State, FIRST_SEEN_FILE};
use chrono::{DateTime, Utc};
use std::io::{self, BufWriter, Write};

/// Large enough that even a big report goes out in few write calls.
pub(super) const OUTPUT_BUFFER: usize = 64 * 1024;

/// One audit's results, owned, for any report or for `remind`.
#[derive(Debug)]
pub struct AuditRun {
    pub files: InputFiles,
    pub rows: Vec<ProfileRow>,
    pub evaluation: Evaluation,
    /// `online` or `offline`.
    pub mode: &'static str,
    pub fail_on: Severity,
}

impl AuditRun {
    pub fn outcome(&self) -> Outcome {
        outcome(&self.evaluation, self.fail_on)
    }
}

fn outcome(evaluation: &Evaluation, fail_on: Severity) -> Outcome {
    if evaluation
        .findings
        .iter()
        .any(|finding| finding.severity >= fail_on)
    {
        Outcome::Findings
    } else {
        Outcome::Clean
    }
}

/// One audit, worked out, borrowing the profiles it read: what a report is made from. Rows
/// are made on demand, as the report is written.
struct Audit<'a> {
    files: &'a InputFiles,
    rows: Rows<'a>,
    evaluation: Evaluation,
    mode: &'static str,
    fail_on: Severity,
    /// What `--deep` searched.
    deep: Option<DeepScan<'a>>,
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
    audit_with(args, global, env, warnings, now, |audit| AuditRun {
        files: audit.files.clone(),
        rows: audit.rows.iter().collect(),
        evaluation: std::mem::take(&mut audit.evaluation),
        mode: audit.mode,
        fail_on: audit.fail_on,
    })
}

/// Run the audit and hand it to `report`; everything it borrows lives until `report` returns.
fn audit_with<R>(
    args: &AuditArgs,
    global: &GlobalArgs,
    env: &Env,
    warnings: &mut Vec<String>,
    now: DateTime<Utc>,
    report: impl FnOnce(&mut Audit<'_>) -> R,
) -> Result<R, AppError> {
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
    let scanning = !args.no_scan && settings.scan.enabled != Some(false);
    let (mut facts, stored) = machine_facts(
        env,
        &inputs,
        &model,
        &settings,
        Machine {
            scanning,
            deep: args
                .deep
                .then(|| crate::sys::env::home_dir(env).into_iter().collect()),
            secrets: scanning || args.deep || !args.offline,
        },
        warnings,
        now,
    );
    let files = inputs.into_files();
    let state = State::new(paths::state_dir(env));
    let mut first_seen: FirstSeen = state.read(FIRST_SEEN_FILE, warnings);
    let seen = model
        .key_holders()
        .map(|(_, key_id)| key_id)
        .chain(facts.environment.access_key_id.as_deref());
    if first_seen.observe(seen, now) {
        state.write(FIRST_SEEN_FILE, &first_seen, warnings);
    }
    facts.first_seen = first_seen.keys.into_iter().collect();
    let mode = if args.offline {
        "offline"
    } else {
        let asked = Asked {
            env,
            model: &model,
            protected: &stored,
        };
        check_online(args, asked, &files.locations, &state, &mut facts, warnings)
    };

    let keys = KeyDisplay {
        reveal: args.show_key_ids,
    };
    let scope = Scope {
        profiles: args.profiles.clone(),
    };
    let evaluation = audit::evaluate(&model, &facts, &files.locations, &settings, &scope, keys);
    let mut audit = Audit {
        deep: facts
            .scan
            .as_ref()
            .and_then(|scan| DeepScan::of(scan, &model)),
        files: &files,
        rows: Rows::new(&model, &files.locations, Some(&facts), keys, &args.profiles),
        evaluation,
        mode,
        fail_on: args.fail_on.or(settings.fail_on).unwrap_or(DEFAULT_FAIL_ON),
    };
    let result = report(&mut audit);
    Ok(result)
}

pub(super) fn audit(
    args: &AuditArgs,
    global: &GlobalArgs,
    env: &Env,
    io: &mut Io,
    now: DateTime<Utc>,
) -> Result<Outcome, AppError> {
    let style = style(global, env, io);
    let paths = short_paths(env);
    let Io { out, warnings, .. } = io;
    audit_with(args, global, env, warnings, now, |audit| {
        // Reports are written in many small pieces; stdout is line-buffered, so without a
        // buffer of our own a large report would cost a write call per line.
        let mut out = BufWriter::with_capacity(OUTPUT_BUFFER, &mut **out);
        write_report(&mut out, args, audit, (style, &paths), now)?;
        out.flush()?;
        Ok(outcome(&audit.evaluation, audit.fail_on))
    })?
}

fn write_report<W: Write>(
    out: &mut W,
    args: &AuditArgs,
    audit: &Audit,
    (style, paths): (Style, &ShortPaths),
    now: DateTime<Utc>,
) -> io::Result<()> {
    match args.format {
        AuditFormat::Table => {
            let mut heading = heading(audit.files, audit.mode);
            for line in audit.deep.iter().flat_map(|deep| deep.lines("deep scan: ")) {
                heading.push('\n');
                heading.push_str(&line);
            }
            report::table::write_audit(
                out,
                &heading,
                audit.rows,
                &audit.evaluation,
                audit.fail_on,
                style,
                args.all,
                paths,
            )
        }
        AuditFormat::Json => report::json::AuditJson {
            locations: &audit.files.locations,
            found: (audit.files.config_found, audit.files.credentials_found),
            profiles: audit.rows,
            evaluation: &audit.evaluation,
            fail_on: audit.fail_on,
            mode: audit.mode,
            generated_at: now,
            deep_scan: audit.deep.as_ref(),
        }
        .write(out),
        AuditFormat::Sarif => report::sarif::write(out, &audit.evaluation.findings),
    }
}

/// What to gather of the machine besides the files.
#[derive(Clone)]
pub(super) struct Machine {
    /// Look for copies of keys outside the two files, in the fixed list of places.
    pub scanning: bool,
    /// Search every file under these folders too (the deep scan).
    pub deep: Option<Vec<std::path::PathBuf>>,
    /// Fetch the protected keys' secrets from the store, to look for and to sign with.
    pub secrets: bool,
}

/// The facts an audit and an incident start from: the environment and the files, the
/// protected keys (their secrets, by key ID, with `machine.secrets`) and the copies the scan
/// finds.
pub(super) fn machine_facts(
    env: &Env,
    inputs: &Inputs,
    model: &Model,
    settings: &Settings,
    machine: Machine,
    warnings: &mut Vec<String>,
    now: DateTime<Utc>,
) -> (Facts, std::collections::HashMap<String, String>) {
    let mut facts = Facts::gather(env, &inputs.sources(), now);
    // The secret store is asked once: which protected keys it lacks, and their secrets, to
    // look for copies of them and to sign with online.
    let stored = protected_keys(env, model, &mut facts, machine.secrets);
    if !machine.scanning && machine.deep.is_none() {
        return (facts, stored);
    }
    let cwd = std::env::current_dir().ok();
    let known = audit::known_secrets(env, model, &stored);
    let mut scan = machine.scanning.then(|| {
        crate::scan::scan(
            env,
            &inputs.locations,
            cwd.as_deref(),
            &settings.scan.extra_paths,
            &known,
        )
    });
    if let Some(roots) = &machine.deep {
        use std::io::IsTerminal;
        let deep = crate::scan::deep_scan(
            env,
            &inputs.locations,
            cwd.as_deref(),
            roots,
            &settings.scan.skip(),
            &known,
            std::io::stderr().is_terminal(),
        );
        use crate::scan::record::{LastDeepScan, DEEP_SCAN_FILE};
        let state = State::new(paths::state_dir(env));
        let last: LastDeepScan = state.read(DEEP_SCAN_FILE, warnings);
        if let Some(record) = last.after(&deep, now) {
            state.write(DEEP_SCAN_FILE, &record, warnings);
        }
        scan = Some(match scan {
            Some(mut fixed) => {
                fixed.add_deep(deep);
                fixed
            }
            None => deep,
        });
    }
    if let Some(scan) = &scan {
        // A file that cannot be read is worth a line, never a failed run; a deep scan's many
        // are summed up past the first few.
        const SHOWN: usize = 10;
        warnings.extend(
            scan.notes
                .iter()
                .take(SHOWN)
                .map(|note| format!("not scanned: {note}")),
        );
        if scan.notes.len() > SHOWN {
            warnings.push(format!(
                "not scanned: {} more files or folders that could not be read",
                scan.notes.len() - SHOWN
            ));
        }
    }
    facts.scan = scan;
    (facts, stored)
}

/// What was read, in one line: the files, and whether they were found.
/// How many profiles there are, and of what kind, the report's next line says.
pub(crate) fn heading(input: &InputFiles, mode: &str) -> String {
    let describe = |path: &std::path::Path, found: bool| {
        if found {
            path.display().to_string()
        } else {
            format!("{} (not found)", path.display())
        }
    };
    let files = format!(
        "{}, {}",
        describe(&input.locations.config.path, input.config_found),
        describe(&input.locations.credentials.path, input.credentials_found)
    );
    if !input.config_found && !input.credentials_found {
        return format!("No AWS config or credentials file found ({files}): no profiles to audit.");
    }
    let mut line = format!("awscheck audit ({mode}): {files}");
    if let Some(cli) = &input.locations.cli_selected_profile {
        line.push_str(&format!(
            "\nnote: AWS_DEFAULT_PROFILE={cli} makes the AWS CLI use `{cli}`, while SDKs use `{}`",
            input.locations.selected_profile
        ));
    }
    line
}

/// Ask the secret store about the protected profiles' keys (`awscheck protect`): which keys
/// it lacks, for the rule, and with `secrets` (the online audit) the keys themselves, to sign
/// with. It never unlocks anything: an audit never prompts. Nothing is asked when no profile
/// is protected.
pub(super) fn protected_keys(
    env: &Env,
    model: &Model,
    facts: &mut Facts,
    secrets: bool,
) -> std::collections::HashMap<String, String> {
    use crate::profiles::model::CredentialKind;
    use crate::protect::keychain::{self, Entry};
    let mut found = std::collections::HashMap::new();
    let protected: Vec<(&str, &str)> = model
        .key_holders()
        .filter(|(p, _)| p.kind == CredentialKind::ProtectedKey)
        .map(|(p, key_id)| (p.name(), key_id))
        .collect();
    if protected.is_empty() {
        return found;
    }
    let mut note = |key_id: &str, text: String| {
        for (profile, _) in protected.iter().filter(|(_, id)| *id == key_id) {
            facts.notes.insert(profile.to_string(), text.clone());
        }
    };
    let store = match keychain::open(env) {
        Ok(store) => store,
        Err(e) => {
            for (_, key_id) in &protected {
                note(
                    key_id,
                    format!("cannot ask the secret store about its key: {e}"),
                );
            }
            return found;
        }
    };
    let mut asked = std::collections::HashSet::new();
    for (_, key_id) in &protected {
        if !asked.insert(*key_id) {
            continue;
        }
        match store.exists(Entry::Key(key_id)) {
            Ok(false) => {
                facts.missing_from_store.insert(key_id.to_string());
            }
            Ok(true) if secrets => match keychain::peek_key(store.as_ref(), key_id) {
                Ok(Some(key)) => {
                    found.insert(key_id.to_string(), key.secret_access_key);
                }
                Ok(None) => {}
                Err(e) => note(
                    key_id,
                    format!(
                        "its key was neither looked for on this machine nor checked online: {e}"
                    ),
                ),
            },
            Ok(true) => {}
            Err(e) => note(
                key_id,
                format!("cannot ask the secret store about its key: {e}"),
            ),
        }
    }
    found
}

/// The keys the online audit asks about: the profiles', and the protected ones' secrets from
/// the store; the environment for how each profile reaches AWS.
#[cfg_attr(not(feature = "online"), allow(dead_code))]
struct Asked<'a> {
    env: &'a Env,
    model: &'a Model<'a>,
    protected: &'a std::collections::HashMap<String, String>,
}

/// Ask IAM and STS about every long-term key; returns the audit's mode for the report.
#[cfg(feature = "online")]
fn check_online(
    args: &AuditArgs,
    asked: Asked,
    locations: &Locations,
    state: &State,
    facts: &mut Facts,
    warnings: &mut Vec<String>,
) -> &'static str {
    use crate::online::{self, Limits, OwnUse};
    use crate::sys::state::OWN_USE_FILE;
    use std::time::Duration;
    let (jobs, notes) = online::plan(asked.model, asked.protected, asked.env);
    facts.notes.extend(notes);
    if jobs.is_empty() {
        return "online";
    }
    // The table is for a person; JSON and SARIF (and `remind`, which reads JSON) are for
    // programs, whose stderr may still be a terminal.
    let progress = args.format == crate::cli::AuditFormat::Table
        && std::io::IsTerminal::is_terminal(&std::io::stderr());
    let limits = Limits {
        progress,
        jobs: usize::from(args.jobs),
        connect_timeout: Duration::from_secs(args.connect_timeout),
        key_timeout: Duration::from_secs(args.timeout),
    };
    let mut own_use: OwnUse = state.read(OWN_USE_FILE, warnings);
    online::check(jobs, locations, limits, facts, &mut own_use);
    state.write(OWN_USE_FILE, &own_use, warnings);
    "online"
}

#[cfg(not(feature = "online"))]
fn check_online(
    _: &AuditArgs,
    _: Asked,
    _: &Locations,
    _: &State,
    _: &mut Facts,
    warnings: &mut Vec<String>,
) -> &'static str {
    warnings
        .push("this build has no online checks (built without the `online` feature)".to_string());
    "offline"
}
