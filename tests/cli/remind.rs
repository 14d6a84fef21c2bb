//! `awscheck remind` against a temporary HOME with no desktop session: the reminder is printed
//! and logged, the run recorded for `schedule status`, and nothing is said when all is well.
//!
//! Key ages come from a backdated first-seen record in the state folder, so the offline audit
//! finds an old key without asking AWS.

use crate::support::{assert_no_secret, long_term_key_id, run, secret_key, Home, Run};
use awscheck::audit::settings::Settings;
use awscheck::audit::severity::Severity;
use std::fs;
use std::os::unix::fs::PermissionsExt;

/// A home with profiles `dev` (its key first seen `dev_days` ago) and `ci` (seen today).
fn home_with_keys(dev_days: i64) -> Home {
    let home = Home::new();
    home.credentials(&format!(
        "[dev]\naws_access_key_id = {}\naws_secret_access_key = {}\n\n[ci]\naws_access_key_id = {}\naws_secret_access_key = {}\n",
        long_term_key_id("dev"),
        secret_key("dev"),
        long_term_key_id("ci"),
        secret_key("ci"),
    ));
    let now = chrono::Utc::now();
    let record = serde_json::json!({
        "keys": {
            long_term_key_id("dev"): (now - chrono::Duration::days(dev_days)).to_rfc3339(),
            long_term_key_id("ci"): now.to_rfc3339(),
        }
    });
    home.write(
        ".local/state/awscheck/first-seen.json",
        serde_json::to_vec(&record).unwrap(),
    );
    home
}

/// `remind` with no session bus: XDG_RUNTIME_DIR points at an empty folder in HOME.
fn remind(home: &Home, args: &[&str]) -> Run {
    let runtime = home.join("run");
    fs::create_dir_all(&runtime).unwrap();
    run(home
        .cmd()
        .env("XDG_RUNTIME_DIR", &runtime)
        .arg("remind")
        .args(args))
}

fn last_remind(home: &Home) -> serde_json::Value {
    let path = home.state_dir().join("last-remind.json");
    assert_eq!(
        fs::metadata(&path).unwrap().permissions().mode() & 0o777,
        0o600
    );
    serde_json::from_slice(&fs::read(path).unwrap()).unwrap()
}

fn log(home: &Home) -> String {
    let path = home.state_dir().join("remind.log");
    assert_eq!(
        fs::metadata(&path).unwrap().permissions().mode() & 0o777,
        0o600
    );
    fs::read_to_string(path).unwrap()
}

#[test]
fn a_stale_key_is_printed_logged_and_recorded_without_a_session_bus() {
    let home = home_with_keys(100);
    let result = remind(&home, &["--offline"]).expect_code(0);
    let text = "1 AWS key needs attention: dev is at least 100 days old. Run: awscheck rotate --profile dev";
    assert_eq!(result.stdout, format!("{text}\n"));
    assert_eq!(result.stderr, "");
    for label in ["dev", "ci"] {
        assert!(!result.stdout.contains(&long_term_key_id(label)));
        assert_no_secret(&result.stdout, &secret_key(label), "remind output");
    }

    let record = last_remind(&home);
    assert_eq!(record["outcome"], "printed");
    assert_eq!(record["mode"], "offline");
    assert_eq!(record["min_severity"], "medium");
    assert_eq!(record["due"], 1);
    assert_eq!(record["text"], text);
    assert!(record["detail"]
        .as_str()
        .unwrap()
        .starts_with("no session bus"));
    assert!(record["time"].is_string());

    let log = log(&home);
    assert_eq!(log.lines().count(), 1);
    assert!(log.contains(" offline printed (no session bus"), "{log}");
    assert!(log.trim_end().ends_with(text), "{log}");
    for label in ["dev", "ci"] {
        assert!(!log.contains(&long_term_key_id(label)));
        assert_no_secret(&log, &secret_key(label), "remind.log");
    }

    // `schedule status` shows the last run.
    // An empty PATH: the machine's own crontab is none of this test's business.
    // Wide enough that no line of the status is wrapped.
    let status = run(home
        .cmd()
        .env("PATH", home.join("run"))
        .env("COLUMNS", "200")
        .args(["schedule", "status"]))
    .expect_code(0);
    assert!(
        status
            .stdout
            .contains("(offline audit): printed, not shown: no session bus"),
        "{}",
        status.stdout
    );
    assert!(status.stdout.contains(text), "{}", status.stdout);

    // The log grows by one line a run.
    remind(&home, &["--offline"]).expect_code(0);
    assert_eq!(self::log(&home).lines().count(), 2);
}

#[test]
fn nothing_due_is_silent() {
    let home = home_with_keys(3);
    let result = remind(&home, &["--offline"]).expect_code(0);
    assert_eq!(result.stdout, "");
    assert_eq!(result.stderr, "");
    let record = last_remind(&home);
    assert_eq!(record["outcome"], "nothing due");
    assert_eq!(record["due"], 0);
    assert!(record["text"].is_null());
    assert!(log(&home).contains(" offline nothing due ("));
}

#[test]
fn no_aws_files_at_all_is_silent() {
    let home = Home::new();
    let result = remind(&home, &["--offline"]).expect_code(0);
    assert_eq!(result.stdout, "");
    assert_eq!(last_remind(&home)["outcome"], "nothing due");
}

#[test]
fn the_threshold_comes_from_the_flag_then_the_settings() {
    // long-term-key (low) fires for both profiles; key-too-old (medium) for none.
    let home = home_with_keys(3);
    home.write(
        ".config/awscheck/settings.toml",
        "[remind]\nmin_severity = \"low\"\n",
    );
    let result = remind(&home, &["--offline"]).expect_code(0);
    assert_eq!(
        result.stdout,
        "2 AWS keys need attention: ci holds a long-term key, dev holds a long-term key. Run: awscheck audit --profile ci\n"
    );
    assert_eq!(last_remind(&home)["min_severity"], "low");

    let result = remind(&home, &["--offline", "--min-severity", "high"]).expect_code(0);
    assert_eq!(result.stdout, "");
    assert_eq!(last_remind(&home)["min_severity"], "high");
}

