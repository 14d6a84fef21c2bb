//! `awscheck protect` and `unprotect`: move a profile's long-term key out of the credentials
//! file into the OS's secret store, and back.
//!
//! Protecting stores the key, reads it back, records how to undo each change (without the
//! secret), then rewrites every file that held the key with the same safe writer `rotate` uses:
//! backup, atomic replace, mode kept, only the key's lines changed. Once the files are written
//! the backups, which hold the secret, are removed: the undo record and the store give every
//! byte back. The profiles then get their credentials from `awscheck credential-process`
//! ([`session`]), each line naming its profile so that the sessions reach that profile's STS.
//! Unprotecting writes the key back first (0600 at most) and empties the store only once the
//! files hold it again: at every instant the key is in the store, in the files, or both.
//!
//! The callers take the lock that rotate, protect and unprotect share before they read the
//! files: what is read is what is written.

pub mod edit;
pub mod keychain;
#[cfg(feature = "online")]
pub mod session;

use crate::audit::suggest::quote;
use crate::audit::Inputs;
use crate::edit::files::{self, KeyPair};
use crate::edit::journal::Journal;
use crate::edit::plan::{self, Refusal};
use crate::profiles::credential_process;
use crate::profiles::model::{CredentialKind, Model};
use crate::sys::env::Env;
use crate::sys::mask::KeyDisplay;
use crate::sys::say::say;
use chrono::{DateTime, Utc};
use keychain::{SecretStore, StoredKey};
use serde::{Deserialize, Serialize};
use std::io::Write;
use std::path::{Path, PathBuf};

/// Another awscheck holds the lock that rotate, protect and unprotect share.
pub const BUSY: &str = "another awscheck rotate or protect is running; wait for it to finish";

/// How to take the protection of one key back, kept in the state folder. It holds no secret.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Record {
    pub key_id: String,
    pub profiles: Vec<String>,
    pub files: Vec<FileRecord>,
}

#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct FileRecord {
    pub path: PathBuf,
    /// The protected file's fingerprint: while it matches, the undo gives every byte back.
    pub fingerprint: String,
    pub undo: Vec<edit::Undo>,
}

impl Record {
    fn path(state_dir: &Path, key_id: &str) -> PathBuf {
        state_dir.join("protected").join(format!("{key_id}.json"))
    }

    fn load(state_dir: &Path, key_id: &str) -> Option<Record> {
        let bytes = std::fs::read(Record::path(state_dir, key_id)).ok()?;
        serde_json::from_slice(&bytes).ok()
    }

    fn save(&self, state_dir: &Path) -> std::io::Result<()> {
        let path = Record::path(state_dir, &self.key_id);
        crate::sys::atomic::create_private_dir(path.parent().unwrap_or(state_dir))?;
        let json = serde_json::to_vec_pretty(self).map_err(std::io::Error::other)?;
        crate::sys::atomic::write(&path, &json, 0o600)
    }

    fn remove(state_dir: &Path, key_id: &str) {
        // A record already gone is what removing wants.
        let _ = std::fs::remove_file(Record::path(state_dir, key_id));
    }
}

/// After a rotation replaced the protected key `old` with `new` in the files: the undo record
/// goes with the key. A file whose only change since it was protected is that ID keeps its
/// byte-for-byte undo, its original lines naming the new ID; any other file is put back by
/// [`unprotect`]'s line-by-line way. Never leaves the old record behind.
pub fn carry_record(
    state_dir: &Path,
    old: &str,
    new: &str,
    locations: &crate::input::locate::Locations,
) {
    let Some(mut record) = Record::load(state_dir, old) else {
        return;
    };
    Record::remove(state_dir, old);
    if old.len() != new.len() {
        return;
    }
    let current = |path: &Path| -> Option<String> {
        let is_ours = path == locations.config.path || path == locations.credentials.path;
        is_ours
            .then(|| std::fs::read_to_string(path).ok())
            .flatten()
    };
    record.files.retain_mut(|file| {
        let Some(now) = current(&file.path) else {
            return false;
        };
        if edit::fingerprint(&now.replace(new, old)) != file.fingerprint {
            return false;
        }
        file.fingerprint = edit::fingerprint(&now);
        for undo in &mut file.undo {
            undo.before = undo.before.replace(old, new);
        }
        true
    });
    record.key_id = new.to_string();
    // Without the record, unprotect puts the key lines back line by line: it still works.
    let _ = record.save(state_dir);
}

