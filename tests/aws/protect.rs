//! `awscheck protect`, `credential-process` and `unprotect` on a real Secret Service
//! (gnome-keyring on a private bus) against the IAM/STS emulator with authentication on.

use crate::emulator::{aws_cli_arn, awscheck, home_with, path_with_aws_cli, Emulator, Key};
use serde_json::{json, Value};
use std::path::Path;
use std::process::Output;

const ORIGINAL: &str = "# team keys\r\n[dev]\r\n; rotated in May\r\naws_access_key_id = {ID}\r\naws_secret_access_key={SECRET}\r\nregion = eu-west-1\r\n\r\n[ci]\r\naws_access_key_id = {ID}\r\naws_secret_access_key = {SECRET}\r\n[other]\r\naws_access_key_id = AKIAOTHEROTHEROTHER1\r\naws_secret_access_key = other\r\n";

struct Setup {
    emulator: Emulator,
    home: tempfile::TempDir,
    key: Key,
    store: crate::secret_store::SecretStore,
    original: String,
    printed: String,
}

fn setup(user: &str) -> Option<Setup> {
    setup_on(Emulator::start(), user)
}

fn setup_on(emulator: Emulator, user: &str) -> Option<Setup> {
    let created = (chrono::Utc::now() - chrono::Duration::days(100)).to_rfc3339();
    let key = emulator.create_key(json!({ "user": user, "created": created }));
    let home = home_with(&[]);
    let store = crate::secret_store::start(home.path())?;
    let original = ORIGINAL
        .replace("{ID}", &key.id)
        .replace("{SECRET}", &key.secret);
    std::fs::write(home.path().join(".aws/credentials"), &original).unwrap();
    Some(Setup {
        emulator,
        home,
        key,
        store,
        original,
        printed: String::new(),
    })
}

fn text(output: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    )
}

impl Setup {
    fn home(&self) -> &Path {
        self.home.path()
    }

    fn run(&mut self, args: &[&str]) -> Output {
        let output = awscheck(self.home(), &self.emulator.url)
            .args(args)
            .env("DBUS_SESSION_BUS_ADDRESS", &self.store.address)
            .output()
            .unwrap();
        self.printed.push_str(&text(&output));
        output
    }

    /// What `credential-process` hands out for the protected key: it must succeed, with
    /// nothing on stderr.
    fn handed_out(&mut self) -> Value {
        let output = self.run(&["credential-process", "--key-id", &self.key.id.clone()]);
        assert!(output.status.success(), "{}", text(&output));
        assert!(output.stderr.is_empty(), "{}", text(&output));
        serde_json::from_slice(&output.stdout).unwrap()
    }

    /// The slugs of the findings of a JSON audit run with `args`, and what it printed.
    fn finding_slugs(&mut self, args: &[&str]) -> (Vec<String>, String) {
        let output = self.run(args);
        let report: Value = serde_json::from_slice(&output.stdout).unwrap();
        let slugs = report["findings"]
            .as_array()
            .unwrap()
            .iter()
            .map(|f| f["slug"].as_str().unwrap().to_string())
            .collect();
        (slugs, text(&output))
    }

    fn credentials(&self) -> String {
        std::fs::read_to_string(self.home().join(".aws/credentials")).unwrap()
    }

    /// What the AWS CLI gets through the protected profile.
    fn aws_cli(&self, args: &[&str]) -> Output {
        std::process::Command::new(crate::emulator::python().with_file_name("aws"))
            .args(args)
            .env_clear()
            .env("HOME", self.home())
            .env("PATH", path_with_aws_cli())
            .env("AWS_ENDPOINT_URL", &self.emulator.url)
            .env("AWS_DEFAULT_REGION", "us-east-1")
            .env("DBUS_SESSION_BUS_ADDRESS", &self.store.address)
            .output()
            .unwrap()
    }

    /// Protect the key of this setup as the one profile `dev`, with `config` for it.
    fn protect_alone(&mut self, config: &str) {
        std::fs::write(self.home().join(".aws/config"), config).unwrap();
        std::fs::write(
            self.home().join(".aws/credentials"),
            format!(
                "[dev]\naws_access_key_id = {}\naws_secret_access_key = {}\n",
                self.key.id, self.key.secret
            ),
        )
        .unwrap();
        let output = self.run(&["protect", "--profile", "dev"]);
        assert!(output.status.success(), "{}", text(&output));
    }

