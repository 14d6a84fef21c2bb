//! Every profile with the credential source it resolves to.
//!
//! Built once from the merged [`ProfileSet`]; rules and reports read it and never walk the
//! chain themselves.

use crate::parse::key::{AWS_ACCOUNT_ID, MFA_SERIAL};
use crate::profiles::chain::{self, Base, Chain, ChainError};
use crate::profiles::set::{ProfileSet, Section};
use serde::Serialize;
use std::fmt;

/// What kind of credential a profile hands to an SDK client.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
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

/// Serialised as its [`CredentialKind::slug`].
impl Serialize for CredentialKind {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.slug())
    }
}

impl CredentialKind {
    /// The name reports give it: the variant's name in kebab case.
    pub fn slug(self) -> &'static str {
        match self {
            CredentialKind::LongTermKey => "long-term-key",
            CredentialKind::SessionKey => "session-key",
            CredentialKind::AssumeRole => "assume-role",
            CredentialKind::CredentialSource => "credential-source",
            CredentialKind::WebIdentity => "web-identity",
            CredentialKind::Sso => "sso",
            CredentialKind::SsoLegacy => "sso-legacy",
            CredentialKind::LoginSession => "login-session",
            CredentialKind::CredentialProcess => "credential-process",
            CredentialKind::ProtectedKey => "protected-key",
            CredentialKind::None => "none",
            CredentialKind::Invalid => "invalid",
        }
    }

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
                match super::credential_process::protected_key_id(command) {
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
                super::credential_process::protected_key_id(command)
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

impl<'a> ResolvedProfile<'a> {
    /// The AWS account this profile's credentials act in, as its own settings name it: the
    /// last role's ARN, the SSO account, the web identity role, or for a key the account its
    /// `aws_account_id` or MFA device names. Never a guess from a profile's name.
    pub fn account(&self) -> Option<&'a str> {
        let chain = self.chain.as_ref().ok()?;
        if let Some(role) = chain.roles.last() {
            return account_in_arn(role.role_arn);
        }
        match &chain.base {
            Base::Sso(sso) => sso.account_id().filter(|id| is_account_id(id)),
            Base::WebIdentity { role_arn, .. } => account_in_arn(role_arn),
            // With no role, the key is this profile's own.
            Base::AccessKey { .. } => self
                .section
                .get(AWS_ACCOUNT_ID)
                .filter(|id| is_account_id(id))
                .or_else(|| self.section.get(MFA_SERIAL).and_then(account_in_arn)),
            _ => None,
        }
    }
}

/// The account field of an ARN (`arn:aws:iam::123456789012:role/Admin`).
pub fn account_in_arn(arn: &str) -> Option<&str> {
    let mut fields = arn.split(':');
    (fields.next()? == "arn").then_some(())?;
    fields.nth(3).filter(|id| is_account_id(id))
}

fn is_account_id(id: &str) -> bool {
    id.len() == 12 && id.bytes().all(|b| b.is_ascii_digit())
}

/// All profiles, resolved, in the order they first appear.
#[derive(Debug)]
pub struct Model<'a> {
    pub set: &'a ProfileSet,
    pub profiles: Vec<ResolvedProfile<'a>>,
    /// Positions in `profiles` of the profiles that hold their own key, with its ID: many
    /// rules look at these alone, and on a large setup they are a handful among thousands.
    key_holders: Vec<(usize, &'a str)>,
}

impl<'a> Model<'a> {
    pub fn build(set: &'a ProfileSet) -> Self {
        let profiles: Vec<ResolvedProfile> = set
            .profiles()
            .map(|section| resolve(set, section))
            .collect();
        let key_holders = profiles
            .iter()
            .enumerate()
            .filter_map(|(position, profile)| Some((position, profile.own_key()?)))
            .collect();
        Model {
            set,
            profiles,
            key_holders,
        }
    }

    /// Every profile that holds its own key, with the key's ID, in file order.
    pub fn key_holders(&self) -> impl Iterator<Item = (&ResolvedProfile<'a>, &'a str)> + '_ {
        self.key_holders
            .iter()
            .map(|&(position, key_id)| (&self.profiles[position], key_id))
    }

    pub fn profile(&self, name: &str) -> Option<&ResolvedProfile<'a>> {
        // `profiles` is in the set's order, so the set's index finds it without a scan.
        self.profiles.get(self.set.profile_position(name)?)
    }
}

fn resolve<'a>(set: &'a ProfileSet, section: &'a Section) -> ResolvedProfile<'a> {
    let chain = chain::resolve_from(set, section);
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::parse::document::Document;
    use crate::parse::origin::FileKind;

    #[test]
    fn accounts_come_from_the_profiles_own_arns_only() {
        let config = "[sso-session corp]\nsso_start_url = https://x\nsso_region = eu-west-1\n\
            [profile sso]\nsso_session = corp\nsso_account_id = 111122223333\nsso_role_name = Dev\n\
            [profile admin]\nrole_arn = arn:aws:iam::444455556666:role/Admin\nsource_profile = dev\n\
            [profile dev]\nmfa_serial = arn:aws:iam::777788889999:mfa/me\n\
            [profile prod-123456789012]\nregion = eu-west-1\n";
        let credentials = "[dev]\naws_access_key_id = AKIAEXAMPLE\naws_secret_access_key = x\n\
            [prod-123456789012]\naws_access_key_id = AKIAOTHER\naws_secret_access_key = y\n";
        let mut set = ProfileSet::default();
        set.merge_document(FileKind::Config, &Document::new(config.to_string()))
            .unwrap();
        set.merge_document(
            FileKind::Credentials,
            &Document::new(credentials.to_string()),
        )
        .unwrap();
        let model = Model::build(&set);
        let account = |name: &str| model.profile(name).unwrap().account();
        assert_eq!(account("sso"), Some("111122223333"));
        assert_eq!(account("admin"), Some("444455556666"));
        assert_eq!(account("dev"), Some("777788889999"));
        // A name that looks like an account names none.
        assert_eq!(account("prod-123456789012"), None);
        assert_eq!(account_in_arn("arn:aws:iam::123:role/x"), None);
    }
}
