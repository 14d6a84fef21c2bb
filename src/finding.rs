//! A finding: one rule's verdict on one profile (or on the machine), with its evidence and fix.

use crate::catalog::RuleMeta;
use crate::severity::Severity;
use serde::Serialize;
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
    /// The exact command or edit that fixes it.
    pub remediation: String,
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
            message: message.into(),
            evidence: String::new(),
            remediation: rule.remediation.trim().to_string(),
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
        self.evidence = evidence.into();
        self
    }

    pub fn fix(mut self, remediation: impl Into<String>) -> Self {
        self.remediation = remediation.into();
        self
    }

    pub fn severity(mut self, severity: Severity) -> Self {
        self.severity = severity;
        self
    }

    /// `file:line` for people, or `environment` for findings with no file.
    pub fn location(&self) -> String {
        match (&self.file, self.line) {
            (Some(file), Some(line)) => format!("{}:{line}", file.display()),
            (Some(file), None) => file.display().to_string(),
            (None, _) => "environment".to_string(),
        }
    }
}
