//! The weekly `awscheck remind` job, for launchd, systemd or cron.
//!
//! Each backend module is pure: it renders and parses its own files (a plist, two units, one
//! crontab line) and plans the steps of an install or uninstall as data. [`Runner`] is the only
//! part that touches the system: it writes files, runs programs, or, for `--dry-run`, prints
//! exactly what it would do. Keeping the plans as data is what lets `--dry-run` show the truth.

pub mod cron;
pub mod launchd;
pub mod systemd;

use crate::sys::atomic;
use crate::sys::env::Env;
use crate::sys::process;
use chrono::{DateTime, Datelike, Duration, Local, NaiveTime, TimeZone};
use std::fmt;
use std::io::Write;
use std::path::{Path, PathBuf};

/// What the job runs, after the binary: the same command whatever the backend.
pub const REMIND: &str = "remind";

#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum Backend {
    Launchd,
    Systemd,
    Cron,
}

impl Backend {
    pub const ALL: [Backend; 3] = [Backend::Launchd, Backend::Systemd, Backend::Cron];

    pub fn name(self) -> &'static str {
        match self {
            Backend::Launchd => "launchd",
            Backend::Systemd => "systemd",
            Backend::Cron => "cron",
        }
    }
}

impl fmt::Display for Backend {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum Day {
    #[value(alias = "monday")]
    Mon,
    #[value(alias = "tuesday")]
    Tue,
    #[value(alias = "wednesday")]
    Wed,
    #[value(alias = "thursday")]
    Thu,
    #[value(alias = "friday")]
    Fri,
    #[value(alias = "saturday")]
    Sat,
    #[value(alias = "sunday")]
    Sun,
}

impl Day {
    pub const ALL: [Day; 7] = [
        Day::Mon,
        Day::Tue,
        Day::Wed,
        Day::Thu,
        Day::Fri,
        Day::Sat,
        Day::Sun,
    ];

    /// `Mon`, as systemd's calendar events spell it.
    pub fn short(self) -> &'static str {
        ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"][self.index()]
    }

    pub fn long(self) -> &'static str {
        [
            "Monday",
            "Tuesday",
            "Wednesday",
            "Thursday",
            "Friday",
            "Saturday",
            "Sunday",
        ][self.index()]
    }

    /// 0 = Sunday … 6 = Saturday, as cron and launchd count.
    pub fn sunday_based(self) -> u8 {
        ((self.index() + 1) % 7) as u8
    }

    /// The inverse of [`Day::sunday_based`]; 7 is Sunday too, as both cron and launchd allow.
    pub fn from_sunday_based(number: u64) -> Option<Day> {
        match number {
            0 | 7 => Some(Day::Sun),
            1..=6 => Some(Day::ALL[number as usize - 1]),
            _ => None,
        }
    }

    pub fn from_short(name: &str) -> Option<Day> {
        Day::ALL
            .into_iter()
            .find(|day| day.short().eq_ignore_ascii_case(name))
    }

    fn index(self) -> usize {
        self as usize
    }

    fn chrono(self) -> chrono::Weekday {
        chrono::Weekday::try_from(self.index() as u8).expect("0..7 is a weekday")
    }
}

/// Once a week, on `day` at `hour:minute` local time.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Schedule {
    pub day: Day,
    pub hour: u8,
    pub minute: u8,
}

impl Schedule {
    /// The next time the job is due after `now`, in local time.
    pub fn next_after(&self, now: DateTime<Local>) -> Option<DateTime<Local>> {
        let time = NaiveTime::from_hms_opt(self.hour.into(), self.minute.into(), 0)?;
        // Two weeks cover a run later today, one exactly a week away, and a local time that
        // does not exist on the first matching day (a DST gap), which moves on a week.
        (0..=14)
            .map(|days| now.date_naive() + Duration::days(days))
            .filter(|date| date.weekday() == self.day.chrono())
            .filter_map(|date| Local.from_local_datetime(&date.and_time(time)).earliest())
            .find(|candidate| *candidate > now)
    }
}

impl fmt::Display for Schedule {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "every {} at {:02}:{:02}",
            self.day.long(),
            self.hour,
            self.minute
        )
    }
}

/// A `--time` that is not a time of day.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NotATime(String);

impl fmt::Display for NotATime {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "`{}` is not a time of day as HH:MM (24-hour clock), e.g. 09:00",
            self.0
        )
    }
}

impl std::error::Error for NotATime {}

