//! The operating system's own secret store, where `awscheck protect` keeps a key instead of
//! the credentials file: the macOS Keychain, or the Secret Service elsewhere (gnome-keyring,
//! KWallet, KeePassXC).
//!
//! Two kinds of entry, both found by the access key ID (which is not a secret): the long-term
//! key itself, and the short-term session `credential-process` last handed out for it, kept
//! until shortly before it expires. Nothing here ever falls back to a file.

// Built everywhere, so its tests run on any machine against a stand-in for `security`.
#[cfg_attr(not(target_os = "macos"), allow(dead_code))]
mod macos;
mod memory;
#[cfg(not(target_os = "macos"))]
mod secret_service;

pub use memory::MemoryStore;

use crate::sys::env::Env;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use std::fmt;

/// What an entry holds, named by the key it belongs to.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Entry<'a> {
    /// The long-term key: its secret and how it is handed out.
    Key(&'a str),
    /// The last session handed out for that key.
    Session(&'a str),
}

impl Entry<'_> {
    pub fn key_id(&self) -> &str {
        match self {
            Entry::Key(id) | Entry::Session(id) => id,
        }
    }

    pub fn kind(&self) -> &'static str {
        match self {
            Entry::Key(_) => "access-key",
            Entry::Session(_) => "session",
        }
    }

    /// What a person browsing the store sees.
    pub fn label(&self) -> String {
        match self {
            Entry::Key(id) => format!("awscheck: AWS access key {id}"),
            Entry::Session(id) => format!("awscheck: AWS session for {id}"),
        }
    }
}

/// A protected long-term key, as stored.
#[derive(Clone, Serialize, Deserialize)]
pub struct StoredKey {
    pub secret_access_key: String,
    /// MFA device for the sessions, from the profile at the time it was protected.
    pub mfa_serial: Option<String>,
    /// Hand out sessions (the default) rather than the long-term key itself.
    pub sessions: bool,
}

impl fmt::Debug for StoredKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("StoredKey")
            .field("mfa_serial", &self.mfa_serial)
            .field("sessions", &self.sessions)
            .finish_non_exhaustive()
    }
}

/// A session handed out for a protected key, as stored.
#[derive(Clone, Serialize, Deserialize)]
pub struct StoredSession {
    pub access_key_id: String,
    pub secret_access_key: String,
    pub session_token: String,
    pub expiration: DateTime<Utc>,
}

impl fmt::Debug for StoredSession {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("StoredSession")
            .field("expiration", &self.expiration)
            .finish_non_exhaustive()
    }
}

/// Why the store could not do something, in one line.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StoreError(pub String);

impl fmt::Display for StoreError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

pub trait SecretStore {
    /// What the store is, for messages: "the Secret Service (gnome-keyring)".
    fn name(&self) -> String;
    /// The entry's secret, unlocking the store if it must (which may ask the user).
    fn get(&self, entry: Entry) -> Result<Option<Vec<u8>>, StoreError>;
    /// The entry's secret when it can be had without unlocking anything (an audit never
    /// prompts): a locked entry is an error saying so.
    fn peek(&self, entry: Entry) -> Result<Option<Vec<u8>>, StoreError>;
    /// Whether the entry exists, without unlocking anything.
    fn exists(&self, entry: Entry) -> Result<bool, StoreError>;
    /// Create or replace the entry.
    fn set(&self, entry: Entry, secret: &[u8]) -> Result<(), StoreError>;
    /// Remove the entry; false when there was none.
    fn delete(&self, entry: Entry) -> Result<bool, StoreError>;
}

/// The store entries, typed.
pub fn get_key(store: &dyn SecretStore, key_id: &str) -> Result<Option<StoredKey>, StoreError> {
    decode(store.get(Entry::Key(key_id))?, "key")
}

/// The key if the store gives it without unlocking anything.
pub fn peek_key(store: &dyn SecretStore, key_id: &str) -> Result<Option<StoredKey>, StoreError> {
    decode(store.peek(Entry::Key(key_id))?, "key")
}

pub fn set_key(store: &dyn SecretStore, key_id: &str, key: &StoredKey) -> Result<(), StoreError> {
    store.set(Entry::Key(key_id), &encode(key)?)
}

pub fn get_session(
    store: &dyn SecretStore,
    key_id: &str,
) -> Result<Option<StoredSession>, StoreError> {
    decode(store.get(Entry::Session(key_id))?, "session")
}

pub fn set_session(
    store: &dyn SecretStore,
    key_id: &str,
    session: &StoredSession,
) -> Result<(), StoreError> {
    store.set(Entry::Session(key_id), &encode(session)?)
}

fn encode<T: Serialize>(value: &T) -> Result<Vec<u8>, StoreError> {
    serde_json::to_vec(value).map_err(|e| StoreError(format!("cannot encode the entry: {e}")))
}

fn decode<T: for<'de> Deserialize<'de>>(
    bytes: Option<Vec<u8>>,
    what: &str,
) -> Result<Option<T>, StoreError> {
    bytes
        .map(|bytes| {
            // Never quote the entry: it holds a secret.
            serde_json::from_slice(&bytes)
                .map_err(|_| StoreError(format!("the stored {what} is not one awscheck wrote")))
        })
        .transpose()
}

/// The store of this system, or why there is none usable.
pub fn open(env: &Env) -> Result<Box<dyn SecretStore>, StoreError> {
    #[cfg(not(target_os = "macos"))]
    {
        Ok(Box::new(secret_service::SecretService::connect(env)?))
    }
    #[cfg(target_os = "macos")]
    {
        // The Keychain is found by its fixed path; the environment is for the Secret Service.
        let _ = env;
        let program = std::path::Path::new("/usr/bin/security");
        if !program.exists() {
            return Err(StoreError(
                "the macOS Keychain cannot be reached: /usr/bin/security is missing".to_string(),
            ));
        }
        Ok(Box::new(macos::Keychain::new(program)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn typed_entries_round_trip_and_never_show_their_secret() {
        let store = MemoryStore::default();
        let key = StoredKey {
            secret_access_key: "wJalrXUtnFEMI/K7MDENG".to_string(),
            mfa_serial: Some("arn:aws:iam::1:mfa/me".to_string()),
            sessions: true,
        };
        set_key(&store, "AKIAEXAMPLE", &key).unwrap();
        let back = get_key(&store, "AKIAEXAMPLE").unwrap().unwrap();
        assert_eq!(back.secret_access_key, key.secret_access_key);
        assert!(!format!("{back:?}").contains("wJalr"));
        assert!(get_session(&store, "AKIAEXAMPLE").unwrap().is_none());
        store
            .set(Entry::Session("AKIAEXAMPLE"), b"{not json")
            .unwrap();
        let error = get_session(&store, "AKIAEXAMPLE").unwrap_err();
        assert!(!error.0.contains("not json"));
    }
}
