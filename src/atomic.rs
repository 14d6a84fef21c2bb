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

/// A fully written and synced temporary file waiting to replace its target.
#[derive(Debug)]
pub struct Prepared {
    temp: PathBuf,
    target: PathBuf,
}

/// Write `contents` to a temporary file beside `path`, synced, with `mode`.
pub fn prepare(path: &Path, contents: &[u8], mode: u32) -> io::Result<Prepared> {
    let dir = parent(path);
    let name = path
        .file_name()
        .ok_or_else(|| io::Error::new(io::ErrorKind::InvalidInput, "path has no file name"))?;
    let temp = dir.join(format!(
        ".{}.awscheck-tmp-{}",
        name.to_string_lossy(),
        std::process::id()
    ));
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
            let _ = fs::remove_file(&temp);
            Err(error)
        }
    }
}

impl Prepared {
    /// Rename over the target and sync the folder, so the rename itself survives a crash.
    pub fn commit(self) -> io::Result<()> {
        if let Err(error) = fs::rename(&self.temp, &self.target) {
            let _ = fs::remove_file(&self.temp);
            return Err(error);
        }
        File::open(parent(&self.target))?.sync_all()
    }

    pub fn discard(self) {
        let _ = fs::remove_file(&self.temp);
    }
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