    /// `aws --profile dev sts get-caller-identity` with nothing in the environment to say
    /// which profile, region or endpoint: all of it comes from the files.
    fn identity_alone(&self) -> Output {
        std::process::Command::new(crate::emulator::python().with_file_name("aws"))
            .args([
                "sts",
                "get-caller-identity",
                "--profile",
                "dev",
                "--output",
                "json",
            ])
            .env_clear()
            .env("HOME", self.home())
            .env("PATH", path_with_aws_cli())
            .env("DBUS_SESSION_BUS_ADDRESS", &self.store.address)
            .output()
            .unwrap()
    }

    fn session_tokens(&self) -> usize {
        self.emulator
            .calls()
            .iter()
            .filter(|call| call["action"] == "GetSessionToken")
            .count()
    }
}

#[test]
fn protect_hands_out_sessions_and_unprotect_gives_the_file_back_byte_for_byte() {
    let Some(mut setup) = setup("kc") else {
        return;
    };
    let output = setup.run(&["protect", "--profile", "dev"]);
    assert!(output.status.success(), "{}", text(&output));
    let protected = setup.credentials();
    assert!(
        !protected.contains(&setup.key.secret),
        "the secret left the file:\n{protected}"
    );
    assert!(!protected.contains("aws_access_key_id = ") || protected.contains("AKIAOTHER"));
    assert_eq!(
        protected.matches("credential-process --profile ").count(),
        2,
        "dev and ci, which held the same key, are protected together:\n{protected}"
    );
    assert!(protected.contains("region = eu-west-1\r\n"), "{protected}");

    // The AWS CLI, an independent client, gets a working session through the profile.
    let arn = aws_cli_arn(
        setup.home(),
        &setup.emulator,
        "dev",
        &[("DBUS_SESSION_BUS_ADDRESS", Path::new(&setup.store.address))],
    );
    assert_eq!(arn.as_deref(), Some("arn:aws:iam::123456789012:user/kc"));
    let calls = setup.emulator.calls();
    let identity = calls
        .iter()
        .rfind(|call| call["action"] == "GetCallerIdentity")
        .unwrap();
    assert!(
        identity["access_key_id"]
            .as_str()
            .unwrap()
            .starts_with("ASIA"),
        "signed with a session, not the long-term key: {identity}"
    );

    // Twenty more runs share that one session.
    let sessions = setup.session_tokens();
    for _ in 0..20 {
        let document = setup.handed_out();
        assert_eq!(document["Version"], 1);
        assert!(document["Expiration"].is_string());
    }
    assert_eq!(
        setup.session_tokens(),
        sessions,
        "one GetSessionToken in all"
    );

    // The audit knows the profile for what it is.
    let (slugs, _) = setup.finding_slugs(&["audit", "--offline", "--format", "json", "-p", "dev"]);
    assert!(!slugs.iter().any(|s| s == "long-term-key"), "{slugs:?}");
    // Online, the audit signs with the key from the store: IAM's age of the key still counts.
    let (slugs, printed) = setup.finding_slugs(&["audit", "--format", "json", "-p", "dev"]);
    assert!(
        slugs.iter().any(|s| s == "key-too-old"),
        "{slugs:?}\n{printed}"
    );
    let output = setup.run(&["profiles", "--format", "json"]);
    assert!(
        text(&output).contains("\"credential_kind\": \"protected-key\""),
        "{}",
        text(&output)
    );

    let output = setup.run(&["unprotect", "--profile", "dev"]);
    assert!(output.status.success(), "{}", text(&output));
    assert_eq!(setup.credentials(), setup.original, "byte for byte");
    assert!(aws_cli_arn(setup.home(), &setup.emulator, "dev", &[]).is_some());
    let output = setup.run(&["credential-process", "--key-id", &setup.key.id.clone()]);
    assert!(
        !output.status.success(),
        "the store no longer holds the key"
    );

    for secret in [&setup.key.secret, &setup.key.id] {
        assert!(
            !setup.printed.contains(secret.as_str()),
            "printed:\n{}",
            setup.printed
        );
    }
    // No session token reached the output either, nor the state folder.
    let state = std::fs::read_dir(setup.home().join(".local/state/awscheck")).unwrap();
    for entry in state.flatten() {
        if entry.path().is_file() {
            let bytes = std::fs::read(entry.path()).unwrap();
            assert!(
                !String::from_utf8_lossy(&bytes).contains(&setup.key.secret),
                "{}",
                entry.path().display()
            );
        }
    }
}

