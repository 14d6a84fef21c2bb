//! Backing up, reading and rewriting the user's files for a rotation.
//!
//! A backup of every file is taken before anything else happens (0600, timestamped, in the
//! state folder, the last few kept). A key is replaced through the lossless document, so only
//! its values change, in the file a symlink points at, keeping its mode; all files are
//! prepared before any is renamed into place. What the files hold is always read back from
//! disk: a rotation decides its next step by what is there, not by what a write returned.

use super::plan;
use crate::audit::Inputs;
use crate::sys::atomic::{self, Prepared};
use chrono::{DateTime, Utc};
use std::io;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};

/// A key as the files hold it.
#[derive(Clone, Copy)]
pub struct KeyPair<'a> {
    pub id: &'a str,
    pub secret: &'a str,
}

/// The files that hold `key` anywhere: its ID, or its secret (which may sit in another
/// section or file than the ID).
pub fn holders(inputs: &Inputs, key: KeyPair) -> Result<Vec<PathBuf>, String> {
    let edits = plan::edits_for_key(inputs, key.id, Some(key.secret))
        .map_err(|plan::Refusal(text)| text)?;
    Ok(edits.into_iter().map(|edit| edit.path).collect())
}

/// A file's new text, and whether it holds a secret once written.
pub struct Change {
    pub path: PathBuf,
    pub text: String,
    /// A file that holds a secret is written private to its owner (0600 at most), however
    /// wide its mode was.
    pub holds_secret: bool,
}

/// Files whose mode was narrowed because they hold a secret: (file, mode it had).
type Narrowed = Vec<(PathBuf, u32)>;

/// What a write did.
#[derive(Debug, Default)]
pub struct Written {
    pub paths: Vec<PathBuf>,
    pub narrowed: Narrowed,
}

impl Written {
    /// One line per narrowed file, for the user.
    pub fn narrowed_lines(&self) -> Vec<String> {
        self.narrowed
            .iter()
            .map(|(path, mode)| {
                format!(
                    "  made {} private (mode {:04o} to {:04o}): it holds a secret",
                    path.display(),
                    mode,
                    private_mode(*mode)
                )
            })
            .collect()
    }
}

/// The mode a file holding a secret gets: its owner's read and write bits, nothing more.
pub fn private_mode(mode: u32) -> u32 {
    mode & 0o600
}

/// Replace every copy of `from` in the files with `to`; returns the files written. On an
/// error some files may be written and others not: read them back to know.
pub fn replace(inputs: &Inputs, from: KeyPair, to: KeyPair) -> Result<Written, String> {
    let edits =
        plan::edits_for_key(inputs, from.id, Some(from.secret)).map_err(|plan::Refusal(t)| t)?;
    let mut changes = Vec::new();
    for edit in &edits {
        let source = inputs
            .sources()
            .into_iter()
            .find(|s| s.path == edit.path)
            .ok_or_else(|| format!("{} is no longer there", edit.path.display()))?;
        let edited = plan::apply(&source.document, edit, to.id, to.secret);
        changes.push(Change {
            path: edit.path.clone(),
            text: edited.text().to_string(),
            // A protected key's files name only its ID.
            holds_secret: !edit.secrets.is_empty(),
        });
    }
    write_all(&changes)
}

/// Write every file's new text: all prepared first, then renamed one by one. On an error
/// some files may be written and others not.
pub fn write_all(changes: &[Change]) -> Result<Written, String> {
    let (prepared, narrowed) = prepare_all(changes).map_err(|e| format!("cannot write {e}"))?;
    let mut written = Written {
        paths: Vec::new(),
        narrowed,
    };
    for (file, change) in prepared.into_iter().zip(changes) {
        file.commit()
            .map_err(|e| format!("cannot replace {}: {e}", change.path.display()))?;
        written.paths.push(change.path.clone());
        crate::sys::crash::point("between-files");
    }
    Ok(written)
}

/// Backups kept per file name.
const KEEP_BACKUPS: usize = 5;

/// Copy `path` into `state_dir/backups/`, returning the backup's path.
pub fn backup(path: &Path, state_dir: &Path, now: DateTime<Utc>) -> io::Result<PathBuf> {
    let dir = state_dir.join("backups");
    atomic::create_private_dir(&dir)?;
    let name = path
        .file_name()
        .ok_or_else(|| io::Error::new(io::ErrorKind::InvalidInput, "no file name"))?
        .to_string_lossy()
        .into_owned();
    let contents = std::fs::read(path)?;
    let stamp = now.format("%Y%m%dT%H%M%S%.3fZ");
    let mut target = dir.join(format!("{name}.{stamp}"));
    let mut counter = 1;
    while target.exists() {
        target = dir.join(format!("{name}.{stamp}.{counter}"));
        counter += 1;
    }
    atomic::write(&target, &contents, 0o600)?;
    prune(&dir, &name);
    Ok(target)
}

