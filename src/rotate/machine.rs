//! The journaled steps of a rotation, run from whichever step the journal recorded: by a new
//! rotation from the first, by `--resume` from where the last run stopped. One code path.
//!
//! Each step is idempotent and decides by what is true now: it asks IAM again, or reads the
//! files back, rather than trusting what a failed call seemed to say (the call may have been
//! carried out and only its answer lost). Three ways a step can stop short:
//! - a transient failure *pauses*: the journal stays, nothing is deleted or deactivated, and
//!   the message says what is true and that `awscheck rotate --resume` goes on;
//! - a definite failure before the files hold the new key *undoes*: the files keep (or get
//!   back) the old key and the new key is deleted again;
//! - a definite failure after that *ends* the rotation: the files hold the new, working key,
//!   and the message gives the exact command for what is left.

use super::signer::{NoSession, Signer};
use super::start::Started;
use super::{Context, Options, RotateError};
use crate::audit::suggest::{quote, Suggest};
use crate::audit::Inputs;
use crate::aws::calls::{until_accepted, Aws, UserKey};
use crate::aws::error::{AwsError, FailureKind};
use crate::edit::files::{self, names, KeyPair};
use crate::edit::journal::{Journal, Step};
use crate::input::locate::Locations;
use crate::protect::keychain::{self, Entry, StoredKey};
use crate::scan::places::PlaceKind;
use crate::scan::record::{LastDeepScan, DEEP_SCAN_FILE};
use crate::scan::search::KnownSecrets;
use crate::sys::crash;
use crate::sys::say::say;
use crate::sys::state::State;
use aws_credential_types::Credentials;
use std::path::PathBuf;

/// Times one run sends CreateAccessKey, when an answer is lost or AWS fails for a moment.
const CREATE_ATTEMPTS: usize = 3;

const RESUME: &str = "awscheck rotate --resume";

/// Which key works for the call at hand: the old one until the files hold the new one.
#[derive(Clone, Copy)]
enum Phase {
    Old,
    New,
}

/// What happens to the old key once the files hold the new one.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Retire {
    Deactivate,
    Delete,
}

impl Retire {
    /// The step's verb, as the crash points name it.
    fn point(self) -> &'static str {
        match self {
            Retire::Deactivate => "deactivate",
            Retire::Delete => "delete",
        }
    }

    fn done(self) -> &'static str {
        match self {
            Retire::Deactivate => "deactivated",
            Retire::Delete => "deleted",
        }
    }
}

/// The files holding each key, read back from disk.
struct Holding {
    old: Vec<PathBuf>,
    new: Vec<PathBuf>,
}

pub struct Rotation<'r, 'c> {
    journal: Journal,
    signer: Signer,
    locations: Locations,
    aws: Aws,
    options: &'r Options,
    ctx: &'r mut Context<'c>,
    create_attempts: usize,
}

impl<'r, 'c> Rotation<'r, 'c> {
    pub fn new(
        started: Started,
        locations: Locations,
        aws: Aws,
        options: &'r Options,
        ctx: &'r mut Context<'c>,
    ) -> Self {
        Rotation {
            journal: started.journal,
            signer: started.signer,
            locations,
            aws,
            options,
            ctx,
            create_attempts: 0,
        }
    }

    pub async fn run(mut self) -> Result<(), RotateError> {
        loop {
            if self.journal.undo.is_some() {
                return self.roll_back().await;
            }
            match self.journal.step {
                Step::Started => self.make_room().await?,
                Step::RoomMade => self.create().await?,
                Step::Creating => self.settle_create(None).await?,
                Step::Created => self.verify().await?,
                Step::Verified => self.write()?,
                Step::Written => self.retire(Retire::Deactivate).await?,
                Step::Deactivated if self.journal.delete_old => self.retire(Retire::Delete).await?,
                Step::Deactivated | Step::Deleted => return self.finish(),
            }
        }
    }

    // ----- the steps -----

