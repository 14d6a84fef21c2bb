//! Shared helpers for the `cli_*` suites: a temporary HOME, the real binary run in a clean
//! environment, snapshots of the whole HOME tree, and obviously fake credentials.
//!
//! Every run clears the environment and sets only HOME and PATH (plus what a test adds), so the
//! developer's own ~/.aws and AWS_* variables never reach the binary.

use assert_cmd::Command;
use std::collections::BTreeMap;
use std::fs;
use std::os::unix::fs::{symlink, PermissionsExt};
use std::path::{Path, PathBuf};
use tempfile::TempDir;

/// A temporary home folder for one test.
pub struct Home {
    dir: TempDir,
}

impl Default for Home {
    fn default() -> Self {
        Home::new()
    }
}

impl Home {
    pub fn new() -> Self {
        let dir = tempfile::Builder::new()
            .prefix("awscheck-cli-")
            .tempdir()
            .expect("create temporary HOME");
        fs::set_permissions(dir.path(), fs::Permissions::from_mode(0o700)).unwrap();
        Home { dir }
    }

    pub fn path(&self) -> &Path {
        self.dir.path()
    }

    /// `$HOME/rel`.
    pub fn join(&self, rel: &str) -> PathBuf {
        self.path().join(rel)
    }

    pub fn aws_dir(&self) -> PathBuf {
        self.join(".aws")
    }

    pub fn config_path(&self) -> PathBuf {
        self.join(".aws/config")
    }

    pub fn credentials_path(&self) -> PathBuf {
        self.join(".aws/credentials")
    }

    pub fn state_dir(&self) -> PathBuf {
        self.join(".local/state/awscheck")
    }

    /// Write `$HOME/rel` with mode 0600, creating parent folders. A `.aws` folder gets 0700, as
    /// `aws configure` leaves it, so tests see no permission findings unless they want them.
    pub fn write(&self, rel: &str, contents: impl AsRef<[u8]>) -> PathBuf {
        let path = self.join(rel);
        let parent = path.parent().unwrap();
        fs::create_dir_all(parent).unwrap();
        let mut dir = parent;
        while dir.starts_with(self.path()) && dir != self.path() {
            if dir.file_name().is_some_and(|name| name == ".aws") {
                fs::set_permissions(dir, fs::Permissions::from_mode(0o700)).unwrap();
            }
            dir = dir.parent().unwrap();
        }
        fs::write(&path, contents).unwrap();
        fs::set_permissions(&path, fs::Permissions::from_mode(0o600)).unwrap();
        path
    }

    pub fn config(&self, text: &str) -> PathBuf {
        self.write(".aws/config", text)
    }

    pub fn credentials(&self, text: &str) -> PathBuf {
        self.write(".aws/credentials", text)
    }

    /// An empty `$HOME/.aws` with mode 0700.
    pub fn make_aws_dir(&self) -> PathBuf {
        let dir = self.aws_dir();
        fs::create_dir_all(&dir).unwrap();
        fs::set_permissions(&dir, fs::Permissions::from_mode(0o700)).unwrap();
        dir
    }

    /// A symlink at `$HOME/rel` pointing at `target` (taken literally).
    pub fn symlink(&self, target: &str, rel: &str) -> PathBuf {
        let path = self.join(rel);
        fs::create_dir_all(path.parent().unwrap()).unwrap();
        symlink(target, &path).unwrap();
        path
    }

    /// The real binary with a clean environment: HOME and PATH only, working in HOME.
    pub fn cmd(&self) -> Command {
        let mut cmd = Command::cargo_bin("awscheck").expect("awscheck binary is built");
        cmd.env_clear()
            .env("HOME", self.path())
            .env("PATH", std::env::var_os("PATH").unwrap_or_default())
            .current_dir(self.path())
            .timeout(std::time::Duration::from_secs(60));
        cmd
    }

    pub fn snapshot(&self) -> Snapshot {
        Snapshot::take(self.path())
    }
}

/// One filesystem entry, as a snapshot records it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Entry {
    File {
        mode: u32,
        /// `None` when the file cannot be read (mode 000 without root).
        bytes: Option<Vec<u8>>,
    },
    Dir {
        mode: u32,
    },
    Symlink {
        target: PathBuf,
    },
    Other {
        mode: u32,
    },
}

