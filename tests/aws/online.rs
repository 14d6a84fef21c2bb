//! The online audit against the project's IAM/STS emulator (moto with authentication on, so
//! unknown, deleted and inactive keys really fail).

use crate::emulator::{aws_cli_as, awscheck, home_with, Emulator, Key};
use chrono::{Duration, Utc};
use serde_json::{json, Value};
use std::path::Path;

/// Run `audit --format json` and return its document.
fn audit_json(home: &Path, endpoint: &str, extra: &[&str]) -> (Value, String) {
    let output = awscheck(home, endpoint)
        .args(["audit", "--format", "json"])
        .args(extra)
        .output()
        .unwrap();
    let stdout = String::from_utf8(output.stdout).unwrap();
    let stderr = String::from_utf8(output.stderr).unwrap();
    assert!(
        matches!(output.status.code(), Some(0 | 1)),
        "exit {:?}\n{stderr}",
        output.status.code()
    );
    (serde_json::from_str(&stdout).unwrap(), stdout + &stderr)
}

fn profile<'a>(document: &'a Value, name: &str) -> &'a Value {
    document["profiles"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["name"] == name)
        .unwrap_or_else(|| panic!("no profile {name}"))
}

fn slugs_for(document: &Value, name: &str) -> Vec<String> {
    document["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["profile"] == name)
        .map(|f| f["slug"].as_str().unwrap().to_string())
        .collect()
}

/// `aws iam ARGS` with the AWS CLI, signed by `key`: what an administrator sets up by hand.
fn aws_iam(emulator: &Emulator, key: &Key, args: &[&str]) -> String {
    let args: Vec<&str> = std::iter::once("iam").chain(args.iter().copied()).collect();
    let output = aws_cli_as(emulator, key, &args);
    assert!(output.status.success(), "{args:?}: {output:?}");
    String::from_utf8_lossy(&output.stdout).to_string()
}

fn days_ago(days: i64) -> String {
    (Utc::now() - Duration::days(days)).to_rfc3339()
}

#[test]
fn reports_key_age_and_last_use_to_the_day() {
    let emulator = Emulator::start();
    let key = emulator.create_key(json!({
        "user": "alice",
        "created": days_ago(100),
        "last_used": days_ago(60),
        "last_used_service": "s3",
        "last_used_region": "eu-west-1",
    }));
    let home = home_with(&[("dev", &key)]);
    let (document, text) = audit_json(home.path(), &emulator.url, &[]);
    let dev = profile(&document, "dev");
    assert_eq!(document["mode"], "online");
    assert_eq!(dev["key_age_days"], 100);
    assert_eq!(dev["key_age_exact"], true);
    assert_eq!(dev["last_used"]["days_ago"], 60);
    assert_eq!(dev["last_used"]["service"], "s3");
    assert_eq!(dev["last_used"]["region"], "eu-west-1");
    assert_eq!(dev["arn"], "arn:aws:iam::123456789012:user/alice");
    assert_eq!(dev["account"], "123456789012");
    assert_eq!(dev["key_status"], "Active");
    let slugs = slugs_for(&document, "dev");
    assert!(slugs.contains(&"key-too-old".to_string()), "{slugs:?}");
    assert!(slugs.contains(&"key-unused".to_string()), "{slugs:?}");
    assert!(!text.contains(&key.secret));
    assert!(
        !text.contains(&key.id),
        "full key ID shown without --show-key-ids"
    );
}

#[test]
fn fresh_and_recently_used_key_has_no_age_findings() {
    let emulator = Emulator::start();
    let key = emulator.create_key(json!({
        "user": "bob",
        "created": days_ago(10),
        "last_used": days_ago(1),
        "last_used_service": "sts",
    }));
    let home = home_with(&[("dev", &key)]);
    let (document, _) = audit_json(home.path(), &emulator.url, &[]);
    let slugs = slugs_for(&document, "dev");
    assert!(
        !slugs
            .iter()
            .any(|s| s == "key-too-old" || s == "key-unused"),
        "{slugs:?}"
    );
    assert_eq!(profile(&document, "dev")["key_age_days"], 10);
}

#[test]
fn awschecks_own_calls_do_not_make_an_unused_key_look_used() {
    let emulator = Emulator::start();
    let key = emulator.create_key(json!({
        "user": "idle",
        "created": days_ago(200),
        "last_used": days_ago(90),
        "last_used_service": "s3",
    }));
    let home = home_with(&[("idle", &key)]);
    for run in 1..=2 {
        let (document, _) = audit_json(home.path(), &emulator.url, &[]);
        let idle = profile(&document, "idle");
        assert_eq!(idle["last_used"]["days_ago"], 90, "run {run}");
        assert!(
            slugs_for(&document, "idle").contains(&"key-unused".to_string()),
            "run {run}"
        );
    }
    // The emulator, like AWS, did record awscheck's calls as the latest use.
    let record = emulator.key(&key.id);
    let recorded: chrono::DateTime<Utc> = record["last_used"].as_str().unwrap().parse().unwrap();
    assert!(Utc::now() - recorded < Duration::hours(1), "{record}");
}

#[test]
fn a_never_used_old_key_is_unused() {
    let emulator = Emulator::start();
    let key = emulator.create_key(json!({ "user": "never", "created": days_ago(50) }));
    let home = home_with(&[("never", &key)]);
    for _ in 0..2 {
        let (document, _) = audit_json(home.path(), &emulator.url, &[]);
        assert_eq!(
            profile(&document, "never")["last_used"]["date"],
            Value::Null
        );
        assert!(slugs_for(&document, "never").contains(&"key-unused".to_string()));
    }
}

#[test]
fn a_key_shared_by_profiles_is_asked_once() {
    let emulator = Emulator::start();
    let key = emulator.create_key(json!({ "user": "shared" }));
    let home = home_with(&[("one", &key), ("two", &key), ("three", &key)]);
    let (document, _) = audit_json(home.path(), &emulator.url, &[]);
    for name in ["one", "two", "three"] {
        assert_eq!(
            profile(&document, name)["arn"],
            "arn:aws:iam::123456789012:user/shared"
        );
    }
    let calls = emulator.calls();
    let count = |action: &str| calls.iter().filter(|c| c["action"] == action).count();
    assert_eq!(count("GetCallerIdentity"), 1, "{calls:?}");
    assert_eq!(count("ListAccessKeys"), 1, "{calls:?}");
    assert_eq!(count("GetAccessKeyLastUsed"), 1, "{calls:?}");
}

#[test]
fn second_active_key_elsewhere_and_inactive_keys() {
    let emulator = Emulator::start();
    let here = emulator.create_key(json!({ "user": "carol" }));
    let elsewhere = emulator.create_key(
        json!({ "user": "carol", "last_used": days_ago(2), "last_used_service": "ec2" }),
    );
    let mine = emulator.create_key(json!({ "user": "dave" }));
    emulator.create_key(json!({ "user": "dave", "status": "Inactive" }));
    let home = home_with(&[("carol", &here), ("dave", &mine)]);
    let (document, text) = audit_json(home.path(), &emulator.url, &[]);
    let carol = slugs_for(&document, "carol");
    assert!(
        carol.contains(&"multiple-active-keys".to_string()),
        "{carol:?}"
    );
    assert!(
        carol.contains(&"key-not-on-this-machine".to_string()),
        "{carol:?}"
    );
    assert!(
        !carol.contains(&"inactive-key-present".to_string()),
        "{carol:?}"
    );
    let dave = slugs_for(&document, "dave");
    assert!(
        dave.contains(&"inactive-key-present".to_string()),
        "{dave:?}"
    );
    assert!(
        !dave.contains(&"multiple-active-keys".to_string()),
        "{dave:?}"
    );
    assert!(
        !dave.contains(&"key-not-on-this-machine".to_string()),
        "{dave:?}"
    );
    assert!(!text.contains(&elsewhere.id));

    // The fix for the inactive key runs as printed, key ID masked and all, and deletes it.
    let fix = document["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["profile"] == "dave" && f["slug"] == "inactive-key-present")
        .and_then(|f| f["remediation"].as_str())
        .unwrap()
        .to_string();
    let command = fix.split('`').nth(1).unwrap();
    assert!(
        !command.contains('…') || command.contains("list-access-keys"),
        "{command}"
    );
    let pasted = std::process::Command::new("sh")
        .args(["-c", command])
        .env_clear()
        .env("HOME", home.path())
        .env("PATH", crate::emulator::path_with_aws_cli())
        .env("AWS_ENDPOINT_URL", &emulator.url)
        .env("AWS_DEFAULT_REGION", "us-east-1")
        .output()
        .unwrap();
    assert!(pasted.status.success(), "{command}\n{pasted:?}");
    assert_eq!(
        crate::emulator::user_keys(&emulator, "dave"),
        [(mine.id.clone(), "Active".to_string())]
    );
}

#[test]
fn dead_and_inactive_keys_are_rejected() {
    let emulator = Emulator::start();
    let inactive = emulator.create_key(json!({ "user": "erin", "status": "Inactive" }));
    let good = emulator.create_key(json!({ "user": "frank" }));
    let unknown = Key {
        id: "AKIAZZZZZZZZZZZZZZZZ".to_string(),
        secret: "0123456789abcdefghij0123456789abcdefghij".to_string(),
        user: String::new(),
    };
    let wrong_secret = Key {
        secret: "X".repeat(40),
        ..good.clone()
    };
    let home = home_with(&[
        ("inactive", &inactive),
        ("unknown", &unknown),
        ("good", &good),
    ]);
    let (document, _) = audit_json(home.path(), &emulator.url, &[]);
    for name in ["inactive", "unknown"] {
        assert!(
            slugs_for(&document, name).contains(&"key-rejected-by-aws".to_string()),
            "{name}"
        );
    }
    assert!(!slugs_for(&document, "good").contains(&"key-rejected-by-aws".to_string()));
    let home = home_with(&[("wrong", &wrong_secret)]);
    let (document, _) = audit_json(home.path(), &emulator.url, &[]);
    let finding = document["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["slug"] == "key-rejected-by-aws")
        .expect("wrong secret is rejected");
    assert!(
        finding["evidence"]
            .as_str()
            .unwrap()
            .contains("SignatureDoesNotMatch"),
        "{finding}"
    );
}

#[test]
fn a_root_key_is_critical() {
    let emulator = Emulator::start();
    let root = emulator.create_key(json!({ "user": "root-user", "root": true }));
    let home = home_with(&[("root", &root)]);
    let output = awscheck(home.path(), &emulator.url)
        .args(["audit", "--format", "json"])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(1));
    let document: Value = serde_json::from_slice(&output.stdout).unwrap();
    let finding = document["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["slug"] == "root-access-key")
        .expect("root finding");
    assert_eq!(finding["severity"], "critical");
    assert_eq!(
        profile(&document, "root")["arn"],
        "arn:aws:iam::123456789012:root"
    );
}

#[test]
fn access_denied_is_a_note_and_offline_findings_still_print() {
    let emulator = Emulator::start();
    let key = emulator.create_key(json!({ "user": "limited", "created": days_ago(5) }));
    emulator.fault(json!({ "action": "ListAccessKeys", "kind": "access-denied" }));
    let home = home_with(&[("default", &key)]);
    let (document, _) = audit_json(home.path(), &emulator.url, &[]);
    let row = profile(&document, "default");
    assert!(
        row["note"]
            .as_str()
            .unwrap()
            .contains("iam:ListAccessKeys denied"),
        "{row}"
    );
    assert_eq!(row["arn"], "arn:aws:iam::123456789012:user/limited");
    assert!(
        slugs_for(&document, "default").contains(&"default-profile-has-credentials".to_string())
    );
}

#[test]
fn throttling_is_retried_and_noted_when_it_persists() {
    let emulator = Emulator::start();
    let key = emulator.create_key(json!({ "user": "busy" }));
    let home = home_with(&[("busy", &key)]);
    emulator.fault(json!({ "action": "GetCallerIdentity", "kind": "throttle", "count": 1 }));
    let (document, _) = audit_json(home.path(), &emulator.url, &[]);
    assert_eq!(
        profile(&document, "busy")["note"],
        Value::Null,
        "one throttle is retried"
    );
    assert_eq!(
        profile(&document, "busy")["arn"],
        "arn:aws:iam::123456789012:user/busy"
    );
    emulator.fault(json!({ "action": "GetCallerIdentity", "kind": "throttle" }));
    let (document, _) = audit_json(home.path(), &emulator.url, &[]);
    let note = profile(&document, "busy")["note"]
        .as_str()
        .unwrap()
        .to_string();
    assert!(note.contains("throttled"), "{note}");
}

#[test]
fn a_hang_costs_at_most_the_time_limit() {
    let emulator = Emulator::start();
    let key = emulator.create_key(json!({ "user": "slow" }));
    emulator.fault(json!({ "action": "GetCallerIdentity", "kind": "hang" }));
    let home = home_with(&[("slow", &key)]);
    let started = std::time::Instant::now();
    let (document, _) = audit_json(home.path(), &emulator.url, &["--timeout", "2"]);
    // The bound is the product's promise (the time limit), with room for process start-up.
    assert!(
        started.elapsed() < std::time::Duration::from_secs(12),
        "{:?}",
        started.elapsed()
    );
    let note = profile(&document, "slow")["note"]
        .as_str()
        .unwrap()
        .to_string();
    assert!(note.contains("2 s") || note.contains("timed out"), "{note}");
}

#[test]
fn a_closed_port_is_a_note() {
    let key = Key {
        id: "AKIAZZZEXAMPLE000001".to_string(),
        secret: "0123456789abcdefghij0123456789abcdefghij".to_string(),
        user: String::new(),
    };
    let home = home_with(&[("dev", &key)]);
    // Port 9 (discard) on loopback: nothing listens there in a test sandbox.
    let (document, text) = audit_json(home.path(), "http://127.0.0.1:9", &["--timeout", "3"]);
    let note = profile(&document, "dev")["note"]
        .as_str()
        .unwrap()
        .to_string();
    assert!(
        note.contains("could not reach AWS") || note.contains("timed out"),
        "{note}"
    );
    assert!(slugs_for(&document, "dev").contains(&"long-term-key".to_string()));
    assert!(!text.contains(&key.secret));
}

#[test]
fn offline_makes_no_calls() {
    let emulator = Emulator::start();
    let key = emulator.create_key(json!({ "user": "quiet" }));
    let home = home_with(&[("dev", &key)]);
    let (document, _) = audit_json(home.path(), &emulator.url, &["--offline"]);
    assert_eq!(document["mode"], "offline");
    assert!(emulator.calls().is_empty());
}

#[test]
fn many_keys_are_checked_concurrently_within_limits() {
    let emulator = Emulator::start();
    let keys: Vec<Key> = (0..12)
        .map(|i| emulator.create_key(json!({ "user": format!("u{i}") })))
        .collect();
    let names: Vec<String> = (0..12).map(|i| format!("p{i}")).collect();
    let profiles: Vec<(&str, &Key)> = names.iter().map(String::as_str).zip(keys.iter()).collect();
    let home = home_with(&profiles);
    let (document, _) = audit_json(home.path(), &emulator.url, &["--jobs", "4"]);
    for (i, name) in names.iter().enumerate() {
        assert_eq!(
            profile(&document, name)["arn"],
            format!("arn:aws:iam::123456789012:user/u{i}")
        );
    }
}

/// What the binary prints on a terminal (`script` gives it one), stdout and stderr together.
fn on_a_terminal(home: &Path, endpoint: &str, args: &str) -> String {
    let binary = assert_cmd::cargo::cargo_bin("awscheck");
    let output = std::process::Command::new("script")
        .args(["-qec", &format!("{} {args}", binary.display()), "/dev/null"])
        .env_clear()
        .env("HOME", home)
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .env("AWS_ENDPOINT_URL", endpoint)
        .env("AWS_EC2_METADATA_DISABLED", "true")
        .env("TERM", "dumb")
        .stdin(std::process::Stdio::null())
        .output()
        .unwrap();
    String::from_utf8_lossy(&output.stdout).to_string()
}

#[test]
fn a_slow_online_audit_shows_its_progress_on_a_terminal_only() {
    let emulator = Emulator::start();
    let key = emulator.create_key(json!({ "user": "slow" }));
    let home = home_with(&[("dev", &key)]);
    // The key's first call alone takes longer than the second before progress shows.
    emulator.latency(1500);
    let table = on_a_terminal(home.path(), &emulator.url, "audit");
    assert!(table.contains("0 of 1 keys checked"), "{table}");
    let json = on_a_terminal(home.path(), &emulator.url, "audit --format json");
    assert!(!json.contains("keys checked"), "{json}");
    // Off a terminal, nothing.
    let (_, text) = audit_json(home.path(), &emulator.url, &[]);
    assert!(!text.contains("keys checked"));
}

#[test]
fn every_profile_names_its_account_and_alias() {
    let emulator = Emulator::start();
    let key = emulator.create_key(json!({ "user": "accounts" }));
    let home = home_with(&[("dev", &key)]);
    std::fs::write(
        home.path().join(".aws/config"),
        "[profile admin]\nrole_arn = arn:aws:iam::444455556666:role/Admin\nsource_profile = dev\n\
         [profile team-210987654321]\nregion = eu-west-1\n",
    )
    .unwrap();
    // The account gets an alias, as an administrator would give it.
    aws_iam(
        &emulator,
        &key,
        &["create-account-alias", "--account-alias", "corp-dev"],
    );
    let (document, _) = audit_json(home.path(), &emulator.url, &[]);
    let dev = profile(&document, "dev");
    assert_eq!(dev["account"], "123456789012");
    assert_eq!(dev["account_alias"], "corp-dev");
    // Offline facts name the role's account; a name that looks like an account names none.
    assert_eq!(profile(&document, "admin")["account"], "444455556666");
    assert!(profile(&document, "team-210987654321")["account"].is_null());
    let table = awscheck(home.path(), &emulator.url)
        .env("COLUMNS", "200")
        .args(["audit"])
        .output()
        .unwrap();
    let table = String::from_utf8_lossy(&table.stdout).to_string();
    assert!(table.contains("corp-dev (123456789012)"), "{table}");
}

#[test]
fn a_user_with_a_console_password_and_a_key_is_reported() {
    let emulator = Emulator::start();
    let person = emulator.create_key(json!({ "user": "alice" }));
    let bot = emulator.create_key(json!({ "user": "ci-bot" }));
    let home = home_with(&[("alice", &person), ("bot", &bot)]);
    aws_iam(
        &emulator,
        &person,
        &[
            "create-login-profile",
            "--user-name",
            "alice",
            "--password",
            "Correct-Horse-Battery-9",
        ],
    );
    let (document, text) = audit_json(home.path(), &emulator.url, &[]);
    assert!(slugs_for(&document, "alice").contains(&"user-has-password-and-key".to_string()));
    assert!(!slugs_for(&document, "bot").contains(&"user-has-password-and-key".to_string()));
    assert!(!text.contains("Correct-Horse"));
    // Without the permission to ask, it is a note, never a false "no password".
    emulator.fault(json!({ "action": "GetLoginProfile", "kind": "access-denied" }));
    let (document, _) = audit_json(home.path(), &emulator.url, &[]);
    assert!(!slugs_for(&document, "alice").contains(&"user-has-password-and-key".to_string()));
    let note = profile(&document, "alice")["note"]
        .as_str()
        .unwrap_or_default()
        .to_string();
    assert!(note.contains("iam:GetLoginProfile"), "{note}");
}

#[test]
fn admin_rights_and_mfa_protection_come_from_the_users_policies() {
    let emulator = Emulator::start();
    let read_only = json!({ "Version": "2012-10-17", "Statement": [
        { "Effect": "Allow", "Action": ["iam:Get*", "iam:List*", "sts:*", "s3:Get*"], "Resource": "*" }
    ]});
    let reader = emulator.create_key(json!({ "user": "reader" }));
    emulator.control(
        "POST",
        "users",
        Some(json!({ "user": "reader", "policy": read_only })),
    );
    let ops = emulator.create_key(json!({ "user": "ops" }));
    emulator.control(
        "POST",
        "users",
        Some(json!({ "user": "ops", "policy": read_only })),
    );
    // An administrator puts ops in a group whose inline policy allows everything.
    let boss = emulator.create_key(json!({ "user": "boss" }));
    let aws = |args: &[&str]| aws_iam(&emulator, &boss, args);
    aws(&["create-group", "--group-name", "Admins"]);
    aws(&[
        "put-group-policy",
        "--group-name",
        "Admins",
        "--policy-name",
        "everything",
        "--policy-document",
        r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"*","Resource":"*"}]}"#,
    ]);
    aws(&[
        "add-user-to-group",
        "--group-name",
        "Admins",
        "--user-name",
        "ops",
    ]);
    let home = home_with(&[("reader", &reader), ("ops", &ops)]);
    let (document, text) = audit_json(home.path(), &emulator.url, &[]);
    let finding = |profile: &str, slug: &str| {
        document["findings"]
            .as_array()
            .unwrap()
            .iter()
            .find(|f| f["profile"] == profile && f["slug"] == slug)
            .cloned()
    };
    let admin = finding("ops", "key-has-admin-access").expect("ops is an admin");
    assert!(
        admin["evidence"]
            .as_str()
            .unwrap()
            .contains("everything (inline in group Admins)"),
        "{admin}"
    );
    assert!(
        finding("reader", "key-has-admin-access").is_none(),
        "{text}"
    );
    let mfa = finding("reader", "key-without-mfa-protection").expect("no MFA device");
    assert!(mfa["message"].as_str().unwrap().contains("no MFA device"));

    // The key may not list its own attached policies: a note, and no false "no admin".
    emulator.fault(json!({ "action": "ListAttachedUserPolicies", "kind": "access-denied" }));
    let (document, _) = audit_json(home.path(), &emulator.url, &[]);
    let note = profile(&document, "ops")["note"]
        .as_str()
        .unwrap_or_default()
        .to_string();
    assert!(note.contains("iam:ListAttachedUserPolicies"), "{note}");
    assert!(slugs_for(&document, "ops").contains(&"key-has-admin-access".to_string()));
}

