//! `awscheck schedule install | uninstall | status` against a temporary HOME, with recording
//! stand-ins for `crontab`, `systemctl` and `launchctl` first on PATH.
//!
//! The stand-ins are shell scripts that append their arguments to `calls.log`; `crontab` keeps
//! its table in a file beside them, so a test can check every byte awscheck left in it. PATH
//! holds nothing else: a missing stand-in must never fall through to the machine's own cron.

use crate::support::{run, Home, Run, Snapshot};
use std::fs;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use tempfile::TempDir;

/// A user's crontab as awscheck must leave it: comments, variables, other jobs, odd spacing,
/// and no final newline.
const USER_CRONTAB: &str = "MAILTO=ops@example.org\n# nightly backup\n*/5 * * * *   /usr/bin/backup --quiet  \n\n30 2 * * 0 /home/other/bin/report > /dev/null 2>&1";

/// Stand-ins, their records, and what they answer.
struct World {
    dir: TempDir,
}

impl World {
    /// `systemd`: whether `systemctl --user is-system-running` answers `running`.
    fn new(systemd: bool) -> World {
        let dir = tempfile::Builder::new()
            .prefix("awscheck-world-")
            .tempdir()
            .unwrap();
        let world = World { dir };
        fs::create_dir(world.bin()).unwrap();
        fs::create_dir(world.path().join("run")).unwrap();
        let calls = world.calls_path();
        let table = world.crontab_path();
        world.script(
            "crontab",
            &format!(
                r#"printf '%s\n' "crontab $*" >> '{calls}'
case "$1" in
  -l) if [ -f '{table}' ]; then /bin/cat '{table}'; else echo "no crontab for tester" >&2; exit 1; fi ;;
  -r) /bin/rm -f '{table}' ;;
  -) /bin/cat > '{table}' ;;
  *) echo "crontab: unexpected arguments: $*" >&2; exit 2 ;;
esac
"#,
                calls = calls.display(),
                table = table.display()
            ),
        );
        let answer = if systemd {
            "echo running"
        } else {
            "echo offline; exit 1"
        };
        world.script(
            "systemctl",
            &format!(
                r#"printf '%s\n' "systemctl $*" >> '{calls}'
case "$*" in
  "--user is-system-running") {answer} ;;
  "--user show awscheck-remind.timer "*) printf 'NextElapseUSecRealtime=Mon 2026-11-30 09:00:00 UTC\nActiveState=active\nUnitFileState=enabled\n' ;;
esac
exit 0
"#,
                calls = calls.display()
            ),
        );
        world.script(
            "launchctl",
            &format!(
                "printf '%s\\n' \"launchctl $*\" >> '{}'\nexit 0\n",
                calls.display()
            ),
        );
        world
    }

    fn path(&self) -> &Path {
        self.dir.path()
    }

    fn bin(&self) -> PathBuf {
        self.path().join("bin")
    }

    fn calls_path(&self) -> PathBuf {
        self.path().join("calls.log")
    }

    fn crontab_path(&self) -> PathBuf {
        self.path().join("crontab.table")
    }

    fn script(&self, name: &str, body: &str) {
        let path = self.bin().join(name);
        fs::write(&path, format!("#!/bin/sh\n{body}")).unwrap();
        fs::set_permissions(&path, fs::Permissions::from_mode(0o755)).unwrap();
    }

    fn set_crontab(&self, text: &str) {
        fs::write(self.crontab_path(), text).unwrap();
    }

    /// The stored crontab, `None` when there is none.
    fn crontab(&self) -> Option<String> {
        fs::read_to_string(self.crontab_path()).ok()
    }

    /// Every call so far, then forgets them.
    fn take_calls(&self) -> Vec<String> {
        let calls = fs::read_to_string(self.calls_path()).unwrap_or_default();
        let _ = fs::remove_file(self.calls_path());
        calls.lines().map(str::to_string).collect()
    }

    /// awscheck with only the stand-ins on PATH, so that no test can ever reach the real
    /// `crontab` or `systemctl` of the machine it runs on, and no desktop session.
    fn run(&self, home: &Home, args: &[&str]) -> Run {
        run(home
            .cmd()
            .env("PATH", self.bin())
            .env("XDG_RUNTIME_DIR", self.path().join("run"))
            .args(args))
    }
}

