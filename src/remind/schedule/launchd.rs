//! The launchd backend (macOS): a LaunchAgent in `~/Library/LaunchAgents`, loaded into the
//! user's GUI domain so that the job may show notifications.
//!
//! launchd runs a calendar job missed while the Mac slept as soon as it wakes, so a weekly
//! reminder is never silently skipped. The plist is awscheck's own file, rewritten whole.

use super::{Schedule, Step};
use std::path::{Path, PathBuf};

pub const LABEL: &str = "com.awscheck.remind";

/// `~/Library/LaunchAgents/com.awscheck.remind.plist`.
pub fn agent_path(home: &Path) -> PathBuf {
    home.join("Library/LaunchAgents")
        .join(format!("{LABEL}.plist"))
}

pub fn domain(uid: u32) -> String {
    format!("gui/{uid}")
}

/// The LaunchAgent: `command` as `ProgramArguments` (never through a shell), the schedule as
/// `StartCalendarInterval`, and its output in the state folder.
pub fn plist(command: &[String], schedule: Schedule, log_dir: &Path) -> String {
    let string = |text: &str| format!("<string>{}</string>", escape(text));
    let arguments: String = command
        .iter()
        .map(|word| format!("\t\t{}\n", string(word)))
        .collect();
    let log = |name: &str| string(&log_dir.join(name).to_string_lossy());
    format!(
        r#"<?xml version="1.0" encoding="UTF-8"?>
<!DOCTYPE plist PUBLIC "-//Apple//DTD PLIST 1.0//EN" "http://www.apple.com/DTDs/PropertyList-1.0.dtd">
<!-- Written by `awscheck schedule install`; `awscheck schedule uninstall` removes it. -->
<plist version="1.0">
<dict>
	<key>Label</key>
	{label}
	<key>ProgramArguments</key>
	<array>
{arguments}	</array>
	<key>StartCalendarInterval</key>
	<dict>
		<key>Weekday</key>
		<integer>{weekday}</integer>
		<key>Hour</key>
		<integer>{hour}</integer>
		<key>Minute</key>
		<integer>{minute}</integer>
	</dict>
	<key>ProcessType</key>
	<string>Background</string>
	<key>StandardOutPath</key>
	{stdout}
	<key>StandardErrorPath</key>
	{stderr}
</dict>
</plist>
"#,
        label = string(LABEL),
        weekday = schedule.day.sunday_based(),
        hour = schedule.hour,
        minute = schedule.minute,
        stdout = log("launchd-remind.out.log"),
        stderr = log("launchd-remind.err.log"),
    )
}

fn escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

fn unescape(text: &str) -> String {
    text.replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", "\"")
        .replace("&apos;", "'")
        .replace("&amp;", "&")
}

/// The text after `<key>NAME</key>`, from the next tag on.
fn after_key<'a>(text: &'a str, name: &str) -> Option<&'a str> {
    let key = format!("<key>{name}</key>");
    Some(text[text.find(&key)? + key.len()..].trim_start())
}

/// The schedule of a plist we wrote, read back for `schedule status`.
pub fn parse_schedule(text: &str) -> Option<Schedule> {
    let interval = after_key(text, "StartCalendarInterval")?.strip_prefix("<dict>")?;
    let interval = &interval[..interval.find("</dict>")?];
    let integer = |name: &str| -> Option<u64> {
        let rest = after_key(interval, name)?.strip_prefix("<integer>")?;
        rest[..rest.find("</integer>")?].trim().parse().ok()
    };
    Some(Schedule {
        day: super::Day::from_sunday_based(integer("Weekday")?)?,
        hour: integer("Hour").filter(|h| *h < 24)? as u8,
        minute: integer("Minute").filter(|m| *m < 60)? as u8,
    })
}

/// The `ProgramArguments` of a plist we wrote.
pub fn parse_program(text: &str) -> Option<Vec<String>> {
    let array = after_key(text, "ProgramArguments")?.strip_prefix("<array>")?;
    let array = &array[..array.find("</array>")?];
    Some(
        array
            .split("<string>")
            .skip(1)
            .filter_map(|piece| piece.split_once("</string>"))
            .map(|(value, _)| unescape(value))
            .collect(),
    )
}

/// Write the agent and load it; a loaded older copy is unloaded first, as launchd refuses to
/// bootstrap a label it already has.
pub fn install_plan(
    uid: u32,
    path: &Path,
    contents: String,
    log_dir: &Path,
    reinstall: bool,
) -> Vec<Step> {
    let mut steps = Vec::new();
    if reinstall {
        steps.push(bootout(uid));
    }
    steps.push(Step::MakePrivateDir {
        path: log_dir.to_path_buf(),
    });
    steps.push(Step::Write {
        path: path.to_path_buf(),
        contents,
        mode: 0o644,
    });
    steps.push(Step::run(
        "launchctl",
        &["bootstrap", &domain(uid), &path.to_string_lossy()],
    ));
    steps
}

pub fn uninstall_plan(uid: u32, path: &Path) -> Vec<Step> {
    vec![
        bootout(uid),
        Step::Remove {
            path: path.to_path_buf(),
        },
    ]
}

/// Unload the job; it may not be loaded (a reboot since, a failed load), which is fine.
fn bootout(uid: u32) -> Step {
    Step::run(
        "launchctl",
        &["bootout", &format!("{}/{LABEL}", domain(uid))],
    )
    .optional()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::remind::schedule::Day;

    #[test]
    fn the_plist_round_trips() {
        let command = vec![
            "/Users/me/A&B <tools>/awscheck".to_string(),
            "remind".to_string(),
        ];
        for day in Day::ALL {
            let schedule = Schedule {
                day,
                hour: 18,
                minute: 45,
            };
            let text = plist(&command, schedule, Path::new("/Users/me/state"));
            assert!(text.contains("A&amp;B &lt;tools&gt;"));
            assert_eq!(parse_schedule(&text), Some(schedule));
            assert_eq!(parse_program(&text), Some(command.clone()));
        }
    }

    #[test]
    fn monday_is_weekday_one() {
        let schedule = Schedule {
            day: Day::Mon,
            hour: 9,
            minute: 0,
        };
        let text = plist(&["/bin/awscheck".into()], schedule, Path::new("/s"));
        assert!(text.contains("<key>Weekday</key>\n\t\t<integer>1</integer>"));
    }

    #[test]
    fn plans() {
        let path = Path::new("/Users/me/Library/LaunchAgents/com.awscheck.remind.plist");
        let install = install_plan(501, path, String::new(), Path::new("/s"), false);
        assert_eq!(
            install.last(),
            Some(&Step::run(
                "launchctl",
                &["bootstrap", "gui/501", &path.to_string_lossy()]
            ))
        );
        let reinstall = install_plan(501, path, String::new(), Path::new("/s"), true);
        assert_eq!(
            reinstall[0],
            Step::run("launchctl", &["bootout", "gui/501/com.awscheck.remind"]).optional()
        );
    }
}