/// `09:00` -> (9, 0), for `--time`.
pub fn parse_time(text: &str) -> Result<(u8, u8), NotATime> {
    let bad = || NotATime(text.to_string());
    let (hour, minute) = text.split_once(':').ok_or_else(bad)?;
    let number = |part: &str, max: u8| {
        if part.is_empty() || part.len() > 2 || !part.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
        part.parse::<u8>().ok().filter(|n| *n <= max)
    };
    Ok((
        number(hour, 23).ok_or_else(bad)?,
        number(minute, 59).ok_or_else(bad)?,
    ))
}

/// The job's command line: the absolute path of this binary, the global options that name
/// files (so the job audits what the user pointed `install` at), then `remind`.
pub fn job_command(
    binary: &Path,
    global_options: &[(&str, &Path)],
) -> Result<Vec<String>, Unschedulable> {
    let text = |path: &Path| {
        let text = path
            .to_str()
            .ok_or_else(|| Unschedulable::NotUtf8(path.to_path_buf()))?;
        if text.chars().any(char::is_control) {
            return Err(Unschedulable::Control(path.to_path_buf()));
        }
        Ok(text.to_string())
    };
    if !binary.is_absolute() {
        return Err(Unschedulable::Relative(binary.to_path_buf()));
    }
    let mut command = vec![text(binary)?];
    for (flag, path) in global_options {
        command.push(flag.to_string());
        command.push(text(path)?);
    }
    command.push(REMIND.to_string());
    Ok(command)
}

/// A path a job's command line cannot hold.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Unschedulable {
    NotUtf8(PathBuf),
    Control(PathBuf),
    Relative(PathBuf),
}

impl fmt::Display for Unschedulable {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Unschedulable::NotUtf8(path) => write!(f, "{} is not valid UTF-8", path.display()),
            Unschedulable::Control(path) => {
                write!(f, "{} contains a control character", path.display())
            }
            Unschedulable::Relative(path) => {
                write!(f, "{} is not an absolute path", path.display())
            }
        }
    }
}

/// Why a step failed.
#[derive(Debug)]
pub enum StepFailed {
    /// The step could not be described or reported on the output.
    Output(std::io::Error),
    CreateFolder(PathBuf, std::io::Error),
    Write(PathBuf, std::io::Error),
    Remove(PathBuf, std::io::Error),
    /// The copy of `what` (the crontab) taken before changing it.
    Backup(String, std::io::Error),
    /// A program it runs, as a command line, and why.
    Run(String, RunFailed),
}

impl fmt::Display for StepFailed {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            StepFailed::Output(error) => write!(f, "cannot write output: {error}"),
            StepFailed::CreateFolder(path, error) => {
                write!(f, "cannot create {}: {error}", path.display())
            }
            StepFailed::Write(path, error) => write!(f, "cannot write {}: {error}", path.display()),
            StepFailed::Remove(path, error) => {
                write!(f, "cannot remove {}: {error}", path.display())
            }
            StepFailed::Backup(what, error) => {
                write!(
                    f,
                    "cannot save a copy of your {what} before changing it: {error}"
                )
            }
            StepFailed::Run(line, error) => write!(f, "`{line}` failed: {error}"),
        }
    }
}

/// Why a program a step runs did not succeed.
#[derive(Debug)]
pub enum RunFailed {
    NotOnPath(String),
    CannotStart(PathBuf, String),
    /// It ran and failed: its first line of output, and how it exited.
    Exited(String),
}

impl fmt::Display for RunFailed {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            RunFailed::NotOnPath(program) => write!(f, "`{program}` is not on PATH"),
            RunFailed::CannotStart(path, why) => write!(f, "cannot run {}: {why}", path.display()),
            RunFailed::Exited(why) => f.write_str(why),
        }
    }
}

/// One thing an install or uninstall does.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Step {
    /// A file awscheck owns (a unit, the plist), written atomically; parents are created.
    Write {
        path: PathBuf,
        contents: String,
        mode: u32,
    },
    Remove {
        path: PathBuf,
    },
    /// A folder of awscheck's own (the state folder), private to the user.
    MakePrivateDir {
        path: PathBuf,
    },
    /// A copy of something of the user's (their crontab) in the state folder, before it changes.
    Backup {
        what: &'static str,
        contents: Vec<u8>,
    },
    Run {
        program: &'static str,
        args: Vec<String>,
        stdin: Option<Vec<u8>>,
        /// False for steps whose failure is normal, such as unloading a job that is not loaded.
        required: bool,
    },
}

impl Step {
    pub fn run(program: &'static str, args: &[&str]) -> Step {
        Step::Run {
            program,
            args: args.iter().map(|arg| arg.to_string()).collect(),
            stdin: None,
            required: true,
        }
    }

    pub fn optional(self) -> Step {
        match self {
            Step::Run {
                program,
                args,
                stdin,
                ..
            } => Step::Run {
                program,
                args,
                stdin,
                required: false,
            },
            other => other,
        }
    }
}