#[test]
fn a_real_error_exits_2_and_is_logged() {
    let home = home_with_keys(100);
    home.write(
        ".config/awscheck/settings.toml",
        "fail_on = \"high\"\n\n[remind]\nmin_severty = \"low\"\n",
    );
    let result = remind(&home, &["--offline"]).expect_code(2);
    assert_eq!(result.stdout, "");
    let lines = result.stderr_lines();
    assert_eq!(lines.len(), 1, "{}", result.stderr);
    assert!(lines[0].starts_with("awscheck: error: "), "{}", lines[0]);
    assert!(lines[0].contains("settings.toml:4"), "{}", lines[0]);
    assert!(lines[0].contains("min_severty"), "{}", lines[0]);
    let record = last_remind(&home);
    assert_eq!(record["outcome"], "error");
    assert!(record["detail"].as_str().unwrap().contains("min_severty"));
    assert!(log(&home).contains(" offline error: "));
}

#[test]
fn remind_settings_are_strict() {
    let settings = Settings::parse("[remind]\nmin_severity = \"high\"\n").unwrap();
    assert_eq!(settings.remind.min_severity, Some(Severity::High));
    assert_eq!(Settings::parse("").unwrap().remind.min_severity, None);
    let (line, message) =
        Settings::parse("fail_on = \"low\"\n[remind]\nmin_severity = \"loud\"\n").unwrap_err();
    assert_eq!(line, Some(3));
    assert!(message.contains("loud"), "{message}");
    let (line, message) = Settings::parse("[remind]\nevery = \"week\"\n").unwrap_err();
    assert_eq!(line, Some(2));
    assert!(message.contains("every"), "{message}");
}

/// The whole desktop path on a private session bus: `dbus-daemon` from the system, and a
/// stand-in notification service (zbus, which awscheck itself uses) that records the call.
#[cfg(not(target_os = "macos"))]
#[test]
fn a_stale_key_raises_a_desktop_notification_on_the_session_bus() {
    use std::collections::HashMap;
    use std::io::BufRead;
    use std::pin::Pin;
    use std::process::{Child, Command, Stdio};
    use std::sync::mpsc;
    use std::time::Duration;
    use zbus::export::futures_core::Stream;

    let Some(daemon) = ["/usr/bin/dbus-daemon", "/bin/dbus-daemon"]
        .into_iter()
        .find(|path| std::path::Path::new(path).exists())
    else {
        println!("note: dbus-daemon is not installed; skipping the desktop notification check");
        return;
    };
    struct Stop(Child);
    impl Drop for Stop {
        fn drop(&mut self) {
            let _ = self.0.kill();
            let _ = self.0.wait();
        }
    }
    let mut bus = Stop(
        Command::new(daemon)
            .args(["--session", "--nofork", "--print-address=1"])
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .unwrap(),
    );
    let mut address = String::new();
    std::io::BufReader::new(bus.0.stdout.take().unwrap())
        .read_line(&mut address)
        .unwrap();
    let address = address.trim().to_string();

    type Notify = (
        String,
        u32,
        String,
        String,
        String,
        Vec<String>,
        HashMap<String, zbus::OwnedVariant>,
        i32,
    );
    let (ready, is_ready) = mpsc::channel();
    let (calls, received) = mpsc::channel::<Notify>();
    let server_address = address.clone();
    std::thread::spawn(move || {
        zbus::block_on(async move {
            let connection = zbus::connection::Builder::address(server_address.as_str())
                .build()
                .await
                .unwrap();
            connection
                .request_name("org.freedesktop.Notifications")
                .await
                .unwrap();
            ready.send(()).unwrap();
            let mut stream = zbus::MessageStream::from(&connection);
            while let Some(Ok(message)) =
                std::future::poll_fn(|cx| Pin::new(&mut stream).poll_next(cx)).await
            {
                let header = message.header();
                if message.message_type() != zbus::message::Type::MethodCall
                    || header.member().map(|m| m.as_str()) != Some("Notify")
                {
                    continue;
                }
                let call: Notify = message.body().deserialize().unwrap();
                let reply = zbus::Message::method_return(&header)
                    .build(&(7u32,))
                    .unwrap();
                connection.send(&reply).await.unwrap();
                calls.send(call).unwrap();
            }
        })
    });
    is_ready.recv_timeout(Duration::from_secs(20)).unwrap();

    let home = home_with_keys(100);
    let result = run(home
        .cmd()
        .env("DBUS_SESSION_BUS_ADDRESS", &address)
        .args(["remind", "--offline"]))
    .expect_code(0);
    // Shown, so nothing on stdout (which is no terminal here).
    assert_eq!(result.stdout, "");
    let text = "1 AWS key needs attention: dev is at least 100 days old. Run: awscheck rotate --profile dev";
    let call = received.recv_timeout(Duration::from_secs(20)).unwrap();
    assert_eq!(call.0, "awscheck");
    assert_eq!(call.1, 0, "a new notification, not a replacement");
    // The notification: a title and three short lines.
    let body = "1 AWS key needs attention\ndev is at least 100 days old\nRun: awscheck rotate --profile dev";
    assert_eq!((call.3.as_str(), call.4.as_str()), ("awscheck", body));
    let record = last_remind(&home);
    assert_eq!(record["outcome"], "notified");
    assert_eq!(record["text"], text);
    assert!(log(&home).contains(&format!(" offline notified: {text}")));
}
