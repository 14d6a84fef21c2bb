//! The online audit: what IAM and STS say about each long-term key, concurrently and within
//! fixed time limits.
//!
//! Each distinct key is asked once, however many profiles hold it: first
//! `GetAccessKeyLastUsed` for the key itself (before awscheck's own calls can touch its record),
//! then `GetCallerIdentity`, `ListAccessKeys` and the last use of the user's other keys. A
//! failure of any kind becomes a note on that key's profiles; the audit never hangs and never
//! prompts. The calls themselves are the AWS layer's ([`crate::aws::reader`]); this module
//! decides which to make, in which order and how many at once.

mod calls;
mod own_use;
pub mod powers;
pub mod progress;

pub use own_use::OwnUse;

use crate::audit::facts::{Facts, KeyCheck};
use crate::aws::sdk;
use crate::input::locate::Locations;
use crate::profiles::model::{CredentialKind, Model};
use std::collections::{BTreeMap, HashMap};
use std::time::Duration;

/// Limits for the online audit.
#[derive(Clone, Copy, Debug)]
pub struct Limits {
    /// Keys asked about at once.
    pub jobs: usize,
    pub connect_timeout: Duration,
    /// Everything about one key, retries included.
    pub key_timeout: Duration,
    /// Show "N of M keys checked" on stderr once the checks take longer than a second: only
    /// for a person watching a terminal, never under a report read by a program.
    pub progress: bool,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            jobs: 8,
            connect_timeout: Duration::from_secs(3),
            key_timeout: Duration::from_secs(10),
            progress: false,
        }
    }
}

/// One key to ask about, with what the SDK needs to sign as it.
#[derive(Clone)]
pub struct KeyJob {
    pub key_id: String,
    pub secret: String,
    /// Profiles holding the key; the first one's settings (region, endpoint) are used.
    pub profiles: Vec<String>,
    pub region: Option<String>,
    /// The first profile's CA bundle and STS endpoint choice.
    pub reach: sdk::Reach,
}

impl std::fmt::Debug for KeyJob {
    // Hand-written so that no debug print can ever show the secret.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("KeyJob")
            .field("key_id", &crate::sys::mask::mask_key_id(&self.key_id))
            .field("profiles", &self.profiles)
            .finish_non_exhaustive()
    }
}

/// The long-term keys worth asking about, one job per distinct key, and a note for every
/// profile that is not asked about and why.
/// `protected` holds the secrets of protected keys the store gave (`awscheck protect`).
pub fn plan(
    model: &Model,
    protected: &HashMap<String, String>,
    env: &crate::sys::env::Env,
) -> (Vec<KeyJob>, BTreeMap<String, String>) {
    let mut jobs: Vec<KeyJob> = Vec::new();
    let mut notes = BTreeMap::new();
    for profile in &model.profiles {
        let name = profile.name().to_string();
        match (profile.kind, profile.own_key()) {
            (kind @ (CredentialKind::LongTermKey | CredentialKind::ProtectedKey), Some(key_id)) => {
                if let Some(job) = jobs.iter_mut().find(|job| job.key_id == key_id) {
                    job.profiles.push(name);
                    continue;
                }
                // A protected key's secret is the one the store gave; without it (store locked
                // or out of reach) a note says so already.
                let secret = match kind {
                    CredentialKind::ProtectedKey => protected.get(key_id).cloned(),
                    _ => profile
                        .section
                        .get_named("aws_secret_access_key")
                        .map(str::to_string),
                };
                let Some(secret) = secret else {
                    continue;
                };
                jobs.push(KeyJob {
                    key_id: key_id.to_string(),
                    secret,
                    profiles: vec![name],
                    region: profile.section.get_named("region").map(str::to_string),
                    reach: sdk::Reach::of(env, Some(profile.section)),
                });
            }
            (CredentialKind::SessionKey, _) => {
                notes.insert(
                    name,
                    "not checked online: temporary credentials have no IAM key record".to_string(),
                );
            }
            (CredentialKind::AssumeRole, _) => {
                notes.insert(
                    name,
                    "not checked online: a role; its source profile's key is checked".to_string(),
                );
            }
            (CredentialKind::Sso | CredentialKind::SsoLegacy | CredentialKind::LoginSession, _) => {
                notes.insert(
                    name,
                    "not checked online: needs a login; awscheck never prompts".to_string(),
                );
            }
            (
                CredentialKind::CredentialProcess
                | CredentialKind::WebIdentity
                | CredentialKind::CredentialSource,
                _,
            ) => {
                notes.insert(
                    name,
                    "not checked online: credentials are fetched when used".to_string(),
                );
            }
            _ => {}
        }
    }
    (jobs, notes)
}

/// Ask AWS about every job and put the answers into `facts`, discounting awscheck's own use
/// with the record in `own_use`.
pub fn check(
    jobs: Vec<KeyJob>,
    locations: &Locations,
    limits: Limits,
    facts: &mut Facts,
    own_use: &mut OwnUse,
) {
    if jobs.is_empty() {
        return;
    }
    let window_start = chrono::Utc::now();
    let mut results = calls::run(jobs.clone(), locations, limits);
    let window_end = chrono::Utc::now();
    for (job, result) in jobs.iter().zip(results.iter_mut()) {
        // The window goes in first: a last use inside it is this very run's own call.
        own_use.record(&job.key_id, window_start, window_end);
        if let KeyCheck::Checked(identity) = result {
            for (key_id, activity) in &mut identity.user_keys {
                if *key_id == job.key_id {
                    own_use.discount(key_id, activity);
                }
            }
        }
    }
    // What a key's own check says wins over what another key's check says of it: only the
    // former has awscheck's own use discounted.
    for own_pass in [false, true] {
        for (job, result) in jobs.iter().zip(&results) {
            let KeyCheck::Checked(identity) = result else {
                continue;
            };
            for (key_id, activity) in &identity.user_keys {
                if (*key_id == job.key_id) == own_pass {
                    facts.keys.insert(key_id.clone(), activity.clone());
                }
            }
        }
    }
    for (job, result) in jobs.iter().zip(results) {
        match &result {
            KeyCheck::Checked(identity) => {
                for profile in &job.profiles {
                    if !identity.notes.is_empty() {
                        facts
                            .notes
                            .insert(profile.clone(), identity.notes.join("; "));
                    }
                }
            }
            KeyCheck::Rejected { code } => {
                for profile in &job.profiles {
                    facts
                        .notes
                        .insert(profile.clone(), format!("AWS rejected the key ({code})"));
                }
            }
            KeyCheck::Failed { note } => {
                for profile in &job.profiles {
                    facts.notes.insert(profile.clone(), note.clone());
                }
            }
        }
        facts.checks.insert(job.key_id.clone(), result);
    }
}
