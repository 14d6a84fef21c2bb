//! `incomplete-credentials` (rules/incomplete-credentials.toml): one half of a key pair without
//! the other.

use super::{Context, Rule};
use crate::audit::finding::Finding;
use crate::parse::key::{AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, AWS_SESSION_TOKEN};

pub fn check(rule: &Rule, ctx: &Context, out: &mut Vec<Finding>) {
    out.extend(ctx.model.set.profiles().filter_map(|section| {
        let key = section.property(AWS_ACCESS_KEY_ID);
        let secret = section.property(AWS_SECRET_ACCESS_KEY);
        let token = section.property(AWS_SESSION_TOKEN);
        let (present, missing) = match (key, secret, token) {
            (Some(key), None, _) => (key, "aws_secret_access_key"),
            (None, Some(secret), _) => (secret, "aws_access_key_id"),
            (None, None, Some(token)) => (token, "aws_access_key_id and aws_secret_access_key"),
            _ => return None,
        };
        let finding = rule
            .finding(format!(
                "Profile {} has no {missing}: the SDKs refuse it",
                section.name
            ))
            .profile(&section.name)
            .evidence(format!("only {} is set", present_names(key, secret, token)))
            .fix(format!(
                "Add {missing} to the profile, or remove its credential lines ({})",
                ctx.cite(present.origin())
            ));
        Some(ctx.place(finding, present.origin()))
    }));
}

fn present_names<T>(key: Option<T>, secret: Option<T>, token: Option<T>) -> String {
    let names: Vec<&str> = [
        (key.is_some(), "aws_access_key_id"),
        (secret.is_some(), "aws_secret_access_key"),
        (token.is_some(), "aws_session_token"),
    ]
    .into_iter()
    .filter_map(|(present, name)| present.then_some(name))
    .collect();
    names.join(" and ")
}
