//! `key-in-config-file` (rules/key-in-config-file.toml): a profile's keys are written in the
//! config file, the one people share, in use or overridden by the credentials file.

use super::{Context, Rule};
use crate::audit::finding::Finding;
use crate::parse::origin::FileKind;
use crate::profiles::set::Property;

/// What the SDKs read as a profile's static credentials.
const CREDENTIAL_KEYS: [&str; 3] = [
    "aws_access_key_id",
    "aws_secret_access_key",
    "aws_session_token",
];

pub fn check(rule: &Rule, ctx: &Context, out: &mut Vec<Finding>) {
    let credentials_file = ctx.path(FileKind::Credentials).display();
    for section in ctx.model.set.profiles() {
        let name = &section.name;
        let in_use = in_config(section.properties());
        let overridden = in_config(section.replaced());
        let (found, message, fix) = if !in_use.is_empty() {
            let keys = names(&in_use);
            (
                in_use,
                format!("Profile {name} keeps its keys in the config file, the one people share"),
                format!("Move {keys} to [{name}] in {credentials_file} and delete them from the config file"),
            )
        } else if !overridden.is_empty() {
            let keys = names(&overridden);
            (
                overridden,
                format!("The config file still holds keys for profile {name} that the credentials file overrides: unused, but on disk"),
                format!("Delete {keys} from the config file; the ones in {credentials_file} are in use"),
            )
        } else {
            continue;
        };
        let origin = found[0].1.origin();
        let finding = rule
            .finding(message)
            .profile(name)
            .evidence(format!("{} in {}", names(&found), ctx.cite(origin)))
            .fix(fix);
        out.push(ctx.place(finding, origin));
    }
}

/// The credential properties among `properties` written in the config file, each key once,
/// first line first.
fn in_config<'s>(
    properties: impl Iterator<Item = (&'s str, &'s Property)>,
) -> Vec<(&'s str, &'s Property)> {
    let mut found: Vec<(&str, &Property)> = Vec::new();
    for (key, property) in properties {
        let credential = CREDENTIAL_KEYS.contains(&key);
        let seen = found.iter().any(|(other, _)| *other == key);
        if credential && property.origin().file == FileKind::Config && !seen {
            found.push((key, property));
        }
    }
    found.sort_by_key(|(_, property)| property.origin().line);
    found
}

/// `aws_access_key_id`, `aws_access_key_id and aws_secret_access_key`, `a, b and c`.
fn names(found: &[(&str, &Property)]) -> String {
    let keys: Vec<&str> = found.iter().map(|(key, _)| *key).collect();
    match keys.split_last() {
        Some((last, rest)) if !rest.is_empty() => format!("{} and {last}", rest.join(", ")),
        _ => keys.concat(),
    }
}
