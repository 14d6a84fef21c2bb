//! `long-term-key` (rules/long-term-key.toml): a profile stores a long-term access key.

use super::{Context, Rule};
use crate::audit::finding::Finding;
use crate::profiles::model::CredentialKind;

pub fn check(rule: &Rule, ctx: &Context, out: &mut Vec<Finding>) {
    out.extend(
        ctx.key_holders()
            .filter(|holder| holder.profile.kind == CredentialKind::LongTermKey)
            .map(|holder| {
                let name = holder.profile.name();
                let protect = ctx.suggest().awscheck(&["protect", "--profile", name]);
                let rotate = ctx.suggest().rotate(name, &[]);
                let finding = rule
                    .finding(format!("Profile {name} holds a long-term access key"))
                    .evidence(format!("aws_access_key_id = {}", ctx.keys.show(holder.key_id)))
                    .fix(format!(
                        "Prefer IAM Identity Center (`aws configure sso`) or a role. If the key must stay, take it off the disk into the OS's secret store, `{protect}`, and rotate it regularly: `{rotate}`"
                    ))
                    .brief_fix(format!(
                        "Prefer SSO or a role, or protect the key: `{protect}`"
                    ));
                ctx.about_key(&holder, finding)
            }),
    );
}
