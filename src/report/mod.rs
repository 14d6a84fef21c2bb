//! Turning a model and its findings into something to read: a table for people, JSON for
//! scripts, SARIF for code-scanning tools. Reports know nothing of IAM or of how facts were
//! gathered; they never see a secret, and key IDs reach them already masked or revealed.

pub mod json;
pub mod profiles;
pub mod sarif;
pub mod table;

use crate::facts::{Facts, KeyAge};
use crate::locate::Locations;
use crate::mask::KeyDisplay;
use crate::model::{CredentialKind, Model, ResolvedProfile};
use serde::Serialize;

/// One profile as reports show it.
#[derive(Clone, Debug, Serialize)]
pub struct ProfileRow {
    pub name: String,
    /// `path:line` of every section header that defines it, config first.
    pub defined_at: Vec<String>,
    pub credential_kind: CredentialKind,
    /// For role chains: the kind at the bottom of the chain.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub root_kind: Option<CredentialKind>,
    pub access_key_id: Option<String>,
    pub region: Option<String>,
    /// Profiles from this one down to the one holding the base credentials.
    pub chain: Vec<String>,
    pub key_age_days: Option<i64>,
    /// False when the age is only a lower bound (the day awscheck first saw the key).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub key_age_exact: Option<bool>,
    /// The account and caller ARN STS reported for the key (online only).
    pub account: Option<String>,
    pub arn: Option<String>,
    /// `Active` or `Inactive`, from IAM (online only).
    pub key_status: Option<String>,
    /// The key's last genuine use, from IAM (online only; `None` inside means never used).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub last_used: Option<LastUsed>,
    /// Why the profile was not checked online, or what went wrong when it was.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
    /// The profile SDKs use when none is named.
    pub selected: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
}

#[derive(Clone, Debug, Serialize)]
pub struct LastUsed {
    pub date: Option<chrono::DateTime<chrono::Utc>>,
    pub days_ago: Option<i64>,
    pub service: Option<String>,
    pub region: Option<String>,
}

impl ProfileRow {
    pub fn new(
        profile: &ResolvedProfile,
        locations: &Locations,
        facts: Option<&Facts>,
        keys: KeyDisplay,
    ) -> Self {
        let path = |kind| match kind {
            crate::profile_set::FileKind::Config => &locations.config.path,
            crate::profile_set::FileKind::Credentials => &locations.credentials.path,
        };
        let mut chain: Vec<String> = Vec::new();
        if let Ok(resolved) = &profile.chain {
            for link in resolved.roles.iter().rev() {
                chain.push(link.profile.to_string());
            }
            chain.push(resolved.base.profile().to_string());
            chain.dedup();
        }
        let key_id = match &profile.chain {
            Ok(crate::chain::Chain {
                base: crate::chain::Base::AccessKey { access_key_id, .. },
                ..
            }) => Some(*access_key_id),
            _ => None,
        };
        let age: Option<KeyAge> = key_id
            .zip(facts)
            .and_then(|(key_id, facts)| facts.key_age(key_id));
        let identity = key_id
            .zip(facts)
            .and_then(|(key_id, facts)| facts.identity(key_id));
        let activity = key_id
            .zip(facts)
            .and_then(|(key_id, facts)| facts.keys.get(key_id));
        ProfileRow {
            name: profile.name().to_string(),
            defined_at: profile
                .section
                .headers
                .iter()
                .map(|origin| format!("{}:{}", path(origin.file).display(), origin.line))
                .collect(),
            credential_kind: profile.kind,
            root_kind: profile.root_kind,
            access_key_id: key_id.map(|id| keys.show(id)),
            region: profile.section.get("region").map(str::to_string),
            chain,
            key_age_days: age.map(|age| age.days),
            key_age_exact: age.map(|age| age.exact),
            account: identity.map(|identity| identity.account.clone()),
            arn: identity.map(|identity| identity.arn.clone()),
            key_status: activity.and_then(|activity| activity.status.clone()),
            last_used: activity.zip(facts).map(|(activity, facts)| LastUsed {
                date: activity.last_used,
                days_ago: activity.last_used.map(|date| (facts.now - date).num_days()),
                service: activity.last_used_service.clone(),
                region: activity.last_used_region.clone(),
            }),
            note: facts.and_then(|facts| facts.notes.get(profile.name()).cloned()),
            selected: profile.name() == locations.selected_profile,
            error: profile.chain.as_ref().err().map(ToString::to_string),
        }
    }

    pub fn all(
        model: &Model,
        locations: &Locations,
        facts: Option<&Facts>,
        keys: KeyDisplay,
    ) -> Vec<Self> {
        model
            .profiles
            .iter()
            .map(|profile| ProfileRow::new(profile, locations, facts, keys))
            .collect()
    }

    /// `assume role → long-term key` style description.
    pub fn kind_label(&self) -> String {
        match self.root_kind {
            Some(root) => format!("{} ← {}", self.credential_kind, root),
            None => self.credential_kind.to_string(),
        }
    }
}
