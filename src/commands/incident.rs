//! `awscheck incident`: every credential on the machine, and every key's use since a time.

use super::{AppError, Io, Outcome};
use crate::cli::{GlobalArgs, IncidentArgs};
use crate::sys::env::Env;
use chrono::{DateTime, Utc};

#[cfg(feature = "online")]
pub(super) fn incident(
    args: &IncidentArgs,
    global: &GlobalArgs,
    env: &Env,
    io: &mut Io,
    now: DateTime<Utc>,
) -> Result<Outcome, AppError> {
    use super::audit::{machine_facts, Machine, OUTPUT_BUFFER};
    use super::{overrides, short_paths, style};
    use crate::audit::settings::Settings;
    use crate::audit::suggest::Suggest;
    use crate::audit::Inputs;
    use crate::cli::IncidentFormat;
    use crate::incident::inventory::{inventory, read_caches};
    use crate::incident::look::{self, Ask, Limits};
    use crate::incident::usage::Known;
    use crate::incident::{outcome, scope, text};
    use crate::online::OwnUse;
    use crate::profiles::model::Model;
    use crate::sys::mask::KeyDisplay;
    use crate::sys::paths;
    use crate::sys::state::{State, OWN_USE_FILE};
    use std::io::{BufWriter, IsTerminal, Write};
    use std::time::Duration;

    if args.resume {
        return contain::resume(args, env, io, now);
    }
    let settings = Settings::load(global.settings.as_deref(), paths::settings_file(env))?;
    let inputs = Inputs::load(env, &overrides(global))?;
    let set = inputs.profile_set()?;
    let model = Model::build(&set);
    let since = scope::since(&args.since, now).map_err(AppError::Usage)?;
    let regions = scope::regions(args.regions.as_deref(), &model).map_err(AppError::Usage)?;
    let keys = KeyDisplay {
        reveal: args.show_key_ids,
    };
    let machine = Machine {
        scanning: !args.no_scan && settings.scan.enabled != Some(false),
        deep: args
            .deep
            .then(|| crate::sys::env::home_dir(env).into_iter().collect()),
        secrets: true,
    };
    let (facts, stored) = machine_facts(env, &inputs, &model, &settings, machine, io.warnings, now);
    let caches = crate::sys::env::home_dir(env)
        .map(|home| read_caches(&home.join(".aws")))
        .unwrap_or_default();
    let held = inventory(&model, &facts, &caches);

    let ask = Ask {
        signers: signers(&model, &stored, env, &inputs.locations.selected_profile),
        strays: held
            .iter()
            .filter(|credential| credential.stray)
            .filter_map(|credential| credential.key_id.clone())
            .filter(|key_id| key_id != DOCUMENTATION_KEY)
            .collect(),
        regions: regions.clone(),
        since,
    };
    let limits = Limits {
        connect_timeout: Duration::from_secs(args.connect_timeout),
        call_timeout: Duration::from_secs(args.connect_timeout.max(10)),
        whole: Duration::from_secs(args.timeout),
        progress: args.format == IncidentFormat::Table && std::io::stderr().is_terminal(),
    };
    let state = State::new(paths::state_dir(env));
    let started = Utc::now();
    let trails = look::look(&ask, &inputs.locations, limits, keys);
    // The keys signed calls just now: the audit must not take that for their own use.
    let mut own_use: OwnUse = state.read(OWN_USE_FILE, io.warnings);
    for signer in &ask.signers {
        own_use.record(&signer.key_id, started, Utc::now());
    }
    state.write(OWN_USE_FILE, &own_use, io.warnings);

    let named = scope::named_regions(&model);
    let known = |key_id: &str| Known {
        regions: named.clone(),
        runs: own_use.runs(key_id).to_vec(),
    };
    let found = outcome::incident(since, regions, &held, &trails, &known, now, keys);
    let contain_command =
        Suggest::new(&inputs.locations, keys).awscheck(&["incident", "--contain"]);
    let style = style(global, env, io);
    let paths = short_paths(env);
    let json = args.format == IncidentFormat::Json;
    let write_json = |out: &mut dyn Write, found: &outcome::Incident| -> std::io::Result<()> {
        let mut out = BufWriter::with_capacity(OUTPUT_BUFFER, out);
        serde_json::to_writer_pretty(&mut out, found).map_err(std::io::Error::other)?;
        writeln!(out)?;
        out.flush()
    };
    if !json {
        let mut out = BufWriter::with_capacity(OUTPUT_BUFFER, &mut *io.out);
        let look = text::Look {
            width: usize::from(style.width).max(40),
            paths: &paths,
            contain: &contain_command,
        };
        text::write(&mut out, &found, &look)?;
        out.flush()?;
    } else if !args.contain {
        write_json(io.out, &found)?;
    }
    let looked = match found.needs_attention() {
        true => Outcome::Findings,
        false => Outcome::Clean,
    };
    if !args.contain {
        return Ok(looked);
    }
    let plan = crate::incident::contain::plan::plan(&model, &held, &trails);
    // JSON is one document: the steps go into it, not out as lines.
    let mut quiet = std::io::sink();
    let out: &mut dyn Write = match json {
        true => &mut quiet,
        false => &mut *io.out,
    };
    let described: Vec<(String, String)> = trails
        .iter()
        .filter_map(|t| Some((t.key_id.clone(), t.description.clone()?)))
        .collect();
    let (contained, steps) = contain::start(
        args,
        env,
        out,
        now,
        (&inputs.locations, plan),
        (&held, &described),
    )?;
    if json {
        let mut found = found;
        found.actions = steps
            .iter()
            .map(|step| crate::incident::contain::view(step, keys))
            .collect();
        write_json(io.out, &found)?;
    }
    Ok(match (looked, contained) {
        (Outcome::Clean, Outcome::Clean) => Outcome::Clean,
        _ => Outcome::Findings,
    })
}

