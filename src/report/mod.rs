//! Turning a model and its findings into something to read: a table for people, JSON for
//! scripts, SARIF for code-scanning tools. Reports know nothing of IAM or of how facts were
//! gathered; they never see a secret, and key IDs reach them already masked or revealed.

pub mod cells;
pub mod deep_scan;
pub mod findings;
pub mod inventory;
pub mod json;
pub mod profiles;
pub mod sarif;
pub mod shown;
pub mod table;

use crate::audit::facts::{Facts, KeyAge};
use crate::input::locate::Locations;
use crate::parse::key::{REGION, SSO_SESSION};
use crate::parse::origin::{FileKind, Origin};
use crate::profiles::model::{CredentialKind, Model, ResolvedProfile};
use crate::sys::mask::KeyDisplay;
use serde::Serialize;
use std::fmt::Write as _;

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
    /// The account the profile acts in: as STS reported it for the key (online), else as the
    /// profile's own ARNs or SSO settings name it.
    pub account: Option<String>,
    /// The account's alias, from IAM (online only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub account_alias: Option<String>,
    /// The caller ARN STS reported for the key (online only).
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
    fn build(profile: &ResolvedProfile, context: &RowContext) -> Self {
        let RowContext {
            locations,
            facts,
            keys,
            ..
        } = *context;
        let mut chain: Vec<String> = Vec::new();
        if let Ok(resolved) = &profile.chain {
            for link in resolved.roles.iter().rev() {
                chain.push(link.profile.to_string());
            }
            chain.push(resolved.base.profile().to_string());
            chain.dedup();
        }
        let key_id = base_key_id(profile);
        let age: Option<KeyAge> = key_id
            .zip(facts)
            .and_then(|(key_id, facts)| facts.key_age(key_id));
        let identity = key_id
            .zip(facts)
            .and_then(|(key_id, facts)| facts.identity(key_id));
        let activity = key_id
            .zip(facts)
            .and_then(|(key_id, facts)| facts.keys.get(key_id));
        // A role acts in the account its ARN names, whatever the key below it says; a key's
        // own account is the one STS reported for it.
        let from_sts = identity
            .filter(|_| profile.kind != CredentialKind::AssumeRole)
            .filter(|identity| !identity.account.is_empty())
            .map(|identity| (identity.account.as_str(), identity.alias.as_deref()));
        let account = from_sts.or_else(|| profile.account().map(|account| (account, None)));
        ProfileRow {
            name: profile.name().to_string(),
            defined_at: profile
                .section
                .headers
                .iter()
                .map(|origin| context.paths.cite(origin))
                .collect(),
            credential_kind: profile.kind,
            root_kind: profile.root_kind,
            access_key_id: key_id.map(|id| keys.show(id)),
            region: profile.section.get(REGION).map(str::to_string),
            chain,
            key_age_days: age.map(|age| age.days),
            key_age_exact: age.map(|age| age.exact),
            account: account.map(|(account, _)| account.to_string()),
            account_alias: account.and_then(|(_, alias)| alias.map(str::to_string)),
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
}

/// What a report knows of a profile before making its row.
#[derive(Clone, Copy, Debug)]
pub struct Brief<'a> {
    pub name: &'a str,
    /// Its row would carry a note or an error.
    pub noted: bool,
}

impl<'a> Brief<'a> {
    fn of(profile: &ResolvedProfile<'a>, facts: Option<&Facts>) -> Self {
        Brief {
            name: profile.name(),
            noted: profile.chain.is_err()
                || facts.is_some_and(|facts| facts.notes.contains_key(profile.name())),
        }
    }
}

/// The access key at the bottom of a profile's chain, if that is where its credentials
/// come from.
fn base_key_id<'a>(profile: &ResolvedProfile<'a>) -> Option<&'a str> {
    match &profile.chain {
        Ok(crate::profiles::chain::Chain {
            base: crate::profiles::chain::Base::AccessKey { access_key_id, .. },
            ..
        }) => Some(*access_key_id),
        // A protected profile's key is in the secret store; the files name its ID.
        _ => profile.own_key(),
    }
}

/// A report's profile rows, made one at a time as they are written. At 10,000 profiles,
/// holding every row at once would be the largest thing in memory.
#[derive(Clone, Copy)]
pub struct Rows<'a> {
    model: &'a Model<'a>,
    locations: &'a Locations,
    facts: Option<&'a Facts>,
    keys: KeyDisplay,
    /// Only these profiles; empty means all.
    scope: &'a [String],
}

