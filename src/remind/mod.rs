//! The weekly reminder's words: from an audit's findings to one short text naming the profiles
//! that need attention and the one command to run next.
//!
//! Pure, so that every wording is unit-tested; `commands::remind` runs the audit, shows the
//! text and keeps the record. The text is built only from profile names, numbers and fixed
//! phrases, never from a finding's message or evidence, so it can carry no secret and no key ID
//! however a rule words its findings.

pub mod notify;
pub mod schedule;

use crate::audit::catalog;
use crate::audit::finding::Finding;
use crate::audit::severity::Severity;
use crate::sys::process::shell_quote;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use std::cmp::Reverse;

/// The record of the last run, in the state folder, for `schedule status`.
pub const LAST_REMIND_FILE: &str = "last-remind.json";
/// Every run, one line each, in the state folder.
pub const LOG_FILE: &str = "remind.log";

/// A reminder for anything that needs action this week; `low` findings can wait for an audit.
pub const DEFAULT_MIN_SEVERITY: Severity = Severity::Medium;

/// Items named in full; the rest are counted, so the notification stays readable.
const SHOWN: usize = 3;

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Reminder {
    pub title: String,
    /// The whole message in a line, as printed and logged.
    pub text: String,
    /// What a desktop notification shows under the title: at most three short lines, the count,
    /// the most urgent thing, and the command to run.
    pub lines: Vec<String>,
    /// What to run next, also at the end of `text`.
    pub command: String,
    /// Findings at or above the threshold.
    pub due: usize,
}

/// What the last `remind` did.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct LastRemind {
    pub time: Option<DateTime<Utc>>,
    /// `online` or `offline`.
    pub mode: Option<String>,
    pub min_severity: Option<Severity>,
    /// Findings of any severity, and those at or above `min_severity`.
    pub findings: usize,
    pub due: usize,
    /// The reminder, when one was due.
    pub text: Option<String>,
    /// `notified`, `printed` (no notification service), `nothing due` or `error`.
    pub outcome: String,
    /// Why the text was printed instead of shown, or the error.
    pub detail: Option<String>,
}

/// The reminder for `findings` at or above `min`, or `None` when nothing is due.
pub fn reminder(findings: &[Finding], min: Severity) -> Option<Reminder> {
    let mut due: Vec<&Finding> = findings.iter().filter(|f| f.severity >= min).collect();
    if due.is_empty() {
        return None;
    }
    // Most severe first; among equals, an old key first, since rotating it is the one fix
    // awscheck does for you; then profiles in name order, machine-wide findings last.
    due.sort_by_key(|f| {
        (
            Reverse(f.severity),
            f.slug != "key-too-old",
            f.profile.is_none(),
            f.profile.clone(),
        )
    });

    // One item per profile ("dev is 92 days old and unused for 60 days"), one per machine-wide
    // finding.
    let mut items: Vec<(Option<String>, Vec<String>)> = Vec::new();
    for finding in &due {
        match (&finding.profile, predicate(finding)) {
            (Some(profile), Some(predicate)) => {
                let name = clean(profile);
                match items
                    .iter_mut()
                    .find(|(subject, _)| subject.as_ref() == Some(&name))
                {
                    Some((_, predicates)) => {
                        if !predicates.contains(&predicate) {
                            predicates.push(predicate);
                        }
                    }
                    None => items.push((Some(name), vec![predicate])),
                }
            }
            (profile, _) => items.push((None, vec![standalone(finding, profile.as_deref())])),
        }
    }
    let phrases: Vec<String> = items
        .iter()
        .map(|(subject, predicates)| match subject {
            Some(name) => format!("{name} {}", predicates.join(" and ")),
            None => predicates.join(" and "),
        })
        .collect();

    let keys_only = due
        .iter()
        .all(|f| f.profile.is_some() && catalog::find(f.slug).is_some_and(|rule| rule.about_key));
    let count = phrases.len();
    let noun = match (keys_only, count) {
        (true, 1) => "AWS key needs",
        (true, _) => "AWS keys need",
        (false, 1) => "AWS credential issue needs",
        (false, _) => "AWS credential issues need",
    };
    let mut listed = phrases
        .iter()
        .take(SHOWN)
        .cloned()
        .collect::<Vec<_>>()
        .join(", ");
    if count > SHOWN {
        listed.push_str(&format!(" and {} more", count - SHOWN));
    }
    let command = next_command(due[0]);
    let mut most_urgent = phrases[0].clone();
    if count > 1 {
        most_urgent.push_str(&format!(", and {} more", count - 1));
    }
    Some(Reminder {
        title: "awscheck".to_string(),
        text: format!("{count} {noun} attention: {listed}. Run: {command}"),
        lines: vec![
            format!("{count} {noun} attention"),
            most_urgent,
            format!("Run: {command}"),
        ],
        command,
        due: due.len(),
    })
}

