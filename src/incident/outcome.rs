//! What `awscheck incident` found, as one value: the inventory, every key's use since a time,
//! and the verdict. The text report and `--format json` (for an incident ticket) are both
//! written from it. Key IDs are as the user asked to see them (masked by default); no secret,
//! token or line of a file is in it.

use super::inventory::{Credential, Held};
use super::look::KeyTrail;
use super::usage::{self, Group, Known, Usage};
use crate::sys::mask::KeyDisplay;
use chrono::{DateTime, Utc};
use serde::Serialize;

#[derive(Clone, Debug, Serialize)]
pub struct Incident {
    pub since: DateTime<Utc>,
    pub regions: Vec<String>,
    pub credentials: Vec<CredentialView>,
    pub keys: Vec<KeyUse>,
    pub verdict: Verdict,
    /// What `--contain` did, step by step; empty for a look.
    pub actions: Vec<ActionView>,
}

/// One step of a containment and how it ended.
#[derive(Clone, Debug, Serialize)]
pub struct ActionView {
    /// `rotate`, `deactivate-stray`, `revoke-user`, `revoke-role`, `sso-logout`,
    /// `delete-cache`.
    pub action: &'static str,
    pub what: String,
    /// `done`, `failed` or `pending` (a run that stopped).
    pub status: &'static str,
    pub note: Option<String>,
    /// For a failed step: what to do by hand.
    pub by_hand: Option<String>,
}

#[derive(Clone, Debug, Serialize)]
pub struct CredentialView {
    pub held: &'static str,
    pub key_id: Option<String>,
    pub profiles: Vec<String>,
    pub places: Vec<String>,
    pub expires: Option<DateTime<Utc>>,
    pub stray: bool,
    pub program: Option<String>,
}

/// One long-term key's use since `since`.
#[derive(Clone, Debug, Serialize)]
pub struct KeyUse {
    pub key_id: String,
    pub profiles: Vec<String>,
    /// Found only in a copy; no profile holds it.
    pub stray: bool,
    pub account: Option<String>,
    pub owner: Option<String>,
    /// What a copy of the key can do (`admin (AdministratorAccess)`, `not admin`).
    pub can_do: Option<String>,
    /// The key's description in IAM: it often names where else the key is used.
    pub description: Option<String>,
    /// Why AWS would not take a call signed by the key.
    pub refused: Option<String>,
    /// Why its events were not read at all.
    pub note: Option<String>,
    pub regions: Vec<RegionRead>,
    pub groups: Vec<Group>,
    pub sessions: Vec<SessionView>,
    pub unlike_own_use: bool,
    /// Every region read to the end.
    pub complete: bool,
}

#[derive(Clone, Debug, Serialize)]
pub struct RegionRead {
    pub region: String,
    pub events: usize,
    pub complete: bool,
    pub note: Option<String>,
}

/// A session the key handed out (GetSessionToken, AssumeRole): it outlives the key.
#[derive(Clone, Debug, Serialize)]
pub struct SessionView {
    pub key_id: String,
    pub expires: Option<DateTime<Utc>>,
    /// Still valid now, or its expiry is unknown.
    pub live: bool,
}

#[derive(Clone, Debug, Serialize)]
pub struct Verdict {
    /// Keys whose use shows something unlike this machine's own.
    pub unlike_own_use: Vec<String>,
    /// Keys whose use could not be read, or not everywhere: nothing can be said of them.
    pub unread: Vec<String>,
    /// Sessions handed out by these keys that are still valid.
    pub live_sessions: usize,
}

impl Incident {
    /// Exit status 1: something unlike this machine's own use, or use that could not be read.
    pub fn needs_attention(&self) -> bool {
        !self.verdict.unlike_own_use.is_empty() || !self.verdict.unread.is_empty()
    }
}

/// The incident from the inventory and what CloudTrail said of each key.
pub fn incident(
    since: DateTime<Utc>,
    regions: Vec<String>,
    inventory: &[Credential],
    trails: &[KeyTrail],
    known: &dyn Fn(&str) -> Known,
    now: DateTime<Utc>,
    keys: KeyDisplay,
) -> Incident {
    let credentials = inventory
        .iter()
        .map(|credential| CredentialView {
            held: held_name(credential.held),
            key_id: credential.key_id.as_deref().map(|id| keys.show(id)),
            profiles: credential.profiles.clone(),
            places: credential.places.clone(),
            expires: credential.expires,
            stray: credential.stray,
            program: credential.program.clone(),
        })
        .collect();
    let key_uses: Vec<KeyUse> = trails
        .iter()
        .map(|trail| {
            let holder = inventory
                .iter()
                .find(|c| c.key_id.as_deref() == Some(trail.key_id.as_str()));
            key_use(trail, holder, &known(&trail.key_id), now, keys)
        })
        .collect();
    let verdict = Verdict {
        unlike_own_use: key_uses
            .iter()
            .filter(|k| k.unlike_own_use)
            .map(|k| k.key_id.clone())
            .collect(),
        unread: key_uses
            .iter()
            .filter(|k| !k.complete)
            .map(|k| k.key_id.clone())
            .collect(),
        live_sessions: key_uses
            .iter()
            .map(|k| k.sessions.iter().filter(|s| s.live).count())
            .sum(),
    };
    Incident {
        since,
        regions,
        credentials,
        keys: key_uses,
        verdict,
        actions: Vec::new(),
    }
}

fn key_use(
    trail: &KeyTrail,
    holder: Option<&Credential>,
    known: &Known,
    now: DateTime<Utc>,
    keys: KeyDisplay,
) -> KeyUse {
    let events: Vec<_> = trail
        .regions
        .iter()
        .flat_map(|region| region.lookup.events.iter().cloned())
        .collect();
    let usage: Usage = usage::summarise(&events, known);
    let live: Vec<&crate::aws::trail::Minted> = usage.live_sessions(now).collect();
    let sessions = usage
        .minted
        .iter()
        .map(|session| SessionView {
            key_id: keys.show(&session.key_id),
            expires: session.expires,
            live: live.contains(&session),
        })
        .collect();
    let unlike_own_use = usage.unlike_own_use();
    KeyUse {
        key_id: keys.show(&trail.key_id),
        profiles: holder.map(|c| c.profiles.clone()).unwrap_or_default(),
        stray: holder.is_some_and(|c| c.stray),
        account: trail.account.clone(),
        owner: trail.owner.clone(),
        can_do: trail.can_do.clone(),
        description: trail.description.clone(),
        refused: trail.refused.clone(),
        note: trail.note.clone(),
        regions: trail
            .regions
            .iter()
            .map(|region| RegionRead {
                region: region.region.clone(),
                events: region.lookup.events.len(),
                complete: region.note.is_none() && region.lookup.complete,
                note: region.note.clone(),
            })
            .collect(),
        groups: usage.groups,
        sessions,
        unlike_own_use,
        complete: trail.complete() && !trail.regions.is_empty(),
    }
}

/// How the inventory names where a credential is held.
pub fn held_name(held: Held) -> &'static str {
    match held {
        Held::Key => "long-term key",
        Held::ProtectedKey => "protected key",
        Held::SessionKey => "session key",
        Held::Environment => "key in the environment",
        Held::Copy => "copy",
        Held::SsoToken => "SSO token",
        Held::CliSession => "CLI session",
        Held::Process => "credential process",
    }
}
