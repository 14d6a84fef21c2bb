//! `default-profile-has-credentials` (rules/default-profile-has-credentials.toml): `[default]`
//! signs requests by itself, through a static key or a credential_process.

use super::{Context, Rule};
use crate::audit::finding::Finding;
use crate::profiles::model::CredentialKind;

pub fn check(rule: &Rule, ctx: &Context, out: &mut Vec<Finding>) {
    let Some(profile) = ctx.model.profile("default") else {
        return;
    };
    let (what, property) = match profile.kind {
        CredentialKind::LongTermKey => ("a long-term access key", "aws_access_key_id"),
        CredentialKind::SessionKey => ("temporary credentials", "aws_access_key_id"),
        CredentialKind::CredentialProcess => ("a credential_process", "credential_process"),
        // Off the disk, but still what every script that names no profile signs with.
        CredentialKind::ProtectedKey => (
            "a long-term access key (kept in the secret store)",
            "credential_process",
        ),
        _ => return,
    };
    let Some(value) = profile.section.property_named(property) else {
        return;
    };
    let evidence = match (profile.kind, profile.own_key()) {
        (CredentialKind::ProtectedKey, Some(key_id)) => {
            format!("credential_process hands out {}", ctx.keys.show(key_id))
        }
        (_, Some(key_id)) => format!("aws_access_key_id = {}", ctx.keys.show(key_id)),
        (_, None) => format!("credential_process = {}", value.value),
    };
    let finding = rule
        .finding(format!(
            "The default profile holds {what}: any command or script that names no profile uses it"
        ))
        .profile("default")
        .evidence(evidence)
        .fix(format!(
            "Rename [default] to a named profile (e.g. [dev]) in {}, keep only settings such as region in [default], and pick the profile explicitly with `--profile dev` or `export AWS_PROFILE=dev`",
            ctx.path(value.origin().file).display()
        ))
        .brief_fix("Rename [default] to a named profile (e.g. [dev]); use `--profile dev`");
    out.push(ctx.place(finding, value.origin()));
}
