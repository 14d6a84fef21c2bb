//! Secrets never leave the files: no secret access key and no session token in any output
//! format of any command, nor in awscheck's state folder. Access key IDs are masked
//! (`AKIA…XXXX`) unless `--show-key-ids` asks for them in full.

use crate::support::{
    assert_no_secret, long_term_key_id, masked, run, secret_key, session_key_id, session_token,
    Home,
};
use std::fs;

/// Every credential in the setup, by where it lives.
struct Credentials {
    default_key: String,
    dev_key: String,
    temp_key: String,
    config_key: String,
    env_key: String,
    secrets: Vec<String>,
    tokens: Vec<String>,
}

impl Credentials {
    fn new() -> Self {
        Credentials {
            default_key: long_term_key_id("secrets default"),
            dev_key: long_term_key_id("secrets dev"),
            temp_key: session_key_id("secrets temp"),
            config_key: long_term_key_id("secrets legacy-build"),
            env_key: session_key_id("secrets env"),
            secrets: [
                "default",
                "dev",
                "temp",
                "legacy-build",
                "broken",
                "env",
                "sub-block",
                "process",
            ]
            .iter()
            .map(|label| secret_key(&format!("secrets {label}")))
            .collect(),
            tokens: ["temp", "env", "config-temp"]
                .iter()
                .map(|label| session_token(&format!("secrets {label}")))
                .collect(),
        }
    }

    fn secret(&self, label: &str) -> &str {
        let index = [
            "default",
            "dev",
            "temp",
            "legacy-build",
            "broken",
            "env",
            "sub-block",
            "process",
        ]
        .iter()
        .position(|l| *l == label)
        .unwrap();
        &self.secrets[index]
    }

    fn token(&self, label: &str) -> &str {
        let index = ["temp", "env", "config-temp"]
            .iter()
            .position(|l| *l == label)
            .unwrap();
        &self.tokens[index]
    }

    fn key_ids(&self) -> [&str; 5] {
        [
            &self.default_key,
            &self.dev_key,
            &self.temp_key,
            &self.config_key,
            &self.env_key,
        ]
    }
}

/// A busy ~/.aws: long-term keys (one shared by two profiles, one in the config file, one in
/// [default]), stored session credentials, a half-written profile, a credential_process, role
/// chains, SSO old and new, and a stale first-seen record so key-too-old fires.
fn setup(creds: &Credentials) -> Home {
    let home = Home::new();
    home.config(&format!(
        r#"[default]
region = us-east-1
output = json

[profile dev]
region = eu-west-1
s3 =
  max_concurrent_requests = 20
  multipart_threshold = 64MB

[profile admin]
role_arn = arn:aws:iam::111122223333:role/Admin
source_profile = dev
role_session_name = dev-admin

[profile cross-account]
role_arn = arn:aws:iam::444455556666:role/Deploy
source_profile = admin
external_id = partner-7d1f

[profile builder]
credential_process = /opt/example-corp/bin/aws-creds --role builder
region = us-west-2

[sso-session corp]
sso_start_url = https://corp-example.awsapps.com/start
sso_region = us-east-1
sso_registration_scopes = sso:account:access

[profile sso-dev]
sso_session = corp
sso_account_id = 111122223333
sso_role_name = Developer

[profile legacy-sso]
sso_start_url = https://old-example.awsapps.com/start
sso_region = us-west-2
sso_account_id = 111122223333
sso_role_name = ReadOnly

[profile legacy-build]
aws_access_key_id = {config_key}
aws_secret_access_key = {config_secret}

[profile config-temp]
aws_access_key_id = {temp_key}
aws_secret_access_key = {temp_secret}
aws_security_token = {config_token}

[profile echoer]
credential_process = /bin/echo {{"Version": 1, "AccessKeyId": "{config_key}", "SecretAccessKey": "{process_secret}"}}

[profile plugin]
region = eu-north-1
tooling =
  endpoint = https://tools.example.com
  client_secret = {sub_secret}
"#,
        config_key = creds.config_key,
        config_secret = creds.secret("legacy-build"),
        temp_key = creds.temp_key,
        temp_secret = creds.secret("temp"),
        config_token = creds.token("config-temp"),
        sub_secret = creds.secret("sub-block"),
        process_secret = creds.secret("process"),
    ));
    home.credentials(&format!(
        r#"[default]
aws_access_key_id = {default_key}
aws_secret_access_key = {default_secret}

[dev]
aws_access_key_id = {dev_key}
aws_secret_access_key = {dev_secret}

[ci]
aws_access_key_id = {dev_key}
aws_secret_access_key = {dev_secret}

[temp]
aws_access_key_id = {temp_key}
aws_secret_access_key = {temp_secret}
aws_session_token = {temp_token}
x_security_token_expires = 2024-03-01T12:00:00Z

[broken]
aws_secret_access_key = {broken_secret}
"#,
        default_key = creds.default_key,
        default_secret = creds.secret("default"),
        dev_key = creds.dev_key,
        dev_secret = creds.secret("dev"),
        temp_key = creds.temp_key,
        temp_secret = creds.secret("temp"),
        temp_token = creds.token("temp"),
        broken_secret = creds.secret("broken"),
    ));
    home.write(
        ".local/state/awscheck/first-seen.json",
        format!(
            "{{\n  \"keys\": {{\n    \"{}\": \"2023-01-15T09:00:00Z\"\n  }}\n}}\n",
            creds.dev_key
        ),
    );
    home
}

