//! `awscheck incident --contain` end to end, and the same run killed before and after each
//! step or with an answer lost, then `--resume`d. In every case, at the end:
//! - every profile holds a new key that the AWS CLI can use, and the old keys are inactive;
//! - the stray key found in the shell history is inactive, not deleted;
//! - the deny on older sessions is on both users and on the role a profile assumes;
//! - the SSO login is signed out, and the SSO and CLI caches are gone;
//! - no journal is left, and no secret or full key ID was printed.

#![cfg(feature = "fault-injection")]

use crate::emulator::{aws_cli_arn, aws_cli_as, awscheck, home_with, user_keys, Emulator, Key};
use serde_json::{json, Value};
use std::process::Output;

const ACCOUNT: &str = "123456789012";
const POLICY: &str = "awscheck-revoke-older-sessions";
const TOKEN: &str = "sso-access-token-for-the-test";

struct Machine {
    emulator: Emulator,
    home: tempfile::TempDir,
    dev: Key,
    ci: Key,
    stray: Key,
}

fn machine() -> Machine {
    let emulator = Emulator::start();
    let dev = emulator.create_key(json!({ "user": "alice" }));
    let ci = emulator.create_key(json!({ "user": "bob" }));
    let stray = emulator.create_key(json!({ "user": "old-ci" }));
    let home = home_with(&[("dev", &dev), ("ci", &ci)]);
    aws(
        &emulator,
        &dev,
        &[
            "iam",
            "create-role",
            "--role-name",
            "Admin",
            "--assume-role-policy-document",
            r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"*"},"Action":"sts:AssumeRole"}]}"#,
        ],
    );
    let aws_dir = home.path().join(".aws");
    std::fs::write(
        aws_dir.join("config"),
        format!(
            "[profile admin]\nrole_arn = arn:aws:iam::{ACCOUNT}:role/Admin\nsource_profile = dev\n"
        ),
    )
    .unwrap();
    std::fs::set_permissions(
        aws_dir.join("config"),
        std::os::unix::fs::PermissionsExt::from_mode(0o600),
    )
    .unwrap();
    std::fs::create_dir_all(aws_dir.join("sso/cache")).unwrap();
    std::fs::write(
        aws_dir.join("sso/cache/login.json"),
        json!({
            "startUrl": "https://corp.awsapps.com/start",
            "region": "us-east-1",
            "accessToken": TOKEN,
            "expiresAt": "2099-12-07T18:00:00Z",
        })
        .to_string(),
    )
    .unwrap();
    std::fs::create_dir_all(aws_dir.join("cli/cache")).unwrap();
    std::fs::write(
        aws_dir.join("cli/cache/role.json"),
        r#"{"Credentials":{"AccessKeyId":"ASIAEXAMPLECACHE0001","SecretAccessKey":"cached-secret","SessionToken":"cached-token","Expiration":"2099-12-07T11:00:00+00:00"}}"#,
    )
    .unwrap();
    std::fs::write(
        home.path().join(".bash_history"),
        format!(
            "ls\nexport AWS_ACCESS_KEY_ID={} AWS_SECRET_ACCESS_KEY={}\n",
            stray.id, stray.secret
        ),
    )
    .unwrap();
    Machine {
        emulator,
        home,
        dev,
        ci,
        stray,
    }
}

/// `aws ARGS` with the AWS CLI, signed by `key`.
fn aws(emulator: &Emulator, key: &Key, args: &[&str]) -> String {
    let output = aws_cli_as(emulator, key, args);
    assert!(output.status.success(), "{args:?}: {output:?}");
    String::from_utf8_lossy(&output.stdout).to_string()
}

fn run(machine: &Machine, args: &[&str], crash_at: Option<&str>) -> Output {
    let mut command = awscheck(machine.home.path(), &machine.emulator.url);
    command.current_dir(machine.home.path()).args(args);
    if let Some(point) = crash_at {
        command.env("AWSCHECK_CRASH_AT", point);
    }
    command.output().unwrap()
}

fn text(output: &Output) -> String {
    String::from_utf8_lossy(&output.stdout).to_string() + &String::from_utf8_lossy(&output.stderr)
}

/// The inline policy `name` of a user or role, read with a working key of the account.
fn policy(machine: &Machine, signer: &Key, kind: &str, name: &str) -> Option<Value> {
    let output = aws_cli_as(
        &machine.emulator,
        signer,
        &[
            "iam",
            &format!("get-{kind}-policy"),
            &format!("--{kind}-name"),
            name,
            "--policy-name",
            POLICY,
        ],
    );
    output
        .status
        .success()
        .then(|| serde_json::from_slice(&output.stdout).unwrap())
}

