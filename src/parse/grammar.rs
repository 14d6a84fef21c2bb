//! The shared-config grammar of the AWS SDKs, applied line by line to a [`Document`].
//!
//! This mirrors the SDKs' literal parse: which lines are comments, where a value ends, how
//! continuation and sub-property lines attach, and which lines make the whole file unreadable
//! (the SDKs refuse such a file, so we report it with its line). It keeps every section
//! occurrence apart and remembers where each value sits, which the SDKs do not; merging
//! sections into profiles is `profile_set`'s job.

use crate::parse::document::Document;
use crate::parse::key::PropertyKey;
use compact_str::CompactString;
use std::ops::Range;

/// Whitespace as the SDKs define it for this format: only space and tab.
pub const WHITESPACE: &[char] = &[' ', '\t'];

/// One `[...]` section occurrence and the properties under it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RawSection<'a> {
    /// The text between the brackets, comment removed, as the SDKs read it; borrowed from
    /// the document.
    pub header: &'a str,
    /// 1-based line of the `[...]` line.
    pub line: usize,
    pub properties: Vec<RawProperty>,
}

/// One `key = value` property, with any continuation or sub-property lines joined in.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RawProperty {
    /// Lower-cased, as the SDKs compare keys.
    pub key: PropertyKey,
    /// The value as the SDKs see it: trimmed, continuation lines joined with `\n`.
    pub value: CompactString,
    /// 1-based line of the `key = value` line.
    pub line: usize,
    /// 1-based line of the last continuation line (equal to `line` when there is none).
    pub last_line: usize,
    /// Bytes of the value on its own line, as offsets into the document's text.
    pub value_span: Range<usize>,
    /// `key =` with an empty value followed by indented `name = value` lines.
    pub is_sub_property_block: bool,
    /// The `key = value` line ends in a comment (` # ...` or ` ; ...`) that the SDKs cut off.
    pub inline_comment: bool,
}

/// A line the SDKs would refuse: the whole file fails to load.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ParseError {
    pub line: usize,
    pub message: String,
}

/// What the parser meets, in file order.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Event<'a> {
    /// A `[...]` line: the properties that follow belong to it.
    Section { header: &'a str, line: usize },
    /// A property, complete with its continuation lines.
    Property(RawProperty),
}

/// Parse every line of `document`. Fails at the first line the SDKs would refuse.
pub fn parse(document: &Document) -> Result<Vec<RawSection<'_>>, ParseError> {
    let mut sections: Vec<RawSection> = Vec::new();
    parse_each(document, |event| match event {
        Event::Section { header, line } => sections.push(RawSection {
            header,
            line,
            properties: Vec::new(),
        }),
        Event::Property(property) => sections
            .last_mut()
            .expect("the parser hands on no property before a section")
            .properties
            .push(property),
    })?;
    Ok(sections)
}

/// [`parse`], handing each section header and each property to `each` as soon as it is
/// complete instead of collecting them: a caller that merges them as they come never holds a
/// whole file's worth, nor a list per section. On a refused line, what came before it has
/// already been handed on.
pub fn parse_each<'a>(
    document: &'a Document,
    mut each: impl FnMut(Event<'a>),
) -> Result<(), ParseError> {
    let mut in_section = false;
    // The property a continuation line would join, handed on once a later line shows it is
    // complete. Every section header closes it, as in the SDKs (a continuation straight
    // after a header is an error even in a repeated section).
    let mut open: Option<RawProperty> = None;
    let base = document.text().as_ptr() as usize;

    for (number, line) in document.numbered_lines() {
        // The first byte tells comments, headers and continuations apart; only a line that
        // starts with whitespace can still be blank.
        let first = line.as_bytes().first().copied();
        let blank_or_comment = match first {
            None | Some(b'#' | b';') => true,
            Some(b' ' | b'\t') => trim(line).is_empty(),
            Some(_) => false,
        };
        if blank_or_comment {
            continue;
        }
        let error = |message: &str| ParseError {
            line: number,
            message: message.to_string(),
        };
        if first == Some(b'[') {
            let header = section_header(line)
                .ok_or_else(|| error("Profile definition must end with ']'"))?;
            if let Some(done) = open.take() {
                each(Event::Property(done));
            }
            each(Event::Section {
                header,
                line: number,
            });
            in_section = true;
        } else if matches!(first, Some(b' ' | b'\t')) {
            if !in_section {
                return Err(error("Expected a profile definition"));
            }
            let Some(property) = open.as_mut() else {
                return Err(error("Expected a property definition, found continuation"));
            };
            if property.is_sub_property_block || property.value.is_empty() {
                validate_sub_property(line).map_err(|message| error(&message))?;
                property.is_sub_property_block = true;
            }
            property.value.push('\n');
            property.value.push_str(trim(line));
            property.last_line = number;
        } else {
            if !in_section {
                return Err(error("Expected a profile definition"));
            }
            let (key, value) = split_property(line)
                .map_err(|kind| error(&kind.message("property", "Property")))?;
            let start = value.as_ptr() as usize - base;
            let end_in_line = value.as_ptr() as usize + value.len() - line.as_ptr() as usize;
            let property = RawProperty {
                key: PropertyKey::new(key),
                value: CompactString::new(value),
                line: number,
                last_line: number,
                value_span: start..start + value.len(),
                is_sub_property_block: false,
                // Whatever follows the value on its line can only be the cut comment.
                inline_comment: !trim(&line[end_in_line..]).is_empty(),
            };
            if let Some(done) = open.replace(property) {
                each(Event::Property(done));
            }
        }
    }
    if let Some(done) = open {
        each(Event::Property(done));
    }
    Ok(())
}

