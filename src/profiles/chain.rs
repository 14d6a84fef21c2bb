//! Which credentials a profile resolves to, following the SDKs' profile provider.
//!
//! A profile either holds a base source (a key, SSO, a process, a web identity token, a named
//! source) or assumes a role on top of another profile's credentials. This walks
//! `source_profile` links exactly as the SDKs do (static keys win in every profile after the
//! first, a self reference loads the profile's own base, loops and dangling links are errors)
//! and returns the flattened chain. It reads the merged profiles only; no I/O, no network.

use crate::parse::key::{
    AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, AWS_SESSION_TOKEN, CREDENTIAL_PROCESS,
    CREDENTIAL_SOURCE, EXTERNAL_ID, LOGIN_SESSION, MFA_SERIAL, ROLE_ARN, ROLE_SESSION_NAME,
    SOURCE_PROFILE, SSO_ACCOUNT_ID, SSO_REGION, SSO_ROLE_NAME, SSO_SESSION, SSO_START_URL,
    WEB_IDENTITY_TOKEN_FILE,
};
use crate::profiles::set::{ProfileSet, Section};
use smallvec::SmallVec;
use std::fmt;

/// Where the credentials at the bottom of a chain come from. Settings that only some readers
/// need (`aws_account_id`, `role_session_name`) stay in the profile, where the profile named
/// here has them: every resolved profile holds a `Base`, ten thousand on a large setup.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Base<'a> {
    /// `aws_access_key_id` + `aws_secret_access_key` (and maybe `aws_session_token`).
    AccessKey {
        profile: &'a str,
        access_key_id: &'a str,
        has_session_token: bool,
    },
    /// `credential_source = Environment | Ec2InstanceMetadata | EcsContainer`.
    NamedSource {
        profile: &'a str,
        name: &'a str,
    },
    WebIdentity {
        profile: &'a str,
        role_arn: &'a str,
        token_file: &'a str,
    },
    Sso(Sso<'a>),
    /// `aws login`: credentials cached for a console session.
    LoginSession {
        profile: &'a str,
        session: &'a str,
    },
    CredentialProcess {
        profile: &'a str,
        command: &'a str,
    },
}

impl Base<'_> {
    pub fn profile(&self) -> &str {
        match self {
            Base::AccessKey { profile, .. }
            | Base::NamedSource { profile, .. }
            | Base::WebIdentity { profile, .. }
            | Base::LoginSession { profile, .. }
            | Base::CredentialProcess { profile, .. } => profile,
            Base::Sso(sso) => sso.profile(),
        }
    }
}

/// SSO settings: the profile's own, and the start URL and region from its sso-session when
/// it names one. Read from the sections when asked for rather than copied, six references a
/// profile, into each of thousands of resolved profiles.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Sso<'a> {
    pub profile: &'a Section,
    /// `None` for the legacy form that keeps `sso_start_url` in the profile.
    pub session: Option<&'a Section>,
}

impl<'a> Sso<'a> {
    pub fn profile(&self) -> &'a str {
        &self.profile.name
    }

    /// The name of the sso-session, as the profile gives it.
    pub fn session_name(&self) -> Option<&'a str> {
        self.session.map(|session| session.name.as_str())
    }

    pub fn start_url(&self) -> Option<&'a str> {
        self.session.unwrap_or(self.profile).get(SSO_START_URL)
    }

    pub fn region(&self) -> Option<&'a str> {
        self.session.unwrap_or(self.profile).get(SSO_REGION)
    }

    pub fn account_id(&self) -> Option<&'a str> {
        self.profile.get(SSO_ACCOUNT_ID)
    }

    pub fn role_name(&self) -> Option<&'a str> {
        self.profile.get(SSO_ROLE_NAME)
    }
}

/// One role assumed on top of the credentials below it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RoleLink<'a> {
    pub profile: &'a str,
    pub role_arn: &'a str,
    pub external_id: Option<&'a str>,
    pub session_name: Option<&'a str>,
    pub mfa_serial: Option<&'a str>,
}

