//! `protected-key-missing` (rules/protected-key-missing.toml): a profile gets its key from
//! `awscheck credential-process`, and the secret store does not hold that key.

use super::{Context, Rule};
use crate::audit::finding::Finding;
use crate::profiles::model::CredentialKind;

pub fn check(rule: &Rule, ctx: &Context, out: &mut Vec<Finding>) {
    out.extend(
        ctx.key_holders()
            .filter(|holder| holder.profile.kind == CredentialKind::ProtectedKey)
            .filter(|holder| ctx.facts.missing_from_store.contains(holder.key_id))
            .map(|holder| {
                let name = holder.profile.name();
                let shown = ctx.keys.show(holder.key_id);
                let finding = rule
                    .finding(format!(
                        "Profile {name} gets its key from the secret store, which holds no key {shown}: every command with it fails"
                    ))
                    .evidence(format!("credential_process hands out {shown}"))
                    .fix(format!(
                        "If you still have the key, put its two lines back in place of the credential_process line, then protect it again: `{}`; else have a new key made and the lost one deleted",
                        ctx.suggest().awscheck(&["protect", "--profile", name])
                    ));
                ctx.about_key(&holder, finding)
            }),
    );
}
