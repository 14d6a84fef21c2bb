//! Copies of keys outside the two shared files: backups and editor leftovers beside them,
//! shell and REPL history, other tools' credential files, `.env` files, and whether the AWS
//! CLI's caches of live tokens can be read by others.
//!
//! A fixed list of places ([`places`]), read safely: regular files only (never a FIFO, a
//! device or a symlink loop), at most [`MAX_BYTES`] each, and a file that cannot be read is a
//! note, never an error. Files are searched for key IDs and for the exact secrets and session
//! tokens of every key awscheck knows ([`search::KnownSecrets`]). Only key IDs and line
//! numbers are kept from what is read: a secret is noted as present, a history line never
//! leaves the file. Nothing found is ever used to call AWS.

pub mod deep;
pub mod places;
mod read;
pub use read::reason;
pub mod record;
pub mod search;

use crate::input::locate::Locations;
use crate::sys::env::Env;
use places::{Place, PlaceKind};
use search::KnownSecrets;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};

/// Past this a file is read no further: a history file is megabytes, not gigabytes. The deep
/// scan skips a larger file.
pub const MAX_BYTES: u64 = 50 * 1024 * 1024;

/// A key found outside the shared files: every line of one file holding its ID or its secret.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Copy {
    pub path: PathBuf,
    pub kind: PlaceKind,
    pub key_id: String,
    /// Lines holding the key ID, in order.
    pub id_lines: Vec<usize>,
    /// Lines holding the key's own secret or session token, exactly as awscheck knows it.
    pub secret_lines: Vec<usize>,
    /// A secret-shaped word sits beside one of the IDs: the secret of a key awscheck may not
    /// know.
    pub secret_beside: bool,
}

impl Copy {
    pub fn with_secret(&self) -> bool {
        self.secret_beside || !self.secret_lines.is_empty()
    }

    /// Every line holding the ID or the secret, in order: what a fix must remove.
    pub fn lines(&self) -> Vec<usize> {
        let mut lines: Vec<usize> = self
            .id_lines
            .iter()
            .chain(&self.secret_lines)
            .copied()
            .collect();
        lines.sort_unstable();
        lines.dedup();
        lines
    }
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
    pub kind: PlaceKind,
    pub line: usize,
}

#[derive(Clone, Debug, Default)]
pub struct Scan {
    pub copies: Vec<Copy>,
    pub tokens: Vec<Token>,
    pub exposed: Vec<ExposedCache>,
    /// A file that could not be read, and why: one line each.
    pub notes: Vec<String>,
    /// What the deep scan searched, when there was one.
    pub deep: Option<deep::Searched>,
}

/// Look in every place for key IDs, and for the exact `known` secrets.
pub fn scan(
    env: &Env,
    locations: &Locations,
    cwd: Option<&Path>,
    extra: &[PathBuf],
    known: &KnownSecrets,
) -> Scan {
    let mut scan = Scan::default();
    let mut buffer = read::Buffer::new(known);
    for Place { path, kind } in places::places(env, locations, cwd, extra) {
        match read::look(&path, known, &mut buffer, read::Limit::ReadTheStart) {
            Ok(read::Looked::Found(found, _)) => found.into_scan(&path, kind, &mut scan),
            Ok(_) | Err(None) => {}
            Err(Some(why)) => scan.notes.push(format!("{}: {why}", path.display())),
        }
    }
    if let Some(home) = crate::sys::env::home_dir(env) {
        for cache in places::CACHES {
            if let Some(exposed) = exposed_cache(&home, &home.join(".aws").join(cache)) {
                scan.exposed.push(exposed);
            }
        }
    }
    scan
}

/// Search every file under `roots` (see [`deep`]), with the settings' `skip` list. Files on
/// the fixed list keep their kind; awscheck's own state folder holds its records; the two
/// shared files and the AWS CLI's caches are never searched.
pub fn deep_scan(
    env: &Env,
    locations: &Locations,
    cwd: Option<&Path>,
    roots: &[PathBuf],
    skip: &[String],
    known: &KnownSecrets,
    progress: bool,
) -> Scan {
    let home = crate::sys::env::home_dir(env);
    let real = |path: &Path| std::fs::canonicalize(path).unwrap_or_else(|_| path.to_path_buf());
    let fixed: rustc_hash::FxHashMap<PathBuf, PlaceKind> = places::places(env, locations, cwd, &[])
        .into_iter()
        .map(|place| (real(&place.path), place.kind))
        .collect();
    let shared = [
        real(&locations.config.path),
        real(&locations.credentials.path),
    ];
    let state = crate::sys::paths::state_dir(env).map(|dir| real(&dir));
    // The home folder as named and as resolved: a root may be given either way.
    let mut homes: Vec<PathBuf> = home.iter().flat_map(|h| [h.clone(), real(h)]).collect();
    homes.dedup();
    let never: Vec<PathBuf> = homes
        .iter()
        .flat_map(|home| places::CACHES.map(|cache| home.join(".aws").join(cache)))
        .collect();
    let kind_of = |path: &Path| -> Option<PlaceKind> {
        let path = &real(path);
        if shared.iter().any(|file| file == path) {
            return None;
        }
        if let Some(kind) = fixed.get(path) {
            return Some(*kind);
        }
        if state
            .as_deref()
            .is_some_and(|state| path.starts_with(state))
        {
            return Some(PlaceKind::of_own(path));
        }
        Some(PlaceKind::of_name(path))
    };
    let skip = deep::Skip::new(skip, &homes, &never);
    deep::scan(roots, &skip, known, &kind_of, progress)
}

