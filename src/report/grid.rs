//! The tables of the human reports. They look exactly as they did when comfy-table drew them
//! (its `UTF8_FULL_CONDENSED` preset, `ContentArrangement::Dynamic`): the same borders, column
//! widths, word wrapping and colours, byte for byte.
//!
//! comfy-table keeps every cell as its own `Vec<String>` and builds every output line as a
//! `String` before the first byte is written; at 10,000 profiles that cost more than the whole
//! rest of the audit. Here the cells of a table share one text buffer, wrapped lines are byte
//! ranges into it, and rows are written out one at a time.
//!
//! Widths are display columns (`unicode-width`, as comfy-table measures them), with a fast
//! path for printable ASCII, which is nearly all of what awscheck prints.

use std::borrow::Cow;
use std::fmt::{self, Write as _};
use std::io::{self, Write};
use std::ops::Range;
use unicode_width::{UnicodeWidthChar, UnicodeWidthStr};

/// Spaces on each side of a cell's text.
const PADDING: usize = 1;
/// A wrapped line is finished once fewer than this many columns are left in it.
const MIN_FREE_CHARS: usize = 2;
/// Words are split at spaces only, as comfy-table does by default.
const DELIMITER: u8 = b' ';
/// More bytes than a column of text takes, zero-width marks and emoji sequences included
/// (a family emoji is 25 bytes over 2 columns). A word longer than this per column of a
/// line cannot fit in it; see [`wrap`].
const MAX_BYTES_PER_COLUMN: usize = 32;

/// A cell's foreground colour, written as the 256-colour codes comfy-table (crossterm) used.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Color {
    Magenta,
    Red,
    Yellow,
    Cyan,
    Grey,
}

impl Color {
    fn ansi(self) -> &'static str {
        match self {
            Color::Magenta => "\x1b[38;5;13m",
            Color::Red => "\x1b[38;5;9m",
            Color::Yellow => "\x1b[38;5;11m",
            Color::Cyan => "\x1b[38;5;14m",
            Color::Grey => "\x1b[38;5;7m",
        }
    }
}

const BOLD: &str = "\x1b[1m";
const RESET_ATTRIBUTES: &str = "\x1b[0m";
const RESET_COLOR: &str = "\x1b[39m";

/// How one cell is styled when colour is on.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Paint {
    Plain,
    Bold,
    Color(Color),
}

/// One horizontal border: left corner, fill, junction between columns, right corner.
struct Border([char; 4]);

const TOP: Border = Border(['┌', '─', '┬', '┐']);
const HEADER_SEPARATOR: Border = Border(['╞', '═', '╪', '╡']);
const BOTTOM: Border = Border(['└', '─', '┴', '┘']);
const OUTER_EDGE: &str = "│";
const INNER_EDGE: &str = "┆";

/// A table under construction: a header and rows of text cells.
#[derive(Debug)]
pub struct Table {
    columns: usize,
    /// Columns to fit in, borders included.
    width: usize,
    color: bool,
    /// Every cell's text, header first, row by row.
    text: String,
    /// Every cell, `columns` per row.
    cells: Vec<Cell>,
    /// The widest line of each column so far (at least 1, as in comfy-table).
    widest: Vec<usize>,
}

/// A cell: where its text ends in the table's text (it starts where the previous one ends),
/// and what is known of it before any layout.
#[derive(Clone, Copy, Debug)]
struct Cell {
    end: usize,
    /// Display width of its widest line.
    width: u32,
    /// Whether it is one line: then `width` is that line's, and drawing it needs no scan.
    single_line: bool,
    paint: Paint,
}

/// One line of a cell as drawn: its bytes in the table's text, and its display width.
#[derive(Clone, Debug, PartialEq, Eq)]
struct Line {
    bytes: Range<usize>,
    width: usize,
}

impl Table {
    /// A table of `header.len()` columns fitted into `width` terminal columns; bold headers
    /// and coloured cells only when `color` is set.
    pub fn new(width: u16, color: bool, header: &[&str]) -> Self {
        let table = Table {
            columns: 0,
            width: usize::from(width),
            color,
            text: String::new(),
            cells: Vec::new(),
            widest: Vec::new(),
        };
        table.recycle(header)
    }

