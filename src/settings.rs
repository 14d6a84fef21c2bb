//! The user's own settings for awscheck: thresholds, disabled rules, ignores with reasons.
//!
//! ```toml
//! fail_on = "high"
//!
//! [rules.key-too-old]
//! max_age_days = 90
//!
//! [rules.long-term-key]
//! enabled = false
//!
//! [[ignore]]
//! profile = "legacy-ci"
//! rule = "key-unused"
//! reason = "break-glass key, checked by hand every quarter"
//! ```
//!
//! Unknown keys, rules or parameters are errors: a typo must not silently turn a check off.

use crate::catalog::{self, RuleMeta};
use crate::severity::Severity;
use crate::source::InputError;
use serde::Deserialize;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

#[derive(Clone, Debug, Default)]
pub struct Settings {
    pub path: Option<PathBuf>,
    pub fail_on: Option<Severity>,
    /// Per rule slug.
    pub rules: BTreeMap<String, RuleSettings>,
    pub ignores: Vec<Ignore>,
}

#[derive(Clone, Debug, Default)]
pub struct RuleSettings {
    pub enabled: Option<bool>,
    pub parameters: BTreeMap<String, u64>,
}

/// Findings to leave out, and why. A missing profile or rule matches any.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Ignore {
    pub profile: Option<String>,
    pub rule: Option<String>,
    pub reason: String,
}

impl Ignore {
    pub fn matches(&self, slug: &str, profile: Option<&str>) -> bool {
        self.rule.as_deref().is_none_or(|rule| rule == slug)
            && self
                .profile
                .as_deref()
                .is_none_or(|wanted| Some(wanted) == profile)
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawSettings {
    fail_on: Option<Severity>,
    #[serde(default)]
    rules: BTreeMap<String, toml::Table>,
    #[serde(default)]
    ignore: Vec<RawIgnore>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawIgnore {
    profile: Option<String>,
    rule: Option<String>,
    reason: String,
}

impl Settings {
    /// Load `explicit` (which must exist) or the default file (which may not).
    pub fn load(explicit: Option<&Path>, default: Option<PathBuf>) -> Result<Self, InputError> {
        let (path, required) = match (explicit, default) {
            (Some(path), _) => (path.to_path_buf(), true),
            (None, Some(path)) => (path, false),
            (None, None) => return Ok(Settings::default()),
        };
        let text = match std::fs::read_to_string(&path) {
            Ok(text) => text,
            Err(error) if error.kind() == std::io::ErrorKind::NotFound && !required => {
                return Ok(Settings::default())
            }
            Err(error) => {
                return Err(InputError {
                    path,
                    line: None,
                    message: format!("cannot read settings: {error}"),
                })
            }
        };
        let mut settings = Settings::parse(&text).map_err(|(line, message)| InputError {
            path: path.clone(),
            line,
            message,
        })?;
        settings.path = Some(path);
        Ok(settings)
    }

    /// Parse and check settings text; errors carry a line where one can be named.
    pub fn parse(text: &str) -> Result<Self, (Option<usize>, String)> {
        let raw: RawSettings = toml::from_str(text).map_err(|error| {
            let line = error.span().map(|span| line_at(text, span.start));
            (line, error.message().trim().to_string())
        })?;
        let line_of = |needle: &str| {
            text.lines()
                .position(|line| line.contains(needle))
                .map(|index| index + 1)
        };
        let mut rules = BTreeMap::new();
        for (name, table) in raw.rules {
            let rule = catalog::find(&name).ok_or_else(|| {
                (
                    line_of(&name),
                    format!("unknown rule `{name}` (see `awscheck rules`)"),
                )
            })?;
            let parsed =
                rule_settings(rule, &table).map_err(|message| (line_of(&name), message))?;
            rules.insert(rule.slug.clone(), parsed);
        }
        let mut ignores = Vec::new();
        for raw_ignore in raw.ignore {
            let rule = match raw_ignore.rule {
                Some(name) => Some(
                    catalog::find(&name)
                        .ok_or_else(|| {
                            (
                                line_of(&name),
                                format!("unknown rule `{name}` in [[ignore]]"),
                            )
                        })?
                        .slug
                        .clone(),
                ),
                None => None,
            };
            if rule.is_none() && raw_ignore.profile.is_none() {
                return Err((
                    line_of("[[ignore]]"),
                    "an [[ignore]] needs a `profile`, a `rule` or both".to_string(),
                ));
            }
            if raw_ignore.reason.trim().is_empty() {
                return Err((
                    line_of("reason"),
                    "an [[ignore]] needs a non-empty `reason`".to_string(),
                ));
            }
            ignores.push(Ignore {
                profile: raw_ignore.profile,
                rule,
                reason: raw_ignore.reason,
            });
        }
        Ok(Settings {
            path: None,
            fail_on: raw.fail_on,
            rules,
            ignores,
        })
    }

    pub fn enabled(&self, slug: &str) -> bool {
        self.rules
            .get(slug)
            .and_then(|rule| rule.enabled)
            .unwrap_or(true)
    }

    /// A rule parameter: the user's value, else the rule file's default.
    pub fn parameter(&self, rule: &RuleMeta, name: &str) -> Option<u64> {
        self.rules
            .get(&rule.slug)
            .and_then(|settings| settings.parameters.get(name))
            .or_else(|| rule.parameters.get(name))
            .copied()
    }
}

fn rule_settings(rule: &RuleMeta, table: &toml::Table) -> Result<RuleSettings, String> {
    let mut settings = RuleSettings::default();
    for (key, value) in table {
        if key == "enabled" {
            settings.enabled = Some(
                value
                    .as_bool()
                    .ok_or_else(|| format!("rules.{}.enabled must be true or false", rule.slug))?,
            );
            continue;
        }
        if !rule.parameters.contains_key(key) {
            let known: Vec<&str> = rule.parameters.keys().map(String::as_str).collect();
            return Err(format!(
                "rule `{}` has no parameter `{key}` (it takes: {})",
                rule.slug,
                if known.is_empty() {
                    "enabled only".to_string()
                } else {
                    format!("enabled, {}", known.join(", "))
                }
            ));
        }
        let number = value
            .as_integer()
            .and_then(|n| u64::try_from(n).ok())
            .ok_or_else(|| {
                format!(
                    "rules.{}.{key} must be a whole number of 0 or more",
                    rule.slug
                )
            })?;
        settings.parameters.insert(key.clone(), number);
    }
    Ok(settings)
}

fn line_at(text: &str, offset: usize) -> usize {
    text[..offset.min(text.len())].matches('\n').count() + 1
}
