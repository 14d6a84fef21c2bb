//! `key-can-take-over-compute` (rules/key-can-take-over-compute.toml): a copy of the key
//! cannot reach admin through IAM, but can change code that already runs under a role
//! (`takeover` in `audit/policy/paths.toml`). Needs online facts.

use super::{Context, Rule};
use crate::audit::finding::Finding;

pub fn check(rule: &Rule, ctx: &Context, out: &mut Vec<Finding>) {
    out.extend(ctx.key_holders().filter_map(|holder| {
        let identity = ctx.facts.identity(holder.key_id)?;
        let powers = identity.powers.as_ref()?;
        let assessment = powers.assessment(&identity.arn);
        let first = assessment.takeover.first()?;
        let more = match assessment.takeover.len() {
            1 => String::new(),
            n => format!(" (and {} other ways)", n - 1),
        };
        let finding = rule
            .finding(format!(
                "Key {} of {} {}{more}: whoever copies it can act as the roles that code runs under",
                ctx.keys.show(holder.key_id),
                identity.arn,
                first.says()
            ))
            .evidence(format!("through {}", first.through()));
        Some(ctx.about_key(&holder, finding))
    }));
}
