//! Reading one of the shared files from disk, refusing what is not a small UTF-8 text file.
//!
//! A missing file is normal (many people have only one of the two) and comes back as `None`.
//! Everything else that is wrong (a folder, a device, a socket, a named pipe nothing writes
//! to, a binary file, a file too large, bytes that are not UTF-8, a file that cannot be read,
//! a symlink loop) is an [`InputError`] naming the file and, where there is one, the line.
//! A pipe with a writer, as process substitution gives, is read like a file.

use crate::input::locate::Location;
use crate::input::pipe;
use crate::parse::document::Document;
use crate::parse::grammar::{self, ParseError, RawSection};
use crate::parse::origin::FileKind;
use std::fmt;
use std::fs::Metadata;
use std::io::{self, Read};
use std::os::unix::fs::FileTypeExt;
use std::path::{Path, PathBuf};

/// Far beyond any real config; a larger file is a mistake and is not worth holding in memory.
pub const MAX_FILE_BYTES: u64 = 10 * 1024 * 1024;

/// Bad input: what is wrong, in which file, on which line.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct InputError {
    pub path: PathBuf,
    pub line: Option<usize>,
    pub message: String,
}

impl fmt::Display for InputError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.line {
            Some(line) => write!(f, "{}:{}: {}", self.path.display(), line, self.message),
            None => write!(f, "{}: {}", self.path.display(), self.message),
        }
    }
}

impl std::error::Error for InputError {}

/// One shared file as read from disk.
#[derive(Clone, Debug)]
pub struct SourceFile {
    pub kind: FileKind,
    pub path: PathBuf,
    pub document: Document,
}

impl SourceFile {
    /// Parse with the SDKs' grammar; a refused line becomes an error naming this file.
    pub fn sections(&self) -> Result<Vec<RawSection<'_>>, InputError> {
        grammar::parse(&self.document).map_err(|error| self.refused(error))
    }

    /// A line of this file the SDKs refuse, as an error naming the file.
    pub fn refused(&self, error: ParseError) -> InputError {
        InputError {
            path: self.path.clone(),
            line: Some(error.line),
            message: error.message,
        }
    }
}

/// Read the file at `location`, or `None` when there is no file there.
pub fn read(location: &Location) -> Result<Option<SourceFile>, InputError> {
    Ok(read_text(&location.path)?.map(|text| SourceFile {
        kind: location.kind,
        path: location.path.clone(),
        document: Document::new(text),
    }))
}

/// The text of the file at `path`, read with the same care as the shared files (no device,
/// no pipe without a writer, no more than [`MAX_FILE_BYTES`], UTF-8), or `None` when there is
/// no file there.
pub fn read_text(path: &Path) -> Result<Option<String>, InputError> {
    let fail = |line: Option<usize>, message: String| InputError {
        path: path.to_path_buf(),
        line,
        message,
    };
    let metadata = match std::fs::metadata(path) {
        Ok(metadata) => metadata,
        Err(error) if error.kind() == io::ErrorKind::NotFound => return Ok(None),
        Err(error) => return Err(fail(None, describe(&error))),
    };
    // Refused before opening: opening a device can itself do something (a tape rewinds).
    if let Some(refusal) = refusal(&metadata) {
        return Err(fail(None, refusal));
    }
    let bytes = read_bytes(path, &metadata).map_err(|message| fail(None, message))?;
    if bytes.len() as u64 > MAX_FILE_BYTES {
        return Err(fail(
            None,
            format!(
                "is larger than {} MB; not an AWS config file",
                MAX_FILE_BYTES / (1024 * 1024)
            ),
        ));
    }
    decode(bytes)
        .map(Some)
        .map_err(|(line, message)| fail(Some(line), message))
}

/// Why a file of this type is not read, if it is not.
fn refusal(metadata: &Metadata) -> Option<String> {
    let kind = metadata.file_type();
    let what = if kind.is_dir() {
        "a directory"
    } else if kind.is_char_device() || kind.is_block_device() {
        // `/dev/zero` would be read forever, a terminal would wait for typing. `/dev/null`
        // too: the permission rules would tell the user to chmod it.
        "a device"
    } else if kind.is_socket() {
        "a socket"
    } else {
        return None;
    };
    Some(format!("is {what}, not a file"))
}

/// The file's bytes, at most one past the limit so a huge file costs nothing. `expected` is
/// the metadata the path had a moment ago.
fn read_bytes(path: &Path, expected: &Metadata) -> Result<Vec<u8>, String> {
    let file = pipe::open(path).map_err(|error| describe(&error))?;
    // What was opened, which is not always what the path named a moment ago.
    let metadata = file.metadata().map_err(|error| describe(&error))?;
    if let Some(refusal) = refusal(&metadata) {
        return Err(refusal);
    }
    if metadata.file_type().is_fifo() {
        return pipe::read(file, MAX_FILE_BYTES + 1).map_err(|error| match error {
            pipe::PipeError::NoWriter => format!(
                "is a named pipe that nothing writes to (no writer within {} ms)",
                pipe::WRITER_GRACE.as_millis()
            ),
            pipe::PipeError::Io(error) => describe(&error),
        });
    }
    // A buffer of the size the file had, rather than one grown while reading, copies nothing
    // and holds no spare megabytes.
    let mut bytes = Vec::with_capacity(expected.len().min(MAX_FILE_BYTES) as usize + 1);
    file.take(MAX_FILE_BYTES + 1)
        .read_to_end(&mut bytes)
        .map_err(|error| describe(&error))?;
    Ok(bytes)
}

/// Text from bytes, or the line and reason it is not text we can read.
pub(crate) fn decode(bytes: Vec<u8>) -> Result<String, (usize, String)> {
    fn line_of(bytes: &[u8], offset: usize) -> usize {
        bytes[..offset].iter().filter(|&&b| b == b'\n').count() + 1
    }
    // `contains` on bytes is a fast memchr; most files have no NUL to find the place of.
    if let Some(offset) = bytes
        .contains(&0)
        .then(|| bytes.iter().position(|&b| b == 0))
        .flatten()
    {
        return Err((
            line_of(&bytes, offset),
            "holds binary data (a NUL byte); not a text file".to_string(),
        ));
    }
    if bytes.starts_with(b"\xEF\xBB\xBF") {
        // Neither the SDKs nor the AWS CLI skip a byte order mark: they fail on the first line.
        return Err((
            1,
            "starts with a UTF-8 byte order mark, which the AWS SDKs cannot read; save it without one".to_string(),
        ));
    }
    String::from_utf8(bytes).map_err(|error| {
        let offset = error.utf8_error().valid_up_to();
        (
            line_of(error.as_bytes(), offset),
            "is not valid UTF-8".to_string(),
        )
    })
}

/// An I/O error in words, without the `(os error N)` tail.
pub(crate) fn describe(error: &io::Error) -> String {
    let text = error.to_string();
    let text = match text.find(" (os error") {
        Some(cut) => text[..cut].to_string(),
        None => text,
    };
    lowercase_first(&text)
}

fn lowercase_first(text: &str) -> String {
    let mut chars = text.chars();
    match chars.next() {
        Some(first) => first.to_lowercase().chain(chars).collect(),
        None => String::new(),
    }
}
