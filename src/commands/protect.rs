//! `awscheck protect`, `unprotect` and `credential-process`.

use super::{AppError, Io, Outcome};
use crate::cli::{GlobalArgs, ProtectArgs, UnprotectArgs};
use crate::sys::env::Env;
use chrono::{DateTime, Utc};

#[cfg(feature = "online")]
mod online {
    use super::*;
    use crate::audit::Inputs;
    use crate::commands::overrides;
    use crate::profiles::model::Model;
    use crate::protect::keychain;
    use crate::protect::{self, session, Context, Options};
    use crate::sys::mask::KeyDisplay;
    use crate::sys::paths;
    use std::path::PathBuf;

    fn state_dir(env: &Env) -> Result<PathBuf, AppError> {
        paths::state_dir(env).ok_or_else(|| {
            AppError::Usage("no home folder for awscheck's records (set HOME)".to_string())
        })
    }

    /// What `protect` and `unprotect` do, given their files, model and store.
    type Action = fn(
        &Inputs,
        &Model,
        &str,
        &Options,
        &mut Context,
        &dyn Fn() -> Result<Box<dyn keychain::SecretStore>, keychain::StoreError>,
    ) -> Result<(), protect::Refused>;

    fn on_profile(
        action: Action,
        profile: &str,
        options: Options,
        global: &GlobalArgs,
        env: &Env,
        io: &mut Io,
        now: DateTime<Utc>,
    ) -> Result<Outcome, AppError> {
        let state_dir = state_dir(env)?;
        // The lock before the files: what is read is then what is written, never a state
        // that another awscheck changed in between. A dry run changes nothing, not even the
        // lock file.
        let _lock = match options.dry_run {
            true => None,
            false => {
                Some(crate::edit::lock::lock(&state_dir, protect::BUSY).map_err(AppError::Usage)?)
            }
        };
        let inputs = Inputs::load(env, &overrides(global))?;
        let set = inputs.profile_set()?;
        let model = Model::build(&set);
        let mut ctx = Context {
            env,
            state_dir,
            out: io.out,
            now,
        };
        action(&inputs, &model, profile, &options, &mut ctx, &|| {
            keychain::open(env)
        })
        .map(|()| Outcome::Clean)
        .map_err(|refused| AppError::Usage(refused.0))
    }

    pub fn protect(
        args: &ProtectArgs,
        global: &GlobalArgs,
        env: &Env,
        io: &mut Io,
        now: DateTime<Utc>,
    ) -> Result<Outcome, AppError> {
        let options = Options {
            dry_run: args.dry_run,
            no_session: args.no_session,
            keys: KeyDisplay {
                reveal: args.show_key_ids,
            },
        };
        on_profile(
            protect::protect,
            &args.profile,
            options,
            global,
            env,
            io,
            now,
        )
    }

    pub fn unprotect(
        args: &UnprotectArgs,
        global: &GlobalArgs,
        env: &Env,
        io: &mut Io,
        now: DateTime<Utc>,
    ) -> Result<Outcome, AppError> {
        let options = Options {
            dry_run: args.dry_run,
            no_session: false,
            keys: KeyDisplay {
                reveal: args.show_key_ids,
            },
        };
        on_profile(
            protect::unprotect,
            &args.profile,
            options,
            global,
            env,
            io,
            now,
        )
    }

    pub fn credential_process(
        key_id: &str,
        profile: Option<&str>,
        env: &Env,
        io: &mut Io,
        now: DateTime<Utc>,
    ) -> Result<Outcome, AppError> {
        let settings = crate::audit::settings::Settings::load(None, paths::settings_file(env))?;
        let store = keychain::open(env).map_err(|e| AppError::Usage(e.to_string()))?;
        let mut prompt = session::Prompt {
            env,
            dialog: settings.protect.mfa_prompt,
        };
        let handing = match no_session_holds(env, &settings, key_id) {
            true => session::Handing::KeyItself,
            false => session::Handing::AsProtected,
        };
        let state_dir = paths::state_dir(env);
        let connection = || served_connection(env, key_id, profile);
        let mut caller = session::Caller {
            store: store.as_ref(),
            state_dir: state_dir.as_deref(),
            codes: &mut prompt,
            connection: &connection,
            lock_wait: session::CODE_WAIT,
            warnings: io.warnings,
        };
        let json = session::credentials(&mut caller, key_id, handing, now)
            .map_err(|error| AppError::Usage(error.to_string()))?;
        writeln!(io.out, "{json}")?;
        Ok(Outcome::Clean)
    }

