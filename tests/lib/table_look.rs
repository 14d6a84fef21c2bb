//! The report tables are drawn by `report::grid`, which replaced comfy-table for speed at
//! 10,000 rows. The look must not change: these tests draw random tables with both and
//! require the same bytes, borders, column widths, word wrap and colours included. (Control
//! characters are left out: grid shows them escaped, where comfy-table passes them to the
//! terminal.)

use awscheck::report::grid::{self, Table};
use comfy_table::{presets, Attribute, Cell, ContentArrangement};
use proptest::prelude::*;

/// How a cell is styled; `None` is plain.
type Paint = Option<grid::Color>;

/// Words like the ones reports hold: short and long, paths, masked keys, wide characters,
/// and empty ones (two spaces in a row).
const WORDS: &[&str] = &[
    "",
    "a",
    "dev",
    "long-term",
    "key",
    "AKIA…WXYZ",
    "≥",
    "~/.aws/config:12",
    "`awscheck rotate --profile prod-admin`",
    "/opt/a/very/long/path/to/a/credential/helper/that/does/not/fit",
    "日本語",
    "プロファイル名は表示幅が二倍",
    "é",
    "Ünïcödé",
];

fn cell_text() -> impl Strategy<Value = String> {
    let line =
        prop::collection::vec(prop::sample::select(WORDS), 0..8).prop_map(|words| words.join(" "));
    prop::collection::vec(line, 1..4).prop_map(|lines| lines.join("\n"))
}

/// A cell holding a word far longer than any column: a pasted blob, certificate or token.
/// It is split over many lines, which must cost its length once, not once a line.
fn long_word_cell() -> impl Strategy<Value = String> {
    let piece = prop::sample::select(&["a", "Z9", "/", "é", "日本", "…", "プロ"][..]);
    (
        prop::collection::vec(piece, 1..1_500),
        prop::collection::vec(prop::sample::select(WORDS), 0..3),
    )
        .prop_map(|(pieces, words)| {
            let mut text = words.join(" ");
            if !text.is_empty() {
                text.push(' ');
            }
            text.push_str(&pieces.concat());
            text
        })
}

fn paint() -> impl Strategy<Value = Paint> {
    prop_oneof![
        3 => Just(None),
        1 => prop::sample::select(vec![
            grid::Color::Magenta,
            grid::Color::Red,
            grid::Color::Yellow,
            grid::Color::Cyan,
            grid::Color::Grey,
        ])
        .prop_map(Some),
    ]
}

#[derive(Debug, Clone)]
struct Drawing {
    width: u16,
    color: bool,
    header: Vec<String>,
    rows: Vec<Vec<(String, Paint)>>,
}

fn drawing() -> impl Strategy<Value = Drawing> {
    (1usize..=6, 0u16..=160, any::<bool>()).prop_flat_map(|(columns, width, color)| {
        let header = prop::collection::vec(cell_text(), columns);
        let row = prop::collection::vec((cell_text(), paint()), columns);
        let rows = prop::collection::vec(row, 0..6);
        (header, rows).prop_map(move |(header, rows)| Drawing {
            width,
            color,
            header,
            rows,
        })
    })
}

fn with_grid(drawing: &Drawing) -> String {
    let header: Vec<&str> = drawing.header.iter().map(String::as_str).collect();
    let mut table = Table::new(drawing.width, drawing.color, &header);
    for row in &drawing.rows {
        let mut cells = table.row();
        for (text, paint) in row {
            match paint {
                Some(color) => cells.colored(text, *color),
                None => cells.cell(text),
            };
        }
    }
    let mut out = Vec::new();
    table.write_to(&mut out).unwrap();
    String::from_utf8(out).unwrap()
}

fn with_comfy_table(drawing: &Drawing) -> String {
    let mut table = comfy_table::Table::new();
    table
        .load_style(presets::UTF8_FULL_CONDENSED)
        .set_content_arrangement(ContentArrangement::Dynamic)
        .set_width(drawing.width);
    if drawing.color {
        table.enforce_styling();
    } else {
        table.force_no_tty();
    }
    table.set_header(
        drawing
            .header
            .iter()
            .map(|title| Cell::new(title).add_attribute(Attribute::Bold)),
    );
    for row in &drawing.rows {
        table.add_row(row.iter().map(|(text, paint)| {
            let cell = Cell::new(text);
            match paint {
                Some(color) => cell.fg(comfy_color(*color)),
                None => cell,
            }
        }));
    }
    format!("{table}\n")
}

fn comfy_color(color: grid::Color) -> comfy_table::Color {
    match color {
        grid::Color::Magenta => comfy_table::Color::Magenta,
        grid::Color::Red => comfy_table::Color::Red,
        grid::Color::Yellow => comfy_table::Color::Yellow,
        grid::Color::Cyan => comfy_table::Color::Cyan,
        grid::Color::Grey => comfy_table::Color::Grey,
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2_000))]

    #[test]
    fn grid_draws_what_comfy_table_draws(drawing in drawing()) {
        let expected = with_comfy_table(&drawing);
        let actual = with_grid(&drawing);
        prop_assert_eq!(actual, expected, "\n{:#?}", drawing);
    }
}

/// Tables with a very long word in one cell, next to ordinary ones.
fn long_word_drawing() -> impl Strategy<Value = Drawing> {
    (1usize..=4, 0u16..=160, any::<bool>()).prop_flat_map(|(columns, width, color)| {
        let header = prop::collection::vec(cell_text(), columns);
        let row = prop::collection::vec((cell_text(), paint()), columns);
        let long = (0..columns, long_word_cell(), paint());
        (header, row, long).prop_map(move |(header, mut row, (column, text, paint))| {
            row[column] = (text, paint);
            Drawing {
                width,
                color,
                header,
                rows: vec![row],
            }
        })
    })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(300))]

    #[test]
    fn long_words_split_as_comfy_table_splits_them(drawing in long_word_drawing()) {
        let expected = with_comfy_table(&drawing);
        let actual = with_grid(&drawing);
        prop_assert_eq!(actual, expected, "\n{:#?}", drawing);
    }
}