#[test]
fn aws_managed_administrator_access_through_a_group_and_mfa_enforced() {
    let emulator = Emulator::start();
    let read_only = json!({ "Version": "2012-10-17", "Statement": [
        { "Effect": "Allow", "Action": ["iam:Get*", "iam:List*", "sts:*"], "Resource": "*" }
    ]});
    let admin = emulator.create_key(json!({ "user": "admin" }));
    emulator.control(
        "POST",
        "users",
        Some(json!({ "user": "admin", "policy": read_only })),
    );
    let iam_only = emulator.create_key(json!({ "user": "iam-only" }));
    let iam_all = json!({ "Version": "2012-10-17", "Statement": [
        { "Effect": "Allow", "Action": ["iam:*", "sts:*"], "Resource": "*" }
    ]});
    emulator.control(
        "POST",
        "users",
        Some(json!({ "user": "iam-only", "policy": iam_all })),
    );
    let boss = emulator.create_key(json!({ "user": "boss" }));
    let aws = |args: &[&str]| aws_iam(&emulator, &boss, args);
    aws(&["create-group", "--group-name", "Admins"]);
    aws(&[
        "attach-group-policy",
        "--group-name",
        "Admins",
        "--policy-arn",
        "arn:aws:iam::aws:policy/AdministratorAccess",
    ]);
    aws(&[
        "add-user-to-group",
        "--group-name",
        "Admins",
        "--user-name",
        "admin",
    ]);
    let device = aws(&[
        "create-virtual-mfa-device",
        "--virtual-mfa-device-name",
        "admin",
        "--outfile",
        "/dev/null",
        "--bootstrap-method",
        "Base32StringSeed",
        "--query",
        "VirtualMFADevice.SerialNumber",
        "--output",
        "text",
    ]);
    aws(&[
        "enable-mfa-device",
        "--user-name",
        "admin",
        "--serial-number",
        device.trim(),
        "--authentication-code1",
        "123456",
        "--authentication-code2",
        "654321",
    ]);
    // The standard guard, in a group of its own so the user's own reading stays allowed.
    aws(&["create-group", "--group-name", "ForceMFA"]);
    aws(&[
        "put-group-policy",
        "--group-name",
        "ForceMFA",
        "--policy-name",
        "deny-without-mfa",
        "--policy-document",
        r#"{"Version":"2012-10-17","Statement":[{"Effect":"Deny","NotAction":["iam:*","sts:*"],"Resource":"*","Condition":{"BoolIfExists":{"aws:MultiFactorAuthPresent":"false"}}}]}"#,
    ]);
    aws(&[
        "add-user-to-group",
        "--group-name",
        "ForceMFA",
        "--user-name",
        "admin",
    ]);
    let home = home_with(&[("admin", &admin), ("iam-only", &iam_only)]);
    let (document, text) = audit_json(home.path(), &emulator.url, &[]);
    let evidence = |profile: &str, slug: &str| {
        document["findings"]
            .as_array()
            .unwrap()
            .iter()
            .find(|f| f["profile"] == profile && f["slug"] == slug)
            .map(|f| format!("{} / {}", f["message"], f["evidence"]))
    };
    let admin_finding =
        evidence("admin", "key-has-admin-access").unwrap_or_else(|| panic!("{text}"));
    assert!(
        admin_finding.contains("AdministratorAccess (through group Admins)"),
        "{admin_finding}"
    );
    assert_eq!(
        evidence("admin", "key-without-mfa-protection"),
        None,
        "{text}"
    );
    let iam = evidence("iam-only", "key-has-admin-access").unwrap_or_else(|| panic!("{text}"));
    assert!(iam.contains("has all of IAM"), "{iam}");
    assert!(evidence("iam-only", "key-without-mfa-protection").is_some());
}

