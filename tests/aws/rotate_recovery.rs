//! Rotation recovery, cell by cell: every step of a rotation × {killed just before it, killed
//! just after it (done, not yet journaled), its answer lost, a transient error, a permanent
//! error} × {the default files, files named on the command line}.
//!
//! In every cell the key sits in two files (profile dev in the credentials file, ci in the
//! config file), and the test does what a user would: it runs `awscheck rotate`, then pastes
//! the last command awscheck printed into a shell, from another folder and with no flags of
//! its own, until awscheck reports success. Then, asking the AWS CLI (which reads the files
//! itself) and the emulator's record of the user's keys:
//! - the files' key works, for both profiles;
//! - exactly one key is active, and it is the files' key;
//! - no key exists whose secret nobody has;
//! - no journal and no temporary file is left, no secret or full key ID was printed;
//! - a later rotation runs.
//!
//! A transient error is also kept up during the first resume, which must stop again without
//! deleting or deactivating anything.

#![cfg(feature = "fault-injection")]

use crate::emulator::{
    aws_cli_arn, awscheck, home_with, path_with_aws_cli, user_keys, Emulator, Key,
};
use serde_json::json;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::Output;

const USER: &str = "rotating";
const ARN: &str = "arn:aws:iam::123456789012:user/rotating";

#[derive(Clone, Copy, Debug, PartialEq)]
enum At {
    Room,
    Create,
    Verify,
    Write,
    Deactivate,
    Delete,
}

impl At {
    /// The crash point names of this step (`before-…`, `after-…`).
    fn point(self) -> &'static str {
        match self {
            At::Room => "room",
            At::Create => "create",
            At::Verify => "verify",
            At::Write => "write",
            At::Deactivate => "deactivate",
            At::Delete => "delete",
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq)]
enum Fault {
    KilledBefore,
    KilledAfter,
    KilledBetweenFiles,
    AnswerLost,
    Transient,
    Permanent,
}

#[derive(Clone, Copy, Debug, PartialEq)]
enum Files {
    Default,
    Given,
}

struct World {
    emulator: Emulator,
    home: tempfile::TempDir,
    old: Key,
    /// An inactive second key that fills the quota, for the cells about making room.
    room: Option<Key>,
    config: PathBuf,
    credentials: PathBuf,
    files: Files,
    /// Everything every command printed, checked for secrets at the end.
    printed: String,
}

fn world(at: At, files: Files) -> World {
    let emulator = Emulator::start();
    let old = emulator.create_key(json!({ "user": USER }));
    let room = (at == At::Room)
        .then(|| emulator.create_key(json!({ "user": USER, "status": "Inactive" })));
    let home = home_with(&[]);
    let (config, credentials) = match files {
        Files::Default => (
            home.path().join(".aws/config"),
            home.path().join(".aws/credentials"),
        ),
        Files::Given => {
            let team = home.path().join("team");
            std::fs::create_dir(&team).unwrap();
            // The default file holds something else: a resume that read it would find no key.
            std::fs::write(
                home.path().join(".aws/credentials"),
                "[other]\naws_access_key_id = AKIAOTHEROTHEROTHER1\naws_secret_access_key = other\n",
            )
            .unwrap();
            (team.join("config"), team.join("creds"))
        }
    };
    std::fs::write(
        &credentials,
        format!(
            "# team keys\n[dev]\naws_access_key_id = {}\naws_secret_access_key = {}\nregion = eu-west-1\n",
            old.id, old.secret
        ),
    )
    .unwrap();
    std::fs::write(
        &config,
        format!(
            "[profile ci]\naws_access_key_id = {}\naws_secret_access_key = {}\n",
            old.id, old.secret
        ),
    )
    .unwrap();
    for file in [&config, &credentials] {
        std::fs::set_permissions(file, PermissionsExt::from_mode(0o600)).unwrap();
    }
    World {
        emulator,
        home,
        old,
        room,
        config,
        credentials,
        files,
        printed: String::new(),
    }
}

impl World {
    fn home(&self) -> &Path {
        self.home.path()
    }

    /// What the AWS CLI needs to find the files.
    fn cli_files(&self) -> Vec<(&'static str, &Path)> {
        match self.files {
            Files::Default => Vec::new(),
            Files::Given => vec![
                ("AWS_CONFIG_FILE", self.config.as_path()),
                ("AWS_SHARED_CREDENTIALS_FILE", self.credentials.as_path()),
            ],
        }
    }

