//! The process environment, captured once and passed down.
//!
//! Library code never reads `std::env` itself: tests hand it a map, and the file-location
//! suite runs as pure data.

use std::collections::BTreeMap;
use std::path::PathBuf;

#[derive(Clone, Debug, Default)]
pub struct Env {
    vars: BTreeMap<String, String>,
}

impl Env {
    /// Every variable with a UTF-8 name and value. Others cannot name an AWS setting.
    pub fn from_process() -> Self {
        let vars = std::env::vars_os()
            .filter_map(|(key, value)| Some((key.into_string().ok()?, value.into_string().ok()?)))
            .collect();
        Env { vars }
    }

    pub fn from_pairs<K: Into<String>, V: Into<String>>(
        pairs: impl IntoIterator<Item = (K, V)>,
    ) -> Self {
        Env {
            vars: pairs
                .into_iter()
                .map(|(k, v)| (k.into(), v.into()))
                .collect(),
        }
    }

    /// A variable's value; set-but-empty counts as unset, as it does for the SDKs' settings.
    pub fn get(&self, key: &str) -> Option<&str> {
        self.vars
            .get(key)
            .map(String::as_str)
            .filter(|value| !value.is_empty())
    }
}

/// The home folder: `HOME` first, as the SDKs do on every non-Windows platform.
pub fn home_dir(env: &Env) -> Option<PathBuf> {
    env.get("HOME").map(PathBuf::from).or_else(dirs::home_dir)
}

/// The user's uid, for `launchctl`'s `gui/<uid>` domain and the `/run/user/<uid>` bus: the owner
/// of the running process on Linux, else the owner of the home folder.
pub fn current_uid(env: &Env) -> Option<u32> {
    use std::os::unix::fs::MetadataExt;
    std::fs::metadata("/proc/self")
        .ok()
        .or_else(|| std::fs::metadata(home_dir(env)?).ok())
        .map(|metadata| metadata.uid())
}
