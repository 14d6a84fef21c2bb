//! `awscheck protect` and `unprotect`: move a profile's long-term key out of the credentials
//! file into the OS's secret store, and back.
//!
//! Protecting stores the key, reads it back, records how to undo each change (without the
//! secret), then rewrites every file that held the key with the same safe writer `rotate` uses:
//! backup, atomic replace, mode kept, only the key's lines changed. The profiles then get their
//! credentials from `awscheck credential-process` ([`session`]). Unprotecting writes the key
//! back first and empties the store only once the files hold it again: at every instant the
//! key is in the store, in the files, or both.

pub mod edit;
pub mod session;

use crate::audit::Inputs;
use crate::env::Env;
use crate::keychain::{self, SecretStore, StoredKey};
use crate::mask::KeyDisplay;
use crate::model::{CredentialKind, Model};
use crate::rotate::files::{self, KeyPair};
use crate::rotate::journal::Journal;
use crate::rotate::plan::{self, Refusal};
use crate::suggest::quote;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use std::io::Write;
use std::path::{Path, PathBuf};

/// Another awscheck holds the lock that rotate, protect and unprotect share.
const BUSY: &str = "another awscheck rotate or protect is running; wait for it to finish";

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
        crate::atomic::create_private_dir(path.parent().unwrap_or(state_dir))?;
        let json = serde_json::to_vec_pretty(self).map_err(std::io::Error::other)?;
        crate::atomic::write(&path, &json, 0o600)
    }
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

/// The `credential_process` line for a key: `awscheck` by name when the binary on PATH is
/// this one, else this binary's absolute path (the SDKs split the line as a shell does).
pub fn process_line(env: &Env, key_id: &str) -> Result<String, Refused> {
    let this = std::env::current_exe()
        .and_then(std::fs::canonicalize)
        .map_err(|e| refused(format!("cannot tell where the awscheck binary is: {e}")))?;
    let on_path = crate::process::find_program(env, "awscheck")
        .and_then(|found| std::fs::canonicalize(found).ok());
    let program = if on_path.as_deref() == Some(this.as_path()) {
        "awscheck".to_string()
    } else {
        quote(&this.to_string_lossy())
    };
    Ok(format!(
        "credential_process = {program} credential-process --key-id {}",
        quote(key_id)
    ))
}

