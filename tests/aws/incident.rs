//! `awscheck incident` against the emulator's CloudTrail history: a machine with no foreign
//! use, one key of three used from elsewhere, a stray key in a shell history, and a key that
//! may not read CloudTrail.

use crate::emulator::{awscheck, home_with, Emulator, Key};
use chrono::{Duration, Utc};
use serde_json::{json, Value};
use std::path::Path;

struct Run {
    code: Option<i32>,
    text: String,
    stderr: String,
}

fn incident(home: &Path, emulator: &Emulator, extra: &[&str]) -> Run {
    let output = awscheck(home, &emulator.url)
        .current_dir(home)
        .env("COLUMNS", "100")
        .arg("incident")
        .args(extra)
        .output()
        .unwrap();
    Run {
        code: output.status.code(),
        text: String::from_utf8(output.stdout).unwrap(),
        stderr: String::from_utf8(output.stderr).unwrap(),
    }
}

fn json_of(home: &Path, emulator: &Emulator) -> (Option<i32>, Value, String) {
    let run = incident(home, emulator, &["--format", "json"]);
    let document = serde_json::from_str(&run.text)
        .unwrap_or_else(|e| panic!("{e}: {}\n{}", run.text, run.stderr));
    (run.code, document, run.text + &run.stderr)
}

/// Calls from an attacker's machine: a scanner trying what the key may do.
fn attack(emulator: &Emulator, key_id: &str) {
    let start = Utc::now() - Duration::hours(3);
    for (minute, name, source, error) in [
        (0, "GetCallerIdentity", "sts", None),
        (1, "ListUsers", "iam", Some("AccessDenied")),
        (1, "ListRoles", "iam", Some("AccessDenied")),
        (2, "ListBuckets", "s3", Some("AccessDenied")),
        (2, "DescribeInstances", "ec2", Some("AccessDenied")),
        (3, "ListSecrets", "secretsmanager", Some("AccessDenied")),
    ] {
        let time = (start + Duration::minutes(minute)).format("%Y-%m-%dT%H:%M:%SZ");
        emulator.control(
            "POST",
            "events",
            Some(json!({
                "access_key_id": key_id,
                "event_name": name,
                "event_source": format!("{source}.amazonaws.com"),
                "time": time.to_string(),
                "source_ip": "203.0.113.66",
                "user_agent": "TruffleHog",
                "error_code": error,
            })),
        );
    }
}

/// The machine's own ordinary use, as the AWS CLI would sign it.
fn own_use(emulator: &Emulator, key_id: &str) {
    emulator.control(
        "POST",
        "events",
        Some(json!({
            "access_key_id": key_id,
            "event_name": "ListBuckets",
            "event_source": "s3.amazonaws.com",
            "time": (Utc::now() - Duration::days(1)).format("%Y-%m-%dT%H:%M:%SZ").to_string(),
            "source_ip": "192.0.2.10",
            "user_agent": "aws-cli/2.15.0 Python/3.11.6 Linux/6.5.0",
        })),
    );
}

fn three_keys(emulator: &Emulator) -> Vec<Key> {
    ["alice", "bob", "carol"]
        .iter()
        .map(|user| emulator.create_key(json!({ "user": user })))
        .collect()
}

fn assert_no_secret(text: &str, keys: &[&Key]) {
    for key in keys {
        assert!(!text.contains(&key.secret), "a secret was printed:\n{text}");
        assert!(
            !text.contains(&key.id),
            "a full key ID was printed:\n{text}"
        );
    }
}

fn key_use<'a>(document: &'a Value, profile: &str) -> &'a Value {
    document["keys"]
        .as_array()
        .unwrap()
        .iter()
        .find(|k| {
            k["profiles"]
                .as_array()
                .unwrap()
                .iter()
                .any(|p| p == profile)
        })
        .unwrap_or_else(|| panic!("no key of {profile}: {document}"))
}

#[test]
fn a_machine_with_only_its_own_use_exits_0() {
    let emulator = Emulator::start();
    let keys = three_keys(&emulator);
    for key in &keys {
        own_use(&emulator, &key.id);
    }
    let home = home_with(&[("dev", &keys[0]), ("ci", &keys[1]), ("ops", &keys[2])]);
    let run = incident(home.path(), &emulator, &[]);
    assert_eq!(run.code, Some(0), "{}\n{}", run.text, run.stderr);
    assert!(
        run.text
            .contains("None of the 3 keys shows use unlike this machine's own."),
        "{}",
        run.text
    );
    assert!(run.text.contains("192.0.2.10 · 1 call"), "{}", run.text);
    assert!(run.text.contains("\"like\" proves nothing"), "{}", run.text);
    assert_no_secret(&(run.text + &run.stderr), &keys.iter().collect::<Vec<_>>());
}

