//! Starts the project's IAM/STS emulator (tests/emulator/, moto with awscheck's own additions)
//! on a free loopback port for one test, and talks to its control API.
//!
//! The emulator is installed by `scripts/setup-emulator` (which `scripts/test` runs first). If
//! it is missing the test fails and says how to install it: an online test never skips.

use assert_cmd::Command as BinCommand;
use serde_json::{json, Value};
use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdin, Command, Stdio};
use std::time::Duration;
use tempfile::TempDir;

pub struct Emulator {
    child: Child,
    /// Held open: the emulator exits when its stdin closes, so a test that panics still stops it.
    _stdin: ChildStdin,
    pub url: String,
    /// The same emulator over HTTPS, with the certificate of `tests/data/tls/` (see
    /// [`Emulator::start_with_tls`]).
    pub tls_url: Option<String>,
    port: u16,
}

/// A key the emulator made, with its secret.
#[derive(Clone, Debug)]
pub struct Key {
    pub id: String,
    pub secret: String,
    pub user: String,
}

fn repo() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

pub fn python() -> PathBuf {
    repo().join("target/emulator-venv/bin/python")
}

/// The test CA that signed the emulator's HTTPS certificate.
pub fn test_ca() -> PathBuf {
    repo().join("tests/data/tls/ca.pem")
}

impl Emulator {
    pub fn start() -> Emulator {
        Emulator::launch(&[])
    }

    /// Also serving HTTPS, with a certificate only [`test_ca`] vouches for.
    pub fn start_with_tls() -> Emulator {
        let tls = repo().join("tests/data/tls");
        let (cert, key) = (tls.join("server.pem"), tls.join("server.key"));
        Emulator::launch(&["--tls", cert.to_str().unwrap(), key.to_str().unwrap()])
    }

    fn launch(extra: &[&str]) -> Emulator {
        let python = python();
        assert!(
            python.exists(),
            "the IAM/STS emulator is not installed: run `scripts/setup-emulator` (or `scripts/test`, which runs it) first"
        );
        let mut child = Command::new(&python)
            .arg(repo().join("tests/emulator/awscheck_emulator.py"))
            .args(["--host", "127.0.0.1", "--port", "0"])
            .args(extra)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .unwrap_or_else(|error| {
                panic!(
                    "cannot start the emulator with {}: {error}",
                    python.display()
                )
            });
        let stdin = child.stdin.take().unwrap();
        let mut stdout = BufReader::new(child.stdout.take().unwrap());
        let mut line = String::new();
        stdout.read_line(&mut line).expect("emulator prints READY");
        let mut urls = line
            .trim()
            .strip_prefix("READY ")
            .unwrap_or_else(|| panic!("emulator did not start: {line:?}"))
            .split_whitespace()
            .map(str::to_string);
        let url = urls.next().unwrap();
        let port = url.rsplit(':').next().unwrap().parse().unwrap();
        Emulator {
            child,
            _stdin: stdin,
            url,
            tls_url: urls.next(),
            port,
        }
    }

    /// One control call; panics with the emulator's answer when it is not a 2xx.
    pub fn control(&self, method: &str, path: &str, body: Option<Value>) -> Value {
        let body = body.map(|b| b.to_string()).unwrap_or_default();
        let mut stream = TcpStream::connect(("127.0.0.1", self.port)).unwrap();
        stream
            .set_read_timeout(Some(Duration::from_secs(10)))
            .unwrap();
        write!(
            stream,
            "{method} /_emulator/{path} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
            body.len()
        )
        .unwrap();
        let mut response = String::new();
        stream.read_to_string(&mut response).unwrap();
        let (head, payload) = response.split_once("\r\n\r\n").unwrap_or((&response, ""));
        let status: u16 = head
            .split_whitespace()
            .nth(1)
            .unwrap_or("0")
            .parse()
            .unwrap_or(0);
        assert!(
            (200..300).contains(&status),
            "{method} {path}: {head}\n{payload}"
        );
        let payload = dechunk(head, payload);
        if payload.trim().is_empty() {
            Value::Null
        } else {
            serde_json::from_str(&payload).unwrap_or(Value::Null)
        }
    }

    pub fn create_key(&self, spec: Value) -> Key {
        let answer = self.control("POST", "keys", Some(spec));
        Key {
            id: answer["access_key_id"].as_str().unwrap().to_string(),
            secret: answer["secret_access_key"].as_str().unwrap().to_string(),
            user: answer["user"].as_str().unwrap().to_string(),
        }
    }

    pub fn key(&self, key_id: &str) -> Value {
        self.control("GET", &format!("keys/{key_id}"), None)
    }