/// What to run about the most pressing finding: `rotate` for an old key, else the audit.
fn next_command(finding: &Finding) -> String {
    match (finding.profile.as_deref().map(clean), finding.slug) {
        (Some(profile), "key-too-old") => {
            format!("awscheck rotate --profile {}", shell_quote(&profile))
        }
        (Some(profile), _) => format!("awscheck audit --profile {}", shell_quote(&profile)),
        (None, _) => "awscheck audit".to_string(),
    }
}

/// What is wrong with a profile, as the rest of a sentence that starts with its name: the
/// finding's own words when it has numbers to give, else its rule's.
fn predicate(finding: &Finding) -> Option<String> {
    finding
        .reminder
        .clone()
        .or_else(|| catalog::find(finding.slug)?.reminder.clone())
}

/// A machine-wide finding, or one with no wording of its own, as a whole phrase.
fn standalone(finding: &Finding, profile: Option<&str>) -> String {
    let phrase = match catalog::find(finding.slug) {
        Some(rule) => match &rule.reminder_alone {
            Some(phrase) => phrase.clone(),
            None => lower_first(rule.title.trim_end_matches('.')),
        },
        None => finding.slug.replace('-', " "),
    };
    match profile {
        Some(profile) => format!("{}: {phrase}", clean(profile)),
        None => phrase,
    }
}

fn lower_first(text: &str) -> String {
    let mut chars = text.chars();
    match chars.next() {
        Some(first) => first.to_lowercase().chain(chars).collect(),
        None => String::new(),
    }
}

fn clean(name: &str) -> String {
    crate::sys::mask::notification_safe(name)
}

/// The log is trimmed to its newest [`LOG_KEEP`] bytes once it passes this size.
pub const LOG_LIMIT: usize = 64 * 1024;
pub const LOG_KEEP: usize = 32 * 1024;

/// One log line: time, audit mode, and what happened, on one line whatever the text holds.
pub fn log_line(now: DateTime<Utc>, mode: &str, event: &str) -> String {
    let event: String = event
        .chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect();
    format!("{} {mode} {event}\n", now.format("%Y-%m-%dT%H:%M:%SZ"))
}

