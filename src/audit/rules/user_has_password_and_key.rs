//! `user-has-password-and-key` (rules/user-has-password-and-key.toml): the IAM user behind a
//! profile's key also has a console password. Needs online facts.

use super::{Context, Rule};
use crate::audit::finding::Finding;
use crate::audit::suggest::quote;

pub fn check(rule: &Rule, ctx: &Context, out: &mut Vec<Finding>) {
    out.extend(ctx.key_holders().filter_map(|holder| {
        let identity = ctx.facts.identity(holder.key_id)?;
        if identity.console_password != Some(true) {
            return None;
        }
        let user = identity.arn.rsplit('/').next().unwrap_or(&identity.arn);
        let finding = rule
            .finding(format!(
                "{} signs in to the console with a password and is also the user of key {}: the identity scripts use is also a person's",
                identity.arn,
                ctx.keys.show(holder.key_id)
            ))
            .evidence("console password set (iam:GetLoginProfile)")
            .fix(format!(
                "Give the scripts their own IAM user or a role, with only what they need; or, if nobody signs in as this user, remove its password: `aws iam delete-login-profile --user-name {} --profile {}`",
                quote(user),
                quote(holder.profile.name())
            ));
        Some(ctx.about_key(&holder, finding))
    }));
}
