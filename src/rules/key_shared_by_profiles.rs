//! `key-shared-by-profiles` (rules/key-shared-by-profiles.toml): one key ID in several profiles.

use super::{Context, Rule};
use crate::finding::Finding;
use rustc_hash::FxHashMap;

pub fn check(rule: &Rule, ctx: &Context, out: &mut Vec<Finding>) {
    let holders = shared_keys(ctx);
    out.extend(ctx.model.profiles.iter().filter_map(|profile| {
        let key_id = profile.own_key()?;
        let others: Vec<&str> = holders
            .get(key_id)?
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
    }));
}

/// The profiles holding each key that more than one profile holds, in file order. Most keys
/// are held once: those get no list of their own.
fn shared_keys<'a>(ctx: &Context<'a>) -> FxHashMap<&'a str, Vec<&'a str>> {
    let mut first_holder: FxHashMap<&str, &str> =
        FxHashMap::with_capacity_and_hasher(ctx.model.profiles.len(), Default::default());
    let mut shared: FxHashMap<&str, Vec<&str>> = FxHashMap::default();
    for profile in &ctx.model.profiles {
        let Some(key_id) = profile.own_key() else {
            continue;
        };
        match first_holder.get(key_id) {
            None => {
                first_holder.insert(key_id, profile.name());
            }
            Some(&first) => shared
                .entry(key_id)
                .or_insert_with(|| vec![first])
                .push(profile.name()),
        }
    }
    shared
}
