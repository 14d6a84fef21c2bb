//! Where the two shared files are, and which profile is selected, as the SDKs decide.
//!
//! Order for each file: the command-line flag, then `AWS_CONFIG_FILE` /
//! `AWS_SHARED_CREDENTIALS_FILE`, then `~/.aws/config` / `~/.aws/credentials`. A leading `~`
//! means the home folder, as the SDKs expand it.

use crate::parse::origin::FileKind;
use crate::sys::env::Env;
use std::path::{Path, PathBuf};

/// Why a file is looked for where it is.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Reason {
    Flag,
    Variable(&'static str),
    Default,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Location {
    pub kind: FileKind,
    pub path: PathBuf,
    pub reason: Reason,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Locations {
    pub config: Location,
    pub credentials: Location,
    /// The profile SDK clients use when none is named in code.
    pub selected_profile: String,
    /// The variable that selected it, if any.
    pub selected_by: Option<&'static str>,
    /// Set when the AWS CLI would pick another profile than the SDKs: the CLI reads the older
    /// `AWS_DEFAULT_PROFILE` first.
    pub cli_selected_profile: Option<String>,
}

/// Flag values that take precedence over the environment.
#[derive(Clone, Debug, Default)]
pub struct Overrides {
    pub config_file: Option<PathBuf>,
    pub credentials_file: Option<PathBuf>,
}

pub fn locate(env: &Env, overrides: &Overrides) -> Locations {
    let home = crate::sys::env::home_dir(env);
    let config = find(
        FileKind::Config,
        overrides.config_file.as_deref(),
        env,
        "AWS_CONFIG_FILE",
        "config",
        home.as_deref(),
    );
    let credentials = find(
        FileKind::Credentials,
        overrides.credentials_file.as_deref(),
        env,
        "AWS_SHARED_CREDENTIALS_FILE",
        "credentials",
        home.as_deref(),
    );
    let (selected_profile, selected_by) = match env.get("AWS_PROFILE") {
        Some(profile) => (profile.to_string(), Some("AWS_PROFILE")),
        None => ("default".to_string(), None),
    };
    let cli_selected_profile = env
        .get("AWS_DEFAULT_PROFILE")
        .filter(|cli| *cli != selected_profile)
        .map(str::to_string);
    Locations {
        config,
        credentials,
        selected_profile,
        selected_by,
        cli_selected_profile,
    }
}

/// The files at exactly these paths, as a resumed rotation names them. A path that is where
/// the SDKs would look by default counts as the default place; any other was given.
pub fn at(env: &Env, config: PathBuf, credentials: PathBuf) -> Locations {
    let defaults = locate(
        &Env::from_pairs(env.get("HOME").map(|h| ("HOME", h))),
        &Overrides::default(),
    );
    let mut found = locate(
        env,
        &Overrides {
            config_file: Some(config),
            credentials_file: Some(credentials),
        },
    );
    for (location, default) in [
        (&mut found.config, &defaults.config),
        (&mut found.credentials, &defaults.credentials),
    ] {
        if location.path == default.path {
            location.reason = Reason::Default;
        }
    }
    found
}

fn find(
    kind: FileKind,
    flag: Option<&Path>,
    env: &Env,
    variable: &'static str,
    file_name: &str,
    home: Option<&Path>,
) -> Location {
    let (raw, reason) = match (flag, env.get(variable)) {
        (Some(path), _) => (path.to_path_buf(), Reason::Flag),
        (None, Some(value)) => (PathBuf::from(value), Reason::Variable(variable)),
        (None, None) => (Path::new("~/.aws").join(file_name), Reason::Default),
    };
    Location {
        kind,
        path: expand_home(&raw, home),
        reason,
    }
}

fn expand_home(path: &Path, home: Option<&Path>) -> PathBuf {
    let (Some(home), Ok(rest)) = (home, path.strip_prefix("~")) else {
        return path.to_path_buf();
    };
    home.join(rest)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tilde_expands_only_as_a_whole_component() {
        let home = Some(Path::new("/home/u"));
        assert_eq!(
            expand_home(Path::new("~/x/config"), home),
            Path::new("/home/u/x/config")
        );
        assert_eq!(expand_home(Path::new("~"), home), Path::new("/home/u"));
        assert_eq!(
            expand_home(Path::new("~bob/config"), home),
            Path::new("~bob/config")
        );
        assert_eq!(
            expand_home(Path::new("/etc/aws"), home),
            Path::new("/etc/aws")
        );
    }

    #[test]
    fn flags_beat_variables() {
        let env = Env::from_pairs([("HOME", "/h"), ("AWS_CONFIG_FILE", "/env/config")]);
        let overrides = Overrides {
            config_file: Some("/flag/config".into()),
            credentials_file: None,
        };
        let found = locate(&env, &overrides);
        assert_eq!(found.config.path, Path::new("/flag/config"));
        assert_eq!(found.credentials.path, Path::new("/h/.aws/credentials"));
    }

    #[test]
    fn cli_profile_variable_is_noted_when_it_differs() {
        let env = Env::from_pairs([
            ("HOME", "/h"),
            ("AWS_PROFILE", "a"),
            ("AWS_DEFAULT_PROFILE", "b"),
        ]);
        let found = locate(&env, &Overrides::default());
        assert_eq!(found.selected_profile, "a");
        assert_eq!(found.cli_selected_profile.as_deref(), Some("b"));
    }
}
