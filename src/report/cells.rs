//! The tables of the human reports, drawn by comfy-table: its `UTF8_FULL_CONDENSED` preset,
//! columns fitted to the width given (`ContentArrangement::Dynamic`), bold headers only when
//! colour is on.
//!
//! Cells hold values from the user's files, and a terminal acts on the escape sequences it is
//! sent: control characters are shown escaped (`\u{1b}`), never passed through.

use crate::sys::wrap::{width, wrap};
use comfy_table::{presets, Attribute, ColumnConstraint, ContentArrangement, Width};
use std::borrow::Cow;
use std::fmt;
use std::io::{self, Write};

/// A table under construction: a header and rows of text cells.
///
/// Drawn, it fits the width without cutting a word: each column is at least as wide as its
/// widest word, columns the caller marks as optional are left out until the rest fit, and a
/// table that still cannot fit is written as a list, a block per row.
pub struct Table {
    header: Vec<String>,
    rows: Vec<Vec<String>>,
    width: u16,
    color: bool,
    /// Columns that may be left out to fit, the first to go first.
    optional: Vec<usize>,
}

impl Table {
    /// A table of `header.len()` columns fitted into `width` terminal columns; bold headers
    /// only when `color` is set.
    pub fn new(width: u16, color: bool, header: &[&str]) -> Self {
        Table {
            header: header
                .iter()
                .map(|title| escaped(title).into_owned())
                .collect(),
            rows: Vec::new(),
            width,
            color,
            optional: Vec::new(),
        }
    }

    /// Columns (by title) that may be left out when the table is too wide, the first to go
    /// first.
    pub fn optional(&mut self, titles: &[&str]) {
        self.optional = titles
            .iter()
            .filter_map(|title| self.header.iter().position(|h| h == title))
            .collect();
    }

    /// A new row; its cells go in left to right.
    pub fn row(&mut self) -> Row<'_> {
        Row {
            table: self,
            cells: Vec::new(),
        }
    }

    /// The table and a newline.
    pub fn write_to(&self, out: &mut dyn Write) -> io::Result<()> {
        let widest = self.widest_words();
        let needed = |columns: &[usize]| -> usize {
            columns.iter().map(|&c| widest[c] + 3).sum::<usize>() + 1
        };
        // A column with nothing in any row says nothing.
        let mut shown: Vec<usize> = (0..self.header.len())
            .filter(|&c| {
                c == 0
                    || self
                        .rows
                        .iter()
                        .any(|row| row.get(c).is_some_and(|text| !text.is_empty()))
            })
            .collect();
        for column in &self.optional {
            if needed(&shown) <= usize::from(self.width) {
                break;
            }
            shown.retain(|c| c != column);
        }
        if needed(&shown) > usize::from(self.width) {
            return self.write_as_list(out);
        }
        let mut table = comfy_table::Table::new();
        table
            .load_style(presets::UTF8_FULL_CONDENSED)
            .set_content_arrangement(ContentArrangement::Dynamic)
            .set_width(self.width);
        if self.color {
            table.enforce_styling();
        } else {
            table.force_no_tty();
        }
        table.set_header(
            shown
                .iter()
                .map(|&c| comfy_table::Cell::new(&self.header[c]).add_attribute(Attribute::Bold)),
        );
        for row in &self.rows {
            table.add_row(
                shown
                    .iter()
                    .map(|&c| comfy_table::Cell::new(row.get(c).map_or("", String::as_str))),
            );
        }
        for (at, &c) in shown.iter().enumerate() {
            if let Some(column) = table.column_mut(at) {
                // comfy-table counts a column's padding, one space each side, in its width.
                let least = u16::try_from(widest[c] + 2).unwrap_or(u16::MAX);
                column.set_constraint(ColumnConstraint::LowerBoundary(Width::Fixed(least)));
            }
        }
        writeln!(out, "{table}")
    }

    /// Per column, the width of its widest word, header included.
    fn widest_words(&self) -> Vec<usize> {
        let widest = |text: &str| text.split([' ', '\n']).map(width).max().unwrap_or(0);
        let mut widths: Vec<usize> = self.header.iter().map(|h| widest(h)).collect();
        for row in &self.rows {
            for (column, text) in row.iter().enumerate() {
                if let Some(w) = widths.get_mut(column) {
                    *w = (*w).max(widest(text));
                }
            }
        }
        widths
    }

    /// Every row as a block: its one-word cells on the first line, the first cell first, then
    /// `Title: value` for each other cell that has one, wrapped at spaces.
    fn write_as_list(&self, out: &mut dyn Write) -> io::Result<()> {
        let columns = usize::from(self.width);
        for row in &self.rows {
            let one_word = |&(c, text): &(usize, &String)| {
                c == 0 || (!text.is_empty() && !text.contains([' ', '\n']))
            };
            let cells: Vec<(usize, &String)> = row.iter().enumerate().collect();
            let first: Vec<&str> = cells
                .iter()
                .filter(|cell| one_word(cell))
                .map(|(_, text)| text.as_str())
                .collect();
            for line in wrap(&first.join("  "), columns, "", "  ") {
                writeln!(out, "{line}")?;
            }
            for (c, text) in cells.iter().filter(|cell| !one_word(cell)) {
                if text.is_empty() {
                    continue;
                }
                let text = format!("{}: {}", self.header[*c], text.replace('\n', ", "));
                for line in wrap(&text, columns, "  ", "    ") {
                    writeln!(out, "{line}")?;
                }
            }
        }
        Ok(())
    }
}

