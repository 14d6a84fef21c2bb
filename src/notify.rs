//! Showing the reminder on the desktop: the freedesktop notification service on the session
//! D-Bus (Linux and the BSDs), `osascript` on macOS.
//!
//! Failing to show it is never an error: a headless box, a cron job without a session, a
//! notification daemon that is not running. The caller prints and logs the text instead, so
//! the reminder always lands somewhere and a weekly job never fails over it.

use crate::env::Env;
use std::time::Duration;

/// A notification service that answers at all answers in milliseconds.
const TIMEOUT: Duration = Duration::from_secs(10);

/// Show `text` under `title`; `Err` says why it could not be, in a few words.
pub fn notify(env: &Env, title: &str, text: &str) -> Result<(), String> {
    show(env, title, text)
}

#[cfg(target_os = "macos")]
fn show(env: &Env, title: &str, text: &str) -> Result<(), String> {
    use crate::process;
    use std::path::PathBuf;
    let osascript = process::find_program(env, "osascript")
        .or_else(|| Some(PathBuf::from("/usr/bin/osascript")).filter(|path| path.exists()))
        .ok_or("osascript is not available")?;
    // The text goes in as arguments, never into the script: a profile name can hold quotes.
    let args: Vec<String> = [
        "-e",
        "on run argv",
        "-e",
        "display notification (item 1 of argv) with title (item 2 of argv)",
        "-e",
        "end run",
        text,
        title,
    ]
    .iter()
    .map(|arg| arg.to_string())
    .collect();
    let output = process::run(&osascript, &args, None, TIMEOUT)
        .map_err(|error| format!("osascript: {error}"))?;
    if output.success() {
        Ok(())
    } else {
        Err(format!(
            "osascript: {} ({})",
            output.first_line(),
            output.status()
        ))
    }
}

#[cfg(not(target_os = "macos"))]
fn show(env: &Env, title: &str, text: &str) -> Result<(), String> {
    let address = session_bus(env)?;
    let (title, text) = (title.to_string(), text.to_string());
    let (sender, receiver) = std::sync::mpsc::channel();
    // On its own thread so that a bus that accepts the connection and then never answers
    // cannot hold the job: after the time limit the thread is simply left behind.
    std::thread::spawn(move || {
        let _ = sender.send(zbus::block_on(freedesktop_notify(&address, &title, &text)));
    });
    match receiver.recv_timeout(TIMEOUT) {
        Ok(Ok(_id)) => Ok(()),
        Ok(Err(error)) => Err(format!("the notification service did not take it: {error}")),
        Err(_) => Err(format!(
            "the notification service gave no answer within {} seconds",
            TIMEOUT.as_secs()
        )),
    }
}

/// `org.freedesktop.Notifications.Notify`, the one call of the Desktop Notifications spec
/// awscheck needs; returns the notification's id.
#[cfg(not(target_os = "macos"))]
async fn freedesktop_notify(address: &str, title: &str, text: &str) -> zbus::Result<u32> {
    use std::collections::HashMap;
    let connection = zbus::connection::Builder::address(address)
        .method_timeout(TIMEOUT)
        .build()
        .await?;
    let actions: Vec<&str> = Vec::new();
    let hints: HashMap<&str, zbus::Variant> = HashMap::new();
    // -1: the server's own expiry, as the user configured it.
    let expire_timeout = -1i32;
    let reply = connection
        .call_method(
            Some("org.freedesktop.Notifications"),
            "/org/freedesktop/Notifications",
            Some("org.freedesktop.Notifications"),
            "Notify",
            &(
                "awscheck",
                0u32,
                "dialog-warning",
                title,
                text,
                actions,
                hints,
                expire_timeout,
            ),
        )
        .await?;
    reply.body().deserialize()
}

/// The session bus address: `DBUS_SESSION_BUS_ADDRESS`, else the socket systemd-logind's
/// sessions keep at `$XDG_RUNTIME_DIR/bus`. Cron gives a job neither variable, so with no
/// `XDG_RUNTIME_DIR` the standard `/run/user/<uid>/bus` is tried too. `Err` says what was tried.
#[cfg(not(target_os = "macos"))]
pub fn session_bus(env: &Env) -> Result<String, String> {
    use std::os::unix::fs::FileTypeExt;
    use std::path::PathBuf;
    if let Some(address) = env.get("DBUS_SESSION_BUS_ADDRESS") {
        return Ok(address.to_string());
    }
    let runtime_dir = match env.get("XDG_RUNTIME_DIR") {
        Some(dir) => PathBuf::from(dir),
        None => match crate::schedule::current_uid(env) {
            Some(uid) => PathBuf::from(format!("/run/user/{uid}")),
            None => return Err("no session bus (DBUS_SESSION_BUS_ADDRESS is not set)".to_string()),
        },
    };
    let socket = runtime_dir.join("bus");
    let is_socket = std::fs::metadata(&socket)
        .map(|metadata| metadata.file_type().is_socket())
        .unwrap_or(false);
    if !is_socket {
        return Err(format!(
            "no session bus (DBUS_SESSION_BUS_ADDRESS is not set and there is no {})",
            socket.display()
        ));
    }
    Ok(format!(
        "unix:path={}",
        address_escape(&socket.to_string_lossy())
    ))
}

/// D-Bus addresses escape every byte outside a small set as `%XX`.
#[cfg(not(target_os = "macos"))]
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

#[cfg(all(test, not(target_os = "macos")))]
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
            session_bus(&env),
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

    #[test]
    fn without_a_bus_it_says_why() {
        let dir = tempfile::tempdir().unwrap();
        let env = Env::from_pairs([("XDG_RUNTIME_DIR", dir.path().to_str().unwrap())]);
        let error = notify(&env, "awscheck", "text").unwrap_err();
        assert!(error.starts_with("no session bus"), "{error}");
        let env = Env::from_pairs([("DBUS_SESSION_BUS_ADDRESS", "unix:path=/nonexistent/bus")]);
        let error = notify(&env, "awscheck", "text").unwrap_err();
        assert!(
            error.starts_with("the notification service did not take it"),
            "{error}"
        );
    }
}
