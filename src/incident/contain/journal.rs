//! The containment journal: every step of one `incident --contain` run and how far each got,
//! written before and after each step, so that `incident --resume` finishes the run after a
//! kill or a lost answer. It holds key IDs, user and role names and paths; never a secret or
//! a token (an SSO token is read from its cache file when it is signed out).

use crate::sys::atomic;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};

pub const JOURNAL_FILE: &str = "incident-journal.json";
/// The layout this version writes and reads.
pub const VERSION: u32 = 1;

/// The inline policy awscheck attaches to end older sessions: named so that awscheck and a
/// person can find it.
pub const REVOKE_POLICY: &str = "awscheck-revoke-older-sessions";

/// One thing a containment does. Each is idempotent: done twice, it is done once.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "do", rename_all = "kebab-case")]
pub enum Action {
    /// Replace the key `profile` holds (every profile holding it is updated), with the
    /// rotation machine. Done once the profile holds another key.
    Rotate { profile: String, old_key_id: String },
    /// Make a stray key of the account inactive; never delete it.
    Deactivate { key_id: String, account: String },
    /// Deny every session of the user issued before the journal's time.
    RevokeUser { user: String, account: String },
    /// The same on a role a profile assumes.
    RevokeRole { role_arn: String, profile: String },
    /// Sign out of the SSO login cached in this file.
    SsoLogout { cache: PathBuf },
    /// Delete an SSO or CLI cache file.
    DeleteCache { path: PathBuf },
}

impl Action {
    /// The crash point name of the step (`before-…`, `after-…`), for the tests.
    pub fn point(&self) -> &'static str {
        match self {
            Action::Rotate { .. } => "rotate",
            Action::Deactivate { .. } => "deactivate-stray",
            Action::RevokeUser { .. } => "revoke-user",
            Action::RevokeRole { .. } => "revoke-role",
            Action::SsoLogout { .. } => "sso-logout",
            Action::DeleteCache { .. } => "delete-cache",
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "status", rename_all = "kebab-case")]
pub enum Status {
    Pending,
    Done {
        note: Option<String>,
    },
    /// AWS said no and will say it again: what happened, and the step to take by hand.
    Failed {
        note: String,
        by_hand: String,
    },
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Step {
    pub action: Action,
    pub status: Status,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ContainJournal {
    pub version: u32,
    pub started: DateTime<Utc>,
    /// The files the run read, as they were named then: a resume works on the same ones.
    pub config_file: PathBuf,
    pub credentials_file: PathBuf,
    /// Delete old keys instead of leaving them inactive.
    pub delete_old: bool,
    /// Sessions issued before this are denied; set once, when the first revoke step runs, so
    /// that a step done twice attaches the same policy.
    pub revoke_before: Option<DateTime<Utc>>,
    pub steps: Vec<Step>,
}

impl ContainJournal {
    pub fn path(state_dir: &Path) -> PathBuf {
        state_dir.join(JOURNAL_FILE)
    }

    pub fn load(state_dir: &Path) -> std::io::Result<Option<ContainJournal>> {
        let path = ContainJournal::path(state_dir);
        let bytes = match std::fs::read(&path) {
            Ok(bytes) => bytes,
            Err(error) if error.kind() == std::io::ErrorKind::NotFound => return Ok(None),
            Err(error) => return Err(error),
        };
        let journal: ContainJournal = serde_json::from_slice(&bytes)
            .map_err(|e| std::io::Error::new(std::io::ErrorKind::InvalidData, e.to_string()))?;
        if journal.version != VERSION {
            return Err(std::io::Error::new(
                std::io::ErrorKind::InvalidData,
                format!(
                    "it was written by another version of awscheck (layout {}, this one reads {VERSION})",
                    journal.version
                ),
            ));
        }
        Ok(Some(journal))
    }

    pub fn save(&self, state_dir: &Path) -> std::io::Result<()> {
        atomic::create_private_dir(state_dir)?;
        let json = serde_json::to_vec_pretty(self).map_err(std::io::Error::other)?;
        atomic::write(&ContainJournal::path(state_dir), &json, 0o600)
    }

    pub fn clear(state_dir: &Path) -> std::io::Result<()> {
        match std::fs::remove_file(ContainJournal::path(state_dir)) {
            Err(error) if error.kind() != std::io::ErrorKind::NotFound => Err(error),
            _ => Ok(()),
        }
    }

    /// The deny-all for sessions issued before `before`, as AWS's own "revoke active
    /// sessions" writes it. Long-term keys carry no issue time: the new keys are not touched.
    pub fn revoke_document(before: DateTime<Utc>) -> String {
        serde_json::json!({
            "Version": "2012-10-17",
            "Statement": [{
                "Sid": "AwscheckRevokeOlderSessions",
                "Effect": "Deny",
                "Action": "*",
                "Resource": "*",
                "Condition": {
                    "DateLessThan": {
                        "aws:TokenIssueTime": before.format("%Y-%m-%dT%H:%M:%SZ").to_string()
                    }
                }
            }]
        })
        .to_string()
    }
}