#[cfg(feature = "online")]
mod contain {
    use super::super::rotate::Terminal;
    use super::super::{AppError, Io, Outcome};
    use crate::cli::IncidentArgs;
    use crate::incident::contain::journal::{Action, ContainJournal, Status, Step, VERSION};
    use crate::incident::contain::{self, Context, Ended, LONGEST_SESSION};
    use crate::incident::inventory::{Credential, Held};
    use crate::input::locate::Locations;
    use crate::sys::env::Env;
    use crate::sys::mask::KeyDisplay;
    use crate::sys::say::say;
    use chrono::{DateTime, Utc};
    use std::io::Write;
    use std::path::PathBuf;
    use std::time::Duration;

    fn state_dir(env: &Env) -> Result<PathBuf, AppError> {
        crate::sys::paths::state_dir(env).ok_or_else(|| {
            AppError::Usage("no home folder to keep the incident journal in (set HOME)".to_string())
        })
    }

    fn rotation_options(args: &IncidentArgs, delete_old: bool) -> crate::rotate::Options {
        crate::rotate::Options {
            delete_old,
            delete_other_key: false,
            yes: true,
            allow_root: false,
            dry_run: false,
            mfa_serial: None,
            mfa_code: None,
            propagation_limit: Duration::from_secs(120),
            connect_timeout: Duration::from_secs(args.connect_timeout),
            call_timeout: Duration::from_secs(20),
            keys: KeyDisplay {
                reveal: args.show_key_ids,
            },
        }
    }

    /// Plan, ask, journal and run a containment after the look.
    pub(super) fn start(
        args: &IncidentArgs,
        env: &Env,
        out: &mut dyn Write,
        now: DateTime<Utc>,
        (locations, plan): (&Locations, Vec<Action>),
        (held, described): (&[Credential], &[(String, String)]),
    ) -> Result<(Outcome, Vec<Step>), AppError> {
        let state_dir = state_dir(env)?;
        let keys = KeyDisplay {
            reveal: args.show_key_ids,
        };
        if let Ok(Some(_)) | Err(_) = ContainJournal::load(&state_dir) {
            return Err(AppError::Usage(
                "an earlier containment did not finish; finish it first: `awscheck incident --resume`".to_string(),
            ));
        }
        say(out, format_args!("\nawscheck incident --contain will:"));
        for action in &plan {
            let line = contain::outcome_line(action, &Status::Pending, keys);
            say(
                out,
                format_args!("  {}", line.trim_start_matches("to do: ")),
            );
        }
        if plan.is_empty() {
            say(
                out,
                format_args!("  nothing: this machine holds no key or cache to act on"),
            );
            return Ok((Outcome::Clean, Vec::new()));
        }
        if args.dry_run {
            say(out, format_args!("(--dry-run: nothing was changed)"));
            return Ok((Outcome::Clean, pending(plan)));
        }
        let mut ask = Terminal;
        if !args.yes && !crate::rotate::Ask::confirm(&mut ask, "Go ahead?") {
            return Err(AppError::Usage(
                "not confirmed: nothing was changed (--yes answers for scripts)".to_string(),
            ));
        }
        let mut journal = ContainJournal {
            version: VERSION,
            started: now,
            config_file: absolute(&locations.config.path),
            credentials_file: absolute(&locations.credentials.path),
            delete_old: args.delete,
            revoke_before: None,
            steps: pending(plan),
        };
        journal
            .save(&state_dir)
            .map_err(|e| AppError::Usage(format!("cannot write the incident journal: {e}")))?;
        let outcome = go(args, env, out, now, &mut journal, &state_dir)?;
        by_hand_copies(out, held, locations, keys);
        for (key_id, description) in described {
            say(
                out,
                format_args!(
                    "By hand: {} is described in IAM as \"{}\": replace it wherever that is, with the new key.",
                    keys.show(key_id),
                    crate::report::cells::escaped(description)
                ),
            );
        }
        Ok((outcome, journal.steps))
    }

