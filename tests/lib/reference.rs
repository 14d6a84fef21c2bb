//! The AWS SDKs' own cross-SDK test suites (tests/data/, Apache-2.0, see its README): the
//! parser, credential chain resolution and file locations must agree with every case.

use awscheck::input::locate::{locate, Overrides};
use awscheck::profiles::chain::{self, Base, Chain};
use awscheck::profiles::set::ProfileSet;
use awscheck::sys::env::Env;
use serde_json::{json, Map, Value};
use std::path::Path;

fn load(name: &str) -> Value {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/data")
        .join(name);
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

fn sections_as_json<'a>(
    sections: impl Iterator<Item = &'a awscheck::profiles::set::Section>,
) -> Value {
    let mut out = Map::new();
    for section in sections {
        let properties: Map<String, Value> = section
            .properties()
            .map(|(key, property)| (key.to_string(), Value::from(property.value.as_str())))
            .collect();
        out.insert(section.name.to_string(), Value::Object(properties));
    }
    Value::Object(out)
}

#[test]
fn profile_parser_suite() {
    let suite = load("profile-parser-tests.json");
    let tests = suite["tests"].as_array().unwrap();
    assert_eq!(tests.len(), 65);
    let mut failures = Vec::new();
    for case in tests {
        let name = case["name"].as_str().unwrap();
        let config = case["input"]["configFile"].as_str().unwrap_or("");
        let credentials = case["input"]["credentialsFile"].as_str().unwrap_or("");
        let result = ProfileSet::from_texts(config, credentials);
        let output = &case["output"];
        match (output.get("errorContaining"), result) {
            (Some(_), Err(_)) => {}
            (Some(expected), Ok(_)) => {
                failures.push(format!("{name}: parsed, expected error {expected}"))
            }
            (None, Err((kind, error))) => {
                failures.push(format!("{name}: unexpected error in {kind:?}: {error:?}"))
            }
            (None, Ok(set)) => {
                let profiles = sections_as_json(set.profiles());
                if profiles != output["config"]["profiles"] {
                    failures.push(format!(
                        "{name}: profiles {profiles} != {}",
                        output["config"]["profiles"]
                    ));
                }
                if let Some(expected) = output["config"].get("sso_sessions") {
                    let sessions = sections_as_json(set.sso_sessions());
                    if &sessions != expected {
                        failures.push(format!("{name}: sso_sessions {sessions} != {expected}"));
                    }
                }
            }
        }
    }
    assert!(
        failures.is_empty(),
        "{} failing cases:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

/// The error messages are the Java SDK's; where the suite gives one, ours should say the same.
#[test]
fn profile_parser_errors_use_the_sdk_wording() {
    let suite = load("profile-parser-tests.json");
    for case in suite["tests"].as_array().unwrap() {
        let Some(expected) = case["output"]["errorContaining"].as_str() else {
            continue;
        };
        let config = case["input"]["configFile"].as_str().unwrap_or("");
        let credentials = case["input"]["credentialsFile"].as_str().unwrap_or("");
        let (_, error) = ProfileSet::from_texts(config, credentials).unwrap_err();
        assert!(
            error.message.contains(expected),
            "{}: {:?} lacks {expected:?}",
            case["name"],
            error.message
        );
    }
}

/// Write the suite's profile maps as a config file, so the whole parser is exercised too.
fn config_text(input: &Value) -> String {
    let mut text = String::new();
    for (name, properties) in input["profiles"].as_object().unwrap() {
        let header = if name == "default" {
            "[default]".to_string()
        } else {
            format!("[profile {name}]")
        };
        text.push_str(&header);
        text.push('\n');
        for (key, value) in properties.as_object().unwrap() {
            text.push_str(&format!("{key} = {}\n", value.as_str().unwrap()));
        }
    }
    if let Some(sessions) = input.get("sso_sessions").and_then(Value::as_object) {
        for (name, properties) in sessions {
            text.push_str(&format!("[sso-session {name}]\n"));
            for (key, value) in properties.as_object().unwrap() {
                text.push_str(&format!("{key} = {}\n", value.as_str().unwrap()));
            }
        }
    }
    text
}

fn insert_some(map: &mut Map<String, Value>, key: &str, value: Option<&str>) {
    if let Some(value) = value {
        map.insert(key.to_string(), Value::from(value));
    }
}

fn chain_as_json(set: &ProfileSet, chain: &Chain) -> Value {
    let mut links = Vec::new();
    let base = match &chain.base {
        Base::AccessKey {
            profile,
            access_key_id,
            has_session_token,
        } => {
            let source = set.profile(profile).unwrap();
            let mut map = Map::new();
            map.insert("access_key_id".into(), Value::from(*access_key_id));
            insert_some(
                &mut map,
                "secret_access_key",
                source.get_named("aws_secret_access_key"),
            );
            insert_some(&mut map, "account_id", source.get_named("aws_account_id"));
            if *has_session_token {
                insert_some(
                    &mut map,
                    "session_token",
                    source.get_named("aws_session_token"),
                );
            }
            json!({ "AccessKey": map })
        }
        Base::NamedSource { name, .. } => json!({ "NamedSource": name }),
        Base::WebIdentity {
            profile,
            role_arn,
            token_file,
        } => {
            let source = set.profile(profile).unwrap();
            let mut map = Map::new();
            map.insert("role_arn".into(), Value::from(*role_arn));
            map.insert("web_identity_token_file".into(), Value::from(*token_file));
            insert_some(
                &mut map,
                "role_session_name",
                source.get_named("role_session_name"),
            );
            json!({ "WebIdentityToken": map })
        }
        Base::Sso(sso) => {
            let mut map = Map::new();
            insert_some(&mut map, "sso_session", sso.session_name());
            insert_some(&mut map, "sso_region", sso.region());
            insert_some(&mut map, "sso_start_url", sso.start_url());
            insert_some(&mut map, "sso_account_id", sso.account_id());
            insert_some(&mut map, "sso_role_name", sso.role_name());
            json!({ "Sso": map })
        }
        other => panic!("the suite has no case for {other:?}"),
    };
    links.push(base);
    for role in &chain.roles {
        let mut map = Map::new();
        map.insert("role_arn".into(), Value::from(role.role_arn));
        insert_some(&mut map, "role_session_name", role.session_name);
        insert_some(&mut map, "external_id", role.external_id);
        links.push(json!({ "AssumeRole": map }));
    }
    Value::Array(links)
}

#[test]
fn assume_role_suite() {
    let suite = load("assume-role-tests.json");
    let cases = suite.as_array().unwrap();
    assert_eq!(cases.len(), 28);
    let mut failures = Vec::new();
    for case in cases {
        let docs = case["docs"].as_str().unwrap();
        let set = ProfileSet::from_texts(&config_text(&case["input"]), "").unwrap();
        let selected = case["input"]["selected_profile"].as_str().unwrap();
        let result = chain::resolve(&set, selected);
        match (&case["output"], result) {
            (output, Ok(chain)) if output.get("ProfileChain").is_some() => {
                let actual = chain_as_json(&set, &chain);
                if actual != output["ProfileChain"] {
                    failures.push(format!("{docs}: {actual} != {}", output["ProfileChain"]));
                }
            }
            (output, Err(error)) if output.get("Error").is_some() => {
                let expected = output["Error"].as_str().unwrap();
                if !error.to_string().contains(expected) {
                    failures.push(format!("{docs}: error {error:?} lacks {expected:?}"));
                }
            }
            (output, result) => failures.push(format!("{docs}: expected {output}, got {result:?}")),
        }
    }
    assert!(
        failures.is_empty(),
        "{} failing cases:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

#[test]
fn file_location_suite_non_windows_cases() {
    let suite = load("file-location-tests.json");
    let mut checked = 0;
    for case in suite["tests"].as_array().unwrap() {
        if case["platform"] == "windows" {
            continue;
        }
        let env = Env::from_pairs(
            case["environment"]
                .as_object()
                .unwrap()
                .iter()
                .map(|(key, value)| (key.clone(), value.as_str().unwrap().to_string())),
        );
        let found = locate(&env, &Overrides::default());
        let name = case["name"].as_str().unwrap();
        assert_eq!(
            found.config.path,
            Path::new(case["configLocation"].as_str().unwrap()),
            "{name}"
        );
        assert_eq!(
            found.credentials.path,
            Path::new(case["credentialsLocation"].as_str().unwrap()),
            "{name}"
        );
        if let Some(profile) = case["profile"].as_str() {
            assert_eq!(found.selected_profile, profile, "{name}");
        }
        checked += 1;
    }
    assert_eq!(checked, 4);
}