/// Remove every backup (and every temporary file a stopped run left in the backups folder)
/// that holds one of `secrets`: once a key is in the secret store, no copy of it may stay on
/// the disk. Returns the files removed.
pub fn remove_backups_holding(state_dir: &Path, secrets: &[&str]) -> Vec<PathBuf> {
    let secrets: Vec<&str> = secrets.iter().copied().filter(|s| !s.is_empty()).collect();
    if secrets.is_empty() {
        return Vec::new();
    }
    let Ok(entries) = std::fs::read_dir(state_dir.join("backups")) else {
        return Vec::new();
    };
    let mut removed = Vec::new();
    for entry in entries.flatten() {
        if !entry.file_type().is_ok_and(|t| t.is_file()) {
            continue;
        }
        let path = entry.path();
        // Backups are copies of AWS files awscheck read, which are far below the limit.
        let Ok(bytes) = std::fs::read(&path) else {
            continue;
        };
        let holds = secrets
            .iter()
            .any(|secret| memchr::memmem::find(&bytes, secret.as_bytes()).is_some());
        if holds && std::fs::remove_file(&path).is_ok() {
            removed.push(path);
        }
    }
    removed.sort();
    removed
}

/// `  removed 2 backups of awscheck's that held WHAT`, or nothing when none was.
pub fn removed_line(removed: &[PathBuf], what: &str) -> Option<String> {
    match removed.len() {
        0 => None,
        1 => Some(format!("  removed 1 backup of awscheck's that held {what}")),
        n => Some(format!(
            "  removed {n} backups of awscheck's that held {what}"
        )),
    }
}

/// Keep the newest few backups of one file; the timestamp in the name sorts them.
fn prune(dir: &Path, name: &str) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    let prefix = format!("{name}.");
    let mut backups: Vec<PathBuf> = entries
        .filter_map(|entry| entry.ok().map(|e| e.path()))
        .filter(|path| {
            path.file_name().and_then(|n| n.to_str()).is_some_and(|n| {
                n.strip_prefix(&prefix)
                    .is_some_and(|rest| rest.starts_with(|c: char| c.is_ascii_digit()))
            })
        })
        .collect();
    backups.sort();
    let excess = backups.len().saturating_sub(KEEP_BACKUPS);
    for old in &backups[..excess] {
        // An old backup that cannot be pruned is only one more file; the new one is written.
        let _ = std::fs::remove_file(old);
    }
}

/// Where writes to `path` must go: through symlinks to the real file.
pub fn write_target(path: &Path) -> io::Result<PathBuf> {
    std::fs::canonicalize(path)
}

/// Prepare new contents for every file, keeping each file's mode (narrowed for a file that
/// holds a secret); nothing is replaced yet.
fn prepare_all(changes: &[Change]) -> io::Result<(Vec<Prepared>, Narrowed)> {
    if crate::sys::crash::write_fails() {
        return Err(io::Error::new(
            io::ErrorKind::PermissionDenied,
            "read-only file system (injected)",
        ));
    }
    let mut prepared = Vec::new();
    let mut narrowed = Vec::new();
    for change in changes {
        let path = &change.path;
        // What a killed run left beside the file may hold a secret.
        let _ = write_target(path).map(|target| atomic::remove_stale_temps(&target));
        let result = write_target(path).and_then(|target| {
            let mode = std::fs::metadata(&target)?.permissions().mode() & 0o7777;
            let new_mode = match change.holds_secret {
                true => private_mode(mode),
                false => mode,
            };
            if new_mode != mode {
                narrowed.push((path.clone(), mode));
            }
            atomic::prepare(&target, change.text.as_bytes(), new_mode)
        });
        match result {
            Ok(file) => prepared.push(file),
            Err(error) => {
                drop(prepared);
                return Err(io::Error::new(
                    error.kind(),
                    format!("{}: {error}", path.display()),
                ));
            }
        }
    }
    Ok((prepared, narrowed))
}

/// Whether any file holds `key_id` as a key ID.
pub fn holds_key_id(inputs: &Inputs, key_id: &str) -> bool {
    plan::edits_for_key(inputs, key_id, None)
        .is_ok_and(|edits| edits.iter().any(|edit| !edit.key_ids.is_empty()))
}

/// `a`, `a and b` or `a, b and c`: file paths for a message.
pub fn names(paths: &[PathBuf]) -> String {
    let names: Vec<String> = paths.iter().map(|p| p.display().to_string()).collect();
    match names.as_slice() {
        [] => "no file".to_string(),
        [one] => one.clone(),
        [rest @ .., last] => format!("{} and {last}", rest.join(", ")),
    }
}