/// How many crontab backups to keep in the state folder.
pub const KEEP_BACKUPS: usize = 5;

/// Carries out steps, or with `dry_run` prints them, writing what it did to `out`.
pub struct Runner<'a> {
    pub env: &'a Env,
    pub dry_run: bool,
    pub state_dir: Option<PathBuf>,
    pub now: DateTime<chrono::Utc>,
    pub out: &'a mut dyn Write,
    /// Failures of optional steps, for the caller to show as warnings.
    pub warnings: &'a mut Vec<String>,
}

impl Runner<'_> {
    pub fn execute(&mut self, steps: &[Step]) -> Result<(), StepFailed> {
        for step in steps {
            if self.dry_run {
                self.describe(step)?;
            } else {
                self.perform(step)?;
            }
        }
        Ok(())
    }

    fn describe(&mut self, step: &Step) -> Result<(), StepFailed> {
        match step {
            Step::Write {
                path,
                contents,
                mode,
            } => write!(
                self.out,
                "would write {} (mode {mode:04o}):\n{contents}\n",
                path.display()
            ),
            Step::Remove { path } => writeln!(self.out, "would remove {}", path.display()),
            Step::MakePrivateDir { path } => {
                if path.is_dir() {
                    Ok(())
                } else {
                    writeln!(self.out, "would create {} (mode 0700)", path.display())
                }
            }
            Step::Backup { what, .. } => writeln!(
                self.out,
                "would save a copy of the current {what} in {}",
                self.backup_dir()
                    .map_or("the state folder".to_string(), |dir| dir
                        .display()
                        .to_string())
            ),
            Step::Run {
                program,
                args,
                stdin,
                ..
            } => {
                let line = process::display_command(program, args);
                match stdin {
                    Some(input) => write!(
                        self.out,
                        "would run: {line}   (with this on standard input:)\n{}\n",
                        String::from_utf8_lossy(input)
                    ),
                    None => writeln!(self.out, "would run: {line}"),
                }
            }
        }
        .map_err(StepFailed::Output)
    }

    fn perform(&mut self, step: &Step) -> Result<(), StepFailed> {
        match step {
            Step::Write {
                path,
                contents,
                mode,
            } => {
                if let Some(parent) = path.parent() {
                    std::fs::create_dir_all(parent)
                        .map_err(|error| StepFailed::CreateFolder(parent.to_path_buf(), error))?;
                }
                atomic::write(path, contents.as_bytes(), *mode)
                    .map_err(|error| StepFailed::Write(path.clone(), error))
            }
            Step::Remove { path } => match std::fs::remove_file(path) {
                Ok(()) => Ok(()),
                Err(error) if error.kind() == std::io::ErrorKind::NotFound => Ok(()),
                Err(error) => Err(StepFailed::Remove(path.clone(), error)),
            },
            Step::MakePrivateDir { path } => atomic::create_private_dir(path)
                .map_err(|error| StepFailed::CreateFolder(path.clone(), error)),
            Step::Backup { what, contents } => {
                let path = self
                    .backup(what, contents)
                    .map_err(|error| StepFailed::Backup(what.to_string(), error))?;
                writeln!(
                    self.out,
                    "saved a copy of your {what} in {}",
                    path.display()
                )
                .map_err(StepFailed::Output)
            }
            Step::Run {
                program,
                args,
                stdin,
                required,
            } => {
                let line = process::display_command(program, args);
                let result = run_step(self.env, program, args, stdin.as_deref());
                match result {
                    Ok(_) => Ok(()),
                    Err(error) if !required => {
                        self.warnings.push(format!("`{line}`: {error}"));
                        Ok(())
                    }
                    Err(error) => Err(StepFailed::Run(line, error)),
                }
            }
        }
    }

    fn backup_dir(&self) -> Option<PathBuf> {
        self.state_dir.as_ref().map(|dir| dir.join("backups"))
    }

    /// `backups/crontab-20261124T090000Z` (0600), keeping the newest [`KEEP_BACKUPS`].
    fn backup(&self, what: &str, contents: &[u8]) -> std::io::Result<PathBuf> {
        let dir = self
            .backup_dir()
            .ok_or_else(|| std::io::Error::other("there is no state folder (HOME is not set)"))?;
        atomic::create_private_dir(self.state_dir.as_deref().unwrap_or(&dir))?;
        atomic::create_private_dir(&dir)?;
        let stamp = format!("{what}-{}", self.now.format("%Y%m%dT%H%M%SZ"));
        // Several in one second get `-001`, `-002`…, always above the highest there, even after
        // pruning removed the first, so that names sort in the order they were made.
        let taken = std::fs::read_dir(&dir)?
            .filter_map(|entry| entry.ok()?.file_name().into_string().ok())
            .filter_map(|name| match name.strip_prefix(&stamp)? {
                "" => Some(0),
                rest => rest.strip_prefix('-')?.parse::<u32>().ok(),
            })
            .max();
        let path = match taken {
            None => dir.join(&stamp),
            Some(n) => dir.join(format!("{stamp}-{:03}", n + 1)),
        };
        atomic::write(&path, contents, 0o600)?;
        let prefix = format!("{what}-");
        let mut old: Vec<PathBuf> = std::fs::read_dir(&dir)?
            .filter_map(|entry| entry.ok().map(|entry| entry.path()))
            .filter(|path| {
                path.file_name()
                    .and_then(|name| name.to_str())
                    .is_some_and(|name| name.starts_with(&prefix))
            })
            .collect();
        // The stamp sorts by time; a `-N` suffix sorts after its plain twin, as it was made later.
        old.sort();
        let excess = old.len().saturating_sub(KEEP_BACKUPS);
        for path in &old[..excess] {
            // An old backup that cannot be pruned is only one more file; the new one is written.
            let _ = std::fs::remove_file(path);
        }
        Ok(path)
    }
}

