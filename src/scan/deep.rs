//! The deep scan (`audit --deep`, `scan [PATH...]`): every regular file under a tree searched
//! for the keys awscheck knows, by their exact bytes, and for stray key IDs with a secret
//! beside them.
//!
//! The walk is ripgrep's (`ignore`) on every core, with ignore files turned off: keys live in
//! git-ignored files. Symlinks are never followed, so the walk neither leaves the tree nor
//! loops. Only what the walk calls a regular file is opened, without waiting (see
//! [`super::read`]), so a FIFO or a device never holds it. Files over [`MAX_BYTES`] and binary
//! files (a NUL byte, as ripgrep decides) are skipped and counted. Folders that hold no user
//! data and are huge are skipped by name ([`DEFAULT_SKIP`], `[scan] skip` in the settings);
//! the AWS CLI's caches of live sessions are never searched (the audit checks who can read
//! them).

use super::places::PlaceKind;
use super::read::{self, Looked};
use super::search::KnownSecrets;
use super::{Scan, MAX_BYTES};
use ignore::{WalkBuilder, WalkState};
use serde::Serialize;
use std::collections::BTreeMap;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// Skipped unless the settings say otherwise: dependencies, git's object store (history is
/// not searched) and the toolchains' and package managers' caches. A bare name is a folder of
/// that name anywhere; `a/b` a folder ending so; `~/x` one folder under the home folder.
pub const DEFAULT_SKIP: [&str; 17] = [
    "node_modules",
    ".git/objects",
    "~/.cache",
    "~/Library/Caches",
    "~/.cargo/registry",
    "~/.cargo/git",
    "~/.rustup",
    "~/.npm",
    "~/.pnpm-store",
    "~/.yarn/cache",
    "~/.m2/repository",
    "~/.gradle/caches",
    "~/.gradle/wrapper",
    "~/go/pkg/mod",
    "~/.pyenv/versions",
    "~/.local/share/pnpm",
    "~/.local/share/Trash",
];

/// What the walk covered and what it left out, for the report and the JSON.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct Searched {
    pub roots: Vec<PathBuf>,
    /// Regular files searched to the end, and their bytes.
    pub files: u64,
    pub bytes: u64,
    /// Files with a NUL byte, not searched further.
    pub binary: u64,
    /// Files over the limit, not opened.
    pub large: u64,
    /// Folders left out, by the `skip` entry that matched them.
    pub skipped: BTreeMap<String, u64>,
    pub milliseconds: u64,
}

/// Which folders the walk leaves out.
#[derive(Clone, Debug)]
pub struct Skip {
    /// Folders of these names, anywhere.
    names: Vec<String>,
    /// Folders whose path ends with these parts (`.git/objects`).
    endings: Vec<(PathBuf, String)>,
    /// These folders (`~/.cache` under the home folder), and folders never searched.
    exact: Vec<(PathBuf, String)>,
}

impl Skip {
    /// From the settings' entries (or [`DEFAULT_SKIP`]); `never` are folders left out
    /// whatever the settings say. `homes` are the home folder as named and as resolved, since
    /// a root may be given either way.
    pub fn new(entries: &[String], homes: &[PathBuf], never: &[PathBuf]) -> Skip {
        let mut skip = Skip {
            names: Vec::new(),
            endings: Vec::new(),
            // No entry to count them under: they are not skipped for their size but never
            // searched, as the two shared files are not.
            exact: never
                .iter()
                .map(|path| (path.clone(), String::new()))
                .collect(),
        };
        for entry in entries {
            let trimmed = entry.trim_end_matches('/');
            if let Some(rest) = trimmed.strip_prefix("~/") {
                for home in homes {
                    skip.exact.push((home.join(rest), entry.clone()));
                }
            } else if trimmed.starts_with('/') {
                skip.exact.push((PathBuf::from(trimmed), entry.clone()));
            } else if trimmed.contains('/') {
                skip.endings.push((PathBuf::from(trimmed), entry.clone()));
            } else if !trimmed.is_empty() {
                skip.names.push(trimmed.to_string());
            }
        }
        skip
    }

