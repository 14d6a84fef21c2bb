//! `awscheck completions SHELL` and `awscheck man`: each prints something its consumer accepts
//! and that knows every subcommand.

use crate::support::{run, Home};
use std::process::Command;

const SUBCOMMANDS: &[&str] = &[
    "audit",
    "profiles",
    "rules",
    "rotate",
    "explain",
    "remind",
    "schedule",
    "completions",
    "man",
];

/// Whether `program` can be run here; the checks that need it are skipped otherwise.
fn installed(program: &str) -> bool {
    Command::new(program)
        .arg("--version")
        .output()
        .is_ok_and(|output| output.status.success())
}

#[test]
fn every_shell_gets_a_script_naming_every_subcommand() {
    let home = Home::new();
    for shell in ["bash", "zsh", "fish", "powershell", "elvish"] {
        let result = run(home.cmd().args(["completions", shell])).expect_code(0);
        assert_eq!(result.stderr, "", "{shell}");
        for subcommand in SUBCOMMANDS {
            assert!(
                result.stdout.contains(subcommand),
                "{shell}: {subcommand} missing:\n{}",
                result.stdout
            );
        }
        // The shell itself must accept the script, where it is installed.
        let syntax_check = match shell {
            "bash" | "zsh" => Some((shell, "-n")),
            "fish" => Some(("fish", "--no-execute")),
            _ => None,
        };
        if let Some((program, flag)) = syntax_check.filter(|(program, _)| installed(program)) {
            let script = home.write(&format!("awscheck.{shell}"), &result.stdout);
            let checked = Command::new(program)
                .arg(flag)
                .arg(&script)
                .output()
                .unwrap();
            assert!(
                checked.status.success(),
                "{program} refuses the script: {}",
                String::from_utf8_lossy(&checked.stderr)
            );
        }
    }
}

#[test]
fn an_unknown_shell_is_a_usage_error() {
    let home = Home::new();
    let result = run(home.cmd().args(["completions", "tcsh"]));
    assert_eq!(result.code, Some(2));
    assert_eq!(result.stdout, "");
}

#[test]
fn the_man_page_is_roff_that_names_every_subcommand() {
    let home = Home::new();
    let page = run(home.cmd().arg("man")).expect_code(0).stdout;
    assert!(
        page.lines().any(|line| line.starts_with(".TH awscheck 1 ")),
        "{page}"
    );
    for section in ["NAME", "SYNOPSIS", "DESCRIPTION", "OPTIONS", "SUBCOMMANDS"] {
        assert!(page.contains(&format!("\n.SH {section}\n")), "{section}");
    }
    // roff escapes the hyphen: `awscheck\-audit`.
    for subcommand in SUBCOMMANDS {
        assert!(
            page.contains(&format!("awscheck\\-{subcommand}")),
            "{subcommand} missing:\n{page}"
        );
    }
    if !installed("man") {
        eprintln!("note: man is not installed; the page is checked as text only");
        return;
    }
    let file = home.write("awscheck.1", &page);
    let shown = Command::new("man")
        .env("MANWIDTH", "80")
        .args(["--warnings", "-l"])
        .arg(&file)
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&shown.stderr);
    assert!(shown.status.success(), "man -l fails: {stderr}");
    assert_eq!(stderr, "", "man warns about the page");
    let text = String::from_utf8_lossy(&shown.stdout);
    assert!(text.contains("SUBCOMMANDS"), "{text}");
}
