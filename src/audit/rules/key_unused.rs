//! `key-unused` (rules/key-unused.toml): IAM says a key has not been used for
//! `max_unused_days`, or never used and older than that. Needs online facts.

use super::{days, Context, Rule};
use crate::audit::finding::Finding;

pub fn check(rule: &Rule, ctx: &Context, out: &mut Vec<Finding>) {
    let max_unused = rule.parameter("max_unused_days") as i64;
    out.extend(ctx.key_holders().filter_map(|holder| {
        let activity = ctx.facts.keys.get(holder.key_id)?;
        let (unused, what, reminder) = match (activity.last_used, activity.created) {
            (Some(last_used), _) => {
                let unused = (ctx.facts.now - last_used).num_days();
                let date = last_used.format("%Y-%m-%d");
                (
                    unused,
                    format!("last used {unused} days ago ({date})"),
                    format!("unused for {}", days(unused)),
                )
            }
            (None, Some(created)) => {
                let age = (ctx.facts.now - created).num_days();
                (
                    age,
                    format!("never used, created {age} days ago"),
                    "never used".to_string(),
                )
            }
            (None, None) => return None,
        };
        if unused < max_unused {
            return None;
        }
        let shown = ctx.keys.show(holder.key_id);
        let finding = rule
            .finding(format!(
                "Access key {shown} is {what} (limit {max_unused} days)"
            ))
            .evidence(what)
            .reminder(reminder)
            .fix(format!(
                "Deactivate it (`{}`), check nothing breaks, then delete it and the profile",
                ctx.suggest()
                    .deactivate_key(holder.profile.name(), holder.key_id)
            ));
        Some(ctx.about_key(&holder, finding))
    }));
}
