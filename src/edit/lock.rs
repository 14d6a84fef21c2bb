//! The lock that rotate, protect and unprotect share: they rewrite the same files, so two never
//! overlap. Taken before the files are read, so that what is read is what is written.

use std::fs::File;
use std::path::Path;

/// Held while a rotation, protect or unprotect runs: they rewrite the same files, so two
/// never overlap (released when dropped or on exit).
pub struct Lock(#[allow(dead_code)] File);

/// Take the lock in `state_dir`, or say why not: `busy` when another awscheck holds it.
pub fn lock(state_dir: &Path, busy: &str) -> Result<Lock, String> {
    crate::sys::atomic::create_private_dir(state_dir).map_err(|e| {
        format!(
            "cannot create the state folder {}: {e}",
            state_dir.display()
        )
    })?;
    let path = state_dir.join("rotate.lock");
    let file = File::options()
        .create(true)
        .truncate(false)
        .write(true)
        .open(&path)
        .map_err(|e| format!("cannot open {}: {e}", path.display()))?;
    match file.try_lock() {
        Ok(()) => Ok(Lock(file)),
        Err(std::fs::TryLockError::WouldBlock) => Err(busy.to_string()),
        Err(std::fs::TryLockError::Error(e)) => Err(format!("cannot lock {}: {e}", path.display())),
    }
}