#[test]
fn unprotect_after_the_file_changed_puts_the_key_lines_back() {
    let Some(mut setup) = setup("kc-changed") else {
        return;
    };
    assert!(setup.run(&["protect", "--profile", "dev"]).status.success());
    let mut changed = setup.credentials();
    changed.push_str("[added]\r\nregion = us-west-2\r\n");
    std::fs::write(setup.home().join(".aws/credentials"), &changed).unwrap();
    let output = setup.run(&["unprotect", "--profile", "dev"]);
    assert!(output.status.success(), "{}", text(&output));
    let back = setup.credentials();
    assert!(back.contains("[added]\r\nregion = us-west-2\r\n"), "{back}");
    assert!(!back.contains("credential_process"), "{back}");
    assert!(aws_cli_arn(setup.home(), &setup.emulator, "dev", &[]).is_some());
    assert!(aws_cli_arn(setup.home(), &setup.emulator, "ci", &[]).is_some());
}

/// `[protect] no_session` in the settings hands the key itself to a profile protected with
/// sessions: it can call IAM without MFA, and no GetSessionToken is made for it.
#[test]
fn the_settings_can_hand_out_the_key_itself_for_a_profile() {
    let Some(mut setup) = setup("kc-no-session") else {
        return;
    };
    assert!(setup.run(&["protect", "--profile", "dev"]).status.success());
    let settings = setup.home().join(".config/awscheck/settings.toml");
    std::fs::create_dir_all(settings.parent().unwrap()).unwrap();
    std::fs::write(&settings, "[protect]\nno_session = [\"ci\"]\n").unwrap();
    let sessions = setup.session_tokens();
    let document = setup.handed_out();
    assert_eq!(document["AccessKeyId"], setup.key.id.as_str());
    assert_eq!(document["SecretAccessKey"], setup.key.secret.as_str());
    assert!(document.get("SessionToken").is_none() && document.get("Expiration").is_none());
    assert_eq!(setup.session_tokens(), sessions, "no session was made");
    // Through the profile, the AWS CLI calls IAM with it.
    let users = setup.aws_cli(&["iam", "list-access-keys", "--profile", "dev"]);
    assert!(users.status.success(), "{}", text(&users));

    // Named for a profile that does not hold the key, the setting changes nothing.
    std::fs::write(&settings, "[protect]\nno_session = [\"other\"]\n").unwrap();
    let document = setup.handed_out();
    assert!(document["AccessKeyId"]
        .as_str()
        .unwrap()
        .starts_with("ASIA"));
}

#[test]
fn a_protected_key_the_store_does_not_hold_is_a_finding() {
    let Some(mut setup) = setup("kc-moved") else {
        return;
    };
    assert!(setup.run(&["protect", "--profile", "dev"]).status.success());
    // The files move to a machine whose store never held the key: a fresh keyring.
    let elsewhere = tempfile::tempdir().unwrap();
    let Some(other) = crate::secret_store::start(elsewhere.path()) else {
        return;
    };
    let output = awscheck(setup.home(), &setup.emulator.url)
        .args(["audit", "--offline", "--format", "json"])
        .env("DBUS_SESSION_BUS_ADDRESS", &other.address)
        .output()
        .unwrap();
    let report: Value = serde_json::from_slice(&output.stdout).unwrap();
    let missing: Vec<&str> = report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["slug"] == "protected-key-missing")
        .map(|f| f["profile"].as_str().unwrap())
        .collect();
    assert_eq!(missing, ["dev", "ci"], "{}", text(&output));
    assert_eq!(
        output.status.code(),
        Some(1),
        "a high finding fails the audit"
    );
}