    /// The first `awscheck rotate`, as the user types it: relative paths, from the files'
    /// own folder when they are given.
    fn first_run(&mut self, at: At, env: &[(&str, String)]) -> Output {
        self.first_run_with(at, &[], env)
    }

    fn first_run_with(&mut self, at: At, args: &[&str], env: &[(&str, String)]) -> Output {
        let mut command = awscheck(self.home(), &self.emulator.url);
        command.args(["rotate", "--profile", "dev", "--propagation-timeout", "3"]);
        command.args(args);
        if at == At::Room {
            command.arg("--yes");
        }
        if at == At::Delete {
            command.arg("--delete");
        }
        match self.files {
            Files::Default => command.current_dir(self.home()),
            Files::Given => command
                .args(["--credentials-file", "./creds", "--config-file", "./config"])
                .current_dir(self.home().join("team")),
        };
        for (name, value) in env {
            command.env(name, value);
        }
        let output = command.output().unwrap();
        self.record(&output);
        output
    }

    /// Paste `command` into a shell in the home folder, with no AWS variables but the
    /// endpoint (and a region for the AWS CLI, as any user of it has set).
    fn paste(&mut self, command: &str) -> Output {
        let binary = assert_cmd::cargo::cargo_bin("awscheck");
        let path = format!(
            "{}:{}",
            binary.parent().unwrap().display(),
            path_with_aws_cli()
        );
        let output = std::process::Command::new("sh")
            .args(["-c", command])
            .current_dir(self.home())
            .env_clear()
            .env("HOME", self.home())
            .env("PATH", path)
            .env("AWS_ENDPOINT_URL", &self.emulator.url)
            .env("AWS_EC2_METADATA_DISABLED", "true")
            .env("AWS_DEFAULT_REGION", "us-east-1")
            .output()
            .unwrap();
        self.record(&output);
        output
    }

    fn record(&mut self, output: &Output) {
        self.printed.push_str(&text(output));
    }

    fn fault(&self, at: At, kind: &str, count: Option<u32>) {
        let mut spec = json!({ "kind": kind });
        spec["action"] = json!(match at {
            At::Room | At::Delete => "DeleteAccessKey",
            At::Create => "CreateAccessKey",
            At::Verify => "GetCallerIdentity",
            At::Deactivate => "UpdateAccessKey",
            At::Write => unreachable!("writing the files asks nothing of IAM"),
        });
        match at {
            At::Room => spec["target_access_key_id"] = json!(self.room.as_ref().unwrap().id),
            At::Delete => spec["target_access_key_id"] = json!(self.old.id),
            // Only the new key's identity check; the old key's comes first and is not the step.
            At::Verify => spec["except_access_key_id"] = json!(self.old.id),
            _ => {}
        }
        if let Some(count) = count {
            spec["count"] = json!(count);
        }
        self.emulator.fault(spec);
    }

    fn clear_faults(&self) {
        self.emulator.control("DELETE", "faults", None);
    }

    fn journal(&self) -> PathBuf {
        self.home()
            .join(".local/state/awscheck/rotation-journal.json")
    }

    /// The files' key works now, for both profiles, as the AWS CLI reads them.
    fn assert_files_work(&self, label: &str) {
        for profile in ["dev", "ci"] {
            assert_eq!(
                aws_cli_arn(self.home(), &self.emulator, profile, &self.cli_files()).as_deref(),
                Some(ARN),
                "{label}: profile {profile}'s key does not work\n{}",
                self.printed
            );
        }
    }

    fn assert_healthy(&self, label: &str) {
        let (id, secret) = key_in(&self.credentials, "dev");
        assert_eq!(
            key_in(&self.config, "profile ci"),
            (id.clone(), secret.clone()),
            "{label}: both profiles hold the same key"
        );
        self.assert_files_work(label);
        let keys = user_keys(&self.emulator, USER);
        let active: Vec<&String> = keys
            .iter()
            .filter(|(_, status)| status == "Active")
            .map(|(id, _)| id)
            .collect();
        assert_eq!(
            active,
            [&id],
            "{label}: the one active key is the files' ({keys:?})"
        );
        for (key, _) in &keys {
            let known = *key == id
                || *key == self.old.id
                || self.room.as_ref().is_some_and(|room| room.id == *key);
            assert!(
                known,
                "{label}: {key} is a key whose secret nobody has ({keys:?})"
            );
        }
        assert!(!self.journal().exists(), "{label}: journal left behind");
        for dir in [
            self.config.parent().unwrap(),
            self.credentials.parent().unwrap(),
        ] {
            for entry in std::fs::read_dir(dir).unwrap() {
                let name = entry.unwrap().file_name();
                assert!(
                    !name.to_string_lossy().contains("awscheck-tmp"),
                    "{label}: temporary file {name:?} left in {}",
                    dir.display()
                );
            }
        }
        for secret in [&self.old.secret, &secret] {
            assert!(
                !self.printed.contains(secret.as_str()),
                "{label}: a secret was printed"
            );
        }
        for key in [&self.old.id, &id] {
            assert!(
                !self.printed.contains(key.as_str()),
                "{label}: a full key ID was printed:\n{}",
                self.printed
            );
        }
    }
}

