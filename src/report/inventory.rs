//! What the profiles are, in a line: `21 long-term keys (2 shared), 10,000 SSO (sso-session
//! corp), 1 role`. The audit's report says this instead of a row per profile.

use crate::profiles::model::CredentialKind;
use crate::sys::count::thousands;
use rustc_hash::FxHashMap;

/// Up to this many sso-sessions are named; more are counted.
const SESSIONS_NAMED: usize = 3;

/// Profiles counted by what their credentials are.
#[derive(Debug, Default)]
pub struct Inventory {
    total: usize,
    /// `(kind, sso-session of SSO profiles)` → how many.
    counts: FxHashMap<(CredentialKind, Option<String>), usize>,
    /// Key ID → how many profiles hold it, for long-term keys.
    holders: FxHashMap<String, usize>,
}

impl Inventory {
    pub fn add(&mut self, kind: CredentialKind, sso_session: Option<&str>, key_id: Option<&str>) {
        let session = sso_session
            .filter(|_| kind == CredentialKind::Sso)
            .map(str::to_string);
        *self.counts.entry((kind, session)).or_default() += 1;
        self.total += 1;
        if let (CredentialKind::LongTermKey, Some(key_id)) = (kind, key_id) {
            *self.holders.entry(key_id.to_string()).or_default() += 1;
        }
    }

    /// The line, kinds in a fixed order (keys first), or `None` with no profiles. SSO profiles
    /// name their sso-session, or with more than [`SESSIONS_NAMED`] of them, count them.
    pub fn line(&self) -> Option<String> {
        let mut counts: Vec<((CredentialKind, Option<String>), usize)> = self
            .counts
            .iter()
            .map(|(key, count)| (key.clone(), *count))
            .collect();
        let sessions = counts
            .iter()
            .filter(|((kind, _), _)| *kind == CredentialKind::Sso)
            .count();
        let mut many_sessions = None;
        if sessions > SESSIONS_NAMED {
            let total: usize = counts
                .iter()
                .filter(|((kind, _), _)| *kind == CredentialKind::Sso)
                .map(|(_, count)| count)
                .sum();
            counts.retain(|((kind, _), _)| *kind != CredentialKind::Sso);
            counts.push(((CredentialKind::Sso, None), total));
            many_sessions = Some(sessions);
        }
        let mut parts: Vec<(usize, Option<&str>, String)> = counts
            .iter()
            .map(|((kind, session), count)| {
                let mut part = format!("{} {}", thousands(*count), noun(*kind, *count));
                if let Some(session) = session {
                    part.push_str(&format!(" (sso-session {session})"));
                } else if let (CredentialKind::Sso, Some(sessions)) = (kind, many_sessions) {
                    part.push_str(&format!(" ({} sso-sessions)", thousands(sessions)));
                }
                if *kind == CredentialKind::LongTermKey {
                    let shared: usize = self.holders.values().filter(|n| **n > 1).sum();
                    if shared > 0 {
                        part.push_str(&format!(" ({} shared)", thousands(shared)));
                    }
                }
                (rank(*kind), session.as_deref(), part)
            })
            .collect();
        if parts.is_empty() {
            return None;
        }
        parts.sort();
        let parts: Vec<String> = parts.into_iter().map(|(_, _, part)| part).collect();
        let noun = if self.total == 1 {
            "profile"
        } else {
            "profiles"
        };
        Some(format!(
            "{} {noun}: {}.",
            thousands(self.total),
            parts.join(", ")
        ))
    }
}

/// Where a kind stands in the line: what holds a key first.
fn rank(kind: CredentialKind) -> usize {
    use CredentialKind::*;
    [
        LongTermKey,
        ProtectedKey,
        SessionKey,
        AssumeRole,
        CredentialSource,
        WebIdentity,
        Sso,
        SsoLegacy,
        LoginSession,
        CredentialProcess,
        None,
        Invalid,
    ]
    .iter()
    .position(|k| *k == kind)
    .unwrap_or(usize::MAX)
}

fn noun(kind: CredentialKind, count: usize) -> &'static str {
    use CredentialKind::*;
    let one = count == 1;
    match kind {
        LongTermKey if one => "long-term key",
        LongTermKey => "long-term keys",
        ProtectedKey if one => "key in the keychain",
        ProtectedKey => "keys in the keychain",
        SessionKey if one => "session key",
        SessionKey => "session keys",
        AssumeRole if one => "role",
        AssumeRole => "roles",
        CredentialSource if one => "role on a credential source",
        CredentialSource => "roles on a credential source",
        WebIdentity if one => "web identity role",
        WebIdentity => "web identity roles",
        Sso => "SSO",
        SsoLegacy => "SSO (legacy)",
        LoginSession if one => "login session",
        LoginSession => "login sessions",
        CredentialProcess if one => "credential process",
        CredentialProcess => "credential processes",
        None => "with settings only",
        Invalid if one => "that cannot be resolved",
        Invalid => "that cannot be resolved",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kinds_are_counted_keys_first_with_shared_keys_said() {
        let mut inventory = Inventory::default();
        inventory.add(CredentialKind::Sso, Some("corp"), None);
        inventory.add(CredentialKind::Sso, Some("corp"), None);
        inventory.add(CredentialKind::LongTermKey, None, Some("AKIA1"));
        inventory.add(CredentialKind::LongTermKey, None, Some("AKIA1"));
        inventory.add(CredentialKind::LongTermKey, None, Some("AKIA2"));
        inventory.add(CredentialKind::AssumeRole, None, None);
        assert_eq!(
            inventory.line().unwrap(),
            "6 profiles: 3 long-term keys (2 shared), 1 role, 2 SSO (sso-session corp)."
        );
        assert_eq!(Inventory::default().line(), Option::None);
        let mut many = Inventory::default();
        for session in ["a", "b", "c", "d"] {
            many.add(CredentialKind::Sso, Some(session), None);
        }
        assert_eq!(many.line().unwrap(), "4 profiles: 4 SSO (4 sso-sessions).");
    }
}
