//! `role-chain-on-long-term-key` (rules/role-chain-on-long-term-key.toml): a role assumed
//! straight from a long-term key without MFA.

use super::{Context, Rule};
use crate::audit::finding::Finding;
use crate::parse::key::ROLE_ARN;
use crate::profiles::model::CredentialKind;

pub fn check(rule: &Rule, ctx: &Context, out: &mut Vec<Finding>) {
    out.extend(
        ctx.model
            .profiles
            .iter()
            .filter(|profile| profile.root_kind == Some(CredentialKind::LongTermKey))
            .filter_map(|profile| {
                let chain = profile.chain.as_ref().ok()?;
                // The first role is the one assumed with the key; MFA there protects the whole chain.
                let first_role = chain.roles.first()?;
                if first_role.mfa_serial.is_some() {
                    return None;
                }
                let role_profile = ctx.model.set.profile(first_role.profile)?;
                let origin = role_profile.property(ROLE_ARN)?.origin();
                let finding = rule
                    .finding(format!(
                        "Profile {} assumes {} with the long-term key of profile {} and no MFA",
                        profile.name(),
                        first_role.role_arn,
                        chain.base.profile()
                    ))
                    .profile(profile.name())
                    .evidence(format!(
                        "[{}] role_arn without mfa_serial; source profile {} holds a long-term key",
                        first_role.profile,
                        chain.base.profile()
                    ))
                    .fix(format!(
                        "Add `mfa_serial = arn:aws:iam::ACCOUNT:mfa/USER` to [profile {}] and require aws:MultiFactorAuthPresent in the role's trust policy",
                        first_role.profile
                    ));
                Some(ctx.place(finding, origin))
            }),
    );
}
