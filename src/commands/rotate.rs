//! `awscheck rotate`.

use super::{AppError, Io, Outcome};
use crate::cli::{GlobalArgs, RotateArgs};
use crate::sys::env::Env;
use chrono::{DateTime, Utc};

#[cfg(feature = "online")]
pub(super) fn rotate(
    args: &RotateArgs,
    global: &GlobalArgs,
    env: &Env,
    io: &mut Io,
    now: DateTime<Utc>,
) -> Result<Outcome, AppError> {
    use super::overrides;
    use crate::audit::Inputs;
    use crate::profiles::model::Model;
    use crate::rotate::{self, Context, Options, RotateError};
    use crate::sys::mask::KeyDisplay;
    use crate::sys::paths;
    use std::time::Duration;
    let state_dir = paths::state_dir(env).ok_or_else(|| {
        AppError::Usage("no home folder to keep the rotation journal in (set HOME)".to_string())
    })?;
    let options = Options {
        delete_old: args.delete,
        delete_other_key: args.delete_other_key,
        yes: args.yes,
        allow_root: args.allow_root,
        dry_run: args.dry_run,
        mfa_serial: args.mfa_serial.clone(),
        mfa_code: args.mfa_code.clone(),
        propagation_limit: Duration::from_secs(args.propagation_timeout),
        connect_timeout: Duration::from_secs(3),
        call_timeout: Duration::from_secs(20),
        keys: KeyDisplay {
            reveal: args.show_key_ids,
        },
    };
    let mut ask = Terminal;
    let mut ctx = Context {
        env,
        state_dir,
        out: io.out,
        ask: &mut ask,
        now,
    };
    let result = match &args.profile {
        Some(profile) if !args.resume => {
            let inputs = Inputs::load(env, &overrides(global))?;
            let set = inputs.profile_set()?;
            let model = Model::build(&set);
            rotate::rotate(&inputs, &model, profile, &options, &mut ctx)
        }
        // The journal names the files, region and profile; today's flags do not.
        profile => rotate::resume(profile.as_deref(), &options, &mut ctx),
    };
    match result {
        Ok(()) => Ok(Outcome::Clean),
        Err(RotateError::Refused(reason)) => Err(AppError::Usage(reason)),
        Err(error @ RotateError::Failed { .. }) => Err(AppError::Usage(error.to_string())),
    }
}

#[cfg(not(feature = "online"))]
pub(super) fn rotate(
    _: &RotateArgs,
    _: &GlobalArgs,
    _: &Env,
    _: &mut Io,
    _: DateTime<Utc>,
) -> Result<Outcome, AppError> {
    Err(AppError::Usage(
        "this build cannot rotate keys (built without the `online` feature)".to_string(),
    ))
}

/// Questions go to the terminal, and only when there is one: a script never hangs on a prompt.
#[cfg(feature = "online")]
pub(super) struct Terminal;

#[cfg(feature = "online")]
impl Terminal {
    fn ask(&self, question: &str) -> Option<String> {
        use std::io::{BufRead, IsTerminal, Write};
        if !std::io::stdin().is_terminal() {
            return None;
        }
        eprint!("{question} ");
        // The question shows without it, only later: nothing to stop for.
        let _ = std::io::stderr().flush();
        let mut answer = String::new();
        std::io::stdin().lock().read_line(&mut answer).ok()?;
        Some(answer.trim().to_string())
    }
}

#[cfg(feature = "online")]
impl crate::rotate::Ask for Terminal {
    fn confirm(&mut self, question: &str) -> bool {
        self.ask(&format!("{question} [y/N]"))
            .is_some_and(|answer| matches!(answer.to_ascii_lowercase().as_str(), "y" | "yes"))
    }

    fn mfa_code(&mut self, serial: &str) -> Option<String> {
        self.ask(&format!("MFA code for {serial}:"))
            .filter(|code| !code.is_empty())
    }
}