/// Every path under a root (the root included), with type, mode and content. Symlinks are
/// recorded, never followed.
#[derive(Clone, PartialEq, Eq)]
pub struct Snapshot(pub BTreeMap<PathBuf, Entry>);

impl Snapshot {
    pub fn take(root: &Path) -> Snapshot {
        let mut entries = BTreeMap::new();
        walk(root, root, &mut entries);
        Snapshot(entries)
    }

    pub fn paths(&self) -> Vec<&Path> {
        self.0.keys().map(PathBuf::as_path).collect()
    }
}

impl std::fmt::Debug for Snapshot {
    /// Paths and kinds only: an 11 MB file must not flood the failure message.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let mut list = f.debug_map();
        for (path, entry) in &self.0 {
            let summary = match entry {
                Entry::File { mode, bytes } => format!(
                    "file {mode:o}, {} bytes",
                    bytes
                        .as_ref()
                        .map_or("unreadable".to_string(), |b| b.len().to_string())
                ),
                Entry::Dir { mode } => format!("dir {mode:o}"),
                Entry::Symlink { target } => format!("symlink -> {}", target.display()),
                Entry::Other { mode } => format!("other {mode:o}"),
            };
            list.entry(path, &summary);
        }
        list.finish()
    }
}

fn walk(root: &Path, path: &Path, entries: &mut BTreeMap<PathBuf, Entry>) {
    let metadata = fs::symlink_metadata(path).unwrap();
    let mode = metadata.permissions().mode() & 0o7777;
    let rel = path.strip_prefix(root).unwrap().to_path_buf();
    let file_type = metadata.file_type();
    let entry = if file_type.is_symlink() {
        Entry::Symlink {
            target: fs::read_link(path).unwrap(),
        }
    } else if file_type.is_dir() {
        let mut children: Vec<PathBuf> = fs::read_dir(path)
            .unwrap()
            .map(|child| child.unwrap().path())
            .collect();
        children.sort();
        for child in children {
            walk(root, &child, entries);
        }
        Entry::Dir { mode }
    } else if file_type.is_file() {
        Entry::File {
            mode,
            bytes: fs::read(path).ok(),
        }
    } else {
        Entry::Other { mode }
    };
    entries.insert(rel, entry);
}

/// What one run of the binary produced.
#[derive(Debug)]
pub struct Run {
    pub code: Option<i32>,
    pub stdout: String,
    pub stderr: String,
}

impl Run {
    pub fn json(&self) -> serde_json::Value {
        serde_json::from_str(&self.stdout)
            .unwrap_or_else(|error| panic!("stdout is not JSON ({error}):\n{}", self.stdout))
    }

    /// Fails unless the run exited with `code` and did not panic.
    pub fn expect_code(self, code: i32) -> Run {
        assert!(
            !self.stderr.contains("panicked"),
            "awscheck panicked:\n{}",
            self.stderr
        );
        assert_eq!(
            self.code,
            Some(code),
            "expected exit {code}\nstdout:\n{}\nstderr:\n{}",
            self.stdout,
            self.stderr
        );
        self
    }

    pub fn stderr_lines(&self) -> Vec<&str> {
        self.stderr.lines().collect()
    }
}

pub fn run(cmd: &mut Command) -> Run {
    let output = cmd.output().expect("run awscheck");
    Run {
        code: output.status.code(),
        stdout: String::from_utf8(output.stdout).expect("stdout is UTF-8"),
        stderr: String::from_utf8(output.stderr).expect("stderr is UTF-8"),
    }
}

/// Run `cmd` against `home` and hold it to the contract for bad input: exit 2, nothing on
/// stdout, exactly one line on stderr, `awscheck: error: ` followed by `expected` (which
/// starts with the path, and the line where there is one), no panic, and the whole HOME tree
/// byte for byte and mode for mode as it was. Returns the message after `awscheck: error: `.
pub fn assert_input_error(home: &Home, cmd: &mut Command, expected: &str) -> String {
    let before = home.snapshot();
    let result = run(cmd).expect_code(2);
    let after = home.snapshot();
    assert!(
        before == after,
        "a failed run changed HOME\nbefore: {before:?}\nafter: {after:?}"
    );
    assert_eq!(
        result.stdout, "",
        "nothing belongs on stdout after an error"
    );
    let lines = result.stderr_lines();
    assert_eq!(
        lines.len(),
        1,
        "expected exactly one line on stderr, got:\n{}",
        result.stderr
    );
    let message = lines[0]
        .strip_prefix("awscheck: error: ")
        .unwrap_or_else(|| {
            panic!(
                "stderr does not start with `awscheck: error: `: {}",
                lines[0]
            )
        });
    assert!(
        message.starts_with(expected),
        "error line does not start with {expected:?}:\n{}",
        lines[0]
    );
    message.to_string()
}

