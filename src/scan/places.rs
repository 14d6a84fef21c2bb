//! Where copies of keys are looked for: a fixed, documented list, never a crawl of the home
//! folder, so the audit stays instant. awscheck's own state folder is on it: its backups and
//! journal may hold a key it took off the disk.

use crate::input::locate::Locations;
use crate::sys::env::Env;
use std::path::{Path, PathBuf};

/// What kind of place a file is, for the finding's words.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PlaceKind {
    /// Another file beside the config or credentials file: a backup, an editor's leftover.
    BesideTheFiles,
    History,
    OtherTool,
    /// `.env` / `.envrc` in the current folder.
    EnvFile,
    /// Named in the settings' `[scan] extra_paths`.
    Extra,
    /// awscheck's own backups of the files and its rotation journal, in its state folder.
    OwnRecord,
    /// A temporary file of awscheck's that a killed run left in its state folder.
    OwnLeftover,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Place {
    pub path: PathBuf,
    pub kind: PlaceKind,
}

/// The folders of the AWS CLI's caches: live tokens and role credentials, never scanned for
/// keys but checked for who can read them.
pub const CACHES: [&str; 2] = ["sso/cache", "cli/cache"];

/// Every file to scan, each once; the two shared files themselves are not among them.
pub fn places(
    env: &Env,
    locations: &Locations,
    cwd: Option<&Path>,
    extra: &[PathBuf],
) -> Vec<Place> {
    let home = crate::sys::env::home_dir(env);
    let mut places = Vec::new();
    let mut add = |path: PathBuf, kind: PlaceKind| {
        if !places.iter().any(|p: &Place| p.path == path) {
            places.push(Place { path, kind });
        }
    };
    let shared = [&locations.config.path, &locations.credentials.path];
    let mut folders: Vec<PathBuf> = home.iter().map(|h| h.join(".aws")).collect();
    folders.extend(
        shared
            .iter()
            .filter_map(|p| p.parent().map(Path::to_path_buf)),
    );
    folders.dedup();
    for folder in &folders {
        for file in files_in(folder) {
            if !shared.contains(&&file) {
                add(file, PlaceKind::BesideTheFiles);
            }
        }
    }
    if let Some(home) = &home {
        let histfile = env.get("HISTFILE").map(PathBuf::from);
        for path in histfile.into_iter().chain(
            [
                ".bash_history",
                ".zsh_history",
                ".local/share/fish/fish_history",
                ".python_history",
                ".node_repl_history",
            ]
            .iter()
            .map(|name| home.join(name)),
        ) {
            add(path, PlaceKind::History);
        }
        for name in [
            ".s3cfg",
            ".boto",
            ".passwd-s3fs",
            ".config/rclone/rclone.conf",
            ".netrc",
        ] {
            add(home.join(name), PlaceKind::OtherTool);
        }
    }
    if let Some(cwd) = cwd {
        for name in [".env", ".envrc"] {
            add(cwd.join(name), PlaceKind::EnvFile);
        }
    }
    if let Some(state) = crate::sys::paths::state_dir(env) {
        let journal = state.join(crate::sys::state::ROTATION_JOURNAL_FILE);
        for file in files_in(&state)
            .into_iter()
            .chain(files_in(&state.join("backups")))
        {
            let leftover = file.file_name().is_some_and(|name| {
                name.to_string_lossy()
                    .contains(crate::sys::atomic::TEMP_MARK)
            });
            if leftover {
                add(file, PlaceKind::OwnLeftover);
            } else if file == journal || file.parent() != Some(state.as_path()) {
                add(file, PlaceKind::OwnRecord);
            }
        }
    }
    for path in extra {
        let path = match (path.strip_prefix("~"), &home) {
            (Ok(rest), Some(home)) => home.join(rest),
            _ => path.clone(),
        };
        add(path, PlaceKind::Extra);
    }
    places
}

/// The regular files in `folder`, sorted; none when it cannot be read.
fn files_in(folder: &Path) -> Vec<PathBuf> {
    let Ok(entries) = std::fs::read_dir(folder) else {
        return Vec::new();
    };
    let mut files: Vec<PathBuf> = entries
        .flatten()
        .filter(|entry| entry.file_type().is_ok_and(|t| t.is_file()))
        .map(|entry| entry.path())
        .collect();
    files.sort();
    files
}
