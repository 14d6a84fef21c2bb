//! The systemd backend: a oneshot user service and a weekly timer in `~/.config/systemd/user`.
//!
//! Both unit files are awscheck's own (their names say so), rewritten whole on every install.
//! `Persistent=true` is why systemd is preferred to cron on Linux: a laptop that was asleep at
//! the hour still gets its reminder at the next boot.

use super::{Schedule, Step};
use crate::sys::env::home_dir;
use crate::sys::env::Env;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

pub const SERVICE: &str = "awscheck-remind.service";
pub const TIMER: &str = "awscheck-remind.timer";

const HEADER: &str =
    "# Written by `awscheck schedule install`; `awscheck schedule uninstall` removes it.\n";

/// Where systemd looks for the user's own units: `$XDG_CONFIG_HOME/systemd/user`, else
/// `~/.config/systemd/user`.
pub fn unit_dir(env: &Env) -> Option<PathBuf> {
    let config = match env.get("XDG_CONFIG_HOME") {
        Some(dir) => PathBuf::from(dir),
        None => home_dir(env)?.join(".config"),
    };
    Some(config.join("systemd/user"))
}

pub fn service_unit(command: &[String]) -> String {
    let words: Vec<String> = command
        .iter()
        .enumerate()
        // The program is always quoted, so a path with spaces can never split.
        .map(|(i, word)| exec_word(word, i == 0))
        .collect();
    format!(
        "{HEADER}[Unit]
Description=awscheck weekly reminder: audit AWS credentials, notify when a key needs attention

[Service]
Type=oneshot
ExecStart={}
# A background job: it never reads a terminal and never runs for long. It sets no
# Environment=: it needs nothing beyond the user manager's own, and a unit is no place for secrets.
StandardInput=null
TimeoutStartSec=10min
",
        words.join(" ")
    )
}

pub fn timer_unit(schedule: Schedule) -> String {
    format!(
        "{HEADER}[Unit]
Description=awscheck weekly reminder ({schedule})

[Timer]
OnCalendar={}
# Run at the next start-up when the machine was off or asleep at the time.
Persistent=true
Unit={SERVICE}

[Install]
WantedBy=timers.target
",
        on_calendar(schedule)
    )
}

/// `Mon *-*-* 09:00:00`.
pub fn on_calendar(schedule: Schedule) -> String {
    format!(
        "{} *-*-* {:02}:{:02}:00",
        schedule.day.short(),
        schedule.hour,
        schedule.minute
    )
}

/// A word of `ExecStart=`: systemd expands `%` specifiers and `$` variables even inside quotes,
/// so both are doubled; quotes and backslashes are C-escaped inside double quotes.
fn exec_word(word: &str, always_quote: bool) -> String {
    let escaped = word.replace('%', "%%").replace('$', "$$");
    let plain = !escaped.is_empty()
        && escaped
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"-_./=:,+@%$".contains(&b));
    if plain && !always_quote {
        return escaped;
    }
    format!("\"{}\"", escaped.replace('\\', r"\\").replace('"', "\\\""))
}

/// The schedule in a timer we wrote (its `OnCalendar=` line).
pub fn parse_timer(text: &str) -> Option<Schedule> {
    let value = text
        .lines()
        .find_map(|line| line.trim().strip_prefix("OnCalendar="))?;
    let mut parts = value.split_whitespace();
    let day = super::Day::from_short(parts.next()?)?;
    if parts.next()? != "*-*-*" {
        return None;
    }
    let mut time = parts.next()?.split(':');
    let hour = time.next()?.parse().ok().filter(|h| *h < 24)?;
    let minute = time.next()?.parse().ok().filter(|m| *m < 60)?;
    Some(Schedule { day, hour, minute })
}

/// The `ExecStart=` value of a service we wrote, as written.
pub fn exec_start(text: &str) -> Option<&str> {
    text.lines()
        .find_map(|line| line.trim().strip_prefix("ExecStart="))
}

