//! Where the user's D-Bus session bus is: desktop notifications and the Secret Service are on
//! it, and a job started by cron is told nothing about it.

use super::env::Env;
use std::fmt;
use std::path::PathBuf;

/// Why there is no session bus to talk to.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum NoBus {
    /// Nothing names one, and the user's runtime folder is unknown.
    NotNamed,
    /// Nothing names one, and the socket where it would be is not there.
    NoSocket(PathBuf),
}

impl fmt::Display for NoBus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            NoBus::NotNamed => f.write_str("no session bus (DBUS_SESSION_BUS_ADDRESS is not set)"),
            NoBus::NoSocket(socket) => write!(
                f,
                "no session bus (DBUS_SESSION_BUS_ADDRESS is not set and there is no {})",
                socket.display()
            ),
        }
    }
}

impl std::error::Error for NoBus {}

/// The session bus address: `DBUS_SESSION_BUS_ADDRESS`, else the socket systemd-logind's
/// sessions keep at `$XDG_RUNTIME_DIR/bus`. Cron gives a job neither variable, so with no
/// `XDG_RUNTIME_DIR` the standard `/run/user/<uid>/bus` is tried too. `Err` says what was tried.
pub fn session_bus(env: &Env) -> Result<String, NoBus> {
    use std::os::unix::fs::FileTypeExt;
    if let Some(address) = env.get("DBUS_SESSION_BUS_ADDRESS") {
        return Ok(address.to_string());
    }
    let runtime_dir = match env.get("XDG_RUNTIME_DIR") {
        Some(dir) => PathBuf::from(dir),
        None => match super::env::current_uid(env) {
            Some(uid) => PathBuf::from(format!("/run/user/{uid}")),
            None => return Err(NoBus::NotNamed),
        },
    };
    let socket = runtime_dir.join("bus");
    let is_socket = std::fs::metadata(&socket)
        .map(|metadata| metadata.file_type().is_socket())
        .unwrap_or(false);
    if !is_socket {
        return Err(NoBus::NoSocket(socket));
    }
    Ok(format!(
        "unix:path={}",
        address_escape(&socket.to_string_lossy())
    ))
}

/// D-Bus addresses escape every byte outside a small set as `%XX`.
fn address_escape(value: &str) -> String {
    value
        .bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() || b"-_/.\\*".contains(&b) {
                (b as char).to_string()
            } else {
                format!("%{b:02x}")
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::os::unix::net::UnixListener;

    #[test]
    fn finds_the_session_bus() {
        let dir = tempfile::tempdir().unwrap();
        let runtime = dir.path().join("run dir");
        std::fs::create_dir(&runtime).unwrap();
        let env = Env::from_pairs([("XDG_RUNTIME_DIR", runtime.to_str().unwrap())]);
        assert_eq!(
            session_bus(&env).map_err(|e| e.to_string()),
            Err(format!(
                "no session bus (DBUS_SESSION_BUS_ADDRESS is not set and there is no {}/bus)",
                runtime.display()
            ))
        );
        // A plain file is not a bus.
        std::fs::write(runtime.join("bus"), "").unwrap();
        assert!(session_bus(&env).is_err());
        std::fs::remove_file(runtime.join("bus")).unwrap();
        let _listener = UnixListener::bind(runtime.join("bus")).unwrap();
        assert_eq!(
            session_bus(&env),
            Ok(format!(
                "unix:path={}/run%20dir/bus",
                address_escape(dir.path().to_str().unwrap())
            ))
        );
        let env = Env::from_pairs([("DBUS_SESSION_BUS_ADDRESS", "unix:path=/x")]);
        assert_eq!(session_bus(&env).as_deref(), Ok("unix:path=/x"));
    }
}
