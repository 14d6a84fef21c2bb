//! `awscheck rotate` against the emulator with authentication on: inactive and deleted keys
//! really fail, so "the files hold a key that works" is checked by AWS's own answer.

use crate::emulator::{
    aws_cli_arn, awscheck, home_with, path_with_aws_cli, user_keys, Emulator, Key,
};
use chrono::{Duration, Utc};
use serde_json::{json, Value};
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::Output;

fn days_ago(days: i64) -> String {
    (Utc::now() - Duration::days(days)).to_rfc3339()
}

fn credentials_path(home: &Path) -> PathBuf {
    home.join(".aws/credentials")
}

fn rotate(home: &Path, emulator: &Emulator, args: &[&str]) -> Output {
    awscheck(home, &emulator.url)
        .arg("rotate")
        .args(args)
        .args(["--propagation-timeout", "3"])
        .output()
        .unwrap()
}

fn text(output: &Output) -> String {
    text_of(output)
}

fn text_of(output: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    )
}

/// The key ID and secret a profile holds now, read back from the file.
fn key_in_file(home: &Path, profile: &str) -> (String, String) {
    let text = std::fs::read_to_string(credentials_path(home)).unwrap();
    let mut in_section = false;
    let (mut id, mut secret) = (String::new(), String::new());
    for line in text.lines() {
        let line = line.trim();
        if line.starts_with('[') {
            let header = line.split(']').next().unwrap_or_default();
            in_section = header == format!("[{profile}");
        } else if in_section {
            if let Some((key, value)) = line.split_once('=') {
                let value = value.split(" ;").next().unwrap().trim().to_string();
                match key.trim() {
                    "aws_access_key_id" => id = value,
                    "aws_secret_access_key" => secret = value,
                    _ => {}
                }
            }
        }
    }
    (id, secret)
}

fn status(emulator: &Emulator, key_id: &str) -> String {
    emulator.key(key_id)["status"]
        .as_str()
        .unwrap_or("")
        .to_string()
}

/// Bytes that differ between two files, as (offset, before, after) runs.
fn changed_runs(before: &[u8], after: &[u8]) -> Vec<(String, String)> {
    let before = String::from_utf8_lossy(before);
    let after = String::from_utf8_lossy(after);
    let (b, a): (Vec<&str>, Vec<&str>) = (
        before.split_inclusive('\n').collect(),
        after.split_inclusive('\n').collect(),
    );
    assert_eq!(
        b.len(),
        a.len(),
        "line count changed:\n{before}\n---\n{after}"
    );
    b.iter()
        .zip(&a)
        .filter(|(x, y)| x != y)
        .map(|(x, y)| (x.to_string(), y.to_string()))
        .collect()
}

const LAYOUT: &str = "# Work keys, do not share\r\n[dev]\r\n; rotated by hand last time\r\naws_access_key_id = {ID}\r\naws_secret_access_key={SECRET}\r\nregion = eu-west-1\r\n\r\n[ci]  # same key, same user\r\naws_access_key_id   =   {ID}\r\naws_secret_access_key = {SECRET}\r\n\r\n[other]\r\naws_access_key_id = {OTHER_ID}\r\naws_secret_access_key = {OTHER_SECRET}";

fn layout_home(dev: &Key, other: &Key, mode: u32) -> tempfile::TempDir {
    let home = home_with(&[]);
    let text = LAYOUT
        .replace("{ID}", &dev.id)
        .replace("{SECRET}", &dev.secret)
        .replace("{OTHER_ID}", &other.id)
        .replace("{OTHER_SECRET}", &other.secret);
    std::fs::write(credentials_path(home.path()), text).unwrap();
    std::fs::set_permissions(
        credentials_path(home.path()),
        PermissionsExt::from_mode(mode),
    )
    .unwrap();
    home
}