/// The key a profile holds now, from the credentials file.
fn files_key(machine: &Machine, profile: &str) -> Key {
    let text = std::fs::read_to_string(machine.home.path().join(".aws/credentials")).unwrap();
    let section = text
        .split("\n[")
        .find(|s| {
            s.trim_start_matches('[')
                .starts_with(&format!("{profile}]"))
        })
        .unwrap_or_else(|| panic!("no [{profile}] in\n{text}"));
    let value = |name: &str| {
        section
            .lines()
            .find_map(|line| line.strip_prefix(&format!("{name} = ")))
            .unwrap()
            .trim()
            .to_string()
    };
    Key {
        id: value("aws_access_key_id"),
        secret: value("aws_secret_access_key"),
        user: String::new(),
    }
}

fn assert_contained(machine: &Machine, printed: &str) {
    let home = machine.home.path();
    for (profile, old, user) in [("dev", &machine.dev, "alice"), ("ci", &machine.ci, "bob")] {
        let now = files_key(machine, profile);
        assert_ne!(now.id, old.id, "{profile} was not rotated:\n{printed}");
        assert_eq!(
            aws_cli_arn(home, &machine.emulator, profile, &[]).as_deref(),
            Some(format!("arn:aws:iam::{ACCOUNT}:user/{user}").as_str()),
            "{profile}'s new key does not work:\n{printed}"
        );
        let keys = user_keys(&machine.emulator, user);
        assert!(
            keys.contains(&(old.id.clone(), "Inactive".to_string())),
            "{user}: {keys:?}"
        );
        assert!(
            keys.contains(&(now.id.clone(), "Active".to_string())),
            "{user}: {keys:?}"
        );
        let document = policy(machine, &now, "user", user)
            .unwrap_or_else(|| panic!("no deny on {user}:\n{printed}"));
        assert!(
            document.to_string().contains("aws:TokenIssueTime"),
            "{document}"
        );
    }
    assert_eq!(
        user_keys(&machine.emulator, "old-ci"),
        [(machine.stray.id.clone(), "Inactive".to_string())],
        "{printed}"
    );
    let admin = files_key(machine, "dev");
    let role = policy(machine, &admin, "role", "Admin").expect("the deny on the role");
    let time = role.to_string();
    assert!(time.contains("DateLessThan"), "{time}");
    let logouts = machine.emulator.control("GET", "sso/logouts", None);
    assert!(
        logouts.as_array().unwrap().iter().any(|t| t == TOKEN),
        "{logouts}"
    );
    assert!(!home.join(".aws/sso/cache/login.json").exists());
    assert!(!home.join(".aws/cli/cache/role.json").exists());
    assert!(
        !home
            .join(".local/state/awscheck/incident-journal.json")
            .exists(),
        "{printed}"
    );
    for key in [&machine.dev, &machine.ci, &machine.stray] {
        assert!(
            !printed.contains(&key.secret),
            "a secret was printed:\n{printed}"
        );
        assert!(
            !printed.contains(&key.id),
            "a full key ID was printed:\n{printed}"
        );
    }
    for secret in [TOKEN, "cached-secret", "cached-token"] {
        assert!(
            !printed.contains(secret),
            "{secret} was printed:\n{printed}"
        );
    }
}

#[test]
fn contain_rotates_deactivates_revokes_and_signs_out() {
    let machine = machine();
    let dry = run(&machine, &["incident", "--contain", "--dry-run"], None);
    let dry_text = text(&dry);
    assert_eq!(dry.status.code(), Some(0), "{dry_text}");
    for planned in [
        "rotate AKIA…",
        "deactivate stray key AKIA…",
        "end older sessions of user alice",
        "end older sessions of role arn:aws:iam::123456789012:role/Admin",
        "sign out of the SSO login",
        "(--dry-run: nothing was changed)",
    ] {
        assert!(dry_text.contains(planned), "{planned}:\n{dry_text}");
    }
    assert_eq!(files_key(&machine, "dev").id, machine.dev.id);

    // Where else the key is used, as its description in IAM says.
    aws(
        &machine.emulator,
        &machine.dev,
        &[
            "iam",
            "tag-user",
            "--user-name",
            "alice",
            "--tags",
            &format!("Key={},Value=jenkins on build-01", machine.dev.id),
        ],
    );
    let started = chrono::Utc::now();
    let output = run(&machine, &["incident", "--contain", "--yes"], None);
    let printed = text(&output);
    assert_eq!(output.status.code(), Some(0), "{printed}");
    assert_contained(&machine, &printed);
    assert!(
        printed.contains("described in IAM as \"jenkins on build-01\": replace it"),
        "{printed}"
    );
    assert!(printed.contains("Remove it after"), "{printed}");
    assert!(
        printed.contains("~/.bash_history:2") || printed.contains(".bash_history:2"),
        "{printed}"
    );
    // The deny's time is this run's: not before it started.
    let document = policy(&machine, &files_key(&machine, "dev"), "user", "alice").unwrap();
    let text = document.to_string();
    let at = text.find("aws:TokenIssueTime").unwrap();
    let time: String = text[at..]
        .chars()
        .skip_while(|c| !c.is_ascii_digit())
        .take(20)
        .collect();
    let time = chrono::DateTime::parse_from_rfc3339(&time).unwrap();
    assert!(
        time >= started - chrono::Duration::seconds(1),
        "{time} < {started}"
    );
}

