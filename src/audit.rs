//! Running the rules: from the files on disk to a sorted list of findings.
//!
//! Offline by construction: nothing here touches the network or the AWS SDK. The online audit
//! adds IAM facts to [`Facts`] before [`evaluate`] runs, and the rules do the rest.

use crate::catalog;
use crate::env::Env;
use crate::facts::Facts;
use crate::finding::Finding;
use crate::locate::{self, Locations, Overrides};
use crate::mask::KeyDisplay;
use crate::model::Model;
use crate::profile_set::ProfileSet;
use crate::rules::{self, Context, Rule};
use crate::settings::Settings;
use crate::source::{self, InputError, SourceFile};
use std::collections::HashMap;

/// The two files, found and read; either may be missing.
#[derive(Debug)]
pub struct Inputs {
    pub locations: Locations,
    pub config: Option<SourceFile>,
    pub credentials: Option<SourceFile>,
}

impl Inputs {
    pub fn load(env: &Env, overrides: &Overrides) -> Result<Self, InputError> {
        let locations = locate::locate(env, overrides);
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
            set.merge_file(source.kind, source.sections()?);
        }
        Ok(set)
    }
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
    let mut evaluation = Evaluation::default();
    for meta in catalog::rules() {
        if !settings.enabled(&meta.slug) {
            continue;
        }
        let Some(check) = rules::check_for(&meta.slug) else {
            continue;
        };
        for finding in check(&Rule::new(meta, settings), &ctx) {
            let profile = finding.profile.as_deref();
            if !scope.profiles.is_empty()
                && profile.is_some_and(|p| !scope.profiles.iter().any(|s| s == p))
            {
                continue;
            }
            match settings
                .ignores
                .iter()
                .find(|ignore| ignore.matches(finding.slug, profile))
            {
                Some(ignore) => evaluation.suppressed.push(Suppressed {
                    finding,
                    reason: ignore.reason.clone(),
                }),
                None => evaluation.findings.push(finding),
            }
        }
    }
    let order: HashMap<&str, usize> = model
        .profiles
        .iter()
        .enumerate()
        .map(|(index, profile)| (profile.name(), index))
        .collect();
    evaluation.findings.sort_by(|a, b| {
        let rank = |f: &Finding| {
            f.profile
                .as_deref()
                .map(|p| order.get(p).copied().unwrap_or(usize::MAX))
        };
        rank(a)
            .cmp(&rank(b))
            .then(b.severity.cmp(&a.severity))
            .then(a.rule_id.cmp(b.rule_id))
            .then(a.line.cmp(&b.line))
    });
    evaluation
}
