//! Reading one file for keys, safely: opened once without waiting (a named pipe put there
//! would otherwise hold the scan until something writes to it), and only what that handle
//! says is a regular file is read, since a name checked and then opened again can be swapped
//! in between. A quick look, a piece at a time, decides whether the file holds any sign of a
//! key; only then is it read whole for lines.

use super::search::{self, KnownSecrets};
use super::{Found, MAX_BYTES};
use std::fs::File;
use std::io::{self, Read, Seek, SeekFrom};
use std::os::unix::fs::OpenOptionsExt;
use std::path::Path;

/// Read in pieces of this size while looking for any key at all.
const CHUNK: usize = 256 * 1024;

/// What a file over [`MAX_BYTES`] gets.
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Limit {
    /// Its first [`MAX_BYTES`] are read: a fixed place (a history) is worth that much.
    ReadTheStart,
    /// It is not read at all, nor is a binary file: the deep scan, as ripgrep skips them.
    Skip,
}

/// How a look at one file ended.
pub enum Looked<'k> {
    /// Nothing there; the bytes read.
    Nothing(u64),
    Found(Found<'k>, u64),
    /// A NUL byte: a binary file, not searched further (only with [`Limit::Skip`]).
    Binary,
    /// Over [`MAX_BYTES`] (only with [`Limit::Skip`]).
    TooLarge,
    /// A folder, FIFO or device where a file would be: nothing of ours to read.
    NotAFile,
}

/// A reader's piece of memory, kept from one file to the next.
pub struct Buffer {
    bytes: Vec<u8>,
    /// What each piece keeps of the one before, so that a key cut in two is still seen.
    keep: usize,
}

impl Buffer {
    pub fn new(known: &KnownSecrets) -> Buffer {
        let keep = 160usize.max(known.longest());
        Buffer {
            bytes: vec![0; CHUNK + keep],
            keep,
        }
    }
}

/// What one file holds. `Err(None)`: nothing to read there (missing); `Err(Some(why))`: it
/// could not be read.
pub fn look<'k>(
    path: &Path,
    known: &'k KnownSecrets,
    buffer: &mut Buffer,
    limit: Limit,
) -> Result<Looked<'k>, Option<String>> {
    let mut file = match open_without_waiting(path) {
        Ok(file) => file,
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Err(None),
        Err(e) => return Err(Some(reason(&e))),
    };
    let metadata = file.metadata().map_err(|e| Some(reason(&e)))?;
    if !metadata.is_file() {
        return Ok(Looked::NotAFile);
    }
    let skip_binary = limit == Limit::Skip;
    if skip_binary && metadata.len() > MAX_BYTES {
        return Ok(Looked::TooLarge);
    }
    let limited = &mut (&file).take(MAX_BYTES);
    let (sign, read) = match quick_look(limited, known, buffer, skip_binary) {
        Ok(Quick::Binary) => return Ok(Looked::Binary),
        Ok(Quick::Read { sign, bytes }) => (sign, bytes),
        Err(e) => return Err(Some(reason(&e))),
    };
    if !sign {
        return Ok(Looked::Nothing(read));
    }
    // Rare: a key is in there. Read it whole (within the limit) for lines and secrets.
    let mut bytes = Vec::new();
    file.seek(SeekFrom::Start(0))
        .and_then(|_| file.take(MAX_BYTES).read_to_end(&mut bytes))
        .map_err(|e| Some(reason(&e)))?;
    if skip_binary && memchr::memchr(0, &bytes).is_some() {
        return Ok(Looked::Binary);
    }
    let found = Found {
        ids: search::find_keys(&bytes),
        secrets: known.find(&bytes),
        tokens: search::find_tokens(&bytes),
    };
    Ok(Looked::Found(found, bytes.len() as u64))
}

/// Why a file could not be read, in a few words: the OS's message without its error number.
pub fn reason(error: &io::Error) -> String {
    match error.kind() {
        io::ErrorKind::PermissionDenied => "permission denied".to_string(),
        io::ErrorKind::NotFound => "not found".to_string(),
        _ => {
            let text = error.to_string();
            match text.find(" (os error") {
                Some(at) => text[..at].to_string(),
                None => text,
            }
        }
    }
}

/// Opened for reading without blocking on a named pipe's missing writer, and never as the
/// controlling terminal. Regular files read the same either way.
fn open_without_waiting(path: &Path) -> io::Result<File> {
    use rustix::fs::OFlags;
    std::fs::OpenOptions::new()
        .read(true)
        .custom_flags((OFlags::NONBLOCK | OFlags::NOCTTY).bits() as i32)
        .open(path)
}

enum Quick {
    Read { sign: bool, bytes: u64 },
    Binary,
}

/// Whether any key ID, session token or known secret is in the stream, reading it a piece at
/// a time; the end of each piece is kept for the next.
fn quick_look(
    reader: &mut impl Read,
    known: &KnownSecrets,
    buffer: &mut Buffer,
    skip_binary: bool,
) -> io::Result<Quick> {
    let Buffer { bytes, keep } = buffer;
    let mut kept = 0;
    let mut total = 0u64;
    loop {
        let read = match reader.read(&mut bytes[kept..]) {
            Ok(read) => read,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(e),
        };
        if read == 0 {
            return Ok(Quick::Read {
                sign: known.anything_in(&bytes[..kept]),
                bytes: total,
            });
        }
        total += read as u64;
        let filled = kept + read;
        if skip_binary && memchr::memchr(0, &bytes[kept..filled]).is_some() {
            return Ok(Quick::Binary);
        }
        if known.anything_in(&bytes[..filled]) {
            return Ok(Quick::Read {
                sign: true,
                bytes: total,
            });
        }
        let keep = (*keep).min(filled);
        bytes.copy_within(filled - keep..filled, 0);
        kept = keep;
    }
}
