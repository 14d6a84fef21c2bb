//! `inactive-key-present` (rules/inactive-key-present.toml): the key's user keeps an inactive
//! key, which still counts toward the 2-key quota.

use super::{Context, Rule};
use crate::finding::Finding;

pub fn check(rule: &Rule, ctx: &Context, out: &mut Vec<Finding>) {
    out.extend(
        ctx.model
            .profiles
            .iter()
            .filter_map(|profile| {
                let key_id = profile.own_key()?;
                let identity = ctx.facts.identity(key_id)?;
                let inactive: Vec<&str> = identity
                    .user_keys
                    .iter()
                    .filter(|(_, activity)| activity.status.as_deref() == Some("Inactive"))
                    .map(|(id, _)| id.as_str())
                    .collect();
                if inactive.is_empty() {
                    return None;
                }
                let shown: Vec<String> = inactive.iter().map(|id| ctx.keys.show(id)).collect();
                let origin = profile.section.property("aws_access_key_id")?.origin;
                let finding = rule
                    .finding(format!(
                        "{} keeps an inactive access key; it still counts toward the 2-key quota and blocks the next rotation",
                        identity.arn
                    ))
                    .profile(profile.name())
                    .evidence(format!("inactive: {}", shown.join(", ")))
                    .fix(format!(
                        "Delete it once nothing needs it: `aws iam delete-access-key --access-key-id {} --profile {}`",
                        shown[0],
                        profile.name()
                    ));
                Some(ctx.place(finding, origin))
            }),
    );
}
