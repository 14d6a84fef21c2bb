//! `key-in-environment` (rules/key-in-environment.toml): credential variables are set.

use super::{Context, Rule};
use crate::audit::finding::Finding;

pub fn check(rule: &Rule, ctx: &Context, out: &mut Vec<Finding>) {
    let environment = &ctx.facts.environment;
    if environment.variables.is_empty() {
        return;
    }
    let kind = match &environment.access_key_id {
        Some(key_id) if !environment.has_session_token && !key_id.starts_with("ASIA") => {
            "a long-term access key"
        }
        Some(_) => "temporary credentials",
        None => "credential variables",
    };
    let evidence = match &environment.access_key_id {
        Some(key_id) => format!(
            "{} set; AWS_ACCESS_KEY_ID = {}",
            environment.variables.join(", "),
            ctx.keys.show(key_id)
        ),
        None => format!("{} set", environment.variables.join(", ")),
    };
    out.push(
        rule
        .finding(format!(
            "The environment holds {kind}: it overrides every profile, including --profile and AWS_PROFILE"
        ))
        .evidence(evidence)
        .fix(format!(
            "unset {} and remove the exports from your shell startup files; use a named profile instead",
            environment.variables.join(" ")
        )),
    );
}
