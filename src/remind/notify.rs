//! Showing the reminder on the desktop: the freedesktop notification service on the session
//! D-Bus (Linux and the BSDs), `osascript` on macOS.
//!
//! Failing to show it is never an error: a headless box, a cron job without a session, a
//! notification daemon that is not running. The caller prints and logs the text instead, so
//! the reminder always lands somewhere and a weekly job never fails over it.

use crate::sys::env::Env;
use std::fmt;
use std::time::Duration;

/// A notification service that answers at all answers in milliseconds.
const TIMEOUT: Duration = Duration::from_secs(10);

/// Why a notification could not be shown.
#[derive(Debug)]
pub enum NotShown {
    /// There is no session bus to reach the notification service on.
    #[cfg(not(target_os = "macos"))]
    NoBus(crate::sys::bus::NoBus),
    /// The service refused it or could not be reached: what it said.
    Refused(String),
    /// The service did not answer in time.
    NoAnswer,
    /// The program that shows notifications is not there.
    NoProgram(&'static str),
    /// That program failed: its first line and exit status.
    Failed(String),
}

impl fmt::Display for NotShown {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            #[cfg(not(target_os = "macos"))]
            NotShown::NoBus(why) => write!(f, "{why}"),
            NotShown::Refused(why) => write!(f, "the notification service did not take it: {why}"),
            NotShown::NoAnswer => write!(
                f,
                "the notification service gave no answer within {} seconds",
                TIMEOUT.as_secs()
            ),
            NotShown::NoProgram(program) => write!(f, "{program} is not available"),
            NotShown::Failed(why) => f.write_str(why),
        }
    }
}

impl std::error::Error for NotShown {}

/// Show `text` under `title`, or say why it could not be shown.
pub fn notify(env: &Env, title: &str, text: &str) -> Result<(), NotShown> {
    show(env, title, text)
}

#[cfg(target_os = "macos")]
fn show(env: &Env, title: &str, text: &str) -> Result<(), NotShown> {
    use crate::sys::process;
    use std::path::PathBuf;
    let osascript = process::find_program(env, "osascript")
        .or_else(|| Some(PathBuf::from("/usr/bin/osascript")).filter(|path| path.exists()))
        .ok_or(NotShown::NoProgram("osascript"))?;
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
        .map_err(|error| NotShown::Failed(format!("osascript: {error}")))?;
    if output.success() {
        Ok(())
    } else {
        Err(NotShown::Failed(format!(
            "osascript: {} ({})",
            output.first_line(),
            output.status()
        )))
    }
}

#[cfg(not(target_os = "macos"))]
fn show(env: &Env, title: &str, text: &str) -> Result<(), NotShown> {
    let address = crate::sys::bus::session_bus(env).map_err(NotShown::NoBus)?;
    let (title, text) = (title.to_string(), text.to_string());
    let (sender, receiver) = std::sync::mpsc::channel();
    // On its own thread so that a bus that accepts the connection and then never answers
    // cannot hold the job: after the time limit the thread is simply left behind.
    std::thread::spawn(move || {
        let _ = sender.send(zbus::block_on(freedesktop_notify(&address, &title, &text)));
    });
    match receiver.recv_timeout(TIMEOUT) {
        Ok(Ok(_id)) => Ok(()),
        Ok(Err(error)) => Err(NotShown::Refused(error.to_string())),
        Err(_) => Err(NotShown::NoAnswer),
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

#[cfg(all(test, not(target_os = "macos")))]
mod tests {
    use super::*;

    #[test]
    fn without_a_bus_it_says_why() {
        let dir = tempfile::tempdir().unwrap();
        let env = Env::from_pairs([("XDG_RUNTIME_DIR", dir.path().to_str().unwrap())]);
        let error = notify(&env, "awscheck", "text").unwrap_err();
        assert!(matches!(error, NotShown::NoBus(_)), "{error}");
        assert!(error.to_string().starts_with("no session bus"), "{error}");
        let env = Env::from_pairs([("DBUS_SESSION_BUS_ADDRESS", "unix:path=/nonexistent/bus")]);
        let error = notify(&env, "awscheck", "text").unwrap_err().to_string();
        assert!(
            error.starts_with("the notification service did not take it"),
            "{error}"
        );
    }
}
