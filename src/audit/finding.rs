//! A finding: one rule's verdict on one profile (or on the machine), with its evidence and fix.

use crate::audit::catalog::RuleMeta;
use crate::audit::severity::Severity;
use serde::Serialize;
use std::borrow::Cow;
use std::fmt;
use std::path::{Path, PathBuf};

#[derive(Clone, Debug, Serialize)]
pub struct Finding {
    pub rule_id: &'static str,
    pub slug: &'static str,
    pub severity: Severity,
    /// `None` for findings about the machine rather than one profile.
    pub profile: Option<String>,
    pub file: Option<PathBuf>,
    pub line: Option<usize>,
    pub message: String,
    /// What was seen, with key IDs masked and never a secret.
    pub evidence: String,
    /// The exact command or edit that fixes it. Until a rule names the exact fix, the rule's
    /// general one, borrowed from the catalog rather than copied into every finding.
    pub remediation: Cow<'static, str>,
    /// The fix as the report says it when `remediation` is long: the rule's `brief_fix`, or
    /// the check's own. A check that writes its own fix writes its own brief one, or none.
    #[serde(skip)]
    pub brief_fix: Option<Cow<'static, str>>,
    /// How the weekly reminder says it, after the profile's name, when the rule's own words
    /// (`reminder` in its file) need the numbers of this finding; never a secret or a line.
    #[serde(skip)]
    pub reminder: Option<String>,
    /// What the file is when its name does not say (`kubeconfig exec env`), for a group's
    /// place line; the message says it too.
    #[serde(skip)]
    pub file_kind: Option<&'static str>,
}

impl Finding {
    pub fn new(rule: &'static RuleMeta, message: impl Into<String>) -> Self {
        Finding {
            rule_id: &rule.id,
            slug: &rule.slug,
            severity: rule.severity,
            profile: None,
            file: None,
            line: None,
            message: redacted(message.into()),
            evidence: String::new(),
            remediation: Cow::Borrowed(rule.remediation.trim()),
            brief_fix: rule
                .brief_fix
                .as_deref()
                .map(|fix| Cow::Borrowed(fix.trim())),
            reminder: None,
            file_kind: None,
        }
    }

    pub fn profile(mut self, name: &str) -> Self {
        self.profile = Some(name.to_string());
        self
    }

    pub fn at(mut self, file: &Path, line: Option<usize>) -> Self {
        self.file = Some(file.to_path_buf());
        self.line = line;
        self
    }

    pub fn evidence(mut self, evidence: impl Into<String>) -> Self {
        self.evidence = redacted(evidence.into());
        self
    }

    pub fn fix(mut self, remediation: impl Into<Cow<'static, str>>) -> Self {
        self.remediation = remediation.into();
        self.brief_fix = None;
        self
    }

    pub fn brief_fix(mut self, fix: impl Into<Cow<'static, str>>) -> Self {
        self.brief_fix = Some(fix.into());
        self
    }

    /// The fix as the report says it.
    pub fn shown_fix(&self) -> &str {
        self.brief_fix.as_deref().unwrap_or(&self.remediation)
    }

    pub fn reminder(mut self, reminder: impl Into<String>) -> Self {
        self.reminder = Some(reminder.into());
        self
    }

    pub fn file_kind(mut self, kind: &'static str) -> Self {
        self.file_kind = Some(kind);
        self
    }

    pub fn severity(mut self, severity: Severity) -> Self {
        self.severity = severity;
        self
    }

    /// `file:line` for people, or `environment` for findings with no file; a `Display`, so
    /// writing it out needs no string of its own.
    pub fn location(&self) -> impl fmt::Display + '_ {
        Location(self)
    }
}

/// Messages and evidence quote values from the user's files, which may hold a secret awscheck
/// does not know as one.
fn redacted(text: String) -> String {
    match crate::sys::mask::redact_secret_words(&text) {
        Cow::Borrowed(_) => text,
        Cow::Owned(redacted) => redacted,
    }
}

struct Location<'a>(&'a Finding);

impl fmt::Display for Location<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let Some(file) = &self.0.file else {
            return f.write_str("environment");
        };
        // A UTF-8 path (nearly all) is written as it is; `display` checks it piece by piece.
        match file.to_str() {
            Some(path) => f.write_str(path)?,
            None => write!(f, "{}", file.display())?,
        }
        match self.0.line {
            Some(line) => write!(f, ":{line}"),
            None => Ok(()),
        }
    }
}
