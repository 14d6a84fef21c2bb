//! Behaviour of each command through the real binary: report formats, exit codes and
//! `--fail-on`, settings, `--profile`, colour, and the rule catalog.

use crate::support::{
    assert_input_error, finding_keys, findings, has_ansi, has_rule, long_term_key_id, masked,
    rule_slugs, run, secret_key, Home,
};
use serde_json::Value;
use std::fs;
use std::os::unix::fs::PermissionsExt;

fn key_section(profile: &str) -> String {
    format!(
        "[{profile}]\naws_access_key_id = {}\naws_secret_access_key = {}\n",
        long_term_key_id(profile),
        secret_key(profile)
    )
}

/// Only low findings: long-term keys in named profiles (AK002), private files.
fn low_only_home() -> Home {
    let home = Home::new();
    home.config("[default]\nregion = us-east-1\n\n[profile dev]\nregion = eu-west-1\n");
    home.credentials(&format!("{}\n{}", key_section("dev"), key_section("ci")));
    home
}

fn audit_json(home: &Home, extra: &[&str]) -> (Option<i32>, Value) {
    let result = run(home
        .cmd()
        .args(["audit", "--offline", "--format", "json"])
        .args(extra));
    assert!(!result.stderr.contains("panicked"), "{}", result.stderr);
    let code = result.code;
    (code, result.json())
}

fn severities(document: &Value) -> Vec<String> {
    findings(document)
        .iter()
        .map(|f| f["severity"].as_str().unwrap().to_string())
        .collect()
}

