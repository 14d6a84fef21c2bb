//! The machine half of the rule catalog: one check function per rule file in `rules/`.
//!
//! A check reads the model and the facts and adds its findings to a list; it prints nothing
//! and knows nothing of terminals or formats. Adding a rule: a TOML file in `rules/`, a module
//! here of the same name with its `check`, and a fixture in `tests/fixtures/`. The build
//! declares the modules and lists them in [`CHECKS`] from `rules/`; it fails on a rule without
//! a check, and the test suite on one without a fixture.

use crate::audit::catalog::RuleMeta;
use crate::audit::facts::Facts;
use crate::audit::finding::Finding;
use crate::audit::settings::Settings;
use crate::input::locate::Locations;
use crate::parse::key::{AWS_ACCESS_KEY_ID, CREDENTIAL_PROCESS};
use crate::parse::origin::{FileKind, Origin};
use crate::profiles::model::{Model, ResolvedProfile};
use crate::profiles::set::{Capped, CAP};
use crate::sys::count::thousands;
use crate::sys::mask::KeyDisplay;
use std::path::Path;

/// Everything a check may read.
pub struct Context<'a> {
    pub model: &'a Model<'a>,
    pub facts: &'a Facts,
    pub locations: &'a Locations,
    pub keys: KeyDisplay,
}

/// A profile that holds its own access key (not one reached through a role): what most key
/// rules are about.
pub struct KeyHolder<'a> {
    pub profile: &'a ResolvedProfile<'a>,
    pub key_id: &'a str,
}

impl KeyHolder<'_> {
    /// The `aws_access_key_id` line: where a finding about the key points. Looked up only for
    /// a finding: most rules pass over most holders, and on a large setup the lookups add up.
    fn origin(&self) -> Option<Origin> {
        let section = &self.profile.section;
        let key_line = section
            .property(AWS_ACCESS_KEY_ID)
            .or_else(|| section.property(CREDENTIAL_PROCESS))
            .map(|p| p.origin());
        key_line.or_else(|| section.headers.first().copied())
    }
}

impl<'a> Context<'a> {
    /// Every profile that holds its own access key, in file order.
    pub fn key_holders(&self) -> impl Iterator<Item = KeyHolder<'a>> + 'a {
        self.model
            .key_holders()
            .map(|(profile, key_id)| KeyHolder { profile, key_id })
    }

    /// `finding` about `holder`'s key: under its profile, pointing at the key's line.
    pub fn about_key(&self, holder: &KeyHolder, finding: Finding) -> Finding {
        let finding = finding.profile(holder.profile.name());
        match holder.origin() {
            Some(origin) => self.place(finding, origin),
            None => finding,
        }
    }

    /// Commands for a fix, pasteable as printed.
    pub fn suggest(&self) -> crate::audit::suggest::Suggest<'a> {
        crate::audit::suggest::Suggest::new(self.locations, self.keys)
    }

    pub fn path(&self, kind: FileKind) -> &Path {
        match kind {
            FileKind::Config => &self.locations.config.path,
            FileKind::Credentials => &self.locations.credentials.path,
        }
    }

    /// `~/.aws/config:12` style reference for evidence text.
    pub fn cite(&self, origin: Origin) -> String {
        format!("{}:{}", self.path(origin.file).display(), origin.line)
    }

    /// Point `finding` at the line `origin` names.
    pub fn place(&self, finding: Finding, origin: Origin) -> Finding {
        finding.at(self.path(origin.file), Some(origin.line))
    }
}

/// A rule's metadata with the user's settings applied.
pub struct Rule<'a> {
    pub meta: &'static RuleMeta,
    settings: &'a Settings,
}

impl<'a> Rule<'a> {
    pub fn new(meta: &'static RuleMeta, settings: &'a Settings) -> Self {
        Rule { meta, settings }
    }

    /// A numeric parameter. Every parameter a check asks for is declared in its rule file,
    /// which the catalog test checks, so a missing one is a defect in the rule itself.
    pub fn parameter(&self, name: &str) -> u64 {
        self.settings.parameter(self.meta, name).unwrap_or_else(|| {
            panic!(
                "rules/{}.toml declares no parameter `{name}`",
                self.meta.slug
            )
        })
    }

    pub fn finding(&self, message: impl Into<String>) -> Finding {
        Finding::new(self.meta, message)
    }

    /// The finding that counts what `listed` leaves out, if it leaves anything out: `more`
    /// says what there is more of, `in_all` names them with the listed ones.
    fn unlisted<T>(
        &self,
        listed: &Capped<T>,
        more: &str,
        in_all: &str,
        fix: &'static str,
    ) -> Option<Finding> {
        let unlisted = listed.unlisted();
        (unlisted > 0).then(|| {
            self.finding(format!(
                "{} more {more}; awscheck lists the first {}",
                thousands(unlisted),
                thousands(CAP)
            ))
            .evidence(format!("{} {in_all} in all", thousands(CAP + unlisted)))
            .fix(fix)
        })
    }
}

/// `1 day`, `2 days`: how the reminder counts.
fn days(n: i64) -> String {
    match n {
        1 => "1 day".to_string(),
        n => format!("{n} days"),
    }
}

/// A rule's check: appends what it finds to `out`. One list for every rule, rather than a
/// list per rule copied into the result, matters when a rule fires for thousands of profiles.
pub type Check = fn(&Rule, &Context, out: &mut Vec<Finding>);

// The check modules and `CHECKS`, one for each file in `rules/` (see `build.rs`).
include!(concat!(env!("OUT_DIR"), "/rule_checks.rs"));

pub fn check_for(slug: &str) -> Option<Check> {
    CHECKS
        .iter()
        .find(|(name, _)| *name == slug)
        .map(|(_, check)| *check)
}