fn binary() -> String {
    assert_cmd::cargo::cargo_bin("awscheck")
        .to_str()
        .unwrap()
        .to_string()
}

fn job_lines(crontab: &str) -> Vec<&str> {
    crontab
        .lines()
        .filter(|line| line.contains("# awscheck weekly reminder"))
        .collect()
}

fn backups(home: &Home) -> Vec<PathBuf> {
    let dir = home.state_dir().join("backups");
    let mut paths: Vec<PathBuf> = fs::read_dir(dir)
        .map(|entries| entries.map(|entry| entry.unwrap().path()).collect())
        .unwrap_or_default();
    paths.sort();
    paths
}

fn mode(path: &Path) -> u32 {
    fs::metadata(path).unwrap().permissions().mode() & 0o7777
}

#[test]
fn cron_install_status_reinstall_uninstall_leaves_the_crontab_as_it_was() {
    let home = Home::new();
    let world = World::new(false);
    world.set_crontab(USER_CRONTAB);

    let result = world.run(&home, &["schedule", "install"]).expect_code(0);
    assert!(
        result
            .stdout
            .contains("Installed the weekly reminder with cron: every Monday at 09:00"),
        "{}",
        result.stdout
    );
    let crontab = world.crontab().unwrap();
    let expected_line = format!(
        "0 9 * * 1 {} remind # awscheck weekly reminder (managed by awscheck schedule; remove with: awscheck schedule uninstall)",
        binary()
    );
    assert_eq!(crontab, format!("{expected_line}\n{USER_CRONTAB}"));
    assert_eq!(
        world.take_calls(),
        [
            "systemctl --user is-system-running",
            "crontab -l",
            "crontab -"
        ]
    );
    // The crontab as it was, saved before it changed, private to the user.
    let saved = backups(&home);
    assert_eq!(saved.len(), 1);
    assert_eq!(fs::read_to_string(&saved[0]).unwrap(), USER_CRONTAB);
    assert_eq!(mode(&saved[0]), 0o600);

    let status = world.run(&home, &["schedule", "status"]).expect_code(0);
    assert!(
        status
            .stdout
            .contains("Weekly reminder: installed with cron"),
        "{}",
        status.stdout
    );
    assert!(
        status.stdout.contains("every Monday at 09:00"),
        "{}",
        status.stdout
    );
    assert!(
        status.stdout.contains("next run:  Mon "),
        "{}",
        status.stdout
    );
    assert!(
        status.stdout.contains("Last reminder: none yet"),
        "{}",
        status.stdout
    );

    // Installing again, even at another time, leaves exactly one job.
    world.run(&home, &["schedule", "install"]).expect_code(0);
    assert_eq!(
        world.crontab().unwrap(),
        format!("{expected_line}\n{USER_CRONTAB}")
    );
    world
        .run(
            &home,
            &["schedule", "install", "--day", "fri", "--time", "17:30"],
        )
        .expect_code(0);
    let crontab = world.crontab().unwrap();
    assert_eq!(job_lines(&crontab).len(), 1, "{crontab}");
    assert!(crontab.starts_with("30 17 * * 5 "), "{crontab}");
    assert!(crontab.ends_with(USER_CRONTAB));
    let status = world.run(&home, &["schedule", "status"]).expect_code(0);
    assert!(
        status.stdout.contains("every Friday at 17:30"),
        "{}",
        status.stdout
    );
    world.take_calls();

    let result = world.run(&home, &["schedule", "uninstall"]).expect_code(0);
    assert!(
        result.stdout.contains("Removed the weekly reminder (cron)"),
        "{}",
        result.stdout
    );
    assert_eq!(
        world.crontab().unwrap(),
        USER_CRONTAB,
        "every other byte stays"
    );
    assert_eq!(world.take_calls(), ["crontab -l", "crontab -"]);
    // Each change saved the table first; only the newest few are kept.
    assert!(backups(&home).len() >= 2);

    let status = world.run(&home, &["schedule", "status"]).expect_code(0);
    assert!(
        status.stdout.contains("Weekly reminder: not installed"),
        "{}",
        status.stdout
    );
    let again = world.run(&home, &["schedule", "uninstall"]).expect_code(0);
    assert!(
        again.stdout.contains("nothing to remove"),
        "{}",
        again.stdout
    );
    assert_eq!(world.crontab().unwrap(), USER_CRONTAB);
}