    /// How to reach STS for the profile served: its region, `endpoint_url` (which the SDK
    /// reads), `ca_bundle` and `sts_regional_endpoints`. The AWS CLI does not tell a
    /// credential_process which profile it runs for (`--profile` sets no variable), so the
    /// line names it; a line from before that names none, and the profile is the one among
    /// those naming the key that `AWS_PROFILE` selects, else the first.
    fn served_connection(
        env: &Env,
        key_id: &str,
        profile: Option<&str>,
    ) -> Result<crate::aws::sdk::Connection, String> {
        use crate::aws::sdk::{Connection, Reach};
        let inputs = Inputs::load(env, &crate::input::locate::Overrides::default())
            .map_err(|e| e.to_string())?;
        let set = inputs.profile_set().map_err(|e| e.to_string())?;
        let model = Model::build(&set);
        let served = match profile {
            Some(name) => model.profile(name),
            None => {
                let naming: Vec<_> = model
                    .profiles
                    .iter()
                    .filter(|p| p.own_key() == Some(key_id))
                    .collect();
                let selected = &inputs.locations.selected_profile;
                naming
                    .iter()
                    .find(|p| p.name() == selected.as_str())
                    .or(naming.first())
                    .copied()
            }
        };
        let name = served.map_or(inputs.locations.selected_profile.as_str(), |p| p.name());
        let section = served.map(|p| p.section);
        let connection = Connection::new(
            &inputs.locations,
            name,
            section.and_then(|s| s.get_named("region")),
            std::time::Duration::from_secs(3),
            std::time::Duration::from_secs(20),
        );
        connection.reaching(&Reach::of(env, section))
    }
}

/// Whether `[protect] no_session` names a profile that holds `key_id`. A key is one
/// credential whichever profile the SDK read it through, so one such profile is enough. Files
/// that cannot be read leave the key handed out as it was protected.
#[cfg(feature = "online")]
fn no_session_holds(env: &Env, settings: &crate::audit::settings::Settings, key_id: &str) -> bool {
    let named = &settings.protect.no_session;
    if named.is_empty() {
        return false;
    }
    let Ok(inputs) = crate::audit::Inputs::load(env, &crate::input::locate::Overrides::default())
    else {
        return false;
    };
    let Ok(set) = inputs.profile_set() else {
        return false;
    };
    let model = crate::profiles::model::Model::build(&set);
    model.profiles.iter().any(|profile| {
        profile.own_key() == Some(key_id) && named.iter().any(|name| name == profile.name())
    })
}

#[cfg(feature = "online")]
pub(super) use online::{credential_process, protect, unprotect};

#[cfg(not(feature = "online"))]
fn offline_only() -> Result<Outcome, AppError> {
    Err(AppError::Usage(
        "this build cannot protect keys (built without the `online` feature)".to_string(),
    ))
}

#[cfg(not(feature = "online"))]
pub(super) fn protect(
    _: &ProtectArgs,
    _: &GlobalArgs,
    _: &Env,
    _: &mut Io,
    _: DateTime<Utc>,
) -> Result<Outcome, AppError> {
    offline_only()
}

#[cfg(not(feature = "online"))]
pub(super) fn unprotect(
    _: &UnprotectArgs,
    _: &GlobalArgs,
    _: &Env,
    _: &mut Io,
    _: DateTime<Utc>,
) -> Result<Outcome, AppError> {
    offline_only()
}

#[cfg(not(feature = "online"))]
pub(super) fn credential_process(
    _: &str,
    _: Option<&str>,
    _: &Env,
    _: &mut Io,
    _: DateTime<Utc>,
) -> Result<Outcome, AppError> {
    offline_only()
}
