//! awscheck's own records in its state folder: when it first saw each access key.
//!
//! The files say nothing of a key's age; until IAM is asked, the day awscheck first saw a key
//! is a lower bound on it ("at least N days"). The record holds key IDs (not secrets) in a
//! 0600 file. It never blocks an audit: an unreadable or unwritable state folder is a warning.

use crate::atomic;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

const FIRST_SEEN_FILE: &str = "first-seen.json";

#[derive(Clone, Debug, Default, Serialize, Deserialize)]
pub struct FirstSeen {
    /// Access key ID -> when awscheck first saw it in a file or the environment.
    pub keys: BTreeMap<String, DateTime<Utc>>,
}

/// The state folder and what it holds.
#[derive(Debug)]
pub struct State {
    dir: Option<PathBuf>,
    pub first_seen: FirstSeen,
}

impl State {
    /// Load the records; a missing folder is an empty record, a damaged one a warning.
    pub fn load(dir: Option<PathBuf>, warnings: &mut Vec<String>) -> Self {
        let first_seen = dir
            .as_deref()
            .map(|dir| read_json(&dir.join(FIRST_SEEN_FILE), warnings))
            .unwrap_or_default();
        State { dir, first_seen }
    }

    /// A state that is never read or written (tests, `--no-state`).
    pub fn detached() -> Self {
        State {
            dir: None,
            first_seen: FirstSeen::default(),
        }
    }

    /// Note the keys seen now; returns whether any was new.
    pub fn observe<'a>(
        &mut self,
        key_ids: impl IntoIterator<Item = &'a str>,
        now: DateTime<Utc>,
    ) -> bool {
        let mut changed = false;
        for key_id in key_ids {
            if !self.first_seen.keys.contains_key(key_id) {
                self.first_seen.keys.insert(key_id.to_string(), now);
                changed = true;
            }
        }
        changed
    }

    pub fn save_first_seen(&self, warnings: &mut Vec<String>) {
        let Some(dir) = &self.dir else { return };
        let path = dir.join(FIRST_SEEN_FILE);
        let result = atomic::create_private_dir(dir).and_then(|()| {
            let json =
                serde_json::to_vec_pretty(&self.first_seen).map_err(std::io::Error::other)?;
            atomic::write(&path, &json, 0o600)
        });
        if let Err(error) = result {
            warnings.push(format!(
                "could not record key first-seen dates in {}: {error}",
                path.display()
            ));
        }
    }
}

fn read_json<T: Default + for<'de> Deserialize<'de>>(path: &Path, warnings: &mut Vec<String>) -> T {
    match std::fs::read(path) {
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
