//! `awscheck rotate`: replace a profile's access key without ever leaving the user without a
//! working one.
//!
//! Order matters and is the whole point: lock; who am I; make room under the 2-key quota; MFA
//! session if the profile needs one; back up the files; journal; create the new key; prove it
//! works; write the files; deactivate the old key signing with the new one; delete it if asked;
//! clear the journal. Before the files are written, any failure deletes the new key and leaves
//! the files alone; after, the files hold a working key and the report says what is left and
//! the one command that finishes it. A crash leaves the journal for `--resume`.

mod aws;
mod files;
pub mod journal;
pub mod plan;

use crate::audit::Inputs;
use crate::crash;
use crate::mask::KeyDisplay;
use crate::model::Model;
use crate::online::sdk::Connection;
use aws::{until_accepted, Aws};
use aws_credential_types::Credentials;
use chrono::{DateTime, Utc};
use journal::{Journal, Step};
use plan::Plan;
use std::fs::File;
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
    /// Something failed; `state` says exactly what is where now.
    Failed { message: String, state: String },
}

impl std::fmt::Display for RotateError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            RotateError::Refused(reason) => f.write_str(reason),
            RotateError::Failed { message, state } => write!(f, "{message}. {state}"),
        }
    }
}

fn refused(text: impl Into<String>) -> RotateError {
    RotateError::Refused(text.into())
}

/// Held while a rotation runs, so two never overlap (released when dropped or on exit).
struct Lock(#[allow(dead_code)] File);

fn lock(state_dir: &Path) -> Result<Lock, RotateError> {
    crate::atomic::create_private_dir(state_dir).map_err(|e| {
        refused(format!(
            "cannot create the state folder {}: {e}",
            state_dir.display()
        ))
    })?;
    let path = state_dir.join("rotate.lock");
    let file = File::options()
        .create(true)
        .truncate(false)
        .write(true)
        .open(&path)
        .map_err(|e| refused(format!("cannot open {}: {e}", path.display())))?;
    match file.try_lock() {
        Ok(()) => Ok(Lock(file)),
        Err(std::fs::TryLockError::WouldBlock) => Err(refused(
            "another awscheck rotate is running; wait for it to finish",
        )),
        Err(std::fs::TryLockError::Error(e)) => {
            Err(refused(format!("cannot lock {}: {e}", path.display())))
        }
    }
}

/// Everything a run needs besides the options.
pub struct Context<'a> {
    pub inputs: &'a Inputs,
    pub model: &'a Model<'a>,
    pub state_dir: PathBuf,
    pub out: &'a mut dyn Write,
    pub ask: &'a mut dyn Ask,
    pub now: DateTime<Utc>,
}

fn runtime() -> Result<tokio::runtime::Runtime, RotateError> {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| refused(format!("cannot start: {e}")))
}

/// Rotate the key of `profile`.
pub fn rotate(profile: &str, options: &Options, ctx: &mut Context) -> Result<(), RotateError> {
    let plan =
        plan::plan(ctx.inputs, ctx.model, profile).map_err(|plan::Refusal(text)| refused(text))?;
    let _lock = lock(&ctx.state_dir)?;
    if let Some(journal) = Journal::load(&ctx.state_dir)
        .map_err(|e| refused(format!("cannot read the rotation journal: {e}")))?
    {
        return Err(refused(format!(
            "an earlier rotation of profile {} did not finish (it stopped after step `{:?}`); run `awscheck rotate --resume` to finish or undo it first",
            journal.profile, journal.step
        )));
    }
    runtime()?.block_on(Rotation::new(plan, options, ctx).run())
}

/// Finish or undo the rotation a journal describes.
pub fn resume(options: &Options, ctx: &mut Context) -> Result<(), RotateError> {
    let _lock = lock(&ctx.state_dir)?;
    let journal = Journal::load(&ctx.state_dir)
        .map_err(|e| refused(format!("cannot read the rotation journal: {e}")))?
        .ok_or_else(|| refused("there is no unfinished rotation to resume"))?;
    let plan = plan::plan(ctx.inputs, ctx.model, &journal.profile);
    runtime()?.block_on(resume_from(journal, plan, options, ctx))
}

