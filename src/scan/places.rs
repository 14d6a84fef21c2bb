//! Where copies of keys are looked for: a fixed, documented list, never a crawl of the home
//! folder, so the audit stays instant (`audit --deep` and `scan` walk the tree, see
//! [`super::deep`]). awscheck's own state folder is on it: its backups and journal may hold a
//! key it took off the disk.

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
    /// `*.tf` in the current folder: a provider block with `access_key`.
    TerraformConfig,
    /// `*.tfvars` in the current folder.
    TerraformVariables,
    /// `~/.m2/settings.xml`: a server's password, as the Maven S3 wagons take keys.
    MavenSettings,
    /// `~/.gradle/gradle.properties`.
    GradleProperties,
    /// A kubeconfig user's `exec.env`, which EKS's `aws eks get-token` reads.
    Kubeconfig,
    /// VS Code's `settings.json`.
    VsCodeSettings,
    /// The JetBrains IDEs' AWS Toolkit settings.
    JetBrainsSettings,
    /// `~/.docker/config.json`.
    DockerConfig,
    /// `*.ipynb` in the current folder: a cell's source and its saved output.
    Notebook,
    /// Any other file, found by the deep scan.
    Found,
}

impl PlaceKind {
    /// What the place is, in the finding's words.
    pub fn name(self) -> &'static str {
        match self {
            PlaceKind::BesideTheFiles => "beside the AWS files",
            PlaceKind::History => "history",
            PlaceKind::OtherTool => "another tool's credentials",
            PlaceKind::EnvFile => "env file",
            PlaceKind::Extra => "named in the settings",
            PlaceKind::OwnRecord => "awscheck's records",
            PlaceKind::OwnLeftover => "awscheck's leftover",
            PlaceKind::TerraformConfig => "Terraform configuration",
            PlaceKind::TerraformVariables => "Terraform variables",
            PlaceKind::MavenSettings => "Maven settings",
            PlaceKind::GradleProperties => "Gradle properties",
            PlaceKind::Kubeconfig => "kubeconfig exec env",
            PlaceKind::VsCodeSettings => "VS Code settings",
            PlaceKind::JetBrainsSettings => "JetBrains AWS settings",
            PlaceKind::DockerConfig => "Docker config",
            PlaceKind::Notebook => "Jupyter notebook",
            PlaceKind::Found => "file",
        }
    }

    /// The kind of a file in awscheck's own state folder: a temporary file a stopped run
    /// left, or one of its records.
    pub fn of_own(path: &Path) -> PlaceKind {
        let leftover = path.file_name().is_some_and(|name| {
            name.to_string_lossy()
                .contains(crate::sys::atomic::TEMP_MARK)
        });
        match leftover {
            true => PlaceKind::OwnLeftover,
            false => PlaceKind::OwnRecord,
        }
    }

    /// The kind of a file by its name alone, for one the deep scan found anywhere: the kinds
    /// of the fixed list that a name tells, else [`PlaceKind::Found`].
    pub fn of_name(path: &Path) -> PlaceKind {
        let name = path
            .file_name()
            .map(|n| n.to_string_lossy())
            .unwrap_or_default();
        let parent = path
            .parent()
            .and_then(Path::file_name)
            .map(|n| n.to_string_lossy())
            .unwrap_or_default();
        let has = |part: &str| path.components().any(|c| c.as_os_str() == part);
        match (name.as_ref(), parent.as_ref()) {
            (n, _) if n.ends_with(".tfvars") || n.ends_with(".tfvars.json") => {
                PlaceKind::TerraformVariables
            }
            (n, _) if n.ends_with(".tf") || n.ends_with(".tf.json") => PlaceKind::TerraformConfig,
            (n, _) if n.ends_with(".ipynb") => PlaceKind::Notebook,
            (".env" | ".envrc", _) => PlaceKind::EnvFile,
            (n, _) if n.starts_with(".env.") => PlaceKind::EnvFile,
            ("settings.xml", ".m2") => PlaceKind::MavenSettings,
            ("gradle.properties", _) => PlaceKind::GradleProperties,
            ("config", ".kube") => PlaceKind::Kubeconfig,
            ("config.json", ".docker") => PlaceKind::DockerConfig,
            ("settings.json", "User") if has("Code") => PlaceKind::VsCodeSettings,
            (n, "options") if n.starts_with("aws") && has("JetBrains") => {
                PlaceKind::JetBrainsSettings
            }
            (n, _) if HISTORIES.iter().any(|h| last_part(h) == n) => PlaceKind::History,
            (n, _) if OTHER_TOOLS.iter().any(|t| last_part(t) == n) => PlaceKind::OtherTool,
            _ => PlaceKind::Found,
        }
    }
}

