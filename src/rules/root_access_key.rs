//! `root-access-key` (rules/root-access-key.toml): STS says the key is the root user's.

use super::{Context, Rule};
use crate::finding::Finding;

pub fn check(rule: &Rule, ctx: &Context, out: &mut Vec<Finding>) {
    out.extend(ctx.model.profiles.iter().filter_map(|profile| {
        let key_id = profile.own_key()?;
        let identity = ctx
            .facts
            .identity(key_id)
            .filter(|identity| identity.is_root())?;
        let origin = profile.section.property("aws_access_key_id")?.origin;
        let finding = rule
            .finding(format!(
                "Profile {} holds the root user's access key for account {}",
                profile.name(),
                identity.account
            ))
            .profile(profile.name())
            .evidence(format!("{} is {}", ctx.keys.show(key_id), identity.arn));
        Some(ctx.place(finding, origin))
    }));
}
