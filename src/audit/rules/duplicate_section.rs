//! `duplicate-section` (rules/duplicate-section.toml): one header twice in one file.

use super::{Context, Rule};
use crate::audit::finding::Finding;

pub fn check(rule: &Rule, ctx: &Context, out: &mut Vec<Finding>) {
    out.extend(
        ctx.model
            .set
            .repeated
            .iter()
            .map(|repeated| {
                let file = ctx.path(repeated.again.file).display().to_string();
                let mut finding = rule
                    .finding(format!(
                        "[{}] appears again in {file}: the SDKs merge the two, the AWS CLI refuses the whole file",
                        repeated.header
                    ))
                    .evidence(format!(
                        "first at line {}, again at line {}",
                        repeated.first.line, repeated.again.line
                    ))
                    .fix(format!(
                        "Move the settings under line {} into the section at line {}, then delete the header at line {}",
                        repeated.again.line, repeated.first.line, repeated.again.line
                    ));
                if let Some(name) = profile_name(&repeated.header) {
                    if ctx.model.set.profile(name).is_some() {
                        finding = finding.profile(name);
                    }
                }
                ctx.place(finding, repeated.again)
            }),
    );
    out.extend(rule.unlisted(
        &ctx.model.set.repeated,
        "headers appear again in the same file",
        "repeated headers",
        "Merge or delete the sections listed, then run awscheck again",
    ));
}

fn profile_name(header: &str) -> Option<&str> {
    let header = header.trim();
    match header.split_once([' ', '\t']) {
        Some(("profile", name)) => Some(name.trim()),
        Some(_) => None,
        None => Some(header),
    }
}