fn text(output: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    )
}

/// The last `command` in backquotes: what awscheck says to run next.
fn last_command(text: &str) -> Option<String> {
    let end = text.rfind('`')?;
    let start = text[..end].rfind('`')?;
    Some(text[start + 1..end].to_string())
}

/// The key ID and secret in section `[section]` of `path`.
fn key_in(path: &Path, section: &str) -> (String, String) {
    let text = std::fs::read_to_string(path).unwrap();
    let mut inside = false;
    let (mut id, mut secret) = (String::new(), String::new());
    for line in text.lines().map(str::trim) {
        if line.starts_with('[') {
            inside = line == format!("[{section}]");
        } else if let (true, Some((key, value))) = (inside, line.split_once('=')) {
            match key.trim() {
                "aws_access_key_id" => id = value.trim().to_string(),
                "aws_secret_access_key" => secret = value.trim().to_string(),
                _ => {}
            }
        }
    }
    (id, secret)
}

fn cell(at: At, fault: Fault, files: Files) {
    let label = format!("{at:?} {fault:?} {files:?}");
    let mut world = world(at, files);
    let crash = |point: String| vec![("AWSCHECK_CRASH_AT", point)];
    let env = match fault {
        Fault::KilledBefore => crash(format!("before-{}", at.point())),
        Fault::KilledAfter => crash(format!("after-{}", at.point())),
        Fault::KilledBetweenFiles => crash("between-files".to_string()),
        Fault::AnswerLost => {
            world.fault(at, "lose-answer", Some(1));
            Vec::new()
        }
        Fault::Transient => {
            world.fault(at, "server-error", None);
            Vec::new()
        }
        Fault::Permanent if at == At::Write => vec![("AWSCHECK_FAIL_WRITE", "1".to_string())],
        Fault::Permanent => {
            let kind = if at == At::Verify {
                "invalid-token"
            } else {
                "access-denied"
            };
            world.fault(at, kind, None);
            Vec::new()
        }
    };
    let mut last = world.first_run(at, &env);
    let first = text(&last);
    match fault {
        Fault::KilledBefore | Fault::KilledAfter | Fault::KilledBetweenFiles => {
            assert!(
                first.contains("crash point"),
                "{label}: the run was not killed:\n{first}"
            )
        }
        // A lost answer is absorbed: retried, and a retry that finds the work done is fine.
        Fault::AnswerLost => assert!(last.status.success(), "{label}:\n{first}"),
        Fault::Transient | Fault::Permanent => {
            assert_eq!(last.status.code(), Some(2), "{label}:\n{first}")
        }
    }

    if fault == Fault::Transient {
        // The files' key works whatever the network does; then a resume while the trouble
        // lasts stops again, and deletes or deactivates nothing.
        world.clear_faults();
        world.assert_files_work(&label);
        world.fault(at, "server-error", None);
        let keys_before = user_keys(&world.emulator, USER);
        if let Some(command) = last_command(&first) {
            last = world.paste(&command);
            assert!(
                !last.status.success(),
                "{label}: succeeded while AWS failed:\n{}",
                text(&last)
            );
            let keys_after = user_keys(&world.emulator, USER);
            for (key, status) in &keys_before {
                assert!(
                    keys_after.contains(&(key.clone(), status.clone())),
                    "{label}: a transient error changed {key}: {keys_before:?} -> {keys_after:?}"
                );
            }
        }
    }
    world.clear_faults();
    world.assert_files_work(&label);

    // Once the trouble is gone, one command finishes the job. Only a refusal by IAM itself
    // can need two: do by hand what IAM refused awscheck, then rotate.
    let mut allowed = if fault == Fault::Permanent { 2 } else { 1 };
    if first.contains("crash point") {
        // A killed run says nothing; the next awscheck command the user runs says what to do.
        let hint = world.paste("awscheck profiles");
        let said = String::from_utf8_lossy(&hint.stderr).to_string();
        let command = last_command(&said).unwrap_or_else(|| {
            panic!("{label}: nothing points at the unfinished rotation:\n{said}")
        });
        last = world.paste(&command);
        allowed -= 1;
    }
    let mut pasted = 0;
    while !last.status.success() && pasted < allowed {
        let said = text(&last);
        let command = last_command(&said)
            .unwrap_or_else(|| panic!("{label}: no command to go on with:\n{said}"));
        last = world.paste(&command);
        pasted += 1;
    }
    assert!(
        last.status.success(),
        "{label}: still not done:\n{}",
        world.printed
    );
    world.assert_healthy(&label);

    // And the next rotation runs (making room by deleting the now inactive old key).
    let next = world.paste(&rotate_again(&world));
    assert!(
        next.status.success(),
        "{label}: a later rotation failed:\n{}",
        text(&next)
    );
    world.assert_files_work(&label);
}