    /// An empty table with a new header, drawn the same way, that keeps this one's buffers:
    /// a second large table then fills memory the first already touched instead of asking
    /// the system for more, page by page.
    pub fn recycle(mut self, header: &[&str]) -> Self {
        assert!(!header.is_empty(), "a table needs at least one column");
        self.columns = header.len();
        self.text.clear();
        self.cells.clear();
        self.widest.clear();
        self.widest.resize(header.len(), 1);
        let mut row = self.row();
        for title in header {
            row.push(title, Paint::Bold);
        }
        self
    }

    /// Make room for `rows` more rows holding about `bytes` of text in all: a large table
    /// then fills its buffers without growing (and copying) them over and over.
    pub fn reserve(&mut self, rows: usize, bytes: usize) {
        self.cells.reserve(rows * self.columns);
        self.text.reserve(bytes);
    }

    /// Whether the table has no rows beyond its header.
    pub fn is_empty(&self) -> bool {
        self.cells.len() <= self.columns
    }

    /// Start a row; fill it with exactly one call per column.
    pub fn row(&mut self) -> Row<'_> {
        debug_assert_eq!(self.cells.len() % self.columns, 0, "a row was left short");
        Row { table: self }
    }

    /// Write the table; every line ends in `\n`, the last one included.
    pub fn write_to(&self, out: &mut dyn Write) -> io::Result<()> {
        debug_assert_eq!(self.cells.len() % self.columns, 0, "a row was left short");
        let widths = self.layout();
        let mut painter = Painter::new(out, &widths, self.color);
        painter.border(&TOP)?;
        let mut wrapped: Vec<Vec<Line>> = vec![Vec::new(); self.columns];
        for (index, row) in self.cells.chunks(self.columns).enumerate() {
            let start = match index {
                0 => 0,
                _ => self.cells[index * self.columns - 1].end,
            };
            self.wrap_row(start, row, &widths, &mut wrapped);
            painter.row(&self.text, row, &wrapped)?;
            if index == 0 {
                painter.border(&HEADER_SEPARATOR)?;
            }
        }
        painter.border(&BOTTOM)
    }

    /// Every line of each cell of one row, wrapped to its column.
    fn wrap_row(
        &self,
        mut start: usize,
        row: &[Cell],
        widths: &[usize],
        wrapped: &mut [Vec<Line>],
    ) {
        for ((cell, &width), lines) in row.iter().zip(widths).zip(wrapped.iter_mut()) {
            let end = cell.end;
            lines.clear();
            if cell.single_line && cell.width as usize <= width {
                lines.push(Line {
                    bytes: start..end,
                    width: cell.width as usize,
                });
                start = end;
                continue;
            }
            for bytes in lines_of(&self.text, start..end) {
                let line_width = display_width(&self.text[bytes.clone()]);
                if line_width > width {
                    wrap(&self.text, bytes, width, lines);
                } else {
                    lines.push(Line {
                        bytes,
                        width: line_width,
                    });
                }
            }
            start = end;
        }
    }

    /// The cells of `column`, header included, with their byte ranges in `text`.
    fn column(&self, column: usize) -> impl Iterator<Item = (Range<usize>, Cell)> + '_ {
        (column..self.cells.len())
            .step_by(self.columns)
            .map(move |index| {
                let start = if index == 0 {
                    0
                } else {
                    self.cells[index - 1].end
                };
                (start..self.cells[index].end, self.cells[index])
            })
    }

    /// Content width of each column, by comfy-table's dynamic arrangement: columns narrower
    /// than the average space left keep their width; of the rest, those whose text wraps
    /// well into that average take what they need; the others share what is left evenly.
    fn layout(&self) -> Vec<usize> {
        let columns = self.columns;
        let borders = columns - 1 + 2;
        let space = self
            .width
            .saturating_sub(borders)
            .saturating_sub(2 * PADDING * columns);
        let mut layout = Layout {
            widths: vec![None; columns],
            space,
            open: columns,
        };
        layout.fit_narrow_columns(&self.widest);
        if layout.open > 0 {
            layout.fit_wrapped_columns(|column, width, limit| {
                self.longest_wrapped_line(column, width, limit)
            });
        }
        layout.share_the_rest()
    }

    /// The widest line of `column` once wrapped to `width`, or `None` as soon as one is wider
    /// than `limit` (the layout only needs to know that, and it saves wrapping the rest).
    fn longest_wrapped_line(&self, column: usize, width: usize, limit: usize) -> Option<usize> {
        let mut longest = 0;
        let mut parts = Vec::new();
        for (bytes, cell) in self.column(column) {
            if cell.single_line && cell.width as usize <= width {
                longest = longest.max(cell.width as usize);
                if longest > limit {
                    return None;
                }
                continue;
            }
            for bytes in lines_of(&self.text, bytes) {
                let line_width = display_width(&self.text[bytes.clone()]);
                if line_width <= width {
                    longest = longest.max(line_width);
                } else {
                    parts.clear();
                    wrap(&self.text, bytes, width.max(1), &mut parts);
                    let widest_part = parts.iter().map(|part| part.width).max();
                    longest = longest.max(widest_part.unwrap_or(0));
                }
                if longest > limit {
                    return None;
                }
            }
        }
        Some(longest)
    }
}