    /// Go on with an interrupted containment.
    pub(super) fn resume(
        args: &IncidentArgs,
        env: &Env,
        io: &mut Io,
        now: DateTime<Utc>,
    ) -> Result<Outcome, AppError> {
        let state_dir = state_dir(env)?;
        let mut journal = ContainJournal::load(&state_dir)
            .map_err(|e| {
                AppError::Usage(format!(
                    "cannot read the incident journal {}: {e}",
                    ContainJournal::path(&state_dir).display()
                ))
            })?
            .ok_or_else(|| {
                AppError::Usage("there is no unfinished containment to resume".to_string())
            })?;
        go(args, env, io.out, now, &mut journal, &state_dir)
    }

    fn go(
        args: &IncidentArgs,
        env: &Env,
        out: &mut dyn Write,
        now: DateTime<Utc>,
        journal: &mut ContainJournal,
        state_dir: &std::path::Path,
    ) -> Result<Outcome, AppError> {
        let signers_now = |locations: &Locations| -> Vec<crate::incident::look::Signer> {
            let Ok(inputs) = crate::audit::Inputs::read(locations.clone()) else {
                return Vec::new();
            };
            let Ok(set) = inputs.profile_set() else {
                return Vec::new();
            };
            let model = crate::profiles::model::Model::build(&set);
            let mut facts = crate::audit::facts::Facts::gather(env, &[], now);
            let stored = super::super::audit::protected_keys(env, &model, &mut facts, true);
            super::signers(&model, &stored, env, &locations.selected_profile)
        };
        let mut ask = Terminal;
        let mut ctx = Context {
            env,
            state_dir: state_dir.to_path_buf(),
            out: &mut *out,
            ask: &mut ask,
            rotation: rotation_options(args, journal.delete_old),
            signers_now: &signers_now,
            now,
        };
        match contain::run(journal, &mut ctx).map_err(AppError::Usage)? {
            Ended::Stopped(message) => Err(AppError::Usage(message)),
            Ended::Finished => {
                let failed: Vec<&Step> = journal
                    .steps
                    .iter()
                    .filter(|step| matches!(step.status, Status::Failed { .. }))
                    .collect();
                if let Some(before) = journal.revoke_before {
                    say(
                        out,
                        format_args!(
                            "Sessions issued before {} are denied (inline policy {}). Remove it after {}, when the longest of them has expired.",
                            before.format("%Y-%m-%d %H:%M UTC"),
                            crate::incident::contain::journal::REVOKE_POLICY,
                            (before + LONGEST_SESSION).format("%Y-%m-%d %H:%M UTC")
                        ),
                    );
                }
                if !failed.is_empty() {
                    say(
                        out,
                        format_args!(
                            "{} step(s) failed; each says what to do by hand above.",
                            failed.len()
                        ),
                    );
                }
                ContainJournal::clear(state_dir).map_err(|e| {
                    AppError::Usage(format!("cannot remove the incident journal: {e}"))
                })?;
                Ok(match failed.is_empty() {
                    true => Outcome::Clean,
                    false => Outcome::Findings,
                })
            }
        }
    }

