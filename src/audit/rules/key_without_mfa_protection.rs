//! `key-without-mfa-protection` (rules/key-without-mfa-protection.toml): nothing but the key
//! itself is needed to use it. Needs online facts.

use super::{Context, Rule};
use crate::audit::finding::Finding;

pub fn check(rule: &Rule, ctx: &Context, out: &mut Vec<Finding>) {
    out.extend(ctx.key_holders().filter_map(|holder| {
        let identity = ctx.facts.identity(holder.key_id)?;
        let powers = identity.powers.as_ref()?;
        let why = match powers.mfa_devices? {
            0 => "its user has no MFA device".to_string(),
            _ => {
                // Only a complete reading can say no policy asks for MFA.
                if !powers.unreadable.is_empty() {
                    return None;
                }
                if powers.assessment(&identity.arn).mfa_enforced.is_some() {
                    return None;
                }
                "its user has an MFA device, but no policy denies calls made without MFA"
                    .to_string()
            }
        };
        let finding = rule
            .finding(format!(
                "Key {} of {} works alone: {why}",
                ctx.keys.show(holder.key_id),
                identity.arn
            ))
            .evidence(why.clone())
            .fix(format!(
                "Give the user an MFA device and the policy that denies calls without MFA (see `awscheck explain key-without-mfa-protection`), then set `mfa_serial` in profile {}",
                holder.profile.name()
            ));
        Some(ctx.about_key(&holder, finding))
    }));
}