    async fn make_room(&mut self) -> Result<(), RotateError> {
        crash::point("before-room");
        if let Some(room) = self.journal.room_key.clone() {
            let result = self
                .signed(Phase::Old, async |aws: &Aws, c: &Credentials| {
                    aws.delete_key(c, &room).await
                })
                .await?;
            match result {
                Ok(()) => {}
                Err(e) if e.kind == FailureKind::NotFound => {}
                Err(e) if e.kind == FailureKind::Permanent => {
                    let state = format!(
                        "Nothing was changed: the key {} is still there, and your files hold the old key, which works. Delete that key yourself, `{}`, then rotate: `{}`",
                        self.show(&room),
                        self.suggest().delete_key(&self.journal.profile, &room),
                        self.rotate_command()
                    );
                    return Err(self.end(e.to_string(), state));
                }
                Err(e) => return Err(self.pause(e.to_string())),
            }
            crash::point("after-room");
            self.say(format!(
                "  deleted the key {} to make room",
                self.show(&room)
            ));
        }
        self.advance(Step::RoomMade)
    }

    async fn create(&mut self) -> Result<(), RotateError> {
        // The keys as they are right before the call: a key that exists now is not the one
        // this call creates, even if it appeared since the rotation started (made by hand
        // after a crash, say).
        let listed = self
            .signed(Phase::Old, async |aws: &Aws, c: &Credentials| {
                aws.list_keys(c).await
            })
            .await?;
        let keys = listed.map_err(|e| self.pause(e.to_string()))?;
        for key in &keys {
            if !self.journal.keys_before.contains(&key.id) {
                self.journal.keys_before.push(key.id.clone());
            }
        }
        if let Some(other) = keys.iter().find(|k| k.id != self.journal.old_key_id) {
            let state = format!(
                "No key was created{}: the user has another key, {}, which awscheck did not make, and IAM allows two. Find out what uses it; then rotate: `{}`",
                self.room_note(),
                self.show(&other.id),
                self.rotate_command_with(&["--delete-other-key"])
            );
            return Err(self.end("the user's 2-key quota is full".to_string(), state));
        }
        self.advance(Step::Creating)?;
        crash::point("before-create");
        self.create_attempts += 1;
        let result = self
            .signed(Phase::Old, async |aws: &Aws, c: &Credentials| {
                aws.create_key(c).await
            })
            .await?;
        let (id, secret) = match result {
            Ok(key) => key,
            Err(error) => return self.settle_create(Some(error)).await,
        };
        crash::point("after-create");
        self.journal.new_key_id = Some(id.clone());
        self.journal.new_secret = Some(secret);
        if self.journal.protected.is_some() {
            // A protected key's secret never goes into the journal: into the store first, so
            // that a resume finds it there.
            if let Err(e) = self.put_new_key_in_store() {
                self.journal.undo = Some(format!("cannot keep the new key: {e}"));
                return Ok(());
            }
        }
        self.journal.step = Step::Created;
        if let Err(e) = self.journal.save(&self.ctx.state_dir) {
            // Only this process knows the secret: without the journal nobody will.
            self.journal.undo = Some(format!("cannot record the new key in the journal: {e}"));
            return Ok(());
        }
        self.say(format!("  created {}", self.show(&id)));
        Ok(())
    }

