//! The README's example ("Try it on an example setup") is what its command prints on a fresh
//! clone: the lines it shows are the first lines of the output, and its summary the last.

use crate::support::{run, Home};
use std::fs;
use std::os::unix::fs::PermissionsExt;
use std::path::Path;

const SECTION: &str = "## Try it on an example setup";
const CARGO_RUN: &str = "cargo run --release -- ";

/// The text of the first ```` ```lang ```` block after `from`.
fn block<'a>(from: &'a str, lang: &str) -> &'a str {
    let start = from
        .find(&format!("```{lang}\n"))
        .unwrap_or_else(|| panic!("a ```{lang} block"))
        + lang.len()
        + 4;
    let len = from[start..].find("```").expect("the block's end");
    &from[start..start + len]
}

#[test]
fn the_readme_example_is_what_its_command_prints() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let readme = fs::read_to_string(root.join("README.md")).unwrap();
    let section = &readme[readme.find(SECTION).expect("the example section")..];
    let command = block(section, "sh").trim();
    let args: Vec<&str> = command
        .strip_prefix(CARGO_RUN)
        .unwrap_or_else(|| panic!("{command:?} runs the binary through cargo"))
        .split_whitespace()
        .collect();
    let shown: Vec<&str> = block(section, "text").lines().collect();
    let elided = shown
        .iter()
        .position(|line| line.starts_with("  …"))
        .unwrap_or(shown.len());
    let summary = shown.last().expect("the example ends with the summary");

    // The example files as a clone has them: git keeps no mode but the executable bit.
    let home = Home::new();
    let examples = home.join("examples/aws");
    fs::create_dir_all(&examples).unwrap();
    for name in ["config", "credentials"] {
        let copy = examples.join(name);
        fs::copy(root.join("examples/aws").join(name), &copy).unwrap();
        fs::set_permissions(&copy, fs::Permissions::from_mode(0o644)).unwrap();
    }
    // The README shows the report as a terminal of 80 columns, the size a new one opens at.
    let result = run(home.cmd().env("COLUMNS", "80").args(&args));
    assert_eq!(result.code, Some(1), "{}", result.stderr);
    let printed: Vec<&str> = result.stdout.lines().collect();
    assert_eq!(
        printed.get(..elided),
        Some(&shown[..elided]),
        "the README shows other lines than the command prints:\n{}",
        result.stdout
    );
    assert_eq!(printed.last(), Some(summary), "{}", result.stdout);
}
