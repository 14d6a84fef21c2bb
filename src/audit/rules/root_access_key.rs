//! `root-access-key` (rules/root-access-key.toml): STS says the key is the root user's.

use super::{Context, Rule};
use crate::audit::finding::Finding;

pub fn check(rule: &Rule, ctx: &Context, out: &mut Vec<Finding>) {
    out.extend(ctx.key_holders().filter_map(|holder| {
        let identity = ctx
            .facts
            .identity(holder.key_id)
            .filter(|identity| identity.is_root())?;
        let finding = rule
            .finding(format!(
                "Profile {} holds the root user's access key for account {}",
                holder.profile.name(),
                identity.account
            ))
            .evidence(format!(
                "{} is {}",
                ctx.keys.show(holder.key_id),
                identity.arn
            ));
        Some(ctx.about_key(&holder, finding))
    }));
}