/// Protect the key of `profile` and every profile holding the same key.
pub fn protect(
    inputs: &Inputs,
    model: &Model,
    profile: &str,
    options: &Options,
    ctx: &mut Context,
    open_store: &dyn Fn() -> Result<Box<dyn SecretStore>, keychain::StoreError>,
) -> Result<(), Refused> {
    if model.profile(profile).map(|p| p.kind) == Some(CredentialKind::ProtectedKey) {
        return Err(refused(format!(
            "profile {profile} is already protected: its key is in the secret store"
        )));
    }
    let plan = plan::plan(inputs, model, profile)
        .map_err(|Refusal(text)| refused(text.replace("rotate", "protect")))?;
    let holders_with_process: Vec<&str> = model
        .profiles
        .iter()
        .filter(|p| p.own_key() == Some(plan.old_key_id.as_str()))
        .filter(|p| p.section.get("credential_process").is_some())
        .map(|p| p.name())
        .collect();
    if !holders_with_process.is_empty() {
        return Err(refused(format!(
            "profile {} has a credential_process beside the key; remove one of the two first",
            holders_with_process.join(", ")
        )));
    }
    refuse_during_rotation(&ctx.state_dir)?;
    let store = open_store().map_err(|e| {
        refused(format!(
            "no usable secret store ({e}); nothing was changed. awscheck never keeps the key in another file instead"
        ))
    })?;
    let line = process_line(ctx.env, &plan.old_key_id)?;
    let shown = options.keys.show(&plan.old_key_id);
    let also = also(&plan.profiles, profile);
    if options.dry_run {
        let out = &mut *ctx.out;
        let _ = writeln!(
            out,
            "Dry run, nothing changed. Protecting profile {profile}{also} would:"
        );
        let _ = writeln!(out, "  store the key {shown} in {}", store.name());
        for file in &plan.files {
            let _ = writeln!(
                out,
                "  back up {} and replace its key lines ({}) with:",
                file.path.display(),
                lines(file)
            );
        }
        let _ = writeln!(out, "    {}", line.replace(&plan.old_key_id, &shown));
        return Ok(());
    }
    let _lock = crate::rotate::lock(&ctx.state_dir, BUSY).map_err(Refused)?;

    let key = StoredKey {
        secret_access_key: plan.old_secret.clone(),
        mfa_serial: plan.mfa_serial.clone(),
        sessions: !options.no_session,
    };
    keychain::set_key(store.as_ref(), &plan.old_key_id, &key)
        .map_err(|e| refused(format!("{e}; nothing was changed")))?;
    // Only a key read back from the store may leave the files.
    let stored = keychain::get_key(store.as_ref(), &plan.old_key_id)
        .map_err(|e| refused(format!("{e}; the files were not changed")))?;
    if stored.map(|k| k.secret_access_key) != Some(plan.old_secret.clone()) {
        return Err(refused(format!(
            "{} did not give the key back as stored; the files were not changed",
            store.name()
        )));
    }

    let mut changes = Vec::new();
    let mut record = Record {
        key_id: plan.old_key_id.clone(),
        profiles: plan.profiles.clone(),
        files: Vec::new(),
    };
    for file in &plan.files {
        let source = inputs
            .sources()
            .into_iter()
            .find(|s| s.path == file.path)
            .ok_or_else(|| refused(format!("{} is no longer loaded", file.path.display())))?;
        let protected = edit::protect(&source.document, file, &plan.old_secret, &line);
        record.files.push(FileRecord {
            path: file.path.clone(),
            fingerprint: edit::fingerprint(&protected.text),
            undo: protected.undo,
        });
        changes.push((file.path.clone(), protected.text));
    }
    backup_all(
        &plan
            .files
            .iter()
            .map(|f| f.path.clone())
            .collect::<Vec<_>>(),
        ctx,
    )?;
    record.save(&ctx.state_dir).map_err(|e| {
        refused(format!(
            "cannot keep the undo record: {e}; the files were not changed"
        ))
    })?;
    files::write_all(&changes).map_err(|e| {
        refused(format!(
            "{e}. The key is safe in {} and in your files as they were; run the same command again once they are writable",
            store.name()
        ))
    })?;

    let _ = writeln!(
        ctx.out,
        "Protected profile {profile}{also}: the key {shown} is in {}, and {} no longer hold{} it.",
        store.name(),
        written(&changes),
        if changes.len() == 1 { "s" } else { "" }
    );
    let handed_out = if options.no_session {
        "the key itself, from the store, never from a file"
    } else {
        "12-hour sessions made with it (sts:GetSessionToken), which cannot call IAM without MFA"
    };
    let _ = writeln!(ctx.out, "The profiles now get {handed_out}.");
    let _ = writeln!(
        ctx.out,
        "To take it back into the file: awscheck unprotect --profile {}",
        quote(profile)
    );
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
        .get("credential_process")
        .and_then(keychain::protected_key_id)
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
                "{} holds no key {shown}; nothing was changed. The copies awscheck took of your files before protecting are in {}",
                store.name(),
                ctx.state_dir.join("backups").display()
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
        changes.push((source.path.clone(), restored));
    }
    if changes.is_empty() {
        return Err(refused(format!(
            "no file names the key {shown} in a credential_process line; nothing was changed"
        )));
    }
    if options.dry_run {
        let _ = writeln!(
            ctx.out,
            "Dry run, nothing changed. Unprotecting would write the key {shown} back into {}, then remove it from {}.",
            written(&changes),
            store.name()
        );
        return Ok(());
    }
    let _lock = crate::rotate::lock(&ctx.state_dir, BUSY).map_err(Refused)?;
    backup_all(
        &changes.iter().map(|(p, _)| p.clone()).collect::<Vec<_>>(),
        ctx,
    )?;
    files::write_all(&changes).map_err(|e| {
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
    let _ = std::fs::remove_file(Record::path(&ctx.state_dir, key_id));
    let _ = writeln!(
        ctx.out,
        "Unprotected profile {profile}: the key {shown} is back in {}.",
        written(&changes)
    );
    if let Err(e) = emptied {
        let _ = writeln!(
            ctx.out,
            "A copy is still in {} ({e}); remove the item \"{}\" there yourself.",
            store.name(),
            keychain::Entry::Key(key_id).label()
        );
    }
    Ok(())
}

/// A file whose layout changed since it was protected: each `credential_process` line naming
/// the key becomes the key's two lines again, with that line's ending. `None` when the file
/// names the key nowhere.
fn reinsert(source: &crate::source::SourceFile, key_id: &str, secret: &str) -> Option<String> {
    let document = &source.document;
    let sections = source.sections().ok()?;
    let mut lines: Vec<usize> = sections
        .iter()
        .flat_map(|section| &section.properties)
        .filter(|p| p.key == "credential_process")
        .filter(|p| keychain::protected_key_id(&p.value) == Some(key_id))
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

fn backup_all(paths: &[PathBuf], ctx: &mut Context) -> Result<(), Refused> {
    for path in paths {
        let copy = files::backup(path, &ctx.state_dir, ctx.now).map_err(|e| {
            refused(format!(
                "cannot back up {}: {e}; nothing was changed",
                path.display()
            ))
        })?;
        let _ = writeln!(
            ctx.out,
            "  backed up {} to {}",
            path.display(),
            copy.display()
        );
    }
    Ok(())
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

/// The files of `changes`, for a message.
fn written(changes: &[(PathBuf, String)]) -> String {
    let paths: Vec<PathBuf> = changes.iter().map(|(path, _)| path.clone()).collect();
    files::names(&paths)
}