#[test]
fn happy_path_changes_only_the_two_values_and_the_aws_cli_uses_the_new_key() {
    let emulator = Emulator::start();
    let dev = emulator.create_key(json!({ "user": "dev", "created": days_ago(100) }));
    let other = emulator.create_key(json!({ "user": "someone-else" }));
    let home = layout_home(&dev, &other, 0o640);
    let before = std::fs::read(credentials_path(home.path())).unwrap();
    let audit = |home: &Path| -> Vec<String> {
        let output = awscheck(home, &emulator.url)
            .args(["audit", "--format", "json", "-p", "dev"])
            .output()
            .unwrap();
        let document: Value = serde_json::from_slice(&output.stdout).unwrap();
        document["findings"]
            .as_array()
            .unwrap()
            .iter()
            .map(|f| f["slug"].as_str().unwrap().to_string())
            .collect()
    };
    assert!(audit(home.path()).contains(&"key-too-old".to_string()));

    let output = rotate(home.path(), &emulator, &["--profile", "dev"]);
    let all = text(&output);
    assert!(output.status.success(), "{all}");
    assert!(all.contains("Done: profile dev now uses"), "{all}");
    assert!(
        !all.contains(&dev.secret) && !all.contains(&dev.id),
        "secret or full key ID printed:\n{all}"
    );

    let (new_id, new_secret) = key_in_file(home.path(), "dev");
    assert_ne!(new_id, dev.id);
    assert!(!all.contains(&new_secret), "new secret printed");
    assert_eq!(
        key_in_file(home.path(), "ci"),
        (new_id.clone(), new_secret.clone()),
        "every profile holding the key is updated"
    );
    assert_eq!(key_in_file(home.path(), "other").0, other.id);
    assert_eq!(status(&emulator, &dev.id), "Inactive");
    assert_eq!(status(&emulator, &new_id), "Active");
    assert_eq!(
        aws_cli_arn(home.path(), &emulator, "dev", &[]).as_deref(),
        Some("arn:aws:iam::123456789012:user/dev")
    );
    assert_eq!(
        aws_cli_arn(home.path(), &emulator, "ci", &[]).as_deref(),
        Some("arn:aws:iam::123456789012:user/dev")
    );

    // Only the key ID and secret changed: comments, spacing and CRLF are as they were. The
    // mode is narrowed: the file receives a secret, and others could read it (0640).
    let after = std::fs::read(credentials_path(home.path())).unwrap();
    let runs = changed_runs(&before, &after);
    assert_eq!(runs.len(), 4, "{runs:?}");
    for (old, new) in &runs {
        assert_eq!(
            old.replace(&dev.id, &new_id)
                .replace(&dev.secret, &new_secret),
            *new
        );
    }
    let mode = std::fs::metadata(credentials_path(home.path()))
        .unwrap()
        .permissions()
        .mode()
        & 0o777;
    assert_eq!(mode, 0o600);
    // Lines are fitted to the terminal: the words matter, not where they wrap.
    let words = all.split_whitespace().collect::<Vec<_>>().join(" ");
    assert!(
        words.contains("(mode 0640 to 0600): it holds a secret"),
        "{all}"
    );
    // The backup is the file as it was, private to the user.
    let backups: Vec<PathBuf> =
        std::fs::read_dir(home.path().join(".local/state/awscheck/backups"))
            .unwrap()
            .map(|e| e.unwrap().path())
            .collect();
    assert_eq!(backups.len(), 1);
    assert_eq!(std::fs::read(&backups[0]).unwrap(), before);
    assert_eq!(
        std::fs::metadata(&backups[0]).unwrap().permissions().mode() & 0o777,
        0o600
    );
    assert!(!home
        .path()
        .join(".local/state/awscheck/rotation-journal.json")
        .exists());

    // The audit sees the result at once.
    assert!(!audit(home.path()).contains(&"key-too-old".to_string()));

    // The command printed for deleting the old key runs as printed and deletes exactly it.
    // As a person would copy it off the terminal: every line of it, as the lines are fitted
    // to the terminal's width (continued with ` \`).
    let command = all
        .find("The old key ")
        .and_then(|at| all[at..].split('`').nth(1))
        .unwrap_or_else(|| panic!("no delete command:\n{all}"));
    let pasted = std::process::Command::new("sh")
        .args(["-c", command])
        .env_clear()
        .env("HOME", home.path())
        .env("PATH", path_with_aws_cli())
        .env("AWS_ENDPOINT_URL", &emulator.url)
        .env("AWS_DEFAULT_REGION", "us-east-1")
        .output()
        .unwrap();
    assert!(pasted.status.success(), "{command}\n{}", text(&pasted));
    assert_eq!(
        user_keys(&emulator, "dev"),
        [(new_id.clone(), "Active".to_string())]
    );
}