#[test]
fn cron_without_a_crontab_before_has_none_after() {
    let home = Home::new();
    let world = World::new(false);
    world
        .run(&home, &["schedule", "install", "--backend", "cron"])
        .expect_code(0);
    let crontab = world.crontab().unwrap();
    assert_eq!(job_lines(&crontab).len(), 1);
    assert!(
        crontab.ends_with('\n'),
        "cron refuses a table without a final newline"
    );
    assert!(backups(&home).is_empty(), "there was nothing to back up");
    world.take_calls();
    world.run(&home, &["schedule", "uninstall"]).expect_code(0);
    assert_eq!(world.crontab(), None);
    assert_eq!(world.take_calls(), ["crontab -l", "crontab -r"]);
}

#[test]
fn only_the_newest_five_crontab_backups_are_kept() {
    let home = Home::new();
    let world = World::new(false);
    for round in 0..4 {
        world.set_crontab(&format!("{USER_CRONTAB}\n# round {round}\n"));
        world.run(&home, &["schedule", "install"]).expect_code(0);
        world.run(&home, &["schedule", "uninstall"]).expect_code(0);
    }
    let saved = backups(&home);
    assert_eq!(saved.len(), 5, "{saved:?}");
    // The newest is the table as it stood before the last uninstall.
    let newest = fs::read_to_string(saved.last().unwrap()).unwrap();
    assert!(newest.ends_with("# round 3\n"), "{newest}");
    assert_eq!(job_lines(&newest).len(), 1);
}

#[test]
fn crontab_edge_cases_round_trip() {
    for before in [
        "\n",
        "# just a comment\n",
        "0 0 * * * a\r\n1 1 * * * b\r\n",
        "x",
    ] {
        let home = Home::new();
        let world = World::new(false);
        world.set_crontab(before);
        world.run(&home, &["schedule", "install"]).expect_code(0);
        world.run(&home, &["schedule", "uninstall"]).expect_code(0);
        assert_eq!(world.crontab().as_deref(), Some(before));
    }
}

#[test]
fn dry_run_prints_everything_and_changes_nothing() {
    for (backend, systemd) in [
        ("cron", false),
        ("systemd", true),
        ("launchd", false),
        ("auto", true),
    ] {
        let home = Home::new();
        let world = World::new(systemd);
        world.set_crontab(USER_CRONTAB);
        let before = home.snapshot();
        let result = world
            .run(
                &home,
                &["schedule", "install", "--dry-run", "--backend", backend],
            )
            .expect_code(0);
        assert_eq!(
            home.snapshot(),
            before,
            "{backend}: a dry run wrote to HOME"
        );
        assert_eq!(world.crontab().unwrap(), USER_CRONTAB);
        let out = &result.stdout;
        assert!(out.starts_with("Dry run: "), "{out}");
        match backend {
            "cron" => {
                assert!(
                    out.contains("would save a copy of the current crontab"),
                    "{out}"
                );
                assert!(
                    out.contains(
                        "would run: crontab -   (with this on standard input:)\n0 9 * * 1 "
                    ),
                    "{out}"
                );
                assert!(out.contains(USER_CRONTAB), "{out}");
            }
            "launchd" => {
                assert!(out.contains("<key>StartCalendarInterval</key>"), "{out}");
                assert!(out.contains("would run: launchctl bootstrap gui/"), "{out}");
            }
            _ => {
                assert!(out.contains("OnCalendar=Mon *-*-* 09:00:00\n"), "{out}");
                assert!(
                    out.contains("would run: systemctl --user enable --now awscheck-remind.timer"),
                    "{out}"
                );
            }
        }
        // Only questions were asked: nothing was loaded, enabled or replaced.
        for call in world.take_calls() {
            assert!(
                ["crontab -l", "systemctl --user is-system-running"].contains(&call.as_str()),
                "{backend}: a dry run ran `{call}`"
            );
        }
    }
}

