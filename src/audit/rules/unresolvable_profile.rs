//! `unresolvable-profile` (rules/unresolvable-profile.toml): the SDKs cannot build the
//! profile's credential chain. Half a key pair is `incomplete-credentials`' finding instead.

use super::{Context, Rule};
use crate::audit::finding::Finding;
use crate::profiles::chain::ChainError;

pub fn check(rule: &Rule, ctx: &Context, out: &mut Vec<Finding>) {
    out.extend(selected_profile_missing(rule, ctx));
    broken_chains(rule, ctx, out);
}

/// `AWS_PROFILE` naming a profile that does not exist breaks every SDK client that names none.
fn selected_profile_missing(rule: &Rule, ctx: &Context) -> Option<Finding> {
    let locations = ctx.locations;
    let variable = locations.selected_by?;
    if ctx.model.set.profile(&locations.selected_profile).is_some() {
        return None;
    }
    Some(
        rule
        .finding(format!(
            "{variable} selects profile `{}`, which is not defined: every SDK client that names no profile fails",
            locations.selected_profile
        ))
        .evidence(format!("{variable}={}", locations.selected_profile))
        .fix(format!(
            "Define [profile {}] or point {variable} at an existing profile (`unset {variable}` to use [default])",
            locations.selected_profile
        )),
    )
}

fn broken_chains(rule: &Rule, ctx: &Context, out: &mut Vec<Finding>) {
    out.extend(ctx.model.profiles.iter().filter_map(|profile| {
        let error = profile.chain.as_ref().err()?;
        let own_half_key = matches!(
            error,
            ChainError::MissingAccessKeyId { profile: p } | ChainError::MissingSecret { profile: p }
                if p == profile.name()
        );
        let settings_only =
            matches!(error, ChainError::NoCredentials { profile: p } if p == profile.name());
        if own_half_key || settings_only {
            return None;
        }
        let origin = *profile.section.headers.first()?;
        let finding = rule
            .finding(format!(
                "Profile {} cannot be used: {error}",
                profile.name()
            ))
            .profile(profile.name())
            .evidence(error.to_string());
        Some(ctx.place(finding, origin))
    }));
}