/// The newest part of a log that grew past [`LOG_LIMIT`], starting at a line.
pub fn trim_log(log: &[u8]) -> &[u8] {
    if log.len() <= LOG_LIMIT {
        return log;
    }
    let tail = &log[log.len() - LOG_KEEP..];
    match tail.iter().position(|b| *b == b'\n') {
        Some(newline) => &tail[newline + 1..],
        None => tail,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn finding(slug: &str, profile: Option<&str>) -> Finding {
        let rule = catalog::find(slug).expect("a rule in the catalog");
        let mut finding = Finding::new(
            rule,
            format!(
            "Access key AKIAIOSFODNN7EXAMPLE of {} secret wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
            profile.unwrap_or("-")
        ),
        )
        .evidence("AKIAIOSFODNN7EXAMPLE");
        if let Some(profile) = profile {
            finding = finding.profile(profile);
        }
        finding
    }

    /// A `key-too-old` finding with the words its rule gives it (see its fixture).
    fn aged(name: &str, days: i64) -> Finding {
        finding("key-too-old", Some(name)).reminder(format!("is {days} days old"))
    }

    fn assert_clean(text: &str) {
        for secret in ["AKIAIOSFODNN7EXAMPLE", "AKIA", "wJalrXUtnFEMI", "EXAMPLE"] {
            assert!(!text.contains(secret), "{secret} in {text}");
        }
    }

    #[test]
    fn a_copied_key_is_named_by_its_file_never_its_line() {
        let copied = finding("key-copied-outside-credentials", Some("dev"))
            .at(std::path::Path::new("/home/me/.zsh_history"), Some(2041))
            .reminder("has its key also in /home/me/.zsh_history");
        let reminder = reminder(&[copied], Severity::Medium).unwrap();
        assert_eq!(
            reminder.text,
            "1 AWS credential issue needs attention: dev has its key also in /home/me/.zsh_history. Run: awscheck audit --profile dev"
        );
        assert!(!reminder.text.contains("2041"));
    }

    #[test]
    fn nothing_due_is_no_reminder() {
        assert_eq!(reminder(&[], Severity::Medium), None);
        let low = [finding("long-term-key", Some("dev"))];
        assert_eq!(reminder(&low, Severity::Medium), None);
        assert!(reminder(&low, Severity::Low).is_some());
    }

    #[test]
    fn one_old_key() {
        let findings = [aged("dev", 92), finding("long-term-key", Some("dev"))];
        let reminder = reminder(&findings, Severity::Medium).unwrap();
        assert_eq!(
            reminder.text,
            "1 AWS key needs attention: dev is 92 days old. Run: awscheck rotate --profile dev"
        );
        assert_eq!(reminder.command, "awscheck rotate --profile dev");
        assert_eq!(reminder.due, 1);
        assert_clean(&reminder.text);
    }

    #[test]
    fn an_old_key_seen_offline_is_a_lower_bound() {
        let findings = [finding("key-too-old", Some("dev")).reminder("is at least 100 days old")];
        let reminder = reminder(&findings, Severity::Medium).unwrap();
        assert_eq!(
            reminder.text,
            "1 AWS key needs attention: dev is at least 100 days old. Run: awscheck rotate --profile dev"
        );
    }

    #[test]
    fn an_old_and_an_unused_key() {
        // The unused key comes first in the findings; the old key still leads, as its fix is
        // the one awscheck runs.
        let findings = [
            finding("key-unused", Some("ci")).reminder("unused for 60 days"),
            aged("dev", 92),
        ];
        let reminder = reminder(&findings, Severity::Medium).unwrap();
        assert_eq!(
            reminder.text,
            "2 AWS keys need attention: dev is 92 days old, ci unused for 60 days. Run: awscheck rotate --profile dev"
        );
        assert_clean(&reminder.text);
    }

    #[test]
    fn one_profile_with_two_findings_is_one_item() {
        let findings = [
            aged("dev", 200),
            finding("key-unused", Some("dev")).reminder("never used"),
        ];
        let reminder = reminder(&findings, Severity::Medium).unwrap();
        assert_eq!(
            reminder.text,
            "1 AWS key needs attention: dev is 200 days old and never used. Run: awscheck rotate --profile dev"
        );
        assert_eq!(reminder.due, 2);
    }

    #[test]
    fn the_most_severe_finding_picks_the_command() {
        let findings = [
            aged("dev", 50),
            finding("default-profile-has-credentials", Some("default")),
            finding("insecure-file-permissions", None),
        ];
        let reminder = reminder(&findings, Severity::Medium).unwrap();
        assert_eq!(
            reminder.text,
            "3 AWS credential issues need attention: default holds credentials any command may pick up, AWS files are open to other users, dev is 50 days old. Run: awscheck audit --profile default"
        );
        let only_machine = [finding("key-in-environment", None)];
        assert_eq!(
            super::reminder(&only_machine, Severity::Medium).unwrap().text,
            "1 AWS credential issue needs attention: credentials are set in the environment. Run: awscheck audit"
        );
    }

    #[test]
    fn ten_findings_are_summarised() {
        let names: Vec<String> = (0..10).map(|i| format!("team-{i}")).collect();
        let findings: Vec<Finding> = names
            .iter()
            .enumerate()
            .map(|(i, name)| aged(name, 100 + i as i64))
            .collect();
        let reminder = reminder(&findings, Severity::Medium).unwrap();
        assert_eq!(
            reminder.text,
            "10 AWS keys need attention: team-0 is 100 days old, team-1 is 101 days old, team-2 is 102 days old and 7 more. Run: awscheck rotate --profile team-0"
        );
        assert!(reminder.text.chars().count() < 200);
        assert_eq!(
            reminder.lines,
            [
                "10 AWS keys need attention",
                "team-0 is 100 days old, and 9 more",
                "Run: awscheck rotate --profile team-0",
            ]
        );
        assert_clean(&reminder.text);
    }

    #[test]
    fn odd_profile_names_are_quoted_and_cleaned() {
        let findings = [aged("my dev", 46)];
        let reminder = reminder(&findings, Severity::Medium).unwrap();
        assert_eq!(
            reminder.text,
            "1 AWS key needs attention: my dev is 46 days old. Run: awscheck rotate --profile 'my dev'"
        );
        assert_eq!(clean("a\nb\u{1b}[31m"), "a?b?[31m");
        assert_eq!(clean(&"x".repeat(70)), format!("{}…", "x".repeat(64)));
    }

    #[test]
    fn log_lines_and_trimming() {
        let now = "2026-11-24T09:00:00Z".parse().unwrap();
        assert_eq!(
            log_line(now, "offline", "printed: a\nb"),
            "2026-11-24T09:00:00Z offline printed: a b\n"
        );
        let short = b"one\ntwo\n";
        assert_eq!(trim_log(short), short);
        let line = "x".repeat(99) + "\n";
        let long = line.repeat(LOG_LIMIT / 100 + 1);
        let trimmed = trim_log(long.as_bytes());
        assert!(trimmed.len() <= LOG_KEEP && trimmed.len() > LOG_KEEP - 100);
        assert!(trimmed.starts_with(b"xxx") && trimmed.ends_with(b"x\n"));
        assert_eq!(trimmed.len() % 100, 0);
    }

    #[test]
    fn every_rule_has_words() {
        for rule in catalog::rules() {
            let text = reminder(
                &[finding(&rule.slug, Some("p")), finding(&rule.slug, None)],
                Severity::Info,
            )
            .unwrap()
            .text;
            assert_clean(&text);
            assert!(!text.contains(&rule.slug), "{text}");
        }
    }
}