/// Fills one row of a [`Table`], a cell at a time, writing straight into the table's buffer.
pub struct Row<'t> {
    table: &'t mut Table,
}

impl Row<'_> {
    pub fn cell(&mut self, text: &str) -> &mut Self {
        self.push(text, Paint::Plain)
    }

    /// A cell written with `format_args!`, with no string of its own.
    pub fn cell_fmt(&mut self, text: fmt::Arguments<'_>) -> &mut Self {
        let start = self.table.text.len();
        self.table
            .text
            .write_fmt(text)
            .expect("writing to a String cannot fail");
        self.end_cell(start, Paint::Plain)
    }

    /// A cell of `lines` joined with `\n`.
    pub fn cell_lines<'a>(&mut self, lines: impl IntoIterator<Item = &'a str>) -> &mut Self {
        let start = self.table.text.len();
        for (index, line) in lines.into_iter().enumerate() {
            if index > 0 {
                self.table.text.push('\n');
            }
            self.table.text.push_str(line);
        }
        self.end_cell(start, Paint::Plain)
    }

    /// A cell drawn in `color` when the table has colour.
    pub fn colored(&mut self, text: &str, color: Color) -> &mut Self {
        self.push(text, Paint::Color(color))
    }

    fn push(&mut self, text: &str, paint: Paint) -> &mut Self {
        let start = self.table.text.len();
        self.table.text.push_str(text);
        self.end_cell(start, paint)
    }

    /// Record the cell that starts at `start` and runs to the end of the buffer.
    fn end_cell(&mut self, start: usize, paint: Paint) -> &mut Self {
        let table = &mut *self.table;
        let mut measured = measure(&table.text[start..]);
        // Printable ASCII holds no control character: only other cells need a look.
        if !measured.printable_ascii && escape_controls(&mut table.text, start) {
            measured = measure(&table.text[start..]);
        }
        let column = table.cells.len() % table.columns;
        table.widest[column] = table.widest[column].max(measured.widest);
        table.cells.push(Cell {
            end: table.text.len(),
            width: u32::try_from(measured.widest).unwrap_or(u32::MAX),
            single_line: measured.single_line,
            paint,
        });
        self
    }
}

/// Column widths being decided; `None` while a column is still open.
struct Layout {
    widths: Vec<Option<usize>>,
    /// Content width not yet given to a column.
    space: usize,
    open: usize,
}

impl Layout {
    fn average(&self) -> usize {
        self.space.checked_div(self.open).unwrap_or(0)
    }

