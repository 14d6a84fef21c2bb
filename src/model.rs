//! Every profile with the credential source it resolves to.
//!
//! Built once from the merged [`ProfileSet`]; rules and reports read it and never walk the
//! chain themselves.

use crate::chain::{self, Base, Chain, ChainError};
use crate::profile_set::{ProfileSet, Section};
use serde::Serialize;
use std::fmt;

/// What kind of credential a profile hands to an SDK client.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum CredentialKind {
    /// An IAM user's (or root's) access key: valid until someone deletes it.
    LongTermKey,
    /// A temporary key with its session token.
    SessionKey,
    AssumeRole,
    /// `credential_source`: the role's source is the environment, EC2 or ECS.
    CredentialSource,
    WebIdentity,
    Sso,
    /// `sso_start_url` in the profile itself: a token that cannot be refreshed.
    SsoLegacy,
    LoginSession,
    CredentialProcess,
    /// A long-term key `awscheck protect` moved into the OS's secret store, handed out by
    /// `awscheck credential-process`.
    ProtectedKey,
    /// Settings only (region, output): nothing to sign with.
    None,
    /// The SDKs would fail to resolve this profile.
    Invalid,
}

impl CredentialKind {
    pub fn label(self) -> &'static str {
        match self {
            CredentialKind::LongTermKey => "long-term key",
            CredentialKind::SessionKey => "session key",
            CredentialKind::AssumeRole => "assume role",
            CredentialKind::CredentialSource => "credential source",
            CredentialKind::WebIdentity => "web identity",
            CredentialKind::Sso => "SSO",
            CredentialKind::SsoLegacy => "SSO (legacy)",
            CredentialKind::LoginSession => "login session",
            CredentialKind::CredentialProcess => "credential process",
            CredentialKind::ProtectedKey => "long-term key in the keychain",
            CredentialKind::None => "none",
            CredentialKind::Invalid => "invalid",
        }
    }

    pub fn of_base(base: &Base<'_>) -> Self {
        match base {
            Base::AccessKey {
                access_key_id,
                has_session_token,
                ..
            } => {
                // AWS does not promise prefixes, but ASIA is only ever handed out with a token.
                if *has_session_token || access_key_id.starts_with("ASIA") {
                    CredentialKind::SessionKey
                } else {
                    CredentialKind::LongTermKey
                }
            }
            Base::NamedSource { .. } => CredentialKind::CredentialSource,
            Base::WebIdentity { .. } => CredentialKind::WebIdentity,
            Base::Sso(sso) if sso.session.is_some() => CredentialKind::Sso,
            Base::Sso(_) => CredentialKind::SsoLegacy,
            Base::LoginSession { .. } => CredentialKind::LoginSession,
            Base::CredentialProcess { command, .. } => {
                match crate::keychain::protected_key_id(command) {
                    Some(_) => CredentialKind::ProtectedKey,
                    None => CredentialKind::CredentialProcess,
                }
            }
        }
    }
}

impl fmt::Display for CredentialKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.label())
    }
}

/// One profile and what it resolves to.
#[derive(Debug)]
pub struct ResolvedProfile<'a> {
    pub section: &'a Section,
    pub chain: Result<Chain<'a>, ChainError>,
    pub kind: CredentialKind,
    /// For a role chain: the kind of credential at its bottom.
    pub root_kind: Option<CredentialKind>,
}

impl<'a> ResolvedProfile<'a> {
    pub fn name(&self) -> &'a str {
        &self.section.name
    }

    /// The long-term key this profile itself holds (not one reached through a role chain):
    /// a static key in the files, or one `awscheck protect` keeps in the secret store.
    pub fn own_key(&self) -> Option<&'a str> {
        match &self.chain {
            Ok(Chain {
                base: Base::CredentialProcess { command, profile },
                roles,
            }) if roles.is_empty() && *profile == self.section.name => {
                crate::keychain::protected_key_id(command)
            }
            Ok(Chain {
                base:
                    Base::AccessKey {
                        access_key_id,
                        profile,
                        ..
                    },
                roles,
            }) if roles.is_empty() && *profile == self.section.name => Some(access_key_id),
            _ => None,
        }
    }
}

/// All profiles, resolved, in the order they first appear.
#[derive(Debug)]
pub struct Model<'a> {
    pub set: &'a ProfileSet,
    pub profiles: Vec<ResolvedProfile<'a>>,
}

impl<'a> Model<'a> {
    pub fn build(set: &'a ProfileSet) -> Self {
        let profiles = set
            .profiles()
            .iter()
            .map(|section| resolve(set, section))
            .collect();
        Model { set, profiles }
    }

    pub fn profile(&self, name: &str) -> Option<&ResolvedProfile<'a>> {
        self.profiles.iter().find(|profile| profile.name() == name)
    }
}

fn resolve<'a>(set: &'a ProfileSet, section: &'a Section) -> ResolvedProfile<'a> {
    let chain = chain::resolve(set, &section.name);
    let (kind, root_kind) = match &chain {
        Ok(chain) if chain.roles.is_empty() => (CredentialKind::of_base(&chain.base), None),
        Ok(chain) => (
            CredentialKind::AssumeRole,
            Some(CredentialKind::of_base(&chain.base)),
        ),
        // Only settings in the profile itself is normal (a `[default]` with a region).
        Err(ChainError::NoCredentials { profile }) if *profile == section.name => {
            (CredentialKind::None, None)
        }
        Err(_) => (CredentialKind::Invalid, None),
    };
    ResolvedProfile {
        section,
        chain,
        kind,
        root_kind,
    }
}
