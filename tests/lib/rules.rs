//! Every rule against its fixture, and the catalog held to its checks.
//!
//! A fixture (`tests/fixtures/<slug>.toml`) is a small `~/.aws` (file texts, modes,
//! environment, known key ages) and the exact findings its rule must produce there: each
//! expected finding by profile, file and line, nothing more. `quiet` names profiles that must
//! stay silent, so every fixture proves the rule both fires and holds back. `$HOME` in a file
//! text or variable stands for the fixture's temporary home folder.

use awscheck::audit::catalog;
use awscheck::audit::facts::{Facts, Identity, KeyActivity, KeyCheck, Powers};
use awscheck::audit::policy::Source;
use awscheck::audit::rules::CHECKS;
use awscheck::audit::settings::Settings;
use awscheck::audit::{evaluate, Inputs, Scope};
use awscheck::input::locate::Overrides;
use awscheck::profiles::model::Model;
use awscheck::sys::env::Env;
use awscheck::sys::mask::KeyDisplay;
use chrono::{DateTime, Utc};
use serde::Deserialize;
use std::collections::{BTreeMap, BTreeSet};
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Fixture {
    now: Option<DateTime<Utc>>,
    config: Option<String>,
    credentials: Option<String>,
    #[serde(default)]
    modes: BTreeMap<String, u32>,
    #[serde(default)]
    env: BTreeMap<String, String>,
    #[serde(default)]
    first_seen: BTreeMap<String, DateTime<Utc>>,
    /// What the online audit learned about a key, by key ID.
    #[serde(default)]
    online: BTreeMap<String, OnlineKey>,
    #[serde(default)]
    executables: Vec<Executable>,
    /// Protected keys the secret store does not hold.
    #[serde(default)]
    missing_from_store: Vec<String>,
    /// Protected keys the secret store holds: key ID -> secret.
    #[serde(default)]
    stored: std::collections::HashMap<String, String>,
    /// Other files in the home folder (path relative to it -> text), for the scan.
    #[serde(default)]
    files: BTreeMap<String, String>,
    /// Folders to create in the home folder, with their modes.
    #[serde(default)]
    folders: BTreeMap<String, u32>,
    expect: Vec<Expected>,
    #[serde(default)]
    quiet: Vec<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct OnlineKey {
    /// The caller's ARN; a user ARN unless given.
    arn: Option<String>,
    /// What iam:GetLoginProfile said; absent when it could not be asked.
    console_password: Option<bool>,
    /// The user's policies and MFA devices, as the online audit reads them.
    powers: Option<FixturePowers>,
    /// The error code AWS answered with, for a rejected key.
    rejected: Option<String>,
    /// Every key of the user, this one included.
    #[serde(default)]
    keys: Vec<UserKey>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct FixturePowers {
    mfa_devices: Option<usize>,
    #[serde(default)]
    unreadable: Vec<String>,
    #[serde(default)]
    policies: Vec<FixturePolicy>,
    /// The ARNs of the user's groups (else named from the policies' `via`).
    #[serde(default)]
    groups: Vec<String>,
    /// The ARNs of the managed policies attached to the user or its groups.
    #[serde(default)]
    managed_policies: Vec<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct FixturePolicy {
    name: String,
    via: String,
    document: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct UserKey {
    id: String,
    #[serde(default = "active")]
    status: String,
    created: Option<DateTime<Utc>>,
    last_used: Option<DateTime<Utc>>,
    last_used_service: Option<String>,
}

fn active() -> String {
    "Active".to_string()
}

/// A file to create under HOME (for credential_process targets).
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Executable {
    path: String,
    mode: u32,
}

#[derive(Deserialize, Debug)]
#[serde(deny_unknown_fields)]
struct Expected {
    profile: Option<String>,
    /// `config`, `credentials`, `aws_dir`, or absent for findings without a file.
    file: Option<String>,
    line: Option<usize>,
    /// A part of the message that must be there.
    message: Option<String>,
    /// The finding's severity, when the rule sets it per finding.
    severity: Option<String>,
    /// A part of the fix that must be there.
    fix: Option<String>,
    /// A part of the fix as the report shows it, when the finding words it briefly.
    brief_fix: Option<String>,
    /// How the weekly reminder words it, when the finding has words of its own.
    reminder: Option<String>,
}

fn fixtures_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures")
}

fn run_fixture(slug: &str) {
    let path = fixtures_dir().join(format!("{slug}.toml"));
    let fixture: Fixture = toml::from_str(&std::fs::read_to_string(&path).unwrap())
        .unwrap_or_else(|error| panic!("{}: {error}", path.display()));
    let home = tempfile::tempdir().unwrap();
    let aws_dir = home.path().join(".aws");
    std::fs::create_dir(&aws_dir).unwrap();
    let home_str = home.path().to_str().unwrap().to_string();
    let mode = |name: &str, default: u32| fixture.modes.get(name).copied().unwrap_or(default);
    for (name, text) in [
        ("config", &fixture.config),
        ("credentials", &fixture.credentials),
    ] {
        if let Some(text) = text {
            let file = aws_dir.join(name);
            std::fs::write(&file, text.replace("$HOME", &home_str)).unwrap();
            std::fs::set_permissions(&file, PermissionsExt::from_mode(mode(name, 0o600))).unwrap();
        }
    }
    std::fs::set_permissions(&aws_dir, PermissionsExt::from_mode(mode("aws_dir", 0o700))).unwrap();
    for executable in &fixture.executables {
        let file = home.path().join(&executable.path);
        std::fs::create_dir_all(file.parent().unwrap()).unwrap();
        std::fs::write(&file, "#!/bin/sh\n").unwrap();
        std::fs::set_permissions(&file, PermissionsExt::from_mode(executable.mode)).unwrap();
    }

    for (folder, mode) in &fixture.folders {
        let folder = home.path().join(folder);
        std::fs::create_dir_all(&folder).unwrap();
        std::fs::set_permissions(&folder, PermissionsExt::from_mode(*mode)).unwrap();
    }
    for (name, text) in &fixture.files {
        let file = home.path().join(name);
        std::fs::create_dir_all(file.parent().unwrap()).unwrap();
        std::fs::write(&file, text).unwrap();
        if let Some(mode) = fixture.modes.get(name) {
            std::fs::set_permissions(&file, PermissionsExt::from_mode(*mode)).unwrap();
        }
    }
    let mut vars: Vec<(String, String)> = vec![("HOME".into(), home_str.clone())];
    vars.extend(
        fixture
            .env
            .iter()
            .map(|(k, v)| (k.clone(), v.replace("$HOME", &home_str))),
    );
    let env = Env::from_pairs(vars);
    let inputs = Inputs::load(&env, &Overrides::default()).unwrap();
    let set = inputs.profile_set().unwrap();
    let model = Model::build(&set);
    let now = fixture
        .now
        .unwrap_or_else(|| "2026-11-24T12:00:00Z".parse().unwrap());
    let mut facts = Facts::gather(&env, &inputs.sources(), now);
    facts.first_seen = fixture.first_seen.clone().into_iter().collect();
    facts.missing_from_store = fixture.missing_from_store.iter().cloned().collect();
    let known = awscheck::audit::known_secrets(&env, &model, &fixture.stored);
    facts.scan = Some(awscheck::scan::scan(
        &env,
        &inputs.locations,
        Some(home.path()),
        &[],
        &known,
    ));
    for (key_id, online) in &fixture.online {
        let check = match &online.rejected {
            Some(code) => KeyCheck::Rejected { code: code.clone() },
            None => {
                let user_keys: Vec<(String, KeyActivity)> = online
                    .keys
                    .iter()
                    .map(|key| {
                        let activity = KeyActivity {
                            created: key.created,
                            last_used: key.last_used,
                            last_used_service: key.last_used_service.clone(),
                            status: Some(key.status.clone()),
                            ..KeyActivity::default()
                        };
                        (key.id.clone(), activity)
                    })
                    .collect();
                facts.keys.extend(user_keys.iter().cloned());
                KeyCheck::Checked(Box::new(Identity {
                    account: "123456789012".to_string(),
                    alias: None,
                    console_password: online.console_password,
                    powers: online.powers.as_ref().map(|powers| Powers {
                        mfa_devices: powers.mfa_devices,
                        unreadable: powers.unreadable.clone(),
                        groups: powers.groups.clone(),
                        managed_policies: powers.managed_policies.clone(),
                        policies: powers
                            .policies
                            .iter()
                            .map(|p| Source {
                                name: p.name.clone(),
                                via: p.via.clone(),
                                document: p.document.clone(),
                            })
                            .collect(),
                    }),
                    arn: online
                        .arn
                        .clone()
                        .unwrap_or_else(|| "arn:aws:iam::123456789012:user/test".to_string()),
                    user_keys,
                    notes: Vec::new(),
                }))
            }
        };
        facts.checks.insert(key_id.clone(), check);
    }
    let evaluation = evaluate(
        &model,
        &facts,
        &inputs.locations,
        &Settings::default(),
        &Scope::default(),
        KeyDisplay::default(),
    );
    let findings: Vec<_> = evaluation
        .findings
        .iter()
        .filter(|f| f.slug == slug)
        .collect();

    let file_of = |name: &Option<String>| -> Option<PathBuf> {
        name.as_deref().map(|name| match name {
            "aws_dir" => aws_dir.clone(),
            other => match other.strip_prefix("~/") {
                Some(in_home) => home.path().join(in_home),
                None => aws_dir.join(other),
            },
        })
    };
    let describe = |f: &&awscheck::audit::finding::Finding| {
        let severity = f.severity.name();
        format!(
            "{:?} {:?}:{:?} {severity} {} | {}",
            f.profile, f.file, f.line, f.message, f.remediation
        )
    };
    assert_eq!(
        findings.len(),
        fixture.expect.len(),
        "{slug}: expected {:?}\ngot:\n{}",
        fixture.expect,
        findings.iter().map(describe).collect::<Vec<_>>().join("\n")
    );
    for expected in &fixture.expect {
        let matched = findings.iter().any(|f| {
            f.profile == expected.profile
                && f.file == file_of(&expected.file)
                && f.line == expected.line
                && expected
                    .message
                    .as_ref()
                    .is_none_or(|m| f.message.contains(m.as_str()))
                && expected
                    .severity
                    .as_ref()
                    .is_none_or(|s| s == f.severity.name())
                && expected
                    .fix
                    .as_ref()
                    .is_none_or(|fix| f.remediation.contains(fix.as_str()))
                && expected.brief_fix.as_ref().is_none_or(|fix| {
                    f.brief_fix
                        .as_deref()
                        .is_some_and(|brief| brief.contains(&fix.replace("$HOME", &home_str)))
                })
                && expected.reminder.as_ref().is_none_or(|words| {
                    f.reminder.as_deref() == Some(words.replace("$HOME", &home_str).as_str())
                })
        });
        assert!(
            matched,
            "{slug}: no finding like {expected:?}\ngot:\n{}",
            findings.iter().map(describe).collect::<Vec<_>>().join("\n")
        );
    }
    for profile in &fixture.quiet {
        assert!(
            set.profile(profile).is_some(),
            "{slug}: quiet profile {profile} is not in the fixture"
        );
        assert!(
            !findings
                .iter()
                .any(|f| f.profile.as_deref() == Some(profile)),
            "{slug}: {profile} must not fire"
        );
    }
}

/// Every fixture in `tests/fixtures/`, each on its own: a failing one is named, and the others
/// still run.
#[test]
fn every_fixture_gives_exactly_its_findings() {
    let mut failed = Vec::new();
    for slug in slugs_of_dir("tests/fixtures") {
        if std::panic::catch_unwind(|| run_fixture(&slug)).is_err() {
            failed.push(slug);
        }
    }
    assert!(
        failed.is_empty(),
        "fixtures that failed (see above): {failed:?}"
    );
}

fn slugs_of_dir(dir: &str) -> BTreeSet<String> {
    std::fs::read_dir(Path::new(env!("CARGO_MANIFEST_DIR")).join(dir))
        .unwrap()
        .map(|entry| entry.unwrap().path())
        .filter(|path| path.extension().is_some_and(|ext| ext == "toml"))
        .map(|path| path.file_stem().unwrap().to_str().unwrap().to_string())
        .collect()
}

#[test]
fn every_rule_file_has_a_check_and_every_check_a_rule_file() {
    let rule_files = slugs_of_dir("rules");
    let checks: BTreeSet<String> = CHECKS.iter().map(|(slug, _)| slug.to_string()).collect();
    assert_eq!(rule_files, checks, "rules/*.toml and rules::CHECKS differ");
    let catalog: BTreeSet<String> = catalog::rules()
        .iter()
        .map(|rule| rule.slug.clone())
        .collect();
    assert_eq!(
        catalog, rule_files,
        "the embedded catalog is stale: rebuild"
    );
}

#[test]
fn every_rule_has_a_fixture() {
    assert_eq!(
        slugs_of_dir("tests/fixtures"),
        slugs_of_dir("rules"),
        "tests/fixtures/*.toml and rules/*.toml differ"
    );
}

#[test]
fn catalog_entries_are_complete_and_ids_unique() {
    let mut ids = BTreeSet::new();
    for rule in catalog::rules() {
        assert!(ids.insert(rule.id.clone()), "duplicate id {}", rule.id);
        assert!(
            rule.id.starts_with("AK") && rule.id.len() == 5,
            "{}: id like AK001",
            rule.slug
        );
        for (field, text) in [
            ("title", &rule.title),
            ("summary", &rule.summary),
            ("rationale", &rule.rationale),
            ("remediation", &rule.remediation),
        ] {
            assert!(!text.trim().is_empty(), "{}: empty {field}", rule.slug);
        }
        assert!(
            !rule.references.is_empty(),
            "{}: needs at least one reference",
            rule.slug
        );
    }
}

#[test]
fn settings_override_rule_parameters() {
    let settings = Settings::parse("[rules.key-too-old]\nmax_age_days = 90\n").unwrap();
    let rule = catalog::find("AK003").unwrap();
    assert_eq!(settings.parameter(rule, "max_age_days"), Some(90));
    assert_eq!(
        Settings::default().parameter(rule, "max_age_days"),
        Some(45)
    );
    let error = Settings::parse("[rules.key-too-old]\nmax_age = 90\n").unwrap_err();
    assert_eq!(error.0, Some(2), "the line of the unknown parameter");
    assert!(error.1.contains("max_age_days"), "{}", error.1);
}