    /// After CreateAccessKey failed, or a run died while it was under way: learn from IAM
    /// whether it created a key, and delete one whose secret never arrived. `error` is the
    /// failure this run saw (none on resume).
    async fn settle_create(&mut self, error: Option<AwsError>) -> Result<(), RotateError> {
        let listed = self
            .signed(Phase::Old, async |aws: &Aws, c: &Credentials| {
                aws.list_keys(c).await
            })
            .await?;
        let keys = match listed {
            Ok(keys) => keys,
            Err(e) => {
                let what = match &error {
                    Some(first) => format!("{first}; then {e}"),
                    None => e.to_string(),
                };
                return Err(self.pause(what));
            }
        };
        let strays = self.strays(&keys).await?;
        for stray in &strays {
            let what = format!(
                "IAM created the key {} but its answer, with the secret, was lost",
                self.show(stray)
            );
            self.delete_unused(stray, &what, None).await?;
            self.say(format!(
                "  deleted {}, a new key whose answer from IAM was lost",
                self.show(stray)
            ));
        }
        self.advance(Step::RoomMade)?;
        let Some(error) = error else {
            return Ok(());
        };
        // A lost answer shows up as the SDK's retry hitting the quota our own new key filled.
        let own_quota = error.code.as_deref() == Some("LimitExceeded") && !strays.is_empty();
        let passing = matches!(error.kind, FailureKind::Transient | FailureKind::Expired);
        if (passing || own_quota) && self.create_attempts < CREATE_ATTEMPTS {
            return Ok(());
        }
        let state = format!(
            "No key was created{}: your files hold the old key, which works. Try again: `{}`",
            self.room_note(),
            self.rotate_command()
        );
        Err(self.end(error.to_string(), state))
    }

    /// Keys that appeared since the user's keys were listed right before CreateAccessKey,
    /// that no file holds and that were never used: created by that call, its answer lost.
    /// Known by ID, never by the clock. (Only a key made by hand in the moment between a run
    /// dying inside that call and the resume, put nowhere and never used, would look the
    /// same; and if the call did create a key, the quota leaves no room for one by hand.)
    async fn strays(&mut self, keys: &[UserKey]) -> Result<Vec<String>, RotateError> {
        let inputs = self.read_files().map_err(|e| self.pause(e))?;
        let mut strays = Vec::new();
        for key in keys {
            let known = self.journal.keys_before.contains(&key.id)
                || self.journal.new_key_id.as_deref() == Some(key.id.as_str());
            if known || files::holds_key_id(&inputs, &key.id) {
                continue;
            }
            let used = self
                .signed(Phase::Old, async |aws: &Aws, c: &Credentials| {
                    aws.last_used(c, &key.id).await
                })
                .await?;
            if !matches!(used, Ok(Some(_))) {
                strays.push(key.id.clone());
            }
        }
        Ok(strays)
    }

    async fn verify(&mut self) -> Result<(), RotateError> {
        crash::point("before-verify");
        let new = self.credentials(Phase::New);
        let limit = self.options.propagation_limit;
        let aws = self.aws.clone();
        match until_accepted(limit, || aws.whoami(&new)).await {
            Ok(arn) if arn == self.journal.arn => {}
            Ok(arn) => {
                let reason = format!("the new key answers as {arn}, not {}", self.journal.arn);
                return self.undo(reason);
            }
            Err(e) if e.is_rejection() => {
                let reason = format!(
                    "AWS did not accept the new key within {} s ({e})",
                    limit.as_secs()
                );
                return self.undo(reason);
            }
            Err(e) => return Err(self.pause(format!("could not check the new key: {e}"))),
        }
        crash::point("after-verify");
        self.say("  the new key works");
        self.advance(Step::Verified)
    }

    fn write(&mut self) -> Result<(), RotateError> {
        crash::point("before-write");
        if self.journal.protected.is_some() {
            // The store first: a file must never name a key the store does not hold.
            self.store_new_key()?;
        }
        let inputs = self.read_files().map_err(|e| self.pause(e))?;
        let written = files::replace(&inputs, self.old_pair(), self.new_pair());
        // What the files hold decides, not what the write returned: a rename may be done
        // whatever error follows it.
        let holding = self.holding().map_err(|e| self.pause(e))?;
        let failure = match &written {
            Ok(_) if holding.old.is_empty() && !holding.new.is_empty() => None,
            Ok(_) => Some("the files changed while rotating".to_string()),
            Err(e) => Some(e.clone()),
        };
        if let Some(why) = failure {
            if !holding.old.is_empty() && !holding.new.is_empty() {
                // Some files were written and some not: put the old key back where the new
                // one went, so a failed write ends where it began.
                let inputs = self.read_files().map_err(|e| self.pause(e))?;
                let _ = files::replace(&inputs, self.new_pair(), self.old_pair());
            }
            let holding = self.holding().map_err(|e| self.pause(e))?;
            if holding.new.is_empty() {
                let why = if holding.old.is_empty() {
                    format!("{why}: no file holds the old key any more; nothing was written")
                } else {
                    why
                };
                return self.undo(why);
            }
            if !holding.old.is_empty() {
                return Err(self.pause(why));
            }
        }
        crash::point("after-write");
        match written {
            Ok(written) if !written.paths.is_empty() => {
                self.say(format!("  wrote {}", names(&written.paths)));
                for line in written.narrowed_lines() {
                    self.say(line);
                }
            }
            _ => self.say("  the files hold the new key"),
        }
        self.advance(Step::Written)
    }