/// The base source, then the roles assumed on it, first assumed first.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Chain<'a> {
    pub base: Base<'a>,
    /// A boxed slice: the chain never grows once resolved, and every resolved profile holds
    /// one, ten thousand on a large setup.
    pub roles: Box<[RoleLink<'a>]>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ChainError {
    NoProfiles,
    MissingProfile {
        name: String,
        referenced_from: Option<String>,
    },
    Loop {
        visited: Vec<String>,
        next: String,
    },
    /// More than [`MAX_CHAIN_PROFILES`] profiles deep.
    TooLong {
        profile: String,
    },
    BothSources {
        profile: String,
    },
    NoSource {
        profile: String,
    },
    NoCredentials {
        profile: String,
    },
    MissingAccessKeyId {
        profile: String,
    },
    MissingSecret {
        profile: String,
    },
    WebIdentityWithoutRole {
        profile: String,
    },
    SsoSessionNotFound {
        profile: String,
        session: String,
    },
    SsoSettingOutsideSession {
        profile: String,
        key: &'static str,
    },
    SsoPairIncomplete {
        profile: String,
        set: &'static str,
        missing: &'static str,
    },
}

impl ChainError {
    /// The profile the SDK was reading when it gave up.
    pub fn profile(&self) -> Option<&str> {
        match self {
            ChainError::NoProfiles => None,
            ChainError::MissingProfile {
                referenced_from, ..
            } => referenced_from.as_deref(),
            ChainError::Loop { next, .. } => Some(next),
            ChainError::TooLong { profile } => Some(profile),
            ChainError::BothSources { profile }
            | ChainError::NoSource { profile }
            | ChainError::NoCredentials { profile }
            | ChainError::MissingAccessKeyId { profile }
            | ChainError::MissingSecret { profile }
            | ChainError::WebIdentityWithoutRole { profile }
            | ChainError::SsoSessionNotFound { profile, .. }
            | ChainError::SsoSettingOutsideSession { profile, .. }
            | ChainError::SsoPairIncomplete { profile, .. } => Some(profile),
        }
    }
}

impl fmt::Display for ChainError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ChainError::NoProfiles => write!(f, "No profiles were defined"),
            ChainError::MissingProfile { name, referenced_from } => write!(
                f,
                "could not find source profile {name} referenced from {}",
                referenced_from.as_deref().unwrap_or("the root profile")
            ),
            ChainError::Loop { visited, next } => write!(
                f,
                "profile formed an infinite loop: {} -> {next}",
                visited.join(" -> ")
            ),
            ChainError::TooLong { profile } => write!(
                f,
                "its role chain goes through more than {MAX_CHAIN_PROFILES} profiles, from `{profile}`; awscheck follows it no further"
            ),
            ChainError::BothSources { profile } => write!(
                f,
                "profile contained both source_profile and credential_source (profile `{profile}`); only one may be set"
            ),
            ChainError::NoSource { profile } => write!(
                f,
                "profile must contain `source_profile` or `credential_source` next to `role_arn` (profile `{profile}`)"
            ),
            ChainError::NoCredentials { profile } => {
                write!(f, "profile `{profile}` did not contain credential information")
            }
            ChainError::MissingAccessKeyId { profile } => {
                write!(f, "profile missing aws_access_key_id (profile `{profile}`)")
            }
            ChainError::MissingSecret { profile } => {
                write!(f, "profile missing aws_secret_access_key (profile `{profile}`)")
            }
            ChainError::WebIdentityWithoutRole { profile } => write!(
                f,
                "`web_identity_token_file` was set but `role_arn` was missing (profile `{profile}`)"
            ),
            ChainError::SsoSessionNotFound { profile, session } => write!(
                f,
                "sso-session named `{session}` (referenced by profile `{profile}`) was not found"
            ),
            ChainError::SsoSettingOutsideSession { profile, key } => write!(
                f,
                "`{key}` can only be specified in the [sso-session] config when a session name is given (profile `{profile}`)"
            ),
            ChainError::SsoPairIncomplete { profile, set, missing } => write!(
                f,
                "if `{set}` is set, then `{missing}` must also be set (profile `{profile}`)"
            ),
        }
    }
}

/// Resolve the chain the SDKs would build for `selected`.
pub fn resolve<'a>(set: &'a ProfileSet, selected: &str) -> Result<Chain<'a>, ChainError> {
    if set.is_empty() {
        return Err(ChainError::NoProfiles);
    }
    resolve_from(set, source(set, selected, None)?)
}

