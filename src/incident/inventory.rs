//! Every AWS credential this machine holds, for the day one may have leaked. It covers:
//! - keys in the files and in the secret store;
//! - session keys in the files;
//! - the key in the environment;
//! - copies the scan found, where a key no profile holds is marked stray;
//! - the SSO and CLI caches, with their expiry;
//! - the `credential_process` programs.
//!
//! Key IDs and places only. No secret, token or cache content is kept, and of a
//! `credential_process` line only its program.

use crate::audit::facts::Facts;
use crate::parse::origin::FileKind;
use crate::profiles::model::{CredentialKind, Model};
use chrono::{DateTime, Utc};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// Larger cache files are not the AWS CLI's.
const CACHE_FILE_LIMIT: u64 = 1024 * 1024;

/// Where a credential is held.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Held {
    /// A long-term key in the credentials or config file.
    Key,
    /// A long-term key `awscheck protect` keeps in the secret store.
    ProtectedKey,
    /// A session key written into the files.
    SessionKey,
    /// `AWS_ACCESS_KEY_ID` in the environment.
    Environment,
    /// A key found only in a copy (a history, a backup, a `.env`).
    Copy,
    /// An IAM Identity Center token in `~/.aws/sso/cache`.
    SsoToken,
    /// Role or session credentials in `~/.aws/cli/cache`.
    CliSession,
    /// A program that hands out credentials (`credential_process`).
    Process,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Credential {
    pub held: Held,
    pub key_id: Option<String>,
    /// The profiles that use it.
    pub profiles: Vec<String>,
    /// `path:line` of each place it is written, the files first.
    pub places: Vec<String>,
    pub expires: Option<DateTime<Utc>>,
    /// A key that no profile on this machine holds.
    pub stray: bool,
    /// The program of a `credential_process`.
    pub program: Option<String>,
}

impl Credential {
    fn new(held: Held) -> Self {
        Credential {
            held,
            key_id: None,
            profiles: Vec::new(),
            places: Vec::new(),
            expires: None,
            stray: false,
            program: None,
        }
    }
}

/// A file of the AWS CLI's caches, as far as awscheck reads it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Cache {
    pub path: PathBuf,
    pub held: Held,
    pub key_id: Option<String>,
    pub expires: Option<DateTime<Utc>>,
}

/// Every credential of the model, the facts (environment, scan) and the caches.
pub fn inventory(model: &Model, facts: &Facts, caches: &[Cache]) -> Vec<Credential> {
    let files = |kind: FileKind| -> String {
        let path = facts
            .files
            .iter()
            .find(|file| file.kind == kind)
            .map(|file| file.path.display().to_string());
        path.unwrap_or_else(|| {
            match kind {
                FileKind::Config => "config",
                FileKind::Credentials => "credentials",
            }
            .to_string()
        })
    };
    let mut keys: BTreeMap<String, Credential> = BTreeMap::new();
    let mut found: Vec<Credential> = Vec::new();
    for profile in &model.profiles {
        let held = match profile.kind {
            CredentialKind::LongTermKey => Held::Key,
            CredentialKind::ProtectedKey => Held::ProtectedKey,
            CredentialKind::SessionKey => Held::SessionKey,
            CredentialKind::CredentialProcess => {
                let mut process = Credential::new(Held::Process);
                process.profiles.push(profile.name().to_string());
                // The program only: its arguments can hold a token.
                process.program = profile
                    .section
                    .get_named("credential_process")
                    .and_then(|line| line.split_whitespace().next())
                    .map(str::to_string);
                found.push(process);
                continue;
            }
            _ => continue,
        };
        let Some(key_id) = profile.own_key() else {
            continue;
        };
        let credential = keys.entry(key_id.to_string()).or_insert_with(|| {
            let mut credential = Credential::new(held);
            credential.key_id = Some(key_id.to_string());
            credential
        });
        credential.profiles.push(profile.name().to_string());
        for origin in &profile.section.headers {
            credential
                .places
                .push(format!("{}:{}", files(origin.file), origin.line));
        }
    }
    if let Some(key_id) = &facts.environment.access_key_id {
        let held = match facts.environment.has_session_token {
            true => Held::SessionKey,
            false => Held::Environment,
        };
        let credential = keys.entry(key_id.clone()).or_insert_with(|| {
            let mut credential = Credential::new(held);
            credential.key_id = Some(key_id.clone());
            credential
        });
        credential.places.push("environment".to_string());
    }
    if let Some(scan) = &facts.scan {
        for copy in &scan.copies {
            let credential = keys.entry(copy.key_id.clone()).or_insert_with(|| {
                let mut credential = Credential::new(Held::Copy);
                credential.key_id = Some(copy.key_id.clone());
                credential.stray = true;
                credential
            });
            let lines = copy.id_lines.iter().chain(&copy.secret_lines);
            let mut lines: Vec<usize> = lines.copied().collect();
            lines.sort_unstable();
            lines.dedup();
            match lines.is_empty() {
                true => credential.places.push(copy.path.display().to_string()),
                false => credential.places.extend(
                    lines
                        .iter()
                        .map(|line| format!("{}:{line}", copy.path.display())),
                ),
            }
        }
    }
    for cache in caches {
        let mut credential = Credential::new(cache.held);
        credential.key_id = cache.key_id.clone();
        credential.places.push(cache.path.display().to_string());
        credential.expires = cache.expires;
        found.push(credential);
    }
    let mut all: Vec<Credential> = keys.into_values().collect();
    all.sort_by_key(|credential| (credential.held, credential.stray));
    all.extend(found);
    all
}

