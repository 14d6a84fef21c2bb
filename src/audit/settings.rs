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
//!
//! [remind]
//! min_severity = "high"   # what the weekly reminder speaks up about (default medium)
//!
//! [scan]
//! enabled = true          # look for copies of keys outside the two files (default true)
//! extra_paths = ["~/notes/aws.txt"]
//!
//! [protect]
//! mfa_prompt = "zenity"   # without a terminal, ask for MFA codes in a dialog (zenity, kdialog, osascript)
//! no_session = ["admin"]  # protected profiles that get the key itself, not sessions (they call IAM)
//! ```
//!
//! Unknown keys, rules or parameters are errors: a typo must not silently turn a check off.

use crate::audit::catalog::{self, RuleMeta};
use crate::audit::severity::Severity;
use crate::input::source::{read_text, InputError};
use serde::Deserialize;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use toml::Spanned;

#[derive(Clone, Debug, Default)]
pub struct Settings {
    pub path: Option<PathBuf>,
    pub fail_on: Option<Severity>,
    /// Per rule slug.
    pub rules: BTreeMap<String, RuleSettings>,
    pub ignores: Vec<Ignore>,
    pub remind: RemindSettings,
    pub protect: ProtectSettings,
    pub scan: ScanSettings,
}

/// The `[scan]` table: where else the audit looks for copies of keys.
#[derive(Clone, Debug, Default, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ScanSettings {
    pub enabled: Option<bool>,
    #[serde(default)]
    pub extra_paths: Vec<PathBuf>,
    /// Folders the deep scan leaves out, in place of [`crate::scan::deep::DEFAULT_SKIP`].
    pub skip: Option<Vec<String>>,
    /// The weekly reminder's audit is deep (`audit --deep`).
    pub deep: Option<bool>,
}

impl ScanSettings {
    /// The deep scan's skip list: the settings', else the default.
    pub fn skip(&self) -> Vec<String> {
        match &self.skip {
            Some(skip) => skip.clone(),
            None => crate::scan::deep::DEFAULT_SKIP
                .iter()
                .map(|s| s.to_string())
                .collect(),
        }
    }
}

/// The `[remind]` table: what `awscheck remind` notifies about.
#[derive(Clone, Debug, Default, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RemindSettings {
    pub min_severity: Option<Severity>,
}

