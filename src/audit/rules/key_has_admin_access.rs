//! `key-has-admin-access` (rules/key-has-admin-access.toml): a copy of the key is an
//! administrator, has all of IAM, or has a path to admin (`audit::policy::paths`); or the key
//! is an administrator only with MFA. Needs online facts.

use super::{Context, Rule};
use crate::audit::finding::Finding;
use crate::audit::severity::Severity;

pub fn check(rule: &Rule, ctx: &Context, out: &mut Vec<Finding>) {
    out.extend(ctx.key_holders().filter_map(|holder| {
        let identity = ctx.facts.identity(holder.key_id)?;
        let powers = identity.powers.as_ref()?;
        let assessment = powers.assessment(&identity.arn);
        let shown = ctx.keys.show(holder.key_id);
        let mut severity = None;
        let (what, through) = if let Some(source) = &assessment.admin {
            ("has administrator access".to_string(), source.clone())
        } else if let Some(source) = &assessment.iam_full {
            (
                "has all of IAM (iam:*), so it can make itself admin".to_string(),
                source.clone(),
            )
        } else if let Some(found) = assessment.paths.first() {
            let more = match assessment.paths.len() {
                1 => String::new(),
                2 => " (and one other way)".to_string(),
                n => format!(" (and {} other ways)", n - 1),
            };
            (
                format!("{}, which makes it admin{more}", found.says()),
                found.through(),
            )
        } else if let Some(source) = &assessment.admin_behind_mfa {
            // A copy alone can do nothing; with a phished MFA code it can do everything.
            severity = Some(Severity::Low);
            (
                "has administrator access behind MFA: a copy alone is refused, a copy and an MFA code are not".to_string(),
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
        let tail = match severity {
            Some(_) => String::new(),
            None => ": whoever copies it can do the same".to_string(),
        };
        let mut finding = rule
            .finding(format!("Key {shown} of {} {what}{tail}", identity.arn))
            .evidence(format!("through {through}{partial}"))
            .fix(
                "Keep administration behind a role that needs MFA, and give this key only what its scripts need (a session policy can narrow a role's session further; see `awscheck explain key-has-admin-access`)",
            );
        if let Some(severity) = severity {
            finding = finding.severity(severity);
        }
        Some(ctx.about_key(&holder, finding))
    }));
}