#[test]
fn delete_removes_the_old_key() {
    let emulator = Emulator::start();
    let key = emulator.create_key(json!({ "user": "gone" }));
    let home = home_with(&[("dev", &key)]);
    let output = rotate(home.path(), &emulator, &["--profile", "dev", "--delete"]);
    assert!(output.status.success(), "{}", text(&output));
    let response = std::panic::catch_unwind(|| emulator.key(&key.id));
    assert!(response.is_err(), "old key still exists");
    assert!(aws_cli_arn(home.path(), &emulator, "dev", &[]).is_some());
}

#[test]
fn a_symlinked_credentials_file_is_written_through_the_link() {
    let emulator = Emulator::start();
    let key = emulator.create_key(json!({ "user": "linked" }));
    let home = home_with(&[("dev", &key)]);
    let real = home.path().join("dotfiles-credentials");
    std::fs::rename(credentials_path(home.path()), &real).unwrap();
    std::os::unix::fs::symlink(&real, credentials_path(home.path())).unwrap();
    let output = rotate(home.path(), &emulator, &["--profile", "dev"]);
    assert!(output.status.success(), "{}", text(&output));
    assert!(std::fs::symlink_metadata(credentials_path(home.path()))
        .unwrap()
        .file_type()
        .is_symlink());
    assert!(!std::fs::read_to_string(&real).unwrap().contains(&key.id));
}

#[test]
fn an_inactive_second_key_is_deleted_only_when_confirmed() {
    let emulator = Emulator::start();
    let key = emulator.create_key(json!({ "user": "quota" }));
    let inactive = emulator.create_key(json!({ "user": "quota", "status": "Inactive" }));
    let home = home_with(&[("dev", &key)]);
    let before = std::fs::read(credentials_path(home.path())).unwrap();
    let output = rotate(home.path(), &emulator, &["--profile", "dev"]);
    assert_eq!(output.status.code(), Some(2), "{}", text(&output));
    assert!(text(&output).contains("--yes"), "{}", text(&output));
    assert_eq!(
        std::fs::read(credentials_path(home.path())).unwrap(),
        before
    );
    assert_eq!(status(&emulator, &inactive.id), "Inactive");

    let output = rotate(home.path(), &emulator, &["--profile", "dev", "--yes"]);
    assert!(output.status.success(), "{}", text(&output));
    assert!(
        std::panic::catch_unwind(|| emulator.key(&inactive.id)).is_err(),
        "inactive key deleted"
    );
    assert!(aws_cli_arn(home.path(), &emulator, "dev", &[]).is_some());
}

#[test]
fn an_active_second_key_is_refused_unless_asked() {
    let emulator = Emulator::start();
    let key = emulator.create_key(json!({ "user": "busy" }));
    let other = emulator
        .create_key(json!({ "user": "busy", "last_used": days_ago(3), "last_used_service": "s3" }));
    let home = home_with(&[("dev", &key)]);
    let output = rotate(home.path(), &emulator, &["--profile", "dev"]);
    assert_eq!(output.status.code(), Some(2));
    let message = text(&output);
    assert!(
        message.contains("second active key") && message.contains("on s3"),
        "{message}"
    );
    assert_eq!(status(&emulator, &other.id), "Active");
    let output = rotate(
        home.path(),
        &emulator,
        &["--profile", "dev", "--delete-other-key"],
    );
    assert!(output.status.success(), "{}", text(&output));
    assert!(aws_cli_arn(home.path(), &emulator, "dev", &[]).is_some());
}

