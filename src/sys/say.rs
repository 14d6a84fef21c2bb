//! A line of a report on a change under way (rotate, protect), written to the output the
//! command was given.

use std::fmt;
use std::io::Write;

/// Write `line` and a newline to `out`. A failed write is dropped on purpose: the output
/// going away (a closed pipe, a full disk) must not stop a rotation or a protect half way,
/// and what the change did is still in its journal, record and files.
pub fn say(out: &mut dyn Write, line: fmt::Arguments<'_>) {
    let _ = writeln!(out, "{line}");
}
