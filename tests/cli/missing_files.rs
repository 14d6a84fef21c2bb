//! Missing files are normal: many people have only one of the two, or none yet. And the
//! files are looked for where the SDKs look: flag, then variable (with `~/`), then ~/.aws.

use crate::support::{long_term_key_id, run, secret_key, Home};

fn credentials_with(profile: &str) -> String {
    format!(
        "[{profile}]\naws_access_key_id = {}\naws_secret_access_key = {}\n",
        long_term_key_id(profile),
        secret_key(profile)
    )
}

fn profile_names(document: &serde_json::Value) -> Vec<String> {
    document["profiles"]
        .as_array()
        .expect("profiles is an array")
        .iter()
        .map(|profile| profile["name"].as_str().unwrap().to_string())
        .collect()
}

fn file_entry(document: &serde_json::Value, kind: &str) -> (String, bool) {
    let entry = &document["files"][kind];
    (
        entry["path"].as_str().unwrap().to_string(),
        entry["found"].as_bool().unwrap(),
    )
}

#[test]
fn no_aws_folder_at_all() {
    let home = Home::new();
    let result = run(home.cmd().args(["audit", "--offline"])).expect_code(0);
    assert!(
        result
            .stdout
            .contains("No AWS config or credentials file found"),
        "{}",
        result.stdout
    );
    // Paths under HOME are shown as `~/...`.
    assert!(result.stdout.contains("~/.aws/config"), "{}", result.stdout);
    assert!(
        result.stdout.contains("~/.aws/credentials"),
        "{}",
        result.stdout
    );
    assert!(result.stdout.contains("No findings."), "{}", result.stdout);
    assert_eq!(result.stderr, "");

    let document = run(home.cmd().args(["audit", "--offline", "--format", "json"]))
        .expect_code(0)
        .json();
    assert_eq!(
        file_entry(&document, "config"),
        (home.config_path().display().to_string(), false)
    );
    assert_eq!(
        file_entry(&document, "credentials"),
        (home.credentials_path().display().to_string(), false)
    );
    assert!(profile_names(&document).is_empty());
    assert!(crate::support::findings(&document).is_empty());

    let listed = run(home.cmd().arg("profiles")).expect_code(0);
    assert!(
        listed
            .stdout
            .contains("No AWS config or credentials file found"),
        "{}",
        listed.stdout
    );
    let listed = run(home.cmd().args(["profiles", "--format", "json"]))
        .expect_code(0)
        .json();
    assert_eq!(listed["profiles"], serde_json::json!([]));
}

#[test]
fn empty_aws_folder() {
    let home = Home::new();
    home.make_aws_dir();
    let result = run(home.cmd().args(["audit", "--offline"])).expect_code(0);
    assert!(result
        .stdout
        .contains("No AWS config or credentials file found"));
}

#[test]
fn only_a_credentials_file() {
    let home = Home::new();
    home.credentials(&credentials_with("dev"));
    let result = run(home.cmd().args(["audit", "--offline"])).expect_code(0);
    assert!(
        result.stdout.contains("~/.aws/config (not found)"),
        "{}",
        result.stdout
    );
    assert!(result.stdout.contains("1 profile: "), "{}", result.stdout);

    let document = run(home.cmd().args(["audit", "--offline", "--format", "json"]))
        .expect_code(0)
        .json();
    assert!(!file_entry(&document, "config").1);
    assert!(file_entry(&document, "credentials").1);
    assert_eq!(profile_names(&document), ["dev"]);
    assert!(crate::support::has_rule(&document, "AK002"));

    let listed = run(home.cmd().args(["profiles", "--format", "json"]))
        .expect_code(0)
        .json();
    assert_eq!(profile_names(&listed), ["dev"]);
}

#[test]
fn only_a_config_file() {
    let home = Home::new();
    home.config(
        "[default]\nregion = us-east-1\n\n[sso-session corp]\nsso_start_url = https://corp-example.awsapps.com/start\nsso_region = us-east-1\n\n[profile dev]\nsso_session = corp\nsso_account_id = 111122223333\nsso_role_name = Developer\nregion = eu-west-1\n",
    );
    let result = run(home.cmd().args(["audit", "--offline"])).expect_code(0);
    assert!(
        result.stdout.contains("~/.aws/credentials (not found)"),
        "{}",
        result.stdout
    );
    let document = run(home.cmd().args(["audit", "--offline", "--format", "json"]))
        .expect_code(0)
        .json();
    assert!(file_entry(&document, "config").1);
    assert!(!file_entry(&document, "credentials").1);
    assert_eq!(profile_names(&document), ["default", "dev"]);
    let dev = &document["profiles"][1];
    assert_eq!(dev["credential_kind"], "sso");

    let listed = run(home.cmd().arg("profiles")).expect_code(0);
    assert!(listed.stdout.contains("dev"), "{}", listed.stdout);
}