    /// Deactivate, then (with `--delete`) delete the old key, signing with the new one: that
    /// also proves the new key can manage the user. Never while a file still holds the old key.
    async fn retire(&mut self, how: Retire) -> Result<(), RotateError> {
        crash::point(&format!("before-{}", how.point()));
        let holding = self.no_file_holds_the_old_key()?;
        if how == Retire::Deactivate && holding.new.is_empty() {
            return self.undo(
                "no file holds the new key any more (the profile was changed by hand?)".to_string(),
            );
        }
        let old = self.journal.old_key_id.clone();
        let limit = self.options.propagation_limit;
        let result = self
            .signed(Phase::New, async |aws: &Aws, c: &Credentials| {
                until_accepted(limit, || async {
                    match how {
                        Retire::Deactivate => aws.deactivate(c, None, &old).await,
                        Retire::Delete => aws.delete_key(c, &old).await,
                    }
                })
                .await
            })
            .await?;
        match result {
            Ok(()) => {}
            // Already gone: a call whose answer was lost, retried, or a key deleted by hand.
            Err(e) if e.kind == FailureKind::NotFound => {}
            Err(e) if e.kind == FailureKind::Permanent => {
                let (left, command) = match how {
                    Retire::Deactivate => (
                        "is still active. Deactivate it yourself",
                        self.suggest().deactivate_key(&self.journal.profile, &old),
                    ),
                    Retire::Delete => (
                        "is inactive but not deleted. Delete it yourself",
                        self.suggest().delete_key(&self.journal.profile, &old),
                    ),
                };
                let state = format!(
                    "Your files hold the new key {}, which works; the old key {} {left}: `{command}`",
                    self.show_new(),
                    self.show(&old),
                );
                return Err(self.end(e.to_string(), state));
            }
            Err(e) => return Err(self.pause(format!("could not {} the old key: {e}", how.point()))),
        }
        crash::point(&format!("after-{}", how.point()));
        self.say(format!("  {} the old key {}", how.done(), self.show(&old)));
        self.advance(match how {
            Retire::Deactivate => Step::Deactivated,
            Retire::Delete => Step::Deleted,
        })
    }

    /// Put the new key of a protected profile into the secret store, read back to be sure.
    fn store_new_key(&mut self) -> Result<(), RotateError> {
        if self.journal.protected.is_none() {
            return Ok(());
        }
        match self.put_new_key_in_store() {
            Ok(name) => {
                self.say(format!("  the new key is in {name}"));
                Ok(())
            }
            Err(e) => Err(self.pause(e)),
        }
    }

    /// The new key into the store and read back; the store's name, or why not.
    fn put_new_key_in_store(&self) -> Result<String, String> {
        let Some(protection) = self.journal.protected.clone() else {
            return Err("the key is not protected".to_string());
        };
        let key = StoredKey {
            secret_access_key: self.new_pair().secret.to_string(),
            mfa_serial: protection.mfa_serial,
            sessions: protection.sessions,
        };
        let new_id = self.new_pair().id.to_string();
        let stored = keychain::open(self.ctx.env).and_then(|store| {
            keychain::set_key(store.as_ref(), &new_id, &key)?;
            let back = keychain::get_key(store.as_ref(), &new_id)?;
            Ok((store.name(), back))
        });
        match stored {
            Ok((name, Some(back))) if back.secret_access_key == key.secret_access_key => Ok(name),
            Ok((name, _)) => Err(format!("{name} did not keep the new key")),
            Err(e) => Err(format!("cannot store the new key: {e}")),
        }
    }