#[test]
fn without_a_secret_store_protect_changes_nothing() {
    let Some(setup) = setup("kc-none") else {
        return;
    };
    let output = awscheck(setup.home(), &setup.emulator.url)
        .args(["protect", "--profile", "dev"])
        .env("DBUS_SESSION_BUS_ADDRESS", "unix:path=/nonexistent/bus")
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2));
    assert!(
        text(&output).contains("no usable secret store"),
        "{}",
        text(&output)
    );
    assert_eq!(setup.credentials(), setup.original);
    assert!(!setup.home().join(".local/state/awscheck/backups").exists());
}

#[test]
fn a_key_protected_with_mfa_asks_for_a_code_on_the_terminal() {
    let Some(mut setup) = setup("kc-mfa") else {
        return;
    };
    setup.emulator.control(
        "POST",
        "users",
        Some(json!({ "user": "kc-mfa", "require_mfa": true })),
    );
    std::fs::write(
        setup.home().join(".aws/config"),
        "[profile dev]\nmfa_serial = arn:aws:iam::123456789012:mfa/kc-mfa\n",
    )
    .unwrap();
    assert!(setup.run(&["protect", "--profile", "dev"]).status.success());
    // No terminal: a clear one-line error, nothing on stdout.
    let output = setup.run(&["credential-process", "--key-id", &setup.key.id.clone()]);
    assert!(!output.status.success());
    assert!(output.stdout.is_empty());
    let error = String::from_utf8_lossy(&output.stderr).to_string();
    assert!(
        error.contains("MFA code") && error.lines().count() == 1,
        "{error}"
    );

    // On a terminal (`script` gives the run one), the code typed there makes an MFA session,
    // which may call IAM.
    let binary = assert_cmd::cargo::cargo_bin("awscheck");
    let command = format!(
        "{} credential-process --key-id {}",
        binary.display(),
        setup.key.id
    );
    let mut child = std::process::Command::new("script")
        .args(["-qec", &command, "/dev/null"])
        .env_clear()
        .env("HOME", setup.home())
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .env("AWS_ENDPOINT_URL", &setup.emulator.url)
        .env("DBUS_SESSION_BUS_ADDRESS", &setup.store.address)
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    use std::io::Write;
    child.stdin.take().unwrap().write_all(b"123456\n").unwrap();
    let output = child.wait_with_output().unwrap();
    let printed = String::from_utf8_lossy(&output.stdout).to_string();
    assert!(output.status.success(), "{printed}");
    assert!(
        printed.contains("MFA code for arn:aws:iam::123456789012:mfa/kc-mfa"),
        "{printed}"
    );
    let start = printed.find('{').unwrap();
    let document: Value = serde_json::from_str(printed[start..].trim()).unwrap();
    let session = document["AccessKeyId"].as_str().unwrap().to_string();
    let output = setup.aws_cli(&[
        "iam",
        "list-access-keys",
        "--profile",
        "dev",
        "--output",
        "json",
    ]);
    assert!(
        output.status.success(),
        "an MFA session can call IAM: {}",
        text(&output)
    );
    let signed_by: Vec<String> = setup
        .emulator
        .calls()
        .iter()
        .filter(|call| call["action"] == "ListAccessKeys")
        .map(|call| call["access_key_id"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(signed_by, [session]);
}

/// The protected profile's key is replaced in the store, and the files only switch the ID
/// their credential_process names; `point` kills the first run there, and resume finishes.
fn rotate_protected(point: Option<&str>) {
    let user = format!("kc-rotate-{}", point.unwrap_or("clean"));
    let Some(mut setup) = setup(&user) else {
        return;
    };
    assert!(setup.run(&["protect", "--profile", "dev"]).status.success());
    let old = setup.key.id.clone();
    let mut command = awscheck(setup.home(), &setup.emulator.url);
    command
        .args(["rotate", "--profile", "dev", "--propagation-timeout", "3"])
        .env("DBUS_SESSION_BUS_ADDRESS", &setup.store.address);
    if let Some(point) = point {
        command.env("AWSCHECK_CRASH_AT", point);
    }
    let output = command.output().unwrap();
    setup.printed.push_str(&text(&output));
    if point.is_some() {
        assert!(!output.status.success());
        // The paused rotation's journal names keys by ID only: both secrets are in the store.
        let journal = std::fs::read_to_string(
            setup
                .home()
                .join(".local/state/awscheck/rotation-journal.json"),
        )
        .unwrap();
        assert!(!journal.contains(&setup.key.secret), "{journal}");
        let document: Value = serde_json::from_str(&journal).unwrap();
        if let Some(new_id) = document["new_key_id"].as_str() {
            let env = awscheck::sys::env::Env::from_pairs([(
                "DBUS_SESSION_BUS_ADDRESS",
                setup.store.address.as_str(),
            )]);
            let store = awscheck::protect::keychain::open(&env).unwrap();
            let new = awscheck::protect::keychain::get_key(store.as_ref(), new_id)
                .unwrap()
                .expect("the new key is in the store from the moment it exists");
            assert!(!journal.contains(&new.secret_access_key), "{journal}");
        }
        // Whatever the moment, the profile still gets working credentials.
        assert!(aws_cli_arn(
            setup.home(),
            &setup.emulator,
            "dev",
            &[("DBUS_SESSION_BUS_ADDRESS", Path::new(&setup.store.address),)]
        )
        .is_some());
        let output = setup.run(&["rotate", "--resume"]);
        assert!(output.status.success(), "{}", text(&output));
    } else {
        assert!(output.status.success(), "{}", text(&output));
    }
    let file = setup.credentials();
    assert!(!file.contains(&old), "{file}");
    assert_eq!(file.matches(" --key-id AKIA").count(), 2, "{file}");
    let arn = aws_cli_arn(
        setup.home(),
        &setup.emulator,
        "ci",
        &[("DBUS_SESSION_BUS_ADDRESS", Path::new(&setup.store.address))],
    );
    assert_eq!(arn, Some(format!("arn:aws:iam::123456789012:user/{user}")));
    let keys = crate::emulator::user_keys(&setup.emulator, &user);
    assert!(
        keys.contains(&(old.clone(), "Inactive".to_string())),
        "{keys:?}"
    );
    let output = setup.run(&["credential-process", "--key-id", &old]);
    assert!(!output.status.success(), "the old key left the store");
    assert!(!setup.printed.contains(&setup.key.secret));
}

#[test]
fn a_protected_key_is_rotated_in_the_store() {
    rotate_protected(None);
}

#[cfg(feature = "fault-injection")]
#[test]
fn a_protected_rotation_killed_before_writing_is_finished_by_resume() {
    rotate_protected(Some("before-write"));
}

#[cfg(feature = "fault-injection")]
#[test]
fn a_protected_rotation_killed_after_writing_is_finished_by_resume() {
    rotate_protected(Some("after-write"));
}

#[cfg(feature = "fault-injection")]
#[test]
fn a_protected_rotation_killed_after_creating_is_finished_by_resume() {
    rotate_protected(Some("after-verify"));
}

/// Every regular file under `dir` whose bytes hold `needle`, but the keyrings (encrypted).
fn files_holding(dir: &Path, needle: &str) -> Vec<std::path::PathBuf> {
    let mut found = Vec::new();
    let Ok(entries) = std::fs::read_dir(dir) else {
        return found;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        let Ok(kind) = entry.file_type() else {
            continue;
        };
        if kind.is_dir() && !path.ends_with(".local/share/keyrings") {
            found.extend(files_holding(&path, needle));
        } else if kind.is_file() {
            let bytes = std::fs::read(&path).unwrap_or_default();
            if bytes.windows(needle.len()).any(|w| w == needle.as_bytes()) {
                found.push(path);
            }
        }
    }
    found
}

/// After protect, rotate and unprotect, no file under HOME holds a secret but the credentials
/// file after unprotect; a backup an earlier version left holding the protected secret is an
/// audit finding, and the next rotate removes it.
#[test]
fn no_file_holds_a_protected_secret_after_protect_rotate_and_unprotect() {
    let Some(mut setup) = setup("kc-nowhere") else {
        return;
    };
    let (old_id, old_secret) = (setup.key.id.clone(), setup.key.secret.clone());
    let output = setup.run(&["protect", "--profile", "dev"]);
    assert!(output.status.success(), "{}", text(&output));
    assert!(
        text(&output).contains("removed the backups"),
        "{}",
        text(&output)
    );
    assert_eq!(
        files_holding(setup.home(), &old_secret),
        Vec::<std::path::PathBuf>::new()
    );

    // A backup as earlier versions left them, holding the secret now in the store.
    let legacy = setup
        .home()
        .join(".local/state/awscheck/backups/credentials.20261101T090000.000Z");
    std::fs::write(&legacy, &setup.original).unwrap();
    let (slugs, printed) = setup.finding_slugs(&["audit", "--offline", "--format", "json"]);
    assert!(
        slugs.iter().any(|s| s == "key-copied-outside-credentials")
            && printed.contains("credentials.20261101T090000.000Z"),
        "{slugs:?}\n{printed}"
    );

    let output = setup.run(&["rotate", "--profile", "dev", "--propagation-timeout", "3"]);
    assert!(output.status.success(), "{}", text(&output));
    assert!(!legacy.exists(), "the next rotate removes it");
    assert_eq!(
        files_holding(setup.home(), &old_secret),
        Vec::<std::path::PathBuf>::new()
    );
    let file = setup.credentials();
    let new_id = file
        .split("--key-id ")
        .nth(1)
        .and_then(|rest| rest.split_whitespace().next())
        .unwrap()
        .to_string();
    assert_ne!(new_id, old_id);
    let state = setup.home().join(".local/state/awscheck/protected");
    assert!(
        !state.join(format!("{old_id}.json")).exists(),
        "no record of the old key is left"
    );
    assert!(
        state.join(format!("{new_id}.json")).exists(),
        "the record follows the key"
    );

    let output = setup.run(&["unprotect", "--profile", "dev"]);
    assert!(output.status.success(), "{}", text(&output));
    let back = setup.credentials();
    let new_secret = back
        .lines()
        .find_map(|line| line.strip_prefix("aws_secret_access_key="))
        .unwrap()
        .trim()
        .to_string();
    // The file as it was before protecting, byte for byte, with the new key.
    assert_eq!(
        back,
        setup
            .original
            .replace(&old_id, &new_id)
            .replace(&old_secret, &new_secret)
    );
    assert_eq!(
        files_holding(setup.home(), &new_secret),
        [setup.home().join(".aws/credentials")]
    );
    assert!(!setup.printed.contains(&old_secret) && !setup.printed.contains(&new_secret));
}

/// A file made readable by others while protected gets the secret back private, and says so.
#[test]
fn unprotect_writes_the_secret_into_a_private_file() {
    use std::os::unix::fs::PermissionsExt;
    let Some(mut setup) = setup("kc-mode") else {
        return;
    };
    assert!(setup.run(&["protect", "--profile", "dev"]).status.success());
    let credentials = setup.home().join(".aws/credentials");
    std::fs::set_permissions(&credentials, PermissionsExt::from_mode(0o644)).unwrap();
    let output = setup.run(&["unprotect", "--profile", "dev"]);
    assert!(output.status.success(), "{}", text(&output));
    let mode = std::fs::metadata(&credentials)
        .unwrap()
        .permissions()
        .mode()
        & 0o777;
    assert_eq!(mode, 0o600);
    // Lines are fitted to the terminal: the words matter, not where they wrap.
    let words = text(&output)
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ");
    assert!(
        words.contains("(mode 0644 to 0600): it holds a secret"),
        "{}",
        text(&output)
    );
}

/// protect and unprotect take the lock before they read the files: while another awscheck
/// holds it, they say so, whatever the files hold.
#[test]
fn protect_waits_for_no_one_and_reads_nothing_while_another_awscheck_works() {
    let Some(mut setup) = setup("kc-lock") else {
        return;
    };
    let state = setup.home().join(".local/state/awscheck");
    std::fs::create_dir_all(&state).unwrap();
    let held = std::fs::File::create(state.join("rotate.lock")).unwrap();
    held.lock().unwrap();
    // Half written by the other awscheck, as far as a reader can tell.
    std::fs::write(
        setup.home().join(".aws/credentials"),
        "[dev]\naws_access_key_id = \0",
    )
    .unwrap();
    for command in ["protect", "unprotect"] {
        let output = setup.run(&[command, "--profile", "dev"]);
        assert_eq!(output.status.code(), Some(2));
        assert!(
            text(&output).contains("another awscheck rotate or protect is running"),
            "{command}: {}",
            text(&output)
        );
    }
}

/// A profile with its own region (another partition) and endpoint, protected: the AWS CLI
/// gets sessions through it with nothing in the environment to say which profile or region.
/// A line written before lines named their profile still works, the audit offers the command
/// that updates it, and that command changes only the line.
#[test]
fn sessions_are_made_through_the_profiles_own_region_and_endpoint() {
    let Some(mut setup) = setup("kc-region") else {
        return;
    };
    // A key of the China partition: it works only through a China region's STS.
    setup.key = setup
        .emulator
        .create_key(json!({ "user": "kc-region-cn", "partition": "aws-cn" }));
    let config = format!(
        "[profile dev]\nregion = cn-north-1\nendpoint_url = {}\n",
        setup.emulator.url
    );
    setup.protect_alone(&config);
    let output = setup.identity_alone();
    assert!(output.status.success(), "{}", text(&output));
    let session = setup
        .emulator
        .calls()
        .into_iter()
        .rfind(|call| call["action"] == "GetSessionToken")
        .expect("a session was made");
    assert_eq!(session["access_key_id"], setup.key.id.as_str(), "{session}");

    // The line as protect wrote it before: no profile named.
    let protected = setup.credentials();
    let old_form = protected.replace("credential-process --profile dev ", "credential-process ");
    assert_ne!(old_form, protected);
    std::fs::write(setup.home().join(".aws/credentials"), &old_form).unwrap();
    // Sessions are kept in the store: a new one is needed to go through STS again.
    let env = awscheck::sys::env::Env::from_pairs([(
        "DBUS_SESSION_BUS_ADDRESS",
        setup.store.address.as_str(),
    )]);
    let store = awscheck::protect::keychain::open(&env).unwrap();
    assert!(store
        .delete(awscheck::protect::keychain::Entry::Session(&setup.key.id))
        .unwrap());
    let sessions = setup.session_tokens();
    let output = setup.identity_alone();
    assert!(output.status.success(), "{}", text(&output));
    assert!(
        setup.session_tokens() > sessions,
        "a new session, through the profile's STS"
    );
    let (slugs, printed) = setup.finding_slugs(&["audit", "--offline", "--format", "json"]);
    assert!(
        slugs.iter().any(|s| s == "protected-profile-unnamed")
            && printed.contains("awscheck protect --profile dev"),
        "{slugs:?}\n{printed}"
    );
    let output = setup.run(&["protect", "--profile", "dev"]);
    assert!(output.status.success(), "{}", text(&output));
    assert_eq!(
        setup.credentials(),
        protected,
        "only the line changed, back as protect writes it"
    );
    assert!(setup.identity_alone().status.success());
    let output = setup.run(&["unprotect", "--profile", "dev"]);
    assert!(output.status.success(), "{}", text(&output));
    assert_eq!(
        setup.credentials(),
        format!(
            "[dev]\naws_access_key_id = {}\naws_secret_access_key = {}\n",
            setup.key.id, setup.key.secret
        ),
        "the undo record followed the update"
    );
}

/// A Secret Service that asks the user before deleting (a prompt path from `Item.Delete`) and
/// whose prompt is dismissed: the entry is not reported as deleted.
#[cfg(not(target_os = "macos"))]
#[test]
fn a_deletion_whose_prompt_is_dismissed_is_not_done() {
    let home = tempfile::tempdir().unwrap();
    let Some(bus) = crate::secret_store::bus(home.path()) else {
        return;
    };
    let address = bus.address.clone();
    let (ready, serving) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        zbus::block_on(async move {
            let conn = zbus::connection::Builder::address(address.as_str())
                .name("org.freedesktop.secrets")
                .build()
                .await
                .unwrap();
            ready.send(()).unwrap();
            serve_a_store_that_asks_first(&conn).await;
        })
    });
    serving.recv().unwrap();
    let env =
        awscheck::sys::env::Env::from_pairs([("DBUS_SESSION_BUS_ADDRESS", bus.address.as_str())]);
    let store = awscheck::protect::keychain::open(&env).unwrap();
    let error = store
        .delete(awscheck::protect::keychain::Entry::Key(
            "AKIAEXAMPLEEXAMPLE01",
        ))
        .unwrap_err();
    assert!(error.0.contains("prompt was dismissed"), "{error}");
}

