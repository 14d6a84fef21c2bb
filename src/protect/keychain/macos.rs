//! The macOS Keychain, through `/usr/bin/security`, the system's own command for it.
//!
//! Each entry is a generic password of service `awscheck`, account `access-key:ID` or
//! `session:ID`. The secret is written in hex, so `security -w` prints it back exactly (it
//! prints other bytes in a form of its own), and it is handed over on the command's standard
//! input (`security -i`), never in its arguments, which any process on the machine can list.
//! Items `security` creates trust `security`, so reading them back never asks the user.

use super::{Entry, SecretStore, StoreError};
use crate::sys::process::{self, Output};
use std::io;
use std::path::PathBuf;
use std::time::Duration;

const SERVICE: &str = "awscheck";
/// `security`'s exit status for errSecItemNotFound.
const NOT_FOUND: i32 = 44;
/// Long enough for a person to answer the Keychain's own unlock dialog.
const ASKING_LIMIT: Duration = Duration::from_secs(120);
/// For calls that must not wait on anyone.
const QUIET_LIMIT: Duration = Duration::from_secs(10);

pub struct Keychain {
    program: PathBuf,
}

impl Keychain {
    /// The Keychain as `program` (normally `/usr/bin/security`) reaches it.
    pub fn new(program: impl Into<PathBuf>) -> Self {
        Keychain {
            program: program.into(),
        }
    }

    fn run(
        &self,
        args: &[&str],
        input: Option<&[u8]>,
        limit: Duration,
    ) -> Result<Output, StoreError> {
        let args: Vec<String> = args.iter().map(|arg| arg.to_string()).collect();
        process::run(&self.program, &args, input, limit).map_err(|e| match e.kind() {
            io::ErrorKind::TimedOut => StoreError(format!(
                "{} did not answer within {} s",
                self.program.display(),
                limit.as_secs()
            )),
            _ => StoreError(format!("cannot run {}: {e}", self.program.display())),
        })
    }

    fn failure(&self, what: &str, output: &Output) -> StoreError {
        // `security` says what went wrong on stderr, never with a secret; its stdout is not
        // looked at, as `-w` prints the secret there.
        let stderr = String::from_utf8_lossy(&output.stderr);
        let why = match stderr.lines().map(str::trim).find(|line| !line.is_empty()) {
            Some(line) => line.to_string(),
            None => format!("security {}", output.status()),
        };
        StoreError(format!("the macOS Keychain could not {what}: {why}"))
    }

    /// Run `command` (`find-` or `delete-generic-password`) on `entry`: whether it was there.
    fn on_entry(
        &self,
        command: &str,
        entry: Entry,
        limit: Duration,
        what: &str,
    ) -> Result<bool, StoreError> {
        let account = account(entry);
        let output = self.run(&[command, "-s", SERVICE, "-a", &account], None, limit)?;
        match output.code {
            Some(0) => Ok(true),
            Some(NOT_FOUND) => Ok(false),
            _ => Err(self.failure(what, &output)),
        }
    }

    fn read(&self, entry: Entry, limit: Duration) -> Result<Option<Vec<u8>>, StoreError> {
        let account = account(entry);
        let args = ["find-generic-password", "-s", SERVICE, "-a", &account, "-w"];
        let output = self.run(&args, None, limit)?;
        match output.code {
            Some(0) => {}
            Some(NOT_FOUND) => return Ok(None),
            _ => return Err(self.failure("read an entry", &output)),
        }
        let text = String::from_utf8_lossy(&output.stdout);
        from_hex(text.trim()).map(Some).ok_or_else(|| {
            StoreError("an entry in the macOS Keychain is not one awscheck wrote".to_string())
        })
    }
}

impl SecretStore for Keychain {
    fn name(&self) -> String {
        "the macOS Keychain".to_string()
    }

    fn get(&self, entry: Entry) -> Result<Option<Vec<u8>>, StoreError> {
        self.read(entry, ASKING_LIMIT)
    }

    fn peek(&self, entry: Entry) -> Result<Option<Vec<u8>>, StoreError> {
        // A locked keychain would ask to be unlocked; an audit never asks.
        let info = self.run(&["show-keychain-info"], None, QUIET_LIMIT)?;
        if !info.success() {
            return Err(StoreError(
                "the macOS Keychain is locked; the audit does not unlock it".to_string(),
            ));
        }
        self.read(entry, QUIET_LIMIT)
    }

    fn exists(&self, entry: Entry) -> Result<bool, StoreError> {
        // Without `-w` it prints the item's attributes only, never its secret.
        self.on_entry(
            "find-generic-password",
            entry,
            QUIET_LIMIT,
            "look for an entry",
        )
    }

    fn set(&self, entry: Entry, secret: &[u8]) -> Result<(), StoreError> {
        let account = account(entry);
        // `-U` replaces an existing item. Every word is one of ours: no quoting is needed but
        // the label's, whose characters are letters, digits, spaces and a colon.
        let command = format!(
            "add-generic-password -U -s {SERVICE} -a {account} -l \"{}\" -w {}\n",
            entry.label(),
            to_hex(secret)
        );
        let output = self.run(&["-i"], Some(command.as_bytes()), ASKING_LIMIT)?;
        // `security -i` carries on after a failed command; only reading back tells.
        if !output.success() || self.read(entry, ASKING_LIMIT)?.as_deref() != Some(secret) {
            return Err(self.failure("store an entry", &output));
        }
        Ok(())
    }