fn rotate_again(world: &World) -> String {
    match world.files {
        Files::Default => "awscheck rotate --profile dev --yes".to_string(),
        Files::Given => format!(
            "awscheck rotate --profile dev --yes --credentials-file {} --config-file {}",
            world.credentials.display(),
            world.config.display()
        ),
    }
}

/// A user whose policy denies IAM without MFA, and a profile that names the device.
fn mfa_world(at: At) -> World {
    let world = world(at, Files::Default);
    world.emulator.control(
        "POST",
        "users",
        Some(json!({ "user": USER, "require_mfa": true })),
    );
    let mut config = std::fs::read_to_string(&world.config).unwrap();
    config.push_str("[profile dev]\nmfa_serial = arn:aws:iam::123456789012:mfa/rotating\n");
    std::fs::write(&world.config, config).unwrap();
    world
}

fn crash_at(point: &str) -> Vec<(&'static str, String)> {
    vec![("AWSCHECK_CRASH_AT", point.to_string())]
}

#[test]
fn resume_gets_its_own_mfa_session_with_a_new_code() {
    let mut world = mfa_world(At::Create);
    let first = world.first_run_with(
        At::Create,
        &["--mfa-code", "111111"],
        &crash_at("after-create"),
    );
    assert!(text(&first).contains("crash point"), "{}", text(&first));

    // No code and no terminal: it says how to go on, and changes nothing.
    let keys = user_keys(&world.emulator, USER);
    let output = world.paste("awscheck rotate --resume");
    assert_eq!(output.status.code(), Some(2));
    let said = text(&output);
    assert!(said.contains("uses MFA"), "{said}");
    assert_eq!(
        last_command(&said).as_deref(),
        Some("awscheck rotate --resume")
    );
    assert_eq!(user_keys(&world.emulator, USER), keys);

    // AWS takes a code once: the first run's is refused, and nothing changes.
    let output = world.paste("awscheck rotate --resume --mfa-code 111111");
    assert_eq!(output.status.code(), Some(2), "{}", text(&output));
    assert_eq!(user_keys(&world.emulator, USER), keys);

    let output = world.paste("awscheck rotate --resume --mfa-code 222222");
    assert!(output.status.success(), "{}", text(&output));
    world.assert_healthy("mfa resume");
    let iam_calls: Vec<String> = world
        .emulator
        .calls()
        .iter()
        .filter(|call| call["service"] == "iam")
        .map(|call| call["access_key_id"].as_str().unwrap_or("").to_string())
        .collect();
    assert!(
        iam_calls.iter().all(|signer| signer.starts_with("ASIA")),
        "every IAM call is signed by an MFA session: {iam_calls:?}"
    );
}

#[test]
fn an_mfa_session_that_expires_is_renewed_by_resume() {
    let mut world = mfa_world(At::Deactivate);
    world.emulator.fault(json!({
        "action": "UpdateAccessKey", "kind": "expired-token", "sessions_only": true, "count": 1
    }));
    let first = world.first_run_with(At::Deactivate, &["--mfa-code", "111111"], &[]);
    let said = text(&first);
    assert_eq!(first.status.code(), Some(2), "{said}");
    assert!(
        said.contains("expired") && said.contains("still active"),
        "{said}"
    );
    world.assert_files_work("expired session");
    let output = world.paste("awscheck rotate --resume --mfa-code 222222");
    assert!(output.status.success(), "{}", text(&output));
    world.assert_healthy("expired session");
}

