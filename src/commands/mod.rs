//! What each subcommand does, as library functions that write to the streams they are given.
//! `main` only parses arguments and turns the result into an exit code.

mod audit;
mod catalog;
mod completions;
mod incident;
mod man;
mod profiles;
mod protect;
mod remind;
mod rotate;
mod scan;
mod schedule;

pub use audit::{run_audit, AuditRun};

use crate::audit::severity::Severity;
use crate::cli::{ColorChoice, Command, GlobalArgs};
use crate::input::locate::Overrides;
use crate::input::source::InputError;
use crate::report::table::Style;
use crate::sys::env::Env;
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
    /// Columns the tables may take (see [`crate::sys::terminal`]).
    pub table_width: u16,
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
    // credential-process speaks to an SDK, whose user sees its stderr on every call.
    if !matches!(
        command,
        Command::Rotate(_) | Command::CredentialProcess { .. }
    ) {
        let journal = crate::sys::paths::state_dir(env)
            .map(|dir| dir.join(crate::sys::state::ROTATION_JOURNAL_FILE));
        if journal.is_some_and(|path| path.exists()) {
            io.warnings.push(
                "a key rotation was interrupted: run `awscheck rotate --resume` to finish or undo it".to_string(),
            );
        }
    }
    match command {
        Command::Audit(args) => audit::audit(&args, global, env, io, now),
        Command::Profiles(args) => profiles::profiles(&args, global, env, io),
        Command::Rules(args) => catalog::rules(&args, io),
        Command::Rotate(args) => rotate::rotate(&args, global, env, io, now),
        Command::Protect(args) => protect::protect(&args, global, env, io, now),
        Command::Unprotect(args) => protect::unprotect(&args, global, env, io, now),
        Command::CredentialProcess { key_id, profile } => {
            protect::credential_process(&key_id, profile.as_deref(), env, io, now)
        }
        Command::Explain { rule } => catalog::explain(&rule, io),
        Command::Scan(args) => scan::scan(&args, global, env, io, now),
        Command::Incident(args) => incident::incident(&args, global, env, io, now),
        Command::Remind(args) => remind::remind(&args, global, env, io, now),
        Command::Schedule { action } => schedule::schedule(&action, global, env, io, now),
        Command::Completions { shell } => completions::completions(shell, io),
        Command::Man => man::man(io),
    }
}

pub(crate) fn style(global: &GlobalArgs, env: &Env, io: &Io) -> Style {
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
        width: io.table_width,
    }
}

/// Paths under HOME as `~/...`, under the current folder relative to it, for people to read.
pub(crate) fn short_paths(env: &Env) -> crate::report::shown::ShortPaths {
    let home = crate::sys::env::home_dir(env);
    let cwd = std::env::current_dir().ok();
    crate::report::shown::ShortPaths::new(home.as_deref(), cwd.as_deref())
}

pub(crate) fn overrides(global: &GlobalArgs) -> Overrides {
    Overrides {
        config_file: global.config_file.clone(),
        credentials_file: global.credentials_file.clone(),
    }
}