    pub fn fault(&self, spec: Value) {
        self.control("POST", "faults", Some(spec));
    }

    pub fn calls(&self) -> Vec<Value> {
        self.control("GET", "calls", None)
            .as_array()
            .cloned()
            .unwrap_or_default()
    }

    pub fn latency(&self, ms: u64) {
        self.control("POST", "latency", Some(json!({ "ms": ms })));
    }
}

impl Drop for Emulator {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Undo `Transfer-Encoding: chunked`, which some servers use for JSON answers.
fn dechunk(head: &str, payload: &str) -> String {
    if !head
        .to_ascii_lowercase()
        .contains("transfer-encoding: chunked")
    {
        return payload.to_string();
    }
    let mut out = String::new();
    let mut rest = payload;
    while let Some((size, after)) = rest.split_once("\r\n") {
        let size = usize::from_str_radix(size.trim(), 16).unwrap_or(0);
        if size == 0 {
            break;
        }
        out.push_str(&after[..size]);
        rest = after[size..].trim_start_matches("\r\n");
    }
    out
}

/// A temporary home with `~/.aws/credentials` holding `profiles` (name, key).
pub fn home_with(profiles: &[(&str, &Key)]) -> TempDir {
    let home = tempfile::tempdir().unwrap();
    let aws = home.path().join(".aws");
    std::fs::create_dir(&aws).unwrap();
    let mut text = String::new();
    for (name, key) in profiles {
        text.push_str(&format!(
            "[{name}]\naws_access_key_id = {}\naws_secret_access_key = {}\n\n",
            key.id, key.secret
        ));
    }
    std::fs::write(aws.join("credentials"), text).unwrap();
    std::fs::set_permissions(aws.join("credentials"), PermissionsExt::from_mode(0o600)).unwrap();
    std::fs::set_permissions(&aws, PermissionsExt::from_mode(0o700)).unwrap();
    home
}

pub fn awscheck(home: &Path, endpoint: &str) -> BinCommand {
    let mut command = BinCommand::cargo_bin("awscheck").unwrap();
    command
        .env_clear()
        .env("HOME", home)
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .env("AWS_ENDPOINT_URL", endpoint)
        .env("AWS_EC2_METADATA_DISABLED", "true");
    command
}

/// A user's keys as IAM holds them: (ID, status), oldest first. The ground truth, whether or
/// not any of the keys works.
pub fn user_keys(emulator: &Emulator, user: &str) -> Vec<(String, String)> {
    emulator
        .control("GET", &format!("users/{user}/keys"), None)
        .as_array()
        .cloned()
        .unwrap_or_default()
        .iter()
        .map(|key| {
            (
                key["access_key_id"].as_str().unwrap().to_string(),
                key["status"].as_str().unwrap().to_string(),
            )
        })
        .collect()
}

/// PATH with the emulator's virtualenv first, so `aws` is the AWS CLI installed there.
pub fn path_with_aws_cli() -> String {
    format!(
        "{}:{}",
        python().parent().unwrap().display(),
        std::env::var("PATH").unwrap_or_default()
    )
}

/// `aws ARGS` with the AWS CLI, signed by `key` and nothing else: what an administrator sets
/// up or looks at by hand.
pub fn aws_cli_as(emulator: &Emulator, key: &Key, args: &[&str]) -> std::process::Output {
    Command::new(python().with_file_name("aws"))
        .args(args)
        .env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .env("AWS_ENDPOINT_URL", &emulator.url)
        .env("AWS_DEFAULT_REGION", "us-east-1")
        .env("AWS_ACCESS_KEY_ID", &key.id)
        .env("AWS_SECRET_ACCESS_KEY", &key.secret)
        .output()
        .unwrap()
}

/// What the AWS CLI (an independent client, reading the files itself) says `profile` is,
/// or `None` when its credentials do not work. `files` are the environment variables naming
/// the files when they are not in `home/.aws`.
pub fn aws_cli_arn(
    home: &Path,
    emulator: &Emulator,
    profile: &str,
    files: &[(&str, &Path)],
) -> Option<String> {
    let mut command = Command::new(python().with_file_name("aws"));
    command
        .args([
            "sts",
            "get-caller-identity",
            "--profile",
            profile,
            "--output",
            "json",
        ])
        .env_clear()
        .env("HOME", home)
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .env("AWS_ENDPOINT_URL", &emulator.url)
        .env("AWS_DEFAULT_REGION", "us-east-1");
    for (variable, path) in files {
        command.env(variable, path);
    }
    let output = command.output().unwrap();
    output.status.success().then(|| {
        let document: Value = serde_json::from_slice(&output.stdout).unwrap();
        document["Arn"].as_str().unwrap().to_string()
    })
}
