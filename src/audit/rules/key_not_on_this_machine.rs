//! `key-not-on-this-machine` (rules/key-not-on-this-machine.toml): the key's user has another
//! active key that no profile here (nor the environment) holds.

use super::{Context, Rule};
use crate::audit::facts::KeyActivity;
use crate::audit::finding::Finding;
use rustc_hash::FxHashSet;

pub fn check(rule: &Rule, ctx: &Context, out: &mut Vec<Finding>) {
    // Only the online audit knows a user's other keys.
    if ctx.facts.checks.is_empty() {
        return;
    }
    let local: FxHashSet<&str> = ctx
        .key_holders()
        .map(|holder| holder.key_id)
        .chain(ctx.facts.environment.access_key_id.as_deref())
        .collect();
    out.extend(ctx.key_holders().filter_map(|holder| {
        let identity = ctx.facts.identity(holder.key_id)?;
        let elsewhere: Vec<String> = identity
            .user_keys
            .iter()
            .filter(|(id, activity)| activity.is_active() && !local.contains(id.as_str()))
            .map(|(id, activity)| describe(&ctx.keys.show(id), activity))
            .collect();
        if elsewhere.is_empty() {
            return None;
        }
        let finding = rule
            .finding(format!(
                "{} has an active key that no profile on this machine holds: in use elsewhere, or leaked",
                identity.arn
            ))
            .evidence(elsewhere.join(", "));
        Some(ctx.about_key(&holder, finding))
    }));
}

/// `AKIA…WXYZ (last used 2026-11-02 on s3)`: what IAM knows of where the key is in use.
fn describe(shown: &str, activity: &KeyActivity) -> String {
    match (activity.last_used, &activity.last_used_service) {
        (Some(date), Some(service)) => {
            format!(
                "{shown} (last used {} on {service})",
                date.format("%Y-%m-%d")
            )
        }
        (Some(date), None) => format!("{shown} (last used {})", date.format("%Y-%m-%d")),
        (None, _) => format!("{shown} (never used)"),
    }
}
