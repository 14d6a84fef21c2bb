//! The scan for copies of keys outside the two files, through the binary: a home folder with
//! every kind of place, secrets planted in each, and every output format checked for them.

use crate::support::{
    assert_no_secret, long_term_key_id, masked, run, secret_key, session_key_id, session_token,
    Home,
};
use std::os::unix::fs::PermissionsExt;

struct Planted {
    home: Home,
    secrets: Vec<String>,
    dev: String,
}

fn planted_home() -> Planted {
    let home = Home::new();
    let (dev, dev_secret) = (long_term_key_id("dev"), secret_key("dev"));
    let (stray, stray_secret) = (long_term_key_id("stray"), secret_key("stray"));
    let (session, session_secret, token) = (
        session_key_id("sso"),
        secret_key("sso"),
        session_token("sso"),
    );
    home.credentials(&format!(
        "[dev]\naws_access_key_id = {dev}\naws_secret_access_key = {dev_secret}\n"
    ));
    // zsh extended history, with a metafied byte (0x83, then the byte XOR 0x20) on the way.
    let mut zsh = b": 1700000000:0;echo caf\x83\xc9\n: 1700000001:0;ls\n".to_vec();
    zsh.extend_from_slice(
        format!(
            ": 1700000002:0;export AWS_ACCESS_KEY_ID={dev}\n: 1700000003:0;export AWS_SECRET_ACCESS_KEY={dev_secret}\n"
        )
        .as_bytes(),
    );
    home.write(".zsh_history", zsh);
    home.write(
        ".local/share/fish/fish_history",
        format!("- cmd: aws sts get-caller-identity\n  when: 1700000000\n- cmd: set -x AWS_ACCESS_KEY_ID {dev}\n  when: 1700000001\n"),
    );
    home.write(
        ".envrc",
        format!(
            "export AWS_ACCESS_KEY_ID={session}\nexport AWS_SECRET_ACCESS_KEY={session_secret}\nexport AWS_SESSION_TOKEN={token}\n"
        ),
    );
    home.write(
        ".aws/credentials~",
        format!("[dev]\naws_access_key_id = {dev}\n"),
    );
    home.write(".passwd-s3fs", format!("{stray}:{stray_secret}\n"));
    let token_file = home.write(
        ".aws/sso/cache/0123abcd.json",
        format!("{{\"accessToken\": \"{token}\", \"expiresAt\": \"2026-12-02T00:00:00Z\"}}"),
    );
    std::fs::set_permissions(&token_file, PermissionsExt::from_mode(0o644)).unwrap();
    for (folder, mode) in [
        (".", 0o755),
        (".aws", 0o755),
        (".aws/sso", 0o755),
        (".aws/sso/cache", 0o755),
    ] {
        std::fs::set_permissions(home.join(folder), PermissionsExt::from_mode(mode)).unwrap();
    }
    Planted {
        secrets: vec![dev_secret, stray_secret, session_secret, token],
        dev,
        home,
    }
}

#[test]
fn copies_are_found_in_every_kind_of_place_and_no_secret_is_printed() {
    let planted = planted_home();
    let home = &planted.home;
    let json = run(home.cmd().args(["audit", "--offline", "--format", "json"])).expect_code(1);
    let document = json.json();
    let findings = document["findings"].as_array().unwrap();
    let at = |slug: &str| -> Vec<(String, u64, String)> {
        findings
            .iter()
            .filter(|f| f["slug"] == slug)
            .map(|f| {
                let file = f["file"].as_str().unwrap_or_default();
                let name = file
                    .strip_prefix(home.path().to_str().unwrap())
                    .unwrap_or(file);
                (
                    name.to_string(),
                    f["line"].as_u64().unwrap_or(0),
                    f["severity"].as_str().unwrap().to_string(),
                )
            })
            .collect()
    };
    let mut copies = at("key-copied-outside-credentials");
    copies.sort();
    assert_eq!(
        copies,
        [
            ("/.aws/credentials~".to_string(), 2, "medium".to_string()),
            // A session key nobody here holds, with its secret: somebody's live key.
            ("/.envrc".to_string(), 1, "medium".to_string()),
            (
                "/.local/share/fish/fish_history".to_string(),
                3,
                "medium".to_string()
            ),
            ("/.passwd-s3fs".to_string(), 1, "medium".to_string()),
            ("/.zsh_history".to_string(), 3, "high".to_string()),
        ],
        "{}",
        json.stdout
    );
    assert_eq!(
        at("credential-cache-exposed"),
        [("/.aws/sso/cache".to_string(), 0, "high".to_string())]
    );

    for format in ["table", "json", "sarif"] {
        let out = run(home
            .cmd()
            .args(["audit", "--offline", "--format", format])
            .env("COLUMNS", "200"));
        let all = format!("{}{}", out.stdout, out.stderr);
        for secret in &planted.secrets {
            assert_no_secret(&all, secret, format);
        }
        assert!(!all.contains(&planted.dev), "{format}: full key ID printed");
        assert!(all.contains(&masked(&planted.dev)), "{format}");
        for line in [": 1700000002:0;", "set -x AWS_ACCESS_KEY_ID", "accessToken"] {
            assert!(
                !all.contains(line),
                "{format}: a line of a scanned file was printed"
            );
        }
    }
}

#[test]
fn no_scan_and_the_settings_turn_it_all_off() {
    let planted = planted_home();
    let home = &planted.home;
    let off = run(home
        .cmd()
        .args(["audit", "--offline", "--format", "json", "--no-scan"]));
    assert!(!off.stdout.contains("key-copied-outside-credentials"));
    assert!(!off.stdout.contains("credential-cache-exposed"));
    home.write(
        ".config/awscheck/settings.toml",
        "[scan]\nenabled = false\n",
    );
    let off = run(home.cmd().args(["audit", "--offline", "--format", "json"]));
    assert!(
        !off.stdout.contains("key-copied-outside-credentials"),
        "{}",
        off.stdout
    );
}

#[test]
fn odd_places_are_skipped_or_noted_never_fatal() {
    let home = Home::new();
    let dev = long_term_key_id("dev");
    home.credentials(&format!(
        "[dev]\naws_access_key_id = {dev}\naws_secret_access_key = {}\n",
        secret_key("dev")
    ));
    // A FIFO where the bash history would be: never opened, so nothing hangs.
    let fifo = home.join(".bash_history");
    assert!(std::process::Command::new("mkfifo")
        .arg(&fifo)
        .status()
        .unwrap()
        .success());
    // A history file that is a folder, and a symlink loop.
    std::fs::create_dir_all(home.join(".python_history")).unwrap();
    std::os::unix::fs::symlink(home.join(".boto"), home.join(".boto")).unwrap();
    // A large history with no key in it.
    let line = ": 1700000000:0;git status && cargo test --workspace --all-features\n";
    home.write(".zsh_history", line.repeat(50 * 1024 * 1024 / line.len()));
    let out = run(home.cmd().args(["audit", "--offline", "--format", "json"])).expect_code(0);
    assert!(!out.stdout.contains("key-copied-outside-credentials"));
    assert!(
        out.stderr.contains(".boto"),
        "the loop is one note: {}",
        out.stderr
    );
}