/// The text between the brackets of a `[...]` line, comment removed, as the SDKs read it;
/// `None` when the line does not end with `]`.
pub(crate) fn section_header(line: &str) -> Option<&str> {
    prepare_line(line, false)
        .strip_prefix('[')?
        .strip_suffix(']')
}

#[derive(Debug, PartialEq, Eq)]
enum PropertyError {
    NoEquals,
    NoName,
}

impl PropertyError {
    fn message(&self, what: &str, capitalised: &str) -> String {
        match self {
            PropertyError::NoEquals => format!("Expected an '=' sign defining a {what}"),
            PropertyError::NoName => format!("{capitalised} did not have a name"),
        }
    }
}

/// Split `key = value`, dropping a trailing comment that follows whitespace.
/// Both halves are sub-slices of `line`, so callers can find the value's bytes.
fn split_property(line: &str) -> Result<(&str, &str), PropertyError> {
    // What `prepare_line(line, true)` then a split at the first `=` give, in one pass over
    // the bytes: this runs for every property line of a file. The three bytes that matter are
    // ASCII, so the search never lands inside a character.
    let line = trim(line);
    let bytes = line.as_bytes();
    let mut equals = None;
    let mut end = bytes.len();
    let mut from = 0;
    while let Some(offset) = find_property_byte(&bytes[from..]) {
        let index = from + offset;
        if bytes[index] == b'=' {
            equals = equals.or(Some(index));
        } else if follows_whitespace(line, index) {
            end = index;
            break;
        }
        from = index + 1;
    }
    let equals = equals.ok_or(PropertyError::NoEquals)?;
    let key = trim(&line[..equals]);
    if key.is_empty() {
        return Err(PropertyError::NoName);
    }
    Ok((key, trim(&line[equals + 1..end])))
}

/// The first `=`, `#` or `;` in `bytes`.
fn find_property_byte(bytes: &[u8]) -> Option<usize> {
    memchr::memchr3(b'=', b'#', b';', bytes)
}

/// Sub-property lines are checked for shape only; blank ones pass.
fn validate_sub_property(line: &str) -> Result<(), String> {
    if trim(line).is_empty() {
        return Ok(());
    }
    split_property(line)
        .map(|_| ())
        .map_err(|kind| kind.message("sub-property", "Sub-property"))
}

/// Trim the line and cut a trailing comment. In a section header any `#` or `;` starts a
/// comment; in a property only one preceded by whitespace does (`value;x` keeps its `;`).
fn prepare_line(line: &str, comments_need_whitespace: bool) -> &str {
    let line = trim(line);
    // Comment characters are ASCII, so a byte search finds them and never lands inside a
    // character; most lines have none.
    let cut = memchr::memchr2_iter(b'#', b';', line.as_bytes())
        .find(|&index| !comments_need_whitespace || follows_whitespace(line, index))
        .unwrap_or(line.len());
    trim(&line[..cut])
}

/// Whether the character before byte `index` is whitespace. The SDKs use Unicode whitespace
/// here, unlike everywhere else in the grammar.
fn follows_whitespace(line: &str, index: usize) -> bool {
    line[..index]
        .chars()
        .next_back()
        .is_some_and(char::is_whitespace)
}

