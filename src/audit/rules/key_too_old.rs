//! `key-too-old` (rules/key-too-old.toml): a profile's key is older than `max_age_days`.

use super::{days, Context, Rule};
use crate::audit::finding::Finding;

pub fn check(rule: &Rule, ctx: &Context, out: &mut Vec<Finding>) {
    let max_age = rule.parameter("max_age_days") as i64;
    out.extend(ctx.key_holders().filter_map(|holder| {
        let age = ctx.facts.key_age(holder.key_id)?;
        if age.days <= max_age {
            return None;
        }
        let source = if age.exact {
            "created"
        } else {
            "first seen by awscheck"
        };
        let finding = rule
            .finding(format!(
                "Access key {} is {} old (limit {max_age} days)",
                ctx.keys.show(holder.key_id),
                age.describe()
            ))
            .evidence(format!("{source} {} days ago", age.days))
            .reminder(match age.exact {
                true => format!("is {} old", days(age.days)),
                false => format!("is at least {} old", days(age.days)),
            })
            .fix(format!(
                "Rotate it: `{}`",
                ctx.suggest().rotate(holder.profile.name(), &[])
            ));
        Some(ctx.about_key(&holder, finding))
    }));
}
