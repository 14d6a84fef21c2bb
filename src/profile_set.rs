//! Profiles and sso-sessions as the AWS SDKs see them, merged from both files.
//!
//! Follows the SDKs' normalisation: which section headers count in which file, `[profile
//! default]` over `[default]`, duplicate sections merging, the credentials file winning per key.
//! Unlike the SDKs it keeps where every value came from, and it records what they silently drop
//! (ignored sections, repeated headers) so rules can report it.

use crate::document::Document;
use crate::parse::{self, ParseError, RawProperty, RawSection, WHITESPACE};
use serde::Serialize;
use std::collections::{BTreeMap, HashMap};
use std::ops::Range;

/// Which of the two shared files a line lives in.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum FileKind {
    Config,
    Credentials,
}

impl FileKind {
    pub fn name(self) -> &'static str {
        match self {
            FileKind::Config => "config",
            FileKind::Credentials => "credentials",
        }
    }
}

/// A line in one of the two files.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Origin {
    pub file: FileKind,
    pub line: usize,
}

/// A merged property: the value that wins, and where it was written.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Property {
    pub value: String,
    pub origin: Origin,
    /// Bytes of the value in its file's text; spans one line only when `multi_line` is false.
    pub value_span: Range<usize>,
    pub multi_line: bool,
    pub is_sub_property_block: bool,
}

/// A profile or sso-session: its name, merged properties and every header that defined it.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Section {
    pub name: String,
    pub properties: BTreeMap<String, Property>,
    pub headers: Vec<Origin>,
}

impl Section {
    pub fn get(&self, key: &str) -> Option<&str> {
        self.properties
            .get(key)
            .map(|property| property.value.as_str())
    }

    pub fn property(&self, key: &str) -> Option<&Property> {
        self.properties.get(key)
    }
}

/// A section header the SDKs skip without a word.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct IgnoredSection {
    pub origin: Origin,
    pub header: String,
    pub reason: String,
    /// The edit that makes the SDKs read it.
    pub fix: String,
}

/// Why a header is skipped, and what would make it count.
#[derive(Clone, Debug, PartialEq, Eq)]
struct Skipped {
    reason: String,
    fix: String,
}

/// The same header twice in one file: the SDKs merge it, both AWS CLI versions refuse the file.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RepeatedSection {
    pub header: String,
    pub first: Origin,
    pub again: Origin,
}

/// Everything both files define, in the order profiles first appear.
#[derive(Clone, Debug, Default)]
pub struct ProfileSet {
    profiles: Vec<Section>,
    profile_index: HashMap<String, usize>,
    sso_sessions: Vec<Section>,
    sso_session_index: HashMap<String, usize>,
    pub ignored: Vec<IgnoredSection>,
    pub repeated: Vec<RepeatedSection>,
}

const DEFAULT: &str = "default";
const PROFILE_PREFIX: &str = "profile";
const SSO_SESSION_PREFIX: &str = "sso-session";
const SERVICES_PREFIX: &str = "services";

/// What a header means in a given file.
enum Target {
    Profile(String),
    SsoSession(String),
    /// A section the SDKs read but that holds no profile (`[services x]`).
    Other,
}

impl ProfileSet {
    /// Parse and merge the two files' text; for tests and tools that have no files on disk.
    pub fn from_texts(config: &str, credentials: &str) -> Result<Self, (FileKind, ParseError)> {
        let mut set = ProfileSet::default();
        for (kind, text) in [
            (FileKind::Config, config),
            (FileKind::Credentials, credentials),
        ] {
            let sections =
                parse::parse(&Document::new(text.to_string())).map_err(|error| (kind, error))?;
            set.merge_file(kind, sections);
        }
        Ok(set)
    }

