//! `awscheck credential-process --profile NAME --key-id ID`: what the SDKs and the AWS CLI run
//! for a protected profile. It prints the `credential_process` JSON on stdout and nothing
//! else; every problem is one line on stderr and a non-zero exit, which the SDKs report as
//! failed credentials.
//!
//! By default it hands out an `sts:GetSessionToken` session (with MFA when the key was
//! protected from a profile with `mfa_serial`), kept in the store until five minutes before it
//! expires: a script that makes a hundred calls makes one STS call and asks for one code.
//! Runs that need a new session at the same time take turns, so they share one; nothing
//! waits without limit: not for the lock, not for a code nobody types.

use crate::audit::settings::MfaPrompt;
use crate::aws::calls::Aws;
use crate::aws::sdk::Connection;
use crate::protect::keychain::{self, SecretStore, StoredKey, StoredSession};
use crate::sys::mask::{mask_key_id, KeyDisplay};
use aws_credential_types::Credentials;
use chrono::{DateTime, Duration, Utc};
use serde::Serialize;
use std::io::{Read, Write};
use std::path::Path;

/// A session is handed out again until this close to its end.
const FRESH_FOR: Duration = Duration::minutes(5);
/// Twelve hours: GetSessionToken's own default for an IAM user.
const SESSION_SECONDS: i32 = 43_200;
/// How long a person may take to type an MFA code, and so how long a second run waits for
/// the first to get one.
pub const CODE_WAIT: std::time::Duration = std::time::Duration::from_secs(120);

/// The JSON the SDKs read (Version 1).
#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
struct ProcessCredentials<'a> {
    version: u8,
    access_key_id: &'a str,
    secret_access_key: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    session_token: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    expiration: Option<String>,
}

/// Where an MFA code comes from.
pub trait CodeSource {
    /// Whether there is anywhere to ask at all; asked before waiting for anything.
    fn available(&self) -> bool;
    fn code(&mut self, serial: &str) -> Option<String>;
}

/// The controlling terminal, even when stdin and stdout belong to the SDK that runs us; with
/// no terminal, the dialog the settings name (`[protect] mfa_prompt`).
pub struct Prompt<'a> {
    pub env: &'a crate::sys::env::Env,
    pub dialog: Option<MfaPrompt>,
}

impl CodeSource for Prompt<'_> {
    fn available(&self) -> bool {
        open_terminal().is_some()
            || self.dialog.is_some_and(|kind| {
                crate::sys::process::find_program(self.env, dialog_program(kind)).is_some()
            })
    }

    fn code(&mut self, serial: &str) -> Option<String> {
        match open_terminal() {
            Some(tty) => ask_on_terminal(&tty, serial),
            None => dialog(self.env, self.dialog?, serial),
        }
    }
}

fn open_terminal() -> Option<std::fs::File> {
    std::fs::File::options()
        .read(true)
        .write(true)
        .open("/dev/tty")
        .ok()
}

fn ask_on_terminal(tty: &std::fs::File, serial: &str) -> Option<String> {
    let mut writer = tty;
    write!(writer, "MFA code for {serial}: ").ok()?;
    writer.flush().ok()?;
    let code = read_line_within(tty, CODE_WAIT);
    if code.is_none() {
        // The prompt's line is ended so the terminal is left tidy; if that fails, nothing
        // depends on it.
        let _ = writeln!(writer);
    }
    code
}

/// One line from `input`, if one comes within `limit`: a terminal nobody types at must not
/// hold the SDK that runs us, nor every other run waiting for the lock.
fn read_line_within(input: &std::fs::File, limit: std::time::Duration) -> Option<String> {
    use rustix::event::{poll, PollFd, PollFlags, Timespec};
    let deadline = std::time::Instant::now() + limit;
    let mut line = Vec::new();
    let mut chunk = [0u8; 64];
    while !line.contains(&b'\n') && line.len() < 256 {
        let left = deadline.checked_duration_since(std::time::Instant::now())?;
        let timeout = Timespec::try_from(left).ok()?;
        let mut fds = [PollFd::new(input, PollFlags::IN)];
        if poll(&mut fds, Some(&timeout)).ok()? == 0 {
            return None;
        }
        let read = (&*input).read(&mut chunk).ok()?;
        if read == 0 {
            break;
        }
        line.extend_from_slice(&chunk[..read]);
    }
    let text = String::from_utf8_lossy(&line);
    let code = text.lines().next().unwrap_or_default().trim();
    (!code.is_empty()).then(|| code.to_string())
}

