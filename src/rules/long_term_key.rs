//! `long-term-key` (rules/long-term-key.toml): a profile stores a long-term access key.

use super::{Context, Rule};
use crate::finding::Finding;
use crate::model::CredentialKind;

pub fn check(rule: &Rule, ctx: &Context, out: &mut Vec<Finding>) {
    out.extend(
        ctx.model
            .profiles
            .iter()
            .filter(|profile| profile.kind == CredentialKind::LongTermKey)
            .filter_map(|profile| {
                let key_id = profile.own_key()?;
                let origin = profile.section.property("aws_access_key_id")?.origin;
                let finding = rule
                    .finding(format!("Profile {} holds a long-term access key", profile.name()))
                    .profile(profile.name())
                    .evidence(format!("aws_access_key_id = {}", ctx.keys.show(key_id)))
                    .fix(format!(
                        "Prefer IAM Identity Center (`aws configure sso`) or a role; if the key must stay, rotate it regularly: `awscheck rotate --profile {}`",
                        profile.name()
                    ));
                Some(ctx.place(finding, origin))
            }),
    );
}