#[test]
fn systemd_units_are_written_enabled_and_removed() {
    let home = Home::new();
    let world = World::new(true);
    world.set_crontab(USER_CRONTAB);
    // Someone else's unit in the same folder must survive everything.
    let other = home.write(
        ".config/systemd/user/other.service",
        "[Service]\nExecStart=/bin/true\n",
    );
    let result = world.run(&home, &["schedule", "install"]).expect_code(0);
    assert!(
        result
            .stdout
            .contains("with systemd: every Monday at 09:00"),
        "{}",
        result.stdout
    );

    let dir = home.join(".config/systemd/user");
    let service = fs::read_to_string(dir.join("awscheck-remind.service")).unwrap();
    let timer = fs::read_to_string(dir.join("awscheck-remind.timer")).unwrap();
    assert!(
        service.contains(&format!("\nExecStart=\"{}\" remind\n", binary())),
        "{service}"
    );
    assert!(service.contains("\nType=oneshot\n"), "{service}");
    assert!(service.contains("\nDescription="), "{service}");
    assert!(!service.contains("\nEnvironment="), "{service}");
    assert!(
        timer.contains("\nOnCalendar=Mon *-*-* 09:00:00\n"),
        "{timer}"
    );
    assert!(timer.contains("\nPersistent=true\n"), "{timer}");
    assert!(timer.contains("\nWantedBy=timers.target\n"), "{timer}");
    assert_eq!(mode(&dir.join("awscheck-remind.service")), 0o644);
    assert_eq!(mode(&dir.join("awscheck-remind.timer")), 0o644);
    assert_eq!(
        world.take_calls(),
        [
            "systemctl --user is-system-running",
            "crontab -l",
            "systemctl --user daemon-reload",
            "systemctl --user enable --now awscheck-remind.timer",
        ]
    );
    assert_eq!(
        world.crontab().unwrap(),
        USER_CRONTAB,
        "cron was not touched"
    );

    let status = world.run(&home, &["schedule", "status"]).expect_code(0);
    assert!(
        status
            .stdout
            .contains("Weekly reminder: installed with systemd"),
        "{}",
        status.stdout
    );
    assert!(
        status
            .stdout
            .contains("next run:  Mon 2026-11-30 09:00:00 UTC (from systemd)"),
        "{}",
        status.stdout
    );
    assert!(
        status.stdout.contains("timer:     active, enabled"),
        "{}",
        status.stdout
    );

    world
        .run(&home, &["schedule", "install", "--time", "08:15"])
        .expect_code(0);
    let calls = world.take_calls();
    assert!(
        calls.contains(&"systemctl --user restart awscheck-remind.timer".to_string()),
        "{calls:?}"
    );
    let timer = fs::read_to_string(dir.join("awscheck-remind.timer")).unwrap();
    assert!(
        timer.contains("\nOnCalendar=Mon *-*-* 08:15:00\n"),
        "{timer}"
    );
    let names: Vec<String> = fs::read_dir(&dir)
        .unwrap()
        .map(|entry| entry.unwrap().file_name().into_string().unwrap())
        .collect();
    assert_eq!(
        names.len(),
        3,
        "two units and the other one, no temporary files: {names:?}"
    );

    world.run(&home, &["schedule", "uninstall"]).expect_code(0);
    assert_eq!(
        world.take_calls(),
        [
            "crontab -l",
            "systemctl --user disable --now awscheck-remind.timer",
            "systemctl --user daemon-reload",
        ]
    );
    assert!(!dir.join("awscheck-remind.service").exists());
    assert!(!dir.join("awscheck-remind.timer").exists());
    assert_eq!(
        fs::read_to_string(other).unwrap(),
        "[Service]\nExecStart=/bin/true\n"
    );
}

