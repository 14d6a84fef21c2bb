//! `key-not-on-this-machine` (rules/key-not-on-this-machine.toml): the key's user has another
//! active key that no profile here (nor the environment) holds.

use super::{Context, Rule};
use crate::finding::Finding;
use rustc_hash::FxHashSet;

pub fn check(rule: &Rule, ctx: &Context, out: &mut Vec<Finding>) {
    // Only the online audit knows a user's other keys.
    if ctx.facts.checks.is_empty() {
        return;
    }
    let local: FxHashSet<&str> = ctx
        .model
        .profiles
        .iter()
        .filter_map(|profile| profile.own_key())
        .chain(ctx.facts.environment.access_key_id.as_deref())
        .collect();
    out.extend(
        ctx.model
            .profiles
            .iter()
            .filter_map(|profile| {
                let key_id = profile.own_key()?;
                let identity = ctx.facts.identity(key_id)?;
                let elsewhere: Vec<String> = identity
                    .user_keys
                    .iter()
                    .filter(|(id, activity)| activity.is_active() && !local.contains(id.as_str()))
                    .map(|(id, activity)| match (activity.last_used, &activity.last_used_service) {
                        (Some(date), Some(service)) => format!(
                            "{} (last used {} on {service})",
                            ctx.keys.show(id),
                            date.format("%Y-%m-%d")
                        ),
                        (Some(date), None) => format!("{} (last used {})", ctx.keys.show(id), date.format("%Y-%m-%d")),
                        (None, _) => format!("{} (never used)", ctx.keys.show(id)),
                    })
                    .collect();
                if elsewhere.is_empty() {
                    return None;
                }
                let origin = profile.section.property("aws_access_key_id")?.origin;
                let finding = rule
                    .finding(format!(
                        "{} has an active key that no profile on this machine holds: in use elsewhere, or leaked",
                        identity.arn
                    ))
                    .profile(profile.name())
                    .evidence(elsewhere.join(", "));
                Some(ctx.place(finding, origin))
            }),
    );
}