/// The `[protect]` table: how `awscheck credential-process` asks for an MFA code when there
/// is no terminal (an IDE or a desktop app running an SDK), and which protected profiles get
/// the long-term key itself instead of sessions.
#[derive(Clone, Debug, Default, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ProtectSettings {
    pub mfa_prompt: Option<MfaPrompt>,
    /// Profiles whose protected key is handed out as it is, as `protect --no-session` does:
    /// a session made without MFA cannot call IAM.
    #[serde(default)]
    pub no_session: Vec<String>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum MfaPrompt {
    Zenity,
    Kdialog,
    Osascript,
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

/// The file as written, with the position of every name and value so errors can point at
/// the line that is wrong.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawSettings {
    fail_on: Option<Severity>,
    #[serde(default)]
    rules: BTreeMap<Spanned<String>, BTreeMap<Spanned<String>, Spanned<toml::Value>>>,
    #[serde(default)]
    ignore: Vec<Spanned<RawIgnore>>,
    #[serde(default)]
    remind: RemindSettings,
    #[serde(default)]
    protect: ProtectSettings,
    #[serde(default)]
    scan: ScanSettings,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawIgnore {
    profile: Option<String>,
    rule: Option<Spanned<String>>,
    reason: Spanned<String>,
}

/// A settings error: the line it is on (when known) and what is wrong.
pub type SettingsError = (Option<usize>, String);

impl Settings {
    /// Load `explicit` (which must exist) or the default file (which may not).
    pub fn load(explicit: Option<&Path>, default: Option<PathBuf>) -> Result<Self, InputError> {
        let (path, required) = match (explicit, default) {
            (Some(path), _) => (path.to_path_buf(), true),
            (None, Some(path)) => (path, false),
            (None, None) => return Ok(Settings::default()),
        };
        let fail = |line, message| InputError {
            path: path.clone(),
            line,
            message,
        };
        // Read with the shared files' care: a FIFO or /dev/zero given as --settings must not
        // hang the command or fill memory.
        let text = match read_text(&path)? {
            Some(text) => text,
            None if !required => return Ok(Settings::default()),
            None => return Err(fail(None, "cannot read settings: no such file".to_string())),
        };
        let mut settings = Settings::parse(&text).map_err(|(line, message)| fail(line, message))?;
        settings.path = Some(path);
        Ok(settings)
    }

    /// Parse and check settings text; errors carry the line of the offending name or value.
    pub fn parse(text: &str) -> Result<Self, SettingsError> {
        let at = |span: std::ops::Range<usize>| Some(line_at(text, span.start));
        let raw: RawSettings = toml::from_str(text).map_err(|error| {
            (
                error.span().and_then(at),
                error.message().trim().to_string(),
            )
        })?;
        let mut rules = BTreeMap::new();
        for (name, table) in raw.rules {
            let rule = catalog::find(name.get_ref()).ok_or_else(|| {
                (
                    at(name.span()),
                    format!("unknown rule `{}` (see `awscheck rules`)", name.get_ref()),
                )
            })?;
            rules.insert(rule.slug.clone(), rule_settings(rule, table, &at)?);
        }
        let mut ignores = Vec::new();
        for entry in raw.ignore {
            let entry_line = at(entry.span());
            let entry = entry.into_inner();
            let rule = match entry.rule {
                Some(name) => Some(
                    catalog::find(name.get_ref())
                        .ok_or_else(|| {
                            (
                                at(name.span()),
                                format!("unknown rule `{}` in [[ignore]]", name.get_ref()),
                            )
                        })?
                        .slug
                        .clone(),
                ),
                None => None,
            };
            if rule.is_none() && entry.profile.is_none() {
                return Err((
                    entry_line,
                    "an [[ignore]] needs a `profile`, a `rule` or both".to_string(),
                ));
            }
            if entry.reason.get_ref().trim().is_empty() {
                return Err((
                    at(entry.reason.span()),
                    "an [[ignore]] needs a non-empty `reason`".to_string(),
                ));
            }
            ignores.push(Ignore {
                profile: entry.profile,
                rule,
                reason: entry.reason.into_inner(),
            });
        }
        Ok(Settings {
            path: None,
            fail_on: raw.fail_on,
            rules,
            ignores,
            remind: raw.remind,
            protect: raw.protect,
            scan: raw.scan,
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

fn rule_settings(
    rule: &RuleMeta,
    table: BTreeMap<Spanned<String>, Spanned<toml::Value>>,
    at: &dyn Fn(std::ops::Range<usize>) -> Option<usize>,
) -> Result<RuleSettings, SettingsError> {
    let mut settings = RuleSettings::default();
    for (key, value) in table {
        let name = key.get_ref();
        if name == "enabled" {
            let enabled = value.get_ref().as_bool().ok_or_else(|| {
                (
                    at(value.span()),
                    format!("rules.{}.enabled must be true or false", rule.slug),
                )
            })?;
            settings.enabled = Some(enabled);
            continue;
        }
        if !rule.parameters.contains_key(name) {
            let known: Vec<&str> = rule.parameters.keys().map(String::as_str).collect();
            let takes = if known.is_empty() {
                "enabled only".to_string()
            } else {
                format!("enabled, {}", known.join(", "))
            };
            return Err((
                at(key.span()),
                format!(
                    "rule `{}` has no parameter `{name}` (it takes: {takes})",
                    rule.slug
                ),
            ));
        }
        let number = value
            .get_ref()
            .as_integer()
            .and_then(|n| u64::try_from(n).ok())
            .ok_or_else(|| {
                (
                    at(value.span()),
                    format!(
                        "rules.{}.{name} must be a whole number of 0 or more",
                        rule.slug
                    ),
                )
            })?;
        settings.parameters.insert(name.clone(), number);
    }
    Ok(settings)
}

fn line_at(text: &str, offset: usize) -> usize {
    text[..offset.min(text.len())].matches('\n').count() + 1
}