#[test]
fn a_second_key_that_another_profile_holds_is_never_deleted() {
    let emulator = Emulator::start();
    let key = emulator.create_key(json!({ "user": "two" }));
    let other = emulator.create_key(json!({ "user": "two" }));
    let home = home_with(&[("dev", &key), ("ci", &other)]);
    let output = rotate(
        home.path(),
        &emulator,
        &["--profile", "dev", "--delete-other-key"],
    );
    assert_eq!(output.status.code(), Some(2));
    let message = text(&output);
    assert!(
        message.contains("profile ci holds it")
            && message.contains("`awscheck rotate --profile ci`"),
        "{message}"
    );
    assert_eq!(user_keys(&emulator, "two").len(), 2);
    assert!(aws_cli_arn(home.path(), &emulator, "ci", &[]).is_some());
}

#[test]
fn no_key_is_deleted_to_make_room_when_a_later_check_refuses() {
    let emulator = Emulator::start();
    let key = emulator.create_key(json!({ "user": "room" }));
    let inactive = emulator.create_key(json!({ "user": "room", "status": "Inactive" }));
    let home = home_with(&[("dev", &key)]);
    // The backups cannot be written: a file stands where their folder would be.
    let state = home.path().join(".local/state/awscheck");
    std::fs::create_dir_all(&state).unwrap();
    std::fs::write(state.join("backups"), "").unwrap();
    let output = rotate(home.path(), &emulator, &["--profile", "dev", "--yes"]);
    assert_eq!(output.status.code(), Some(2));
    assert!(
        text(&output).contains("nothing was changed"),
        "{}",
        text(&output)
    );
    assert_eq!(
        status(&emulator, &inactive.id),
        "Inactive",
        "the inactive key is still there"
    );
    assert!(!emulator
        .calls()
        .iter()
        .any(|c| c["action"] == "DeleteAccessKey"));
}

#[test]
fn mfa_profiles_rotate_with_an_mfa_session() {
    let emulator = Emulator::start();
    let key = emulator.create_key(json!({ "user": "mfa" }));
    let home = home_with(&[("dev", &key)]);
    std::fs::write(
        home.path().join(".aws/config"),
        "[profile dev]\nmfa_serial = arn:aws:iam::123456789012:mfa/mfa\n",
    )
    .unwrap();
    let output = rotate(home.path(), &emulator, &["--profile", "dev"]);
    assert_eq!(
        output.status.code(),
        Some(2),
        "no code, no terminal: refused"
    );
    assert!(text(&output).contains("--mfa-code"));
    let output = rotate(
        home.path(),
        &emulator,
        &["--profile", "dev", "--mfa-code", "123456"],
    );
    assert!(output.status.success(), "{}", text(&output));
    let calls = emulator.calls();
    let session = calls
        .iter()
        .position(|c| c["action"] == "GetSessionToken")
        .expect("GetSessionToken called");
    let create = calls
        .iter()
        .find(|c| c["action"] == "CreateAccessKey")
        .expect("CreateAccessKey called");
    assert!(
        create["access_key_id"]
            .as_str()
            .unwrap()
            .starts_with("ASIA"),
        "IAM calls use the MFA session: {create}"
    );
    assert_eq!(calls[session]["access_key_id"], key.id);
    assert!(aws_cli_arn(home.path(), &emulator, "dev", &[]).is_some());
}

#[test]
fn profiles_without_a_key_are_explained_and_root_is_refused() {
    let emulator = Emulator::start();
    let key = emulator.create_key(json!({ "user": "base" }));
    let root = emulator.create_key(json!({ "user": "root-keys", "root": true }));
    let home = home_with(&[("base", &key), ("root", &root)]);
    std::fs::write(
        home.path().join(".aws/config"),
        "[profile admin]\nrole_arn = arn:aws:iam::123456789012:role/Admin\nsource_profile = base\n",
    )
    .unwrap();
    let output = rotate(home.path(), &emulator, &["--profile", "admin"]);
    assert_eq!(output.status.code(), Some(2));
    assert!(
        text(&output).contains("awscheck rotate --profile base"),
        "{}",
        text(&output)
    );
    let output = rotate(home.path(), &emulator, &["--profile", "root"]);
    assert_eq!(output.status.code(), Some(2));
    assert!(text(&output).contains("--allow-root"), "{}", text(&output));
    assert_eq!(status(&emulator, &root.id), "Active");
}