#[test]
fn one_key_of_three_used_from_elsewhere_is_flagged_and_the_others_are_not() {
    let emulator = Emulator::start();
    let keys = three_keys(&emulator);
    for key in &keys {
        own_use(&emulator, &key.id);
    }
    attack(&emulator, &keys[1].id);
    let home = home_with(&[("dev", &keys[0]), ("ci", &keys[1]), ("ops", &keys[2])]);
    let (code, document, text) = json_of(home.path(), &emulator);
    assert_eq!(code, Some(1), "{text}");
    assert_no_secret(&text, &keys.iter().collect::<Vec<_>>());
    let ci = key_use(&document, "ci");
    assert_eq!(ci["unlike_own_use"], true);
    // The emulator's users may do anything: what a copy of the key can do is said.
    assert!(
        ci["can_do"]
            .as_str()
            .is_some_and(|can| can.starts_with("admin (")),
        "{ci}"
    );
    assert_eq!(ci["owner"], "arn:aws:iam::123456789012:user/bob");
    let attacker = &ci["groups"][0];
    assert_eq!(attacker["source_ip"], "203.0.113.66");
    assert_eq!(
        (attacker["calls"].as_u64(), attacker["denied"].as_u64()),
        (Some(6), Some(5))
    );
    let unlike = attacker["unlike"].to_string();
    for hint in ["key scanner", "5 calls refused", "reads across"] {
        assert!(unlike.contains(hint), "{hint}: {unlike}");
    }
    for profile in ["dev", "ops"] {
        assert_eq!(
            key_use(&document, profile)["unlike_own_use"],
            false,
            "{profile}"
        );
    }
    assert_eq!(
        document["verdict"]["unlike_own_use"]
            .as_array()
            .unwrap()
            .len(),
        1
    );
    assert_eq!(document["verdict"]["unread"], json!([]));

    let run = incident(home.path(), &emulator, &[]);
    assert_eq!(run.code, Some(1));
    assert!(
        run.text
            .contains("1 of 3 keys shows use unlike this machine's own"),
        "{}",
        run.text
    );
    assert!(
        run.text
            .contains("Contain it: `awscheck incident --contain`"),
        "{}",
        run.text
    );
}

#[test]
fn a_stray_key_in_a_shell_history_is_looked_up_through_a_key_of_its_account() {
    let emulator = Emulator::start();
    let dev = emulator.create_key(json!({ "user": "alice" }));
    let stray = emulator.create_key(json!({ "user": "old-ci" }));
    attack(&emulator, &stray.id);
    let home = home_with(&[("dev", &dev)]);
    std::fs::write(
        home.path().join(".bash_history"),
        format!(
            "ls\nexport AWS_ACCESS_KEY_ID={} AWS_SECRET_ACCESS_KEY={}\n",
            stray.id, stray.secret
        ),
    )
    .unwrap();
    let run = incident(home.path(), &emulator, &[]);
    assert_eq!(run.code, Some(1), "{}\n{}", run.text, run.stderr);
    assert_no_secret(&(run.text.clone() + &run.stderr), &[&dev, &stray]);
    assert!(
        run.text.contains("stray, in ~/.bash_history:2"),
        "{}",
        run.text
    );
    assert!(run.text.contains("1 stray key in a copy"), "{}", run.text);
    assert!(run.text.contains("account 123456789012"), "{}", run.text);
    assert!(run.text.contains("key scanner"), "{}", run.text);
    assert!(
        run.text
            .contains("Contain it: `awscheck incident --contain`"),
        "{}",
        run.text
    );

    // Deeper than the fixed list, the deep scan finds another copy of it.
    let deploy = home.path().join("work/old/deploy.env");
    std::fs::create_dir_all(deploy.parent().unwrap()).unwrap();
    std::fs::write(
        &deploy,
        format!(
            "AWS_SECRET_ACCESS_KEY={}
AWS_ACCESS_KEY_ID={}
",
            stray.secret, stray.id
        ),
    )
    .unwrap();
    assert!(!run.text.contains("deploy.env"), "{}", run.text);
    let deep = incident(home.path(), &emulator, &["--deep"]);
    assert_eq!(deep.code, Some(1), "{}\n{}", deep.text, deep.stderr);
    assert!(
        deep.text.contains("~/work/old/deploy.env:2"),
        "{}",
        deep.text
    );
    assert!(deep.text.contains("1 stray key in a copy"), "{}", deep.text);
    assert_no_secret(&(deep.text.clone() + &deep.stderr), &[&dev, &stray]);
}

#[test]
fn a_refused_lookup_falls_back_to_another_key_of_the_account_else_is_a_note() {
    let emulator = Emulator::start();
    let keys = three_keys(&emulator);
    let home = home_with(&[("dev", &keys[0]), ("ci", &keys[1]), ("ops", &keys[2])]);
    // ops may not read CloudTrail; dev and ci may, and read its events for it.
    emulator.fault(json!({
        "action": "LookupEvents",
        "kind": "access-denied",
        "access_key_id": keys[2].id,
    }));
    let (code, document, text) = json_of(home.path(), &emulator);
    assert_eq!(code, Some(0), "{text}");
    assert_eq!(key_use(&document, "ops")["complete"], true, "{text}");

    // No key may: nothing is read, and the run says so rather than "no foreign use".
    emulator.control("DELETE", "faults", None);
    emulator.fault(json!({ "action": "LookupEvents", "kind": "access-denied" }));
    let run = incident(home.path(), &emulator, &[]);
    assert_eq!(run.code, Some(1), "{}\n{}", run.text, run.stderr);
    assert!(
        run.text.contains("cloudtrail:LookupEvents was refused"),
        "{}",
        run.text
    );
    assert!(
        run.text
            .contains("Not read everywhere, so nothing can be said of:"),
        "{}",
        run.text
    );
    assert!(!run.text.contains("None of the"), "{}", run.text);
    assert_no_secret(&(run.text + &run.stderr), &keys.iter().collect::<Vec<_>>());
}
