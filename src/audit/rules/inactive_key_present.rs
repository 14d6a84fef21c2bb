//! `inactive-key-present` (rules/inactive-key-present.toml): the key's user keeps an inactive
//! key, which still counts toward the 2-key quota.

use super::{Context, Rule};
use crate::audit::finding::Finding;

pub fn check(rule: &Rule, ctx: &Context, out: &mut Vec<Finding>) {
    out.extend(ctx.key_holders().filter_map(|holder| {
        let identity = ctx.facts.identity(holder.key_id)?;
        let inactive: Vec<&String> = identity
            .user_keys
            .iter()
            .filter(|(_, activity)| activity.status.as_deref() == Some("Inactive"))
            .map(|(id, _)| id)
            .collect();
        let first = inactive.first()?;
        let shown: Vec<String> = inactive.iter().map(|id| ctx.keys.show(id)).collect();
        let finding = rule
            .finding(format!(
                "{} keeps an inactive access key; it still counts toward the 2-key quota and blocks the next rotation",
                identity.arn
            ))
            .evidence(format!("inactive: {}", shown.join(", ")))
            .fix(format!(
                "Delete it once nothing needs it: `{}`",
                ctx.suggest().delete_key(holder.profile.name(), first)
            ));
        Some(ctx.about_key(&holder, finding))
    }));
}