/// The profile called `name`, which `referenced_from` names as its source (`None`: the
/// profile a chain starts from).
fn source<'a>(
    set: &'a ProfileSet,
    name: &str,
    referenced_from: Option<&str>,
) -> Result<&'a Section, ChainError> {
    set.profile(name).ok_or_else(|| ChainError::MissingProfile {
        name: name.to_string(),
        referenced_from: referenced_from.map(str::to_string),
    })
}

/// The most profiles a chain may go through before awscheck gives up on it. The SDKs set
/// no limit, but each link is an AssumeRole call, and role chains in use are a few links
/// long. Without one, a file of a thousand profiles each naming the next would be walked a
/// million times over, and every one of them reported with the whole chain.
pub const MAX_CHAIN_PROFILES: usize = 32;

/// [`resolve`] for a profile already found in `set`.
pub fn resolve_from<'a>(set: &'a ProfileSet, first: &'a Section) -> Result<Chain<'a>, ChainError> {
    let mut profile = first;
    // Chains are short: the profiles seen so far fit inline, with no allocation per profile.
    let mut visited: SmallVec<[&'a str; 4]> = SmallVec::new();
    let mut roles = Vec::new();
    let base = loop {
        if visited.contains(&profile.name.as_str()) {
            return Err(ChainError::Loop {
                visited: visited.iter().map(|p| p.to_string()).collect(),
                next: profile.name.to_string(),
            });
        }
        if visited.len() == MAX_CHAIN_PROFILES {
            return Err(ChainError::TooLong {
                profile: first.name.to_string(),
            });
        }
        visited.push(&profile.name);
        // Past the first profile, a complete static key ends the chain even if the profile
        // also names a role: the SDKs use it as the source credentials.
        if visited.len() > 1 {
            if let Ok(base) = static_key(profile) {
                break base;
            }
        }
        match role_link(profile) {
            None => break base_of(set, profile)?,
            Some(link) => {
                let link = link?;
                if roles.is_empty() {
                    // Most chains assume one role: room for exactly that, not the default four.
                    roles.reserve_exact(1);
                }
                roles.push(link.0);
                match link.1 {
                    Next::Base => break base_of(set, profile)?,
                    Next::Profile(next) => profile = source(set, next, visited.last().copied())?,
                }
            }
        }
    };
    roles.reverse();
    Ok(Chain {
        base,
        roles: roles.into_boxed_slice(),
    })
}

enum Next<'a> {
    /// The role's credentials come from this same profile's base source.
    Base,
    Profile(&'a str),
}

fn role_link(profile: &Section) -> Option<Result<(RoleLink<'_>, Next<'_>), ChainError>> {
    // A web identity token makes `role_arn` part of the base source, not a chained role.
    if profile.get(WEB_IDENTITY_TOKEN_FILE).is_some() {
        return None;
    }
    let role_arn = profile.get(ROLE_ARN)?;
    let link = RoleLink {
        profile: &profile.name,
        role_arn,
        external_id: profile.get(EXTERNAL_ID),
        session_name: profile.get(ROLE_SESSION_NAME),
        mfa_serial: profile.get(MFA_SERIAL),
    };
    let next = match (profile.get(SOURCE_PROFILE), profile.get(CREDENTIAL_SOURCE)) {
        (Some(_), Some(_)) => Err(ChainError::BothSources {
            profile: profile.name.to_string(),
        }),
        (None, None) => Err(ChainError::NoSource {
            profile: profile.name.to_string(),
        }),
        (Some(source), None) if source == profile.name => Ok(Next::Base),
        (Some(source), None) => Ok(Next::Profile(source)),
        (None, Some(_)) => Ok(Next::Base),
    };
    Some(next.map(|next| (link, next)))
}

fn base_of<'a>(set: &'a ProfileSet, profile: &'a Section) -> Result<Base<'a>, ChainError> {
    if let Some(name) = profile.get(CREDENTIAL_SOURCE) {
        return Ok(Base::NamedSource {
            profile: &profile.name,
            name,
        });
    }
    if let Some(base) = web_identity(profile) {
        return base;
    }
    if let Some(base) = sso(set, profile) {
        return base.map(Base::Sso);
    }
    if let Some(session) = profile.get(LOGIN_SESSION) {
        return Ok(Base::LoginSession {
            profile: &profile.name,
            session,
        });
    }
    if let Some(command) = profile.get(CREDENTIAL_PROCESS) {
        return Ok(Base::CredentialProcess {
            profile: &profile.name,
            command,
        });
    }
    static_key(profile)
}

fn web_identity(profile: &Section) -> Option<Result<Base<'_>, ChainError>> {
    let token_file = profile.get(WEB_IDENTITY_TOKEN_FILE)?;
    Some(match profile.get(ROLE_ARN) {
        Some(role_arn) => Ok(Base::WebIdentity {
            profile: &profile.name,
            role_arn,
            token_file,
        }),
        None => Err(ChainError::WebIdentityWithoutRole {
            profile: profile.name.to_string(),
        }),
    })
}