    /// The entry that leaves this folder out, if one does.
    fn matching(&self, folder: &Path) -> Option<&str> {
        if let Some(name) = folder.file_name().and_then(|n| n.to_str()) {
            if let Some(entry) = self.names.iter().find(|n| *n == name) {
                return Some(entry);
            }
        }
        self.endings
            .iter()
            .find(|(ending, _)| folder.ends_with(ending))
            .or_else(|| self.exact.iter().find(|(path, _)| folder == path))
            .map(|(_, entry)| entry.as_str())
    }
}

/// The counts a progress line shows and the report ends with.
#[derive(Default)]
struct Counts {
    files: AtomicU64,
    bytes: AtomicU64,
    binary: AtomicU64,
    large: AtomicU64,
}

/// Search every regular file under `roots`. `kind_of` names the place of a file with a key,
/// or leaves it out (`None`: the shared files themselves). A file or folder that cannot be
/// read is a note.
pub fn scan(
    roots: &[PathBuf],
    skip: &Skip,
    known: &KnownSecrets,
    kind_of: &(dyn Fn(&Path) -> Option<PlaceKind> + Sync),
    progress: bool,
) -> Scan {
    let started = Instant::now();
    let counts = Counts::default();
    // The walk's filter must own what it uses.
    let skip = Arc::new(skip.clone());
    let skipped: Arc<Mutex<BTreeMap<String, u64>>> = Arc::default();
    let found = Mutex::new(Scan::default());
    // Each root once, as given: a root that is a link (a home folder on another disk) is
    // walked, and nothing under it is followed. A root inside another is walked with it.
    let mut real_roots: Vec<(PathBuf, PathBuf)> = Vec::new();
    for root in roots {
        match std::fs::canonicalize(root) {
            Ok(real) => {
                let given = std::path::absolute(root).unwrap_or_else(|_| root.clone());
                real_roots.push((real, given));
            }
            Err(e) => lock(&found)
                .notes
                .push(format!("{}: {}", root.display(), read::reason(&e))),
        }
    }
    let roots_seen: Vec<PathBuf> = real_roots
        .iter()
        .enumerate()
        .filter(|(i, (real, _))| {
            !real_roots
                .iter()
                .enumerate()
                .any(|(j, (other, _))| real.starts_with(other) && (real != other || j < *i))
        })
        .map(|(_, (_, given))| given.clone())
        .collect();
    std::thread::scope(|scope| {
        let done = progress.then(|| {
            let (stop, stopped) = std::sync::mpsc::channel::<()>();
            scope.spawn(|| show_progress(&counts, stopped));
            stop
        });
        walk(
            &roots_seen,
            &skip,
            known,
            kind_of,
            &counts,
            &skipped,
            &found,
        );
        drop(done);
    });
    let mut scan = found.into_inner().unwrap_or_else(|e| e.into_inner());
    scan.copies
        .sort_by(|a, b| (&a.path, a.lines()).cmp(&(&b.path, b.lines())));
    scan.tokens
        .sort_by(|a, b| (&a.path, a.line).cmp(&(&b.path, b.line)));
    scan.notes.sort();
    // A folder with its trailing `/`, as a person reads it (`~/`, not the home folder's full
    // path).
    let roots = roots_seen
        .into_iter()
        .map(|root| match root.is_dir() {
            true => root.join(""),
            false => root,
        })
        .collect();
    scan.deep = Some(Searched {
        roots,
        files: counts.files.into_inner(),
        bytes: counts.bytes.into_inner(),
        binary: counts.binary.into_inner(),
        large: counts.large.into_inner(),
        skipped: std::mem::take(&mut *lock(&skipped)),
        milliseconds: u64::try_from(started.elapsed().as_millis()).unwrap_or(u64::MAX),
    });
    scan
}