#[test]
fn a_key_made_by_hand_after_a_crash_is_left_alone() {
    let mut world = world(At::Create, Files::Default);
    let first = world.first_run(At::Create, &crash_at("before-room"));
    assert!(text(&first).contains("crash point"));
    let by_hand = world.emulator.create_key(json!({ "user": USER }));
    let output = world.paste("awscheck rotate --resume");
    let said = text(&output);
    assert_eq!(output.status.code(), Some(2), "{said}");
    assert!(said.contains("did not make"), "{said}");
    assert!(
        user_keys(&world.emulator, USER).contains(&(by_hand.id.clone(), "Active".to_string())),
        "the key made by hand survives"
    );
    world.assert_files_work("made by hand");
    assert!(!world.journal().exists());
}

#[test]
fn resume_refuses_another_profile_and_ignores_todays_file_flags() {
    let mut world = world(At::Create, Files::Given);
    let first = world.first_run(At::Create, &crash_at("after-verify"));
    assert!(text(&first).contains("crash point"));
    let output = world.paste("awscheck rotate --resume --profile ci");
    assert_eq!(output.status.code(), Some(2));
    assert!(
        text(&output).contains("of profile dev, not ci"),
        "{}",
        text(&output)
    );
    // Flags naming other files do not move a rotation that started elsewhere.
    let output =
        world.paste("awscheck rotate --resume --profile dev --credentials-file .aws/credentials");
    assert!(output.status.success(), "{}", text(&output));
    world.assert_healthy("resume with other flags");
}

/// The new key is never accepted, so the rotation is undone; the undo itself is then cut
/// short by `trouble` (a crash, or a failed delete) and finished by following the advice.
fn interrupted_undo(trouble: &str) {
    let mut world = world(At::Verify, Files::Default);
    world.fault(At::Verify, "invalid-token", None);
    let env = match trouble {
        "crash" => crash_at("before-undo"),
        _ => {
            world
                .emulator
                .fault(json!({ "action": "DeleteAccessKey", "kind": "server-error" }));
            Vec::new()
        }
    };
    let first = world.first_run(At::Verify, &env);
    assert!(!first.status.success());
    world.clear_faults();
    world.assert_files_work(trouble);
    let said = match trouble {
        "crash" => text(&world.paste("awscheck profiles")),
        _ => text(&first),
    };
    assert_eq!(
        last_command(&said).as_deref(),
        Some("awscheck rotate --resume"),
        "{said}"
    );
    // The resume finishes the undo: it ends saying the rotation did not happen.
    let output = world.paste("awscheck rotate --resume");
    let said = text(&output);
    assert!(said.contains("was deleted again"), "{said}");
    let keys = user_keys(&world.emulator, USER);
    assert_eq!(
        keys,
        [(world.old.id.clone(), "Active".to_string())],
        "{said}"
    );
    assert!(!world.journal().exists());
    let output = world.paste(&last_command(&said).unwrap());
    assert!(output.status.success(), "{}", text(&output));
    world.assert_healthy(trouble);
}

#[test]
fn an_undo_cut_short_by_a_crash_is_finished_by_resume() {
    interrupted_undo("crash");
}

#[test]
fn an_undo_whose_delete_fails_for_a_moment_is_finished_by_resume() {
    interrupted_undo("transient");
}

/// A profile whose key ID and secret sit in different files, or in two sections of one
/// file: the SDKs merge them, and resume must replace both halves.
fn split_key(credentials: &str, config: &str) {
    let mut world = world(At::Create, Files::Default);
    let fill = |text: &str| {
        text.replace("{ID}", &world.old.id)
            .replace("{SECRET}", &world.old.secret)
    };
    std::fs::write(&world.credentials, fill(credentials)).unwrap();
    std::fs::write(&world.config, fill(config)).unwrap();
    let first = world.first_run(At::Create, &crash_at("after-verify"));
    assert!(text(&first).contains("crash point"), "{}", text(&first));
    let output = world.paste("awscheck rotate --resume");
    assert!(output.status.success(), "{}", text(&output));
    let keys = user_keys(&world.emulator, USER);
    let active: Vec<&String> = keys
        .iter()
        .filter(|(_, status)| status == "Active")
        .map(|(id, _)| id)
        .collect();
    assert_eq!(active.len(), 1, "{keys:?}");
    let both = format!(
        "{}{}",
        std::fs::read_to_string(&world.credentials).unwrap(),
        std::fs::read_to_string(&world.config).unwrap()
    );
    assert!(both.contains(active[0].as_str()), "{both}");
    assert!(
        !both.contains(&world.old.id) && !both.contains(&world.old.secret),
        "half of the old key is left:\n{both}"
    );
    // awscheck's own reading (the SDKs' rules) finds the profile whole and working.
    let audit = world.paste("awscheck audit --profile dev --format json");
    let report: serde_json::Value = serde_json::from_slice(&audit.stdout).unwrap();
    let rejected = report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .any(|f| f["slug"] == "key-rejected-by-aws" || f["slug"] == "incomplete-credentials");
    assert!(!rejected, "{}", text(&audit));
}

