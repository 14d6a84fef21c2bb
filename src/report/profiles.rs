//! `awscheck profiles`: every profile, what it resolves to, and its merged properties.

use super::ProfileRow;
use crate::profiles::model::Model;
use crate::profiles::set::Section;
use crate::sys::mask::{is_secret_key, redact_secret_words, KeyDisplay, REDACTED};
use serde_json::{json, Map, Value};

/// The JSON listing: `profiles[]` with merged properties (secrets redacted) and
/// `sso_sessions[]`.
pub fn render_json(model: &Model, rows: &[ProfileRow], keys: KeyDisplay) -> String {
    let profiles: Vec<Value> = model
        .profiles
        .iter()
        .zip(rows)
        .map(|(profile, row)| {
            let mut entry = serde_json::to_value(row).expect("plain data serialises");
            entry["properties"] = properties(profile.section, keys);
            entry
        })
        .collect();
    let sso_sessions: Vec<Value> = model
        .set
        .sso_sessions()
        .map(|session| json!({ "name": session.name, "properties": properties(session, keys) }))
        .collect();
    let document = json!({
        "schema_version": super::json::SCHEMA_VERSION,
        "profiles": profiles,
        "sso_sessions": sso_sessions,
    });
    let mut text = serde_json::to_string_pretty(&document).expect("plain data serialises");
    text.push('\n');
    text
}

/// Merged properties with lower-cased keys; sub-property blocks (`s3 =` then indented lines)
/// become objects.
fn properties(section: &Section, keys: KeyDisplay) -> Value {
    let mut map = Map::new();
    for (key, property) in section.properties() {
        let value = if is_secret_key(key) {
            Value::from(REDACTED)
        } else if key == "aws_access_key_id" {
            Value::from(keys.show(&property.value))
        } else if property.is_sub_property_block() {
            sub_properties(&property.value)
        } else {
            // A protected profile's credential_process names its key ID: masked like any other;
            // and a value may hold a secret under a name that does not say so.
            Value::from(crate::sys::mask::scrub(&property.value, &[], keys))
        };
        map.insert(key.to_string(), value);
    }
    Value::Object(map)
}

fn sub_properties(value: &str) -> Value {
    let mut map = Map::new();
    for line in value.lines().filter(|line| !line.is_empty()) {
        if let Some((name, sub_value)) = line.split_once('=') {
            let name = name.trim();
            let sub_value = if is_secret_key(name) {
                REDACTED.into()
            } else {
                redact_secret_words(sub_value.trim())
            };
            map.insert(name.to_string(), Value::from(sub_value.as_ref()));
        }
    }
    Value::Object(map)
}
