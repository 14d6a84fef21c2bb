//! `key-too-old` (rules/key-too-old.toml): a profile's key is older than `max_age_days`.

use super::{Context, Rule};
use crate::finding::Finding;

pub fn check(rule: &Rule, ctx: &Context, out: &mut Vec<Finding>) {
    let max_age = rule.parameter("max_age_days") as i64;
    let ages = ctx.facts.key_ages();
    out.extend(ctx.model.profiles.iter().filter_map(|profile| {
        let key_id = profile.own_key()?;
        let age = ages.get(key_id)?;
        if age.days <= max_age {
            return None;
        }
        let origin = profile.section.property("aws_access_key_id")?.origin;
        let source = if age.exact {
            "created"
        } else {
            "first seen by awscheck"
        };
        let finding = rule
            .finding(format!(
                "Access key {} is {} old (limit {max_age} days)",
                ctx.keys.show(key_id),
                age.describe()
            ))
            .profile(profile.name())
            .evidence(format!("{source} {} days ago", age.days))
            .fix(format!(
                "Rotate it: `awscheck rotate --profile {}`",
                profile.name()
            ));
        Some(ctx.place(finding, origin))
    }));
}