/// Remove awscheck's backups that hold the secret of a protected key: left by versions that
/// kept them, or by a protect whose writing failed. The store is only peeked at (nothing is
/// unlocked for this). Returns what was removed.
pub fn remove_protected_backups(
    env: &Env,
    model: &Model,
    state_dir: &Path,
    also: &[&str],
) -> Vec<PathBuf> {
    let protected: Vec<&str> = model
        .key_holders()
        .filter(|(p, _)| p.kind == CredentialKind::ProtectedKey)
        .map(|(_, key_id)| key_id)
        .collect();
    let mut secrets: Vec<String> = also.iter().map(|s| s.to_string()).collect();
    if !protected.is_empty() {
        if let Ok(store) = keychain::open(env) {
            for key_id in protected {
                if let Ok(Some(key)) = keychain::peek_key(store.as_ref(), key_id) {
                    secrets.push(key.secret_access_key);
                }
            }
        }
    }
    let secrets: Vec<&str> = secrets.iter().map(String::as_str).collect();
    files::remove_backups_holding(state_dir, &secrets)
}

/// What the user asked for.
pub struct Options {
    pub dry_run: bool,
    /// Hand out the long-term key itself instead of sessions.
    pub no_session: bool,
    pub keys: KeyDisplay,
}

pub struct Context<'a> {
    pub env: &'a Env,
    pub state_dir: PathBuf,
    pub out: &'a mut dyn Write,
    pub now: DateTime<Utc>,
}

/// Nothing was changed, for this reason (which ends with what to do instead).
#[derive(Debug)]
pub struct Refused(pub String);