#[test]
fn every_class_of_path_to_admin_is_named_through_the_emulator() {
    let emulator = Emulator::start();
    // Every user may read its own policies, as the audit needs, and has one more statement.
    let with = |statement: serde_json::Value| {
        json!({ "Version": "2012-10-17", "Statement": [
            { "Effect": "Allow", "Action": ["iam:Get*", "iam:List*", "sts:GetCallerIdentity"], "Resource": "*" },
            statement
        ]})
    };
    let users = [
        // Writes admin into its own group.
        (
            "grouper",
            with(
                json!({ "Effect": "Allow", "Action": "iam:PutGroupPolicy", "Resource": "arn:aws:iam::*:group/Deployers" }),
            ),
        ),
        // Starts an instance under any role.
        (
            "launcher",
            with(
                json!({ "Effect": "Allow", "Action": ["iam:PassRole", "ec2:RunInstances"], "Resource": "*" }),
            ),
        ),
        // Attaches any policy to itself, through the user name variable.
        (
            "selfish",
            with(
                json!({ "Effect": "Allow", "Action": "iam:AttachUserPolicy", "Resource": "arn:aws:iam::*:user/${aws:username}" }),
            ),
        ),
        // Everything, but only from the office: a copy elsewhere can do nothing.
        (
            "office",
            with(
                json!({ "Effect": "Allow", "Action": "*", "Resource": "*", "Condition": { "IpAddress": { "aws:SourceIp": "203.0.113.0/24" } } }),
            ),
        ),
        // A power user: no IAM, but the code of every Lambda function.
        (
            "power",
            with(
                json!({ "Effect": "Allow", "NotAction": ["iam:*", "organizations:*"], "Resource": "*" }),
            ),
        ),
    ];
    let mut keys = Vec::new();
    for (user, policy) in &users {
        let key = emulator.create_key(json!({ "user": user }));
        emulator.control(
            "POST",
            "users",
            Some(json!({ "user": user, "policy": policy })),
        );
        keys.push((*user, key));
    }
    let boss = emulator.create_key(json!({ "user": "boss" }));
    aws_iam(
        &emulator,
        &boss,
        &["create-group", "--group-name", "Deployers"],
    );
    aws_iam(
        &emulator,
        &boss,
        &[
            "add-user-to-group",
            "--group-name",
            "Deployers",
            "--user-name",
            "grouper",
        ],
    );
    let profiles: Vec<(&str, &_)> = keys.iter().map(|(user, key)| (*user, key)).collect();
    let home = home_with(&profiles);
    let (document, text) = audit_json(home.path(), &emulator.url, &[]);
    let message = |profile: &str, slug: &str| {
        document["findings"]
            .as_array()
            .unwrap()
            .iter()
            .find(|f| f["profile"] == profile && f["slug"] == slug)
            .map(|f| f["message"].as_str().unwrap().to_string())
    };
    for (profile, says) in [
        ("grouper", "can write an admin policy into its own group Deployers (iam:PutGroupPolicy)"),
        ("launcher", "can start an EC2 instance under any role and use its credentials (iam:PassRole, ec2:RunInstances)"),
        ("selfish", "can attach any policy to itself (iam:AttachUserPolicy)"),
    ] {
        let found = message(profile, "key-has-admin-access").unwrap_or_else(|| panic!("{profile}: {text}"));
        assert!(found.contains(says), "{found}");
    }
    assert_eq!(message("office", "key-has-admin-access"), None, "{text}");
    let takeover =
        message("power", "key-can-take-over-compute").unwrap_or_else(|| panic!("{text}"));
    assert!(takeover.contains("lambda:UpdateFunctionCode"), "{takeover}");
    assert_eq!(message("power", "key-has-admin-access"), None, "{text}");
}