    fn fix(&mut self, column: usize, width: usize) {
        // A column is at least one character wide, even when it was given nothing.
        self.widths[column] = Some(width.max(1));
        self.space = self.space.saturating_sub(width);
        self.open -= 1;
    }

    fn open_columns(&self) -> Vec<usize> {
        (0..self.widths.len())
            .filter(|&column| self.widths[column].is_none())
            .collect()
    }

    /// Fix every column whose widest line fits into the average space; each one fixed leaves
    /// more for the others, so repeat until none fits.
    fn fit_narrow_columns(&mut self, widest: &[usize]) {
        let mut fixed_one = true;
        while fixed_one && self.open > 0 && self.average() > 0 {
            fixed_one = false;
            for column in self.open_columns() {
                if widest[column] <= self.average() {
                    self.fix(column, widest[column]);
                    fixed_one = true;
                    if self.open == 0 {
                        break;
                    }
                }
            }
        }
    }

    /// Fix the columns that, wrapped to the average space, leave at least 3 columns of it
    /// unused: they get exactly their longest wrapped line. `longest_wrapped_line(column,
    /// width, limit)` gives up with `None` once a line is wider than `limit`.
    fn fit_wrapped_columns(
        &mut self,
        longest_wrapped_line: impl Fn(usize, usize, usize) -> Option<usize>,
    ) {
        let mut fixed_one = true;
        while fixed_one {
            fixed_one = false;
            for column in self.open_columns() {
                let average = self.average();
                let Some(limit) = average.checked_sub(3) else {
                    continue;
                };
                if let Some(longest) = longest_wrapped_line(column, average, limit) {
                    self.fix(column, longest);
                    fixed_one = true;
                    if self.open == 0 {
                        break;
                    }
                }
            }
        }
    }

    /// Share the space left evenly between the open columns, the first ones getting one more
    /// when it does not divide evenly.
    fn share_the_rest(mut self) -> Vec<usize> {
        if self.open > 0 {
            let space = self.space.max(self.open);
            let (share, extra) = (space / self.open, space % self.open);
            for (rank, column) in self.open_columns().into_iter().enumerate() {
                let width = share + usize::from(rank < extra);
                self.widths[column] = Some(width.max(1));
            }
        }
        self.widths
            .into_iter()
            .map(|width| width.unwrap_or(1))
            .collect()
    }
}

/// Writes rows and borders for fixed column widths, a whole output line at a time.
struct Painter<'o> {
    out: &'o mut dyn Write,
    widths: &'o [usize],
    color: bool,
    /// The output line being assembled.
    line: Vec<u8>,
}

impl<'o> Painter<'o> {
    fn new(out: &'o mut dyn Write, widths: &'o [usize], color: bool) -> Self {
        Painter {
            out,
            widths,
            color,
            line: Vec::new(),
        }
    }

    fn border(&mut self, border: &Border) -> io::Result<()> {
        let [left, fill, junction, right] = border.0;
        let mut line = String::new();
        line.push(left);
        for (index, width) in self.widths.iter().enumerate() {
            if index > 0 {
                line.push(junction);
            }
            line.extend(std::iter::repeat_n(fill, width + 2 * PADDING));
        }
        line.push(right);
        line.push('\n');
        self.out.write_all(line.as_bytes())
    }

    /// One row: as many lines as its tallest cell, shorter cells padded with blank lines.
    fn row(&mut self, text: &str, cells: &[Cell], wrapped: &[Vec<Line>]) -> io::Result<()> {
        let height = wrapped.iter().map(Vec::len).max().unwrap_or(0);
        for index in 0..height {
            self.line.clear();
            for (column, lines) in wrapped.iter().enumerate() {
                let edge = if column == 0 { OUTER_EDGE } else { INNER_EDGE };
                self.line.extend_from_slice(edge.as_bytes());
                let width = self.widths[column];
                match lines.get(index) {
                    Some(line) => self.cell_line(text, line, width, cells[column].paint),
                    // Blank filler lines are never painted, as in comfy-table.
                    None => push_spaces(&mut self.line, width + 2 * PADDING),
                }
            }
            self.line.extend_from_slice(OUTER_EDGE.as_bytes());
            self.line.push(b'\n');
            self.out.write_all(&self.line)?;
        }
        Ok(())
    }