fn dialog_program(kind: MfaPrompt) -> &'static str {
    match kind {
        MfaPrompt::Zenity => "zenity",
        MfaPrompt::Kdialog => "kdialog",
        MfaPrompt::Osascript => "osascript",
    }
}

/// A desktop dialog asking for the code; the serial goes in as an argument, never into a
/// script.
fn dialog(env: &crate::sys::env::Env, kind: MfaPrompt, serial: &str) -> Option<String> {
    let question = format!("MFA code for {serial}");
    let args: Vec<String> = match kind {
        MfaPrompt::Zenity => {
            vec!["--entry".into(), "--title=awscheck".into(), format!("--text={question}")]
        }
        MfaPrompt::Kdialog => {
            vec!["--title".into(), "awscheck".into(), "--inputbox".into(), question]
        }
        MfaPrompt::Osascript => [
            "-e",
            "on run argv",
            "-e",
            "text returned of (display dialog (item 1 of argv) default answer \"\" with title \"awscheck\")",
            "-e",
            "end run",
            &question,
        ]
        .iter()
        .map(|arg| arg.to_string())
        .collect(),
    };
    let program = crate::sys::process::find_program(env, dialog_program(kind))?;
    // A dialog nobody answers ends.
    let output = crate::sys::process::run(&program, &args, None, CODE_WAIT).ok()?;
    let code = String::from_utf8_lossy(&output.stdout).trim().to_string();
    (output.success() && !code.is_empty()).then_some(code)
}

/// How `credential-process` hands a protected key out.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Handing {
    /// As the key was protected: sessions unless `--no-session` was given.
    AsProtected,
    /// The key itself: the settings name a profile that holds it under `[protect] no_session`.
    KeyItself,
}

/// Everything a run uses besides the key's ID.
pub struct Caller<'a> {
    pub store: &'a dyn SecretStore,
    /// awscheck's state folder, where runs take turns; `None` when there is none.
    pub state_dir: Option<&'a Path>,
    pub codes: &'a mut dyn CodeSource,
    /// How to reach STS for the profile served, worked out only when a session is made.
    pub connection: &'a dyn Fn() -> Result<Connection, String>,
    /// How long to wait for another run that is making a session.
    pub lock_wait: std::time::Duration,
    /// One line each, for stderr.
    pub warnings: &'a mut Vec<String>,
}

/// Why no credentials could be handed out; each says it in one line, key IDs masked.
#[derive(Debug)]
pub enum NoCredentials {
    Store(keychain::StoreError),
    /// The store (named) does not hold the key.
    NotInStore {
        store: String,
        key: String,
    },
    /// The key needs an MFA code and there is nowhere to ask for one.
    NowhereToAsk {
        key: String,
        serial: String,
    },
    /// Another run held its turn for the whole wait.
    Busy {
        key: String,
        waited: std::time::Duration,
    },
    /// Nobody typed a code in time.
    NoCode {
        key: String,
        serial: String,
    },
    /// How to reach STS for the profile could not be worked out.
    Unreachable(String),
    Aws(crate::aws::error::AwsError),
    /// The session's answer lacked a usable expiration.
    NoExpiration,
    Runtime(std::io::Error),
}