/// `text` without leading and trailing [`WHITESPACE`]. Space and tab are ASCII, so trimming
/// bytes never splits a character.
pub(crate) fn trim(text: &str) -> &str {
    let bytes = text.as_bytes();
    let is_blank = |byte: &u8| *byte == b' ' || *byte == b'\t';
    let start = bytes
        .iter()
        .position(|byte| !is_blank(byte))
        .unwrap_or(bytes.len());
    let end = bytes
        .iter()
        .rposition(|byte| !is_blank(byte))
        .map_or(start, |last| last + 1);
    &text[start..end]
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The properties of each section of `text`.
    fn sections(text: &str) -> Vec<Vec<RawProperty>> {
        let document = Document::new(text.to_string());
        let parsed = parse(&document).expect("parses");
        parsed
            .into_iter()
            .map(|section| section.properties)
            .collect()
    }

    #[test]
    fn value_span_points_at_the_value_bytes() {
        let text = "[default]\r\naws_access_key_id =  AKIAEXAMPLE # note\r\n";
        let parsed = sections(text);
        let property = &parsed[0][0];
        assert_eq!(&text[property.value_span.clone()], "AKIAEXAMPLE");
        assert_eq!(property.line, 2);
    }

    /// `split_property` in one pass agrees with what it stands for: cut the comment, then split
    /// at the first `=`.
    #[test]
    fn split_property_is_prepare_then_split() {
        let reference = |line: &str| -> Result<(String, String), PropertyError> {
            let prepared = prepare_line(line, true);
            let (key, value) = prepared.split_once('=').ok_or(PropertyError::NoEquals)?;
            match trim(key) {
                "" => Err(PropertyError::NoName),
                key => Ok((key.to_string(), trim(value).to_string())),
            }
        };
        let pieces = [
            "k", "=", " ", "\t", "#", ";", "v", "\u{a0}", "é", "==", " #", "=;",
        ];
        // Every line of up to four pieces.
        let mut lines = vec![String::new()];
        for _ in 0..4 {
            let longer: Vec<String> = lines
                .iter()
                .flat_map(|line| pieces.iter().map(move |piece| format!("{line}{piece}")))
                .collect();
            lines.extend(longer);
        }
        for line in &lines {
            let own = split_property(line).map(|(k, v)| (k.to_string(), v.to_string()));
            assert_eq!(own, reference(line), "{line:?}");
        }
    }

    #[test]
    fn find_property_byte_finds_the_first_of_the_three() {
        let reference = |bytes: &[u8]| {
            bytes
                .iter()
                .position(|byte| matches!(byte, b'=' | b'#' | b';'))
        };
        // Every position in lines of every length up to 40, with neighbours that a borrow
        // across bytes would confuse (0x00, 0x01, 0x80, 0xff and the three wanted bytes).
        let fill = [b'a', 0x00, 0x01, 0x3c, 0x3e, 0x80, 0xff];
        for len in 0..40 {
            for &background in &fill {
                let mut line = vec![background; len];
                assert_eq!(find_property_byte(&line), reference(&line), "{line:?}");
                for at in 0..len {
                    for wanted in [b'=', b'#', b';'] {
                        line[at] = wanted;
                        assert_eq!(find_property_byte(&line), reference(&line), "{line:?}");
                        if at + 1 < len {
                            line[at + 1] = b'=';
                            assert_eq!(find_property_byte(&line), reference(&line), "{line:?}");
                            line[at + 1] = background;
                        }
                        line[at] = background;
                    }
                }
            }
        }
    }

    #[test]
    fn comments_in_values_need_whitespace() {
        assert_eq!(
            prepare_line("name = value#Comment # sign", true),
            "name = value#Comment"
        );
        assert_eq!(prepare_line("[profile a]# x", false), "[profile a]");
    }

    #[test]
    fn a_cut_comment_is_remembered() {
        let parsed =
            sections("[default]\na = 1 ; note\nb = 2;kept\nc = 3\t# note\nd = ; note\ne = 4  \n");
        let cut: Vec<(&str, &str, bool)> = parsed[0]
            .iter()
            .map(|p| (p.key.as_str(), p.value.as_str(), p.inline_comment))
            .collect();
        assert_eq!(
            cut,
            [
                ("a", "1", true),
                ("b", "2;kept", false),
                ("c", "3", true),
                ("d", "", true),
                ("e", "4", false),
            ]
        );
    }

    #[test]
    fn errors_carry_their_line() {
        let error = parse(&Document::new("# c\n[default\nk=v".to_string())).unwrap_err();
        assert_eq!(error.line, 2);
        assert_eq!(error.message, "Profile definition must end with ']'");
    }

    #[test]
    fn sub_property_blocks_are_marked() {
        let parsed = sections("[profile a]\ns3 =\n  max_concurrent_requests = 10\n");
        let property = &parsed[0][0];
        assert!(property.is_sub_property_block);
        assert_eq!(property.value, "\nmax_concurrent_requests = 10");
        assert_eq!(property.last_line, 3);
    }
}