#[test]
fn dry_run_changes_nothing() {
    let emulator = Emulator::start();
    let key = emulator.create_key(json!({ "user": "dry" }));
    let home = home_with(&[("dev", &key)]);
    let before = std::fs::read(credentials_path(home.path())).unwrap();
    let output = rotate(home.path(), &emulator, &["--profile", "dev", "--dry-run"]);
    assert!(output.status.success(), "{}", text(&output));
    assert!(text(&output).contains("Dry run"));
    assert_eq!(
        std::fs::read(credentials_path(home.path())).unwrap(),
        before
    );
    assert!(!emulator
        .calls()
        .iter()
        .any(|c| c["action"] == "CreateAccessKey"));
    assert!(
        !home.path().join(".local/state").exists(),
        "a dry run writes nothing, not even the lock file"
    );
}

#[test]
fn a_dry_run_spends_no_mfa_code() {
    let emulator = Emulator::start();
    let key = emulator.create_key(json!({ "user": "mfa-dry" }));
    emulator.control(
        "POST",
        "users",
        Some(json!({ "user": "mfa-dry", "require_mfa": true })),
    );
    let home = home_with(&[("dev", &key)]);
    std::fs::write(
        home.path().join(".aws/config"),
        "[profile dev]\nmfa_serial = arn:aws:iam::123456789012:mfa/mfa-dry\n",
    )
    .unwrap();
    let dry = rotate(
        home.path(),
        &emulator,
        &["--profile", "dev", "--dry-run", "--mfa-code", "123456"],
    );
    assert!(dry.status.success(), "{}", text(&dry));
    assert!(!emulator
        .calls()
        .iter()
        .any(|c| c["action"] == "GetSessionToken"));
    // AWS takes a code once; the dry run left it unused.
    let output = rotate(
        home.path(),
        &emulator,
        &["--profile", "dev", "--mfa-code", "123456"],
    );
    assert!(output.status.success(), "{}", text(&output));
}

/// After a failure before the files are written: files unchanged, the old key works and is
/// the user's only key, no journal.
fn assert_untouched(home: &Path, emulator: &Emulator, key: &Key, before: &[u8]) {
    assert_eq!(std::fs::read(credentials_path(home)).unwrap(), before);
    assert!(aws_cli_arn(home, emulator, "dev", &[]).is_some());
    assert_eq!(
        user_keys(emulator, &key.user),
        [(key.id.clone(), "Active".to_string())]
    );
    assert!(!home
        .join(".local/state/awscheck/rotation-journal.json")
        .exists());
}

#[test]
fn a_read_only_folder_leaves_the_files_and_takes_the_new_key_back() {
    let emulator = Emulator::start();
    let key = emulator.create_key(json!({ "user": "read-only" }));
    let home = home_with(&[("dev", &key)]);
    let before = std::fs::read(credentials_path(home.path())).unwrap();
    let aws_dir = home.path().join(".aws");
    std::fs::set_permissions(&aws_dir, PermissionsExt::from_mode(0o555)).unwrap();
    // Permissions do not stop root; then the write failure is injected instead.
    let root = std::fs::write(aws_dir.join(".probe"), "").is_ok();
    let mut command = awscheck(home.path(), &emulator.url);
    command.args(["rotate", "--profile", "dev", "--propagation-timeout", "3"]);
    if root {
        let _ = std::fs::remove_file(aws_dir.join(".probe"));
        command.env("AWSCHECK_FAIL_WRITE", "1");
    }
    let output = command.output().unwrap();
    std::fs::set_permissions(&aws_dir, PermissionsExt::from_mode(0o700)).unwrap();
    if root && !cfg!(feature = "fault-injection") {
        eprintln!("running as root without the fault-injection feature: the write could not be made to fail");
        return;
    }
    assert_eq!(output.status.code(), Some(2), "{}", text(&output));
    assert!(text(&output).contains("deleted again"), "{}", text(&output));
    assert_untouched(home.path(), &emulator, &key, &before);
}

