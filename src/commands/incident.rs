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
    let suggest = Suggest::new(&inputs.locations, keys);
    let rotate = |profile: &str| suggest.rotate(profile, &[]);
    let style = style(global, env, io);
    let paths = short_paths(env);
    let mut out = BufWriter::with_capacity(OUTPUT_BUFFER, &mut *io.out);
    match args.format {
        IncidentFormat::Table => text::write(
            &mut out,
            &found,
            &text::Look {
                width: usize::from(style.width).max(40),
                paths: &paths,
                rotate: &rotate,
            },
        )?,
        IncidentFormat::Json => {
            serde_json::to_writer_pretty(&mut out, &found).map_err(std::io::Error::other)?;
            writeln!(out)?;
        }
    }
    out.flush()?;
    Ok(match found.needs_attention() {
        true => Outcome::Findings,
        false => Outcome::Clean,
    })
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