    /// One line of a cell, padded to the column and painted as a whole, padding included.
    fn cell_line(&mut self, text: &str, line: &Line, width: usize, paint: Paint) {
        let (before, after) = match (self.color, paint) {
            (false, _) | (true, Paint::Plain) => ("", ""),
            (true, Paint::Bold) => (BOLD, RESET_ATTRIBUTES),
            (true, Paint::Color(color)) => (color.ansi(), RESET_COLOR),
        };
        self.line.extend_from_slice(before.as_bytes());
        push_spaces(&mut self.line, PADDING);
        self.line
            .extend_from_slice(text[line.bytes.clone()].as_bytes());
        push_spaces(&mut self.line, width.saturating_sub(line.width) + PADDING);
        self.line.extend_from_slice(after.as_bytes());
    }
}

fn push_spaces(line: &mut Vec<u8>, count: usize) {
    line.resize(line.len() + count, b' ');
}

/// `text` with its control characters written as escapes, as table cells show them: for the
/// lines a report prints around its tables.
pub fn escaped(text: &str) -> Cow<'_, str> {
    if !may_hold_controls(text.as_bytes()) {
        return Cow::Borrowed(text);
    }
    let mut owned = text.to_string();
    match escape_controls(&mut owned, 0) {
        true => Cow::Owned(owned),
        false => Cow::Borrowed(text),
    }
}

/// Write every control character after byte `start` of `text` as an escape (`\u{1b}`), line
/// breaks excepted; whether there were any. Cells hold values from the user's files, and a
/// terminal acts on the escape sequences it is sent: a crafted value must not recolour,
/// retitle or rewrite it.
fn escape_controls(text: &mut String, start: usize) -> bool {
    let is_control = |c: char| c.is_control() && c != '\n';
    // The byte scan rules out nearly every cell; the rest are read as characters, and only
    // those with a control character are rewritten.
    if !may_hold_controls(&text.as_bytes()[start..]) || !text[start..].contains(is_control) {
        return false;
    }
    let cell = text.split_off(start);
    for c in cell.chars() {
        match is_control(c) {
            true => text.extend(c.escape_default()),
            false => text.push(c),
        }
    }
    true
}

/// Whether `bytes` may hold a control character other than a line break: a scan that rules
/// out nearly every cell. C1 controls (U+0080 to U+009F) start with the byte 0xC2, which more
/// common characters share; those cells take the slow path for nothing.
fn may_hold_controls(bytes: &[u8]) -> bool {
    // Bitwise operators and no early exit within a block, so the compiler checks its 16 bytes
    // at once: this runs over every byte of a report.
    let suspect = |byte: u8| (byte < 0x20) & (byte != b'\n') | (byte == 0x7f) | (byte == 0xc2);
    let mut blocks = bytes.chunks_exact(16);
    let in_blocks = blocks.any(|block| {
        block
            .iter()
            .fold(false, |found, &byte| found | suspect(byte))
    });
    in_blocks || blocks.remainder().iter().any(|&byte| suspect(byte))
}

/// Whether every byte is printable ASCII, where a byte is a column.
fn is_printable_ascii(text: &str) -> bool {
    let mut blocks = text.as_bytes().chunks_exact(16);
    // No early exit within a block, so the compiler checks its 16 bytes at once.
    let all_printable = blocks.all(|block| {
        block
            .iter()
            .fold(true, |printable, &byte| printable & is_printable(byte))
    });
    all_printable && blocks.remainder().iter().all(|&byte| is_printable(byte))
}

fn is_printable(byte: u8) -> bool {
    byte.wrapping_sub(0x20) < 0x5f
}

/// What a cell's text is like, found before any layout.
struct Measure {
    /// Display width of its widest line.
    widest: usize,
    single_line: bool,
    /// Every line is printable ASCII.
    printable_ascii: bool,
}

