//! `legacy-sso-config` (rules/legacy-sso-config.toml): `sso_start_url` kept in the profile.

use super::{Context, Rule};
use crate::audit::finding::Finding;
use crate::parse::key::{SSO_SESSION, SSO_START_URL};

pub fn check(rule: &Rule, ctx: &Context, out: &mut Vec<Finding>) {
    out.extend(
        ctx.model
            .set
            .profiles()
            .filter(|section| section.get(SSO_SESSION).is_none())
            .filter_map(|section| {
                let start_url = section.property(SSO_START_URL)?;
                let finding = rule
                    .finding(format!(
                        "Profile {} uses the legacy SSO form: its token cannot be refreshed and expires within 8 hours",
                        section.name
                    ))
                    .profile(&section.name)
                    .evidence(format!("sso_start_url = {} without sso_session", start_url.value))
                    .fix(format!(
                        "Run `aws configure sso-session`, then in [profile {}] replace sso_start_url and sso_region with `sso_session = NAME`",
                        section.name
                    ));
                Some(ctx.place(finding, start_url.origin()))
            }),
    );
}
