//! The machine half of the rule catalog: one check function per rule file in `rules/`.
//!
//! A check reads the model and the facts and adds its findings to a list; it prints nothing
//! and knows nothing of terminals or formats. Adding a rule: a TOML file in `rules/`, a module
//! here with its `check`, its line in [`CHECKS`], and a fixture in `tests/fixtures/`. The test
//! suite fails when any of the four is missing.

mod credential_cache_exposed;
mod credential_process_unsafe;
mod default_profile_has_credentials;
mod duplicate_section;
mod ignored_section;
mod inactive_key_present;
mod incomplete_credentials;
mod inline_comment_in_value;
mod insecure_file_permissions;
mod key_copied_outside_credentials;
mod key_has_admin_access;
mod key_in_config_file;
mod key_in_environment;
mod key_not_on_this_machine;
mod key_rejected_by_aws;
mod key_shared_by_profiles;
mod key_too_old;
mod key_unused;
mod key_without_mfa_protection;
mod legacy_sso_config;
mod long_term_key;
mod multiple_active_keys;
mod protected_key_missing;
mod protected_profile_unnamed;
mod role_chain_on_long_term_key;
mod root_access_key;
mod session_key_in_file;
mod unresolvable_profile;
mod user_has_password_and_key;

use crate::audit::catalog::RuleMeta;
use crate::audit::facts::Facts;
use crate::audit::finding::{thousands, Finding};
use crate::audit::settings::Settings;
use crate::input::locate::Locations;
use crate::parse::key::{AWS_ACCESS_KEY_ID, CREDENTIAL_PROCESS};
use crate::parse::origin::{FileKind, Origin};
use crate::profiles::model::{Model, ResolvedProfile};
use crate::profiles::set::{Listed, LISTED};
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
        listed: &Listed<T>,
        more: &str,
        in_all: &str,
        fix: &'static str,
    ) -> Option<Finding> {
        let unlisted = listed.unlisted();
        (unlisted > 0).then(|| {
            self.finding(format!(
                "{} more {more}; awscheck lists the first {}",
                thousands(unlisted),
                thousands(LISTED)
            ))
            .evidence(format!("{} {in_all} in all", thousands(LISTED + unlisted)))
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

/// Rule slug -> its check.
#[rustfmt::skip]
pub const CHECKS: &[(&str, Check)] = &[
    ("credential-cache-exposed", credential_cache_exposed::check),
    ("credential-process-unsafe", credential_process_unsafe::check),
    ("default-profile-has-credentials", default_profile_has_credentials::check),
    ("duplicate-section", duplicate_section::check),
    ("ignored-section", ignored_section::check),
    ("inactive-key-present", inactive_key_present::check),
    ("incomplete-credentials", incomplete_credentials::check),
    ("inline-comment-in-value", inline_comment_in_value::check),
    ("insecure-file-permissions", insecure_file_permissions::check),
    ("key-copied-outside-credentials", key_copied_outside_credentials::check),
    ("key-has-admin-access", key_has_admin_access::check),
    ("key-in-config-file", key_in_config_file::check),
    ("key-in-environment", key_in_environment::check),
    ("key-not-on-this-machine", key_not_on_this_machine::check),
    ("key-rejected-by-aws", key_rejected_by_aws::check),
    ("key-shared-by-profiles", key_shared_by_profiles::check),
    ("key-too-old", key_too_old::check),
    ("key-unused", key_unused::check),
    ("key-without-mfa-protection", key_without_mfa_protection::check),
    ("legacy-sso-config", legacy_sso_config::check),
    ("long-term-key", long_term_key::check),
    ("multiple-active-keys", multiple_active_keys::check),
    ("protected-key-missing", protected_key_missing::check),
    ("protected-profile-unnamed", protected_profile_unnamed::check),
    ("role-chain-on-long-term-key", role_chain_on_long_term_key::check),
    ("root-access-key", root_access_key::check),
    ("session-key-in-file", session_key_in_file::check),
    ("unresolvable-profile", unresolvable_profile::check),
    ("user-has-password-and-key", user_has_password_and_key::check),
];

pub fn check_for(slug: &str) -> Option<Check> {
    CHECKS
        .iter()
        .find(|(name, _)| *name == slug)
        .map(|(_, check)| *check)
}