fn measure(cell: &str) -> Measure {
    let single_line = !cell.contains('\n');
    let mut measure = Measure {
        widest: 0,
        single_line,
        printable_ascii: true,
    };
    let mut add_line = |line: &str| {
        let width = if is_printable_ascii(line) {
            line.len()
        } else {
            measure.printable_ascii = false;
            line.width()
        };
        measure.widest = measure.widest.max(width);
    };
    // Most cells are one line: splitting them would cost a second search for nothing.
    match single_line {
        true => add_line(cell),
        false => cell.split('\n').for_each(add_line),
    }
    measure
}

/// Terminal columns `text` takes.
fn display_width(text: &str) -> usize {
    if is_printable_ascii(text) {
        text.len()
    } else {
        text.width()
    }
}

/// The `\n`-separated lines of the cell at `cell`, as byte ranges into `text`.
fn lines_of(text: &str, cell: Range<usize>) -> impl Iterator<Item = Range<usize>> + '_ {
    let base = text.as_ptr() as usize;
    text[cell].split('\n').map(move |line| {
        let start = line.as_ptr() as usize - base;
        start..start + line.len()
    })
}

/// comfy-table's word wrap of one line to `width` columns. Words are added to a line while
/// they fit; a line with at most [`MIN_FREE_CHARS`] columns left is finished; a word wider
/// than a whole line is split, filling the current line first when it has room. Every
/// wrapped line is a contiguous part of the original one.
fn wrap(text: &str, line: Range<usize>, width: usize, out: &mut Vec<Line>) {
    // Nearly every line is printable ASCII, where a word's width is its length.
    let ascii = is_printable_ascii(&text[line.clone()]);
    // What is left of a long word is measured again after every split: measuring all of it
    // each time would make wrapping quadratic in the word's length (a 5 MB value took half a
    // minute). A word of more bytes than any `width` columns of text can hold cannot fit, so
    // only its first part is ever looked at.
    let fit_bytes = width.saturating_mul(MAX_BYTES_PER_COLUMN) + MAX_BYTES_PER_COLUMN;
    let width_of = |range: &Range<usize>| match ascii {
        true => range.len(),
        false if range.len() > fit_bytes => width + 1,
        false => display_width(&text[range.clone()]),
    };
    let mut words = words(text, line);
    // The part of a split word still to place; at most one at a time.
    let mut pending: Option<Range<usize>> = None;
    // The line being filled: empty while `current.start == current.end`.
    let mut current = 0..0;
    let mut current_width = 0;
    let mut finish = |current: &mut Range<usize>, current_width: &mut usize| {
        out.push(Line {
            bytes: std::mem::replace(current, 0..0),
            width: std::mem::take(current_width),
        });
    };
    while let Some(word) = pending.take().or_else(|| words.next()) {
        let word_width = width_of(&word);
        let started = !current.is_empty();
        let separator = usize::from(started);
        let room = (width.saturating_sub(current_width)).saturating_sub(separator);
        if current_width + separator + word_width <= width {
            current = if started {
                current.start..word.end
            } else {
                word
            };
            current_width += separator + word_width;
            if current_width > width.saturating_sub(MIN_FREE_CHARS) {
                finish(&mut current, &mut current_width);
            }
        } else if started && room <= MIN_FREE_CHARS {
            pending = Some(word);
            finish(&mut current, &mut current_width);
        } else if word_width > width {
            let (head, head_width, tail) = split_word(text, word, room, ascii);
            let rest = if started {
                current = current.start..head.end;
                current_width += separator + head_width;
                tail
            } else if head.is_empty() {
                // Not even one character fits: take one anyway rather than loop forever.
                let first = text[tail.clone()].chars().next().map_or(0, char::len_utf8);
                current = tail.start..tail.start + first;
                current_width = width_of(&current);
                tail.start + first..tail.end
            } else {
                current = head;
                current_width = head_width;
                tail
            };
            pending = Some(rest);
            finish(&mut current, &mut current_width);
        } else {
            finish(&mut current, &mut current_width);
            current = word;
            current_width = word_width;
            if current_width > width.saturating_sub(MIN_FREE_CHARS) {
                finish(&mut current, &mut current_width);
            }
        }
    }
    if !current.is_empty() {
        finish(&mut current, &mut current_width);
    }
}

