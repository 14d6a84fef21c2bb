//! `awscheck rotate`: replace a profile's access key without ever leaving the user without a
//! working one, whatever fails and whenever the process dies.
//!
//! A rotation is a journaled state machine ([`journal::Step`]). [`rotate`] checks everything
//! that can be checked before IAM or a file changes (who the key belongs to, the 2-key quota,
//! MFA), takes backups and writes the journal; then [`machine`] runs the steps: make room,
//! create the new key, prove it works, write it into the files, deactivate the old key, delete
//! it if asked. [`resume`] runs the very same steps from the one the journal recorded, on the
//! files, region and profile the journal names. Every step is idempotent, and every IAM call's
//! outcome may be unknown (its answer lost): a step decides by asking IAM or reading the files
//! again, never by what a failed call seemed to say. A transient error never deletes or
//! deactivates a key; it stops the run with the journal kept, saying what is true.

mod machine;
mod signer;
mod start;

use crate::audit::Inputs;
use crate::aws::calls::Aws;
use crate::aws::sdk::{Connection, Reach};
use crate::edit::journal::{self, Journal};
use crate::edit::lock::lock;
use crate::edit::{files, plan};
use crate::input::locate::{self, Locations};
use crate::profiles::model::Model;
use crate::sys::env::Env;
use crate::sys::mask::KeyDisplay;
use crate::sys::say::say;
use chrono::{DateTime, Utc};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::time::Duration;

/// What the user asked for.
#[derive(Clone, Debug)]
pub struct Options {
    pub delete_old: bool,
    pub delete_other_key: bool,
    pub yes: bool,
    pub allow_root: bool,
    pub dry_run: bool,
    pub mfa_serial: Option<String>,
    pub mfa_code: Option<String>,
    /// How long to keep trying a new key that AWS does not accept yet.
    pub propagation_limit: Duration,
    pub connect_timeout: Duration,
    pub call_timeout: Duration,
    pub keys: KeyDisplay,
}

/// Questions a rotation may need answered. A non-interactive run answers "no".
pub trait Ask {
    fn confirm(&mut self, question: &str) -> bool;
    fn mfa_code(&mut self, serial: &str) -> Option<String>;
}

/// How a rotation ended when it did not end well.
#[derive(Debug)]
pub enum RotateError {
    /// Nothing was changed: the reason, and what to do instead.
    Refused(String),
    /// Something failed; `state` says exactly what is where now, and ends with the command
    /// that goes on from there.
    Failed { message: String, state: String },
}

impl std::fmt::Display for RotateError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            RotateError::Refused(reason) => f.write_str(reason),
            // AWS's own messages often end in a full stop already.
            RotateError::Failed { message, state } => {
                write!(f, "{}. {state}", message.trim_end_matches('.'))
            }
        }
    }
}

fn refused(text: impl Into<String>) -> RotateError {
    RotateError::Refused(text.into())
}

/// Everything a run needs besides the options.
pub struct Context<'a> {
    pub env: &'a Env,
    pub state_dir: PathBuf,
    pub out: &'a mut dyn Write,
    pub ask: &'a mut dyn Ask,
    pub now: DateTime<Utc>,
}

/// Another rotation holds the lock.
const BUSY: &str = "another awscheck rotate is running; wait for it to finish";

fn runtime() -> Result<tokio::runtime::Runtime, RotateError> {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| refused(format!("cannot start: {e}")))
}

fn load_journal(state_dir: &Path) -> Result<Option<Journal>, RotateError> {
    Journal::load(state_dir).map_err(|e| {
        refused(format!(
            "cannot read the rotation journal {}: {e}",
            Journal::path(state_dir).display()
        ))
    })
}

/// Rotate the key of `profile`, as `inputs` (read from where the user pointed) hold it.
pub fn rotate(
    inputs: &Inputs,
    model: &Model,
    profile: &str,
    options: &Options,
    ctx: &mut Context,
) -> Result<(), RotateError> {
    let mut plan =
        plan::plan(inputs, model, profile).map_err(|plan::Refusal(text)| refused(text))?;
    let protection = match plan.protected {
        true => Some(protected_key(&mut plan, ctx.env)?),
        false => None,
    };
    // A dry run changes nothing, not even the lock file.
    let _lock = if options.dry_run {
        None
    } else {
        Some(lock(&ctx.state_dir, BUSY).map_err(refused)?)
    };
    if let Some(journal) = load_journal(&ctx.state_dir)? {
        return Err(refused(format!(
            "an earlier rotation of profile {} did not finish; finish it first: `awscheck rotate --resume`",
            journal.profile
        )));
    }
    if !options.dry_run {
        let removed = crate::protect::remove_protected_backups(ctx.env, model, &ctx.state_dir, &[]);
        if let Some(line) = files::removed_line(&removed, "a key now in the secret store") {
            say(ctx.out, format_args!("{}", line.trim_start()));
        }
    }
    let section = model.profile(&plan.profile).map(|p| p.section);
    let connection = Connection::new(
        &inputs.locations,
        &plan.profile,
        plan.region.as_deref(),
        options.connect_timeout,
        options.call_timeout,
    )
    .reaching(&Reach::of(ctx.env, section))
    .map_err(refused)?;
    let aws = Aws {
        connection,
        keys: options.keys,
    };
    runtime()?.block_on(async {
        let Some(started) =
            start::start(&plan, protection, inputs, model, &aws, options, ctx).await?
        else {
            return Ok(());
        };
        machine::Rotation::new(started, inputs.locations.clone(), aws, options, ctx)
            .run()
            .await
    })
}

