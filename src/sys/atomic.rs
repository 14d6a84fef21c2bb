//! Writing a file so that a crash leaves either the old content or the new, never a mix.
//!
//! Temporary file in the same folder, fsync, rename over the target, fsync the folder. Used
//! for awscheck's own state and, through `rotate`, for the user's AWS files. Preparing and
//! committing are separate steps so that several files can be prepared first and renamed only
//! when every one of them is ready.

use std::fs::{self, File, OpenOptions};
use std::io::{self, Write};
use std::os::unix::fs::{OpenOptionsExt, PermissionsExt};
use std::path::{Path, PathBuf};

/// Replace `path` with `contents`, giving the result `mode`.
pub fn write(path: &Path, contents: &[u8], mode: u32) -> io::Result<()> {
    prepare(path, contents, mode)?.commit()
}

/// A fully written and synced temporary file waiting to replace its target. Dropped without
/// [`Prepared::commit`], it removes itself: it may hold a secret meant for the target.
#[derive(Debug)]
pub struct Prepared {
    temp: PathBuf,
    target: PathBuf,
}

/// The temporary file beside `path` that this process writes.
fn temp_path(path: &Path) -> io::Result<PathBuf> {
    let name = path
        .file_name()
        .ok_or_else(|| io::Error::new(io::ErrorKind::InvalidInput, "path has no file name"))?;
    Ok(parent(path).join(format!(
        "{}{}",
        temp_prefix(&name.to_string_lossy()),
        std::process::id()
    )))
}

/// In the name of every temporary file awscheck writes.
pub const TEMP_MARK: &str = ".awscheck-tmp-";

fn temp_prefix(name: &str) -> String {
    format!(".{name}{TEMP_MARK}")
}

/// Write `contents` to a temporary file beside `path`, synced, with `mode`.
pub fn prepare(path: &Path, contents: &[u8], mode: u32) -> io::Result<Prepared> {
    let temp = temp_path(path)?;
    let result = (|| {
        let mut file = OpenOptions::new()
            .write(true)
            .create_new(true)
            .mode(mode)
            .open(&temp)?;
        // The umask may have cleared bits of `mode`; set it exactly.
        file.set_permissions(fs::Permissions::from_mode(mode))?;
        file.write_all(contents)?;
        file.sync_all()
    })();
    match result {
        Ok(()) => Ok(Prepared {
            temp,
            target: path.to_path_buf(),
        }),
        Err(error) => {
            // The write failed: this removes what it left, and its own error adds nothing.
            let _ = fs::remove_file(&temp);
            Err(error)
        }
    }
}

impl Prepared {
    /// Rename over the target, then sync the folder so the rename itself survives a crash.
    /// Only the rename can fail: once it is done, every reader sees the new contents and
    /// there is nothing to undo, so a folder sync that fails (or that the file system does
    /// not support) does not turn a finished write into a failed one.
    pub fn commit(self) -> io::Result<()> {
        let result = fs::rename(&self.temp, &self.target);
        if result.is_err() {
            // The rename failed and is the error to report; the temporary file goes if it can.
            let _ = fs::remove_file(&self.temp);
        }
        let target = self.target.clone();
        // Renamed or removed: nothing is left for Drop.
        std::mem::forget(self);
        result?;
        let _ = File::open(parent(&target)).and_then(|dir| dir.sync_all());
        Ok(())
    }

    pub fn discard(self) {
        drop(self);
    }
}

impl Drop for Prepared {
    fn drop(&mut self) {
        // Dropped unused: may hold a secret meant for the target, so it goes if it can.
        let _ = fs::remove_file(&self.temp);
    }
}

/// Remove temporary files that an earlier awscheck, killed between preparing and renaming,
/// left beside `path`. They may hold a secret. Call only while holding the lock of whatever
/// writes `path`, so no live writer's file is taken.
pub fn remove_stale_temps(path: &Path) -> io::Result<usize> {
    let Some(name) = path.file_name() else {
        return Ok(0);
    };
    let prefix = temp_prefix(&name.to_string_lossy());
    let mut removed = 0;
    let entries = match fs::read_dir(parent(path)) {
        Ok(entries) => entries,
        Err(error) if error.kind() == io::ErrorKind::NotFound => return Ok(0),
        Err(error) => return Err(error),
    };
    for entry in entries {
        let entry = entry?;
        let file_name = entry.file_name();
        let stale = file_name.to_str().is_some_and(|n| {
            n.strip_prefix(&prefix)
                .is_some_and(|pid| !pid.is_empty() && pid.bytes().all(|b| b.is_ascii_digit()))
        });
        if stale && entry.file_type()?.is_file() {
            fs::remove_file(entry.path())?;
            removed += 1;
        }
    }
    Ok(removed)
}

fn parent(path: &Path) -> &Path {
    path.parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."))
}

/// Create `dir` and its parents, the last one private to the user.
pub fn create_private_dir(dir: &Path) -> io::Result<()> {
    if dir.is_dir() {
        return Ok(());
    }
    fs::create_dir_all(dir)?;
    fs::set_permissions(dir, fs::Permissions::from_mode(0o700))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_prepared_file_that_is_not_committed_leaves_nothing_behind() {
        let dir = tempfile::tempdir().unwrap();
        let target = dir.path().join("credentials");
        fs::write(&target, "old").unwrap();
        drop(prepare(&target, b"new secret", 0o600).unwrap());
        let names: Vec<_> = fs::read_dir(dir.path()).unwrap().collect();
        assert_eq!(names.len(), 1, "{names:?}");
        prepare(&target, b"new", 0o600).unwrap().commit().unwrap();
        assert_eq!(fs::read(&target).unwrap(), b"new");
        assert_eq!(fs::read_dir(dir.path()).unwrap().count(), 1);
    }

    #[test]
    fn stale_temporary_files_of_a_killed_run_are_removed() {
        let dir = tempfile::tempdir().unwrap();
        let target = dir.path().join("credentials");
        fs::write(&target, "old").unwrap();
        for name in [
            ".credentials.awscheck-tmp-4242",
            ".credentials.awscheck-tmp-x",
            ".config.awscheck-tmp-1",
        ] {
            fs::write(dir.path().join(name), "secret").unwrap();
        }
        assert_eq!(remove_stale_temps(&target).unwrap(), 1);
        assert!(!dir.path().join(".credentials.awscheck-tmp-4242").exists());
        assert!(dir.path().join(".credentials.awscheck-tmp-x").exists());
        assert!(dir.path().join(".config.awscheck-tmp-1").exists());
    }
}