    fn delete(&self, entry: Entry) -> Result<bool, StoreError> {
        self.on_entry(
            "delete-generic-password",
            entry,
            ASKING_LIMIT,
            "delete an entry",
        )
    }
}

fn account(entry: Entry) -> String {
    format!("{}:{}", entry.kind(), entry.key_id())
}

fn to_hex(bytes: &[u8]) -> String {
    bytes.iter().map(|byte| format!("{byte:02x}")).collect()
}

fn from_hex(text: &str) -> Option<Vec<u8>> {
    if !text.len().is_multiple_of(2) || !text.is_ascii() {
        return None;
    }
    (0..text.len())
        .step_by(2)
        .map(|at| u8::from_str_radix(&text[at..at + 2], 16).ok())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::os::unix::fs::PermissionsExt;

    /// A stand-in for `/usr/bin/security` that keeps items as files in a folder, answers as
    /// the real one does (44 when an item is missing, `-w` prints the password), and reads
    /// `-i` commands from its standard input. It logs its arguments, to show no secret is
    /// ever among them.
    const FAKE_SECURITY: &str = r#"#!/bin/sh
dir="$(dirname "$0")/items"
mkdir -p "$dir"
echo "$*" >> "$(dirname "$0")/argv.log"
if [ "$1" = "-i" ]; then
    read -r line
    set -- $line
fi
cmd="$1"; shift
service=""; account=""; password=""; print=""
while [ $# -gt 0 ]; do
    case "$1" in
        -s) service="$2"; shift 2 ;;
        -a) account="$2"; shift 2 ;;
        -w) if [ -n "$2" ]; then password="$2"; shift 2; else print=1; shift; fi ;;
        -l) shift 2 ;;
        *) shift ;;
    esac
done
item="$dir/$service.$account"
case "$cmd" in
    show-keychain-info) [ -e "$(dirname "$0")/locked" ] && exit 51; exit 0 ;;
    add-generic-password) printf '%s' "$password" > "$item" ;;
    find-generic-password)
        [ -e "$item" ] || { echo "security: SecKeychainSearchCopyNext: The specified item could not be found in the keychain." >&2; exit 44; }
        [ -n "$print" ] && { cat "$item"; echo; }
        exit 0 ;;
    delete-generic-password) [ -e "$item" ] || exit 44; rm "$item" ;;
esac
"#;

    fn keychain() -> (tempfile::TempDir, Keychain) {
        let dir = tempfile::tempdir().unwrap();
        let program = dir.path().join("security");
        std::fs::write(&program, FAKE_SECURITY).unwrap();
        std::fs::set_permissions(&program, std::fs::Permissions::from_mode(0o755)).unwrap();
        (dir, Keychain::new(program))
    }

    #[test]
    fn entries_round_trip_with_the_secret_never_in_an_argument() {
        let (dir, store) = keychain();
        let secret = br#"{"secret_access_key":"wJalrXUtnFEMI/K7MDENG","note":"\u00e9 x"}"#;
        let entry = Entry::Key("AKIAEXAMPLE");
        assert!(!store.exists(entry).unwrap());
        assert_eq!(store.get(entry).unwrap(), None);
        store.set(entry, secret).unwrap();
        assert!(store.exists(entry).unwrap());
        assert_eq!(store.get(entry).unwrap().as_deref(), Some(&secret[..]));
        assert_eq!(store.peek(entry).unwrap().as_deref(), Some(&secret[..]));
        // The session entry is a separate item.
        assert_eq!(store.get(Entry::Session("AKIAEXAMPLE")).unwrap(), None);
        store.set(entry, b"replaced").unwrap();
        assert_eq!(store.get(entry).unwrap().as_deref(), Some(&b"replaced"[..]));
        assert!(store.delete(entry).unwrap());
        assert!(!store.delete(entry).unwrap());
        let argv = std::fs::read_to_string(dir.path().join("argv.log")).unwrap();
        assert!(!argv.contains("wJalr") && !argv.contains(&to_hex(b"wJalr")));
        assert!(!argv.contains(&to_hex(b"replaced")));
    }

    #[test]
    fn a_locked_keychain_is_not_peeked_into() {
        let (dir, store) = keychain();
        store.set(Entry::Key("AKIAEXAMPLE"), b"x").unwrap();
        std::fs::write(dir.path().join("locked"), "").unwrap();
        let error = store.peek(Entry::Key("AKIAEXAMPLE")).unwrap_err();
        assert!(error.0.contains("locked"), "{error}");
    }

    #[test]
    fn failures_are_one_line_naming_the_keychain() {
        let store = Keychain::new("/nonexistent/security");
        let error = store.get(Entry::Key("AKIAEXAMPLE")).unwrap_err();
        assert!(
            error.0.starts_with("cannot run /nonexistent/security"),
            "{error}"
        );
        assert_eq!(from_hex("zz"), None);
        assert_eq!(
            from_hex(&to_hex(&[0, 1, 254, 255])),
            Some(vec![0, 1, 254, 255])
        );
    }
}
