//! Running the rules: from the files on disk to a sorted list of findings.
//!
//! Offline by construction: nothing here touches the network or the AWS SDK. The online audit
//! adds IAM facts to [`Facts`] before [`evaluate`] runs, and the rules do the rest.

pub mod catalog;
pub mod facts;
pub mod finding;
pub mod policy;
pub mod rules;
pub mod settings;
pub mod severity;
pub mod suggest;

use crate::audit::facts::Facts;
use crate::audit::finding::Finding;
use crate::audit::settings::Settings;
use crate::input::locate::{self, Locations, Overrides};
use crate::input::source::{self, InputError, SourceFile};
use crate::profiles::model::Model;
use crate::profiles::set::ProfileSet;
use crate::sys::env::Env;
use crate::sys::mask::KeyDisplay;
use rules::{Context, Rule};
use std::cmp::Reverse;

/// The two files, found and read; either may be missing.
#[derive(Debug)]
pub struct Inputs {
    pub locations: Locations,
    pub config: Option<SourceFile>,
    pub credentials: Option<SourceFile>,
}

impl Inputs {
    pub fn load(env: &Env, overrides: &Overrides) -> Result<Self, InputError> {
        Inputs::read(locate::locate(env, overrides))
    }

    /// Read the files at `locations`.
    pub fn read(locations: Locations) -> Result<Self, InputError> {
        let config = source::read(&locations.config)?;
        let credentials = source::read(&locations.credentials)?;
        Ok(Inputs {
            locations,
            config,
            credentials,
        })
    }

    pub fn sources(&self) -> Vec<&SourceFile> {
        self.config.iter().chain(self.credentials.iter()).collect()
    }

    /// Parse both files and merge them, config first so the credentials file wins per key.
    pub fn profile_set(&self) -> Result<ProfileSet, InputError> {
        let mut set = ProfileSet::default();
        for source in self.sources() {
            set.merge_document(source.kind, &source.document)
                .map_err(|error| source.refused(error))?;
        }
        Ok(set)
    }

    /// Keep where the files are and drop their text: once merged into a profile set, the
    /// text is not needed again, and on a large setup it is megabytes.
    pub fn into_files(self) -> InputFiles {
        InputFiles {
            locations: self.locations,
            config_found: self.config.is_some(),
            credentials_found: self.credentials.is_some(),
        }
    }
}

/// What a report says about its input once the files are parsed: where the two files are
/// and which of them exist.
#[derive(Clone, Debug)]
pub struct InputFiles {
    pub locations: Locations,
    pub config_found: bool,
    pub credentials_found: bool,
}

/// A finding left out by the user's settings, and why.
#[derive(Clone, Debug)]
pub struct Suppressed {
    pub finding: Finding,
    pub reason: String,
}

#[derive(Clone, Debug, Default)]
pub struct Evaluation {
    pub findings: Vec<Finding>,
    pub suppressed: Vec<Suppressed>,
}

/// Which findings to keep.
#[derive(Clone, Debug, Default)]
pub struct Scope {
    /// Only these profiles (and machine-wide findings); empty means all.
    pub profiles: Vec<String>,
}

impl Scope {
    /// Whether a finding about `profile` (`None`: the machine) is kept.
    fn includes(&self, profile: Option<&str>) -> bool {
        match profile {
            Some(profile) => {
                self.profiles.is_empty() || self.profiles.iter().any(|wanted| wanted == profile)
            }
            None => true,
        }
    }
}

/// Run every enabled rule and sort the findings: machine-wide first, then profiles in file
/// order, most severe first within each.
pub fn evaluate(
    model: &Model,
    facts: &Facts,
    locations: &Locations,
    settings: &Settings,
    scope: &Scope,
    keys: KeyDisplay,
) -> Evaluation {
    let ctx = Context {
        model,
        facts,
        locations,
        keys,
    };
    // Every enabled rule's findings, before scope and ignores. Rarely more than one per
    // profile: room for that up front saves growing (and copying) a large list repeatedly.
    let mut findings = Vec::with_capacity(model.profiles.len());
    for meta in catalog::rules() {
        if !settings.enabled(&meta.slug) {
            continue;
        }
        if let Some(check) = rules::check_for(&meta.slug) {
            check(&Rule::new(meta, settings), &ctx, &mut findings);
        }
    }
    findings.retain(|finding| scope.includes(finding.profile.as_deref()));
    let ignore_for = |finding: &Finding| {
        let profile = finding.profile.as_deref();
        settings
            .ignores
            .iter()
            .find(|ignore| ignore.matches(finding.slug, profile))
    };
    let suppressed = findings
        .extract_if(.., |finding| ignore_for(finding).is_some())
        .map(|finding| Suppressed {
            reason: ignore_for(&finding)
                .expect("extracted because an ignore matches it")
                .reason
                .clone(),
            finding,
        })
        .collect();
    let mut evaluation = Evaluation {
        findings,
        suppressed,
    };
    // Profiles rank in file order: the model lists them as the profile set does. Each
    // finding's key is worked out once: looking its profile up on every comparison cost more
    // than the sort itself. The sort is stable, as before.
    evaluation.findings.sort_by_cached_key(|f| {
        let rank = f
            .profile
            .as_deref()
            .map(|p| model.set.profile_position(p).unwrap_or(usize::MAX));
        (rank, Reverse(f.severity), f.rule_id, f.line)
    });
    evaluation
}

/// The exact secrets and session tokens of every key this audit knows: the profiles' own,
/// the environment's, and the protected keys' from the store.
pub fn known_secrets(
    env: &Env,
    model: &Model,
    stored: &std::collections::HashMap<String, String>,
) -> crate::scan::search::KnownSecrets {
    let from_files = model.key_holders().flat_map(|(profile, key_id)| {
        [
            "aws_secret_access_key",
            "aws_session_token",
            "aws_security_token",
        ]
        .into_iter()
        .filter_map(move |key| profile.section.property_named(key))
        .map(move |property| (key_id, property.value.as_str()))
    });
    let from_environment = env.get("AWS_ACCESS_KEY_ID").into_iter().flat_map(|key_id| {
        ["AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN"]
            .into_iter()
            .filter_map(|name| env.get(name))
            .map(move |secret| (key_id, secret))
    });
    let from_store = stored
        .iter()
        .map(|(key_id, secret)| (key_id.as_str(), secret.as_str()));
    crate::scan::search::KnownSecrets::new(from_files.chain(from_environment).chain(from_store))
}
