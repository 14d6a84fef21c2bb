//! `awscheck schedule install | uninstall | status`: the weekly `remind` job.
//!
//! What is installed is read back from the system itself (the plist, the units, the marked
//! crontab line), never from a record of awscheck's, so status and uninstall stay right after
//! a reboot, a moved state folder or a hand edit. Installing with one backend removes the job
//! from any other, so there is only ever one weekly reminder.

use super::{AppError, Io, Outcome};
use crate::cli::{BackendChoice, GlobalArgs, ScheduleAction, ScheduleInstallArgs};
use crate::remind::schedule::{self, cron, launchd, systemd, Backend, Runner, Schedule, Step};
use crate::remind::{LastRemind, LAST_REMIND_FILE};
use crate::sys::env::home_dir;
use crate::sys::env::Env;
use crate::sys::paths;
use crate::sys::process;
use crate::sys::state::State;
use chrono::{DateTime, Local, Utc};
use std::path::{Path, PathBuf};
use std::time::Duration;

/// `writeln!` to the command's output, a line wider than the terminal wrapped at its spaces.
macro_rules! say_line {
    ($out:expr, $($arg:tt)*) => {
        crate::sys::say::line($out, format_args!($($arg)*))
    };
}

pub(super) fn schedule(
    action: &ScheduleAction,
    global: &GlobalArgs,
    env: &Env,
    io: &mut Io,
    now: DateTime<Utc>,
) -> Result<Outcome, AppError> {
    match action {
        ScheduleAction::Install(args) => install(args, global, env, io, now),
        ScheduleAction::Uninstall { dry_run } => uninstall(*dry_run, env, io, now),
        ScheduleAction::Status => status(env, io, now),
    }
}

/// awscheck's job as each backend holds it right now.
struct Found {
    launchd: Option<LaunchdJob>,
    systemd: Option<SystemdJob>,
    cron: CronTable,
}

struct LaunchdJob {
    path: PathBuf,
    text: String,
}

struct SystemdJob {
    dir: PathBuf,
    service: Option<String>,
    timer: Option<String>,
}

enum CronTable {
    /// No `crontab` on PATH: nothing of ours can be there.
    Unavailable,
    Unreadable(String),
    Read {
        contents: Vec<u8>,
        job: Option<cron::Job>,
    },
}

impl Found {
    fn look(env: &Env) -> Result<Found, AppError> {
        let home = home_dir(env).ok_or_else(|| {
            AppError::Usage("HOME is not set: cannot tell where the job would live".to_string())
        })?;
        let read = |path: &Path| std::fs::read_to_string(path).ok();
        let agent = launchd::agent_path(&home);
        let launchd = read(&agent).map(|text| LaunchdJob { path: agent, text });
        let systemd = systemd::unit_dir(env).and_then(|dir| {
            let service = read(&dir.join(systemd::SERVICE));
            let timer = read(&dir.join(systemd::TIMER));
            (service.is_some() || timer.is_some()).then_some(SystemdJob {
                dir,
                service,
                timer,
            })
        });
        let cron = match process::find_program(env, "crontab") {
            None => CronTable::Unavailable,
            // Run directly rather than as a step: exit 1 may be "no crontab", which is empty.
            Some(crontab) => match process::run(
                &crontab,
                &["-l".to_string()],
                None,
                process::DEFAULT_TIMEOUT,
            )
            .map_err(|error| format!("cannot run {}: {error}", crontab.display()))
            .and_then(|output| cron::read_listing(&output))
            {
                Ok(contents) => CronTable::Read {
                    job: cron::find(&contents),
                    contents,
                },
                Err(error) => CronTable::Unreadable(error),
            },
        };
        Ok(Found {
            launchd,
            systemd,
            cron,
        })
    }

    fn installed(&self) -> Vec<Backend> {
        let mut backends = Vec::new();
        if self.launchd.is_some() {
            backends.push(Backend::Launchd);
        }
        if self.systemd.is_some() {
            backends.push(Backend::Systemd);
        }
        if matches!(self.cron, CronTable::Read { job: Some(_), .. }) {
            backends.push(Backend::Cron);
        }
        backends
    }

    /// The steps that remove awscheck's job from `backend`, if it is there.
    fn removal(&self, backend: Backend, env: &Env) -> Result<Vec<Step>, AppError> {
        Ok(match backend {
            Backend::Launchd => match &self.launchd {
                Some(job) => launchd::uninstall_plan(uid(env)?, &job.path),
                None => Vec::new(),
            },
            Backend::Systemd => match &self.systemd {
                Some(job) => {
                    systemd::uninstall_plan(&job.dir, job.service.is_some(), job.timer.is_some())
                }
                None => Vec::new(),
            },
            Backend::Cron => match &self.cron {
                CronTable::Read { contents, .. } => cron::uninstall_plan(contents),
                _ => Vec::new(),
            },
        })
    }
}

