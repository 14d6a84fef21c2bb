//! What is known about the machine, beyond the files' text: file modes, credentials in the
//! environment, and what awscheck knows of each key's age and use.
//!
//! Offline facts come from the filesystem and the environment only. `keys` is filled by the
//! online audit from IAM; until then ages come from awscheck's first-seen record.

use crate::input::source::SourceFile;
use crate::parse::origin::FileKind;
use crate::sys::env::Env;
use chrono::{DateTime, Utc};
use rustc_hash::FxHashMap;
use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::os::unix::fs::PermissionsExt;
use std::path::PathBuf;

/// The credential variables that override every profile.
pub const CREDENTIAL_VARIABLES: [&str; 4] = [
    "AWS_ACCESS_KEY_ID",
    "AWS_SECRET_ACCESS_KEY",
    "AWS_SESSION_TOKEN",
    "AWS_SECURITY_TOKEN",
];

#[derive(Clone, Debug, Default)]
pub struct EnvironmentCredentials {
    /// The credential variables that are set, in [`CREDENTIAL_VARIABLES`] order.
    pub variables: Vec<&'static str>,
    pub access_key_id: Option<String>,
    pub has_session_token: bool,
}

impl EnvironmentCredentials {
    pub fn from_env(env: &Env) -> Self {
        let variables: Vec<&'static str> = CREDENTIAL_VARIABLES
            .into_iter()
            .filter(|name| env.get(name).is_some())
            .collect();
        EnvironmentCredentials {
            access_key_id: env.get("AWS_ACCESS_KEY_ID").map(str::to_string),
            has_session_token: env.get("AWS_SESSION_TOKEN").is_some()
                || env.get("AWS_SECURITY_TOKEN").is_some(),
            variables,
        }
    }
}

/// Permissions of one shared file and the folder holding it.
#[derive(Clone, Debug)]
pub struct FileFacts {
    pub kind: FileKind,
    pub path: PathBuf,
    pub mode: u32,
    pub dir: PathBuf,
    pub dir_mode: Option<u32>,
}

/// What IAM says about one key (filled by the online audit).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct KeyActivity {
    pub created: Option<DateTime<Utc>>,
    /// Last genuine use: awscheck's own calls are already discounted.
    pub last_used: Option<DateTime<Utc>>,
    pub last_used_service: Option<String>,
    pub last_used_region: Option<String>,
    /// `Active` or `Inactive`, as IAM spells it.
    pub status: Option<String>,
}

impl KeyActivity {
    pub fn is_active(&self) -> bool {
        self.status.as_deref() == Some("Active")
    }
}

/// Who a key belongs to and what else that user holds, from STS and IAM.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Identity {
    pub account: String,
    /// The account's alias (`iam:ListAccountAliases`), when it has one and the key may ask.
    pub alias: Option<String>,
    /// Whether the key's user has a console password; `None` when that could not be told.
    pub console_password: Option<bool>,
    /// The user's policies and MFA devices, as far as the key may read them (users only).
    pub powers: Option<Powers>,
    pub arn: String,
    /// Every access key of the key's user, this one included, by key ID.
    pub user_keys: Vec<(String, KeyActivity)>,
    /// Calls that failed without making the whole check fail (e.g. AccessDenied on one call).
    pub notes: Vec<String>,
}

/// What the key's IAM user may do, as far as the key could read it.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Powers {
    /// Every policy of the user and of its groups, with where it comes from.
    pub policies: Vec<crate::audit::policy::Source>,
    /// What could not be read, and the permission it takes: "inline policies
    /// (iam:ListUserPolicies)". An answer with these is a partial answer.
    pub unreadable: Vec<String>,
    /// How many MFA devices the user has; `None` when that could not be read.
    pub mfa_devices: Option<usize>,
    /// The ARNs of the user's groups.
    pub groups: Vec<String>,
    /// The ARNs of the managed policies attached to the user or its groups.
    pub managed_policies: Vec<String>,
}

impl Powers {
    /// What a copy of the key of `arn` can do, by these policies.
    pub fn assessment(&self, arn: &str) -> crate::audit::policy::Assessment {
        crate::audit::policy::assess(&self.policies, &self.principal(arn))
    }

