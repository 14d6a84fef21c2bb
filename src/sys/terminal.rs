//! How many columns the report tables may take.
//!
//! Shells set `COLUMNS` but do not export it, so a program rarely sees it: the terminal itself
//! is asked first, as comfy-table did. Output that goes to a file or a pipe has no terminal to
//! fit; it gets `COLUMNS` when exported, else [`FALLBACK_WIDTH`].

use std::os::fd::AsFd;

/// The classic terminal width, for output that is not going to a terminal.
pub const FALLBACK_WIDTH: u16 = 80;

/// The width to draw tables in for output to `stdout`. The ask is one `ioctl`, so offline
/// commands stay instant.
pub fn table_width(stdout: impl AsFd, is_terminal: bool, columns: Option<&str>) -> u16 {
    let terminal = match is_terminal {
        true => terminal_size::terminal_size_of(stdout).map(|(width, _)| width.0),
        false => None,
    };
    pick(terminal, columns)
}

/// The terminal's width, else `COLUMNS`, else the fallback; a width of 0 (a terminal that
/// does not know its size) counts as none.
fn pick(terminal: Option<u16>, columns: Option<&str>) -> u16 {
    terminal
        .filter(|&width| width > 0)
        .or_else(|| {
            columns
                .and_then(|columns| columns.trim().parse().ok())
                .filter(|&width| width > 0)
        })
        .unwrap_or(FALLBACK_WIDTH)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_terminal_wins_then_columns_then_80() {
        assert_eq!(pick(Some(100), Some("132")), 100);
        assert_eq!(pick(None, Some("132")), 132);
        assert_eq!(pick(Some(0), Some(" 132 ")), 132);
        assert_eq!(pick(None, None), FALLBACK_WIDTH);
        assert_eq!(pick(None, Some("wide")), FALLBACK_WIDTH);
        assert_eq!(pick(None, Some("0")), FALLBACK_WIDTH);
        assert_eq!(pick(None, Some("70000")), FALLBACK_WIDTH);
    }

    #[test]
    fn output_that_is_not_a_terminal_is_not_asked_about() {
        let file = tempfile::tempfile().unwrap();
        assert_eq!(table_width(&file, false, None), FALLBACK_WIDTH);
        assert_eq!(table_width(&file, true, Some("90")), 90);
    }
}