fn uid(env: &Env) -> Result<u32, AppError> {
    crate::sys::env::current_uid(env)
        .ok_or_else(|| AppError::Usage("cannot tell your user id for launchctl".to_string()))
}

fn install(
    args: &ScheduleInstallArgs,
    global: &GlobalArgs,
    env: &Env,
    io: &mut Io,
    now: DateTime<Utc>,
) -> Result<Outcome, AppError> {
    let binary = std::env::current_exe().map_err(|error| {
        AppError::Usage(format!("cannot tell where the awscheck binary is: {error}"))
    })?;
    let mut files: Vec<(&str, PathBuf)> = Vec::new();
    for (flag, path) in [
        ("--config-file", &global.config_file),
        ("--credentials-file", &global.credentials_file),
        ("--settings", &global.settings),
    ] {
        if let Some(path) = path {
            // The job runs in another folder: a relative path would name another file.
            let absolute = std::path::absolute(path).map_err(|error| {
                AppError::Usage(format!("cannot resolve {}: {error}", path.display()))
            })?;
            files.push((flag, absolute));
        }
    }
    let options: Vec<(&str, &Path)> = files.iter().map(|(f, p)| (*f, p.as_path())).collect();
    let command = schedule::job_command(&binary, &options)
        .map_err(|error| AppError::Usage(format!("cannot schedule this binary: {error}")))?;
    let (hour, minute) = args.time;
    let when = Schedule {
        day: args.day,
        hour,
        minute,
    };
    let backend = pick_backend(args.backend, env)?;
    let found = Found::look(env)?;

    let mut steps = Vec::new();
    for other in Backend::ALL.into_iter().filter(|b| *b != backend) {
        steps.extend(found.removal(other, env)?);
    }
    let state_dir = paths::state_dir(env);
    let mut files_written: Vec<PathBuf> = Vec::new();
    match backend {
        Backend::Launchd => {
            let home = home_dir(env).expect("Found::look checked HOME");
            let path = launchd::agent_path(&home);
            let log_dir = state_dir.clone().ok_or_else(|| {
                AppError::Usage("no state folder for the job's output".to_string())
            })?;
            let contents = launchd::plist(&command, when, &log_dir);
            steps.extend(launchd::install_plan(
                uid(env)?,
                &path,
                contents,
                &log_dir,
                found.launchd.is_some(),
            ));
            files_written.push(path);
        }
        Backend::Systemd => {
            let dir = systemd::unit_dir(env).expect("Found::look checked HOME");
            steps.extend(systemd::install_plan(
                &dir,
                &command,
                when,
                found.systemd.is_some(),
            ));
            files_written.push(dir.join(systemd::SERVICE));
            files_written.push(dir.join(systemd::TIMER));
        }
        Backend::Cron => {
            let contents = match &found.cron {
                CronTable::Read { contents, .. } => contents,
                CronTable::Unavailable => {
                    return Err(AppError::Usage(
                        "`crontab` is not on PATH: install cron, or pick another --backend"
                            .to_string(),
                    ))
                }
                CronTable::Unreadable(error) => return Err(AppError::Usage(error.clone())),
            };
            steps.extend(cron::install_plan(
                contents,
                &cron::job_line(&command, when),
            ));
        }
    }

    if args.dry_run {
        say_line!(
            io.out,
            "Dry run: the weekly reminder with {backend}, {when}. Nothing is changed.\n"
        )?;
    }
    if steps.is_empty() {
        say_line!(
            io.out,
            "The weekly reminder is already installed with {backend}, {when}: nothing to change."
        )?;
        return Ok(Outcome::Clean);
    }
    let mut runner = Runner {
        env,
        dry_run: args.dry_run,
        state_dir,
        now,
        out: io.out,
        warnings: io.warnings,
    };
    runner.execute(&steps).map_err(|error| {
        AppError::Usage(format!(
            "{error} (the job may be half installed: `awscheck schedule uninstall` removes it)"
        ))
    })?;
    if args.dry_run {
        return Ok(Outcome::Clean);
    }
    say_line!(
        io.out,
        "Installed the weekly reminder with {backend}: {when} (local time)."
    )?;
    for path in &files_written {
        say_line!(io.out, "  wrote {}", path.display())?;
    }
    if backend == Backend::Cron {
        say_line!(
            io.out,
            "  added one line to your crontab (see it with `crontab -l`)"
        )?;
    }
    say_line!(
        io.out,
        "It runs `{}`, which stays silent unless a key needs attention.\n\
         Check it with `awscheck schedule status`; remove it with `awscheck schedule uninstall`.",
        display(&command)
    )?;
    Ok(Outcome::Clean)
}

