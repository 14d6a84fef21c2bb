//! `protected-profile-unnamed` (rules/protected-profile-unnamed.toml): a protected profile's
//! `credential_process` line does not say which profile it serves, so its sessions may not
//! reach that profile's STS.

use super::{Context, Rule};
use crate::audit::finding::Finding;
use crate::profiles::credential_process::protected_profile;
use crate::profiles::model::CredentialKind;

pub fn check(rule: &Rule, ctx: &Context, out: &mut Vec<Finding>) {
    for holder in ctx.key_holders() {
        let profile = holder.profile;
        if profile.kind != CredentialKind::ProtectedKey {
            continue;
        }
        let Some(line) = profile.section.property_named("credential_process") else {
            continue;
        };
        let name = profile.name();
        let named = protected_profile(&line.value);
        if named.as_deref() == Some(name) {
            continue;
        }
        let evidence = match &named {
            Some(other) => format!("credential_process names profile {other}"),
            None => "credential_process names no profile".to_string(),
        };
        let finding = rule
            .finding(format!(
                "Profile {name}'s sessions are made without its own settings (region, endpoint_url, ca_bundle): its credential_process line does not name it"
            ))
            .evidence(evidence)
            .fix(format!(
                "Let awscheck rewrite the line, leaving the key in the secret store: `{}`",
                ctx.suggest().awscheck(&["protect", "--profile", name])
            ));
        out.push(ctx.about_key(&holder, finding));
    }
}