fn with_env(home: &Home, creds: &Credentials) -> assert_cmd::Command {
    let mut cmd = home.cmd();
    // Tables wide enough that no key ID, nor a leaked secret, is cut over two lines.
    cmd.env("COLUMNS", "200")
        .env("AWS_ACCESS_KEY_ID", &creds.env_key)
        .env("AWS_SECRET_ACCESS_KEY", creds.secret("env"))
        .env("AWS_SESSION_TOKEN", creds.token("env"));
    cmd
}

fn assert_no_secrets_in(text: &str, creds: &Credentials, context: &str) {
    for secret in creds.secrets.iter().chain(&creds.tokens) {
        assert_no_secret(text, secret, context);
    }
}

#[test]
fn fake_credentials_look_real() {
    let creds = Credentials::new();
    for key in creds.key_ids() {
        assert_eq!(key.len(), 20, "{key}");
        assert!(key.starts_with("AKIA") || key.starts_with("ASIA"), "{key}");
        assert!(
            key.chars()
                .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit()),
            "{key}"
        );
    }
    for secret in &creds.secrets {
        assert_eq!(secret.len(), 40, "{secret}");
    }
    for token in &creds.tokens {
        assert!(token.len() > 400, "{token}");
    }
    let mut all: Vec<&str> = creds.key_ids().to_vec();
    all.extend(creds.secrets.iter().map(String::as_str));
    all.extend(creds.tokens.iter().map(String::as_str));
    let count = all.len();
    all.sort();
    all.dedup();
    assert_eq!(all.len(), count, "every fake value is distinct");
}

/// Every (command, format) the brief lists, with or without `--show-key-ids`.
fn runs(reveal: bool) -> Vec<Vec<&'static str>> {
    let mut list = vec![
        vec!["audit", "--offline"],
        vec!["audit", "--offline", "--format", "json"],
        vec!["audit", "--offline", "--format", "sarif"],
        vec!["profiles"],
        vec!["profiles", "--format", "json"],
    ];
    if reveal {
        for args in &mut list {
            args.push("--show-key-ids");
        }
    }
    list
}

#[test]
fn no_secret_in_any_output_and_key_ids_masked_by_default() {
    let creds = Credentials::new();
    let home = setup(&creds);
    for args in runs(false) {
        let result = run(with_env(&home, &creds).args(&args));
        let context = format!("awscheck {}", args.join(" "));
        assert!(matches!(result.code, Some(0 | 1)), "{context}: {result:?}");
        assert!(
            !result.stderr.contains("panicked"),
            "{context}: {}",
            result.stderr
        );
        for text in [&result.stdout, &result.stderr] {
            assert_no_secrets_in(text, &creds, &context);
            for key in creds.key_ids() {
                assert!(
                    !text.contains(key),
                    "{context}: full key ID {key} shown without --show-key-ids:\n{text}"
                );
            }
        }
        // The masked form does appear: the dev key is in every listing and in findings.
        assert!(
            result.stdout.contains(&masked(&creds.dev_key)),
            "{context}: masked {} missing:\n{}",
            masked(&creds.dev_key),
            result.stdout
        );
        if args[0] == "audit" {
            // Only the audit reports the environment's key (key-in-environment).
            assert!(
                result.stdout.contains(&masked(&creds.env_key)),
                "{context}: masked environment key missing:\n{}",
                result.stdout
            );
            assert!(
                result.stdout.contains(&masked(&creds.default_key)),
                "{context}"
            );
        } else {
            for key in [&creds.default_key, &creds.temp_key, &creds.config_key] {
                assert!(
                    result.stdout.contains(&masked(key)),
                    "{context}: masked {} missing:\n{}",
                    masked(key),
                    result.stdout
                );
            }
        }
    }
}

#[test]
fn show_key_ids_reveals_key_ids_but_never_secrets() {
    let creds = Credentials::new();
    let home = setup(&creds);
    for args in runs(true) {
        let result = run(with_env(&home, &creds).args(&args));
        let context = format!("awscheck {}", args.join(" "));
        assert!(matches!(result.code, Some(0 | 1)), "{context}: {result:?}");
        assert_no_secrets_in(&result.stdout, &creds, &context);
        assert_no_secrets_in(&result.stderr, &creds, &context);
        assert!(
            result.stdout.contains(&creds.dev_key),
            "{context}: full key ID missing with --show-key-ids:\n{}",
            result.stdout
        );
        if args[0] == "audit" {
            assert!(
                result.stdout.contains(&creds.env_key),
                "{context}: full environment key ID missing:\n{}",
                result.stdout
            );
        } else {
            for key in [&creds.default_key, &creds.temp_key, &creds.config_key] {
                assert!(result.stdout.contains(key.as_str()), "{context}: {key}");
            }
        }
        assert!(
            !result.stdout.contains(&masked(&creds.dev_key)),
            "{context}: --show-key-ids still masks"
        );
    }
}

