//! awscheck's own folders: where it keeps its settings and its state.
//!
//! Worked out from the captured environment (not from the process directly) so tests can give
//! every run a temporary HOME. `AWSCHECK_STATE_DIR` moves the state folder.

use crate::sys::env::home_dir;
use crate::sys::env::Env;
use std::path::PathBuf;

const APP: &str = "awscheck";

/// `$XDG_STATE_HOME/awscheck`, else `~/.local/state/awscheck` (on macOS
/// `~/Library/Application Support/awscheck`).
pub fn state_dir(env: &Env) -> Option<PathBuf> {
    if let Some(dir) = env.get("AWSCHECK_STATE_DIR") {
        return Some(PathBuf::from(dir));
    }
    if let Some(dir) = env.get("XDG_STATE_HOME") {
        return Some(PathBuf::from(dir).join(APP));
    }
    let home = home_dir(env)?;
    Some(if cfg!(target_os = "macos") {
        home.join("Library/Application Support").join(APP)
    } else {
        home.join(".local/state").join(APP)
    })
}

/// `$XDG_CONFIG_HOME/awscheck/settings.toml`, else `~/.config/awscheck/settings.toml`.
pub fn settings_file(env: &Env) -> Option<PathBuf> {
    let dir = match env.get("XDG_CONFIG_HOME") {
        Some(dir) => PathBuf::from(dir),
        None => home_dir(env)?.join(".config"),
    };
    Some(dir.join(APP).join("settings.toml"))
}