/// The SSO and CLI cache files under `aws_dir` (`~/.aws`), with their expiry and, for CLI
/// sessions, their key ID. A file that cannot be read as the AWS CLI writes it is left out.
pub fn read_caches(aws_dir: &Path) -> Vec<Cache> {
    let mut caches = Vec::new();
    for (folder, held) in [
        ("sso/cache", Held::SsoToken),
        ("cli/cache", Held::CliSession),
    ] {
        let Ok(entries) = std::fs::read_dir(aws_dir.join(folder)) else {
            continue;
        };
        let mut paths: Vec<PathBuf> = entries.flatten().map(|entry| entry.path()).collect();
        paths.sort();
        for path in paths {
            let small_file = std::fs::metadata(&path)
                .is_ok_and(|meta| meta.is_file() && meta.len() <= CACHE_FILE_LIMIT);
            if !small_file || path.extension().is_none_or(|ext| ext != "json") {
                continue;
            }
            let Some(record) = std::fs::read(&path)
                .ok()
                .and_then(|bytes| serde_json::from_slice::<serde_json::Value>(&bytes).ok())
            else {
                continue;
            };
            let (key_id, expires) = match held {
                Held::SsoToken => (None, record["expiresAt"].as_str()),
                _ => (
                    record["Credentials"]["AccessKeyId"]
                        .as_str()
                        .map(str::to_string),
                    record["Credentials"]["Expiration"].as_str(),
                ),
            };
            caches.push(Cache {
                path,
                held,
                key_id,
                expires: expires
                    .and_then(|text| DateTime::parse_from_rfc3339(text).ok())
                    .map(|time| time.with_timezone(&Utc)),
            });
        }
    }
    caches
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::profiles::set::ProfileSet;
    use crate::scan::places::PlaceKind;
    use crate::scan::{Copy, Scan};

    const CREDENTIALS: &str = "[dev]\naws_access_key_id = AKIAEXAMPLEDEV000001\naws_secret_access_key = wJalrXUtnFEMIK7MDENGbPxRfiCYEXAMPLEKEY01\n\n[ci]\naws_access_key_id = AKIAEXAMPLEDEV000001\naws_secret_access_key = wJalrXUtnFEMIK7MDENGbPxRfiCYEXAMPLEKEY01\n\n[temp]\naws_access_key_id = ASIAEXAMPLESESSION01\naws_secret_access_key = x\naws_session_token = y\n";
    const CONFIG: &str = "[profile build]\ncredential_process = /opt/bin/creds --token s3cr3t-t0ken\n\n[profile sso]\nsso_session = corp\nsso_account_id = 111122223333\nsso_role_name = Dev\n[sso-session corp]\nsso_start_url = https://corp.awsapps.com/start\nsso_region = eu-west-1\n";

    fn facts() -> Facts {
        let mut facts = Facts::gather(
            &crate::sys::env::Env::from_pairs([("AWS_ACCESS_KEY_ID", "AKIAEXAMPLEENV000001")]),
            &[],
            Utc::now(),
        );
        facts.scan = Some(Scan {
            copies: vec![
                Copy {
                    path: PathBuf::from("/home/me/.bash_history"),
                    kind: PlaceKind::History,
                    key_id: "AKIAEXAMPLESTRAY0001".to_string(),
                    id_lines: vec![42],
                    secret_lines: vec![42],
                    secret_beside: false,
                },
                Copy {
                    path: PathBuf::from("/home/me/project/.env"),
                    kind: PlaceKind::EnvFile,
                    key_id: "AKIAEXAMPLEDEV000001".to_string(),
                    id_lines: vec![3],
                    secret_lines: vec![],
                    secret_beside: false,
                },
            ],
            ..Scan::default()
        });
        facts
    }

    #[test]
    fn every_credential_is_listed_once_with_its_profiles_and_places() {
        let set = ProfileSet::from_texts(CONFIG, CREDENTIALS).unwrap();
        let model = Model::build(&set);
        let cache = Cache {
            path: PathBuf::from("/home/me/.aws/sso/cache/abc.json"),
            held: Held::SsoToken,
            key_id: None,
            expires: None,
        };
        let all = inventory(&model, &facts(), &[cache]);
        let dev = all
            .iter()
            .find(|c| c.key_id.as_deref() == Some("AKIAEXAMPLEDEV000001"))
            .unwrap();
        assert_eq!((dev.held, dev.stray), (Held::Key, false));
        assert_eq!(dev.profiles, ["dev", "ci"]);
        assert!(
            dev.places.last().unwrap().ends_with(".env:3"),
            "{:?}",
            dev.places
        );
        let stray = all
            .iter()
            .find(|c| c.key_id.as_deref() == Some("AKIAEXAMPLESTRAY0001"))
            .unwrap();
        assert_eq!((stray.held, stray.stray), (Held::Copy, true));
        assert_eq!(stray.places, ["/home/me/.bash_history:42"]);
        let held: Vec<Held> = all.iter().map(|c| c.held).collect();
        for kind in [
            Held::SessionKey,
            Held::Environment,
            Held::Process,
            Held::SsoToken,
        ] {
            assert!(held.contains(&kind), "{kind:?} in {held:?}");
        }
        let process = all.iter().find(|c| c.held == Held::Process).unwrap();
        assert_eq!(process.program.as_deref(), Some("/opt/bin/creds"));
        let listed = format!("{all:?}");
        for secret in ["wJalrXUtnFEMIK7MDENGbPxRfiCYEXAMPLEKEY01", "s3cr3t-t0ken"] {
            assert!(!listed.contains(secret), "{listed}");
        }
    }

    #[test]
    fn caches_give_their_expiry_and_key_never_their_token() {
        let dir = tempfile::tempdir().unwrap();
        let home = dir.path().to_path_buf();
        let sso = home.join("sso/cache");
        let cli = home.join("cli/cache");
        std::fs::create_dir_all(&sso).unwrap();
        std::fs::create_dir_all(&cli).unwrap();
        std::fs::write(
            sso.join("a.json"),
            r#"{"startUrl":"https://corp.awsapps.com/start","accessToken":"sso-token-value","expiresAt":"2026-12-07T18:00:00Z"}"#,
        )
        .unwrap();
        std::fs::write(
            cli.join("b.json"),
            r#"{"Credentials":{"AccessKeyId":"ASIAEXAMPLECACHE0001","SecretAccessKey":"s","SessionToken":"t","Expiration":"2026-12-07T11:00:00+00:00"}}"#,
        )
        .unwrap();
        std::fs::write(cli.join("broken.json"), "not json").unwrap();
        let caches = read_caches(&home);
        assert_eq!(caches.len(), 2, "{caches:?}");
        assert_eq!(caches[0].held, Held::SsoToken);
        assert_eq!(
            caches[0].expires.unwrap().to_rfc3339(),
            "2026-12-07T18:00:00+00:00"
        );
        assert_eq!(caches[1].key_id.as_deref(), Some("ASIAEXAMPLECACHE0001"));
        assert!(!format!("{caches:?}").contains("sso-token-value"));
    }
}
