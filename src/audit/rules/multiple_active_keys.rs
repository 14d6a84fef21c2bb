//! `multiple-active-keys` (rules/multiple-active-keys.toml): the key's user has two active keys.

use super::{Context, Rule};
use crate::audit::finding::Finding;

pub fn check(rule: &Rule, ctx: &Context, out: &mut Vec<Finding>) {
    out.extend(ctx.key_holders().filter_map(|holder| {
        let identity = ctx.facts.identity(holder.key_id)?;
        let active: Vec<String> = identity
            .user_keys
            .iter()
            .filter(|(_, activity)| activity.is_active())
            .map(|(id, _)| ctx.keys.show(id))
            .collect();
        if active.len() < 2 {
            return None;
        }
        let finding = rule
            .finding(format!(
                "{} has {} active access keys",
                identity.arn,
                active.len()
            ))
            .evidence(format!("active: {}", active.join(", ")));
        Some(ctx.about_key(&holder, finding))
    }));
}