/// Deterministic fake values: the same label always gives the same value, and no two labels
/// share a long substring with each other or with awscheck's own text.
fn fake(label: &str, alphabet: &[u8], len: usize) -> String {
    // FNV-1a for the seed, xorshift64* for the stream.
    let mut state: u64 = 0xcbf2_9ce4_8422_2325;
    for byte in label.bytes() {
        state ^= u64::from(byte);
        state = state.wrapping_mul(0x0100_0000_01b3);
    }
    (0..len)
        .map(|_| {
            state ^= state >> 12;
            state ^= state << 25;
            state ^= state >> 27;
            let value = state.wrapping_mul(0x2545_f491_4f6c_dd1d);
            alphabet[(value >> 33) as usize % alphabet.len()] as char
        })
        .collect()
}

const BASE32: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
const BASE64: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

/// A long-term access key ID: `AKIA` and 16 upper-case letters and digits.
pub fn long_term_key_id(label: &str) -> String {
    format!("AKIA{}", fake(label, BASE32, 16))
}

/// A temporary access key ID: `ASIA` and 16 upper-case letters and digits.
pub fn session_key_id(label: &str) -> String {
    format!("ASIA{}", fake(label, BASE32, 16))
}

/// A 40-character secret access key.
pub fn secret_key(label: &str) -> String {
    fake(&format!("secret {label}"), BASE64, 40)
}

/// A session token shaped like STS's: `IQoJb3JpZ2luX2Vj` then a few hundred base64 characters.
pub fn session_token(label: &str) -> String {
    format!(
        "IQoJb3JpZ2luX2Vj{}==",
        fake(&format!("token {label}"), BASE64, 600)
    )
}

/// `AKIAQ3EGTJ7XWZ5LN2PD` -> `AKIA…N2PD`, as awscheck masks key IDs.
pub fn masked(key_id: &str) -> String {
    format!("{}…{}", &key_id[..4], &key_id[key_id.len() - 4..])
}

/// Fails if `secret`, or any 12-character piece of it, occurs in `text`. Pieces catch a value
/// that a table wrapped across lines.
pub fn assert_no_secret(text: &str, secret: &str, context: &str) {
    assert!(
        !text.contains(secret),
        "{context}: a secret value appears in the output:\n{text}"
    );
    let chars: Vec<char> = secret.chars().collect();
    const PIECE: usize = 12;
    let mut start = 0;
    while start + PIECE <= chars.len() {
        let piece: String = chars[start..start + PIECE].iter().collect();
        assert!(
            !text.contains(&piece),
            "{context}: part of a secret value ({piece}) appears in the output:\n{text}"
        );
        start += PIECE / 2;
    }
}

/// Any ANSI escape sequence.
pub fn has_ansi(text: &str) -> bool {
    text.contains('\u{1b}')
}

/// The repository's rule files (`rules/*.toml`), by slug.
pub fn rule_slugs() -> Vec<String> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("rules");
    let mut slugs: Vec<String> = fs::read_dir(dir)
        .unwrap()
        .map(|entry| entry.unwrap().path())
        .filter(|path| path.extension().is_some_and(|ext| ext == "toml"))
        .map(|path| path.file_stem().unwrap().to_str().unwrap().to_string())
        .collect();
    slugs.sort();
    slugs
}

/// The findings array of an `audit --format json` document.
pub fn findings(document: &serde_json::Value) -> &Vec<serde_json::Value> {
    document["findings"]
        .as_array()
        .expect("findings is an array")
}

/// `(rule_id, profile)` of every finding, profile `None` for machine-wide ones.
pub fn finding_keys(document: &serde_json::Value) -> Vec<(String, Option<String>)> {
    findings(document)
        .iter()
        .map(|finding| {
            (
                finding["rule_id"].as_str().unwrap().to_string(),
                finding["profile"].as_str().map(str::to_string),
            )
        })
        .collect()
}

pub fn has_rule(document: &serde_json::Value, rule_id: &str) -> bool {
    findings(document)
        .iter()
        .any(|finding| finding["rule_id"] == rule_id)
}