/// The space-separated words of a line, empty ones included, as byte ranges into `text`.
/// Words are short: a plain scan finds each end faster than a search call per word.
fn words(text: &str, line: Range<usize>) -> impl Iterator<Item = Range<usize>> + '_ {
    let bytes = text.as_bytes();
    let mut start = Some(line.start);
    std::iter::from_fn(move || {
        let word_start = start?;
        let word_end = bytes[word_start..line.end]
            .iter()
            .position(|&byte| byte == DELIMITER)
            .map_or(line.end, |offset| word_start + offset);
        start = (word_end < line.end).then_some(word_end + 1);
        Some(word_start..word_end)
    })
}

/// Split `word` after at most `width` columns, never inside a character: the head, its
/// width, and the tail. `ascii` says the word is printable ASCII; the tail is never read, so
/// splitting a long word again and again costs its length once in all.
fn split_word(
    text: &str,
    word: Range<usize>,
    width: usize,
    ascii: bool,
) -> (Range<usize>, usize, Range<usize>) {
    let slice = &text[word.clone()];
    let (cut, used) = if ascii {
        let cut = slice.len().min(width);
        (cut, cut)
    } else {
        let mut used = 0;
        let mut cut = slice.len();
        for (index, character) in slice.char_indices() {
            // Control characters take a column, as `str` widths count them.
            let character_width = character.width().unwrap_or(1);
            if used + character_width > width {
                cut = index;
                break;
            }
            used += character_width;
        }
        (cut, used)
    };
    (
        word.start..word.start + cut,
        used,
        word.start + cut..word.end,
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn wrapped(line: &str, width: usize) -> Vec<&str> {
        let mut out = Vec::new();
        wrap(line, 0..line.len(), width, &mut out);
        for part in &out {
            assert_eq!(part.width, display_width(&line[part.bytes.clone()]));
        }
        out.into_iter().map(|part| &line[part.bytes]).collect()
    }

    fn render(table: &Table) -> String {
        let mut out = Vec::new();
        table.write_to(&mut out).unwrap();
        String::from_utf8(out).unwrap()
    }

    #[test]
    fn words_fill_lines_and_long_words_split() {
        assert_eq!(
            wrapped("the quick brown fox jumps", 10),
            ["the quick", "brown fox", "jumps"]
        );
        assert_eq!(
            wrapped("see /a/very/long/path/name here", 10),
            ["see /a/ver", "y/long/pat", "h/name", "here"]
        );
        assert_eq!(
            wrapped("日本語のテキスト", 5),
            ["日本", "語の", "テキ", "スト"]
        );
    }

    #[test]
    fn a_word_longer_than_many_lines_is_cut_into_full_lines() {
        let word = "ab".repeat(50_000);
        let parts = wrapped(&word, 30);
        assert_eq!(parts.len(), 100_000 / 30 + 1);
        assert!(parts[..parts.len() - 1].iter().all(|part| part.len() == 30));
        let word = format!("é{}", "日".repeat(50_000));
        let parts = wrapped(&word, 9);
        assert_eq!(parts[0], "é日日日日");
        assert!(parts[1..parts.len() - 1]
            .iter()
            .all(|part| *part == "日日日日"));
        assert_eq!(parts.concat(), word);
    }

    #[test]
    fn narrow_columns_keep_their_width_and_wrapped_ones_take_what_they_need() {
        let mut table = Table::new(40, false, &["A", "Text"]);
        table
            .row()
            .cell("x")
            .cell("one two three four five six seven eight nine ten");
        assert_eq!(
            render(&table),
            "┌───┬─────────────────────────────┐\n\
             │ A ┆ Text                        │\n\
             ╞═══╪═════════════════════════════╡\n\
             │ x ┆ one two three four five six │\n\
             │   ┆ seven eight nine ten        │\n\
             └───┴─────────────────────────────┘\n"
        );
    }

    #[test]
    fn wide_columns_share_the_width_evenly() {
        let text = "aaaa bbbb cccc dddd eeee ffff gggg hhhh";
        let mut table = Table::new(30, false, &["A", "B"]);
        table.row().cell(text).cell(text);
        assert_eq!(
            render(&table),
            "┌──────────────┬─────────────┐\n\
             │ A            ┆ B           │\n\
             ╞══════════════╪═════════════╡\n\
             │ aaaa bbbb    ┆ aaaa bbbb   │\n\
             │ cccc dddd    ┆ cccc dddd   │\n\
             │ eeee ffff    ┆ eeee ffff   │\n\
             │ gggg hhhh    ┆ gggg hhhh   │\n\
             └──────────────┴─────────────┘\n"
        );
    }

    #[test]
    fn control_characters_are_shown_escaped_never_sent() {
        let mut table = Table::new(80, false, &["Region"]);
        table.row().cell("\x1b[31mred\x1b[0m\tx\u{9b}2J");
        let text = render(&table);
        assert!(
            text.contains("│ \\u{1b}[31mred\\u{1b}[0m\\tx\\u{9b}2J │"),
            "{text}"
        );
        assert!(!text.contains(['\x1b', '\t', '\u{9b}']), "{text}");
    }

    #[test]
    fn lines_outside_tables_escape_the_same_way() {
        assert!(matches!(
            escaped("plain\nlines"),
            Cow::Borrowed("plain\nlines")
        ));
        assert_eq!(escaped("a\x1b]0;t\x07b\n"), "a\\u{1b}]0;t\\u{7}b\n");
        assert!(matches!(escaped("©"), Cow::Borrowed("©")));
    }

    #[test]
    fn colour_paints_whole_cell_lines_but_not_fillers() {
        let mut table = Table::new(80, true, &["A", "B"]);
        table.row().colored("low", Color::Cyan).cell("1\n2");
        let text = render(&table);
        assert!(
            text.contains("│\x1b[1m A   \x1b[0m┆\x1b[1m B \x1b[0m│"),
            "{text}"
        );
        assert!(
            text.contains("│\x1b[38;5;14m low \x1b[39m┆ 1 │\n│     ┆ 2 │"),
            "{text}"
        );
    }

    /// Recorded from comfy-table 8.0.1 (UTF8_FULL_CONDENSED, Dynamic, width 60, styling on),
    /// which drew these tables before: wrapping at spaces, a word split where it does not fit,
    /// double-width characters, colours.
    #[test]
    fn draws_what_comfy_table_drew() {
        let mut table = Table::new(60, true, &["Profile", "Severity", "Finding"]);
        table.row().cell("dev").colored("high", Color::Red).cell(
            "Profile dev runs `/opt/a/very/long/path/to/a/credential/helper`, which does not \
             exist\nat ~/.aws/config:12",
        );
        table
            .row()
            .cell("")
            .colored("low", Color::Cyan)
            .cell("日本語のプロファイル名は表示幅が二倍になる");
        let expected = [
            "┌─────────┬──────────┬─────────────────────────────────────┐\n",
            "│\x1b[1m Profile \x1b[0m┆\x1b[1m Severity \x1b[0m┆\x1b[1m Finding                             \x1b[0m│\n",
            "╞═════════╪══════════╪═════════════════════════════════════╡\n",
            "│ dev     ┆\x1b[38;5;9m high     \x1b[39m┆ Profile dev runs `/opt/a/very/long/ │\n",
            "│         ┆          ┆ path/to/a/credential/helper`, which │\n",
            "│         ┆          ┆ does not exist                      │\n",
            "│         ┆          ┆ at ~/.aws/config:12                 │\n",
            "│         ┆\x1b[38;5;14m low      \x1b[39m┆ 日本語のプロファイル名は表示幅が二  │\n",
            "│         ┆          ┆ 倍になる                            │\n",
            "└─────────┴──────────┴─────────────────────────────────────┘\n",
        ];
        assert_eq!(render(&table), expected.concat());
    }
}