impl std::fmt::Display for NoCredentials {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            NoCredentials::Store(error) => write!(f, "{error}"),
            NoCredentials::NotInStore { store, key } => write!(
                f,
                "{store} holds no key {key}: the profile cannot get credentials. Run `awscheck audit` for the fix"
            ),
            NoCredentials::NowhereToAsk { key, serial } => write!(
                f,
                "the key {key} needs an MFA code ({serial}) and there is no terminal or dialog to ask for it; run the command in a terminal, or set `[protect] mfa_prompt` in the settings"
            ),
            NoCredentials::Busy { key, waited } => write!(
                f,
                "another awscheck credential-process has been making a session for {key} for {} s (waiting for an MFA code?); try again once it is done",
                waited.as_secs()
            ),
            NoCredentials::NoCode { key, serial } => write!(
                f,
                "the key {key} needs an MFA code ({serial}) and none was typed within {} s",
                CODE_WAIT.as_secs()
            ),
            NoCredentials::Unreachable(why) => f.write_str(why),
            NoCredentials::Aws(error) => write!(f, "{error}"),
            NoCredentials::NoExpiration => {
                f.write_str("sts:GetSessionToken answered with no valid expiration")
            }
            NoCredentials::Runtime(error) => write!(f, "cannot start: {error}"),
        }
    }
}

impl std::error::Error for NoCredentials {}

/// The JSON for `key_id`, made or taken from the store.
pub fn credentials(
    caller: &mut Caller,
    key_id: &str,
    handing: Handing,
    now: DateTime<Utc>,
) -> Result<String, NoCredentials> {
    let shown = mask_key_id(key_id);
    let store = caller.store;
    let key = keychain::get_key(store, key_id)
        .map_err(NoCredentials::Store)?
        .ok_or_else(|| NoCredentials::NotInStore {
            store: store.name(),
            key: shown.clone(),
        })?;
    if !key.sessions || handing == Handing::KeyItself {
        return Ok(json(&ProcessCredentials {
            version: 1,
            access_key_id: key_id,
            secret_access_key: &key.secret_access_key,
            session_token: None,
            expiration: None,
        }));
    }
    // A fresh session needs no turn: reading it changes nothing.
    if let Some(session) = fresh_session(store, key_id, now) {
        return Ok(session_json(&session));
    }
    if let Some(serial) = &key.mfa_serial {
        if !caller.codes.available() {
            return Err(NoCredentials::NowhereToAsk {
                key: shown,
                serial: serial.clone(),
            });
        }
    }
    // One run at a time past this point, so runs that overlap share one new session.
    let _turn = match take_turn(caller.state_dir, caller.lock_wait) {
        Ok(turn) => Some(turn),
        Err(Turn::Busy) => {
            return Err(NoCredentials::Busy {
                key: shown,
                waited: caller.lock_wait,
            })
        }
        Err(Turn::NoFolder(why)) => {
            caller.warnings.push(format!(
                "{why}: making a session without waiting for other runs, which may each make one"
            ));
            None
        }
    };
    // The run that held the turn may have made one.
    if let Some(session) = fresh_session(store, key_id, now) {
        return Ok(session_json(&session));
    }
    let connection = (caller.connection)().map_err(NoCredentials::Unreachable)?;
    let session = new_session(connection, key_id, &key, caller.codes)?;
    // A session that cannot be kept still works; the next run just makes another.
    let _ = keychain::set_session(store, key_id, &session);
    Ok(session_json(&session))
}

fn fresh_session(
    store: &dyn SecretStore,
    key_id: &str,
    now: DateTime<Utc>,
) -> Option<StoredSession> {
    keychain::get_session(store, key_id)
        .ok()
        .flatten()
        .filter(|session| session.expiration - FRESH_FOR > now)
}

fn session_json(session: &StoredSession) -> String {
    json(&ProcessCredentials {
        version: 1,
        access_key_id: &session.access_key_id,
        secret_access_key: &session.secret_access_key,
        session_token: Some(&session.session_token),
        expiration: Some(
            session
                .expiration
                .to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
        ),
    })
}

fn json(credentials: &ProcessCredentials) -> String {
    serde_json::to_string(credentials).expect("plain strings serialise")
}

/// Why a run could not take its turn.
#[derive(Debug)]
enum Turn {
    /// Another run held it for the whole wait.
    Busy,
    /// The state folder cannot hold the lock (read-only, full, missing): why, in words.
    NoFolder(String),
}

