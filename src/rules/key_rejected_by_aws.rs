//! `key-rejected-by-aws` (rules/key-rejected-by-aws.toml): AWS does not accept the key.

use super::{Context, Rule};
use crate::facts::KeyCheck;
use crate::finding::Finding;

pub fn check(rule: &Rule, ctx: &Context, out: &mut Vec<Finding>) {
    out.extend(ctx.model.profiles.iter().filter_map(|profile| {
        let key_id = profile.own_key()?;
        let Some(KeyCheck::Rejected { code }) = ctx.facts.checks.get(key_id) else {
            return None;
        };
        let meaning = match code.as_str() {
            "SignatureDoesNotMatch" => "the secret does not belong to the key",
            _ => "the key was deleted, deactivated or never existed",
        };
        let origin = profile.section.property("aws_access_key_id")?.origin;
        let finding = rule
            .finding(format!(
                "AWS rejects the key of profile {}: {meaning}",
                profile.name()
            ))
            .profile(profile.name())
            .evidence(format!("{} answered {code}", ctx.keys.show(key_id)));
        Some(ctx.place(finding, origin))
    }));
}