#[test]
fn audit_json_document_shape() {
    let home = Home::new();
    home.config(
        "[default]\nregion = us-east-1\n\n[profile admin]\nrole_arn = arn:aws:iam::111122223333:role/Admin\nsource_profile = dev\n\n[profile orphan]\nrole_arn = arn:aws:iam::111122223333:role/Orphan\nsource_profile = nowhere\n",
    );
    home.credentials(&format!(
        "{}\n{}",
        key_section("default"),
        key_section("dev")
    ));
    let (code, document) = audit_json(&home, &[]);
    assert_eq!(code, Some(1), "[default] holds a key: a high finding");

    assert_eq!(document["schema_version"], 1);
    assert!(document["generated_at"].is_string());
    assert_eq!(document["mode"], "offline");
    let profiles = document["profiles"].as_array().expect("profiles[]");
    let names: Vec<&str> = profiles
        .iter()
        .map(|p| p["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["default", "admin", "orphan", "dev"]);
    for profile in profiles {
        for field in ["defined_at", "credential_kind", "chain", "selected"] {
            assert!(
                profile.get(field).is_some(),
                "profile lacks {field}: {profile}"
            );
        }
    }

    let catalog = run(home.cmd().args(["rules", "--format", "json"]))
        .expect_code(0)
        .json();
    let list = findings(&document);
    assert!(list.len() >= 4, "{list:#?}");
    for finding in list {
        let object = finding.as_object().expect("finding is an object");
        for field in [
            "rule_id",
            "slug",
            "severity",
            "profile",
            "file",
            "line",
            "message",
            "evidence",
            "remediation",
        ] {
            assert!(
                object.contains_key(field),
                "finding lacks {field}: {finding}"
            );
        }
        let rule = catalog
            .as_array()
            .unwrap()
            .iter()
            .find(|rule| rule["id"] == finding["rule_id"])
            .unwrap_or_else(|| panic!("unknown rule_id in {finding}"));
        assert_eq!(rule["slug"], finding["slug"]);
        assert!(["info", "low", "medium", "high", "critical"]
            .contains(&finding["severity"].as_str().unwrap()));
        assert!(finding["profile"].is_string() || finding["profile"].is_null());
        assert!(finding["file"].is_string() || finding["file"].is_null());
        assert!(finding["line"].is_u64() || finding["line"].is_null());
        assert!(!finding["message"].as_str().unwrap().is_empty());
        assert!(finding["evidence"].is_string());
        assert!(!finding["remediation"].as_str().unwrap().is_empty());
    }
    // Exact places: the default key on line 2 of credentials, the role without MFA on line 5 of
    // config, the dangling source_profile at its header (line 8).
    let at = |rule: &str, profile: &str| {
        list.iter()
            .find(|f| f["rule_id"] == rule && f["profile"] == profile)
            .map(|f| (f["file"].as_str().unwrap().to_string(), f["line"].as_u64()))
            .unwrap_or_else(|| panic!("{rule} for {profile} in {list:#?}"))
    };
    let config = home.config_path().display().to_string();
    let credentials = home.credentials_path().display().to_string();
    assert_eq!(at("AK001", "default"), (credentials.clone(), Some(2)));
    assert_eq!(at("AK002", "dev"), (credentials, Some(6)));
    assert_eq!(at("AK011", "admin"), (config.clone(), Some(5)));
    assert_eq!(at("AK015", "orphan"), (config, Some(8)));

    assert_eq!(document["summary"]["findings"], list.len());
    assert_eq!(document["summary"]["fail_on"], "high");
    assert_eq!(document["summary"]["failed"], true);
    assert_eq!(document["suppressed"], serde_json::json!([]));
}

#[test]
fn sarif_document_points_at_files_and_lines() {
    let home = low_only_home();
    // Readable by others: a file finding without a line.
    fs::set_permissions(home.credentials_path(), fs::Permissions::from_mode(0o644)).unwrap();
    let sarif = run(home
        .cmd()
        .env("AWS_ACCESS_KEY_ID", long_term_key_id("sarif env"))
        .env("AWS_SECRET_ACCESS_KEY", secret_key("sarif env"))
        .args(["audit", "--offline", "--format", "sarif"]))
    .expect_code(1)
    .json();
    let document = run(home
        .cmd()
        .env("AWS_ACCESS_KEY_ID", long_term_key_id("sarif env"))
        .env("AWS_SECRET_ACCESS_KEY", secret_key("sarif env"))
        .args(["audit", "--offline", "--format", "json"]))
    .expect_code(1)
    .json();

    assert_eq!(sarif["version"], "2.1.0");
    let run0 = &sarif["runs"][0];
    assert_eq!(run0["tool"]["driver"]["name"], "awscheck");
    assert_eq!(
        run0["tool"]["driver"]["rules"].as_array().unwrap().len(),
        rule_slugs().len()
    );
    let results = run0["results"].as_array().expect("results[]");
    let list = findings(&document);
    assert_eq!(results.len(), list.len(), "one result per finding");
    let (mut with_region, mut file_only, mut no_file) = (0, 0, 0);
    for (result, finding) in results.iter().zip(list) {
        assert_eq!(result["ruleId"], finding["rule_id"]);
        assert!(result["level"].is_string());
        assert!(!result["message"]["text"].as_str().unwrap().is_empty());
        match (finding["file"].as_str(), finding["line"].as_u64()) {
            (Some(file), line) => {
                let physical = &result["locations"][0]["physicalLocation"];
                assert_eq!(
                    physical["artifactLocation"]["uri"],
                    format!("file://{file}"),
                    "{result}"
                );
                match line {
                    Some(line) => {
                        assert_eq!(physical["region"]["startLine"], line, "{result}");
                        with_region += 1;
                    }
                    None => {
                        assert!(physical.get("region").is_none(), "{result}");
                        file_only += 1;
                    }
                }
            }
            (None, _) => {
                assert!(result.get("locations").is_none(), "{result}");
                no_file += 1;
            }
        }
    }
    assert!(with_region >= 2, "AK002 for dev and ci carry lines");
    assert_eq!(file_only, 1, "the open credentials file (AK006)");
    assert_eq!(no_file, 1, "the key in the environment (AK007)");
}

#[test]
fn fail_on_sets_the_threshold_for_exit_1() {
    let home = low_only_home();
    let (code, document) = audit_json(&home, &[]);
    assert_eq!(code, Some(0));
    assert!(!findings(&document).is_empty());
    assert!(
        severities(&document).iter().all(|s| s == "low"),
        "setup must have only low findings: {:?}",
        finding_keys(&document)
    );
    assert_eq!(document["summary"]["failed"], false);

    for (threshold, expected) in [
        ("info", 1),
        ("low", 1),
        ("medium", 0),
        ("high", 0),
        ("critical", 0),
    ] {
        let result = run(home
            .cmd()
            .args(["audit", "--offline", "--fail-on", threshold]));
        let result = result.expect_code(expected);
        if expected == 1 {
            assert!(
                result
                    .stdout
                    .contains(&format!("at or above --fail-on {threshold}")),
                "{}",
                result.stdout
            );
        }
        let (code, document) = audit_json(&home, &["--fail-on", threshold]);
        assert_eq!(code, Some(expected), "--fail-on {threshold} (json)");
        assert_eq!(document["summary"]["fail_on"], threshold);
        assert_eq!(document["summary"]["failed"], expected == 1);
    }
    let result = run(home
        .cmd()
        .args(["audit", "--offline", "--fail-on", "lowish"]));
    assert_eq!(result.code, Some(2), "clap rejects an unknown severity");
}

#[test]
fn settings_fail_on_is_honoured_and_the_flag_wins() {
    let home = low_only_home();
    let settings = home.write("team/awscheck.toml", "fail_on = \"low\"\n");
    let with_settings = |extra: &[&str]| {
        let mut cmd = home.cmd();
        cmd.arg("--settings")
            .arg(&settings)
            .args(["audit", "--offline"])
            .args(extra);
        run(&mut cmd)
    };
    with_settings(&[]).expect_code(1);
    with_settings(&["--fail-on", "high"]).expect_code(0);
    with_settings(&["--fail-on", "medium"]).expect_code(0);

    // The default location, ~/.config/awscheck/settings.toml, is read without the flag.
    run(home.cmd().args(["audit", "--offline"])).expect_code(0);
    home.write(".config/awscheck/settings.toml", "fail_on = \"low\"\n");
    run(home.cmd().args(["audit", "--offline"])).expect_code(1);
    run(home
        .cmd()
        .args(["audit", "--offline", "--fail-on", "critical"]))
    .expect_code(0);

    // XDG_CONFIG_HOME moves it.
    home.write("xdg/awscheck/settings.toml", "fail_on = \"critical\"\n");
    run(home.cmd().env("XDG_CONFIG_HOME", home.join("xdg")).args([
        "audit",
        "--offline",
        "--fail-on",
        "low",
    ]))
    .expect_code(1);
    let (code, document) = {
        let result = run(home.cmd().env("XDG_CONFIG_HOME", home.join("xdg")).args([
            "audit",
            "--offline",
            "--format",
            "json",
        ]));
        (result.code, result.json())
    };
    assert_eq!(code, Some(0));
    assert_eq!(document["summary"]["fail_on"], "critical");
}

#[test]
fn a_disabled_rule_reports_nothing() {
    let home = low_only_home();
    let (_, document) = audit_json(&home, &[]);
    assert!(has_rule(&document, "AK002"));
    let settings = home.write(
        "team/awscheck.toml",
        "fail_on = \"low\"\n\n[rules.long-term-key]\nenabled = false\n",
    );
    let settings = settings.display().to_string();
    let (code, document) = audit_json(&home, &["--settings", &settings]);
    assert!(
        !has_rule(&document, "AK002"),
        "{:?}",
        finding_keys(&document)
    );
    assert_eq!(code, Some(0), "nothing left at or above low");
    assert_eq!(document["suppressed"], serde_json::json!([]));

    let result = run(home
        .cmd()
        .args(["--settings", &settings, "audit", "--offline"]))
    .expect_code(0);
    assert!(!result.stdout.contains("AK002"), "{}", result.stdout);
}

#[test]
fn an_ignore_with_a_reason_moves_findings_to_suppressed() {
    let home = low_only_home();
    let settings = home.write(
        "team/awscheck.toml",
        "[[ignore]]\nprofile = \"dev\"\nrule = \"long-term-key\"\nreason = \"break-glass key, checked by hand every quarter\"\n",
    );
    let settings = settings.display().to_string();
    let (code, document) = audit_json(&home, &["--settings", &settings, "--fail-on", "low"]);
    let keys = finding_keys(&document);
    assert!(
        !keys.contains(&("AK002".to_string(), Some("dev".to_string()))),
        "{keys:?}"
    );
    assert!(
        keys.contains(&("AK002".to_string(), Some("ci".to_string()))),
        "the ignore names only dev: {keys:?}"
    );
    assert_eq!(code, Some(1), "ci's finding still counts");
    assert_eq!(
        document["suppressed"],
        serde_json::json!([{
            "rule_id": "AK002",
            "slug": "long-term-key",
            "profile": "dev",
            "reason": "break-glass key, checked by hand every quarter",
        }])
    );
    let result = run(home
        .cmd()
        .args(["--settings", &settings, "audit", "--offline"]))
    .expect_code(0);
    assert!(
        result.stdout.contains("1 ignored by your settings"),
        "{}",
        result.stdout
    );
}

#[test]
fn a_rule_parameter_from_settings_applies() {
    let home = low_only_home();
    // awscheck first saw dev's key long ago: key-too-old fires (limit 45 days by default).
    home.write(
        ".local/state/awscheck/first-seen.json",
        format!(
            "{{\"keys\": {{\"{}\": \"2020-06-01T00:00:00Z\"}}}}\n",
            long_term_key_id("dev")
        ),
    );
    let (code, document) = audit_json(&home, &[]);
    assert_eq!(code, Some(0), "medium is below the default high");
    assert!(
        finding_keys(&document).contains(&("AK003".to_string(), Some("dev".to_string()))),
        "{:?}",
        finding_keys(&document)
    );
    let settings = home.write(
        "team/awscheck.toml",
        "[rules.key-too-old]\nmax_age_days = 36500\n",
    );
    let settings = settings.display().to_string();
    let (_, document) = audit_json(&home, &["--settings", &settings]);
    assert!(
        !has_rule(&document, "AK003"),
        "{:?}",
        finding_keys(&document)
    );
}

#[test]
fn profile_flag_limits_findings_but_keeps_machine_wide_ones() {
    let home = low_only_home();
    let env_key = long_term_key_id("scope env");
    let scoped = |profiles: &[&str]| {
        let mut cmd = home.cmd();
        cmd.env("AWS_ACCESS_KEY_ID", &env_key)
            .env("AWS_SECRET_ACCESS_KEY", secret_key("scope env"))
            .args(["audit", "--offline", "--format", "json"]);
        for profile in profiles {
            cmd.args(["--profile", profile]);
        }
        run(&mut cmd).json()
    };
    let everything = scoped(&[]);
    let keys = finding_keys(&everything);
    assert!(keys.contains(&("AK002".to_string(), Some("dev".to_string()))));
    assert!(keys.contains(&("AK002".to_string(), Some("ci".to_string()))));
    assert!(keys.contains(&("AK007".to_string(), None)));

    let ci = scoped(&["ci"]);
    let keys = finding_keys(&ci);
    assert!(
        keys.iter()
            .all(|(_, profile)| profile.is_none() || profile.as_deref() == Some("ci")),
        "{keys:?}"
    );
    assert!(keys.contains(&("AK002".to_string(), Some("ci".to_string()))));
    assert!(
        keys.contains(&("AK007".to_string(), None)),
        "machine-wide findings stay: {keys:?}"
    );
    let names: Vec<&str> = ci["profiles"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["ci"]);

    let both = scoped(&["ci", "dev"]);
    let keys = finding_keys(&both);
    assert!(keys.contains(&("AK002".to_string(), Some("dev".to_string()))));
    assert!(keys.contains(&("AK002".to_string(), Some("ci".to_string()))));

    // Short flag, table format.
    let result = run(home.cmd().args(["audit", "--offline", "-p", "ci"])).expect_code(0);
    assert!(result.stdout.contains("1 profile: "), "{}", result.stdout);
    assert!(
        !result.stdout.contains("Profile dev holds"),
        "{}",
        result.stdout
    );
}

#[test]
fn an_unknown_profile_exits_2() {
    let home = low_only_home();
    let message = assert_input_error(
        &home,
        home.cmd().args(["audit", "--offline", "--profile", "prod"]),
        "no profile named `prod`",
    );
    assert!(
        message.contains("dev"),
        "the message lists the known profiles: {message}"
    );
    // With no files at all.
    let empty = Home::new();
    assert_input_error(
        &empty,
        empty.cmd().args(["audit", "--offline", "--profile", "dev"]),
        "no profile named `dev`",
    );
}

#[test]
fn no_color_beats_color_always() {
    let home = low_only_home();
    for args in [
        vec!["--color", "always", "audit", "--offline"],
        vec!["--color", "always", "profiles"],
        vec!["--color", "always", "rules"],
    ] {
        let result = run(home.cmd().env("NO_COLOR", "1").args(&args));
        assert!(matches!(result.code, Some(0 | 1)), "{result:?}");
        assert!(
            !has_ansi(&result.stdout) && !has_ansi(&result.stderr),
            "{args:?} with NO_COLOR:\n{}",
            result.stdout
        );
    }
}

#[test]
fn color_always_colours_and_piped_output_does_not() {
    let home = low_only_home();
    // Sanity: the tables can be coloured at all, so the checks below mean something.
    let coloured = run(home.cmd().args(["--color", "always", "audit", "--offline"]));
    assert!(has_ansi(&coloured.stdout), "{}", coloured.stdout);
    let coloured = run(home.cmd().args(["--color", "always", "profiles"]));
    assert!(has_ansi(&coloured.stdout), "{}", coloured.stdout);

    for args in [
        vec!["audit", "--offline"],
        vec!["--color", "auto", "audit", "--offline"],
        vec!["--color", "never", "audit", "--offline"],
        vec!["profiles"],
        vec!["rules"],
        vec!["explain", "AK002"],
    ] {
        // assert_cmd captures stdout through a pipe: not a terminal.
        let result = run(home.cmd().env("TERM", "xterm-256color").args(&args));
        assert!(matches!(result.code, Some(0 | 1)), "{result:?}");
        assert!(
            !has_ansi(&result.stdout) && !has_ansi(&result.stderr),
            "{args:?} piped:\n{}",
            result.stdout
        );
    }
}

#[test]
fn rules_lists_every_rule_file() {
    let home = Home::new();
    let slugs = rule_slugs();
    assert!(!slugs.is_empty());
    // Wide enough that no slug is cut over two lines.
    let table = run(home.cmd().env("COLUMNS", "160").arg("rules")).expect_code(0);
    for slug in &slugs {
        assert!(
            table.stdout.contains(slug.as_str()),
            "{slug} missing:\n{}",
            table.stdout
        );
    }
    let list = run(home.cmd().args(["rules", "--format", "json"]))
        .expect_code(0)
        .json();
    let list = list.as_array().expect("a JSON array");
    assert_eq!(list.len(), slugs.len(), "one entry per rules/*.toml");
    let mut listed: Vec<String> = list
        .iter()
        .map(|rule| rule["slug"].as_str().unwrap().to_string())
        .collect();
    listed.sort();
    assert_eq!(listed, slugs);
    for rule in list {
        let id = rule["id"].as_str().unwrap();
        assert!(table.stdout.contains(id), "{id} missing from the table");
        assert!(
            id.len() == 5 && id.starts_with("AK") && id[2..].chars().all(|c| c.is_ascii_digit()),
            "{id}"
        );
    }
    let mut ids: Vec<&str> = list.iter().map(|r| r["id"].as_str().unwrap()).collect();
    ids.dedup();
    assert_eq!(ids.len(), slugs.len(), "ids are unique and sorted");
}

#[test]
fn explain_by_id_and_by_slug_print_the_same() {
    let home = Home::new();
    let by_id = run(home.cmd().args(["explain", "AK003"])).expect_code(0);
    let by_slug = run(home.cmd().args(["explain", "key-too-old"])).expect_code(0);
    let lower = run(home.cmd().args(["explain", "ak003"])).expect_code(0);
    assert!(
        by_id.stdout.starts_with("AK003 key-too-old: "),
        "{}",
        by_id.stdout
    );
    assert!(by_id.stdout.contains("max_age_days"), "{}", by_id.stdout);
    assert_eq!(by_id.stdout, by_slug.stdout);
    assert_eq!(by_id.stdout, lower.stdout);
    assert_eq!(by_id.stderr, "");

    // Every rule can be explained, by slug and by id alike.
    let list = run(home.cmd().args(["rules", "--format", "json"]))
        .expect_code(0)
        .json();
    for rule in list.as_array().unwrap() {
        let id = rule["id"].as_str().unwrap();
        let slug = rule["slug"].as_str().unwrap();
        let a = run(home.cmd().args(["explain", id])).expect_code(0);
        let b = run(home.cmd().args(["explain", slug])).expect_code(0);
        assert_eq!(a.stdout, b.stdout, "{id} / {slug}");
        assert!(
            a.stdout.starts_with(&format!("{id} {slug}: ")),
            "{}",
            a.stdout
        );
        assert!(a.stdout.contains("Fix\n"), "{}", a.stdout);
    }
}

#[test]
fn explain_an_unknown_rule_exits_2() {
    let home = Home::new();
    for name in ["nope", "AK999", ""] {
        let result = run(home.cmd().args(["explain", name])).expect_code(2);
        assert_eq!(result.stdout, "");
        let lines = result.stderr_lines();
        assert_eq!(lines.len(), 1, "{}", result.stderr);
        assert_eq!(
            lines[0],
            format!("awscheck: error: no rule `{name}` (see `awscheck rules`)")
        );
    }
}

#[test]
fn profiles_json_redacts_secrets_and_nests_sub_properties() {
    let home = Home::new();
    home.config(
        "[profile dev]\nregion = eu-west-1\ns3 =\n  max_concurrent_requests = 20\n  addressing_style = path\noutput = json\n",
    );
    home.credentials(&key_section("dev"));
    let document = run(home.cmd().args(["profiles", "--format", "json"]))
        .expect_code(0)
        .json();
    assert_eq!(document["schema_version"], 1);
    assert!(document["sso_sessions"].is_array());
    let dev = &document["profiles"][0];
    assert_eq!(dev["name"], "dev");
    assert_eq!(dev["credential_kind"], "long-term-key");
    assert_eq!(
        dev["access_key_id"],
        masked(&long_term_key_id("dev")).as_str()
    );
    let properties = &dev["properties"];
    assert_eq!(properties["aws_secret_access_key"], "<redacted>");
    assert_eq!(
        properties["aws_access_key_id"],
        masked(&long_term_key_id("dev")).as_str()
    );
    assert_eq!(
        properties["s3"],
        serde_json::json!({"max_concurrent_requests": "20", "addressing_style": "path"})
    );
    assert_eq!(properties["output"], "json");
    assert_eq!(properties["region"], "eu-west-1");
    let text = serde_json::to_string(&document).unwrap();
    assert!(!text.contains(&secret_key("dev")));
}

#[test]
fn state_that_cannot_be_written_is_only_a_warning() {
    let home = low_only_home();
    // ~/.local is a file: the state folder cannot be created.
    home.write(".local", "not a folder\n");
    let result = run(home.cmd().args(["audit", "--offline"])).expect_code(0);
    let lines = result.stderr_lines();
    assert!(!lines.is_empty());
    assert!(
        lines
            .iter()
            .all(|line| line.starts_with("awscheck: warning: ")),
        "only warnings, no error: {}",
        result.stderr
    );
    assert!(
        lines.iter().any(|line| line.contains("could not update")),
        "{}",
        result.stderr
    );
    assert!(result.stdout.contains("AK002"), "{}", result.stdout);
}

#[test]
fn a_damaged_state_record_is_a_warning_and_is_replaced() {
    let home = low_only_home();
    let record = home.write(".local/state/awscheck/first-seen.json", "{\"keys\": [tru");
    let result = run(home.cmd().args(["audit", "--offline"])).expect_code(0);
    assert!(
        result.stderr.contains("awscheck: warning: ") && result.stderr.contains("first-seen.json"),
        "{}",
        result.stderr
    );
    let repaired: Value = serde_json::from_str(&fs::read_to_string(&record).unwrap()).unwrap();
    assert!(
        repaired["keys"][long_term_key_id("dev")].is_string(),
        "{repaired}"
    );
    let mode = fs::metadata(&record).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode, 0o600);
    let again = run(home.cmd().args(["audit", "--offline"])).expect_code(0);
    assert_eq!(again.stderr, "", "no warning once the record is sound");
}

#[test]
fn successful_audit_writes_only_its_state_record() {
    let home = low_only_home();
    let before = home.snapshot();
    run(home.cmd().args(["audit", "--offline"])).expect_code(0);
    let after = home.snapshot();
    let added: Vec<_> = after
        .paths()
        .into_iter()
        .filter(|path| !before.0.contains_key(*path))
        .map(|path| path.display().to_string())
        .collect();
    assert_eq!(
        added,
        [
            ".local",
            ".local/state",
            ".local/state/awscheck",
            ".local/state/awscheck/first-seen.json"
        ]
    );
    for (path, entry) in &before.0 {
        assert_eq!(Some(entry), after.0.get(path), "{} changed", path.display());
    }
    let state = fs::metadata(home.state_dir()).unwrap().permissions().mode() & 0o777;
    assert_eq!(state, 0o700);
    // `profiles` writes nothing at all.
    let before = home.snapshot();
    run(home.cmd().arg("profiles")).expect_code(0);
    assert_eq!(before, home.snapshot());
}

#[test]
fn escape_sequences_planted_in_a_file_never_reach_the_terminal() {
    let home = Home::new();
    // A value and a section name that would turn the terminal red and retitle its window.
    home.config(
        "[profile dev]\nregion = \x1b[31mred\x1b]0;pwned\x07\n\n[ops\x1b[2J]\nregion = eu-west-1\n",
    );
    home.credentials(&key_section("dev"));
    for args in [
        vec!["audit", "--offline"],
        vec!["audit", "--offline", "--format", "json"],
        vec!["audit", "--offline", "--format", "sarif"],
        vec!["profiles"],
        vec!["profiles", "--format", "json"],
    ] {
        let result = run(home.cmd().args(&args));
        assert!(matches!(result.code, Some(0 | 1)), "{args:?}: {result:?}");
        assert!(
            !result.stdout.contains(['\x1b', '\x07']) && !result.stderr.contains(['\x1b', '\x07']),
            "{args:?}:\n{}",
            result.stdout
        );
    }
    // Wide enough that the escaped value is not cut over two lines.
    let table = run(home.cmd().env("COLUMNS", "160").args(["profiles"]));
    assert!(
        table.stdout.contains(r"\u{1b}[31mred\u{1b}]0;pwned\u{7}"),
        "shown escaped:\n{}",
        table.stdout
    );
    // The heading names the files: a file name can hold an escape sequence too.
    let odd_name = home.join("config\x1b[2J");
    fs::copy(home.config_path(), &odd_name).unwrap();
    let audit = run(home
        .cmd()
        .args(["audit", "--offline", "--config-file"])
        .arg(&odd_name));
    assert!(!audit.stdout.contains('\x1b'), "{}", audit.stdout);
    assert!(
        audit.stdout.contains(r"config\u{1b}[2J"),
        "{}",
        audit.stdout
    );
}

#[test]
fn the_default_report_sums_up_the_profiles_and_all_lists_them() {
    let home = Home::new();
    let mut config = String::from(
        "[sso-session corp]\nsso_start_url = https://corp.awsapps.com/start\nsso_region = eu-west-1\n",
    );
    for n in 1..=3 {
        config.push_str(&format!(
            "[profile sso-{n}]\nsso_session = corp\nsso_account_id = 11112222333{n}\nsso_role_name = Dev\n"
        ));
    }
    config.push_str("[profile admin]\nrole_arn = arn:aws:iam::111122223331:role/Admin\nsource_profile = sso-1\n");
    home.config(&config);
    home.credentials(&format!(
        "[dev]\naws_access_key_id = {}\naws_secret_access_key = {}\n",
        long_term_key_id("dev"),
        secret_key("dev")
    ));
    let summary = run(home
        .cmd()
        .env("COLUMNS", "200")
        .args(["audit", "--offline"]));
    // The default report says what the profiles are in a line, and names only the profiles
    // something is reported on.
    assert!(
        summary
            .stdout
            .contains("5 profiles: 1 long-term key, 1 role, 3 SSO (sso-session corp)."),
        "{}",
        summary.stdout
    );
    assert!(
        summary.stdout.contains("- dev") || summary.stdout.contains("· dev ·"),
        "{}",
        summary.stdout
    );
    assert!(!summary.stdout.contains("sso-2"), "{}", summary.stdout);
    let all = run(home
        .cmd()
        .env("COLUMNS", "200")
        .args(["audit", "--offline", "--all"]));
    assert!(all.stdout.contains("│ sso-2 "), "{}", all.stdout);
    let json = run(home.cmd().args(["audit", "--offline", "--format", "json"]));
    assert_eq!(
        json.json()["profiles"].as_array().unwrap().len(),
        5,
        "JSON keeps every profile"
    );
}
