//! `key-unused` (rules/key-unused.toml): IAM says a key has not been used for
//! `max_unused_days`, or never used and older than that. Needs online facts.

use super::{Context, Rule};
use crate::audit::finding::Finding;

pub fn check(rule: &Rule, ctx: &Context, out: &mut Vec<Finding>) {
    let max_unused = rule.parameter("max_unused_days") as i64;
    out.extend(ctx.key_holders().filter_map(|holder| {
        let activity = ctx.facts.keys.get(holder.key_id)?;
        let (days, what) = match (activity.last_used, activity.created) {
            (Some(last_used), _) => {
                let days = (ctx.facts.now - last_used).num_days();
                let date = last_used.format("%Y-%m-%d");
                (days, format!("last used {days} days ago ({date})"))
            }
            (None, Some(created)) => {
                let days = (ctx.facts.now - created).num_days();
                (days, format!("never used, created {days} days ago"))
            }
            (None, None) => return None,
        };
        if days < max_unused {
            return None;
        }
        let shown = ctx.keys.show(holder.key_id);
        let finding = rule
            .finding(format!(
                "Access key {shown} is {what} (limit {max_unused} days)"
            ))
            .evidence(what)
            .fix(format!(
                "Deactivate it (`{}`), check nothing breaks, then delete it and the profile",
                ctx.suggest()
                    .deactivate_key(holder.profile.name(), holder.key_id)
            ));
        Some(ctx.about_key(&holder, finding))
    }));
}