    /// Remove a protected key's entries from the store: the old key once the rotation is
    /// done, the new one when it is undone. A leftover entry is harmless (its key no longer
    /// works) and is named so it can be removed by hand.
    fn forget_stored(&mut self, key_id: &str) {
        let forgotten = keychain::open(self.ctx.env).and_then(|store| {
            store.delete(Entry::Key(key_id))?;
            store.delete(Entry::Session(key_id))
        });
        if let Err(e) = forgotten {
            self.say(format!(
                "  the secret store still holds \"{}\" ({e}); remove it there",
                Entry::Key(key_id).label()
            ));
        }
    }

    fn finish(mut self) -> Result<(), RotateError> {
        if let Err(e) = Journal::clear(&self.ctx.state_dir) {
            return Err(RotateError::Failed {
                message: format!("cannot remove the rotation journal: {e}"),
                state: format!(
                    "The rotation itself is complete: your files hold the new key, which works. Remove the journal: `rm {}`",
                    quote(&Journal::path(&self.ctx.state_dir).to_string_lossy())
                ),
            });
        }
        let old = self.journal.old_key_id.clone();
        if self.journal.protected.is_some() {
            self.forget_stored(&old);
            if let Some(new) = self.journal.new_key_id.clone() {
                crate::protect::carry_record(&self.ctx.state_dir, &old, &new, &self.locations);
            }
            // Backups from before the key was protected hold its secret, dead now or not.
            let secret = self.journal.old_secret.clone();
            let removed = files::remove_backups_holding(&self.ctx.state_dir, &[&secret]);
            if let Some(line) = files::removed_line(&removed, "the old key") {
                self.say(line);
            }
        }
        self.say(format!(
            "Done: profile {} now uses {}.",
            self.journal.profile,
            self.show_new()
        ));
        let sessions_without_mfa = self
            .journal
            .protected
            .as_ref()
            .is_some_and(|p| p.sessions && p.mfa_serial.is_none());
        if !self.journal.delete_old {
            // A protected profile's sessions cannot call IAM without MFA, so an AWS CLI command
            // through it would be refused.
            let how = match sessions_without_mfa {
                false => self.suggest().delete_key(&self.journal.profile, &old),
                true => self.rotate_command_with(&["--yes"]),
            };
            let note = if sessions_without_mfa {
                " (the next rotation does, with --yes)"
            } else {
                ""
            };
            self.say(format!(
                "The old key {} is inactive. Once nothing else needs it, delete it{note}: `{how}`",
                self.show(&old)
            ));
        }
        self.name_copies(&old);
        Ok(())
    }

    /// Where else the old key sits (history, backups, other tools' files): dead now, but the
    /// places the next key will leak from. Named, never edited.
    fn name_copies(&mut self, old: &str) {
        let cwd = std::env::current_dir().ok();
        let known = KnownSecrets::new([(old, self.journal.old_secret.as_str())]);
        let scan = crate::scan::scan(self.ctx.env, &self.locations, cwd.as_deref(), &[], &known);
        let places: Vec<String> = scan
            .copies
            .iter()
            // awscheck's own backups keep the old key on purpose, and it is dead now.
            .filter(|copy| copy.key_id == old && copy.kind != PlaceKind::OwnRecord)
            .flat_map(|copy| file_lines(&copy.path, &copy.lines()))
            .collect();
        if !places.is_empty() {
            self.say(format!(
                "Copies of the old key are still in {}: it no longer works there, but remove them, and keep the new one out of such places.",
                places.join(", ")
            ));
        }
        // The last deep scan saw the whole tree, as it was then: its other copies too, when it
        // is recent. A damaged record only means none are named.
        let last: LastDeepScan =
            State::new(Some(self.ctx.state_dir.clone())).read(DEEP_SCAN_FILE, &mut Vec::new());
        let deep = last.copies_of(old, self.ctx.now);
        let seen: Vec<String> = deep
            .iter()
            .flat_map(|copy| file_lines(&copy.path, &copy.lines))
            .filter(|place| !places.contains(place))
            .collect();
        if let (false, Some(time)) = (seen.is_empty(), deep.iter().map(|c| c.seen).min()) {
            self.say(format!(
                "The deep scan of {} also saw the old key in {}: remove it there too.",
                time.format("%Y-%m-%d"),
                seen.join(", ")
            ));
        }
    }

