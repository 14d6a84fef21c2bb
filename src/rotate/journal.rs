//! The rotation journal: what a rotation is about to do and how far it got, so a crash at any
//! point can be finished or undone by `awscheck rotate --resume`.
//!
//! It is the only place the new secret is kept outside the user's files, for the few seconds
//! between creating the key and writing it: 0600, in the private state folder, fsynced at every
//! step, and deleted when the rotation ends.

use crate::atomic;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};

use crate::state::ROTATION_JOURNAL_FILE as JOURNAL_FILE;

/// How far a rotation got. Each step is recorded only once it is complete.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Step {
    /// Backups taken; no key created yet (one may exist in IAM if the crash came mid-call).
    Started,
    /// The new key exists and is recorded here.
    Created,
    /// The files hold the new key.
    Written,
    /// The old key is inactive.
    Deactivated,
}

#[derive(Clone, Serialize, Deserialize)]
pub struct Journal {
    pub started: DateTime<Utc>,
    pub profile: String,
    pub old_key_id: String,
    /// The caller's ARN, to prove the new key belongs to the same identity.
    pub arn: String,
    pub files: Vec<PathBuf>,
    pub backups: Vec<PathBuf>,
    pub delete_old: bool,
    pub step: Step,
    pub new_key_id: Option<String>,
    pub new_secret: Option<String>,
}

impl std::fmt::Debug for Journal {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Journal")
            .field("profile", &self.profile)
            .field("step", &self.step)
            .finish_non_exhaustive()
    }
}

impl Journal {
    pub fn path(state_dir: &Path) -> PathBuf {
        state_dir.join(JOURNAL_FILE)
    }

    pub fn load(state_dir: &Path) -> std::io::Result<Option<Journal>> {
        match std::fs::read(Journal::path(state_dir)) {
            Ok(bytes) => serde_json::from_slice(&bytes)
                .map(Some)
                .map_err(|error| std::io::Error::new(std::io::ErrorKind::InvalidData, error)),
            Err(error) if error.kind() == std::io::ErrorKind::NotFound => Ok(None),
            Err(error) => Err(error),
        }
    }

    /// Record the journal durably before the step it describes is relied on.
    pub fn save(&self, state_dir: &Path) -> std::io::Result<()> {
        atomic::create_private_dir(state_dir)?;
        let json = serde_json::to_vec_pretty(self).map_err(std::io::Error::other)?;
        atomic::write(&Journal::path(state_dir), &json, 0o600)
    }

    pub fn clear(state_dir: &Path) -> std::io::Result<()> {
        match std::fs::remove_file(Journal::path(state_dir)) {
            Err(error) if error.kind() != std::io::ErrorKind::NotFound => Err(error),
            _ => Ok(()),
        }
    }
}