/// Answers what awscheck asks when it deletes an entry: one item found, a prompt to delete it,
/// and that prompt dismissed.
#[cfg(not(target_os = "macos"))]
async fn serve_a_store_that_asks_first(conn: &zbus::Connection) {
    use zbus::export::futures_core::Stream;
    use zbus::{ObjectPath, Variant as Value};
    let mut calls = zbus::MessageStream::from(conn);
    loop {
        let next = std::future::poll_fn(|cx| std::pin::Pin::new(&mut calls).poll_next(cx)).await;
        let Some(Ok(message)) = next else {
            return;
        };
        let header = message.header();
        if header.message_type() != zbus::message::Type::MethodCall {
            continue;
        }
        let path = |p: &'static str| ObjectPath::try_from(p).unwrap();
        match header.member().map(|m| m.as_str()).unwrap_or_default() {
            "OpenSession" => conn.reply(&header, &(Value::from(""), path("/s/1"))).await,
            "SearchItems" => {
                let none: Vec<ObjectPath> = Vec::new();
                conn.reply(&header, &(vec![path("/i/1")], none)).await
            }
            "Delete" => conn.reply(&header, &path("/p/1")).await,
            "Prompt" => {
                conn.reply(&header, &()).await.unwrap();
                conn.emit_signal(
                    None::<()>,
                    "/p/1",
                    "org.freedesktop.Secret.Prompt",
                    "Completed",
                    &(true, Value::from("")),
                )
                .await
            }
            _ => conn.reply(&header, &()).await,
        }
        .unwrap();
    }
}

