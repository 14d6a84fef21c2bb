//! Copies of keys outside the two shared files: backups and editor leftovers beside them,
//! shell and REPL history, other tools' credential files, `.env` files, and whether the AWS
//! CLI's caches of live tokens can be read by others.
//!
//! A fixed list of places ([`places`]), read safely: regular files only (never a FIFO, a
//! device or a symlink loop), at most [`MAX_BYTES`] each, and a file that cannot be read is a
//! note, never an error. Only key IDs are kept from what is read: a secret is noted as present,
//! a history line never leaves the file. Nothing found is ever used to call AWS.

pub mod places;
pub mod search;

use crate::env::Env;
use crate::locate::Locations;
use places::{Kind, Place};
use std::fs::File;
use std::io::{self, Read};
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};

/// Past this a file is read no further: a history file is megabytes, not gigabytes.
pub const MAX_BYTES: u64 = 50 * 1024 * 1024;
/// Read in pieces of this size while looking for any key at all.
const CHUNK: usize = 1024 * 1024;

/// A key ID found outside the shared files.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Copy {
    pub path: PathBuf,
    pub kind: Kind,
    pub line: usize,
    pub key_id: String,
    pub with_secret: bool,
}

/// A cache folder of the AWS CLI that others can read, or that holds files they could.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ExposedCache {
    pub path: PathBuf,
    /// The folder's mode.
    pub folder_mode: u32,
    /// Files in it that others can read.
    pub open_files: usize,
}

/// A session token found outside the shared files, with no key ID just before it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Token {
    pub path: PathBuf,
    pub kind: Kind,
    pub line: usize,
}

#[derive(Clone, Debug, Default)]
pub struct Scan {
    pub copies: Vec<Copy>,
    pub tokens: Vec<Token>,
    pub exposed: Vec<ExposedCache>,
    /// A file that could not be read, and why: one line each.
    pub notes: Vec<String>,
}

/// Look in every place.
pub fn scan(env: &Env, locations: &Locations, cwd: Option<&Path>, extra: &[PathBuf]) -> Scan {
    let mut scan = Scan::default();
    for Place { path, kind } in places::places(env, locations, cwd, extra) {
        match read_keys(&path) {
            Ok((hits, tokens)) => {
                // A token a few lines after a key ID belongs to that key's finding.
                let after_a_key = |line: usize| {
                    hits.iter()
                        .any(|hit| hit.line <= line && line <= hit.line + 4)
                };
                scan.tokens
                    .extend(
                        tokens
                            .into_iter()
                            .filter(|line| !after_a_key(*line))
                            .map(|line| Token {
                                path: path.clone(),
                                kind,
                                line,
                            }),
                    );
                scan.copies.extend(hits.into_iter().map(|hit| Copy {
                    path: path.clone(),
                    kind,
                    line: hit.line,
                    key_id: hit.key_id,
                    with_secret: hit.with_secret,
                }));
            }
            Err(None) => {}
            Err(Some(why)) => scan.notes.push(format!("{}: {why}", path.display())),
        }
    }
    if let Some(home) = crate::locate::home_dir(env) {
        for cache in places::CACHES {
            if let Some(exposed) = exposed_cache(&home, &home.join(".aws").join(cache)) {
                scan.exposed.push(exposed);
            }
        }
    }
    scan
}

/// The key IDs and lone session tokens in one file. `Err(None)`: nothing to read there (missing, or not a regular
/// file the user means as one); `Err(Some(why))`: it could not be read.
fn read_keys(path: &Path) -> Result<(Vec<search::Hit>, Vec<usize>), Option<String>> {
    let metadata = match std::fs::metadata(path) {
        Ok(metadata) => metadata,
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Err(None),
        Err(e) => return Err(Some(e.to_string())),
    };
    if !metadata.is_file() {
        // A folder, FIFO or device where a history file would be: nothing of ours to read.
        return Err(None);
    }
    let mut file = File::open(path).map_err(|e| Some(e.to_string()))?;
    // The name may have been swapped for something else since the check above.
    if !file.metadata().map_err(|e| Some(e.to_string()))?.is_file() {
        return Err(None);
    }
    let limited = &mut file.by_ref().take(MAX_BYTES);
    if !any_key(limited).map_err(|e| Some(e.to_string()))? {
        return Ok((Vec::new(), Vec::new()));
    }
    // Rare: a key is in there. Read it whole (within the limit) for lines and secrets.
    let mut bytes = Vec::new();
    File::open(path)
        .and_then(|f| f.take(MAX_BYTES).read_to_end(&mut bytes))
        .map_err(|e| Some(e.to_string()))?;
    Ok((search::find_keys(&bytes), search::find_tokens(&bytes)))
}

/// Whether any key ID is in the stream, reading it a piece at a time; the end of each piece
/// is kept so an ID cut in two is still seen.
fn any_key(reader: &mut impl Read) -> io::Result<bool> {
    const KEEP: usize = 160;
    let mut buffer = vec![0; CHUNK + KEEP];
    let mut kept = 0;
    loop {
        let read = reader.read(&mut buffer[kept..])?;
        if read == 0 {
            return Ok(search::contains_key(&buffer[..kept]));
        }
        let filled = kept + read;
        if search::contains_key(&buffer[..filled]) {
            return Ok(true);
        }
        let keep = KEEP.min(filled);
        buffer.copy_within(filled - keep..filled, 0);
        kept = keep;
    }
}

/// The cache folder, when others can read a file in it: every folder on the way to the file
/// lets them through and the file lets them read. The AWS CLI writes them 0600 in a 0700
/// folder; a copy, a sync tool or a loose umask opens them.
fn exposed_cache(home: &Path, folder: &Path) -> Option<ExposedCache> {
    // Group and others, separately: each needs every folder's x bit and then the file's r.
    let mut through = [0o010, 0o001];
    let mut path = home.to_path_buf();
    let mut folder_mode = 0;
    let steps = folder.strip_prefix(home).ok()?.components();
    for step in std::iter::once(None).chain(steps.map(Some)) {
        if let Some(step) = step {
            path.push(step);
        }
        // The last one is the cache folder itself.
        folder_mode = std::fs::symlink_metadata(&path).ok()?.permissions().mode();
        for bit in &mut through {
            if folder_mode & *bit == 0 {
                *bit = 0;
            }
        }
    }
    let readable = |file_mode: u32| {
        (through[0] != 0 && file_mode & 0o040 != 0) || (through[1] != 0 && file_mode & 0o004 != 0)
    };
    let open_files = std::fs::read_dir(folder)
        .into_iter()
        .flatten()
        .flatten()
        .filter(|entry| {
            entry
                .metadata()
                .is_ok_and(|m| m.is_file() && readable(m.permissions().mode()))
        })
        .count();
    (open_files > 0).then(|| ExposedCache {
        path: folder.to_path_buf(),
        folder_mode: folder_mode & 0o7777,
        open_files,
    })
}