    /// Merge one file's sections in. Call it for the config file first, then credentials, so
    /// the credentials file wins per key as it does in the SDKs.
    pub fn merge_file(&mut self, kind: FileKind, sections: Vec<RawSection>) {
        let targets: Vec<Result<Target, Skipped>> = sections
            .iter()
            .map(|section| classify(kind, &section.header))
            .collect();
        // `[profile default]` anywhere in a file hides every `[default]` of that file.
        let prefixed_default = sections.iter().zip(&targets).any(|(section, target)| {
            matches!(target, Ok(Target::Profile(name)) if name == DEFAULT)
                && split_header(&section.header).0.is_some()
        });

        let mut seen_headers: HashMap<&str, usize> = HashMap::new();
        for (section, target) in sections.iter().zip(targets) {
            let origin = Origin {
                file: kind,
                line: section.line,
            };
            let first_line = *seen_headers
                .entry(section.header.as_str())
                .or_insert(section.line);
            if first_line != section.line {
                self.repeated.push(RepeatedSection {
                    header: section.header.clone(),
                    first: Origin {
                        file: kind,
                        line: first_line,
                    },
                    again: origin,
                });
            }
            let target = match target {
                Ok(target) => target,
                Err(skipped) => {
                    self.ignore(origin, &section.header, skipped);
                    continue;
                }
            };
            match target {
                Target::Profile(name) => {
                    if prefixed_default
                        && name == DEFAULT
                        && split_header(&section.header).0.is_none()
                    {
                        self.ignore(
                            origin,
                            &section.header,
                            Skipped {
                                reason: "[profile default] in the same file takes priority"
                                    .to_string(),
                                fix: "move its settings into [profile default] and delete it"
                                    .to_string(),
                            },
                        );
                        continue;
                    }
                    let index = entry(&mut self.profiles, &mut self.profile_index, &name);
                    merge_section(&mut self.profiles[index], origin, &section.properties);
                }
                Target::SsoSession(name) => {
                    let index = entry(&mut self.sso_sessions, &mut self.sso_session_index, &name);
                    merge_section(&mut self.sso_sessions[index], origin, &section.properties);
                }
                Target::Other => {}
            }
        }
    }

    fn ignore(&mut self, origin: Origin, header: &str, skipped: Skipped) {
        self.ignored.push(IgnoredSection {
            origin,
            header: header.to_string(),
            reason: skipped.reason,
            fix: skipped.fix,
        });
    }

    pub fn profiles(&self) -> &[Section] {
        &self.profiles
    }

    pub fn profile(&self, name: &str) -> Option<&Section> {
        self.profile_index
            .get(name)
            .map(|&index| &self.profiles[index])
    }

    pub fn sso_sessions(&self) -> &[Section] {
        &self.sso_sessions
    }

    pub fn sso_session(&self, name: &str) -> Option<&Section> {
        self.sso_session_index
            .get(name)
            .map(|&index| &self.sso_sessions[index])
    }

    pub fn is_empty(&self) -> bool {
        self.profiles.is_empty()
    }
}

fn entry(sections: &mut Vec<Section>, index: &mut HashMap<String, usize>, name: &str) -> usize {
    if let Some(&position) = index.get(name) {
        return position;
    }
    sections.push(Section {
        name: name.to_string(),
        ..Section::default()
    });
    index.insert(name.to_string(), sections.len() - 1);
    sections.len() - 1
}

fn merge_section(target: &mut Section, origin: Origin, properties: &[RawProperty]) {
    target.headers.push(origin);
    for property in properties {
        // Keys that are not identifiers are dropped by the SDKs, with only a log line.
        if !is_identifier(&property.key) {
            continue;
        }
        target.properties.insert(
            property.key.clone(),
            Property {
                value: property.value.clone(),
                origin: Origin {
                    file: origin.file,
                    line: property.line,
                },
                value_span: property.value_span.clone(),
                multi_line: property.last_line != property.line,
                is_sub_property_block: property.is_sub_property_block,
            },
        );
    }
}

/// `[prefix name]` or `[name]`: split at the first space or tab, as the SDKs do.
fn split_header(header: &str) -> (Option<&str>, &str) {
    let header = header.trim_matches(WHITESPACE);
    match header.split_once(WHITESPACE) {
        Some((prefix, name)) => (Some(prefix.trim()), name.trim()),
        None => (None, header.trim()),
    }
}

