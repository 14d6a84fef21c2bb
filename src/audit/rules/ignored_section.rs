//! `ignored-section` (rules/ignored-section.toml): a header the SDKs skip silently.

use super::{Context, Rule};
use crate::audit::finding::Finding;


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
            ))
            // The report's heading already gives the place.
            .brief_fix(format!("{}, or delete the section", capitalised(&ignored.fix)));
        ctx.place(finding, ignored.origin)
    }));
    out.extend(rule.unlisted(
        &ctx.model.set.ignored,
        "sections are ignored by the AWS SDKs",
        "ignored sections",
        "Fix or delete the sections listed, then run awscheck again",
    ));
}

fn capitalised(text: &str) -> String {
    let mut chars = text.chars();
    chars
        .next()
        .map(|first| first.to_uppercase().chain(chars).collect())
        .unwrap_or_default()
}
