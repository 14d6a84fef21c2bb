//! awscheck's own records in its state folder.
//!
//! - `first-seen.json`: when awscheck first saw each access key. The files say nothing of a key's
//!   age; until IAM is asked, that day is a lower bound on it ("at least N days").
//! - `own-use.json`: when awscheck itself signed with each key (see `online::OwnUse`).
//! - `rotation-journal.json`, `rotate.lock`, `backups/`: `rotate`'s (see `rotate::journal`).
//!
//! The records hold key IDs (not secrets) in 0600 files in a 0700 folder, written atomically.
//! They never block an audit: an unreadable or unwritable state folder is a warning.

use crate::sys::atomic;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::path::PathBuf;

pub const FIRST_SEEN_FILE: &str = "first-seen.json";
pub const OWN_USE_FILE: &str = "own-use.json";
/// Written by `rotate` while it runs; its presence means a rotation was interrupted.
pub const ROTATION_JOURNAL_FILE: &str = "rotation-journal.json";

#[derive(Clone, Debug, Default, Serialize, Deserialize)]
pub struct FirstSeen {
    /// Access key ID -> when awscheck first saw it in a file or the environment.
    pub keys: BTreeMap<String, DateTime<Utc>>,
}

impl FirstSeen {
    /// Note the keys seen now; returns whether any was new.
    pub fn observe<'a>(
        &mut self,
        key_ids: impl IntoIterator<Item = &'a str>,
        now: DateTime<Utc>,
    ) -> bool {
        let mut changed = false;
        for key_id in key_ids {
            if !self.keys.contains_key(key_id) {
                self.keys.insert(key_id.to_string(), now);
                changed = true;
            }
        }
        changed
    }
}

/// The state folder; `None` when there is no home to put it in.
#[derive(Clone, Debug)]
pub struct State {
    dir: Option<PathBuf>,
}

impl State {
    pub fn new(dir: Option<PathBuf>) -> Self {
        State { dir }
    }

    /// A record, or its default when missing; a damaged record is a warning and starts afresh.
    pub fn read<T: Default + for<'de> Deserialize<'de>>(
        &self,
        name: &str,
        warnings: &mut Vec<String>,
    ) -> T {
        let Some(dir) = &self.dir else {
            return T::default();
        };
        let path = dir.join(name);
        match std::fs::read(&path) {
            Ok(bytes) => serde_json::from_slice(&bytes).unwrap_or_else(|error| {
                warnings.push(format!(
                    "ignoring damaged state file {}: {error}",
                    path.display()
                ));
                T::default()
            }),
            Err(error) if error.kind() == std::io::ErrorKind::NotFound => T::default(),
            Err(error) => {
                warnings.push(format!(
                    "cannot read state file {}: {error}",
                    path.display()
                ));
                T::default()
            }
        }
    }

    pub fn write<T: Serialize>(&self, name: &str, record: &T, warnings: &mut Vec<String>) {
        let Some(dir) = &self.dir else { return };
        let path = dir.join(name);
        let result = atomic::create_private_dir(dir).and_then(|()| {
            let json = serde_json::to_vec_pretty(record).map_err(std::io::Error::other)?;
            atomic::write(&path, &json, 0o600)
        });
        if let Err(error) = result {
            warnings.push(format!("could not update {}: {error}", path.display()));
        }
    }
}