struct Rotation<'r, 'c> {
    plan: Plan,
    options: &'r Options,
    ctx: &'r mut Context<'c>,
    aws: Aws,
}

impl<'r, 'c> Rotation<'r, 'c> {
    fn new(plan: Plan, options: &'r Options, ctx: &'r mut Context<'c>) -> Self {
        let connection = Connection::new(
            &ctx.inputs.locations,
            &plan.profile,
            plan.region.as_deref(),
            options.connect_timeout,
            options.call_timeout,
        );
        Rotation {
            plan,
            options,
            ctx,
            aws: Aws { connection },
        }
    }

    fn say(&mut self, line: impl AsRef<str>) {
        let _ = writeln!(self.ctx.out, "{}", line.as_ref());
    }

    fn show(&self, key_id: &str) -> String {
        self.options.keys.show(key_id)
    }

    async fn run(mut self) -> Result<(), RotateError> {
        let old = Credentials::new(
            &self.plan.old_key_id,
            &self.plan.old_secret,
            None,
            None,
            "awscheck",
        );
        let others: Vec<String> = self
            .plan
            .profiles
            .iter()
            .filter(|p| **p != self.plan.profile)
            .cloned()
            .collect();
        let also = if others.is_empty() {
            String::new()
        } else {
            format!(" (also in {})", others.join(", "))
        };
        self.say(format!(
            "Rotating the key of profile {}{also}: {}",
            self.plan.profile,
            self.show(&self.plan.old_key_id)
        ));

        let arn = self.aws.whoami(&old).await.map_err(|e| {
            if e.is_rejection() {
                refused(format!("AWS does not accept the current key ({}): nothing to rotate from. Replace the profile's key by hand with one from the account owner", e.code.as_deref().unwrap_or("rejected")))
            } else {
                refused(format!("{e}; nothing was changed"))
            }
        })?;
        self.say(format!("  key belongs to {arn}"));
        if arn.ends_with(":root") && !self.options.allow_root {
            return Err(refused(format!(
                "this is the root user's key ({arn}). Root access keys should be deleted, not rotated: create an IAM user or use IAM Identity Center. To rotate it anyway, add --allow-root"
            )));
        }

        let admin = self.admin_credentials(&old).await?;
        self.make_room(&admin).await?;

        if self.options.dry_run {
            self.print_plan(&arn);
            return Ok(());
        }

        let mut backups = Vec::new();
        for file in &self.plan.files {
            let backup =
                files::backup(&file.path, &self.ctx.state_dir, self.ctx.now).map_err(|e| {
                    refused(format!(
                        "cannot back up {}: {e}; nothing was changed",
                        file.path.display()
                    ))
                })?;
            backups.push(backup);
        }
        for backup in &backups {
            self.say(format!("  backed up to {}", backup.display()));
        }
        let mut journal = Journal {
            started: self.ctx.now,
            profile: self.plan.profile.clone(),
            old_key_id: self.plan.old_key_id.clone(),
            arn: arn.clone(),
            files: self.plan.files.iter().map(|f| f.path.clone()).collect(),
            backups,
            delete_old: self.options.delete_old,
            step: Step::Started,
            new_key_id: None,
            new_secret: None,
        };
        journal.save(&self.ctx.state_dir).map_err(|e| {
            refused(format!(
                "cannot write the rotation journal: {e}; nothing was changed"
            ))
        })?;
        crash::point("before-create");

        let (new_id, new_secret) = self.aws.create_key(&admin).await.map_err(|e| {
            let _ = Journal::clear(&self.ctx.state_dir);
            RotateError::Failed {
                message: e.to_string(),
                state: "No key was created and your files are unchanged.".to_string(),
            }
        })?;
        journal.new_key_id = Some(new_id.clone());
        journal.new_secret = Some(new_secret.clone());
        journal.step = Step::Created;
        if let Err(e) = journal.save(&self.ctx.state_dir) {
            return Err(self
                .undo_new_key(
                    &admin,
                    &new_id,
                    format!("cannot record the new key in the journal: {e}"),
                )
                .await);
        }
        self.say(format!("  created {}", self.show(&new_id)));
        crash::point("after-create");

        let new = Credentials::new(&new_id, &new_secret, None, None, "awscheck");
        if let Err(message) = self.verify(&new, &arn).await {
            return Err(self.undo_new_key(&admin, &new_id, message).await);
        }
        self.say("  the new key works");
        crash::point("after-verify");

        if let Err(message) = self.write_files(&journal, &new_id, &new_secret) {
            return Err(self.undo_new_key(&admin, &new_id, message).await);
        }
        journal.step = Step::Written;
        self.save(&journal, "the files already hold the new, working key")?;
        let names: Vec<&str> = self
            .plan
            .files
            .iter()
            .filter_map(|f| f.path.to_str())
            .collect();
        self.say(format!("  wrote {}", names.join(", ")));
        crash::point("after-write");

        self.finish(journal, &new, &admin).await
    }