impl std::fmt::Display for Refused {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

fn refused(text: impl Into<String>) -> Refused {
    Refused(text.into())
}

/// The program a `credential_process` line runs: `awscheck` by name when the binary on PATH
/// is this one, else this binary's absolute path (the SDKs split the line as a shell does).
fn program(env: &Env) -> Result<String, Refused> {
    let this = std::env::current_exe()
        .and_then(std::fs::canonicalize)
        .map_err(|e| refused(format!("cannot tell where the awscheck binary is: {e}")))?;
    let on_path = crate::sys::process::find_program(env, "awscheck")
        .and_then(|found| std::fs::canonicalize(found).ok());
    Ok(if on_path.as_deref() == Some(this.as_path()) {
        "awscheck".to_string()
    } else {
        quote(&this.to_string_lossy())
    })
}

/// The profile whose section holds line `line` of `source`, as the SDKs name it.
fn profile_at(source: &crate::input::source::SourceFile, line: usize) -> Option<String> {
    let sections = source.sections().ok()?;
    let section = sections.iter().rev().find(|s| s.line <= line)?;
    Some(crate::profiles::set::section_name(section.header).to_string()).filter(|n| !n.is_empty())
}

/// Protect the key of `profile` and every profile holding the same key. A profile protected
/// already gets its `credential_process` lines brought up to date, if they are not.
pub fn protect(
    inputs: &Inputs,
    model: &Model,
    profile: &str,
    options: &Options,
    ctx: &mut Context,
    open_store: &dyn Fn() -> Result<Box<dyn SecretStore>, keychain::StoreError>,
) -> Result<(), Refused> {
    refuse_during_rotation(&ctx.state_dir)?;
    if model.profile(profile).map(|p| p.kind) == Some(CredentialKind::ProtectedKey) {
        return update_lines(inputs, model, profile, options, ctx);
    }
    let plan = plan::plan(inputs, model, profile)
        .map_err(|Refusal(text)| refused(text.replace("rotate", "protect")))?;
    let holders_with_process: Vec<&str> = model
        .profiles
        .iter()
        .filter(|p| p.own_key() == Some(plan.old_key_id.as_str()))
        .filter(|p| p.section.get_named("credential_process").is_some())
        .map(|p| p.name())
        .collect();
    if !holders_with_process.is_empty() {
        return Err(refused(format!(
            "profile {} has a credential_process beside the key; remove one of the two first",
            holders_with_process.join(", ")
        )));
    }
    let store = open_store().map_err(|e| {
        refused(format!(
            "no usable secret store ({e}); nothing was changed. awscheck never keeps the key in another file instead"
        ))
    })?;
    let program = program(ctx.env)?;
    let key_id = plan.old_key_id.as_str();
    let shown = options.keys.show(key_id);
    let also = also(&plan.profiles, profile);
    let mut changes = Vec::new();
    let mut record = Record {
        key_id: key_id.to_string(),
        profiles: plan.profiles.clone(),
        files: Vec::new(),
    };
    let mut new_lines = Vec::new();
    for file in &plan.files {
        let source = inputs
            .sources()
            .into_iter()
            .find(|s| s.path == file.path)
            .ok_or_else(|| refused(format!("{} is no longer loaded", file.path.display())))?;
        let line_at = |number: usize| {
            let name = profile_at(source, number).unwrap_or_else(|| profile.to_string());
            credential_process::line(&program, &name, key_id)
        };
        new_lines.extend(file.key_ids.iter().map(|place| line_at(place.line)));
        let protected = edit::protect(&source.document, file, &plan.old_secret, &line_at);
        record.files.push(FileRecord {
            path: file.path.clone(),
            fingerprint: edit::fingerprint(&protected.text),
            undo: protected.undo,
        });
        changes.push(files::Change {
            path: file.path.clone(),
            text: protected.text,
            holds_secret: false,
        });
    }
    if options.dry_run {
        let out = &mut *ctx.out;
        say(
            out,
            format_args!("Dry run, nothing changed. Protecting profile {profile}{also} would:"),
        );
        say(
            out,
            format_args!("  store the key {shown} in {}", store.name()),
        );
        for file in &plan.files {
            say(
                out,
                format_args!(
                    "  replace the key lines of {} ({}) with:",
                    file.path.display(),
                    lines(file)
                ),
            );
        }
        for line in &new_lines {
            say(out, format_args!("    {}", line.replace(key_id, &shown)));
        }
        return Ok(());
    }

    let key = StoredKey {
        secret_access_key: plan.old_secret.clone(),
        mfa_serial: plan.mfa_serial.clone(),
        sessions: !options.no_session,
    };
    keychain::set_key(store.as_ref(), key_id, &key)
        .map_err(|e| refused(format!("{e}; nothing was changed")))?;
    // Only a key read back from the store may leave the files.
    let stored = keychain::get_key(store.as_ref(), key_id)
        .map_err(|e| refused(format!("{e}; the files were not changed")))?;
    if stored.map(|k| k.secret_access_key) != Some(plan.old_secret.clone()) {
        return Err(refused(format!(
            "{} did not give the key back as stored; the files were not changed",
            store.name()
        )));
    }
    let paths: Vec<PathBuf> = plan.files.iter().map(|f| f.path.clone()).collect();
    let backups = backup_all(&paths, ctx)?;
    save_record(&record, &ctx.state_dir)?;
    // A failed write keeps the backups: a file may be half way. The key is in the store, so
    // the next protect, unprotect or rotate removes them.
    let written = files::write_all(&changes).map_err(|e| {
        refused(format!(
            "{e}. The key is safe in {} and in your files as they were; run the same command again once they are writable",
            store.name()
        ))
    })?;
    // The backups hold the secret; the undo record and the store give every byte back.
    for backup in &backups {
        let _ = std::fs::remove_file(backup);
    }
    let older = remove_protected_backups(ctx.env, model, &ctx.state_dir, &[&plan.old_secret]);

    say(ctx.out, format_args!("Protected profile {profile}{also}: the key {shown} is in {}, and {} no longer hold{} it.",
        store.name(),
        files::names(&written.paths),
        if written.paths.len() == 1 { "s" } else { "" }));
    say(
        ctx.out,
        format_args!(
            "  removed the backups taken above{}: they held the key, which is now only in {}",
            match older.len() {
                0 => String::new(),
                n => format!(
                    " and {n} older one{} that held it",
                    if n == 1 { "" } else { "s" }
                ),
            },
            store.name()
        ),
    );
    let handed_out = if options.no_session {
        "the key itself, from the store, never from a file"
    } else {
        "12-hour sessions made with it (sts:GetSessionToken), which cannot call IAM without MFA"
    };
    say(ctx.out, format_args!("The profiles now get {handed_out}."));
    say(
        ctx.out,
        format_args!(
            "To take it back into the file: awscheck unprotect --profile {}",
            quote(profile)
        ),
    );
    Ok(())
}

/// The `credential_process` lines of a protected key that do not name their profile (written
/// before lines did), rewritten to do so. Only those lines change; the undo record follows.
fn update_lines(
    inputs: &Inputs,
    model: &Model,
    profile: &str,
    options: &Options,
    ctx: &mut Context,
) -> Result<(), Refused> {
    let key_id = model
        .profile(profile)
        .and_then(|p| p.own_key())
        .ok_or_else(|| refused(format!("profile {profile} is not protected by awscheck")))?;
    let program = program(ctx.env)?;
    let mut record = Record::load(&ctx.state_dir, key_id);
    let mut changes = Vec::new();
    let mut updated = Vec::new();
    for source in inputs.sources() {
        let text = source.document.text();
        let sections = source.sections().map_err(|e| refused(e.to_string()))?;
        let mut replacements = Vec::new();
        for section in &sections {
            let name = crate::profiles::set::section_name(section.header);
            for property in &section.properties {
                let names_key = property.key == "credential_process"
                    && credential_process::protected_key_id(&property.value) == Some(key_id);
                if !names_key
                    || credential_process::protected_profile(&property.value).as_deref()
                        == Some(name)
                {
                    continue;
                }
                let line = &source.document.lines()[property.line - 1];
                replacements.push((
                    line.start..line.end,
                    credential_process::line(&program, name, key_id),
                ));
                updated.push(name.to_string());
            }
        }
        if replacements.is_empty() {
            continue;
        }
        let file_record = record
            .as_mut()
            .and_then(|r| r.files.iter_mut().find(|f| f.path == source.path))
            .filter(|f| f.fingerprint == edit::fingerprint(text));
        let new_text = match file_record {
            Some(file) => {
                let new_text = edit::replace_lines(text, &mut file.undo, &replacements);
                file.fingerprint = edit::fingerprint(&new_text);
                new_text
            }
            None => edit::replace_lines(text, &mut [], &replacements),
        };
        changes.push(files::Change {
            path: source.path.clone(),
            text: new_text,
            holds_secret: false,
        });
    }
    let shown = options.keys.show(key_id);
    if changes.is_empty() {
        return Err(refused(format!(
            "profile {profile} is already protected: its key {shown} is in the secret store"
        )));
    }
    updated.dedup();
    if options.dry_run {
        say(ctx.out, format_args!("Dry run, nothing changed. The credential_process line of {} would name its profile, so that its sessions reach that profile's region and endpoint.",
            updated.join(", ")));
        return Ok(());
    }
    let paths: Vec<PathBuf> = changes.iter().map(|c| c.path.clone()).collect();
    backup_all(&paths, ctx)?;
    if let Some(record) = &record {
        save_record(record, &ctx.state_dir)?;
    }
    let written = files::write_all(&changes).map_err(|e| {
        refused(format!(
            "{e}; run the same command again once the files are writable"
        ))
    })?;
    let older = remove_protected_backups(ctx.env, model, &ctx.state_dir, &[]);
    say(ctx.out, format_args!("Updated the credential_process line of {} in {}: each names its profile now, so that its sessions reach that profile's region and endpoint. The key {shown} stays in the secret store.",
        updated.join(", "),
        files::names(&written.paths)));
    if let Some(line) = files::removed_line(&older, "a protected key") {
        say(ctx.out, format_args!("{line}"));
    }
    Ok(())
}

/// Put the key of the protected `profile` back into the files and empty the store.
pub fn unprotect(
    inputs: &Inputs,
    model: &Model,
    profile: &str,
    options: &Options,
    ctx: &mut Context,
    open_store: &dyn Fn() -> Result<Box<dyn SecretStore>, keychain::StoreError>,
) -> Result<(), Refused> {
    let resolved = model
        .profile(profile)
        .ok_or_else(|| refused(format!("no profile named `{profile}`")))?;
    let key_id = resolved
        .section
        .get_named("credential_process")
        .and_then(credential_process::protected_key_id)
        .filter(|_| resolved.kind == CredentialKind::ProtectedKey)
        .ok_or_else(|| refused(format!("profile {profile} is not protected by awscheck")))?;
    refuse_during_rotation(&ctx.state_dir)?;
    let store = open_store().map_err(|e| {
        refused(format!(
            "cannot reach the secret store ({e}); nothing was changed"
        ))
    })?;
    let shown = options.keys.show(key_id);
    let stored = keychain::get_key(store.as_ref(), key_id)
        .map_err(|e| refused(format!("{e}; nothing was changed")))?
        .ok_or_else(|| {
            refused(format!(
                "{} holds no key {shown}; nothing was changed. `awscheck audit` names the fix",
                store.name()
            ))
        })?;
    let secret = stored.secret_access_key;
    let record = Record::load(&ctx.state_dir, key_id);

    let mut changes = Vec::new();
    for source in inputs.sources() {
        let text = source.document.text();
        let exact = record
            .as_ref()
            .and_then(|r| r.files.iter().find(|f| f.path == source.path))
            .filter(|f| f.fingerprint == edit::fingerprint(text))
            .and_then(|f| edit::unprotect(text, &f.undo, &secret));
        let restored = match exact {
            Some(restored) => restored,
            // The file changed since: put the two key lines where the process line is.
            None => match reinsert(source, key_id, &secret) {
                Some(restored) => restored,
                None => continue,
            },
        };
        changes.push(files::Change {
            path: source.path.clone(),
            text: restored,
            holds_secret: true,
        });
    }
    if changes.is_empty() {
        return Err(refused(format!(
            "no file names the key {shown} in a credential_process line; nothing was changed"
        )));
    }
    if options.dry_run {
        say(ctx.out, format_args!("Dry run, nothing changed. Unprotecting would write the key {shown} back into {}, then remove it from {}.",
            files::names(&changes.iter().map(|c| c.path.clone()).collect::<Vec<_>>()),
            store.name()));
        return Ok(());
    }
    backup_all(
        &changes.iter().map(|c| c.path.clone()).collect::<Vec<_>>(),
        ctx,
    )?;
    let written = files::write_all(&changes).map_err(|e| {
        refused(format!(
            "{e}. The key is still in {}; run the same command again once the files are writable",
            store.name()
        ))
    })?;
    // The files must hold the key again before the store lets go of it.
    let back = Inputs::read(inputs.locations.clone()).map_err(|e| refused(e.to_string()))?;
    let holders = files::holders(
        &back,
        KeyPair {
            id: key_id,
            secret: &secret,
        },
    )
    .map_err(refused)?;
    if holders.is_empty() {
        return Err(refused(format!(
            "the files do not hold the key {shown} after writing it; it stays in {}",
            store.name()
        )));
    }
    let emptied = store
        .delete(keychain::Entry::Key(key_id))
        .and_then(|_| store.delete(keychain::Entry::Session(key_id)));
    Record::remove(&ctx.state_dir, key_id);
    // Backups from before the key was protected are no longer needed by anything.
    let older = files::remove_backups_holding(&ctx.state_dir, &[&secret]);
    say(
        ctx.out,
        format_args!(
            "Unprotected profile {profile}: the key {shown} is back in {}.",
            files::names(&written.paths)
        ),
    );
    for line in written.narrowed_lines() {
        say(ctx.out, format_args!("{line}"));
    }
    if let Some(line) = files::removed_line(&older, "it from before it was protected") {
        say(ctx.out, format_args!("{line}"));
    }
    if let Err(e) = emptied {
        say(
            ctx.out,
            format_args!(
                "A copy is still in {} ({e}); remove the item \"{}\" there yourself.",
                store.name(),
                keychain::Entry::Key(key_id).label()
            ),
        );
    }
    Ok(())
}

/// A file whose layout changed since it was protected: each `credential_process` line naming
/// the key becomes the key's two lines again, with that line's ending. `None` when the file
/// names the key nowhere.
fn reinsert(
    source: &crate::input::source::SourceFile,
    key_id: &str,
    secret: &str,
) -> Option<String> {
    let document = &source.document;
    let sections = source.sections().ok()?;
    let mut lines: Vec<usize> = sections
        .iter()
        .flat_map(|section| &section.properties)
        .filter(|p| p.key == "credential_process")
        .filter(|p| credential_process::protected_key_id(&p.value) == Some(key_id))
        .map(|p| p.line)
        .collect();
    if lines.is_empty() {
        return None;
    }
    lines.sort_unstable();
    let text = document.text();
    let mut restored = String::with_capacity(text.len() + 128);
    let mut copied = 0;
    for number in lines {
        let line = &document.lines()[number - 1];
        let ending = match &text[line.end..line.next] {
            "" => "\n",
            ending => ending,
        };
        restored.push_str(&text[copied..line.start]);
        restored.push_str(&format!(
            "aws_access_key_id = {key_id}{ending}aws_secret_access_key = {secret}"
        ));
        copied = line.end;
    }
    restored.push_str(&text[copied..]);
    Some(restored)
}

fn refuse_during_rotation(state_dir: &Path) -> Result<(), Refused> {
    if Journal::path(state_dir).exists() {
        return Err(refused(
            "a key rotation is unfinished; finish it first: `awscheck rotate --resume`",
        ));
    }
    Ok(())
}

/// The undo record, kept before any file changes.
fn save_record(record: &Record, state_dir: &Path) -> Result<(), Refused> {
    record.save(state_dir).map_err(|e| {
        refused(format!(
            "cannot keep the undo record: {e}; the files were not changed"
        ))
    })
}

/// Back up every file first; returns the copies.
fn backup_all(paths: &[PathBuf], ctx: &mut Context) -> Result<Vec<PathBuf>, Refused> {
    let mut copies = Vec::new();
    for path in paths {
        let copy = files::backup(path, &ctx.state_dir, ctx.now).map_err(|e| {
            refused(format!(
                "cannot back up {}: {e}; nothing was changed",
                path.display()
            ))
        })?;
        say(
            ctx.out,
            format_args!("  backed up {} to {}", path.display(), copy.display()),
        );
        copies.push(copy);
    }
    Ok(copies)
}

fn also(profiles: &[String], profile: &str) -> String {
    let others: Vec<&str> = profiles
        .iter()
        .filter(|p| *p != profile)
        .map(String::as_str)
        .collect();
    if others.is_empty() {
        String::new()
    } else {
        format!(" (and {}, which hold the same key)", others.join(", "))
    }
}

fn lines(file: &plan::FileEdit) -> String {
    let mut lines: Vec<usize> = file
        .key_ids
        .iter()
        .chain(&file.secrets)
        .map(|p| p.line)
        .collect();
    lines.sort_unstable();
    lines
        .iter()
        .map(usize::to_string)
        .collect::<Vec<_>>()
        .join(", ")
}