fn last_part(path: &str) -> &str {
    path.rsplit('/').next().unwrap_or(path)
}

/// Shell and REPL histories under the home folder.
const HISTORIES: [&str; 5] = [
    ".bash_history",
    ".zsh_history",
    ".local/share/fish/fish_history",
    ".python_history",
    ".node_repl_history",
];

/// Other tools' credential files under the home folder.
const OTHER_TOOLS: [&str; 5] = [
    ".s3cfg",
    ".boto",
    ".passwd-s3fs",
    ".config/rclone/rclone.conf",
    ".netrc",
];

/// Other tools' settings under the home folder that take AWS keys.
const TOOL_SETTINGS: [(&str, PlaceKind); 6] = [
    (".m2/settings.xml", PlaceKind::MavenSettings),
    (".gradle/gradle.properties", PlaceKind::GradleProperties),
    (".kube/config", PlaceKind::Kubeconfig),
    (".docker/config.json", PlaceKind::DockerConfig),
    (".config/Code/User/settings.json", PlaceKind::VsCodeSettings),
    (
        "Library/Application Support/Code/User/settings.json",
        PlaceKind::VsCodeSettings,
    ),
];

/// Where the JetBrains IDEs keep their settings, one folder per IDE and version.
const JETBRAINS: [&str; 2] = [".config/JetBrains", "Library/Application Support/JetBrains"];

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
        for path in histfile
            .into_iter()
            .chain(HISTORIES.iter().map(|name| home.join(name)))
        {
            add(path, PlaceKind::History);
        }
        for name in OTHER_TOOLS {
            add(home.join(name), PlaceKind::OtherTool);
        }
        for (name, kind) in TOOL_SETTINGS {
            add(home.join(name), kind);
        }
        // `KUBECONFIG` names the kubeconfigs kubectl reads, `:`-separated.
        for path in env.get("KUBECONFIG").iter().flat_map(|v| v.split(':')) {
            if !path.is_empty() {
                add(PathBuf::from(path), PlaceKind::Kubeconfig);
            }
        }
        for folder in JETBRAINS {
            for ide in folders_in(&home.join(folder)) {
                for file in files_in(&ide.join("options")) {
                    let aws = file
                        .file_name()
                        .is_some_and(|n| n.to_string_lossy().starts_with("aws"));
                    if aws {
                        add(file, PlaceKind::JetBrainsSettings);
                    }
                }
            }
        }
    }
    if let Some(cwd) = cwd {
        for name in [".env", ".envrc"] {
            add(cwd.join(name), PlaceKind::EnvFile);
        }
        // The project folder's Terraform and notebooks: the folder itself only, never deeper,
        // so the audit stays instant in a large tree.
        for file in files_in(cwd) {
            let kind = PlaceKind::of_name(&file);
            if matches!(
                kind,
                PlaceKind::TerraformConfig | PlaceKind::TerraformVariables | PlaceKind::Notebook
            ) {
                add(file, kind);
            }
        }
    }
    if let Some(state) = crate::sys::paths::state_dir(env) {
        let journal = state.join(crate::sys::state::ROTATION_JOURNAL_FILE);
        for file in files_in(&state)
            .into_iter()
            .chain(files_in(&state.join("backups")))
        {
            let kind = PlaceKind::of_own(&file);
            if kind == PlaceKind::OwnLeftover
                || file == journal
                || file.parent() != Some(state.as_path())
            {
                add(file, kind);
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
    entries_in(folder, |t| t.is_file())
}

/// The folders in `folder` (not links to one), sorted.
fn folders_in(folder: &Path) -> Vec<PathBuf> {
    entries_in(folder, |t| t.is_dir())
}

fn entries_in(folder: &Path, wanted: fn(&std::fs::FileType) -> bool) -> Vec<PathBuf> {
    let Ok(entries) = std::fs::read_dir(folder) else {
        return Vec::new();
    };
    let mut found: Vec<PathBuf> = entries
        .flatten()
        .filter(|entry| entry.file_type().is_ok_and(|t| wanted(&t)))
        .map(|entry| entry.path())
        .collect();
    found.sort();
    found
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_fixed_list_has_other_tools_settings_and_the_project_folders_files() {
        let home = tempfile::tempdir().unwrap();
        let project = home.path().join("proj");
        for file in [
            "proj/main.tf",
            "proj/prod.tfvars",
            "proj/explore.ipynb",
            "proj/README.md",
            "proj/modules/vpc/main.tf",
            ".config/JetBrains/GoLand2024.2/options/aws.xml",
            ".config/JetBrains/GoLand2024.2/options/editor.xml",
        ] {
            let path = home.path().join(file);
            std::fs::create_dir_all(path.parent().unwrap()).unwrap();
            std::fs::write(path, "").unwrap();
        }
        let h = home.path().to_str().unwrap();
        let env = Env::from_pairs([("HOME", h), ("KUBECONFIG", "/k/a.yaml::/k/b.yaml")]);
        let locations = crate::input::locate::locate(&env, &Default::default());
        let places = places(&env, &locations, Some(&project), &[]);
        let kind_of = |path: &Path| places.iter().find(|p| p.path == path).map(|p| p.kind);
        let at = |rel: &str| home.path().join(rel);
        for (path, kind) in [
            (at("proj/main.tf"), PlaceKind::TerraformConfig),
            (at("proj/prod.tfvars"), PlaceKind::TerraformVariables),
            (at("proj/explore.ipynb"), PlaceKind::Notebook),
            (at(".m2/settings.xml"), PlaceKind::MavenSettings),
            (at(".gradle/gradle.properties"), PlaceKind::GradleProperties),
            (at(".kube/config"), PlaceKind::Kubeconfig),
            (PathBuf::from("/k/a.yaml"), PlaceKind::Kubeconfig),
            (PathBuf::from("/k/b.yaml"), PlaceKind::Kubeconfig),
            (at(".docker/config.json"), PlaceKind::DockerConfig),
            (
                at(".config/Code/User/settings.json"),
                PlaceKind::VsCodeSettings,
            ),
            (
                at(".config/JetBrains/GoLand2024.2/options/aws.xml"),
                PlaceKind::JetBrainsSettings,
            ),
        ] {
            assert_eq!(kind_of(&path), Some(kind), "{}", path.display());
        }
        // The project folder itself only, and only the kinds that are listed.
        for path in [
            at("proj/README.md"),
            at("proj/modules/vpc/main.tf"),
            at(".config/JetBrains/GoLand2024.2/options/editor.xml"),
        ] {
            assert_eq!(kind_of(&path), None, "{}", path.display());
        }
        assert!(!places.iter().any(|p| p.path.as_os_str().is_empty()));
    }

    #[test]
    fn a_file_found_anywhere_is_named_by_its_kind() {
        let kind = |path: &str| PlaceKind::of_name(Path::new(path));
        assert_eq!(kind("/h/p/main.tf"), PlaceKind::TerraformConfig);
        assert_eq!(kind("/h/p/prod.auto.tfvars"), PlaceKind::TerraformVariables);
        assert_eq!(kind("/h/p/x.tfvars.json"), PlaceKind::TerraformVariables);
        assert_eq!(kind("/h/n/Untitled.ipynb"), PlaceKind::Notebook);
        assert_eq!(kind("/h/p/.env.local"), PlaceKind::EnvFile);
        assert_eq!(kind("/h/.m2/settings.xml"), PlaceKind::MavenSettings);
        assert_eq!(kind("/h/p/settings.xml"), PlaceKind::Found);
        assert_eq!(kind("/h/p/gradle.properties"), PlaceKind::GradleProperties);
        assert_eq!(kind("/h/.kube/config"), PlaceKind::Kubeconfig);
        assert_eq!(kind("/h/.docker/config.json"), PlaceKind::DockerConfig);
        assert_eq!(
            kind("/h/.config/Code/User/settings.json"),
            PlaceKind::VsCodeSettings
        );
        assert_eq!(
            kind("/h/.config/JetBrains/PyCharm2024.1/options/aws.xml"),
            PlaceKind::JetBrainsSettings
        );
        assert_eq!(kind("/h/old/.zsh_history"), PlaceKind::History);
        assert_eq!(kind("/h/old/fish_history"), PlaceKind::History);
        assert_eq!(kind("/h/old/history"), PlaceKind::Found);
        assert_eq!(kind("/h/old/rclone.conf"), PlaceKind::OtherTool);
        assert_eq!(kind("/h/p/notes.txt"), PlaceKind::Found);
    }
}