    /// The old key's credentials, or an MFA session made with them when the profile (or the
    /// command line) names an MFA device: self-service policies often deny IAM without MFA.
    async fn admin_credentials(&mut self, old: &Credentials) -> Result<Credentials, RotateError> {
        let Some(serial) = self
            .options
            .mfa_serial
            .clone()
            .or_else(|| self.plan.mfa_serial.clone())
        else {
            return Ok(old.clone());
        };
        let code = match self.options.mfa_code.clone() {
            Some(code) => code,
            None => self.ctx.ask.mfa_code(&serial).ok_or_else(|| {
                refused(format!(
                    "profile {} uses MFA ({serial}): pass the current code with --mfa-code",
                    self.plan.profile
                ))
            })?,
        };
        let session = self
            .aws
            .mfa_session(old, &serial, code.trim())
            .await
            .map_err(|e| refused(format!("{e}; nothing was changed")))?;
        self.say(format!("  MFA session with {serial}"));
        Ok(session)
    }

    /// A user holds at most two keys (an inactive one counts): make room for the new one.
    async fn make_room(&mut self, admin: &Credentials) -> Result<(), RotateError> {
        let keys = self
            .aws
            .list_keys(admin)
            .await
            .map_err(|e| refused(format!("{e}; nothing was changed")))?;
        let Some(other) = keys
            .iter()
            .find(|key| key.id != self.plan.old_key_id)
            .cloned()
        else {
            return Ok(());
        };
        let shown = self.show(&other.id);
        if other.active {
            let last = match self.aws.last_used(admin, &other.id).await {
                Ok(Some((date, service))) => {
                    format!("last used {} on {service}", date.format("%Y-%m-%d"))
                }
                Ok(None) => "never used".to_string(),
                Err(_) => "last use unknown".to_string(),
            };
            if !self.options.delete_other_key {
                return Err(refused(format!(
                    "the user already has a second active key, {shown} ({last}), and IAM allows two. Find out what uses it; then run again with --delete-other-key to delete it, or deactivate it yourself"
                )));
            }
            if self.options.dry_run {
                self.say(format!(
                    "  would delete the other active key {shown} ({last})"
                ));
                return Ok(());
            }
            self.aws
                .delete_key(admin, &other.id)
                .await
                .map_err(|e| refused(format!("{e}; nothing was changed")))?;
            self.say(format!("  deleted the other active key {shown} ({last})"));
            return Ok(());
        }
        if self.options.dry_run {
            self.say(format!(
                "  would delete the inactive key {shown} to make room"
            ));
            return Ok(());
        }
        let question = format!(
            "The user's other key {shown} is inactive and fills the 2-key quota. Delete it?"
        );
        if !(self.options.yes || self.ctx.ask.confirm(&question)) {
            return Err(refused(format!(
                "the inactive key {shown} fills the user's 2-key quota; run again with --yes to delete it, or delete it yourself"
            )));
        }
        self.aws
            .delete_key(admin, &other.id)
            .await
            .map_err(|e| refused(format!("{e}; nothing was changed")))?;
        self.say(format!("  deleted the inactive key {shown}"));
        Ok(())
    }