impl Scan {
    /// Add a deep scan's finds to this scan of the fixed list, leaving out the files this one
    /// found something in already: both searched them alike. Paths are compared resolved,
    /// since the walk names them from its root and the fixed list from the home folder.
    pub fn add_deep(&mut self, deep: Scan) {
        let real = |path: &Path| std::fs::canonicalize(path).unwrap_or_else(|_| path.to_path_buf());
        let found: rustc_hash::FxHashSet<PathBuf> = self
            .copies
            .iter()
            .map(|c| real(&c.path))
            .chain(self.tokens.iter().map(|t| real(&t.path)))
            .collect();
        let new = |path: &Path| !found.contains(&real(path));
        self.copies
            .extend(deep.copies.into_iter().filter(|c| new(&c.path)));
        self.tokens
            .extend(deep.tokens.into_iter().filter(|t| new(&t.path)));
        self.notes.extend(deep.notes);
        self.deep = deep.deep;
    }
}

/// What one file holds.
#[derive(Default)]
pub(crate) struct Found<'k> {
    pub(crate) ids: Vec<search::Hit>,
    /// (key ID, line) of each known secret.
    pub(crate) secrets: Vec<(&'k str, usize)>,
    /// Lines of session tokens by their look.
    pub(crate) tokens: Vec<usize>,
}

impl Found<'_> {
    /// One copy per key, in the order the keys first appear; and the tokens awscheck cannot
    /// tie to a key.
    pub(crate) fn into_scan(self, path: &Path, kind: PlaceKind, scan: &mut Scan) {
        // (line, key ID, a known secret rather than the ID, a secret beside the ID)
        let mut seen: Vec<(usize, &str, bool, bool)> = self
            .ids
            .iter()
            .map(|hit| (hit.line, hit.key_id.as_str(), false, hit.with_secret))
            .chain(
                self.secrets
                    .iter()
                    .map(|&(id, line)| (line, id, true, false)),
            )
            .collect();
        seen.sort_by_key(|(line, ..)| *line);
        let mut copies: Vec<Copy> = Vec::new();
        for (line, key_id, is_secret, beside) in seen {
            let copy = match copies.iter().position(|c| c.key_id == key_id) {
                Some(at) => &mut copies[at],
                None => {
                    copies.push(Copy {
                        path: path.to_path_buf(),
                        kind,
                        key_id: key_id.to_string(),
                        id_lines: Vec::new(),
                        secret_lines: Vec::new(),
                        secret_beside: false,
                    });
                    copies.last_mut().expect("just pushed")
                }
            };
            let lines = match is_secret {
                true => &mut copy.secret_lines,
                false => &mut copy.id_lines,
            };
            if lines.last() != Some(&line) {
                lines.push(line);
            }
            copy.secret_beside |= beside;
        }
        // A token a few lines after a key ID belongs to that key's finding, and one awscheck
        // knows is already in its key's.
        let near_a_key = |line: usize| {
            self.ids
                .iter()
                .any(|hit| hit.line <= line && line <= hit.line + 4)
                || self.secrets.iter().any(|(_, at)| *at == line)
        };
        scan.tokens.extend(
            self.tokens
                .iter()
                .filter(|line| !near_a_key(**line))
                .map(|&line| Token {
                    path: path.to_path_buf(),
                    kind,
                    line,
                }),
        );
        scan.copies.extend(copies);
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

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicBool, Ordering};
    use std::sync::Arc;
    use std::time::Duration;

    /// A `.env` swapped between a file and a named pipe while the scan reads it: each read
    /// ends at once, whichever the name holds at that moment.
    #[cfg(target_os = "linux")]
    #[test]
    fn a_file_swapped_for_a_named_pipe_never_holds_the_scan() {
        let dir = tempfile::tempdir().unwrap();
        let target = dir.path().join(".env");
        let stop = Arc::new(AtomicBool::new(false));
        let swapper = {
            let (dir, target, stop) = (dir.path().to_path_buf(), target.clone(), stop.clone());
            std::thread::spawn(move || {
                let mut turn = 0u64;
                while !stop.load(Ordering::Relaxed) {
                    let next = dir.join(format!("next-{turn}"));
                    if turn.is_multiple_of(2) {
                        std::fs::write(&next, "AWS_REGION=eu-west-1\n").unwrap();
                    } else {
                        rustix::fs::mknodat(
                            rustix::fs::CWD,
                            &next,
                            rustix::fs::FileType::Fifo,
                            rustix::fs::Mode::from_raw_mode(0o600),
                            0,
                        )
                        .unwrap();
                    }
                    std::fs::rename(&next, &target).unwrap();
                    turn += 1;
                }
            })
        };
        let known = KnownSecrets::default();
        for _ in 0..200 {
            let (sender, receiver) = std::sync::mpsc::channel();
            let path = target.clone();
            std::thread::spawn(move || {
                let known = KnownSecrets::default();
                let mut buffer = read::Buffer::new(&known);
                // Only whether it returns counts here, not what it found.
                let _ = read::look(&path, &known, &mut buffer, read::Limit::Skip).map(|_| ());
                // The test has failed already when nobody receives.
                let _ = sender.send(());
            });
            assert!(
                receiver.recv_timeout(Duration::from_secs(5)).is_ok(),
                "a read of the swapped file hung"
            );
        }
        stop.store(true, Ordering::Relaxed);
        swapper.join().unwrap();
        let mut buffer = read::Buffer::new(&known);
        let missing = read::look(
            &dir.path().join("missing"),
            &known,
            &mut buffer,
            read::Limit::Skip,
        );
        assert!(matches!(missing, Err(None)));
    }
}