/// A profile whose endpoint only its own CA bundle vouches for: the sessions are made through
/// it, and a bundle that is no bundle is one clear line, not a crash.
#[test]
fn sessions_trust_the_profiles_ca_bundle() {
    let Some(mut setup) = setup_on(Emulator::start_with_tls(), "kc-ca-bundle") else {
        return;
    };
    let https = setup.emulator.tls_url.clone().unwrap();
    let config = |bundle: &Path| {
        format!(
            "[profile dev]\nregion = eu-west-1\nendpoint_url = {https}\nca_bundle = {}\n",
            bundle.display()
        )
    };
    setup.protect_alone(&config(&crate::emulator::test_ca()));
    let output = setup.identity_alone();
    assert!(output.status.success(), "{}", text(&output));
    assert!(setup.session_tokens() >= 1);

    // No bundle the profile names is read as one: said in one line.
    let junk = setup.home().join("junk.pem");
    std::fs::write(
        &junk,
        "-----BEGIN CERTIFICATE-----\nnot base64\n-----END CERTIFICATE-----\n",
    )
    .unwrap();
    std::fs::write(setup.home().join(".aws/config"), config(&junk)).unwrap();
    let env = awscheck::sys::env::Env::from_pairs([(
        "DBUS_SESSION_BUS_ADDRESS",
        setup.store.address.as_str(),
    )]);
    let store = awscheck::protect::keychain::open(&env).unwrap();
    store
        .delete(awscheck::protect::keychain::Entry::Session(&setup.key.id))
        .unwrap();
    let output = setup.run(&[
        "credential-process",
        "--profile",
        "dev",
        "--key-id",
        &setup.key.id.clone(),
    ]);
    assert_eq!(output.status.code(), Some(2));
    let error = String::from_utf8_lossy(&output.stderr).to_string();
    assert!(
        error.contains("junk.pem") && error.lines().count() == 1,
        "{error}"
    );
    assert!(!error.contains("panicked"), "{error}");
}
