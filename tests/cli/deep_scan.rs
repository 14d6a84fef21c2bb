//! `awscheck scan` and `audit --deep`: a home with a key in every kind of place people leave
//! keys, nested project folders, and everything a walk must survive (an ignored file, a link
//! loop, a FIFO, a 60 MB file, a binary file, an unreadable folder).

use crate::support::{
    assert_no_secret, long_term_key_id, masked, run, secret_key, session_key_id, session_token,
    Home,
};
use std::fs;
use std::os::unix::fs::PermissionsExt;

struct Planted {
    home: Home,
    secrets: Vec<String>,
    dev: String,
}

/// `dev`'s key in every kind of place, `ci`'s secret alone in one, and copies the walk must
/// leave alone.
fn planted_home() -> Planted {
    let home = Home::new();
    let (dev, dev_secret) = (long_term_key_id("dev"), secret_key("dev"));
    let (ci, ci_secret) = (long_term_key_id("ci"), secret_key("ci"));
    home.credentials(&format!(
        "[dev]\naws_access_key_id = {dev}\naws_secret_access_key = {dev_secret}\n\n[ci]\naws_access_key_id = {ci}\naws_secret_access_key = {ci_secret}\n"
    ));
    let places = [
        (
            "proj/main.tf",
            format!("provider \"aws\" {{\n  region     = \"eu-west-1\"\n  access_key = \"{dev}\"\n  secret_key = \"{dev_secret}\"\n}}\n"),
        ),
        (
            "proj/terraform.tfvars",
            format!("aws_access_key = \"{dev}\"\naws_secret_key = \"{dev_secret}\"\n"),
        ),
        (
            "proj/analysis.ipynb",
            format!("{{\"cells\": [{{\"cell_type\": \"code\", \"source\": [\"import boto3\\n\", \"s = boto3.Session(aws_access_key_id='{dev}', aws_secret_access_key='{dev_secret}')\"]}}], \"nbformat\": 4}}\n"),
        ),
        (
            ".m2/settings.xml",
            format!("<settings>\n  <servers>\n    <server>\n      <id>releases.s3</id>\n      <username>{dev}</username>\n      <password>{dev_secret}</password>\n    </server>\n  </servers>\n</settings>\n"),
        ),
        (
            ".gradle/gradle.properties",
            format!("org.gradle.jvmargs=-Xmx2g\nawsSecretKey={ci_secret}\n"),
        ),
        (
            ".kube/config",
            format!("apiVersion: v1\nusers:\n- name: eks\n  user:\n    exec:\n      command: aws\n      args: [eks, get-token, --cluster-name, prod]\n      env:\n      - name: AWS_ACCESS_KEY_ID\n        value: {dev}\n      - name: AWS_SECRET_ACCESS_KEY\n        value: {dev_secret}\n"),
        ),
        (
            ".config/Code/User/settings.json",
            format!("{{\n  \"editor.fontSize\": 13,\n  \"terminal.integrated.env.linux\": {{\n    \"AWS_ACCESS_KEY_ID\": \"{dev}\",\n    \"AWS_SECRET_ACCESS_KEY\": \"{dev_secret}\"\n  }}\n}}\n"),
        ),
        (
            ".config/JetBrains/IntelliJIdea2024.3/options/aws.xml",
            format!("<application>\n  <component name=\"AwsSettings\">\n    <option name=\"accessKey\" value=\"{dev}\" />\n    <option name=\"secretKey\" value=\"{dev_secret}\" />\n  </component>\n</application>\n"),
        ),
        (
            ".docker/config.json",
            format!("{{\n  \"auths\": {{}},\n  \"env\": {{\"AWS_ACCESS_KEY_ID\": \"{dev}\", \"AWS_SECRET_ACCESS_KEY\": \"{dev_secret}\"}}\n}}\n"),
        ),
        // Deeper than the fixed list looks: only the deep scan finds these.
        (
            "work/clients/acme/api/.env",
            format!("PORT=8080\nAWS_ACCESS_KEY_ID={dev}\nAWS_SECRET_ACCESS_KEY={dev_secret}\n"),
        ),
        // In a file git ignores: keys live there.
        (
            "work/clients/acme/api/secrets.local.json",
            format!("{{\"key\": \"{dev}\", \"secret\": \"{dev_secret}\"}}\n"),
        ),
        ("work/clients/acme/api/.gitignore", "secrets.local.json\n.env\n".to_string()),
        // Never searched: the AWS CLI's cache of a role's live session (the audit checks who
        // can read it), dependencies, and git's object store.
        (
            ".aws/cli/cache/5d2c1f.json",
            format!(
                "{{\"Credentials\": {{\"AccessKeyId\": \"{}\", \"SecretAccessKey\": \"{}\", \"SessionToken\": \"{}\"}}}}\n",
                session_key_id("role"),
                secret_key("role"),
                session_token("role")
            ),
        ),
        (
            "work/clients/acme/api/node_modules/leaky/index.js",
            format!("module.exports = '{dev}';\n"),
        ),
        (
            "work/clients/acme/api/.git/objects/ab/cdef",
            format!("{dev} {dev_secret}\n"),
        ),
    ];
    for (path, text) in places {
        home.write(path, text);
    }
    // A binary file holding the key: skipped and counted, as ripgrep skips it.
    let mut binary = b"\x7fELF\x02\x01\x01\x00\x00\x00".to_vec();
    binary.extend_from_slice(format!("{dev}\x00{dev_secret}\x00").as_bytes());
    home.write("work/tools/uploader", binary);
    // Over 50 MB: skipped and counted, never opened.
    let mut large = format!("{dev} {dev_secret}\n").into_bytes();
    large.resize(60 * 1024 * 1024, b'.');
    home.write("work/dumps/huge.log", large);
    // A FIFO, and links that loop: the walk neither waits nor loops.
    assert!(std::process::Command::new("mkfifo")
        .arg(home.join("work/pipe"))
        .status()
        .unwrap()
        .success());
    home.symlink("..", "work/clients/back-up");
    home.symlink(home.path().to_str().unwrap(), "work/home-again");
    std::os::unix::fs::symlink(home.join("work/self"), home.join("work/self")).unwrap();
    // A folder nobody may read (but root).
    home.write("work/locked/notes.txt", format!("{dev}\n"));
    fs::set_permissions(home.join("work/locked"), PermissionsExt::from_mode(0o000)).unwrap();
    Planted {
        secrets: vec![
            dev_secret,
            ci_secret,
            secret_key("role"),
            session_token("role"),
        ],
        dev,
        home,
    }
}

