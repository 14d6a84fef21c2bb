//! What a containment does, in order: rotate every long-term key the files and the secret
//! store hold, deactivate the stray keys of the accounts this machine has a key in, deny
//! older sessions to every key's user and to the roles the profiles assume, then sign out of
//! cached SSO logins and delete the SSO and CLI caches.

use super::journal::Action;
use crate::incident::inventory::{Credential, Held};
use crate::incident::look::KeyTrail;
use crate::profiles::model::{CredentialKind, Model};
use std::path::PathBuf;

pub fn plan(model: &Model, inventory: &[Credential], trails: &[KeyTrail]) -> Vec<Action> {
    let mut actions = Vec::new();
    let mut rotated: Vec<&str> = Vec::new();
    for (profile, key_id) in model.key_holders() {
        let long_term = matches!(
            profile.kind,
            CredentialKind::LongTermKey | CredentialKind::ProtectedKey
        );
        if long_term && !rotated.contains(&key_id) {
            rotated.push(key_id);
            actions.push(Action::Rotate {
                profile: profile.name().to_string(),
                old_key_id: key_id.to_string(),
            });
        }
    }
    // The accounts a key on this machine works in: only there can awscheck act.
    let accounts: Vec<&str> = trails
        .iter()
        .filter(|trail| trail.owner.is_some())
        .filter_map(|trail| trail.account.as_deref())
        .collect();
    for trail in trails {
        let stray = inventory
            .iter()
            .any(|c| c.stray && c.key_id.as_deref() == Some(trail.key_id.as_str()));
        if let (true, Some(account)) = (stray, &trail.account) {
            if accounts.contains(&account.as_str()) {
                actions.push(Action::Deactivate {
                    key_id: trail.key_id.clone(),
                    account: account.clone(),
                });
            }
        }
    }
    let mut users: Vec<(String, String)> = Vec::new();
    for trail in trails {
        let (Some(owner), Some(account)) = (&trail.owner, &trail.account) else {
            continue;
        };
        // A root key's sessions cannot be denied by a policy on a user; the report says so.
        if let Some(user) = user_name(owner) {
            if !users.iter().any(|(u, a)| u == user && a == account) {
                users.push((user.to_string(), account.clone()));
            }
        }
    }
    actions.extend(
        users
            .into_iter()
            .map(|(user, account)| Action::RevokeUser { user, account }),
    );
    let mut roles: Vec<String> = Vec::new();
    for profile in &model.profiles {
        if profile.kind != CredentialKind::AssumeRole {
            continue;
        }
        let Some(role_arn) = profile.section.get_named("role_arn") else {
            continue;
        };
        let in_our_account = account_of_arn(role_arn).is_some_and(|a| accounts.contains(&a));
        if in_our_account && !roles.iter().any(|r| r == role_arn) {
            roles.push(role_arn.to_string());
            actions.push(Action::RevokeRole {
                role_arn: role_arn.to_string(),
                profile: profile.name().to_string(),
            });
        }
    }
    let caches: Vec<(&Held, PathBuf)> = inventory
        .iter()
        .filter(|c| matches!(c.held, Held::SsoToken | Held::CliSession))
        .filter_map(|c| Some((&c.held, PathBuf::from(c.places.first()?))))
        .collect();
    for (held, path) in &caches {
        if **held == Held::SsoToken {
            actions.push(Action::SsoLogout {
                cache: path.clone(),
            });
        }
    }
    actions.extend(
        caches
            .into_iter()
            .map(|(_, path)| Action::DeleteCache { path }),
    );
    actions
}

/// `alice` of `arn:aws:iam::123456789012:user/team/alice`; `None` for root or a role.
pub fn user_name(arn: &str) -> Option<&str> {
    let resource = arn.splitn(6, ':').nth(5)?;
    let path = resource.strip_prefix("user/")?;
    path.rsplit('/').next().filter(|name| !name.is_empty())
}

/// `Admin` of `arn:aws:iam::123456789012:role/ops/Admin`.
pub fn role_name(arn: &str) -> Option<&str> {
    let resource = arn.splitn(6, ':').nth(5)?;
    let path = resource.strip_prefix("role/")?;
    path.rsplit('/').next().filter(|name| !name.is_empty())
}

pub fn account_of_arn(arn: &str) -> Option<&str> {
    arn.split(':').nth(4).filter(|account| !account.is_empty())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_come_from_their_arns() {
        assert_eq!(
            user_name("arn:aws:iam::123456789012:user/team/alice"),
            Some("alice")
        );
        assert_eq!(user_name("arn:aws:iam::123456789012:root"), None);
        assert_eq!(
            role_name("arn:aws:iam::123456789012:role/ops/Admin"),
            Some("Admin")
        );
        assert_eq!(
            account_of_arn("arn:aws:iam::123456789012:role/Admin"),
            Some("123456789012")
        );
    }
}
