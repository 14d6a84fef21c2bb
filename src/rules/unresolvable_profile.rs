//! `unresolvable-profile` (rules/unresolvable-profile.toml): the SDKs cannot build the
//! profile's credential chain. Half a key pair is `incomplete-credentials`' finding instead.

use super::{Context, Rule};
use crate::chain::ChainError;
use crate::finding::Finding;

pub fn check(rule: &Rule, ctx: &Context) -> Vec<Finding> {
    ctx.model
        .profiles
        .iter()
        .filter_map(|profile| {
            let error = profile.chain.as_ref().err()?;
            let own_half_key = matches!(
                error,
                ChainError::MissingAccessKeyId { profile: p } | ChainError::MissingSecret { profile: p }
                    if p == profile.name()
            );
            let settings_only = matches!(error, ChainError::NoCredentials { profile: p } if p == profile.name());
            if own_half_key || settings_only {
                return None;
            }
            let origin = *profile.section.headers.first()?;
            let finding = rule
                .finding(format!("Profile {} cannot be used: {error}", profile.name()))
                .profile(profile.name())
                .evidence(error.to_string());
            Some(ctx.place(finding, origin))
        })
        .collect()
}
