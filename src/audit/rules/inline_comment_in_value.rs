//! `inline-comment-in-value` (rules/inline-comment-in-value.toml): `key = value # comment`,
//! which the SDKs cut and Python's configparser (AWS CLI, boto3) keeps in the value.

use super::{Context, Rule};
use crate::audit::finding::Finding;
use crate::profiles::set::Section;

pub fn check(rule: &Rule, ctx: &Context, out: &mut Vec<Finding>) {
    for section in ctx.model.set.profiles() {
        report(rule, ctx, section, Some(&section.name), out);
    }
    for section in ctx.model.set.sso_sessions() {
        report(rule, ctx, section, None, out);
    }
}

/// The findings of one section; `profile` is its name when it is a profile, `None` for an
/// sso-session.
fn report(
    rule: &Rule,
    ctx: &Context,
    section: &Section,
    profile: Option<&str>,
    out: &mut Vec<Finding>,
) {
    for (key, property) in section.properties() {
        if !property.inline_comment() {
            continue;
        }
        let place = match profile {
            Some(name) => format!("profile {name}"),
            None => format!("[sso-session {}]", section.name),
        };
        let mut finding = rule
            .finding(format!(
                "The AWS CLI and boto3 read the comment after `{key}` in {place} as part of its value"
            ))
            // Neither the value nor the comment is quoted: either may hold a secret.
            .evidence(format!("{key} = … followed by a comment on the same line"))
            .fix(format!(
                "At {}: move the comment to a line of its own above `{key}`",
                ctx.cite(property.origin())
            ));
        if let Some(profile) = profile {
            finding = finding.profile(profile);
        }
        out.push(ctx.place(finding, property.origin()));
    }
}