    fn print_plan(&mut self, arn: &str) {
        let plan = self.plan.clone();
        self.say("Dry run, nothing changed. The rotation would:");
        self.say(format!(
            "  create a new key for {arn} and check that it works"
        ));
        for file in &plan.files {
            let lines: Vec<String> = file
                .key_ids
                .iter()
                .chain(&file.secrets)
                .map(|p| p.line.to_string())
                .collect();
            self.say(format!(
                "  back up {} and replace the values on lines {}",
                file.path.display(),
                lines.join(", ")
            ));
        }
        self.say(format!("  update profiles {}", plan.profiles.join(", ")));
        let end = if self.options.delete_old {
            "deactivate, then delete"
        } else {
            "deactivate"
        };
        self.say(format!(
            "  {end} the old key {}",
            self.show(&plan.old_key_id)
        ));
    }

    fn save(&self, journal: &Journal, state: &str) -> Result<(), RotateError> {
        journal
            .save(&self.ctx.state_dir)
            .map_err(|e| RotateError::Failed {
                message: format!("cannot write the rotation journal: {e}"),
                state: format!(
                    "{}. Run `awscheck rotate --resume` once the state folder is writable.",
                    capitalise(state)
                ),
            })
    }

    /// GetCallerIdentity with the new key must name the same identity, once IAM accepts it.
    async fn verify(&self, new: &Credentials, arn: &str) -> Result<(), String> {
        let limit = self.options.propagation_limit;
        match until_accepted(limit, || self.aws.whoami(new)).await {
            Ok(seen) if seen == arn => Ok(()),
            Ok(seen) => Err(format!("the new key answers as {seen}, not {arn}")),
            Err(e) if e.is_rejection() => Err(format!(
                "AWS did not accept the new key within {} s ({e})",
                limit.as_secs()
            )),
            Err(e) => Err(format!("could not check the new key: {e}")),
        }
    }

    /// Replace the old values in every file: all prepared first, then renamed; a failed rename
    /// puts the files already replaced back from their backups.
    fn write_files(&self, journal: &Journal, new_id: &str, new_secret: &str) -> Result<(), String> {
        let mut changes = Vec::new();
        for edit in &self.plan.files {
            let source = self
                .ctx
                .inputs
                .sources()
                .into_iter()
                .find(|s| s.path == edit.path)
                .ok_or_else(|| format!("{} is no longer loaded", edit.path.display()))?;
            // Someone may have edited the file since it was read: never overwrite that.
            let current = std::fs::read(&edit.path)
                .map_err(|e| format!("cannot read {}: {e}", edit.path.display()))?;
            if current != source.document.text().as_bytes() {
                return Err(format!(
                    "{} changed while rotating; nothing was written",
                    edit.path.display()
                ));
            }
            let edited = plan::apply(&source.document, edit, new_id, new_secret);
            changes.push((edit.path.clone(), edited.text().to_string()));
        }
        let prepared = files::prepare_all(&changes).map_err(|e| format!("cannot write {e}"))?;
        for (done, file) in prepared.into_iter().enumerate() {
            if let Err(e) = file.commit() {
                for (path, backup) in journal.files.iter().zip(&journal.backups).take(done) {
                    let _ = files::restore(path, backup);
                }
                return Err(format!("cannot replace {}: {e}", changes[done].0.display()));
            }
            crash::point("between-files");
        }
        Ok(())
    }

    /// Before the files hold the new key, a failure takes the new key back out of IAM.
    async fn undo_new_key(
        &self,
        admin: &Credentials,
        new_id: &str,
        message: String,
    ) -> RotateError {
        let state = match self.aws.delete_key(admin, new_id).await {
            Ok(()) => {
                let _ = Journal::clear(&self.ctx.state_dir);
                format!("The new key {} was deleted again and your files are unchanged.", self.show(new_id))
            }
            Err(e) => format!(
                "Your files are unchanged, but the new key {} could not be deleted ({e}); run `awscheck rotate --resume` to retry.",
                self.show(new_id)
            ),
        };
        RotateError::Failed { message, state }
    }