/// A row being filled; it joins its table when dropped.
pub struct Row<'t> {
    table: &'t mut Table,
    cells: Vec<String>,
}

impl Row<'_> {
    pub fn cell(&mut self, text: &str) -> &mut Self {
        self.cells.push(broken_up(&escaped(text)).into_owned());
        self
    }

    pub fn cell_fmt(&mut self, text: fmt::Arguments<'_>) -> &mut Self {
        self.cell(&text.to_string())
    }
}

impl Drop for Row<'_> {
    fn drop(&mut self) {
        let cells = std::mem::take(&mut self.cells);
        self.table.rows.push(cells);
    }
}

/// Past this many bytes a word is cut into lines of this size before comfy-table sees it:
/// comfy-table reads what is left of a word each time it cuts a line off, which for a value of
/// megabytes (a pasted blob) takes minutes. Words of ordinary values (names, paths, commands)
/// are shorter, and are drawn exactly as comfy-table draws them.
const LONG_WORD: usize = 512;

/// `text` with every word longer than [`LONG_WORD`] bytes cut into lines of that size.
fn broken_up(text: &str) -> Cow<'_, str> {
    if text.len() <= LONG_WORD || !text.split([' ', '\n']).any(|w| w.len() > LONG_WORD) {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len() + text.len() / LONG_WORD);
    let mut run = 0;
    for c in text.chars() {
        if c == ' ' || c == '\n' {
            run = 0;
        } else if run + c.len_utf8() > LONG_WORD {
            out.push('\n');
            run = 0;
        }
        if c != ' ' && c != '\n' {
            run += c.len_utf8();
        }
        out.push(c);
    }
    Cow::Owned(out)
}

/// `text` with its control characters but line breaks written as escapes (`\u{1b}`): what a
/// report prints of a value, in a table or around one.
pub fn escaped(text: &str) -> Cow<'_, str> {
    let is_control = |c: char| c.is_control() && c != '\n';
    if !text.contains(is_control) {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len() + 8);
    for c in text.chars() {
        match is_control(c) {
            true => out.extend(c.escape_default()),
            false => out.push(c),
        }
    }
    Cow::Owned(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_words_of_hundreds_of_bytes_are_cut_before_drawing() {
        assert_eq!(broken_up("a few words"), "a few words");
        let long = "é".repeat(LONG_WORD);
        let text = format!("x {long} y");
        let cut = broken_up(&text);
        assert!(
            cut.lines().all(|line| line.len() <= LONG_WORD + 2),
            "{}",
            cut.len()
        );
        assert_eq!(cut.replace('\n', ""), text);
    }

    #[test]
    fn control_characters_are_shown_escaped_never_sent() {
        assert_eq!(escaped("plain\ntwo lines"), "plain\ntwo lines");
        assert_eq!(escaped("red \u{1b}[31m!\u{7}"), "red \\u{1b}[31m!\\u{7}");
        let mut table = Table::new(80, false, &["Profile", "Region"]);
        table.row().cell("dev\u{1b}]0;pwned\u{7}").cell("eu-west-1");
        let mut out = Vec::new();
        table.write_to(&mut out).unwrap();
        let drawn = String::from_utf8(out).unwrap();
        assert!(
            !drawn.contains('\u{1b}') && !drawn.contains('\u{7}'),
            "{drawn}"
        );
        assert!(drawn.contains("dev\\u{1b}]0;pwned\\u{7}"), "{drawn}");
    }
}