    /// Copies of the machine's keys outside the two files: lines to remove by hand, by file
    /// and line, never their content.
    fn by_hand_copies(
        out: &mut dyn Write,
        held: &[Credential],
        locations: &Locations,
        keys: KeyDisplay,
    ) {
        let files = [&locations.config.path, &locations.credentials.path]
            .map(|path| format!("{}:", path.display()));
        let aws_files = |place: &str| {
            place == "environment" || files.iter().any(|f| place.starts_with(f.as_str()))
        };
        let mut lines = Vec::new();
        for credential in held
            .iter()
            .filter(|c| matches!(c.held, Held::Key | Held::ProtectedKey | Held::Copy))
        {
            let copies: Vec<&String> = credential.places.iter().filter(|p| !aws_files(p)).collect();
            if let (Some(key_id), false) = (&credential.key_id, copies.is_empty()) {
                lines.push(format!(
                    "  {}: {}",
                    keys.show(key_id),
                    copies
                        .iter()
                        .map(|p| p.as_str())
                        .collect::<Vec<_>>()
                        .join(", ")
                ));
            }
        }
        if !lines.is_empty() {
            say(out, format_args!("By hand: remove these copies of the old keys (the lines named; awscheck never prints them):"));
            for line in lines {
                say(out, format_args!("{line}"));
            }
        }
        // A key only in the environment is in no file awscheck can rotate.
        for credential in held.iter().filter(|c| c.held == Held::Environment) {
            if let Some(key_id) = &credential.key_id {
                say(
                    out,
                    format_args!(
                        "By hand: {} is set in AWS_ACCESS_KEY_ID, which --contain does not rotate: rotate it where it is set (a shell profile, a CI variable), or end it in the IAM console.",
                        keys.show(key_id)
                    ),
                );
            }
        }
    }

    fn pending(plan: Vec<Action>) -> Vec<Step> {
        plan.into_iter()
            .map(|action| Step {
                action,
                status: Status::Pending,
            })
            .collect()
    }

    fn absolute(path: &std::path::Path) -> PathBuf {
        std::path::absolute(path).unwrap_or_else(|_| path.to_path_buf())
    }
}

/// AWS's documentation key: found in examples and tests, never anyone's key.
#[cfg(feature = "online")]
const DOCUMENTATION_KEY: &str = "AKIAIOSFODNN7EXAMPLE";

/// Every long-term key whose secret awscheck has: the profiles' (protected ones from the
/// store), and the environment's, which reaches AWS as the selected profile's settings say.
#[cfg(feature = "online")]
fn signers(
    model: &crate::profiles::model::Model,
    stored: &std::collections::HashMap<String, String>,
    env: &Env,
    selected_profile: &str,
) -> Vec<crate::incident::look::Signer> {
    use crate::incident::look::Signer;
    let (jobs, _) = crate::online::plan(model, stored, env);
    let mut signers: Vec<Signer> = jobs
        .into_iter()
        .map(|job| Signer {
            profile: job.profiles[0].clone(),
            key_id: job.key_id,
            secret: job.secret,
            region: job.region,
            reach: job.reach,
        })
        .collect();
    let variable = |name: &str| env.get(name).filter(|value| !value.is_empty());
    let long_term = variable("AWS_SESSION_TOKEN").is_none();
    if let (Some(key_id), Some(secret), true) = (
        variable("AWS_ACCESS_KEY_ID"),
        variable("AWS_SECRET_ACCESS_KEY"),
        long_term,
    ) {
        if !signers.iter().any(|signer| signer.key_id == key_id) {
            signers.push(Signer {
                key_id: key_id.to_string(),
                secret: secret.to_string(),
                profile: selected_profile.to_string(),
                region: variable("AWS_REGION")
                    .or_else(|| variable("AWS_DEFAULT_REGION"))
                    .map(str::to_string),
                reach: crate::aws::sdk::Reach::of(env, None),
            });
        }
    }
    signers
}

#[cfg(not(feature = "online"))]
pub(super) fn incident(
    _: &IncidentArgs,
    _: &GlobalArgs,
    _: &Env,
    _: &mut Io,
    _: DateTime<Utc>,
) -> Result<Outcome, AppError> {
    Err(AppError::Usage(
        "this build has no online checks (built without the `online` feature): incident needs CloudTrail".to_string(),
    ))
}