    /// Take the new key back: the files keep (or get back) the old key, then the new key is
    /// deleted. Only ever before the old key is deactivated.
    async fn roll_back(mut self) -> Result<(), RotateError> {
        let reason = self.journal.undo.clone().unwrap_or_default();
        let new_id = self.journal.new_key_id.clone();
        if let Some(new_id) = &new_id {
            let holding = self.holding().map_err(|e| self.pause(e))?;
            if !holding.new.is_empty() {
                let inputs = self.read_files().map_err(|e| self.pause(e))?;
                if let Err(e) = files::replace(&inputs, self.new_pair(), self.old_pair()) {
                    return Err(
                        self.pause(format!("{reason}; putting the old key back failed: {e}"))
                    );
                }
                self.say(format!(
                    "  put the old key back into {}",
                    names(&holding.new)
                ));
            }
            crash::point("before-undo");
            let what = format!("The new key {} is used nowhere", self.show(new_id));
            self.delete_unused(new_id, &what, Some(&reason)).await?;
            if self.journal.protected.is_some() {
                self.forget_stored(new_id);
            }
        }
        // Undone: the message says what is true whether or not the journal could go, and a
        // journal left behind is refused with its own message by the next rotate.
        let _ = Journal::clear(&self.ctx.state_dir);
        let deleted = match &new_id {
            Some(id) => format!("The new key {} was deleted again; ", self.show(id)),
            None => String::new(),
        };
        Err(RotateError::Failed {
            message: reason,
            state: format!(
                "{deleted}your files hold the old key, which works{}. Try again: `{}`",
                self.room_note(),
                self.rotate_command()
            ),
        })
    }

    /// Delete a new key that nothing uses (its secret lost, or the rotation undone), signing
    /// with the old key. `what` says what the key is; `reason`, what led here.
    async fn delete_unused(
        &mut self,
        key: &str,
        what: &str,
        reason: Option<&str>,
    ) -> Result<(), RotateError> {
        let result = self
            .signed(Phase::Old, async |aws: &Aws, c: &Credentials| {
                aws.delete_key(c, key).await
            })
            .await?;
        let message = |e: &AwsError| match reason {
            Some(reason) => format!("{reason}; then {e}"),
            None => e.to_string(),
        };
        match result {
            Ok(()) => Ok(()),
            Err(e) if e.kind == FailureKind::NotFound => Ok(()),
            Err(e) if e.kind == FailureKind::Permanent => {
                let state = format!(
                    "Your files hold the old key, which works. {what}: nobody can use it. Delete it: `{}`",
                    self.suggest().delete_key(&self.journal.profile, key)
                );
                Err(self.end(message(&e), state))
            }
            Err(e) => Err(self.pause(message(&e))),
        }
    }

    // ----- journal and messages -----

    /// Record that `step` is complete.
    fn advance(&mut self, step: Step) -> Result<(), RotateError> {
        self.journal.step = step;
        self.journal
            .save(&self.ctx.state_dir)
            .map_err(|e| RotateError::Failed {
                message: format!("cannot write the rotation journal: {e}"),
                state: format!(
                    "{} Once the state folder {} is writable, go on: `{RESUME}`",
                    self.state_now(),
                    quote(&self.ctx.state_dir.to_string_lossy())
                ),
            })
    }