    /// Who the key of `arn` is, for the policy verdict: its user, groups and managed policies.
    /// A group known only by name, from a policy that came through it, gets the ARN a group
    /// without a path has.
    fn principal(&self, arn: &str) -> crate::audit::policy::Principal {
        let mut groups = self.groups.clone();
        let account = arn.split_once(":user/").map(|(account, _)| account);
        for source in &self.policies {
            let via = source.via.as_str();
            let named = via
                .strip_prefix("through group ")
                .or_else(|| via.strip_prefix("inline in group "));
            if let (Some(name), Some(account)) = (named, account) {
                let known = groups.iter().any(|g| g.rsplit('/').next() == Some(name));
                if !known {
                    groups.push(format!("{account}:group/{name}"));
                }
            }
        }
        crate::audit::policy::Principal {
            arn: arn.to_string(),
            groups,
            policies: self.managed_policies.clone(),
        }
    }
}

impl Identity {
    /// Root's ARN is `arn:PARTITION:iam::ACCOUNT:root`.
    pub fn is_root(&self) -> bool {
        self.arn.ends_with(":root")
    }
}

/// How asking AWS about one key went.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum KeyCheck {
    /// Boxed: an identity with its policies is many times the size of the other answers.
    Checked(Box<Identity>),
    /// AWS does not know the key (InvalidClientTokenId) or the secret is wrong.
    Rejected { code: String },
    /// No answer: network, time limit, throttling, permissions. The note says which.
    Failed { note: String },
}

/// How old a key is, and whether that is exact (IAM) or a lower bound (first seen here).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct KeyAge {
    pub days: i64,
    pub exact: bool,
}

impl KeyAge {
    pub fn describe(self) -> String {
        let unit = if self.days == 1 { "day" } else { "days" };
        if self.exact {
            format!("{} {unit}", self.days)
        } else {
            format!("at least {} {unit}", self.days)
        }
    }
}

#[derive(Clone, Debug)]
pub struct Facts {
    pub now: DateTime<Utc>,
    pub environment: EnvironmentCredentials,
    pub files: Vec<FileFacts>,
    /// When awscheck first saw each key ID. Hashed, not sorted as on disk: every profile
    /// with a key looks its key up here, several times on a large setup.
    pub first_seen: FxHashMap<String, DateTime<Utc>>,
    pub keys: HashMap<String, KeyActivity>,
    /// The online audit's answer for each long-term key it asked about.
    pub checks: HashMap<String, KeyCheck>,
    /// Why a profile was not checked online, or what went wrong when it was.
    pub notes: BTreeMap<String, String>,
    pub home: Option<PathBuf>,
    /// Directories of `PATH`, where a credential_process named without a path is found.
    pub search_path: Vec<PathBuf>,
    /// Protected keys (`awscheck protect`) the secret store says it does not hold.
    pub missing_from_store: BTreeSet<String>,
    /// Copies of keys outside the two files, and exposed caches; `None` when not scanned.
    pub scan: Option<crate::scan::Scan>,
}

impl Facts {
    pub fn gather(env: &Env, sources: &[&SourceFile], now: DateTime<Utc>) -> Self {
        Facts {
            now,
            environment: EnvironmentCredentials::from_env(env),
            files: sources
                .iter()
                .filter_map(|source| file_facts(source))
                .collect(),
            first_seen: FxHashMap::default(),
            keys: HashMap::new(),
            checks: HashMap::new(),
            notes: BTreeMap::new(),
            home: crate::sys::env::home_dir(env),
            search_path: env
                .get("PATH")
                .map(|path| std::env::split_paths(path).collect())
                .unwrap_or_default(),
            missing_from_store: BTreeSet::new(),
            scan: None,
        }
    }

    /// The identity behind a key, when the online audit reached it.
    pub fn identity(&self, key_id: &str) -> Option<&Identity> {
        match self.checks.get(key_id) {
            Some(KeyCheck::Checked(identity)) => Some(&**identity),
            _ => None,
        }
    }

    /// IAM's creation date when the online audit has it, else when awscheck first saw the key.
    pub fn key_age(&self, key_id: &str) -> Option<KeyAge> {
        let (since, exact) = match self.keys.get(key_id).and_then(|key| key.created) {
            Some(created) => (created, true),
            None => (*self.first_seen.get(key_id)?, false),
        };
        Some(KeyAge {
            days: (self.now - since).num_days().max(0),
            exact,
        })
    }
}

fn file_facts(source: &SourceFile) -> Option<FileFacts> {
    // Permissions that matter are the target's: a symlinked file is as open as what it points to.
    let mode = std::fs::metadata(&source.path).ok()?.permissions().mode() & 0o7777;
    let dir = source
        .path
        .parent()
        .filter(|parent| !parent.as_os_str().is_empty())
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from("."));
    let dir_mode = std::fs::metadata(&dir)
        .ok()
        .map(|m| m.permissions().mode() & 0o7777);
    Some(FileFacts {
        kind: source.kind,
        path: source.path.clone(),
        mode,
        dir,
        dir_mode,
    })
}
