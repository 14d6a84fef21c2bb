//! The tables of the human reports, drawn by comfy-table: its `UTF8_FULL_CONDENSED` preset,
//! columns fitted to the width given (`ContentArrangement::Dynamic`), bold headers and coloured
//! cells only when colour is on.
//!
//! Cells hold values from the user's files, and a terminal acts on the escape sequences it is
//! sent: control characters are shown escaped (`\u{1b}`), never passed through.

use comfy_table::{presets, Attribute, ContentArrangement};
use std::borrow::Cow;
use std::fmt;
use std::io::{self, Write};

/// A cell's foreground colour.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Color {
    Magenta,
    Red,
    Yellow,
    Cyan,
    Grey,
}

impl Color {
    fn comfy(self) -> comfy_table::Color {
        match self {
            Color::Magenta => comfy_table::Color::Magenta,
            Color::Red => comfy_table::Color::Red,
            Color::Yellow => comfy_table::Color::Yellow,
            Color::Cyan => comfy_table::Color::Cyan,
            Color::Grey => comfy_table::Color::Grey,
        }
    }
}

/// A table under construction: a header and rows of text cells.
pub struct Table {
    table: comfy_table::Table,
    width: u16,
    color: bool,
    rows: usize,
}

impl Table {
    /// A table of `header.len()` columns fitted into `width` terminal columns; bold headers
    /// and coloured cells only when `color` is set.
    pub fn new(width: u16, color: bool, header: &[&str]) -> Self {
        let mut table = comfy_table::Table::new();
        table
            .load_style(presets::UTF8_FULL_CONDENSED)
            .set_content_arrangement(ContentArrangement::Dynamic)
            .set_width(width);
        if color {
            table.enforce_styling();
        } else {
            table.force_no_tty();
        }
        table.set_header(
            header
                .iter()
                .map(|title| comfy_table::Cell::new(escaped(title)).add_attribute(Attribute::Bold)),
        );
        Table {
            table,
            width,
            color,
            rows: 0,
        }
    }

    /// An empty table with a new header, drawn the same way.
    pub fn recycle(self, header: &[&str]) -> Self {
        Table::new(self.width, self.color, header)
    }

    pub fn is_empty(&self) -> bool {
        self.rows == 0
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
        writeln!(out, "{}", self.table)
    }
}

/// A row being filled; it joins its table when dropped.
pub struct Row<'t> {
    table: &'t mut Table,
    cells: Vec<comfy_table::Cell>,
}

impl Row<'_> {
    pub fn cell(&mut self, text: &str) -> &mut Self {
        self.cells
            .push(comfy_table::Cell::new(broken_up(&escaped(text))));
        self
    }

    pub fn cell_fmt(&mut self, text: fmt::Arguments<'_>) -> &mut Self {
        self.cell(&text.to_string())
    }

    /// A cell of `lines` joined with `\n`.
    pub fn cell_lines<'a>(&mut self, lines: impl IntoIterator<Item = &'a str>) -> &mut Self {
        let text: Vec<&str> = lines.into_iter().collect();
        self.cell(&text.join("\n"))
    }

    /// A cell drawn in `color` when the table has colour.
    pub fn colored(&mut self, text: &str, color: Color) -> &mut Self {
        self.cells
            .push(comfy_table::Cell::new(broken_up(&escaped(text))).fg(color.comfy()));
        self
    }
}

impl Drop for Row<'_> {
    fn drop(&mut self) {
        let cells = std::mem::take(&mut self.cells);
        self.table.table.add_row(cells);
        self.table.rows += 1;
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
