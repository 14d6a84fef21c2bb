//! The report a person reads: the example setup's report at three widths (snapshots), the
//! report of random setups at random widths (no line too wide, no name, key ID, slug or path
//! cut inside itself), and the real binary in a real 80-column terminal (tmux).

use crate::support::{run, Home};
use proptest::prelude::*;
use std::fs;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::Command as Process;

/// A HOME holding a clone's copy of `examples/aws/` (readable by everyone, as git leaves it),
/// and the clone's folder, which the example is run in.
fn example_home() -> (Home, PathBuf) {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let home = Home::new();
    let clone = home.join("awscheck");
    let examples = clone.join("examples/aws");
    fs::create_dir_all(&examples).unwrap();
    for name in ["config", "credentials"] {
        let copy = examples.join(name);
        fs::copy(root.join("examples/aws").join(name), &copy).unwrap();
        fs::set_permissions(&copy, fs::Permissions::from_mode(0o644)).unwrap();
    }
    (home, clone)
}

const EXAMPLE_ARGS: [&str; 6] = [
    "audit",
    "--offline",
    "--config-file",
    "examples/aws/config",
    "--credentials-file",
    "examples/aws/credentials",
];

fn example_report(columns: usize) -> String {
    let (home, clone) = example_home();
    let result = run(home
        .cmd()
        .current_dir(clone)
        .env("COLUMNS", columns.to_string())
        .args(EXAMPLE_ARGS));
    assert_eq!(result.code, Some(1), "{}", result.stderr);
    result.stdout
}

fn widest(text: &str) -> usize {
    text.lines()
        .map(|line| line.chars().count())
        .max()
        .unwrap_or(0)
}

#[test]
fn the_example_report_at_60_80_and_120_columns() {
    for columns in [60, 80, 120] {
        let report = example_report(columns);
        assert!(widest(&report) <= columns, "{columns}:\n{report}");
        insta::assert_snapshot!(format!("example_report_{columns}"), report);
    }
}

#[test]
fn the_first_screen_shows_the_high_findings_and_what_to_run() {
    let report = example_report(80);
    let first_screen: Vec<&str> = report.lines().take(24).collect();
    let first_screen = first_screen.join("\n");
    assert!(first_screen.contains("8 profiles: "), "{first_screen}");
    for (rule, fix) in [
        ("high AK006", "chmod 600 examples/aws/credentials"),
        ("high AK001", "`--profile dev`"),
        ("high AK012", "correct the path in credential_process"),
    ] {
        assert!(first_screen.contains(rule), "{rule}:\n{first_screen}");
        assert!(first_screen.contains(fix), "{fix}:\n{first_screen}");
    }
}

/// `token` cut over two lines inside itself in `text`: its first part ends a line and the
/// rest starts the next (after its indent). A path may go on after a `/`, as the report wraps
/// a path wider than a line.
fn cut_over_lines(text: &str, token: &str) -> bool {
    let lines: Vec<&str> = text.lines().collect();
    lines.windows(2).any(|pair| {
        let (end, next) = (pair[0], pair[1].trim_start());
        (1..token.len())
            .filter(|&k| token.is_char_boundary(k) && !token[..k].ends_with('/'))
            .any(|k| end.ends_with(&token[..k]) && next.starts_with(&token[k..]))
    })
}

/// Profile names and key IDs as people write them, with the characters that tempt a wrapper
/// to cut (`-`, `.`, `_`).
fn profile_name() -> impl Strategy<Value = String> {
    "[a-z][a-z0-9._-]{0,22}[a-z0-9]"
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 24, ..ProptestConfig::default() })]

    #[test]
    fn no_line_is_wider_than_the_terminal_and_no_token_is_cut(
        names in proptest::collection::btree_set(profile_name(), 1..8),
        folders in proptest::collection::vec("[a-z][a-z0-9_-]{0,11}", 1..4),
        columns in 40usize..=200,
    ) {
        let home = Home::new();
        let folder = folders.join("/");
        let mut credentials = String::new();
        let mut key_ids = Vec::new();
        for (n, name) in names.iter().enumerate() {
            let key_id = format!("AKIAPROPTEST{n:08}");
            credentials.push_str(&format!(
                "[{name}]\naws_access_key_id = {key_id}\naws_secret_access_key = {}\n\n",
                "s".repeat(40)
            ));
            key_ids.push(format!("AKIA…{:04}", n));
        }
        let path = home.write(&format!("{folder}/credentials"), credentials);
        fs::set_permissions(&path, fs::Permissions::from_mode(0o644)).unwrap();
        let relative = format!("{folder}/credentials");
        for args in [
            vec!["audit", "--offline", "--no-scan"],
            vec!["audit", "--offline", "--no-scan", "--all"],
        ] {
            let result = run(home
                .cmd()
                .env("COLUMNS", columns.to_string())
                .args(&args)
                .args(["--credentials-file", &relative]));
            let report = &result.stdout;
            prop_assert!(widest(report) <= columns, "{args:?} at {columns}:\n{report}");
            let mut tokens: Vec<&str> = names.iter().map(String::as_str).collect();
            tokens.extend(key_ids.iter().map(String::as_str));
            tokens.extend(["long-term-key", "insecure-file-permissions", &relative]);
            for token in tokens {
                prop_assert!(
                    !cut_over_lines(report, token),
                    "{token:?} cut at {columns} columns:\n{report}"
                );
            }
        }
        let listed = run(home
            .cmd()
            .env("COLUMNS", columns.to_string())
            .args(["profiles", "--credentials-file", &relative]));
        prop_assert!(widest(&listed.stdout) <= columns, "{}", listed.stdout);
        let words: Vec<&str> = listed
            .stdout
            .split(|c: char| c.is_whitespace() || "│┆".contains(c))
            .collect();
        for name in &names {
            prop_assert!(words.contains(&name.as_str()), "{name} cut:\n{}", listed.stdout);
        }
    }
}

