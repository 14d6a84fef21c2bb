//! A line of a report on a change under way (rotate, protect), written to the output the
//! command was given, fitted to the terminal's width.

use super::wrap::{width, wrap};
use std::fmt;
use std::io::Write;
use std::sync::OnceLock;

/// The width lines are fitted to, set once at start from the terminal.
static COLUMNS: OnceLock<usize> = OnceLock::new();

/// Fit every later line to `columns`. Only the first call counts: the terminal is asked once.
pub fn fit_to(columns: u16) {
    // A second call changes nothing, which is what a process asking twice wants.
    let _ = COLUMNS.set(usize::from(columns).max(40));
}

/// Write `line` and a newline to `out`, a line wider than the terminal wrapped at its spaces
/// with its own indent and two more. A failed write is dropped on purpose: the output going
/// away (a closed pipe, a full disk) must not stop a rotation or a protect half way, and what
/// the change did is still in its journal, record and files.
pub fn say(out: &mut dyn Write, line: fmt::Arguments<'_>) {
    let text = line.to_string();
    let _ = write_fitted(out, &text, COLUMNS.get().copied());
}

/// [`say`] for output whose failure the caller reports.
pub fn line(out: &mut dyn Write, line: fmt::Arguments<'_>) -> std::io::Result<()> {
    write_fitted(out, &line.to_string(), COLUMNS.get().copied())
}

fn write_fitted(out: &mut dyn Write, text: &str, columns: Option<usize>) -> std::io::Result<()> {
    let Some(columns) = columns.filter(|&c| text.lines().any(|line| width(line) > c)) else {
        return writeln!(out, "{text}");
    };
    for line in text.split('\n') {
        let body = line.trim_start();
        let indent = &line[..line.len() - body.len()];
        let rest = format!("{indent}  ");
        for wrapped in wrap(body, columns, indent, &rest) {
            writeln!(out, "{wrapped}")?;
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_long_line_is_wrapped_with_its_indent_and_two_more() {
        let mut out = Vec::new();
        write_fitted(
            &mut out,
            "  the new key works; the old one is deactivated: run awscheck rotate --resume",
            Some(40),
        )
        .unwrap();
        let text = String::from_utf8(out).unwrap();
        assert_eq!(
            text,
            "  the new key works; the old one is\n    deactivated: run awscheck rotate\n    --resume\n"
        );
        let mut out = Vec::new();
        write_fitted(&mut out, "short", Some(40)).unwrap();
        assert_eq!(out, b"short\n");
    }
}