    /// Turn to undoing the rotation, for `reason`.
    fn undo(&mut self, reason: String) -> Result<(), RotateError> {
        self.journal.undo = Some(reason);
        // Unsaved, the undo still runs now; a resume would decide again from the step.
        let _ = self.journal.save(&self.ctx.state_dir);
        Ok(())
    }

    /// Stop for now: the journal stays and resuming goes on from here.
    fn pause(&self, what: impl Into<String>) -> RotateError {
        RotateError::Failed {
            message: what.into(),
            state: format!("{} Go on: `{RESUME}`", self.state_now()),
        }
    }

    /// Stop for good: nothing is left that resuming could do, so the journal goes.
    fn end(&self, message: String, state: String) -> RotateError {
        let state = match Journal::clear(&self.ctx.state_dir) {
            Ok(()) => state,
            Err(e) => format!("{state} (the rotation journal could not be removed: {e})"),
        };
        RotateError::Failed { message, state }
    }

    /// What is true now, in a sentence or two: which key the files hold and whether it works,
    /// and where IAM stands.
    fn state_now(&self) -> String {
        let journal = &self.journal;
        let old = self.show(&journal.old_key_id);
        let new = self.show_new();
        let old_works = journal.step < Step::Deactivated;
        let new_works = journal.step >= Step::Verified && journal.undo.is_none();
        let works = |yes: bool| if yes { ", which works" } else { "" };
        let files = match self.holding() {
            Err(e) => format!("awscheck cannot read your files now ({e})."),
            Ok(h) if h.new.is_empty() => {
                format!("Your files hold the old key {old}{}.", works(old_works))
            }
            Ok(h) if h.old.is_empty() => {
                format!("Your files hold the new key {new}{}.", works(new_works))
            }
            Ok(h) => format!(
                "{} hold the new key {new} and {} the old key {old}.",
                names(&h.new),
                names(&h.old)
            ),
        };
        let iam = match journal.step {
            Step::Started => "No new key exists yet.".to_string(),
            Step::RoomMade => format!("No new key exists yet{}.", self.room_note()),
            Step::Creating => {
                "A new key may exist whose answer from IAM was lost; resuming finds it by its ID."
                    .to_string()
            }
            Step::Created => format!("The new key {new} exists but is not yet proven to work."),
            Step::Verified => format!("The new key {new} works; the old key is still active."),
            Step::Written => format!("The old key {old} is still active."),
            Step::Deactivated => format!("The old key {old} is inactive but not deleted."),
            Step::Deleted => format!("The old key {old} is deleted."),
        };
        let undo = if journal.undo.is_some() {
            " The rotation is being undone: the new key is to be deleted."
        } else {
            ""
        };
        format!("{files} {iam}{undo}")
    }

    fn room_note(&self) -> String {
        match &self.journal.room_key {
            Some(room) if self.journal.step >= Step::RoomMade => {
                format!(" (the key {} was deleted to make room)", self.show(room))
            }
            _ => String::new(),
        }
    }