fn classify(kind: FileKind, header: &str) -> Result<Target, Skipped> {
    let (prefix, name) = split_header(header);
    let skipped = |reason: String, fix: String| Err(Skipped { reason, fix });
    let invalid_name = || {
        skipped(
            format!("`{name}` is not a valid name (letters, digits and - _ / . % @ : + only)"),
            "rename it without spaces or other characters".to_string(),
        )
    };
    match (kind, prefix) {
        (FileKind::Config, None) if name == DEFAULT => Ok(Target::Profile(DEFAULT.to_string())),
        (FileKind::Config, None) => skipped(
            "the config file needs the `profile` prefix on every profile but [default]".to_string(),
            format!("rename it to [profile {name}]"),
        ),
        (FileKind::Config, Some(_)) if !is_identifier(name) => invalid_name(),
        (FileKind::Config, Some(PROFILE_PREFIX)) => Ok(Target::Profile(name.to_string())),
        (FileKind::Config, Some(SSO_SESSION_PREFIX)) => Ok(Target::SsoSession(name.to_string())),
        (FileKind::Config, Some(SERVICES_PREFIX)) => Ok(Target::Other),
        (FileKind::Config, Some(prefix)) => skipped(
            format!(
                "`{prefix}` is not a section type the SDKs know (profile, sso-session, services)"
            ),
            format!("correct the section type, e.g. [profile {name}] or [sso-session {name}]"),
        ),
        (FileKind::Credentials, Some(PROFILE_PREFIX)) => skipped(
            "the credentials file takes profile names without the `profile` prefix".to_string(),
            format!("rename it to [{name}]"),
        ),
        (FileKind::Credentials, Some(prefix)) => skipped(
            format!("[{prefix} ...] sections are only read from the config file"),
            format!("move it to the config file as [{prefix} {name}]"),
        ),
        (FileKind::Credentials, None) if is_identifier(name) => {
            Ok(Target::Profile(name.to_string()))
        }
        (FileKind::Credentials, None) => invalid_name(),
    }
}

/// The SDKs' identifier rule: `[A-Za-z0-9_\-/.%@:+]+`.
pub fn is_identifier(input: &str) -> bool {
    input
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || "_-/.%@:+".contains(c))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::document::Document;
    use crate::parse::parse;

    fn load(config: &str, credentials: &str) -> ProfileSet {
        let mut set = ProfileSet::default();
        for (kind, text) in [
            (FileKind::Config, config),
            (FileKind::Credentials, credentials),
        ] {
            let sections = parse(&Document::new(text.to_string())).unwrap();
            set.merge_file(kind, sections);
        }
        set
    }

    #[test]
    fn origins_follow_the_winning_value() {
        let set = load("[profile a]\nregion = eu-west-1\nk = 1\n", "[a]\nk = 2\n");
        let a = set.profile("a").unwrap();
        assert_eq!(a.property("k").unwrap().origin.file, FileKind::Credentials);
        assert_eq!(a.property("region").unwrap().origin.line, 2);
        assert_eq!(a.headers.len(), 2);
    }

    #[test]
    fn repeated_headers_and_ignored_sections_are_recorded() {
        let set = load("[profile a]\n[foo]\n[profile a]\n", "[profile b]\n");
        assert_eq!(set.repeated.len(), 1);
        assert_eq!(set.repeated[0].first.line, 1);
        assert_eq!(set.repeated[0].again.line, 3);
        let ignored: Vec<_> = set.ignored.iter().map(|i| i.header.as_str()).collect();
        assert_eq!(ignored, ["foo", "profile b"]);
    }

    #[test]
    fn unprefixed_default_is_ignored_beside_prefixed_default() {
        let set = load("[default]\na = 1\n[profile default]\nb = 2\n", "");
        let default = set.profile("default").unwrap();
        assert_eq!(default.get("a"), None);
        assert_eq!(set.ignored[0].origin.line, 1);
    }
}