impl<'a> Rows<'a> {
    pub fn new(
        model: &'a Model<'a>,
        locations: &'a Locations,
        facts: Option<&'a Facts>,
        keys: KeyDisplay,
        scope: &'a [String],
    ) -> Self {
        Rows {
            model,
            locations,
            facts,
            keys,
            scope,
        }
    }

    fn profiles(&self) -> impl Iterator<Item = &'a ResolvedProfile<'a>> + 'a {
        let scope = self.scope;
        self.model
            .profiles
            .iter()
            .filter(move |profile| scope.is_empty() || scope.iter().any(|s| s == profile.name()))
    }

    /// Every row in scope, in file order.
    pub fn iter(&self) -> impl Iterator<Item = ProfileRow> + 'a {
        let context = RowContext::new(self.locations, self.facts, self.keys);
        self.profiles()
            .map(move |profile| ProfileRow::build(profile, &context))
    }

    /// The rows of the profiles in scope that `wanted` accepts, in file order. Making a row
    /// costs more than deciding whether it is needed: a report about a few of thousands of
    /// profiles skips making the others'.
    pub fn rows_where(
        &self,
        wanted: impl Fn(&Brief<'a>) -> bool + 'a,
    ) -> impl Iterator<Item = ProfileRow> + 'a {
        let context = RowContext::new(self.locations, self.facts, self.keys);
        let facts = self.facts;
        self.profiles()
            .filter(move |profile| wanted(&Brief::of(profile, facts)))
            .map(move |profile| ProfileRow::build(profile, &context))
    }

    /// What the profiles in scope are, counted by kind.
    pub fn inventory(&self) -> inventory::Inventory {
        let mut inventory = inventory::Inventory::default();
        for profile in self.profiles() {
            inventory.add(
                profile.kind,
                profile.section.get(SSO_SESSION),
                profile.own_key(),
            );
        }
        inventory
    }

    /// The config and credentials files' paths, as `defined_at` writes them.
    pub fn file_paths(&self) -> [String; 2] {
        let paths = FilePaths::of(self.locations);
        [paths.config, paths.credentials]
    }

    pub fn len(&self) -> usize {
        self.profiles().count()
    }

    pub fn is_empty(&self) -> bool {
        self.profiles().next().is_none()
    }

    /// Whether any row names an account, known before any row is made (for the header).
    pub fn any_account(&self) -> bool {
        let facts = self.facts;
        self.profiles().any(|profile| {
            profile.account().is_some()
                || facts.is_some_and(|facts| {
                    base_key_id(profile).is_some_and(|key| facts.identity(key).is_some())
                })
        })
    }

    /// Whether any row has a last use to show (online audits only), known before any row is
    /// made: a table needs it for its header.
    pub fn any_last_used(&self) -> bool {
        let Some(facts) = self.facts else {
            return false;
        };
        self.profiles()
            .filter_map(base_key_id)
            .any(|key_id| facts.keys.contains_key(key_id))
    }
}

impl Serialize for Rows<'_> {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_seq(self.iter())
    }
}

/// What every row of one report is made with, worked out once for all of them.
struct RowContext<'a> {
    paths: FilePaths,
    locations: &'a Locations,
    facts: Option<&'a Facts>,
    keys: KeyDisplay,
}

impl<'a> RowContext<'a> {
    fn new(locations: &'a Locations, facts: Option<&'a Facts>, keys: KeyDisplay) -> Self {
        RowContext {
            paths: FilePaths::of(locations),
            locations,
            facts,
            keys,
        }
    }
}

/// The two files' paths as text, worked out once for every `path:line` of a report.
struct FilePaths {
    config: String,
    credentials: String,
}

impl FilePaths {
    fn of(locations: &Locations) -> Self {
        FilePaths {
            config: locations.config.path.display().to_string(),
            credentials: locations.credentials.path.display().to_string(),
        }
    }

    /// `path:line`, built directly: `format!` costs more than the copying, ten thousand times.
    fn cite(&self, origin: &Origin) -> String {
        let path = match origin.file {
            FileKind::Config => &self.config,
            FileKind::Credentials => &self.credentials,
        };
        let mut cited = String::with_capacity(path.len() + 8);
        cited.push_str(path);
        cited.push(':');
        write!(cited, "{}", origin.line).expect("writing to a String cannot fail");
        cited
    }
}
