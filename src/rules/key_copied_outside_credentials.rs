//! `key-copied-outside-credentials` (rules/key-copied-outside-credentials.toml): a key ID, with
//! or without its secret, sits in a backup, a history, another tool's file or a `.env`.

use super::{Context, Rule};
use crate::finding::Finding;
use crate::scan::places::Kind;
use crate::severity::Severity;

pub fn check(rule: &Rule, ctx: &Context, out: &mut Vec<Finding>) {
    let Some(scan) = &ctx.facts.scan else {
        return;
    };
    for copy in &scan.copies {
        let holders: Vec<&str> = ctx
            .key_holders()
            .filter(|holder| holder.key_id == copy.key_id)
            .map(|holder| holder.profile.name())
            .collect();
        let shown = ctx.keys.show(&copy.key_id);
        let file = copy.path.display();
        let with = if copy.with_secret {
            ", with its secret"
        } else {
            ""
        };
        let finding = match holders.first() {
            Some(first) => {
                let owners = holders.join(", ");
                let noun = if holders.len() == 1 { "profile" } else { "profiles" };
                let finding = rule
                    .finding(format!(
                        "The key of {noun} {owners} ({shown}) is also in {file}{with}"
                    ))
                    .profile(first)
                    .fix(format!(
                        "Remove line {} of {file}{}; then rotate the key, since the copy may have travelled: `{}`{}",
                        copy.line,
                        leftover(copy.kind),
                        ctx.suggest().rotate(first, &[]),
                        history_advice(copy.kind)
                    ));
                if copy.with_secret {
                    finding
                } else {
                    finding.severity(Severity::Medium)
                }
            }
            // A lone ID of a key nobody here holds says nothing; with its secret it is a key.
            None if !copy.with_secret => continue,
            None => rule
                .finding(format!(
                    "A key no profile here holds ({shown}) is in {file}, with its secret: somebody's live key until proven otherwise"
                ))
                .severity(Severity::Medium)
                .fix(format!(
                    "Find out whose key it is; if it is still needed, keep it in a profile (and `awscheck protect` it), else have it deleted. Then remove line {} of {file}{}",
                    copy.line,
                    history_advice(copy.kind)
                )),
        };
        let evidence = format!(
            "{shown} on line {}{}",
            copy.line,
            if copy.with_secret {
                " with a secret"
            } else {
                ""
            }
        );
        out.push(finding.evidence(evidence).at(&copy.path, Some(copy.line)));
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

/// What else to do about a whole file that should not exist at all.
fn leftover(kind: Kind) -> &'static str {
    match kind {
        Kind::BesideTheFiles => " (or the whole file, if it is a backup or an editor's leftover)",
        _ => "",
    }
}

fn history_advice(kind: Kind) -> &'static str {
    match kind {
        Kind::History => ". Next time pick the profile with `--profile` or `AWS_PROFILE` instead of exporting keys",
        _ => "",
    }
}