/// What the real binary prints on a tmux pane of 80 columns, with no COLUMNS in its
/// environment: the width comes from the terminal itself. Lines the terminal wrapped are joined
/// back (`capture-pane -J`), so a line too wide shows as one.
fn in_tmux(home: &Home, folder: &Path, args: &[&str]) -> String {
    let socket = home.join("tmux.sock");
    let command = format!(
        "env -u COLUMNS HOME={home} {binary} {args}; tmux -S {socket} wait-for -S done; sleep 60",
        home = home.path().display(),
        binary = env!("CARGO_BIN_EXE_awscheck"),
        args = args.join(" "),
        socket = socket.display(),
    );
    let tmux = |args: &[&str]| {
        Process::new("tmux")
            .arg("-S")
            .arg(&socket)
            .args(args)
            .current_dir(folder)
            .output()
            .expect("tmux runs")
    };
    let started = tmux(&[
        "new-session",
        "-d",
        "-x",
        "80",
        "-y",
        "24",
        "sh",
        "-c",
        &command,
    ]);
    assert!(started.status.success(), "{started:?}");
    assert!(tmux(&["wait-for", "done"]).status.success());
    let captured = tmux(&["capture-pane", "-p", "-J", "-S", "-", "-E", "-"]);
    tmux(&["kill-server"]);
    let text = String::from_utf8(captured.stdout).unwrap();
    text.trim_end().to_string()
}

/// 10,000 IAM Identity Center profiles under one sso-session, and 21 long-term keys.
fn organisation_home() -> Home {
    let home = Home::new();
    let mut config = String::from(
        "[sso-session corp]\nsso_start_url = https://corp.awsapps.com/start\nsso_region = us-east-1\n\n",
    );
    for n in 0..10_000 {
        config.push_str(&format!(
            "[profile acct-{n:05}]\nsso_session = corp\nsso_account_id = {:012}\nsso_role_name = Admin\n\n",
            100_000_000_000u64 + n
        ));
    }
    home.config(&config);
    let mut credentials = String::new();
    for n in 0..21 {
        let name = if n == 0 {
            "default".to_string()
        } else {
            format!("ci-{n:02}")
        };
        credentials.push_str(&format!(
            "[{name}]\naws_access_key_id = AKIAORGANISATION{n:04}\naws_secret_access_key = {}\n\n",
            "s".repeat(40)
        ));
    }
    home.credentials(&credentials);
    home
}

#[test]
fn in_an_80_column_terminal_the_reports_are_whole_and_short() {
    if Process::new("tmux").arg("-V").output().is_err() {
        println!("SKIPPED: tmux is not installed (Debian: apt-get install tmux)");
        return;
    }
    let (home, clone) = example_home();
    let example = in_tmux(&home, &clone, &EXAMPLE_ARGS);
    assert!(widest(&example) <= 80, "{example}");
    assert!(example.contains("13 findings (3 high"), "{example}");
    let lines = example.lines().count();
    assert!(lines <= 50, "{lines} lines:\n{example}");
    let home = organisation_home();
    let organisation = in_tmux(&home, home.path(), &["audit", "--offline", "--no-scan"]);
    assert!(widest(&organisation) <= 80, "{organisation}");
    let lines = organisation.lines().count();
    assert!(lines <= 40, "{lines} lines:\n{organisation}");
}