/// `systemctl show --property=A,B` output as a map.
pub fn parse_show(text: &str) -> BTreeMap<String, String> {
    text.lines()
        .filter_map(|line| line.split_once('='))
        .map(|(key, value)| (key.to_string(), value.to_string()))
        .collect()
}

fn systemctl(args: &[&str]) -> Step {
    let mut all = vec!["--user"];
    all.extend_from_slice(args);
    Step::run("systemctl", &all)
}

/// Write both units and start the timer. `reinstall`: a timer was already there, so it is
/// restarted to take up a changed schedule.
pub fn install_plan(
    dir: &Path,
    command: &[String],
    schedule: Schedule,
    reinstall: bool,
) -> Vec<Step> {
    let mut steps = vec![
        Step::Write {
            path: dir.join(SERVICE),
            contents: service_unit(command),
            mode: 0o644,
        },
        Step::Write {
            path: dir.join(TIMER),
            contents: timer_unit(schedule),
            mode: 0o644,
        },
        systemctl(&["daemon-reload"]),
        systemctl(&["enable", "--now", TIMER]),
    ];
    if reinstall {
        steps.push(systemctl(&["restart", TIMER]));
    }
    steps
}

/// Stop and disable the timer, remove both units. Only what is there is touched; systemctl
/// failing (no user manager) does not keep the files from going.
pub fn uninstall_plan(dir: &Path, service_present: bool, timer_present: bool) -> Vec<Step> {
    let mut steps = Vec::new();
    if timer_present {
        steps.push(systemctl(&["disable", "--now", TIMER]).optional());
        steps.push(Step::Remove {
            path: dir.join(TIMER),
        });
    }
    if service_present {
        steps.push(Step::Remove {
            path: dir.join(SERVICE),
        });
    }
    if !steps.is_empty() {
        steps.push(systemctl(&["daemon-reload"]).optional());
    }
    steps
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::remind::schedule::Day;

    #[test]
    fn exec_start_quotes_the_program_and_escapes_what_systemd_expands() {
        let command = |words: &[&str]| words.iter().map(|w| w.to_string()).collect::<Vec<_>>();
        let unit = service_unit(&command(&["/usr/bin/awscheck", "remind"]));
        assert_eq!(exec_start(&unit), Some("\"/usr/bin/awscheck\" remind"));
        let unit = service_unit(&command(&[
            "/home/me/50% \"off\"/$HOME\\awscheck",
            "--settings",
            "/home/me/my settings.toml",
            "remind",
        ]));
        assert_eq!(
            exec_start(&unit),
            Some(
                r#""/home/me/50%% \"off\"/$$HOME\\awscheck" --settings "/home/me/my settings.toml" remind"#
            )
        );
    }

    #[test]
    fn the_timer_round_trips() {
        for day in Day::ALL {
            let schedule = Schedule {
                day,
                hour: 7,
                minute: 5,
            };
            let timer = timer_unit(schedule);
            assert!(timer.contains("Persistent=true\n"));
            assert_eq!(parse_timer(&timer), Some(schedule));
        }
        assert!(timer_unit(Schedule {
            day: Day::Mon,
            hour: 9,
            minute: 0
        })
        .contains("OnCalendar=Mon *-*-* 09:00:00\n"));
    }

    #[test]
    fn uninstall_touches_only_what_is_there() {
        let dir = Path::new("/u");
        assert!(uninstall_plan(dir, false, false).is_empty());
        let plan = uninstall_plan(dir, true, false);
        assert_eq!(
            plan[0],
            Step::Remove {
                path: dir.join(SERVICE)
            }
        );
        assert_eq!(plan.len(), 2);
    }

    #[test]
    fn show_output() {
        let map =
            parse_show("NextElapseUSecRealtime=Mon 2026-11-30 09:00:00 UTC\nActiveState=active\n");
        assert_eq!(map["ActiveState"], "active");
        assert_eq!(map["NextElapseUSecRealtime"], "Mon 2026-11-30 09:00:00 UTC");
    }
}