/// The lock that makes runs take turns, waited for at most `wait`.
fn take_turn(state_dir: Option<&Path>, wait: std::time::Duration) -> Result<std::fs::File, Turn> {
    let state_dir =
        state_dir.ok_or_else(|| Turn::NoFolder("no state folder (set HOME)".to_string()))?;
    let unusable = |e: std::io::Error| {
        Turn::NoFolder(format!(
            "cannot use the state folder {} ({})",
            state_dir.display(),
            crate::input::source::describe(&e)
        ))
    };
    crate::sys::atomic::create_private_dir(state_dir).map_err(unusable)?;
    let file = std::fs::File::options()
        .create(true)
        .truncate(false)
        .write(true)
        .open(state_dir.join("credential-process.lock"))
        .map_err(unusable)?;
    let deadline = std::time::Instant::now() + wait;
    loop {
        match file.try_lock() {
            Ok(()) => return Ok(file),
            Err(std::fs::TryLockError::WouldBlock) if std::time::Instant::now() < deadline => {
                std::thread::sleep(std::time::Duration::from_millis(100));
            }
            Err(std::fs::TryLockError::WouldBlock) => return Err(Turn::Busy),
            Err(std::fs::TryLockError::Error(e)) => return Err(unusable(e)),
        }
    }
}