#[test]
fn systemd_units_pass_systemd_analyze_verify() {
    let Some(analyze) = ["/usr/bin/systemd-analyze", "/bin/systemd-analyze"]
        .into_iter()
        .map(PathBuf::from)
        .find(|path| path.exists())
    else {
        println!("note: systemd-analyze is not installed; skipping the unit verification");
        return;
    };
    let home = Home::new();
    let world = World::new(true);
    world.run(&home, &["schedule", "install"]).expect_code(0);
    let dir = home.join(".config/systemd/user");
    let output = std::process::Command::new(analyze)
        .env_clear()
        .env("HOME", home.path())
        .env("PATH", "/usr/bin:/bin")
        .env("XDG_RUNTIME_DIR", world.path().join("run"))
        .args(["--user", "verify"])
        .arg(dir.join("awscheck-remind.service"))
        .arg(dir.join("awscheck-remind.timer"))
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        output.status.success(),
        "systemd-analyze verify failed:\n{stderr}"
    );
    assert!(
        !stderr.contains("awscheck-remind"),
        "systemd-analyze complained:\n{stderr}"
    );
}

#[test]
fn launchd_agent_is_a_plist_with_the_right_keys() {
    let home = Home::new();
    let world = World::new(false);
    world
        .run(
            &home,
            &[
                "schedule",
                "install",
                "--backend",
                "launchd",
                "--day",
                "sun",
                "--time",
                "07:05",
            ],
        )
        .expect_code(0);
    let path = home.join("Library/LaunchAgents/com.awscheck.remind.plist");
    assert_eq!(mode(&path), 0o644);
    let value = plist::Value::from_file(&path).expect("a well-formed property list");
    let agent = value.as_dictionary().expect("a dictionary at the top");
    assert_eq!(agent["Label"].as_string(), Some("com.awscheck.remind"));
    let arguments: Vec<&str> = agent["ProgramArguments"]
        .as_array()
        .unwrap()
        .iter()
        .map(|value| value.as_string().unwrap())
        .collect();
    assert_eq!(arguments, [binary().as_str(), "remind"]);
    let interval = agent["StartCalendarInterval"].as_dictionary().unwrap();
    let number = |key: &str| interval[key].as_signed_integer().unwrap();
    assert_eq!(
        (number("Weekday"), number("Hour"), number("Minute")),
        (0, 7, 5)
    );
    for key in ["StandardOutPath", "StandardErrorPath"] {
        let log = agent[key].as_string().unwrap();
        assert!(Path::new(log).starts_with(home.state_dir()), "{key}: {log}");
    }
    assert!(
        home.state_dir().is_dir(),
        "the logs' folder exists before launchd opens them"
    );

    let calls = world.take_calls();
    let uid = calls
        .iter()
        .find_map(|call| call.strip_prefix("launchctl bootstrap gui/"))
        .expect("bootstrapped")
        .split(' ')
        .next()
        .unwrap()
        .to_string();
    assert!(uid.parse::<u32>().is_ok());
    assert_eq!(
        calls,
        [
            "crontab -l".to_string(),
            format!("launchctl bootstrap gui/{uid} {}", path.display())
        ]
    );

    let status = world.run(&home, &["schedule", "status"]).expect_code(0);
    assert!(
        status.stdout.contains("installed with launchd"),
        "{}",
        status.stdout
    );
    assert!(
        status.stdout.contains("every Sunday at 07:05"),
        "{}",
        status.stdout
    );
    assert!(
        status.stdout.contains("launchd:   loaded"),
        "{}",
        status.stdout
    );
    world.take_calls();

    // Re-install unloads the old job first: launchd refuses a label it already has.
    world
        .run(&home, &["schedule", "install", "--backend", "launchd"])
        .expect_code(0);
    assert_eq!(
        world.take_calls(),
        [
            "crontab -l".to_string(),
            format!("launchctl bootout gui/{uid}/com.awscheck.remind"),
            format!("launchctl bootstrap gui/{uid} {}", path.display())
        ]
    );

    world.run(&home, &["schedule", "uninstall"]).expect_code(0);
    assert!(!path.exists());
    assert_eq!(
        world.take_calls(),
        [
            "crontab -l".to_string(),
            format!("launchctl bootout gui/{uid}/com.awscheck.remind")
        ]
    );
}

