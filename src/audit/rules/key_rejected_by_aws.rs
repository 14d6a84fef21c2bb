//! `key-rejected-by-aws` (rules/key-rejected-by-aws.toml): AWS does not accept the key.

use super::{Context, Rule};
use crate::audit::facts::KeyCheck;
use crate::audit::finding::Finding;

pub fn check(rule: &Rule, ctx: &Context, out: &mut Vec<Finding>) {
    out.extend(ctx.key_holders().filter_map(|holder| {
        let Some(KeyCheck::Rejected { code }) = ctx.facts.checks.get(holder.key_id) else {
            return None;
        };
        let meaning = match code.as_str() {
            "SignatureDoesNotMatch" => "the secret does not belong to the key",
            _ => "the key was deleted, deactivated or never existed",
        };
        let finding = rule
            .finding(format!(
                "AWS rejects the key of profile {}: {meaning}",
                holder.profile.name()
            ))
            .evidence(format!("{} answered {code}", ctx.keys.show(holder.key_id)));
        Some(ctx.about_key(&holder, finding))
    }));
}
