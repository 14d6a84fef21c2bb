//! A lossless, line-indexed view of one text file.
//!
//! The document keeps the original text untouched and only records where each line starts and
//! ends, so rendering it gives back the input byte for byte (CRLF, missing final newline, odd
//! spacing and all). Edits replace one byte range and nothing else: that is what lets `rotate`
//! change two values in a user's file without disturbing a comment or a blank line.
//!
//! It knows nothing of INI syntax; `parse` gives the lines their meaning.

use std::ops::Range;
use std::sync::OnceLock;

/// One line of a document, as byte offsets into its text.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Line {
    /// Where the line's content starts.
    pub start: usize,
    /// Where the content ends: before `\n`, or before `\r\n`.
    pub end: usize,
    /// Where the next line starts (after the terminator, if any).
    pub next: usize,
}

/// The text of a file and its line table.
#[derive(Clone, Debug)]
pub struct Document {
    text: String,
    /// Built on first use: reading a file's profiles only walks its lines once, in order, and
    /// a large file's table is megabytes.
    lines: OnceLock<Vec<Line>>,
}

/// Documents are equal when their text is: the line table follows from it.
impl PartialEq for Document {
    fn eq(&self, other: &Self) -> bool {
        self.text == other.text
    }
}

impl Eq for Document {}

impl Document {
    /// A document of `text`. Its lines are split the way `str::lines` splits them (and so
    /// the AWS SDK for Rust): at `\n`, with one `\r` before it dropped from the content.
    pub fn new(text: String) -> Self {
        Document {
            text,
            lines: OnceLock::new(),
        }
    }

    pub fn text(&self) -> &str {
        &self.text
    }

    /// The line table, built the first time it is asked for.
    pub fn lines(&self) -> &[Line] {
        self.lines.get_or_init(|| {
            // Counting first costs one fast pass and saves growing the table line by line.
            let count = memchr::memchr_iter(b'\n', self.text.as_bytes()).count();
            let mut lines = Vec::with_capacity(count + 1);
            lines.extend(spans(&self.text));
            lines
        })
    }

    /// The content of line `number` (1-based), without its terminator.
    pub fn line(&self, number: usize) -> Option<&str> {
        let line = self.lines().get(number.checked_sub(1)?)?;
        Some(&self.text[line.start..line.end])
    }

    /// The content of every line with its 1-based number, found as it goes: no line table.
    pub fn numbered_lines(&self) -> impl Iterator<Item = (usize, &str)> {
        spans(&self.text)
            .enumerate()
            .map(|(index, line)| (index + 1, &self.text[line.start..line.end]))
    }

    /// The content of the line that holds byte `offset`, without its terminator: found from
    /// the byte alone, with no line table and no walk from the start.
    pub fn line_containing(&self, offset: usize) -> &str {
        let before = &self.text.as_bytes()[..offset];
        let start = memchr::memrchr(b'\n', before).map_or(0, |newline| newline + 1);
        let line = line_at(&self.text, start);
        &self.text[line.start..line.end]
    }

    /// Rebuild the text from the line table. Equal to the input for every document; the
    /// property test holds the line table to that.
    pub fn render(&self) -> String {
        let mut out = String::with_capacity(self.text.len());
        for line in self.lines() {
            out.push_str(&self.text[line.start..line.next]);
        }
        out
    }

    /// A copy of this document with the bytes in `range` replaced by `replacement`.
    /// The caller names the exact value span; everything around it is kept as it was.
    pub fn with_replacement(&self, range: Range<usize>, replacement: &str) -> Document {
        let mut text = String::with_capacity(self.text.len() + replacement.len());
        text.push_str(&self.text[..range.start]);
        text.push_str(replacement);
        text.push_str(&self.text[range.end..]);
        Document::new(text)
    }
}

/// Every line of `text`, in order, as [`Document::new`] describes the split.
fn spans(text: &str) -> impl Iterator<Item = Line> + '_ {
    let mut start = 0;
    std::iter::from_fn(move || {
        if start >= text.len() {
            return None;
        }
        let line = line_at(text, start);
        start = line.next;
        Some(line)
    })
}

/// The line that starts at byte `start` of `text`, split as [`Document::new`] describes.
fn line_at(text: &str, start: usize) -> Line {
    let bytes = text.as_bytes();
    match memchr::memchr(b'\n', &bytes[start..]) {
        Some(offset) => {
            let newline = start + offset;
            let end = match bytes[start..newline].last() {
                Some(b'\r') => newline - 1,
                _ => newline,
            };
            Line {
                start,
                end,
                next: newline + 1,
            }
        }
        None => Line {
            start,
            end: text.len(),
            next: text.len(),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every line's content, as walked; the line table must agree.
    fn contents(text: &str) -> Vec<String> {
        let document = Document::new(text.to_string());
        let walked: Vec<String> = document
            .numbered_lines()
            .map(|(_, line)| line.to_string())
            .collect();
        let indexed: Vec<String> = document
            .lines()
            .iter()
            .map(|line| text[line.start..line.end].to_string())
            .collect();
        assert_eq!(walked, indexed, "{text:?}");
        walked
    }

    #[test]
    fn splits_like_str_lines() {
        for text in [
            "", "a", "a\n", "a\r\nb", "a\n\nb\n", "a\rb\r\n", "\r\n\r\n", "x\r",
        ] {
            let expected: Vec<String> = text.lines().map(str::to_string).collect();
            assert_eq!(contents(text), expected, "{text:?}");
        }
    }

    #[test]
    fn line_containing_agrees_with_a_walk() {
        for text in [
            "",
            "[a]",
            "[a]\n",
            "x\n[a]\r\n[b]\n",
            "[a\n\n\n [b]\n[c]",
            "\r\n[\r\n[",
            "é\n[é]",
            // A carriage return with no newline after it stays, as in `str::lines`.
            "x\n[a]\r",
        ] {
            let document = Document::new(text.to_string());
            for line in document.lines() {
                let walked = &text[line.start..line.end];
                for offset in line.start..line.next.min(text.len()) {
                    if text.is_char_boundary(offset) {
                        assert_eq!(
                            document.line_containing(offset),
                            walked,
                            "{text:?} {offset}"
                        );
                    }
                }
            }
        }
    }

    #[test]
    fn render_is_byte_exact() {
        for text in ["", "[a]\r\nk = v", "\n\n", "no newline", "x\r", "é\n"] {
            assert_eq!(Document::new(text.to_string()).render(), text);
        }
    }

    #[test]
    fn replacement_touches_only_its_range() {
        let doc = Document::new("[a]\r\nk = old # c\r\n".to_string());
        let start = doc.text().find("old").unwrap();
        let edited = doc.with_replacement(start..start + 3, "new");
        assert_eq!(edited.text(), "[a]\r\nk = new # c\r\n");
    }
}