/// (file under HOME, line, profile, message) of every copy finding.
fn copies(home: &Home, document: &serde_json::Value) -> Vec<(String, u64, String, String)> {
    let mut found: Vec<_> = document["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["slug"] == "key-copied-outside-credentials")
        .map(|f| {
            let file = f["file"].as_str().unwrap_or_default();
            let name = file
                .strip_prefix(home.path().to_str().unwrap())
                .unwrap_or(file);
            (
                name.trim_start_matches('/').to_string(),
                f["line"].as_u64().unwrap_or(0),
                f["profile"].as_str().unwrap_or_default().to_string(),
                f["message"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    found.sort();
    found
}

/// Every copy the deep scan must find: (file, line, profile, the kind its message names).
const EVERY_COPY: [(&str, u64, &str, &str); 11] = [
    (
        ".config/Code/User/settings.json",
        4,
        "dev",
        "(VS Code settings)",
    ),
    (
        ".config/JetBrains/IntelliJIdea2024.3/options/aws.xml",
        3,
        "dev",
        "(JetBrains AWS settings)",
    ),
    (".docker/config.json", 3, "dev", "(Docker config)"),
    (".gradle/gradle.properties", 2, "ci", "(Gradle properties)"),
    (".kube/config", 10, "dev", "(kubeconfig exec env)"),
    (".m2/settings.xml", 5, "dev", "(Maven settings)"),
    ("proj/analysis.ipynb", 1, "dev", "(Jupyter notebook)"),
    ("proj/main.tf", 3, "dev", "(Terraform configuration)"),
    ("proj/terraform.tfvars", 1, "dev", "(Terraform variables)"),
    ("work/clients/acme/api/.env", 2, "dev", "with its secret"),
    (
        "work/clients/acme/api/secrets.local.json",
        1,
        "dev",
        "with its secret",
    ),
];

fn assert_every_copy(found: &[(String, u64, String, String)], output: &str) {
    let wanted: Vec<(&str, u64, &str)> = EVERY_COPY.iter().map(|c| (c.0, c.1, c.2)).collect();
    let got: Vec<(&str, u64, &str)> = found
        .iter()
        .map(|c| (c.0.as_str(), c.1, c.2.as_str()))
        .collect();
    assert_eq!(got, wanted, "{output}");
    for ((_, _, _, message), (file, _, _, kind)) in found.iter().zip(EVERY_COPY) {
        assert!(message.contains(kind), "{file}: {message}");
    }
}

#[test]
fn a_deep_scan_finds_every_copy_names_its_kind_and_profile_and_skips_what_it_must() {
    let planted = planted_home();
    let home = &planted.home;
    let out = run(home.cmd().args(["scan", "--format", "json"])).expect_code(1);
    let document = out.json();
    // Root reads the locked folder all the same, and finds the copy in it.
    let readable_when_locked = fs::read_dir(home.join("work/locked")).is_ok();
    let readable = |mut found: Vec<(String, u64, String, String)>| {
        if readable_when_locked {
            found.retain(|c| c.0 != "work/locked/notes.txt");
        }
        found
    };
    assert_every_copy(&readable(copies(home, &document)), &out.stdout);

    let searched = &document["searched"];
    assert_eq!(searched["large"], 1, "{searched}");
    assert_eq!(searched["binary"], 1, "{searched}");
    assert_eq!(searched["skipped"]["node_modules"], 1, "{searched}");
    assert_eq!(searched["skipped"][".git/objects"], 1, "{searched}");
    assert!(searched["files"].as_u64().unwrap() >= 14, "{searched}");
    let notes: Vec<&str> = document["not_searched"]
        .as_array()
        .unwrap()
        .iter()
        .map(|n| n.as_str().unwrap())
        .collect();
    if readable_when_locked {
        eprintln!("note: running as root, the locked folder is still readable");
    } else {
        // One note for the folder, none for what is in it, and the same on stderr.
        assert_eq!(notes.len(), 1, "{notes:?}");
        assert!(
            notes[0].ends_with("work/locked: permission denied"),
            "{notes:?}"
        );
        assert!(
            out.stderr.contains("work/locked: permission denied"),
            "{}",
            out.stderr
        );
    }

    // The table says what was left out, and why.
    let table = run(home.cmd().args(["scan"]).env("COLUMNS", "200")).expect_code(1);
    assert!(
        table.stdout.contains("skipped: 1 binary file, 1 file over 50 MiB, 2 folders (.git/objects, node_modules; git history is not searched)"),
        "{}",
        table.stdout
    );
    let count = if readable_when_locked { 12 } else { 11 };
    assert!(
        table
            .stdout
            .contains(&format!("{count} copies of keys found.")),
        "{}",
        table.stdout
    );
    assert!(
        table.stdout.starts_with("awscheck scan: searched ")
            && table.stdout.contains(" under ~/ in "),
        "{}",
        table.stdout
    );
    // One profile's key in many files: places, not profiles.
    assert!(
        table
            .stdout
            .contains("high AK024 key-copied-outside-credentials · 11 places"),
        "{}",
        table.stdout
    );
    // Each place line says what a file whose name says little is.
    assert!(
        table
            .stdout
            .contains("~/.kube/config:10 (kubeconfig exec env)"),
        "{}",
        table.stdout
    );

    // `audit --deep` finds the same, with the rest of the audit.
    let audit = run(home
        .cmd()
        .args(["audit", "--offline", "--deep", "--format", "json"]))
    .expect_code(1);
    let document = audit.json();
    assert_every_copy(&readable(copies(home, &document)), &audit.stdout);
    assert_eq!(
        document["deep_scan"]["searched"]["large"], 1,
        "{}",
        audit.stdout
    );
    let table = run(home
        .cmd()
        .args(["audit", "--offline", "--deep"])
        .env("COLUMNS", "200"))
    .expect_code(1);
    assert!(
        table
            .stdout
            .lines()
            .nth(1)
            .is_some_and(|line| line.starts_with("deep scan: searched ")),
        "{}",
        table.stdout
    );
    // Without --deep the document is as it always was.
    let plain = run(home.cmd().args(["audit", "--offline", "--format", "json"])).expect_code(1);
    assert!(plain.json().get("deep_scan").is_none());

    // Named paths are searched instead of the home folder, each file once.
    let some = run(home
        .cmd()
        .args(["scan", "--format", "json"])
        .arg(home.join("proj"))
        .arg(home.join(".m2"))
        // Inside another path: searched once.
        .arg(home.join("proj/main.tf")))
    .expect_code(1);
    let files: Vec<String> = copies(home, &some.json())
        .into_iter()
        .map(|c| c.0)
        .collect();
    assert_eq!(
        files,
        [
            ".m2/settings.xml",
            "proj/analysis.ipynb",
            "proj/main.tf",
            "proj/terraform.tfvars"
        ]
    );

    fs::set_permissions(home.join("work/locked"), PermissionsExt::from_mode(0o700)).unwrap();
}

#[test]
fn the_default_audit_covers_the_new_fixed_places_but_not_the_deep_ones() {
    let planted = planted_home();
    let home = &planted.home;
    let out = run(home.cmd().current_dir(home.join("proj")).args([
        "audit",
        "--offline",
        "--format",
        "json",
    ]))
    .expect_code(1);
    let found = copies(home, &out.json());
    let files: Vec<&str> = found.iter().map(|c| c.0.as_str()).collect();
    let wanted: Vec<&str> = EVERY_COPY
        .iter()
        .map(|c| c.0)
        .filter(|file| !file.starts_with("work/"))
        .collect();
    assert_eq!(files, wanted, "{}", out.stdout);
    fs::set_permissions(home.join("work/locked"), PermissionsExt::from_mode(0o700)).unwrap();
}

#[test]
fn no_secret_or_line_is_printed_in_any_format() {
    let planted = planted_home();
    let home = &planted.home;
    for format in ["table", "json", "sarif"] {
        let out = run(home
            .cmd()
            .args(["scan", "--format", format])
            .env("COLUMNS", "200"))
        .expect_code(1);
        let all = format!("{}{}", out.stdout, out.stderr);
        for secret in &planted.secrets {
            assert_no_secret(&all, secret, format);
        }
        assert!(!all.contains(&planted.dev), "{format}: full key ID printed");
        assert!(all.contains(&masked(&planted.dev)), "{format}");
        for line in [
            "access_key =",
            "<password>",
            "AWS_SECRET_ACCESS_KEY\":",
            "value:",
        ] {
            assert!(
                !all.contains(line),
                "{format}: a line of a file was printed: {all}"
            );
        }
    }
    // The record rotate reads keeps places by key ID, never a secret.
    let record = fs::read_to_string(home.state_dir().join("deep-scan.json")).unwrap();
    for secret in &planted.secrets {
        assert_no_secret(&record, secret, "deep-scan.json");
    }
    assert!(record.contains("proj/main.tf"), "{record}");
    fs::set_permissions(home.join("work/locked"), PermissionsExt::from_mode(0o700)).unwrap();
}

#[test]
fn ordinary_source_with_example_keys_is_no_finding() {
    let home = Home::new();
    home.credentials(&format!(
        "[dev]\naws_access_key_id = {}\naws_secret_access_key = {}\n",
        long_term_key_id("dev"),
        secret_key("dev")
    ));
    let sources = [
        (
            "src/sdk/tests/credentials_test.py",
            "def test_env():\n    env = {\"AWS_ACCESS_KEY_ID\": \"AKIAIOSFODNN7EXAMPLE\",\n           \"AWS_SECRET_ACCESS_KEY\": \"wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY\"}\n",
        ),
        (
            "src/sdk/docs/config.md",
            "aws_access_key_id = AKIAI44QH8DHBEXAMPLE\naws_secret_access_key = je7MtGbClwBF/2Zp9Utk/h3yCo8nvbEXAMPLEKEY\n",
        ),
        // Key-shaped words with no secret, and a commit hash beside one.
        (
            "src/lib/validate.rs",
            "const PREFIXES: [&str; 2] = [\"AKIA\", \"ASIA\"];\nassert!(is_key(\"AKIAABCDEFGHIJKLMNOP\")); // 3f786850e387550fdab836ed7e6dc881de23001b\nlet x = \"AKIA1234\";\n",
        ),
        (
            "src/lib/CHANGELOG",
            "ASIAZZZZZZZZZZZZZZZZ was redacted in 9c1185a5c5e9fc54612808977ee8f548b2258d31\n",
        ),
    ];
    for (path, text) in sources {
        home.write(path, text);
    }
    let out = run(home
        .cmd()
        .args(["scan", "--format", "json"])
        .arg(home.join("src")))
    .expect_code(0);
    let document = out.json();
    assert_eq!(
        document["findings"],
        serde_json::json!([]),
        "{}",
        out.stdout
    );
    assert_eq!(document["examples"], 2, "{}", out.stdout);
    let table = run(home
        .cmd()
        .arg("scan")
        .arg(home.join("src"))
        .env("COLUMNS", "200"))
    .expect_code(0);
    assert!(
        table.stdout.contains("noted: AWS's documentation example key (AKIAIOSFODNN7EXAMPLE and the like) in 2 files: an example, not a leak"),
        "{}",
        table.stdout
    );
    assert!(
        table.stdout.contains("No copies of keys found."),
        "{}",
        table.stdout
    );
    // A path that is not there is a typo, and says so.
    let typo = run(home.cmd().arg("scan").arg(home.join("scr"))).expect_code(2);
    assert!(
        typo.stderr.trim_end().ends_with("/scr: not found"),
        "{}",
        typo.stderr
    );
}

#[test]
fn the_weekly_reminder_is_deep_when_the_settings_say_so() {
    let home = Home::new();
    let dev = long_term_key_id("dev");
    let dev_secret = secret_key("dev");
    home.credentials(&format!(
        "[dev]\naws_access_key_id = {dev}\naws_secret_access_key = {dev_secret}\n"
    ));
    home.write(
        "work/deep/inside/deploy.sh",
        format!("export AWS_ACCESS_KEY_ID={dev}\nexport AWS_SECRET_ACCESS_KEY={dev_secret}\n"),
    );
    let remind = |home: &Home| {
        let runtime = home.join("run");
        fs::create_dir_all(&runtime).unwrap();
        run(home.cmd().env("XDG_RUNTIME_DIR", &runtime).args([
            "remind",
            "--offline",
            "--min-severity",
            "high",
        ]))
        .expect_code(0)
    };
    assert_eq!(remind(&home).stdout, "", "the fixed list does not reach it");
    home.write(".config/awscheck/settings.toml", "[scan]\ndeep = true\n");
    let deep = remind(&home);
    assert!(
        deep.stdout.contains("dev has its key also in ")
            && deep.stdout.contains("/work/deep/inside/deploy.sh"),
        "{}",
        deep.stdout
    );
    assert_no_secret(&deep.stdout, &dev_secret, "remind");
}

#[test]
fn the_skip_list_comes_from_the_settings() {
    let home = Home::new();
    let dev = long_term_key_id("dev");
    home.credentials(&format!(
        "[dev]\naws_access_key_id = {dev}\naws_secret_access_key = {}\n",
        secret_key("dev")
    ));
    home.write("node_modules/a.js", format!("{dev}\n"));
    home.write("archive/old/keys.txt", format!("{dev}\n"));
    let files = |home: &Home| -> Vec<String> {
        let out = run(home.cmd().args(["scan", "--format", "json"]));
        copies(home, &out.json()).into_iter().map(|c| c.0).collect()
    };
    assert_eq!(files(&home), ["archive/old/keys.txt"]);
    home.write(
        ".config/awscheck/settings.toml",
        "[scan]\nskip = [\"~/archive\"]\n",
    );
    assert_eq!(files(&home), ["node_modules/a.js"]);
}

/// A folder the user may not enter is one note, with nothing under it read. Root enters any
/// folder, so as root the scan runs as `nobody` (setpriv, from util-linux).
#[test]
fn a_folder_that_cannot_be_read_is_one_note() {
    let home = Home::new();
    let dev = long_term_key_id("dev");
    home.credentials(&format!(
        "[dev]\naws_access_key_id = {dev}\naws_secret_access_key = {}\n",
        secret_key("dev")
    ));
    home.write("open/notes.txt", format!("{dev}\n"));
    home.write("locked/inner/notes.txt", format!("{dev}\n"));
    fs::set_permissions(home.join("locked"), PermissionsExt::from_mode(0o000)).unwrap();
    // Everyone may read the rest, for `nobody`.
    for folder in [".", ".aws", "open"] {
        fs::set_permissions(home.join(folder), PermissionsExt::from_mode(0o755)).unwrap();
    }
    for file in [".aws/credentials", "open/notes.txt"] {
        fs::set_permissions(home.join(file), PermissionsExt::from_mode(0o644)).unwrap();
    }
    let as_root = fs::read_dir(home.join("locked")).is_ok();
    let mut cmd = home.cmd();
    if as_root {
        let binary = assert_cmd::cargo::cargo_bin("awscheck");
        let setpriv = ["/usr/bin/setpriv", "/bin/setpriv"]
            .into_iter()
            .find(|p| std::path::Path::new(p).exists());
        let Some(setpriv) = setpriv else {
            eprintln!(
                "note: running as root without setpriv: the folder cannot be made unreadable"
            );
            return;
        };
        // The binary must be reachable by `nobody` too.
        let reachable = std::process::Command::new(setpriv)
            .args(["--reuid=65534", "--regid=65534", "--clear-groups"])
            .arg(&binary)
            .arg("--version")
            .status()
            .is_ok_and(|s| s.success());
        if !reachable {
            eprintln!("note: `nobody` cannot run {}: skipping", binary.display());
            return;
        }
        cmd = assert_cmd::Command::new(setpriv);
        cmd.env_clear()
            .env("HOME", home.path())
            .env("AWSCHECK_STATE_DIR", "/nonexistent/awscheck-state")
            .current_dir(home.path())
            .args(["--reuid=65534", "--regid=65534", "--clear-groups"])
            .arg(&binary)
            .timeout(std::time::Duration::from_secs(60));
    }
    let out = run(cmd.args(["scan", "--format", "json"])).expect_code(1);
    let document = out.json();
    assert_eq!(
        copies(&home, &document)
            .into_iter()
            .map(|c| c.0)
            .collect::<Vec<_>>(),
        ["open/notes.txt"],
        "{}",
        out.stdout
    );
    let notes = document["not_searched"].as_array().unwrap();
    assert_eq!(notes.len(), 1, "{notes:?}");
    assert!(
        notes[0]
            .as_str()
            .unwrap()
            .ends_with("/locked: permission denied"),
        "{notes:?}"
    );
    let warnings: Vec<&str> = out
        .stderr
        .lines()
        .filter(|l| l.contains("not scanned"))
        .collect();
    assert_eq!(warnings.len(), 1, "{}", out.stderr);
    fs::set_permissions(home.join("locked"), PermissionsExt::from_mode(0o700)).unwrap();
}