#[test]
fn moving_to_another_backend_leaves_one_job() {
    let home = Home::new();
    let world = World::new(true);
    world.set_crontab(USER_CRONTAB);
    world
        .run(&home, &["schedule", "install", "--backend", "cron"])
        .expect_code(0);
    assert_eq!(job_lines(&world.crontab().unwrap()).len(), 1);
    world
        .run(&home, &["schedule", "install", "--backend", "systemd"])
        .expect_code(0);
    assert_eq!(world.crontab().unwrap(), USER_CRONTAB);
    assert!(home
        .join(".config/systemd/user/awscheck-remind.timer")
        .exists());
    let status = world.run(&home, &["schedule", "status"]).expect_code(0);
    assert!(
        !status.stdout.contains("installed with cron"),
        "{}",
        status.stdout
    );
}

#[test]
fn the_job_audits_the_files_install_was_pointed_at() {
    let home = Home::new();
    let world = World::new(false);
    home.write("elsewhere/credentials", "");
    world
        .run(
            &home,
            &[
                "--credentials-file",
                "elsewhere/credentials",
                "schedule",
                "install",
            ],
        )
        .expect_code(0);
    let crontab = world.crontab().unwrap();
    let absolute = home.join("elsewhere/credentials");
    assert!(
        crontab.contains(&format!(
            " --credentials-file {} remind ",
            absolute.display()
        )),
        "{crontab}"
    );
}

#[test]
fn errors_are_one_line_and_change_nothing() {
    let home = Home::new();
    let world = World::new(false);
    // No systemd user manager and no cron: nothing to schedule with.
    fs::remove_file(world.bin().join("crontab")).unwrap();
    let before: Snapshot = home.snapshot();
    let result = world.run(&home, &["schedule", "install"]).expect_code(2);
    assert_eq!(
        result.stderr,
        "awscheck: error: no scheduler found: no systemd user manager answers and `crontab` is not on PATH (install cron, or pass --backend)\n"
    );
    assert_eq!(result.stdout, "");
    assert_eq!(home.snapshot(), before);

    // A crontab that cannot be read is never replaced.
    world.script(
        "crontab",
        "echo 'crontab: your account is not allowed to use cron' >&2\nexit 1\n",
    );
    let result = world
        .run(&home, &["schedule", "install", "--backend", "cron"])
        .expect_code(2);
    assert_eq!(
        result.stderr,
        "awscheck: error: `crontab -l` failed: crontab: your account is not allowed to use cron (exit 1)\n"
    );

    let result = world
        .run(&home, &["schedule", "install", "--time", "25:00"])
        .expect_code(2);
    assert!(
        result.stderr.contains("not a time of day as HH:MM"),
        "{}",
        result.stderr
    );
    assert_eq!(home.snapshot(), before);
}