#[test]
fn variables_relocate_both_files_with_tilde_expansion() {
    let home = Home::new();
    // Files at the default place that must NOT be read.
    home.config("[profile from-default-config]\nregion = us-east-1\n");
    home.credentials(&credentials_with("from-default-credentials"));
    // The relocated ones.
    home.write(
        "work/aws/config",
        "[profile from-variable-config]\nregion = eu-west-1\n",
    );
    home.write(
        "work/aws/credentials",
        credentials_with("from-variable-credentials"),
    );
    let document = run(home
        .cmd()
        .env("AWS_CONFIG_FILE", "~/work/aws/config")
        .env("AWS_SHARED_CREDENTIALS_FILE", "~/work/aws/credentials")
        .args(["audit", "--offline", "--format", "json"]))
    .expect_code(0)
    .json();
    assert_eq!(
        file_entry(&document, "config"),
        (home.join("work/aws/config").display().to_string(), true)
    );
    assert_eq!(
        file_entry(&document, "credentials"),
        (
            home.join("work/aws/credentials").display().to_string(),
            true
        )
    );
    assert_eq!(
        profile_names(&document),
        ["from-variable-config", "from-variable-credentials"]
    );

    let listed = run(home
        .cmd()
        .env("AWS_CONFIG_FILE", "~/work/aws/config")
        .env("AWS_SHARED_CREDENTIALS_FILE", "~/work/aws/credentials")
        .args(["profiles", "--format", "json"]))
    .expect_code(0)
    .json();
    assert_eq!(
        profile_names(&listed),
        ["from-variable-config", "from-variable-credentials"]
    );
}

#[test]
fn a_variable_naming_a_missing_file_is_not_an_error() {
    let home = Home::new();
    home.credentials(&credentials_with("dev"));
    let document = run(home.cmd().env("AWS_CONFIG_FILE", "~/nowhere/config").args([
        "audit",
        "--offline",
        "--format",
        "json",
    ]))
    .expect_code(0)
    .json();
    assert_eq!(
        file_entry(&document, "config"),
        (home.join("nowhere/config").display().to_string(), false)
    );
    assert_eq!(profile_names(&document), ["dev"]);
}

#[test]
fn flags_win_over_variables() {
    let home = Home::new();
    home.write(
        "env/config",
        "[profile from-variable]\nregion = us-east-1\n",
    );
    home.write("env/credentials", credentials_with("from-variable-key"));
    home.write("flag/config", "[profile from-flag]\nregion = eu-west-1\n");
    home.write("flag/credentials", credentials_with("from-flag-key"));
    let config_flag = home.join("flag/config");
    let credentials_flag = home.join("flag/credentials");
    for args in [
        vec!["audit", "--offline", "--format", "json"],
        vec!["profiles", "--format", "json"],
    ] {
        let document = run(home
            .cmd()
            .env("AWS_CONFIG_FILE", "~/env/config")
            .env("AWS_SHARED_CREDENTIALS_FILE", "~/env/credentials")
            .arg("--config-file")
            .arg(&config_flag)
            .arg("--credentials-file")
            .arg(&credentials_flag)
            .args(&args))
        .expect_code(0)
        .json();
        assert_eq!(
            profile_names(&document),
            ["from-flag", "from-flag-key"],
            "{args:?}"
        );
    }
    // One flag, one variable: each file decided on its own.
    let document = run(home
        .cmd()
        .env("AWS_CONFIG_FILE", "~/env/config")
        .env("AWS_SHARED_CREDENTIALS_FILE", "~/env/credentials")
        .arg("--config-file")
        .arg(&config_flag)
        .args(["audit", "--offline", "--format", "json"]))
    .expect_code(0)
    .json();
    assert_eq!(
        file_entry(&document, "config").0,
        config_flag.display().to_string()
    );
    assert_eq!(
        file_entry(&document, "credentials").0,
        home.join("env/credentials").display().to_string()
    );
    assert_eq!(profile_names(&document), ["from-flag", "from-variable-key"]);
}

#[test]
fn flags_expand_a_leading_tilde() {
    // A flag value quoted past the shell still means the home folder, as the SDKs read `~`.
    let home = Home::new();
    home.write("flag/credentials", credentials_with("tilde"));
    let document = run(home.cmd().args([
        "--credentials-file",
        "~/flag/credentials",
        "audit",
        "--offline",
        "--format",
        "json",
    ]))
    .expect_code(0)
    .json();
    assert_eq!(
        file_entry(&document, "credentials"),
        (home.join("flag/credentials").display().to_string(), true)
    );
    assert_eq!(profile_names(&document), ["tilde"]);
}