fn sso<'a>(set: &'a ProfileSet, profile: &'a Section) -> Option<Result<Sso<'a>, ChainError>> {
    let keys = [
        SSO_ACCOUNT_ID,
        SSO_REGION,
        SSO_ROLE_NAME,
        SSO_START_URL,
        SSO_SESSION,
    ];
    if keys.into_iter().all(|key| profile.get(key).is_none()) {
        return None;
    }
    let name = || profile.name.to_string();
    let mut sso = Sso {
        profile,
        session: None,
    };
    if let Some(session_name) = profile.get(SSO_SESSION) {
        for key in [SSO_START_URL, SSO_REGION] {
            if profile.get(key).is_some() {
                return Some(Err(ChainError::SsoSettingOutsideSession {
                    profile: name(),
                    key: key.name(),
                }));
            }
        }
        let Some(session) = set.sso_session(session_name) else {
            return Some(Err(ChainError::SsoSessionNotFound {
                profile: name(),
                session: session_name.to_string(),
            }));
        };
        sso.session = Some(session);
    }
    let incomplete = |set, missing| ChainError::SsoPairIncomplete {
        profile: profile.name.to_string(),
        set,
        missing,
    };
    match (sso.account_id(), sso.role_name()) {
        (Some(_), None) => Some(Err(incomplete("sso_account_id", "sso_role_name"))),
        (None, Some(_)) => Some(Err(incomplete("sso_role_name", "sso_account_id"))),
        _ => Some(Ok(sso)),
    }
}

fn static_key(profile: &Section) -> Result<Base<'_>, ChainError> {
    let name = || profile.name.to_string();
    let key = profile.get(AWS_ACCESS_KEY_ID);
    let secret = profile.get(AWS_SECRET_ACCESS_KEY);
    let token = profile.get(AWS_SESSION_TOKEN);
    match (key, secret, token) {
        (None, None, None) => Err(ChainError::NoCredentials { profile: name() }),
        (None, _, _) => Err(ChainError::MissingAccessKeyId { profile: name() }),
        (Some(_), None, _) => Err(ChainError::MissingSecret { profile: name() }),
        (Some(access_key_id), Some(_), token) => Ok(Base::AccessKey {
            profile: &profile.name,
            access_key_id,
            has_session_token: token.is_some(),
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Profiles `p0` to `p{count - 1}`, each assuming a role from the next, the last with a key.
    fn chain_of(count: usize) -> ProfileSet {
        let mut config: String = (0..count - 1)
            .map(|i| {
                format!(
                    "[profile p{i}]\nrole_arn = arn:aws:iam::123456789012:role/r{i}\nsource_profile = p{}\n",
                    i + 1
                )
            })
            .collect();
        config.push_str(&format!(
            "[profile p{}]\naws_access_key_id = AKIAEXAMPLE\naws_secret_access_key = x\n",
            count - 1
        ));
        ProfileSet::from_texts(&config, "").expect("parses")
    }

    #[test]
    fn chains_through_more_profiles_than_the_limit_are_not_followed() {
        let set = chain_of(MAX_CHAIN_PROFILES + 8);
        // p8 goes through exactly the limit: p8 to the last.
        let chain = resolve(&set, "p8").expect("within the limit");
        assert_eq!(chain.roles.len(), MAX_CHAIN_PROFILES - 1);
        assert_eq!(
            resolve(&set, "p7"),
            Err(ChainError::TooLong {
                profile: "p7".to_string()
            })
        );
        let error = resolve(&set, "p0").unwrap_err();
        assert_eq!(error.profile(), Some("p0"));
        assert!(
            error.to_string().contains("more than 32 profiles"),
            "{error}"
        );
    }
}
