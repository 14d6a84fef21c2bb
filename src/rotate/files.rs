//! Backing up and rewriting the user's files for a rotation.
//!
//! A backup of every file is taken before anything else happens (0600, timestamped, in the
//! state folder, the last few kept). New contents are written through the lossless document,
//! so only the replaced values change, to the file a symlink points at, keeping its mode. All
//! files are prepared before any is renamed into place.

use crate::atomic::{self, Prepared};
use chrono::{DateTime, Utc};
use std::io;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};

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
        let _ = std::fs::remove_file(old);
    }
}

/// Where writes to `path` must go: through symlinks to the real file.
pub fn write_target(path: &Path) -> io::Result<PathBuf> {
    std::fs::canonicalize(path)
}

/// Prepare new contents for every file, keeping each file's mode; nothing is replaced yet.
pub fn prepare_all(changes: &[(PathBuf, String)]) -> io::Result<Vec<Prepared>> {
    if crate::crash::write_fails() {
        return Err(io::Error::new(
            io::ErrorKind::PermissionDenied,
            "read-only file system (injected)",
        ));
    }
    let mut prepared = Vec::new();
    for (path, text) in changes {
        let result = write_target(path).and_then(|target| {
            let mode = std::fs::metadata(&target)?.permissions().mode() & 0o7777;
            atomic::prepare(&target, text.as_bytes(), mode)
        });
        match result {
            Ok(file) => prepared.push(file),
            Err(error) => {
                prepared.into_iter().for_each(Prepared::discard);
                return Err(io::Error::new(
                    error.kind(),
                    format!("{}: {error}", path.display()),
                ));
            }
        }
    }
    Ok(prepared)
}

/// Put a file back from its backup, keeping the file's current mode.
pub fn restore(path: &Path, backup: &Path) -> io::Result<()> {
    let target = write_target(path)?;
    let mode = std::fs::metadata(&target)?.permissions().mode() & 0o7777;
    atomic::write(&target, &std::fs::read(backup)?, mode)
}
