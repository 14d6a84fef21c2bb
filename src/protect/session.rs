//! `awscheck credential-process --key-id ID`: what the SDKs and the AWS CLI run for a protected
//! profile. It prints the `credential_process` JSON on stdout and nothing else; every problem
//! is one line on stderr and a non-zero exit, which the SDKs report as failed credentials.
//!
//! By default it hands out an `sts:GetSessionToken` session (with MFA when the key was
//! protected from a profile with `mfa_serial`), kept in the store until five minutes before it
//! expires: a script that makes a hundred calls makes one STS call and asks for one code. Runs
//! that overlap wait for each other, so they share that one session.

use crate::env::Env;
use crate::keychain::{self, SecretStore, StoredKey, StoredSession};
use crate::locate::{self, Overrides};
use crate::mask::{mask_key_id, KeyDisplay};
use crate::online::sdk::Connection;
use crate::rotate::aws::Aws;
use crate::settings::MfaPrompt;
use aws_credential_types::Credentials;
use chrono::{DateTime, Duration, Utc};
use serde::Serialize;
use std::io::{BufRead, Write};
use std::path::Path;

/// A session is handed out again until this close to its end.
const FRESH_FOR: Duration = Duration::minutes(5);
/// Twelve hours: GetSessionToken's own default for an IAM user.
const SESSION_SECONDS: i32 = 43_200;

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
    fn code(&mut self, serial: &str) -> Option<String>;
}

/// The controlling terminal, even when stdin and stdout belong to the SDK that runs us; with
/// no terminal, the dialog the settings name (`[protect] mfa_prompt`).
pub struct Prompt<'a> {
    pub env: &'a Env,
    pub dialog: Option<MfaPrompt>,
}

impl CodeSource for Prompt<'_> {
    fn code(&mut self, serial: &str) -> Option<String> {
        terminal(serial).or_else(|| dialog(self.env, self.dialog?, serial))
    }
}

fn terminal(serial: &str) -> Option<String> {
    let tty = std::fs::File::options()
        .read(true)
        .write(true)
        .open("/dev/tty")
        .ok()?;
    let mut writer = &tty;
    write!(writer, "MFA code for {serial}: ").ok()?;
    writer.flush().ok()?;
    let mut line = String::new();
    std::io::BufReader::new(&tty).read_line(&mut line).ok()?;
    Some(line.trim().to_string()).filter(|code| !code.is_empty())
}