/// Run one program from the Env's PATH; an error is one line: what went wrong and its output.
pub fn run_step(
    env: &Env,
    program: &str,
    args: &[String],
    stdin: Option<&[u8]>,
) -> Result<process::Output, RunFailed> {
    let path = process::find_program(env, program)
        .ok_or_else(|| RunFailed::NotOnPath(program.to_string()))?;
    let output = process::run(&path, args, stdin, process::DEFAULT_TIMEOUT)
        .map_err(|error| RunFailed::CannotStart(path.clone(), error.to_string()))?;
    if output.success() {
        Ok(output)
    } else {
        let detail = output.first_line();
        Err(RunFailed::Exited(if detail.is_empty() {
            output.status()
        } else {
            format!("{} ({})", detail, output.status())
        }))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn days_count_from_sunday_for_cron_and_launchd() {
        assert_eq!(Day::Mon.sunday_based(), 1);
        assert_eq!(Day::Sat.sunday_based(), 6);
        assert_eq!(Day::Sun.sunday_based(), 0);
        for day in Day::ALL {
            assert_eq!(Day::from_sunday_based(day.sunday_based().into()), Some(day));
            assert_eq!(Day::from_short(day.short()), Some(day));
        }
        assert_eq!(Day::from_sunday_based(7), Some(Day::Sun));
        assert_eq!(Day::from_sunday_based(8), None);
    }

    #[test]
    fn times_of_day() {
        assert_eq!(parse_time("09:00"), Ok((9, 0)));
        assert_eq!(parse_time("9:05"), Ok((9, 5)));
        assert_eq!(parse_time("23:59"), Ok((23, 59)));
        for bad in [
            "24:00", "12:60", "9", "09:00:00", "-1:00", "a:b", "", ":", "009:00",
        ] {
            assert!(parse_time(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn next_run_is_the_coming_matching_day() {
        let schedule = Schedule {
            day: Day::Mon,
            hour: 9,
            minute: 0,
        };
        // 2026-11-23 is a Monday.
        let at = |d, h, m| {
            Local
                .from_local_datetime(
                    &chrono::NaiveDate::from_ymd_opt(2026, 11, d)
                        .unwrap()
                        .and_hms_opt(h, m, 0)
                        .unwrap(),
                )
                .earliest()
                .unwrap()
        };
        assert_eq!(schedule.next_after(at(23, 8, 59)), Some(at(23, 9, 0)));
        assert_eq!(schedule.next_after(at(23, 9, 0)), Some(at(30, 9, 0)));
        assert_eq!(schedule.next_after(at(25, 12, 0)), Some(at(30, 9, 0)));
    }

    #[test]
    fn job_command_is_absolute_and_ends_with_remind() {
        assert_eq!(
            job_command(Path::new("/opt/aws check/awscheck"), &[]).unwrap(),
            ["/opt/aws check/awscheck", "remind"]
        );
        assert_eq!(
            job_command(
                Path::new("/bin/awscheck"),
                &[("--settings", Path::new("/home/u/s.toml"))]
            )
            .unwrap(),
            ["/bin/awscheck", "--settings", "/home/u/s.toml", "remind"]
        );
        assert!(job_command(Path::new("awscheck"), &[]).is_err());
        assert!(job_command(Path::new("/bin/a\nb"), &[]).is_err());
    }
}