#[test]
fn resume_replaces_a_secret_kept_in_the_other_file() {
    split_key(
        "[dev]\naws_access_key_id = {ID}\n",
        "[profile dev]\naws_secret_access_key = {SECRET}\n[profile ci]\nregion = us-east-1\n",
    );
}

#[test]
fn resume_replaces_a_secret_kept_in_a_duplicate_section() {
    split_key(
        "[dev]\naws_access_key_id = {ID}\n\n[dev]\naws_secret_access_key = {SECRET}\n",
        "[profile ci]\nregion = us-east-1\n",
    );
}

macro_rules! matrix {
    ($files:ident) => {
        use super::{cell, At::*, Fault::*, Files};
        #[test]
        fn room_killed_before() {
            cell(Room, KilledBefore, Files::$files)
        }
        #[test]
        fn room_killed_after() {
            cell(Room, KilledAfter, Files::$files)
        }
        #[test]
        fn room_answer_lost() {
            cell(Room, AnswerLost, Files::$files)
        }
        #[test]
        fn room_transient() {
            cell(Room, Transient, Files::$files)
        }
        #[test]
        fn room_permanent() {
            cell(Room, Permanent, Files::$files)
        }
        #[test]
        fn create_killed_before() {
            cell(Create, KilledBefore, Files::$files)
        }
        #[test]
        fn create_killed_after() {
            cell(Create, KilledAfter, Files::$files)
        }
        #[test]
        fn create_answer_lost() {
            cell(Create, AnswerLost, Files::$files)
        }
        #[test]
        fn create_transient() {
            cell(Create, Transient, Files::$files)
        }
        #[test]
        fn create_permanent() {
            cell(Create, Permanent, Files::$files)
        }
        #[test]
        fn verify_killed_before() {
            cell(Verify, KilledBefore, Files::$files)
        }
        #[test]
        fn verify_killed_after() {
            cell(Verify, KilledAfter, Files::$files)
        }
        #[test]
        fn verify_answer_lost() {
            cell(Verify, AnswerLost, Files::$files)
        }
        #[test]
        fn verify_transient() {
            cell(Verify, Transient, Files::$files)
        }
        #[test]
        fn verify_permanent() {
            cell(Verify, Permanent, Files::$files)
        }
        #[test]
        fn write_killed_before() {
            cell(Write, KilledBefore, Files::$files)
        }
        #[test]
        fn write_killed_between_files() {
            cell(Write, KilledBetweenFiles, Files::$files)
        }
        #[test]
        fn write_killed_after() {
            cell(Write, KilledAfter, Files::$files)
        }
        #[test]
        fn write_permanent() {
            cell(Write, Permanent, Files::$files)
        }
        #[test]
        fn deactivate_killed_before() {
            cell(Deactivate, KilledBefore, Files::$files)
        }
        #[test]
        fn deactivate_killed_after() {
            cell(Deactivate, KilledAfter, Files::$files)
        }
        #[test]
        fn deactivate_answer_lost() {
            cell(Deactivate, AnswerLost, Files::$files)
        }
        #[test]
        fn deactivate_transient() {
            cell(Deactivate, Transient, Files::$files)
        }
        #[test]
        fn deactivate_permanent() {
            cell(Deactivate, Permanent, Files::$files)
        }
        #[test]
        fn delete_killed_before() {
            cell(Delete, KilledBefore, Files::$files)
        }
        #[test]
        fn delete_killed_after() {
            cell(Delete, KilledAfter, Files::$files)
        }
        #[test]
        fn delete_answer_lost() {
            cell(Delete, AnswerLost, Files::$files)
        }
        #[test]
        fn delete_transient() {
            cell(Delete, Transient, Files::$files)
        }
        #[test]
        fn delete_permanent() {
            cell(Delete, Permanent, Files::$files)
        }
    };
}

#[rustfmt::skip]
mod default_files { matrix!(Default); }
#[rustfmt::skip]
mod given_files { matrix!(Given); }
