//! `key-unused` (rules/key-unused.toml): IAM says a key has not been used for
//! `max_unused_days`, or never used and older than that. Needs online facts.

use super::{Context, Rule};
use crate::finding::Finding;

pub fn check(rule: &Rule, ctx: &Context, out: &mut Vec<Finding>) {
    let max_unused = rule.parameter("max_unused_days") as i64;
    out.extend(
        ctx.model
            .profiles
            .iter()
            .filter_map(|profile| {
                let key_id = profile.own_key()?;
                let activity = ctx.facts.keys.get(key_id)?;
                let (days, what) = match (activity.last_used, activity.created) {
                    (Some(last_used), _) => {
                        let days = (ctx.facts.now - last_used).num_days();
                        (days, format!("last used {days} days ago ({})", last_used.format("%Y-%m-%d")))
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
                let origin = profile.section.property("aws_access_key_id")?.origin;
                let finding = rule
                    .finding(format!(
                        "Access key {} is {what} (limit {max_unused} days)",
                        ctx.keys.show(key_id)
                    ))
                    .profile(profile.name())
                    .evidence(what)
                    .fix(format!(
                        "Deactivate it (`aws iam update-access-key --access-key-id {} --status Inactive --profile {}`), check nothing breaks, then delete it and the profile",
                        ctx.keys.show(key_id),
                        profile.name()
                    ));
                Some(ctx.place(finding, origin))
            }),
    );
}