fn new_session(
    connection: Connection,
    key_id: &str,
    key: &StoredKey,
    codes: &mut dyn CodeSource,
) -> Result<StoredSession, NoCredentials> {
    let code = match &key.mfa_serial {
        Some(serial) => Some((
            serial.clone(),
            codes.code(serial).ok_or_else(|| NoCredentials::NoCode {
                key: mask_key_id(key_id),
                serial: serial.clone(),
            })?,
        )),
        None => None,
    };
    let aws = Aws {
        connection,
        keys: KeyDisplay::default(),
    };
    let long_term = Credentials::new(key_id, &key.secret_access_key, None, None, "awscheck");
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(NoCredentials::Runtime)?;
    let mfa = code
        .as_ref()
        .map(|(serial, code)| (serial.as_str(), code.trim()));
    let session = runtime
        .block_on(aws.session(&long_term, mfa, SESSION_SECONDS))
        .map_err(NoCredentials::Aws)?;
    let expiration = session
        .expiry()
        .map(DateTime::<Utc>::from)
        .ok_or(NoCredentials::NoExpiration)?;
    Ok(StoredSession {
        access_key_id: session.access_key_id().to_string(),
        secret_access_key: session.secret_access_key().to_string(),
        session_token: session.session_token().unwrap_or_default().to_string(),
        expiration,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::protect::keychain::MemoryStore;
    use crate::sys::env::Env;
    use std::os::unix::fs::PermissionsExt;

    struct NoCodes;

    impl CodeSource for NoCodes {
        fn available(&self) -> bool {
            false
        }
        fn code(&mut self, _: &str) -> Option<String> {
            None
        }
    }

    fn stored(sessions: bool, mfa_serial: Option<&str>) -> StoredKey {
        StoredKey {
            secret_access_key: "long-term-secret".to_string(),
            mfa_serial: mfa_serial.map(str::to_string),
            sessions,
        }
    }

    /// A connection to nowhere: a call to AWS fails at once.
    fn nowhere() -> Result<Connection, String> {
        Err("sts:GetSessionToken failed: no connection in this test".to_string())
    }

    fn hand_out(
        store: &MemoryStore,
        state_dir: Option<&Path>,
        key_id: &str,
        handing: Handing,
        now: DateTime<Utc>,
        warnings: &mut Vec<String>,
    ) -> Result<String, String> {
        let mut caller = Caller {
            store,
            state_dir,
            codes: &mut NoCodes,
            connection: &nowhere,
            lock_wait: std::time::Duration::from_millis(300),
            warnings,
        };
        credentials(&mut caller, key_id, handing, now).map_err(|e| e.to_string())
    }

    fn session(now: DateTime<Utc>) -> StoredSession {
        StoredSession {
            access_key_id: "ASIASESSION".to_string(),
            secret_access_key: "session-secret".to_string(),
            session_token: "token".to_string(),
            expiration: now + Duration::hours(1),
        }
    }

    #[test]
    fn a_fresh_session_in_the_store_is_handed_out_without_asking_aws() {
        let store = MemoryStore::default();
        let state = tempfile::tempdir().unwrap();
        let now: DateTime<Utc> = "2026-12-01T12:00:00Z".parse().unwrap();
        keychain::set_key(&store, "AKIAKEY", &stored(true, None)).unwrap();
        keychain::set_session(&store, "AKIAKEY", &session(now)).unwrap();
        let mut warnings = Vec::new();
        let json = hand_out(
            &store,
            Some(state.path()),
            "AKIAKEY",
            Handing::AsProtected,
            now,
            &mut warnings,
        )
        .unwrap();
        let document: serde_json::Value = serde_json::from_str(&json).unwrap();
        assert_eq!(document["Version"], 1);
        assert_eq!(document["AccessKeyId"], "ASIASESSION");
        assert_eq!(document["Expiration"], "2026-12-01T13:00:00Z");
        // Within five minutes of its end it is not handed out again.
        let late = now + Duration::minutes(56);
        let error = hand_out(
            &store,
            Some(state.path()),
            "AKIAKEY",
            Handing::AsProtected,
            late,
            &mut warnings,
        );
        assert!(error.unwrap_err().starts_with("sts:GetSessionToken failed"));
        assert!(warnings.is_empty(), "{warnings:?}");
    }

    #[test]
    fn without_sessions_the_long_term_key_is_handed_out_with_no_expiration() {
        let store = MemoryStore::default();
        keychain::set_key(&store, "AKIAKEY", &stored(false, None)).unwrap();
        let mut warnings = Vec::new();
        let json = hand_out(
            &store,
            None,
            "AKIAKEY",
            Handing::AsProtected,
            Utc::now(),
            &mut warnings,
        )
        .unwrap();
        assert_eq!(
            json,
            r#"{"Version":1,"AccessKeyId":"AKIAKEY","SecretAccessKey":"long-term-secret"}"#
        );
        // A key protected with sessions, which the settings say to hand out as it is: no call
        // to STS (there is no endpoint to make one), the key itself.
        keychain::set_key(&store, "AKIAKEY", &stored(true, None)).unwrap();
        let handed = hand_out(
            &store,
            None,
            "AKIAKEY",
            Handing::KeyItself,
            Utc::now(),
            &mut warnings,
        );
        assert_eq!(handed.unwrap(), json);
        let other = "AKIAIOSFODNN7EXAMPLE";
        let error = hand_out(
            &store,
            None,
            other,
            Handing::AsProtected,
            Utc::now(),
            &mut warnings,
        )
        .unwrap_err();
        assert!(error.contains("holds no key AKIA…MPLE"), "{error}");
        assert!(warnings.is_empty(), "{warnings:?}");
    }

    #[test]
    fn a_second_run_waits_for_the_first_a_bounded_time_then_says_so() {
        let store = MemoryStore::default();
        let state = tempfile::tempdir().unwrap();
        keychain::set_key(&store, "AKIAKEY", &stored(true, None)).unwrap();
        // The first run holds its turn (as while it waits for an MFA code).
        let first = take_turn(Some(state.path()), std::time::Duration::ZERO).unwrap();
        let started = std::time::Instant::now();
        let mut warnings = Vec::new();
        let error = hand_out(
            &store,
            Some(state.path()),
            "AKIAKEY",
            Handing::AsProtected,
            Utc::now(),
            &mut warnings,
        )
        .unwrap_err();
        assert!(started.elapsed() < std::time::Duration::from_secs(5));
        assert!(
            error.contains("another awscheck credential-process"),
            "{error}"
        );
        assert_eq!(error.lines().count(), 1);
        // Once the first is done, the second goes on (here to a connection that fails).
        drop(first);
        let error = hand_out(
            &store,
            Some(state.path()),
            "AKIAKEY",
            Handing::AsProtected,
            Utc::now(),
            &mut warnings,
        )
        .unwrap_err();
        assert!(error.starts_with("sts:GetSessionToken failed"), "{error}");
    }

    #[test]
    fn a_key_that_needs_a_code_fails_at_once_with_nowhere_to_ask() {
        let store = MemoryStore::default();
        let state = tempfile::tempdir().unwrap();
        keychain::set_key(
            &store,
            "AKIAKEY",
            &stored(true, Some("arn:aws:iam::1:mfa/me")),
        )
        .unwrap();
        // Even while another run holds its turn: there is nothing to wait for.
        let _first = take_turn(Some(state.path()), std::time::Duration::ZERO).unwrap();
        let mut warnings = Vec::new();
        let mut caller = Caller {
            store: &store,
            state_dir: Some(state.path()),
            codes: &mut NoCodes,
            connection: &nowhere,
            lock_wait: std::time::Duration::from_secs(60),
            warnings: &mut warnings,
        };
        let started = std::time::Instant::now();
        let error =
            credentials(&mut caller, "AKIAKEY", Handing::AsProtected, Utc::now()).unwrap_err();
        assert!(started.elapsed() < std::time::Duration::from_secs(5));
        assert!(
            matches!(error, NoCredentials::NowhereToAsk { .. }),
            "{error}"
        );
        let error = error.to_string();
        assert!(error.contains("no terminal or dialog"), "{error}");
        assert_eq!(error.lines().count(), 1);
    }

    #[test]
    fn without_a_usable_state_folder_it_goes_on_and_says_so_once() {
        let store = MemoryStore::default();
        let home = tempfile::tempdir().unwrap();
        // A file where the state folder should be: nothing can be created there.
        let state = home.path().join("state");
        std::fs::write(&state, "").unwrap();
        let now = Utc::now();
        keychain::set_key(&store, "AKIAKEY", &stored(true, None)).unwrap();
        keychain::set_session(&store, "AKIAKEY", &session(now)).unwrap();
        let mut warnings = Vec::new();
        let json = hand_out(
            &store,
            Some(&state),
            "AKIAKEY",
            Handing::AsProtected,
            now,
            &mut warnings,
        )
        .unwrap();
        assert!(json.contains("ASIASESSION"));
        assert!(
            warnings.is_empty(),
            "a fresh session needs no lock: {warnings:?}"
        );
        // No fresh session: it goes on to make one, without the lock, and says so once.
        let late = now + Duration::hours(2);
        let error = hand_out(
            &store,
            Some(&state),
            "AKIAKEY",
            Handing::AsProtected,
            late,
            &mut warnings,
        )
        .unwrap_err();
        assert!(error.starts_with("sts:GetSessionToken failed"), "{error}");
        assert_eq!(warnings.len(), 1, "{warnings:?}");
        assert!(
            warnings[0].contains("cannot use the state folder"),
            "{warnings:?}"
        );
    }

    #[test]
    fn a_terminal_nobody_types_at_is_given_up_on() {
        let (reader, mut writer) = std::io::pipe().unwrap();
        let reader = std::fs::File::from(std::os::fd::OwnedFd::from(reader));
        let started = std::time::Instant::now();
        assert_eq!(
            read_line_within(&reader, std::time::Duration::from_millis(200)),
            None
        );
        assert!(started.elapsed() < std::time::Duration::from_secs(5));
        writer.write_all(b" 123456 \n").unwrap();
        assert_eq!(
            read_line_within(&reader, std::time::Duration::from_secs(5)).as_deref(),
            Some("123456")
        );
    }

    #[test]
    fn a_dialog_named_in_the_settings_asks_when_there_is_no_terminal() {
        let bin = tempfile::tempdir().unwrap();
        let zenity = bin.path().join("zenity");
        std::fs::write(&zenity, "#!/bin/sh\necho 654321\n").unwrap();
        std::fs::set_permissions(&zenity, PermissionsExt::from_mode(0o755)).unwrap();
        let env = Env::from_pairs([("PATH", bin.path().to_str().unwrap())]);
        assert_eq!(
            dialog(&env, MfaPrompt::Zenity, "arn:aws:iam::1:mfa/me").as_deref(),
            Some("654321")
        );
        assert_eq!(
            dialog(&env, MfaPrompt::Kdialog, "arn"),
            None,
            "not installed"
        );
        let prompt = Prompt {
            env: &env,
            dialog: Some(MfaPrompt::Kdialog),
        };
        assert!(prompt.available() == open_terminal().is_some());
    }
}