#[test]
fn profiles_json_redacts_every_secret_property() {
    let creds = Credentials::new();
    let home = setup(&creds);
    let document = run(with_env(&home, &creds).args(["profiles", "--format", "json"]))
        .expect_code(0)
        .json();
    let profile = |name: &str| {
        document["profiles"]
            .as_array()
            .unwrap()
            .iter()
            .find(|p| p["name"] == name)
            .unwrap_or_else(|| panic!("profile {name} listed"))
            .clone()
    };
    let temp = profile("temp");
    assert_eq!(temp["properties"]["aws_secret_access_key"], "<redacted>");
    assert_eq!(temp["properties"]["aws_session_token"], "<redacted>");
    let config_temp = profile("config-temp");
    assert_eq!(
        config_temp["properties"]["aws_security_token"],
        "<redacted>"
    );
    let broken = profile("broken");
    assert_eq!(broken["properties"]["aws_secret_access_key"], "<redacted>");
    let plugin = profile("plugin");
    assert_eq!(
        plugin["properties"]["tooling"]["client_secret"],
        "<redacted>"
    );
    assert_eq!(
        plugin["properties"]["tooling"]["endpoint"],
        "https://tools.example.com"
    );
    assert_eq!(
        profile("dev")["properties"]["aws_access_key_id"],
        masked(&creds.dev_key).as_str()
    );
}

#[test]
fn state_folder_holds_no_secret() {
    let creds = Credentials::new();
    let home = setup(&creds);
    for args in runs(false).into_iter().chain(runs(true)) {
        run(with_env(&home, &creds).args(&args));
    }
    let state = home.state_dir();
    let mut files = 0;
    for entry in fs::read_dir(&state).unwrap() {
        let path = entry.unwrap().path();
        let text = String::from_utf8_lossy(&fs::read(&path).unwrap()).into_owned();
        assert_no_secrets_in(&text, &creds, &path.display().to_string());
        files += 1;
    }
    assert!(files >= 1, "the audit keeps its first-seen record");
    let record = fs::read_to_string(state.join("first-seen.json")).unwrap();
    // The record keeps key IDs (not secrets), and kept the old first-seen day.
    assert!(record.contains(&creds.env_key), "{record}");
    assert!(record.contains("2023-01-15T09:00:00Z"), "{record}");
}

#[test]
fn findings_cover_the_setup() {
    // The leak checks above mean little unless the setup exercises the rules that quote
    // profile data; make sure it does.
    let creds = Credentials::new();
    let home = setup(&creds);
    let document = run(with_env(&home, &creds).args(["audit", "--offline", "--format", "json"]))
        .expect_code(1)
        .json();
    for rule in [
        "AK001", "AK002", "AK003", "AK005", "AK007", "AK008", "AK009", "AK010", "AK011", "AK012",
    ] {
        assert!(
            crate::support::has_rule(&document, rule),
            "{rule} expected in {:#?}",
            crate::support::finding_keys(&document)
        );
    }
}

#[test]
fn errors_never_quote_the_offending_line() {
    // A malformed line is often a credential line; the error names file and line, never the
    // text on it.
    let secret = secret_key("errors secret");
    let token = session_token("errors token");
    let key = long_term_key_id("errors key");
    let cases: Vec<(&str, Vec<u8>)> = vec![
        (
            "missing equals sign",
            format!("[dev]\naws_access_key_id = {key}\naws_secret_access_key {secret}\n").into_bytes(),
        ),
        (
            "unterminated header after the secret",
            format!("[dev]\naws_access_key_id = {key}\naws_secret_access_key = {secret}\n[ci {secret}\n")
                .into_bytes(),
        ),
        (
            "continuation with no property",
            format!("[dev]\n  aws_session_token = {token}\n").into_bytes(),
        ),
        ("NUL in the token", {
            let mut bytes =
                format!("[dev]\naws_access_key_id = {key}\naws_session_token = {token}").into_bytes();
            bytes.extend_from_slice(b"\x00\n");
            bytes
        }),
        ("invalid UTF-8 in the token", {
            let mut bytes =
                format!("[dev]\naws_access_key_id = {key}\naws_session_token = {token}").into_bytes();
            bytes.extend_from_slice(b"\xff\n");
            bytes
        }),
    ];
    for (name, bytes) in cases {
        let home = Home::new();
        let path = home.credentials("");
        fs::write(&path, &bytes).unwrap();
        for args in [
            vec!["audit", "--offline"],
            vec!["profiles", "--format", "json"],
        ] {
            let message = crate::support::assert_input_error(
                &home,
                home.cmd().args(&args),
                &format!("{}:", path.display()),
            );
            assert_no_secret(&message, &secret, name);
            assert_no_secret(&message, &token, name);
            assert!(!message.contains(&key), "{name}: {message}");
        }
    }
}
