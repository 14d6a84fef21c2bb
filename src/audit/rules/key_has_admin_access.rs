//! `key-has-admin-access` (rules/key-has-admin-access.toml): the key's user is an
//! administrator, has all of IAM, or can make itself admin. Needs online facts.

use super::{Context, Rule};
use crate::audit::finding::Finding;
use crate::audit::policy;

pub fn check(rule: &Rule, ctx: &Context, out: &mut Vec<Finding>) {
    out.extend(ctx.key_holders().filter_map(|holder| {
        let identity = ctx.facts.identity(holder.key_id)?;
        let powers = identity.powers.as_ref()?;
        let assessment = policy::assess(&powers.policies);
        let shown = ctx.keys.show(holder.key_id);
        let (what, through) = if let Some(source) = &assessment.admin {
            ("has administrator access".to_string(), source.clone())
        } else if let Some(source) = &assessment.iam_full {
            (
                "has all of IAM (iam:*), so it can make itself admin".to_string(),
                source.clone(),
            )
        } else if let Some((_, source)) = assessment.escalations.first() {
            let actions: Vec<&str> = assessment.escalations.iter().map(|(a, _)| *a).collect();
            (
                format!("can make itself admin ({})", actions.join(", ")),
                source.clone(),
            )
        } else {
            return None;
        };
        let partial = if powers.unreadable.is_empty() {
            String::new()
        } else {
            format!("; not readable: {}", powers.unreadable.join(", "))
        };
        let finding = rule
            .finding(format!(
                "Key {shown} of {} {what}: whoever copies it can do the same",
                identity.arn
            ))
            .evidence(format!("through {through}{partial}"))
            .fix(
                "Keep administration behind a role that needs MFA, and give this key only what its scripts need (a session policy can narrow a role's session further; see `awscheck explain key-has-admin-access`)",
            );
        Some(ctx.about_key(&holder, finding))
    }));
}
