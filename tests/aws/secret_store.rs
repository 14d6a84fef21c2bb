//! A real Secret Service for one test: a private session bus (`dbus-daemon`) with
//! gnome-keyring's secrets component on it, its login keyring unlocked with a password on
//! stdin, everything kept under the test's own home and stopped when the test ends.
//!
//! `scripts/test` installs gnome-keyring when it can. When the programs are missing the tests
//! fail, unless `AWSCHECK_SKIP_SECRET_STORE=1` says the run knowingly goes without (and
//! `scripts/test` then prints a visible "skipped" line): they never pass silently.

use std::io::{BufRead, BufReader, Write};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

pub struct SecretStore {
    bus: Child,
    keyring: Child,
    /// `DBUS_SESSION_BUS_ADDRESS` of the private bus.
    pub address: String,
}

/// A private session bus with nothing on it, for a stand-in service of a test's own; `None`
/// when this run goes without the secret store tests.
pub struct Bus {
    bus: Child,
    pub address: String,
}

impl Drop for Bus {
    fn drop(&mut self) {
        let _ = self.bus.kill();
        let _ = self.bus.wait();
    }
}

pub fn bus(home: &Path) -> Option<Bus> {
    if std::env::var_os("AWSCHECK_SKIP_SECRET_STORE").is_some() {
        return None;
    }
    let (bus, address) = start_bus(home);
    Some(Bus { bus, address })
}

fn start_bus(home: &Path) -> (Child, String) {
    let mut bus = Command::new("dbus-daemon")
        .args(["--session", "--nofork", "--print-address=1"])
        .env("HOME", home)
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("dbus-daemon runs: scripts/test installs it");
    let mut line = String::new();
    BufReader::new(bus.stdout.take().unwrap())
        .read_line(&mut line)
        .unwrap();
    (bus, line.trim().to_string())
}

/// Start a store keeping its keyrings under `home`, or `None` when this run goes without.
pub fn start(home: &Path) -> Option<SecretStore> {
    let missing: Vec<&str> = ["dbus-daemon", "gnome-keyring-daemon"]
        .into_iter()
        .filter(|program| {
            !Command::new("sh")
                .args(["-c", &format!("command -v {program}")])
                .stdout(Stdio::null())
                .status()
                .is_ok_and(|s| s.success())
        })
        .collect();
    if !missing.is_empty() {
        if std::env::var_os("AWSCHECK_SKIP_SECRET_STORE").is_some() {
            return None;
        }
        panic!(
            "{} not installed: run scripts/test, which installs gnome-keyring, or set AWSCHECK_SKIP_SECRET_STORE=1",
            missing.join(" and ")
        );
    }
    let runtime = home.join("run");
    std::fs::create_dir_all(&runtime).unwrap();
    let (bus, address) = start_bus(home);
    let mut keyring = Command::new("gnome-keyring-daemon")
        .args(["--foreground", "--unlock", "--components=secrets"])
        .env_clear()
        .env("HOME", home)
        .env("XDG_RUNTIME_DIR", &runtime)
        .env("DBUS_SESSION_BUS_ADDRESS", &address)
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    // The login keyring's password, then EOF: it creates the keyring unlocked.
    let mut stdin = keyring.stdin.take().unwrap();
    stdin.write_all(b"awscheck-test-password").unwrap();
    drop(stdin);
    let store = SecretStore {
        bus,
        keyring,
        address,
    };
    store.wait_ready();
    Some(store)
}

impl SecretStore {
    /// Until the service answers on the bus (it registers within a second or so).
    fn wait_ready(&self) {
        let started = Instant::now();
        while started.elapsed() < Duration::from_secs(20) {
            let owned = Command::new("dbus-send")
                .args([
                    "--session",
                    "--print-reply",
                    "--dest=org.freedesktop.DBus",
                    "/org/freedesktop/DBus",
                    "org.freedesktop.DBus.NameHasOwner",
                    "string:org.freedesktop.secrets",
                ])
                .env("DBUS_SESSION_BUS_ADDRESS", &self.address)
                .output()
                .unwrap();
            if String::from_utf8_lossy(&owned.stdout).contains("boolean true") {
                return;
            }
            std::thread::sleep(Duration::from_millis(100));
        }
        panic!("gnome-keyring did not come up on the private bus");
    }
}

impl Drop for SecretStore {
    fn drop(&mut self) {
        let _ = self.keyring.kill();
        let _ = self.keyring.wait();
        let _ = self.bus.kill();
        let _ = self.bus.wait();
    }
}
