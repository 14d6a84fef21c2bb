//! `key-copied-outside-credentials` (rules/key-copied-outside-credentials.toml): a key ID or its
//! secret sits in a backup, a history, another tool's file, a `.env`, or awscheck's own records.

use super::{Context, Rule};
use crate::audit::finding::Finding;
use crate::audit::severity::Severity;
use crate::audit::suggest::quote;
use crate::profiles::model::CredentialKind;
use crate::scan::places::PlaceKind;
use crate::scan::search::is_documented_example;
use crate::scan::Copy;
use crate::sys::mask::notification_safe;

pub fn check(rule: &Rule, ctx: &Context, out: &mut Vec<Finding>) {
    let Some(scan) = &ctx.facts.scan else {
        return;
    };
    for copy in &scan.copies {
        if let Some(finding) = copy_finding(rule, ctx, copy) {
            out.push(finding);
        }
    }
    for token in &scan.tokens {
        let file = token.path.display();
        let finding = rule
            .finding(format!(
                "A session token is in {file}: anyone who reads the file can use it until it expires (up to 36 hours)"
            ))
            .severity(Severity::Medium)
            .evidence(format!("a session token on line {}", token.line))
            .fix(format!(
                "Remove line {} of {file}{}",
                token.line,
                history_advice(token.kind)
            ))
            .at(&token.path, Some(token.line));
        out.push(finding);
    }
}

fn copy_finding(rule: &Rule, ctx: &Context, copy: &Copy) -> Option<Finding> {
    let holders: Vec<&str> = ctx
        .key_holders()
        .filter(|holder| holder.key_id == copy.key_id)
        .map(|holder| holder.profile.name())
        .collect();
    let protected = ctx
        .key_holders()
        .any(|h| h.key_id == copy.key_id && h.profile.kind == CredentialKind::ProtectedKey);
    let lines = copy.lines();
    let first = *lines.first()?;
    let shown = ctx.keys.show(&copy.key_id);
    let file = copy.path.display();
    // The file, and what it is when its name does not say (`~/.m2/settings.xml (Maven
    // settings)`).
    let kind = named_kind(copy.kind);
    let place = match kind {
        Some(kind) => format!("{file} ({kind})"),
        None => file.to_string(),
    };
    let evidence = evidence(copy, &shown);
    if copy.kind == PlaceKind::OwnRecord {
        // awscheck's backups and journal are private (0600 in a 0700 folder) and hold the
        // files as they were: the keys there are as exposed as in the credentials file, or
        // dead once a rotation ends. A key taken off the disk into the secret store is the
        // exception: no copy of its secret may stay behind.
        if !protected || copy.secret_lines.is_empty() {
            return None;
        }
        let journal = copy
            .path
            .file_name()
            .is_some_and(|n| n == crate::sys::state::ROTATION_JOURNAL_FILE);
        let fix = if journal {
            format!(
                "Finish the rotation, which keeps a protected key's secrets in the store only: `{}`",
                ctx.suggest().awscheck(&["rotate", "--resume"])
            )
        } else {
            format!(
                "Delete this backup, which awscheck took before the key went into the secret store: `rm {}`",
                quote(&copy.path.to_string_lossy())
            )
        };
        let finding = rule
            .finding(format!(
                "awscheck's own {} still holds the secret of the protected key {shown}, which belongs in the secret store only",
                if journal { "rotation journal" } else { "backup" },
            ))
            .profile(holders.first()?)
            .evidence(evidence)
            .fix(fix);
        return Some(finding.at(&copy.path, Some(first)));
    }
    let remove = format!(
        "Remove {} of {file}{}",
        describe_lines(&lines),
        leftover(copy.kind)
    );
    let finding = match holders.first() {
        Some(holder) => {
            let owners = holders.join(", ");
            let noun = if holders.len() == 1 { "profile" } else { "profiles" };
            let message = if copy.id_lines.is_empty() {
                // The ID is in the credentials file or the store already; with the secret
                // beside it anywhere, this copy is a working key.
                format!("The secret of the key of {noun} {owners} ({shown}) is in {place}, without its key ID")
            } else if copy.with_secret() {
                format!("The key of {noun} {owners} ({shown}) is also in {place}, with its secret")
            } else {
                format!("The key of {noun} {owners} ({shown}) is also in {place}")
            };
            let finding = rule
                .finding(message)
                .profile(holder)
                // The file, never its line: a notification stays short, and says nothing of
                // what the line holds.
                .reminder(format!(
                    "has its key also in {}",
                    notification_safe(&copy.path.to_string_lossy())
                ))
                .fix(format!(
                    "{remove}; then rotate the key, since the copy may have travelled: `{}`{}",
                    ctx.suggest().rotate(holder, &[]),
                    history_advice(copy.kind)
                ));
            match copy.with_secret() {
                true => finding,
                false => finding.severity(Severity::Medium),
            }
        }
        // A lone ID of a key nobody here holds says nothing; with its secret it is a key,
        // unless it is the example key of AWS's documentation.
        None if !copy.with_secret() || is_documented_example(&copy.key_id) => return None,
        None => rule
            .finding(format!(
                "A key no profile here holds ({shown}) is in {place}, with its secret: somebody's live key until proven otherwise"
            ))
            .severity(Severity::Medium)
            .fix(format!(
                "Find out whose key it is; if it is still needed, keep it in a profile (and `awscheck protect` it), else have it deleted. Then {}{}",
                lowercase_first(&remove),
                history_advice(copy.kind)
            )),
    };
    let finding = finding.evidence(evidence).at(&copy.path, Some(first));
    Some(match kind {
        Some(kind) => finding.file_kind(kind),
        None => finding,
    })
}