    fn suggest(&self) -> Suggest<'_> {
        Suggest::new(&self.locations, self.options.keys)
    }

    /// `awscheck rotate` for this profile and these files, to start again.
    fn rotate_command(&self) -> String {
        self.rotate_command_with(&[])
    }

    fn rotate_command_with(&self, extra: &[&str]) -> String {
        let mut args = Vec::new();
        if self.journal.delete_old {
            args.push("--delete");
        }
        args.extend_from_slice(extra);
        self.suggest().rotate(&self.journal.profile, &args)
    }

    fn say(&mut self, line: impl AsRef<str>) {
        say(self.ctx.out, format_args!("{}", line.as_ref()));
    }

    fn show(&self, key_id: &str) -> String {
        self.options.keys.show(key_id)
    }

    fn show_new(&self) -> String {
        self.journal
            .new_key_id
            .as_deref()
            .map(|id| self.show(id))
            .unwrap_or_default()
    }

    // ----- keys and files -----

    fn old_pair(&self) -> KeyPair<'_> {
        KeyPair {
            id: &self.journal.old_key_id,
            secret: &self.journal.old_secret,
        }
    }

    /// The new key; before it exists, a pair nothing matches.
    fn new_pair(&self) -> KeyPair<'_> {
        KeyPair {
            id: self.journal.new_key_id.as_deref().unwrap_or_default(),
            secret: self.journal.new_secret.as_deref().unwrap_or_default(),
        }
    }

    fn credentials(&self, phase: Phase) -> Credentials {
        let pair = match phase {
            Phase::New if self.journal.new_key_id.is_some() => self.new_pair(),
            _ => self.old_pair(),
        };
        Credentials::new(pair.id, pair.secret, None, None, "awscheck")
    }

    /// The files as they are on disk now, where the rotation started.
    fn read_files(&self) -> Result<Inputs, String> {
        Inputs::read(self.locations.clone()).map_err(|e| e.to_string())
    }

    fn holding(&self) -> Result<Holding, String> {
        let inputs = self.read_files()?;
        let old = files::holders(&inputs, self.old_pair())?;
        let new = if self.journal.new_key_id.is_some() {
            files::holders(&inputs, self.new_pair())?
        } else {
            Vec::new()
        };
        Ok(Holding { old, new })
    }

    /// Before the old key stops working, no file may hold it: where it is back (a backup
    /// restored by hand), the new key is written again.
    fn no_file_holds_the_old_key(&mut self) -> Result<Holding, RotateError> {
        let holding = self.holding().map_err(|e| self.pause(e))?;
        if holding.old.is_empty() {
            return Ok(holding);
        }
        let inputs = self.read_files().map_err(|e| self.pause(e))?;
        if let Err(e) = files::replace(&inputs, self.old_pair(), self.new_pair()) {
            return Err(self.pause(format!(
                "{} holds the old key again and cannot be written ({e}), so the old key stays active",
                names(&holding.old)
            )));
        }
        self.say(format!(
            "  wrote the new key again into {}",
            names(&holding.old)
        ));
        let holding = self.holding().map_err(|e| self.pause(e))?;
        if !holding.old.is_empty() {
            return Err(self.pause(format!(
                "{} still holds the old key, so the old key stays active",
                names(&holding.old)
            )));
        }
        Ok(holding)
    }

    /// Run `call` signed for `phase`: with the key itself, or an MFA session (renewed once
    /// when AWS says it expired). The outer error means no credentials could be had at all.
    async fn signed<T>(
        &mut self,
        phase: Phase,
        call: impl AsyncFn(&Aws, &Credentials) -> Result<T, AwsError>,
    ) -> Result<Result<T, AwsError>, RotateError> {
        let mut renewed = false;
        loop {
            let key = self.credentials(phase);
            let signing = self
                .signer
                .credentials(&self.aws, &key, &mut *self.ctx.ask, &mut *self.ctx.out)
                .await;
            let credentials = match signing {
                Ok(credentials) => credentials,
                Err(NoSession::NoCode { serial }) => {
                    return Err(RotateError::Failed {
                        message: format!(
                            "profile {} uses MFA ({serial}) and no code was given",
                            self.journal.profile
                        ),
                        state: format!(
                            "{} Go on in a terminal, where it asks for the code: `{RESUME}`",
                            self.state_now()
                        ),
                    })
                }
                Err(NoSession::Aws(e)) => {
                    return Err(self.pause(format!("cannot get an MFA session: {e}")))
                }
            };
            match call(&self.aws, &credentials).await {
                Err(e) if e.kind == FailureKind::Expired && !renewed && self.signer.expire() => {
                    renewed = true;
                    self.say("  the MFA session expired; a new one is needed");
                }
                result => return Ok(result),
            }
        }
    }
}

/// `path:line` for each line of a copy.
fn file_lines(path: &std::path::Path, lines: &[usize]) -> Vec<String> {
    lines
        .iter()
        .map(|line| format!("{}:{line}", path.display()))
        .collect()
}
