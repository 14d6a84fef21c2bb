//! `key-shared-by-profiles` (rules/key-shared-by-profiles.toml): one key ID in several profiles.

use super::{Context, Rule};
use crate::audit::finding::Finding;
use rustc_hash::FxHashMap;

pub fn check(rule: &Rule, ctx: &Context, out: &mut Vec<Finding>) {
    let holders = shared_keys(ctx);
    out.extend(ctx.key_holders().filter_map(|holder| {
        let name = holder.profile.name();
        let others: Vec<&str> = holders
            .get(holder.key_id)?
            .iter()
            .copied()
            .filter(|other| *other != name)
            .collect();
        if others.is_empty() {
            return None;
        }
        let shown = ctx.keys.show(holder.key_id);
        let finding = rule
            .finding(format!(
                "Profile {name} shares access key {shown} with {}",
                others.join(", ")
            ))
            .evidence(format!("aws_access_key_id = {shown}"));
        Some(ctx.about_key(&holder, finding))
    }));
}

/// The profiles holding each key that more than one profile holds, in file order. Most keys
/// are held once: those get no list of their own.
fn shared_keys<'a>(ctx: &Context<'a>) -> FxHashMap<&'a str, Vec<&'a str>> {
    let mut first_holder: FxHashMap<&str, &str> =
        FxHashMap::with_capacity_and_hasher(ctx.key_holders().count(), Default::default());
    let mut shared: FxHashMap<&str, Vec<&str>> = FxHashMap::default();
    for holder in ctx.key_holders() {
        let name = holder.profile.name();
        match first_holder.get(holder.key_id) {
            None => {
                first_holder.insert(holder.key_id, name);
            }
            Some(&first) => shared
                .entry(holder.key_id)
                .or_insert_with(|| vec![first])
                .push(name),
        }
    }
    shared
}