/// Where the ID and the secret are: `AKIA…0240 on line 2, its secret on line 3`.
fn evidence(copy: &Copy, shown: &str) -> String {
    let mut parts = Vec::new();
    if !copy.id_lines.is_empty() {
        let beside = if copy.secret_beside && copy.secret_lines.is_empty() {
            " with a secret"
        } else {
            ""
        };
        parts.push(format!(
            "{shown} on {}{beside}",
            describe_lines(&copy.id_lines)
        ));
    }
    if !copy.secret_lines.is_empty() {
        let whose = if copy.id_lines.is_empty() {
            format!("the secret of {shown}")
        } else {
            "its secret".to_string()
        };
        parts.push(format!("{whose} on {}", describe_lines(&copy.secret_lines)));
    }
    parts.join(", ")
}

/// `line 3`, `lines 3 and 5`, `lines 2, 3 and 7`.
fn describe_lines(lines: &[usize]) -> String {
    let numbers: Vec<String> = lines.iter().map(usize::to_string).collect();
    match numbers.as_slice() {
        [one] => format!("line {one}"),
        [rest @ .., last] => format!("lines {} and {last}", rest.join(", ")),
        [] => "no line".to_string(),
    }
}

fn lowercase_first(text: &str) -> String {
    let mut chars = text.chars();
    match chars.next() {
        Some(first) => first.to_lowercase().chain(chars).collect(),
        None => String::new(),
    }
}

/// The kinds of place the finding names beside the file: those of other tools, whose file
/// names say little (`config`, `settings.json`). Histories, env files and the files beside the
/// AWS files say what they are by name.
fn named_kind(kind: PlaceKind) -> Option<&'static str> {
    match kind {
        PlaceKind::BesideTheFiles
        | PlaceKind::History
        | PlaceKind::OtherTool
        | PlaceKind::EnvFile
        | PlaceKind::Extra
        | PlaceKind::OwnRecord
        | PlaceKind::OwnLeftover
        | PlaceKind::Found => None,
        kind => Some(kind.name()),
    }
}

/// What else to do about a whole file that should not exist at all.
fn leftover(kind: PlaceKind) -> &'static str {
    match kind {
        PlaceKind::BesideTheFiles => " (or the whole file, if it is a backup or an editor's leftover)",
        PlaceKind::OwnLeftover => {
            " (or the whole file: a temporary file of awscheck's that a stopped run left behind)"
        }
        _ => "",
    }
}

fn history_advice(kind: PlaceKind) -> &'static str {
    match kind {
        PlaceKind::History => ". Next time pick the profile with `--profile` or `AWS_PROFILE` instead of exporting keys",
        _ => "",
    }
}