    /// Deactivate (and maybe delete) the old key, signing with the new one.
    async fn finish(
        &mut self,
        journal: Journal,
        new: &Credentials,
        admin: &Credentials,
    ) -> Result<(), RotateError> {
        // Without MFA, deactivating with the new key proves it can manage the user too; with MFA
        // only the session carries MFA, and it stays valid after the old key is deactivated.
        let signer = if self.plan.mfa_serial.is_some() || self.options.mfa_serial.is_some() {
            admin.clone()
        } else {
            new.clone()
        };
        finish_old_key(&self.aws, journal, &signer, self.options, self.ctx).await
    }
}

/// Steps after the files are written, shared by a rotation and `--resume`.
async fn finish_old_key(
    aws: &Aws,
    mut journal: Journal,
    signer: &Credentials,
    options: &Options,
    ctx: &mut Context<'_>,
) -> Result<(), RotateError> {
    let old = options.keys.show(&journal.old_key_id);
    let resume = "Run `awscheck rotate --resume` to finish.".to_string();
    if journal.step < Step::Deactivated {
        if let Err(e) = until_accepted(options.propagation_limit, || {
            aws.deactivate(signer, &journal.old_key_id)
        })
        .await
        {
            return Err(RotateError::Failed {
                message: e.to_string(),
                state: format!("Your files hold the new key, which works; the old key {old} is still active. {resume}"),
            });
        }
        journal.step = Step::Deactivated;
        journal
            .save(&ctx.state_dir)
            .map_err(|e| RotateError::Failed {
                message: format!("cannot write the rotation journal: {e}"),
                state: format!("Your files hold the new key and the old key {old} is inactive."),
            })?;
        let _ = writeln!(ctx.out, "  deactivated the old key {old}");
        crash::point("after-deactivate");
    }
    if journal.delete_old {
        if let Err(e) = until_accepted(options.propagation_limit, || {
            aws.delete_key(signer, &journal.old_key_id)
        })
        .await
        {
            return Err(RotateError::Failed {
                message: e.to_string(),
                state: format!("Your files hold the new key; the old key {old} is inactive but not deleted. {resume}"),
            });
        }
        let _ = writeln!(ctx.out, "  deleted the old key {old}");
    }
    Journal::clear(&ctx.state_dir).map_err(|e| RotateError::Failed {
        message: format!("cannot remove the rotation journal: {e}"),
        state: "The rotation itself is complete.".to_string(),
    })?;
    let new = journal
        .new_key_id
        .as_deref()
        .map(|id| options.keys.show(id))
        .unwrap_or_default();
    let _ = writeln!(ctx.out, "Done: profile {} now uses {new}.", journal.profile);
    if !journal.delete_old {
        let _ = writeln!(
            ctx.out,
            "The old key {old} is inactive. Once nothing else needs it, delete it: aws iam delete-access-key --access-key-id {old} --profile {}",
            journal.profile
        );
    }
    Ok(())
}

