//! `session-key-in-file` (rules/session-key-in-file.toml): temporary credentials pasted into a
//! file, expired or not.

use super::{Context, Rule};
use crate::audit::finding::Finding;
use crate::profiles::model::CredentialKind;
use chrono::{DateTime, Utc};

/// Properties that credential helpers (saml2aws, gimme-aws-creds, aws-vault exports and others)
/// write next to the session they store.
const EXPIRY_KEYS: [&str; 5] = [
    "x_security_token_expires",
    "aws_expiration",
    "aws_session_expiration",
    "aws_credential_expiration",
    "expiration",
];

pub fn check(rule: &Rule, ctx: &Context, out: &mut Vec<Finding>) {
    out.extend(
        ctx.key_holders()
            .filter(|holder| holder.profile.kind == CredentialKind::SessionKey)
            .map(|holder| {
                let (profile, key_id) = (holder.profile, holder.key_id);
                let expiry = EXPIRY_KEYS.iter().find_map(|key| {
                    let value = profile.section.get_named(key)?;
                    Some((
                        *key,
                        DateTime::parse_from_rfc3339(value)
                            .ok()?
                            .with_timezone(&Utc),
                    ))
                });
                let (message, evidence) = match expiry {
                    Some((key, at)) if at <= ctx.facts.now => (
                        format!(
                            "Profile {} stores temporary credentials that expired {}",
                            profile.name(),
                            at.format("%Y-%m-%d %H:%M UTC")
                        ),
                        format!("{key} = {}", at.to_rfc3339()),
                    ),
                    Some((key, at)) => (
                        format!(
                            "Profile {} stores temporary credentials (valid until {})",
                            profile.name(),
                            at.format("%Y-%m-%d %H:%M UTC")
                        ),
                        format!("{key} = {}", at.to_rfc3339()),
                    ),
                    None => (
                        format!(
                            "Profile {} stores temporary credentials in a file",
                            profile.name()
                        ),
                        format!(
                            "aws_access_key_id = {} with a session token",
                            ctx.keys.show(key_id)
                        ),
                    ),
                };
                let finding = rule.finding(message).evidence(evidence);
                ctx.about_key(&holder, finding)
            }),
    );
}
