//! The rotation journal: everything a rotation needs to go on from any point, and how far it
//! got, so that `awscheck rotate --resume` runs the same steps from where the last run stopped,
//! whatever today's flags, environment or folder.
//!
//! For a key in the files it holds the new secret between creating the key and writing it, and
//! the old one until the old key is gone (the backups hold that one too): 0600, in the private
//! state folder, written atomically before the step it describes is relied on, and deleted
//! when the rotation ends. For a protected key it holds IDs only: both secrets are in the
//! secret store, and a resume reads them from there.

use crate::sys::atomic;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};

use crate::sys::state::ROTATION_JOURNAL_FILE as JOURNAL_FILE;

/// Journals of another layout are refused by name, not misread.
pub const VERSION: u32 = 2;

/// How far a rotation got. Each step is recorded once it is complete; the one after it is
/// what runs next.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Step {
    /// Backups taken and the plan recorded; nothing asked of IAM yet.
    Started,
    /// The key that filled the 2-key quota is gone, or none had to go.
    RoomMade,
    /// CreateAccessKey was sent. Until its answer is recorded, a key may exist whose secret
    /// never reached awscheck: it is found by ID against `keys_before`.
    Creating,
    /// The new key and its secret are recorded here.
    Created,
    /// AWS accepts the new key as the same identity.
    Verified,
    /// Every copy of the old key in the files is replaced by the new one.
    Written,
    /// The old key is inactive.
    Deactivated,
    /// The old key is deleted (with `--delete` only).
    Deleted,
}

/// A copy of one of the user's files, taken before anything changed.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Backup {
    pub file: PathBuf,
    pub copy: PathBuf,
}

#[derive(Clone, Serialize, Deserialize)]
pub struct Journal {
    pub version: u32,
    pub started: DateTime<Utc>,
    pub profile: String,
    /// Every profile holding the old key, for the report.
    pub profiles: Vec<String>,
    /// The two files as the rotation found them, absolute: resume works on these, not on
    /// whatever today's flags or environment name.
    pub config_file: PathBuf,
    pub credentials_file: PathBuf,
    pub region: String,
    /// The caller's ARN, to prove the new key belongs to the same identity.
    pub arn: String,
    pub mfa_serial: Option<String>,
    pub old_key_id: String,
    /// To sign with the old key, and to find it wherever it sits (a secret may be in another
    /// section or file than its key ID). Empty on disk for a protected key.
    pub old_secret: String,
    pub delete_old: bool,
    /// The user's key IDs before anything was created: a key not among them, held by no file
    /// and never used, is one awscheck created without receiving its secret.
    pub keys_before: Vec<String>,
    /// The key deleted to make room under the quota, as the user agreed.
    pub room_key: Option<String>,
    pub backups: Vec<Backup>,
    pub step: Step,
    pub new_key_id: Option<String>,
    /// `None` on disk for a protected key: it is in the secret store from the moment it is
    /// created.
    pub new_secret: Option<String>,
    /// Set once the rotation is being undone, with the reason: the new key goes, the files
    /// keep (or get back) the old key.
    pub undo: Option<String>,
    /// The key is in the secret store (`awscheck protect`): the new one goes there too, and
    /// the files only switch the ID their credential_process names.
    #[serde(default)]
    pub protected: Option<Protection>,
}

/// How a protected key is handed out, carried over to the new key.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Protection {
    pub mfa_serial: Option<String>,
    pub sessions: bool,
}

impl std::fmt::Debug for Journal {
    // Hand-written so that no debug print can show a secret.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Journal")
            .field("profile", &self.profile)
            .field("step", &self.step)
            .field("undo", &self.undo)
            .finish_non_exhaustive()
    }
}

/// The parts of a journal that say which layout it has.
#[derive(Deserialize)]
struct Header {
    version: Option<u32>,
}

impl Journal {
    pub fn path(state_dir: &Path) -> PathBuf {
        state_dir.join(JOURNAL_FILE)
    }

    pub fn load(state_dir: &Path) -> std::io::Result<Option<Journal>> {
        let path = Journal::path(state_dir);
        let bytes = match std::fs::read(&path) {
            Ok(bytes) => bytes,
            Err(error) if error.kind() == std::io::ErrorKind::NotFound => return Ok(None),
            Err(error) => return Err(error),
        };
        let invalid =
            |message: String| std::io::Error::new(std::io::ErrorKind::InvalidData, message);
        let header: Header = serde_json::from_slice(&bytes).map_err(|e| invalid(e.to_string()))?;
        if header.version != Some(VERSION) {
            return Err(invalid(format!(
                "it was written by another version of awscheck (layout {}, this one reads {VERSION}); finish the rotation with that version, or restore your files from the backups it lists and remove it",
                header.version.map_or("1".to_string(), |v| v.to_string())
            )));
        }
        serde_json::from_slice(&bytes)
            .map(Some)
            .map_err(|e| invalid(e.to_string()))
    }

    /// Record the journal durably before the step it describes is relied on. Call only while
    /// holding the rotation lock.
    pub fn save(&self, state_dir: &Path) -> std::io::Result<()> {
        atomic::create_private_dir(state_dir)?;
        // A run killed between writing and renaming left its temporary file, with secrets.
        atomic::remove_stale_temps(&Journal::path(state_dir))?;
        let json = match self.protected {
            Some(_) => serde_json::to_vec_pretty(&Journal {
                old_secret: String::new(),
                new_secret: None,
                ..self.clone()
            }),
            None => serde_json::to_vec_pretty(self),
        }
        .map_err(std::io::Error::other)?;
        atomic::write(&Journal::path(state_dir), &json, 0o600)
    }

    pub fn clear(state_dir: &Path) -> std::io::Result<()> {
        atomic::remove_stale_temps(&Journal::path(state_dir))?;
        match std::fs::remove_file(Journal::path(state_dir)) {
            Err(error) if error.kind() != std::io::ErrorKind::NotFound => Err(error),
            _ => Ok(()),
        }
    }
}