fn display(command: &[String]) -> String {
    process::display_command(&command[0], &command[1..])
}

/// `auto`: launchd on macOS, systemd when the user's manager answers, else cron.
fn pick_backend(choice: BackendChoice, env: &Env) -> Result<Backend, AppError> {
    Ok(match choice {
        BackendChoice::Launchd => Backend::Launchd,
        BackendChoice::Systemd => Backend::Systemd,
        BackendChoice::Cron => Backend::Cron,
        BackendChoice::Auto if cfg!(target_os = "macos") => Backend::Launchd,
        BackendChoice::Auto if systemd_answers(env) => Backend::Systemd,
        BackendChoice::Auto if process::find_program(env, "crontab").is_some() => Backend::Cron,
        BackendChoice::Auto => {
            return Err(AppError::Usage(
                "no scheduler found: no systemd user manager answers and `crontab` is not on \
                 PATH (install cron, or pass --backend)"
                    .to_string(),
            ))
        }
    })
}

/// Whether a systemd user manager answers `is-system-running` with a state. `degraded` still
/// counts: one failed unit elsewhere does not stop timers.
fn systemd_answers(env: &Env) -> bool {
    let Some(systemctl) = process::find_program(env, "systemctl") else {
        return false;
    };
    let args = ["--user".to_string(), "is-system-running".to_string()];
    let Ok(output) = process::run(&systemctl, &args, None, Duration::from_secs(10)) else {
        return false;
    };
    let state = String::from_utf8_lossy(&output.stdout);
    matches!(
        state.trim(),
        "initializing" | "starting" | "running" | "degraded" | "maintenance" | "stopping"
    )
}

fn uninstall(
    dry_run: bool,
    env: &Env,
    io: &mut Io,
    now: DateTime<Utc>,
) -> Result<Outcome, AppError> {
    let found = Found::look(env)?;
    if let CronTable::Unreadable(error) = &found.cron {
        io.warnings.push(format!(
            "cannot tell whether your crontab holds the job: {error}"
        ));
    }
    let installed = found.installed();
    if installed.is_empty() {
        say_line!(
            io.out,
            "No awscheck reminder is installed: nothing to remove."
        )?;
        return Ok(Outcome::Clean);
    }
    let mut steps = Vec::new();
    for backend in &installed {
        steps.extend(found.removal(*backend, env)?);
    }
    let names: Vec<&str> = installed.iter().map(|b| b.name()).collect();
    if dry_run {
        say_line!(
            io.out,
            "Dry run: removing the weekly reminder ({}). Nothing is changed.\n",
            names.join(", ")
        )?;
    }
    let mut runner = Runner {
        env,
        dry_run,
        state_dir: paths::state_dir(env),
        now,
        out: io.out,
        warnings: io.warnings,
    };
    runner
        .execute(&steps)
        .map_err(|error| AppError::Usage(error.to_string()))?;
    if !dry_run {
        say_line!(
            io.out,
            "Removed the weekly reminder ({}).",
            names.join(", ")
        )?;
    }
    Ok(Outcome::Clean)
}