async fn resume_from(
    journal: Journal,
    plan: Result<Plan, plan::Refusal>,
    options: &Options,
    ctx: &mut Context<'_>,
) -> Result<(), RotateError> {
    let connection = Connection::new(
        &ctx.inputs.locations,
        &journal.profile,
        None,
        options.connect_timeout,
        options.call_timeout,
    );
    let aws = Aws { connection };
    let _ = writeln!(
        ctx.out,
        "Resuming the rotation of profile {} (stopped after `{:?}`)",
        journal.profile, journal.step
    );
    let new = match (&journal.new_key_id, &journal.new_secret) {
        (Some(id), Some(secret)) => Some(Credentials::new(id, secret, None, None, "awscheck")),
        _ => None,
    };
    match (journal.step, new) {
        (Step::Started, _) | (_, None) => {
            // The new key may have been created just before the crash, without its secret
            // reaching the journal: it is useless, so delete any key newer than the journal.
            let plan = plan.map_err(|plan::Refusal(text)| refused(text))?;
            let old = Credentials::new(&plan.old_key_id, &plan.old_secret, None, None, "awscheck");
            let keys = aws
                .list_keys(&old)
                .await
                .map_err(|e| refused(e.to_string()))?;
            for key in keys.iter().filter(|k| {
                k.id != journal.old_key_id
                    && k.created
                        .is_some_and(|c| c >= journal.started - chrono::Duration::seconds(5))
            }) {
                aws.delete_key(&old, &key.id)
                    .await
                    .map_err(|e| refused(e.to_string()))?;
                let _ = writeln!(
                    ctx.out,
                    "  deleted the unfinished new key {}",
                    options.keys.show(&key.id)
                );
            }
            Journal::clear(&ctx.state_dir).map_err(|e| refused(e.to_string()))?;
            let _ = writeln!(
                ctx.out,
                "Rolled back: your files were never changed and the old key still works."
            );
            Ok(())
        }
        (Step::Created, Some(new)) => {
            // The new key exists; the files may hold the old key, or some of them the new one.
            match until_accepted(options.propagation_limit, || aws.whoami(&new)).await {
                Ok(arn) if arn == journal.arn => {}
                _ => {
                    let plan = plan.map_err(|plan::Refusal(text)| refused(text))?;
                    let old = Credentials::new(
                        &plan.old_key_id,
                        &plan.old_secret,
                        None,
                        None,
                        "awscheck",
                    );
                    if let Some(id) = &journal.new_key_id {
                        let _ = aws.delete_key(&old, id).await;
                    }
                    Journal::clear(&ctx.state_dir).map_err(|e| refused(e.to_string()))?;
                    let _ = writeln!(ctx.out, "Rolled back: the new key did not work and was deleted; your files hold the old key.");
                    return Ok(());
                }
            }
            let (new_id, new_secret) = (
                journal.new_key_id.clone().unwrap_or_default(),
                journal.new_secret.clone().unwrap_or_default(),
            );
            // Whatever still holds the old key ID gets the new one; files already written (a
            // crash between two files) no longer match and are left alone.
            let edits = plan::edits_for_key(ctx.inputs, &journal.old_key_id, None)
                .map_err(|plan::Refusal(text)| refused(text))?;
            let changes: Vec<(PathBuf, String)> = edits
                .iter()
                .filter_map(|edit| {
                    let source = ctx
                        .inputs
                        .sources()
                        .into_iter()
                        .find(|s| s.path == edit.path)?;
                    Some((
                        edit.path.clone(),
                        plan::apply(&source.document, edit, &new_id, &new_secret)
                            .text()
                            .to_string(),
                    ))
                })
                .collect();
            let prepared = files::prepare_all(&changes).map_err(|e| RotateError::Failed {
                message: format!("cannot write {e}"),
                state: "The new key works but your files still hold the old one. Run `awscheck rotate --resume` again once they are writable.".to_string(),
            })?;
            for file in prepared {
                file.commit().map_err(|e| RotateError::Failed {
                    message: e.to_string(),
                    state: "Run `awscheck rotate --resume` again.".to_string(),
                })?;
            }
            if !changes.is_empty() {
                let _ = writeln!(ctx.out, "  wrote the new key to the files");
            }
            let mut journal = journal;
            journal.step = Step::Written;
            journal
                .save(&ctx.state_dir)
                .map_err(|e| refused(e.to_string()))?;
            finish_old_key(&aws, journal, &new, options, ctx).await
        }
        (_, Some(new)) => finish_old_key(&aws, journal, &new, options, ctx).await,
    }
}

fn capitalise(text: &str) -> String {
    let mut chars = text.chars();
    chars
        .next()
        .map(|c| c.to_uppercase().chain(chars).collect())
        .unwrap_or_default()
}