#[test]
fn contain_asks_first_and_a_script_must_say_yes() {
    let machine = machine();
    let output = run(&machine, &["incident", "--contain"], None);
    assert_eq!(output.status.code(), Some(2), "{}", text(&output));
    assert!(text(&output).contains("--yes"), "{}", text(&output));
    assert_eq!(files_key(&machine, "dev").id, machine.dev.id);
    assert_eq!(
        user_keys(&machine.emulator, "old-ci"),
        [(machine.stray.id.clone(), "Active".to_string())]
    );
    // For an incident ticket: one JSON document, the plan in it.
    let planned = run(
        &machine,
        &["incident", "--contain", "--dry-run", "--format", "json"],
        None,
    );
    let document: Value = serde_json::from_slice(&planned.stdout)
        .unwrap_or_else(|e| panic!("{e}: {}", text(&planned)));
    let actions = document["actions"].as_array().unwrap();
    assert_eq!(actions[0]["action"], "rotate", "{document}");
    assert!(
        actions.iter().all(|a| a["status"] == "pending"),
        "{document}"
    );
    assert!(
        actions.iter().any(|a| a["action"] == "revoke-role"),
        "{document}"
    );
}

#[test]
fn contain_with_delete_deletes_the_old_keys_and_never_the_stray() {
    let machine = machine();
    let output = run(
        &machine,
        &["incident", "--contain", "--yes", "--delete"],
        None,
    );
    let printed = text(&output);
    assert_eq!(output.status.code(), Some(0), "{printed}");
    for (profile, user) in [("dev", "alice"), ("ci", "bob")] {
        let now = files_key(&machine, profile);
        assert_eq!(
            user_keys(&machine.emulator, user),
            [(now.id.clone(), "Active".to_string())],
            "{printed}"
        );
    }
    assert_eq!(
        user_keys(&machine.emulator, "old-ci"),
        [(machine.stray.id.clone(), "Inactive".to_string())],
        "{printed}"
    );
}

/// Killed before or after each kind of step, then resumed (as many times as it takes).
#[test]
fn killed_at_any_step_a_resume_finishes_the_containment() {
    for step in [
        "rotate",
        "deactivate-stray",
        "revoke-user",
        "revoke-role",
        "sso-logout",
        "delete-cache",
    ] {
        for when in ["before", "after"] {
            let point = format!("{when}-{step}");
            let machine = machine();
            let killed = run(&machine, &["incident", "--contain", "--yes"], Some(&point));
            let mut printed = text(&killed);
            assert_ne!(
                killed.status.code(),
                Some(0),
                "{point} did not stop it:\n{printed}"
            );
            assert!(
                printed.contains(&format!("crash point {point}")),
                "{point}:\n{printed}"
            );
            let resumed = run(&machine, &["incident", "--resume"], None);
            printed.push_str(&text(&resumed));
            assert_eq!(resumed.status.code(), Some(0), "{point}:\n{printed}");
            assert_contained(&machine, &printed);
        }
    }
}

/// An IAM call carried out with its answer lost is asked again (the same call twice is the
/// same result); lost every time the SDK tries, it stops the run with nothing undone, and the
/// resume does it again, to the same end.
#[test]
fn a_lost_answer_is_asked_again_or_stops_the_run_for_a_resume() {
    for action in ["PutUserPolicy", "PutRolePolicy", "ListUsers"] {
        let machine = machine();
        machine
            .emulator
            .fault(json!({ "action": action, "kind": "lose-answer", "count": 1 }));
        let output = run(&machine, &["incident", "--contain", "--yes"], None);
        let printed = text(&output);
        assert_eq!(output.status.code(), Some(0), "{action} once:\n{printed}");
        assert_contained(&machine, &printed);

        let machine = self::machine();
        machine
            .emulator
            .fault(json!({ "action": action, "kind": "lose-answer", "count": 3 }));
        let stopped = run(&machine, &["incident", "--contain", "--yes"], None);
        let mut printed = text(&stopped);
        assert_eq!(stopped.status.code(), Some(2), "{action}:\n{printed}");
        assert!(
            printed.contains("awscheck incident --resume"),
            "{action}:\n{printed}"
        );
        let resumed = run(&machine, &["incident", "--resume"], None);
        printed.push_str(&text(&resumed));
        assert_eq!(resumed.status.code(), Some(0), "{action}:\n{printed}");
        assert_contained(&machine, &printed);
    }
}

#[test]
fn resume_without_a_journal_says_so() {
    let machine = machine();
    let output = run(&machine, &["incident", "--resume"], None);
    assert_eq!(output.status.code(), Some(2));
    assert!(text(&output).contains("no unfinished containment"));
}