fn status(env: &Env, io: &mut Io, now: DateTime<Utc>) -> Result<Outcome, AppError> {
    let found = Found::look(env)?;
    let local_now = now.with_timezone(&Local);
    let computed = |when: Schedule| {
        when.next_after(local_now)
            .map_or("unknown".to_string(), |next| {
                format!(
                    "{} (computed by awscheck)",
                    next.format("%a %Y-%m-%d %H:%M %:z")
                )
            })
    };
    let mut any = false;
    if let Some(job) = &found.launchd {
        any = true;
        say_line!(io.out, "Weekly reminder: installed with launchd")?;
        say_line!(io.out, "  file:      {}", job.path.display())?;
        let when = launchd::parse_schedule(&job.text);
        describe_schedule(io, when)?;
        if let Some(command) = launchd::parse_program(&job.text).filter(|c| !c.is_empty()) {
            say_line!(io.out, "  command:   {}", display(&command))?;
        }
        if process::find_program(env, "launchctl").is_some() {
            if let Some(uid) = crate::sys::env::current_uid(env) {
                let target = format!("{}/{}", launchd::domain(uid), launchd::LABEL);
                let loaded =
                    schedule::run_step(env, "launchctl", &["print".to_string(), target], None)
                        .is_ok();
                let state = if loaded {
                    "loaded"
                } else {
                    "not loaded (it runs again after `awscheck schedule install`)"
                };
                say_line!(io.out, "  launchd:   {state}")?;
            }
        }
        if let Some(when) = when {
            say_line!(io.out, "  next run:  {}", computed(when))?;
        }
    }
    if let Some(job) = &found.systemd {
        any = true;
        say_line!(io.out, "Weekly reminder: installed with systemd")?;
        for (name, text) in [
            (systemd::SERVICE, &job.service),
            (systemd::TIMER, &job.timer),
        ] {
            let note = if text.is_some() { "" } else { " (missing)" };
            say_line!(
                io.out,
                "  file:      {}{note}",
                job.dir.join(name).display()
            )?;
        }
        let when = job.timer.as_deref().and_then(systemd::parse_timer);
        describe_schedule(io, when)?;
        if let Some(exec) = job.service.as_deref().and_then(systemd::exec_start) {
            say_line!(io.out, "  command:   {exec}")?;
        }
        let show = schedule::run_step(
            env,
            "systemctl",
            &[
                "--user".to_string(),
                "show".to_string(),
                systemd::TIMER.to_string(),
                "--property=NextElapseUSecRealtime,ActiveState,UnitFileState".to_string(),
            ],
            None,
        )
        .map(|output| systemd::parse_show(&String::from_utf8_lossy(&output.stdout)));
        let next = match &show {
            Ok(properties) => {
                let get = |key: &str| properties.get(key).map(String::as_str).unwrap_or("");
                say_line!(
                    io.out,
                    "  timer:     {}, {}",
                    or_unknown(get("ActiveState")),
                    or_unknown(get("UnitFileState"))
                )?;
                let next = get("NextElapseUSecRealtime");
                (!next.is_empty() && next != "n/a").then(|| format!("{next} (from systemd)"))
            }
            Err(error) => {
                say_line!(io.out, "  timer:     unknown (systemctl: {error})")?;
                None
            }
        };
        if let Some(next) = next.or_else(|| when.map(computed)) {
            say_line!(io.out, "  next run:  {next}")?;
        }
    }
    match &found.cron {
        CronTable::Read { job: Some(job), .. } => {
            any = true;
            say_line!(io.out, "Weekly reminder: installed with cron")?;
            say_line!(io.out, "  crontab:   {}", job.line)?;
            describe_schedule(io, Some(job.schedule))?;
            say_line!(io.out, "  command:   {}", display(&job.command))?;
            say_line!(io.out, "  next run:  {}", computed(job.schedule))?;
        }
        CronTable::Unreadable(error) => {
            say_line!(io.out, "cron: cannot read your crontab: {error}")?;
        }
        _ => {}
    }
    if !any {
        say_line!(
            io.out,
            "Weekly reminder: not installed (install it with `awscheck schedule install`)"
        )?;
    }

    let state = State::new(paths::state_dir(env));
    let last: LastRemind = state.read(LAST_REMIND_FILE, io.warnings);
    match last.time {
        None => say_line!(
            io.out,
            "Last reminder: none yet (`awscheck remind` has not run)"
        )?,
        Some(time) => {
            let mode = last.mode.as_deref().unwrap_or("unknown");
            let what = match (last.outcome.as_str(), &last.detail) {
                ("nothing due", _) => format!(
                    "nothing due ({} findings, none at or above {})",
                    last.findings,
                    last.min_severity.map_or("the threshold", |s| s.name())
                ),
                ("printed", Some(why)) => format!("printed, not shown: {why}"),
                ("error", Some(error)) => format!("error: {error}"),
                (outcome, _) => outcome.to_string(),
            };
            say_line!(
                io.out,
                "Last reminder: {} ({mode} audit): {what}",
                time.with_timezone(&Local).format("%a %Y-%m-%d %H:%M %:z")
            )?;
            if let Some(text) = &last.text {
                say_line!(io.out, "  {text}")?;
            }
        }
    }
    Ok(Outcome::Clean)
}

fn describe_schedule(io: &mut Io, when: Option<Schedule>) -> Result<(), AppError> {
    match when {
        Some(when) => say_line!(io.out, "  schedule:  {when} (local time)")?,
        None => say_line!(
            io.out,
            "  schedule:  not understood (edited by hand? `awscheck schedule install` rewrites it)"
        )?,
    }
    Ok(())
}

fn or_unknown(value: &str) -> &str {
    if value.is_empty() {
        "unknown"
    } else {
        value
    }
}