#[test]
fn two_rotations_never_run_at_once() {
    let emulator = Emulator::start();
    let key = emulator.create_key(json!({ "user": "locked" }));
    let home = home_with(&[("dev", &key)]);
    let state = home.path().join(".local/state/awscheck");
    std::fs::create_dir_all(&state).unwrap();
    let lock = std::fs::File::create(state.join("rotate.lock")).unwrap();
    lock.lock().unwrap();
    let output = rotate(home.path(), &emulator, &["--profile", "dev"]);
    assert_eq!(output.status.code(), Some(2));
    assert!(
        text(&output).contains("another awscheck rotate is running"),
        "{}",
        text(&output)
    );
    drop(lock);
}

#[test]
fn the_copies_of_the_old_key_are_named_when_it_is_done_and_left_alone() {
    let emulator = Emulator::start();
    let key = emulator.create_key(json!({ "user": "copied" }));
    let home = home_with(&[("dev", &key)]);
    let history = home.path().join(".bash_history");
    let before = format!("ls\nexport AWS_ACCESS_KEY_ID={}\n", key.id);
    std::fs::write(&history, &before).unwrap();
    // Deeper than the fixed list: named from the last deep scan.
    let script = home.path().join("work/deploy/run.sh");
    std::fs::create_dir_all(script.parent().unwrap()).unwrap();
    std::fs::write(
        &script,
        format!("#!/bin/sh\nAWS_SECRET_ACCESS_KEY={} ./deploy\n", key.secret),
    )
    .unwrap();
    let scanned = awscheck(home.path(), &emulator.url)
        .arg("scan")
        .output()
        .unwrap();
    assert_eq!(scanned.status.code(), Some(1), "{}", text(&scanned));
    let output = rotate(home.path(), &emulator, &["--profile", "dev"]);
    let all = text(&output);
    assert!(output.status.success(), "{all}");
    assert!(
        all.contains(&format!(
            "Copies of the old key are still in {}:2",
            history.display()
        )),
        "{all}"
    );
    let words = all.split_whitespace().collect::<Vec<_>>().join(" ");
    assert!(
        words.contains(&format!(
            "The deep scan of {} also saw the old key in {}:2: remove it there too.",
            chrono::Utc::now().format("%Y-%m-%d"),
            script.display()
        )),
        "{all}"
    );
    assert!(!all.contains(&key.id));
    assert!(!all.contains(&key.secret));
    assert_eq!(
        std::fs::read_to_string(&history).unwrap(),
        before,
        "never edited"
    );
}

/// A run killed between writing the journal's temporary file and renaming it leaves the
/// secrets in that file: the next rotation removes it before writing its own.
#[test]
fn a_journal_temporary_file_a_killed_run_left_is_removed() {
    let emulator = Emulator::start();
    let dev = emulator.create_key(json!({ "user": "dev-journal-temp" }));
    let other = emulator.create_key(json!({ "user": "someone-else-journal-temp" }));
    let home = layout_home(&dev, &other, 0o600);
    let state = home.path().join(".local/state/awscheck");
    std::fs::create_dir_all(&state).unwrap();
    let left = state.join(".rotation-journal.json.awscheck-tmp-4242");
    std::fs::write(&left, format!("{{\"old_secret\": \"{}\"", dev.secret)).unwrap();
    let output = rotate(home.path(), &emulator, &["--profile", "dev"]);
    assert!(output.status.success(), "{}", text(&output));
    assert!(!left.exists(), "the killed run's temporary file is gone");
}