/// A desktop dialog asking for the code; the serial goes in as an argument, never into a
/// script.
fn dialog(env: &Env, kind: MfaPrompt, serial: &str) -> Option<String> {
    let question = format!("MFA code for {serial}");
    let (program, args): (&str, Vec<String>) = match kind {
        MfaPrompt::Zenity => (
            "zenity",
            vec!["--entry".into(), "--title=awscheck".into(), format!("--text={question}")],
        ),
        MfaPrompt::Kdialog => (
            "kdialog",
            vec!["--title".into(), "awscheck".into(), "--inputbox".into(), question],
        ),
        MfaPrompt::Osascript => (
            "osascript",
            [
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
        ),
    };
    let program = crate::process::find_program(env, program)?;
    // A person types the code; two minutes is plenty, and a dialog nobody answers ends.
    let output =
        crate::process::run(&program, &args, None, std::time::Duration::from_secs(120)).ok()?;
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

/// The JSON for `key_id`, made or taken from the store.
pub fn credentials(
    env: &Env,
    store: &dyn SecretStore,
    key_id: &str,
    handing: Handing,
    state_dir: &Path,
    codes: &mut dyn CodeSource,
    now: DateTime<Utc>,
) -> Result<String, String> {
    let shown = mask_key_id(key_id);
    let key = keychain::get_key(store, key_id)
        .map_err(|e| e.to_string())?
        .ok_or_else(|| {
            format!(
                "{} holds no key {shown}: the profile cannot get credentials. Run `awscheck audit` for the fix",
                store.name()
            )
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
    // One run at a time past this point, so overlapping runs share one new session.
    let _lock = lock(state_dir)?;
    let session = match keychain::get_session(store, key_id) {
        Ok(Some(session)) if session.expiration - FRESH_FOR > now => session,
        _ => {
            let session = new_session(env, key_id, &key, codes)?;
            // A session that cannot be kept still works; the next run just makes another.
            let _ = keychain::set_session(store, key_id, &session);
            session
        }
    };
    Ok(json(&ProcessCredentials {
        version: 1,
        access_key_id: &session.access_key_id,
        secret_access_key: &session.secret_access_key,
        session_token: Some(&session.session_token),
        expiration: Some(
            session
                .expiration
                .to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
        ),
    }))
}

fn json(credentials: &ProcessCredentials) -> String {
    serde_json::to_string(credentials).expect("plain strings serialise")
}

fn lock(state_dir: &Path) -> Result<std::fs::File, String> {
    crate::atomic::create_private_dir(state_dir)
        .map_err(|e| format!("cannot create {}: {e}", state_dir.display()))?;
    let file = std::fs::File::options()
        .create(true)
        .truncate(false)
        .write(true)
        .open(state_dir.join("credential-process.lock"))
        .map_err(|e| format!("cannot open the lock file: {e}"))?;
    file.lock().map_err(|e| format!("cannot lock: {e}"))?;
    Ok(file)
}

fn new_session(
    env: &Env,
    key_id: &str,
    key: &StoredKey,
    codes: &mut dyn CodeSource,
) -> Result<StoredSession, String> {
    let code = match &key.mfa_serial {
        Some(serial) => Some((
            serial.clone(),
            codes.code(serial).ok_or_else(|| {
                format!(
                    "the key {} needs an MFA code ({serial}) and there is no terminal to ask on",
                    mask_key_id(key_id)
                )
            })?,
        )),
        None => None,
    };
    let locations = locate::locate(env, &Overrides::default());
    let profile = env.get("AWS_PROFILE").unwrap_or("default").to_string();
    let aws = Aws {
        connection: Connection::new(
            &locations,
            &profile,
            None,
            std::time::Duration::from_secs(3),
            std::time::Duration::from_secs(20),
        ),
        keys: KeyDisplay::default(),
    };
    let long_term = Credentials::new(key_id, &key.secret_access_key, None, None, "awscheck");
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| format!("cannot start: {e}"))?;
    let mfa = code
        .as_ref()
        .map(|(serial, code)| (serial.as_str(), code.trim()));
    let session = runtime
        .block_on(aws.session(&long_term, mfa, SESSION_SECONDS))
        .map_err(|e| e.to_string())?;
    let expiration = session
        .expiry()
        .map(DateTime::<Utc>::from)
        .ok_or("sts:GetSessionToken answered with no valid expiration")?;
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
    use crate::keychain::MemoryStore;
    use std::os::unix::fs::PermissionsExt;

    struct NoCodes;

    impl CodeSource for NoCodes {
        fn code(&mut self, _: &str) -> Option<String> {
            None
        }
    }

    fn stored(sessions: bool) -> StoredKey {
        StoredKey {
            secret_access_key: "long-term-secret".to_string(),
            mfa_serial: None,
            sessions,
        }
    }

    #[test]
    fn a_fresh_session_in_the_store_is_handed_out_without_asking_aws() {
        let store = MemoryStore::default();
        let state = tempfile::tempdir().unwrap();
        let now: DateTime<Utc> = "2026-12-01T12:00:00Z".parse().unwrap();
        keychain::set_key(&store, "AKIAKEY", &stored(true)).unwrap();
        let session = StoredSession {
            access_key_id: "ASIASESSION".to_string(),
            secret_access_key: "session-secret".to_string(),
            session_token: "token".to_string(),
            expiration: now + Duration::hours(1),
        };
        keychain::set_session(&store, "AKIAKEY", &session).unwrap();
        // No endpoint at all: a call to AWS would fail.
        let env = Env::from_pairs([("AWS_ENDPOINT_URL", "http://127.0.0.1:9")]);
        let json = credentials(
            &env,
            &store,
            "AKIAKEY",
            Handing::AsProtected,
            state.path(),
            &mut NoCodes,
            now,
        )
        .unwrap();
        let document: serde_json::Value = serde_json::from_str(&json).unwrap();
        assert_eq!(document["Version"], 1);
        assert_eq!(document["AccessKeyId"], "ASIASESSION");
        assert_eq!(document["Expiration"], "2026-12-01T13:00:00Z");
        // Within five minutes of its end it is not handed out again.
        let late = now + Duration::minutes(56);
        let error = credentials(
            &env,
            &store,
            "AKIAKEY",
            Handing::AsProtected,
            state.path(),
            &mut NoCodes,
            late,
        );
        assert!(error.unwrap_err().starts_with("sts:GetSessionToken failed"));
    }

    #[test]
    fn without_sessions_the_long_term_key_is_handed_out_with_no_expiration() {
        let store = MemoryStore::default();
        let state = tempfile::tempdir().unwrap();
        keychain::set_key(&store, "AKIAKEY", &stored(false)).unwrap();
        let env = Env::from_pairs([("HOME", "/nonexistent")]);
        let json = credentials(
            &env,
            &store,
            "AKIAKEY",
            Handing::AsProtected,
            state.path(),
            &mut NoCodes,
            Utc::now(),
        )
        .unwrap();
        assert_eq!(
            json,
            r#"{"Version":1,"AccessKeyId":"AKIAKEY","SecretAccessKey":"long-term-secret"}"#
        );
        // A key protected with sessions, which the settings say to hand out as it is: no call
        // to STS (there is no endpoint to make one), the key itself.
        keychain::set_key(&store, "AKIAKEY", &stored(true)).unwrap();
        let handed = credentials(
            &env,
            &store,
            "AKIAKEY",
            Handing::KeyItself,
            state.path(),
            &mut NoCodes,
            Utc::now(),
        );
        assert_eq!(handed.unwrap(), json);
        let other = "AKIAIOSFODNN7EXAMPLE";
        let error = credentials(
            &env,
            &store,
            other,
            Handing::AsProtected,
            state.path(),
            &mut NoCodes,
            Utc::now(),
        )
        .unwrap_err();
        assert!(error.contains("holds no key AKIA…MPLE"), "{error}");
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
    }
}
