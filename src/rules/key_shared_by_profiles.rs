//! `key-shared-by-profiles` (rules/key-shared-by-profiles.toml): one key ID in several profiles.

use super::{Context, Rule};
use crate::finding::Finding;
use std::collections::HashMap;

pub fn check(rule: &Rule, ctx: &Context) -> Vec<Finding> {
    let mut holders: HashMap<&str, Vec<&str>> = HashMap::new();
    for profile in &ctx.model.profiles {
        if let Some(key_id) = profile.own_key() {
            holders.entry(key_id).or_default().push(profile.name());
        }
    }
    ctx.model
        .profiles
        .iter()
        .filter_map(|profile| {
            let key_id = profile.own_key()?;
            let others: Vec<&str> = holders[key_id]
                .iter()
                .copied()
                .filter(|name| *name != profile.name())
                .collect();
            if others.is_empty() {
                return None;
            }
            let origin = profile.section.property("aws_access_key_id")?.origin;
            let finding = rule
                .finding(format!(
                    "Profile {} shares access key {} with {}",
                    profile.name(),
                    ctx.keys.show(key_id),
                    others.join(", ")
                ))
                .profile(profile.name())
                .evidence(format!("aws_access_key_id = {}", ctx.keys.show(key_id)));
            Some(ctx.place(finding, origin))
        })
        .collect()
}
