//! `ignored-section` (rules/ignored-section.toml): a header the SDKs skip silently.

use super::{Context, Rule};
use crate::finding::{thousands, Finding};
use crate::profile_set::LISTED;

pub fn check(rule: &Rule, ctx: &Context, out: &mut Vec<Finding>) {
    out.extend(ctx.model.set.ignored.iter().map(|ignored| {
        let finding = rule
            .finding(format!(
                "[{}] in {} is ignored by the AWS SDKs",
                ignored.header,
                ctx.path(ignored.origin.file).display()
            ))
            .evidence(ignored.reason.clone())
            .fix(format!(
                "At {}: {}, or delete the section",
                ctx.cite(ignored.origin),
                ignored.fix
            ));
        ctx.place(finding, ignored.origin)
    }));
    let unlisted = ctx.model.set.ignored_unlisted;
    if unlisted > 0 {
        out.push(
            rule.finding(format!(
                "{} more sections are ignored by the AWS SDKs; awscheck lists the first {}",
                thousands(unlisted),
                thousands(LISTED)
            ))
            .evidence(format!(
                "{} ignored sections in all",
                thousands(LISTED + unlisted)
            ))
            .fix("Fix or delete the sections listed, then run awscheck again".to_string()),
        );
    }
}