/// A lock nothing can have left broken: what it guards is only ever pushed to.
fn lock<T>(mutex: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(|e| e.into_inner())
}

fn walk(
    roots: &[PathBuf],
    skip: &Arc<Skip>,
    known: &KnownSecrets,
    kind_of: &(dyn Fn(&Path) -> Option<PlaceKind> + Sync),
    counts: &Counts,
    skipped: &Arc<Mutex<BTreeMap<String, u64>>>,
    found: &Mutex<Scan>,
) {
    let Some((first, rest)) = roots.split_first() else {
        return;
    };
    let mut builder = WalkBuilder::new(first);
    for root in rest {
        builder.add(root);
    }
    builder
        .standard_filters(false)
        .follow_links(false)
        .threads(std::thread::available_parallelism().map_or(2, |n| n.get()));
    let (skip, skipped) = (skip.clone(), skipped.clone());
    builder.filter_entry(move |entry| {
        let folder = entry.file_type().is_some_and(|t| t.is_dir()) && entry.depth() > 0;
        match folder.then(|| skip.matching(entry.path())).flatten() {
            Some(entry) => {
                if !entry.is_empty() {
                    *lock(&skipped).entry(entry.to_string()).or_default() += 1;
                }
                false
            }
            None => true,
        }
    });
    builder.build_parallel().run(|| {
        let mut buffer = read::Buffer::new(known);
        Box::new(move |entry| {
            let entry = match entry {
                Ok(entry) => entry,
                Err(error) => {
                    lock(found).notes.push(walk_note(&error));
                    return WalkState::Continue;
                }
            };
            // Links, folders, FIFOs, sockets and devices: only regular files are opened.
            if !entry.file_type().is_some_and(|t| t.is_file()) {
                return WalkState::Continue;
            }
            let path = entry.path();
            match read::look(path, known, &mut buffer, read::Limit::Skip) {
                Ok(Looked::Nothing(bytes)) => {
                    counts.files.fetch_add(1, Ordering::Relaxed);
                    counts.bytes.fetch_add(bytes, Ordering::Relaxed);
                }
                Ok(Looked::Found(what, bytes)) => {
                    counts.files.fetch_add(1, Ordering::Relaxed);
                    counts.bytes.fetch_add(bytes, Ordering::Relaxed);
                    if let Some(kind) = kind_of(path) {
                        what.into_scan(path, kind, &mut lock(found));
                    }
                }
                Ok(Looked::Binary) => {
                    counts.binary.fetch_add(1, Ordering::Relaxed);
                }
                Ok(Looked::TooLarge) => {
                    counts.large.fetch_add(1, Ordering::Relaxed);
                }
                Ok(Looked::NotAFile) => {}
                Err(None) => {}
                Err(Some(why)) => lock(found).notes.push(format!("{}: {why}", path.display())),
            }
            WalkState::Continue
        })
    });
}

/// One line for a folder or file the walk could not enter: its path and why, once.
fn walk_note(error: &ignore::Error) -> String {
    use ignore::Error;
    match error {
        Error::WithPath { path, err } => match err.as_ref() {
            Error::Io(e) => format!("{}: {}", path.display(), read::reason(e)),
            other => format!("{}: {}", path.display(), walk_note(other)),
        },
        Error::WithDepth { err, .. } | Error::WithLineNumber { err, .. } => walk_note(err),
        Error::Loop { child, .. } => format!("{}: a link loop, not followed", child.display()),
        Error::Io(e) => read::reason(e),
        other => other.to_string(),
    }
}