/// The secret of a protected key, from the store, into the plan; and how it is handed out.
fn protected_key(plan: &mut plan::Plan, env: &Env) -> Result<journal::Protection, RotateError> {
    use crate::protect::keychain;
    let shown = crate::sys::mask::mask_key_id(&plan.old_key_id);
    let store = keychain::open(env).map_err(|e| {
        refused(format!(
            "profile {} keeps its key in the secret store, which cannot be reached: {e}",
            plan.profile
        ))
    })?;
    let key = keychain::get_key(store.as_ref(), &plan.old_key_id)
        .map_err(|e| refused(format!("{e}; nothing was changed")))?
        .ok_or_else(|| {
            refused(format!(
                "{} holds no key {shown}, which profile {} names; see `awscheck audit`",
                store.name(),
                plan.profile
            ))
        })?;
    plan.old_secret = key.secret_access_key;
    Ok(journal::Protection {
        mfa_serial: key.mfa_serial,
        sessions: key.sessions,
    })
}

/// Finish the rotation the journal describes, from the step it recorded, on the files it
/// names. `profile`, when given, must be the journal's.
pub fn resume(
    profile: Option<&str>,
    options: &Options,
    ctx: &mut Context,
) -> Result<(), RotateError> {
    let _lock = lock(&ctx.state_dir, BUSY).map_err(refused)?;
    let mut journal = load_journal(&ctx.state_dir)?
        .ok_or_else(|| refused("there is no unfinished rotation to resume"))?;
    if journal.protected.is_some() {
        secrets_from_store(&mut journal, ctx.env, &ctx.state_dir)?;
    }
    if let Some(profile) = profile.filter(|p| *p != journal.profile) {
        return Err(refused(format!(
            "the unfinished rotation is of profile {}, not {profile}; finish it first: `awscheck rotate --resume`",
            journal.profile
        )));
    }
    let locations = journal_locations(ctx.env, &journal);
    // The profile's CA bundle and STS endpoint, as the files say today; a file that cannot be
    // read now leaves them out, and the steps that read the files say why.
    let files = Inputs::read(locations.clone()).ok();
    let set = files.as_ref().and_then(|files| files.profile_set().ok());
    let section = set.as_ref().and_then(|set| set.profile(&journal.profile));
    let connection = Connection::new(
        &locations,
        &journal.profile,
        None,
        options.connect_timeout,
        options.call_timeout,
    )
    .in_region(&journal.region)
    .reaching(&Reach::of(ctx.env, section))
    .map_err(refused)?;
    let aws = Aws {
        connection,
        keys: options.keys,
    };
    say(
        ctx.out,
        format_args!(
            "Resuming the rotation of profile {} ({}, {})",
            journal.profile,
            locations.credentials.path.display(),
            locations.config.path.display()
        ),
    );
    let started = start::Started {
        signer: signer::Signer::new(
            journal.mfa_serial.clone(),
            options.mfa_code.clone(),
            options.propagation_limit,
        ),
        journal,
    };
    runtime()?.block_on(machine::Rotation::new(started, locations, aws, options, ctx).run())
}

/// A protected key's rotation journal holds IDs only: its secrets come from the store.
fn secrets_from_store(
    journal: &mut Journal,
    env: &Env,
    state_dir: &Path,
) -> Result<(), RotateError> {
    use crate::protect::keychain;
    let store = keychain::open(env).map_err(|e| {
        refused(format!(
            "the rotation of profile {} needs the secret store, which cannot be reached: {e}",
            journal.profile
        ))
    })?;
    let secret = |key_id: &str| -> Result<Option<String>, RotateError> {
        keychain::get_key(store.as_ref(), key_id)
            .map(|key| key.map(|key| key.secret_access_key))
            .map_err(|e| refused(format!("{e}; nothing was changed")))
    };
    // A journal written by an earlier version may still hold them.
    if journal.old_secret.is_empty() {
        journal.old_secret = secret(&journal.old_key_id)?.ok_or_else(|| {
            refused(format!(
                "{} holds no key {} any more, which the rotation of profile {} started from",
                store.name(),
                crate::sys::mask::mask_key_id(&journal.old_key_id),
                journal.profile
            ))
        })?;
    }
    if let (Some(new), None) = (journal.new_key_id.clone(), &journal.new_secret) {
        journal.new_secret = Some(secret(&new)?.ok_or_else(|| {
            refused(format!(
                "{} holds no key {} any more, which the rotation of profile {} created and your files may name: put it back, or delete that key in IAM, restore your files from the backups the journal lists, and remove the journal: `rm {}`",
                store.name(),
                crate::sys::mask::mask_key_id(&new),
                journal.profile,
                crate::audit::suggest::quote(&Journal::path(state_dir).to_string_lossy())
            ))
        })?);
    }
    Ok(())
}

/// Where the journal says the files are.
fn journal_locations(env: &Env, journal: &Journal) -> Locations {
    locate::at(
        env,
        journal.config_file.clone(),
        journal.credentials_file.clone(),
    )
}