/// `searched 12,345 files, 1.2 GB` on stderr, redrawn while the walk goes on; only after a
/// second, so a quick scan shows nothing, and wiped at the end.
fn show_progress(counts: &Counts, stopped: std::sync::mpsc::Receiver<()>) {
    let mut wait = Duration::from_secs(1);
    let mut shown = false;
    let mut stderr = std::io::stderr();
    while let Err(std::sync::mpsc::RecvTimeoutError::Timeout) = stopped.recv_timeout(wait) {
        let files = counts.files.load(Ordering::Relaxed)
            + counts.binary.load(Ordering::Relaxed)
            + counts.large.load(Ordering::Relaxed);
        let bytes = counts.bytes.load(Ordering::Relaxed);
        // A courtesy on a terminal; the scan goes on without it.
        let _ = write!(
            stderr,
            "\r\x1b[2Ksearching: {} files, {}",
            crate::sys::count::thousands(files),
            size(bytes)
        );
        let _ = stderr.flush();
        shown = true;
        wait = Duration::from_millis(100);
    }
    if shown {
        let _ = write!(stderr, "\r\x1b[2K");
        let _ = stderr.flush();
    }
}

/// `512 KiB`, `3.4 MiB`, `1.2 GiB`.
pub fn size(bytes: u64) -> String {
    let units = [
        (1024.0 * 1024.0 * 1024.0, "GiB"),
        (1024.0 * 1024.0, "MiB"),
        (1024.0, "KiB"),
    ];
    for (unit, name) in units {
        if bytes as f64 >= unit {
            let value = bytes as f64 / unit;
            return match value < 10.0 {
                true => format!("{value:.1} {name}"),
                false => format!("{value:.0} {name}"),
            };
        }
    }
    format!("{bytes} bytes")
}

/// The 50 MB limit, as the report says it.
pub fn limit() -> String {
    size(MAX_BYTES)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn skip_entries_match_by_name_by_ending_and_under_home() {
        let entries: Vec<String> = ["node_modules", ".git/objects", "~/.cache", "/opt/data/"]
            .map(String::from)
            .to_vec();
        let homes = [PathBuf::from("/h"), PathBuf::from("/real/h")];
        let skip = Skip::new(&entries, &homes, &[PathBuf::from("/h/.aws/sso/cache")]);
        let matching = |path: &str| skip.matching(Path::new(path));
        assert_eq!(matching("/h/p/web/node_modules"), Some("node_modules"));
        assert_eq!(matching("/h/p/.git/objects"), Some(".git/objects"));
        assert_eq!(matching("/h/.cache"), Some("~/.cache"));
        assert_eq!(matching("/real/h/.cache"), Some("~/.cache"));
        assert_eq!(matching("/opt/data"), Some("/opt/data/"));
        assert_eq!(matching("/h/.aws/sso/cache"), Some(""));
        for kept in [
            "/h/p/.cache",
            "/h/p/.git",
            "/h/p/node_modules_old",
            "/h/objects",
            "/h/.aws/sso",
        ] {
            assert_eq!(matching(kept), None, "{kept}");
        }
    }

    #[test]
    fn a_folder_the_walk_cannot_enter_is_one_line_with_its_path() {
        let denied = std::io::Error::from(std::io::ErrorKind::PermissionDenied);
        let error = ignore::Error::WithDepth {
            depth: 2,
            err: Box::new(ignore::Error::WithPath {
                path: PathBuf::from("/h/locked"),
                err: Box::new(ignore::Error::Io(denied)),
            }),
        };
        assert_eq!(walk_note(&error), "/h/locked: permission denied");
        let looped = ignore::Error::Loop {
            ancestor: PathBuf::from("/h"),
            child: PathBuf::from("/h/a/back"),
        };
        assert_eq!(walk_note(&looped), "/h/a/back: a link loop, not followed");
    }

    #[test]
    fn sizes_read_as_people_read_them() {
        assert_eq!(size(512), "512 bytes");
        assert_eq!(size(3 * 1024 * 1024 + 400 * 1024), "3.4 MiB");
        assert_eq!(size(MAX_BYTES), "50 MiB");
        assert_eq!(size(1_300_000_000), "1.2 GiB");
    }
}
