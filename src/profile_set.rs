//! Profiles and sso-sessions as the AWS SDKs see them, merged from both files.
//!
//! Follows the SDKs' normalisation: which section headers count in which file, `[profile
//! default]` over `[default]`, duplicate sections merging, the credentials file winning per key.
//! Unlike the SDKs it keeps where every value came from, and it records what they silently drop
//! (ignored sections, repeated headers) so rules can report it.

use crate::document::Document;
use crate::parse::{self, Event, ParseError, RawProperty, RawSection};
use compact_str::CompactString;
use hashbrown::HashTable;
use rustc_hash::FxHashMap;
use serde::Serialize;
use smallvec::SmallVec;
use std::hash::BuildHasher;

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
    pub value: CompactString,
    /// Where it was written, as [`Property::origin`] gives it: a 10,000-profile setup holds
    /// 40,000 properties, and four bytes for the line keep each in 32.
    line: u32,
    file: FileKind,
    pub is_sub_property_block: bool,
    /// Its line ends in a comment the SDKs cut off (and Python's botocore does not).
    pub inline_comment: bool,
}

impl Property {
    pub fn origin(&self) -> Origin {
        Origin {
            file: self.file,
            line: self.line as usize,
        }
    }
}

/// A profile or sso-session: its name, merged properties and every header that defined it.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Section {
    pub name: CompactString,
    /// One entry per key, in the order the keys first appear. A section holds a handful of
    /// properties, so a `Vec` finds a key as fast as a map and costs a fraction of its memory.
    properties: Vec<(CompactString, Property)>,
    /// A bit per key present ([`key_bit`]): most lookups ask for a key the section lacks, and
    /// the mask answers those without comparing a string.
    keys: u32,
    /// Most profiles are defined once, or once in each file: the first header is kept
    /// inline, which saves an allocation per profile.
    pub headers: SmallVec<[Origin; 1]>,
    /// Values that a later line or file set again, in the order they were replaced: see
    /// [`Section::replaced`]. Few sections have any, so the list is boxed: eight bytes in
    /// every section instead of twenty-four.
    #[allow(clippy::box_collection)]
    replaced: Option<Box<Vec<(CompactString, Property)>>>,
}

impl Section {
    /// Every property, in the order its key first appears.
    pub fn properties(&self) -> &[(CompactString, Property)] {
        &self.properties
    }

    /// Values that a later line or file set again, in the order they were replaced. The SDKs
    /// never read them, but they are still on disk: a replaced secret is a forgotten one.
    pub fn replaced(&self) -> &[(CompactString, Property)] {
        self.replaced.as_deref().map_or(&[], Vec::as_slice)
    }

    pub fn get(&self, key: &str) -> Option<&str> {
        self.property(key).map(|property| property.value.as_str())
    }

    pub fn property(&self, key: &str) -> Option<&Property> {
        if self.keys & key_bit(key) == 0 {
            return None;
        }
        self.slot(key).map(|(_, property)| property)
    }

    /// Set `key`, replacing the value an earlier line or section gave it.
    fn insert(&mut self, key: CompactString, property: Property) {
        let bit = key_bit(&key);
        if self.keys & bit != 0 {
            if let Some(slot) = self.slot_mut(&key) {
                let earlier = std::mem::replace(slot, (key, property));
                self.replaced.get_or_insert_default().push(earlier);
                return;
            }
        }
        self.keys |= bit;
        self.properties.push((key, property));
    }

    /// A linear scan: with a handful of keys, comparing lengths first rules out most of them
    /// without reading their bytes.
    fn slot(&self, key: &str) -> Option<&(CompactString, Property)> {
        self.properties.iter().find(|(existing, _)| existing == key)
    }

    fn slot_mut(&mut self, key: &str) -> Option<&mut (CompactString, Property)> {
        self.properties
            .iter_mut()
            .find(|(existing, _)| existing == key)
    }
}

/// The bit of [`Section::keys`] that stands for `key`: from its length and last byte, which
/// tell the keys the SDKs know apart well enough, and cost nothing to read.
fn key_bit(key: &str) -> u32 {
    let last = key.as_bytes().last().map_or(0, |&byte| usize::from(byte));
    1 << ((key.len() + 3 * last) % 32)
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
    profiles: Sections,
    sso_sessions: Sections,
    pub ignored: Vec<IgnoredSection>,
    pub repeated: Vec<RepeatedSection>,
}

const DEFAULT: &str = "default";
/// About what a generated IAM Identity Center profile takes: a header and four settings.
const BYTES_PER_SECTION: usize = 128;
const PROFILE_PREFIX: &str = "profile";
const SSO_SESSION_PREFIX: &str = "sso-session";
const SERVICES_PREFIX: &str = "services";

/// What a header means in a given file; names borrow from the header.
enum Target<'h> {
    Profile(&'h str),
    SsoSession(&'h str),
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
            let document = Document::new(text.to_string());
            let sections = parse::parse(&document).map_err(|error| (kind, error))?;
            set.merge_file(kind, sections);
        }
        Ok(set)
    }

    /// Merge one file's sections in. Call it for the config file first, then credentials, so
    /// the credentials file wins per key as it does in the SDKs. The sections' keys and values
    /// move into the merged profiles; nothing is copied.
    pub fn merge_file(&mut self, kind: FileKind, sections: Vec<RawSection>) {
        let prefixed_default = sections
            .iter()
            .any(|section| is_prefixed_default(kind, section.header));
        let headers = sections
            .iter()
            .map(|section| (section.line, section.header))
            .collect();
        let mut merge = FileMerge::new(
            self,
            kind,
            prefixed_default,
            sections.len(),
            Headers::known(headers),
        );
        for section in sections {
            merge.section(section.header, section.line);
            for property in section.properties {
                merge.property(property);
            }
        }
    }

    /// Parse one file and merge it in as [`ProfileSet::merge_file`] does, a line at a time:
    /// each property moves straight into its profile, and a large file's parsed sections are
    /// never held. On a refused line the set holds what came before it; callers give up on it.
    pub fn merge_document(
        &mut self,
        kind: FileKind,
        document: &Document,
    ) -> Result<(), ParseError> {
        let prefixed_default = has_prefixed_default(kind, document);
        // A section is a header and a few lines: a guess that saves growing the lists as a
        // large setup is read, without a pass to count the headers.
        let sections = document.text().len() / BYTES_PER_SECTION;
        let headers = Headers::of_document(document);
        let mut merge = FileMerge::new(self, kind, prefixed_default, sections, headers);
        parse::parse_each(document, |event| match event {
            Event::Section { header, line } => merge.section(header, line),
            Event::Property(property) => merge.property(property),
        })
    }

    fn sections_mut(&mut self, kind: Kind) -> &mut Sections {
        match kind {
            Kind::Profile => &mut self.profiles,
            Kind::SsoSession => &mut self.sso_sessions,
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
        &self.profiles.list
    }

    pub fn profile(&self, name: &str) -> Option<&Section> {
        self.profiles.get(name)
    }

    /// Where the profile called `name` is in [`ProfileSet::profiles`].
    pub fn profile_position(&self, name: &str) -> Option<usize> {
        self.profiles
            .position(name)
            .map(|position| position as usize)
    }

    pub fn sso_sessions(&self) -> &[Section] {
        &self.sso_sessions.list
    }

    pub fn sso_session(&self, name: &str) -> Option<&Section> {
        self.sso_sessions.get(name)
    }

    pub fn is_empty(&self) -> bool {
        self.profiles.list.is_empty()
    }
}

/// Sections in the order they first appear, found by name.
#[derive(Clone, Debug, Default)]
struct Sections {
    list: Vec<Section>,
    /// Positions in `list`, hashed by the section's name: four bytes a section, where a map
    /// from a copy of each name would take eight times that on a large setup.
    index: HashTable<u32>,
}

impl Sections {
    fn get(&self, name: &str) -> Option<&Section> {
        Some(&self.list[self.position(name)? as usize])
    }

    fn position(&self, name: &str) -> Option<u32> {
        self.index
            .find(hash(name), |&position| {
                self.list[position as usize].name == name
            })
            .copied()
    }

    /// The section called `name` and its position, added empty if there is none yet.
    fn entry(&mut self, name: &str) -> (u32, &mut Section) {
        let list = &mut self.list;
        let position = match self.index.entry(
            hash(name),
            |&position| list[position as usize].name == name,
            |&position| hash(&list[position as usize].name),
        ) {
            hashbrown::hash_table::Entry::Occupied(found) => *found.get(),
            hashbrown::hash_table::Entry::Vacant(slot) => {
                // A file's size limit keeps it far below four billion sections.
                let position = u32::try_from(list.len()).expect("fewer than 2^32 sections");
                list.push(Section {
                    name: name.into(),
                    ..Section::default()
                });
                *slot.insert(position).get()
            }
        };
        (position, &mut list[position as usize])
    }

    fn reserve(&mut self, additional: usize) {
        self.list.reserve(additional);
        let list = &self.list;
        self.index
            .reserve(additional, |&position| hash(&list[position as usize].name));
    }
}

fn hash(name: &str) -> u64 {
    rustc_hash::FxBuildHasher.hash_one(name)
}

/// Merges one file's sections, in order.
struct FileMerge<'s, 'h> {
    set: &'s mut ProfileSet,
    kind: FileKind,
    /// `[profile default]` anywhere in a file hides every `[default]` of that file.
    prefixed_default: bool,
    /// The file's headers: a name met again is checked against the text of its earlier ones.
    headers: Headers<'h>,
    /// Headers that name no profile or sso-session (skipped ones, `[services x]`) and the
    /// first line of each: few, so a repeat of one is found by its text.
    unnamed: FxHashMap<&'h str, usize>,
    /// Where the properties that follow go: the list and position of the current section,
    /// `None` under a header the SDKs skip.
    current: Option<(Kind, u32)>,
}

/// Every header of a file, found the first time one is asked for: only a name met twice in
/// one file needs the text of its earlier headers, and most files repeat none.
struct Headers<'h> {
    /// The text to find them in.
    document: Option<&'h Document>,
    /// `(line, header)`, in file order, once found.
    found: Option<Vec<(usize, &'h str)>>,
}

impl<'h> Headers<'h> {
    fn of_document(document: &'h Document) -> Self {
        Headers {
            document: Some(document),
            found: None,
        }
    }

    fn known(headers: Vec<(usize, &'h str)>) -> Self {
        Headers {
            document: None,
            found: Some(headers),
        }
    }

    /// The header on `line`.
    fn at(&mut self, line: usize) -> Option<&'h str> {
        let document = self.document;
        let headers = self.found.get_or_insert_with(|| {
            // Header lines are exactly the lines that start with `[`; the parser reads them so.
            document
                .into_iter()
                .flat_map(Document::numbered_lines)
                .filter(|(_, text)| text.starts_with('['))
                .filter_map(|(number, text)| Some((number, parse::section_header(text)?)))
                .collect()
        });
        let index = headers.binary_search_by_key(&line, |&(at, _)| at).ok()?;
        Some(headers[index].1)
    }
}

/// The two kinds of named section.
#[derive(Clone, Copy)]
enum Kind {
    Profile,
    SsoSession,
}

impl<'s, 'h> FileMerge<'s, 'h> {
    /// Ready for a file of about `sections` sections, with these `headers`.
    fn new(
        set: &'s mut ProfileSet,
        kind: FileKind,
        prefixed_default: bool,
        sections: usize,
        headers: Headers<'h>,
    ) -> Self {
        if set.profiles.list.is_empty() {
            // The first file's sections bound its profiles; sizing for them up front saves
            // growing (and copying) the list and its index as a large setup is read.
            set.profiles.reserve(sections);
        }
        FileMerge {
            set,
            kind,
            prefixed_default,
            headers,
            unnamed: FxHashMap::default(),
            current: None,
        }
    }

    /// A section header: the properties that follow go to the section it names.
    fn section(&mut self, header: &'h str, line: usize) {
        let kind = self.kind;
        let set = &mut *self.set;
        let origin = Origin { file: kind, line };
        let target = match classify(kind, header) {
            Ok(Target::Profile(DEFAULT))
                if self.prefixed_default && split_header(header).0.is_none() =>
            {
                Err(Skipped {
                    reason: "[profile default] in the same file takes priority".to_string(),
                    fix: "move its settings into [profile default] and delete it".to_string(),
                })
            }
            target => target,
        };
        let named = match target {
            Ok(Target::Profile(name)) => Some((Kind::Profile, name)),
            Ok(Target::SsoSession(name)) => Some((Kind::SsoSession, name)),
            _ => None,
        };
        // The same header text always means the same thing in one file, so a repeated header
        // names a section that already has a header of this file.
        let first_line = match named {
            Some((section_kind, name)) => {
                let (position, section) = set.sections_mut(section_kind).entry(name);
                let first_line = section
                    .headers
                    .iter()
                    .filter(|earlier| earlier.file == kind)
                    .map(|earlier| earlier.line)
                    .find(|&earlier| self.headers.at(earlier) == Some(header));
                section.headers.push(origin);
                self.current = Some((section_kind, position));
                first_line
            }
            None => {
                self.current = None;
                let first_line = *self.unnamed.entry(header).or_insert(line);
                if let Err(skipped) = target {
                    set.ignore(origin, header, skipped);
                }
                (first_line != line).then_some(first_line)
            }
        };
        if let Some(first_line) = first_line {
            set.repeated.push(RepeatedSection {
                header: header.to_string(),
                first: Origin {
                    file: kind,
                    line: first_line,
                },
                again: origin,
            });
        }
    }

    /// A property of the current section; the value replaces one set before.
    fn property(&mut self, property: RawProperty) {
        let Some((section_kind, position)) = self.current else {
            return;
        };
        // Keys that are not identifiers are dropped by the SDKs, with only a log line.
        if !is_identifier(&property.key) {
            return;
        }
        let merged = Property {
            value: property.value,
            // Files are read up to a few MiB; a line number past four billion cannot occur.
            line: u32::try_from(property.line).expect("fewer than 2^32 lines"),
            file: self.kind,
            is_sub_property_block: property.is_sub_property_block,
            inline_comment: property.inline_comment,
        };
        self.set.sections_mut(section_kind).list[position as usize].insert(property.key, merged);
    }
}

/// Whether the config file has a `[profile default]` header. Such a header holds the word
/// `default`, so only the lines where that word appears are read, not every header.
fn has_prefixed_default(kind: FileKind, document: &Document) -> bool {
    kind == FileKind::Config
        && memchr::memmem::find_iter(document.text().as_bytes(), DEFAULT)
            .map(|at| document.line_containing(at))
            .filter(|line| line.starts_with('['))
            .filter_map(parse::section_header)
            .any(|header| is_prefixed_default(kind, header))
}

/// `[profile default]`: only the config file reads it (the credentials file skips any
/// prefixed header), and `default` is a valid name, so the header's two words decide.
fn is_prefixed_default(kind: FileKind, header: &str) -> bool {
    kind == FileKind::Config && split_header(header) == (Some(PROFILE_PREFIX), DEFAULT)
}

/// `[prefix name]` or `[name]`: split at the first space or tab, as the SDKs do.
fn split_header(header: &str) -> (Option<&str>, &str) {
    let header = parse::trim(header);
    // Space and tab are ASCII: a byte search finds the first without decoding characters.
    match header
        .bytes()
        .position(|byte| byte == b' ' || byte == b'\t')
    {
        Some(split) => (Some(header[..split].trim()), header[split + 1..].trim()),
        None => (None, header.trim()),
    }
}

fn classify(kind: FileKind, header: &str) -> Result<Target<'_>, Skipped> {
    let (prefix, name) = split_header(header);
    let skipped = |reason: String, fix: String| Err(Skipped { reason, fix });
    let invalid_name = || {
        skipped(
            format!("`{name}` is not a valid name (letters, digits and - _ / . % @ : + only)"),
            "rename it without spaces or other characters".to_string(),
        )
    };
    match (kind, prefix) {
        (FileKind::Config, None) if name == DEFAULT => Ok(Target::Profile(DEFAULT)),
        (FileKind::Config, None) => skipped(
            "the config file needs the `profile` prefix on every profile but [default]".to_string(),
            format!("rename it to [profile {name}]"),
        ),
        (FileKind::Config, Some(_)) if !is_identifier(name) => invalid_name(),
        (FileKind::Config, Some(PROFILE_PREFIX)) => Ok(Target::Profile(name)),
        (FileKind::Config, Some(SSO_SESSION_PREFIX)) => Ok(Target::SsoSession(name)),
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
        (FileKind::Credentials, None) if is_identifier(name) => Ok(Target::Profile(name)),
        (FileKind::Credentials, None) => invalid_name(),
    }
}

/// The SDKs' identifier rule: `[A-Za-z0-9_\-/.%@:+]+`.
pub fn is_identifier(input: &str) -> bool {
    // Every allowed character is ASCII, so checking bytes is exact: any byte of a non-ASCII
    // character fails, as the character would. One table lookup a byte: every key of every
    // property goes through here.
    input
        .bytes()
        .all(|byte| IDENTIFIER_BYTES[usize::from(byte)])
}

/// Which bytes [`is_identifier`] allows.
static IDENTIFIER_BYTES: [bool; 256] = {
    let mut allowed = [false; 256];
    let mut byte = 0;
    while byte < 256 {
        let b = byte as u8;
        allowed[byte] = b.is_ascii_alphanumeric()
            || matches!(b, b'_' | b'-' | b'/' | b'.' | b'%' | b'@' | b':' | b'+');
        byte += 1;
    }
    allowed
};

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
            let document = Document::new(text.to_string());
            set.merge_file(kind, parse(&document).unwrap());
        }
        set
    }

    #[test]
    fn origins_follow_the_winning_value() {
        let set = load("[profile a]\nregion = eu-west-1\nk = 1\n", "[a]\nk = 2\n");
        let a = set.profile("a").unwrap();
        assert_eq!(
            a.property("k").unwrap().origin().file,
            FileKind::Credentials
        );
        assert_eq!(a.property("region").unwrap().origin().line, 2);
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

    #[test]
    fn a_key_set_twice_keeps_the_later_value_and_its_first_place() {
        let set = load(
            "[profile a]\nzone = 1\nk = 1\nregion = x\nk = 2\n",
            "[a]\nb = 3\nk = 4\n",
        );
        let a = set.profile("a").unwrap();
        let keys: Vec<&str> = a.properties.iter().map(|(key, _)| key.as_str()).collect();
        assert_eq!(keys, ["zone", "k", "region", "b"]);
        assert_eq!(a.get("k"), Some("4"));
        let replaced: Vec<(&str, &str, FileKind, usize)> = a
            .replaced()
            .iter()
            .map(|(key, p)| {
                (
                    key.as_str(),
                    p.value.as_str(),
                    p.origin().file,
                    p.origin().line,
                )
            })
            .collect();
        assert_eq!(
            replaced,
            [
                ("k", "1", FileKind::Config, 3),
                ("k", "2", FileKind::Config, 5)
            ]
        );
        let config_only = load("[profile a]\nk = 1\nk = 2\n", "");
        let k = config_only.profile("a").unwrap().property("k").unwrap();
        assert_eq!((k.value.as_str(), k.origin().line), ("2", 3));
    }

    /// A repeated section is a header whose exact text came earlier in the same file, whatever
    /// it means, and `[profile default]` is found from the word alone: both checked against
    /// a walk over every line, on every file of up to four headers.
    #[test]
    fn repeated_sections_are_headers_whose_text_came_before() {
        let pool = [
            "[a]",
            "[ a ]",
            "[profile a]",
            "[profile  a]",
            "[default]",
            "[profile default]",
            "[sso-session s]",
            "[services x]",
            "[not valid]",
            "[profile a] # note",
            "[profile default] ; note",
        ];
        let mut files = vec![Vec::new()];
        for _ in 0..4 {
            let longer: Vec<Vec<&str>> = files
                .iter()
                .flat_map(|file| {
                    pool.iter().map(move |header| {
                        let mut longer = file.clone();
                        longer.push(*header);
                        longer
                    })
                })
                .collect();
            files.extend(longer);
        }
        for headers in &files {
            let text: String = headers
                .iter()
                .map(|header| format!("{header}\nregion = default\n"))
                .collect();
            for kind in [FileKind::Config, FileKind::Credentials] {
                let mut expected = Vec::new();
                let mut first_lines: FxHashMap<&str, usize> = FxHashMap::default();
                for (index, line) in headers.iter().enumerate() {
                    let header = parse::section_header(line).unwrap();
                    let number = 2 * index + 1;
                    let first = *first_lines.entry(header).or_insert(number);
                    if first != number {
                        expected.push((header.to_string(), first, number));
                    }
                }
                let document = Document::new(text.clone());
                let walked = document
                    .numbered_lines()
                    .filter(|(_, line)| line.starts_with('['))
                    .filter_map(|(_, line)| parse::section_header(line))
                    .any(|header| is_prefixed_default(kind, header));
                assert_eq!(has_prefixed_default(kind, &document), walked, "{text:?}");
                let mut set = ProfileSet::default();
                set.merge_document(kind, &document).unwrap();
                let found: Vec<(String, usize, usize)> = set
                    .repeated
                    .iter()
                    .map(|repeat| (repeat.header.clone(), repeat.first.line, repeat.again.line))
                    .collect();
                assert_eq!(found, expected, "{kind:?} {text:?}");
            }
        }
    }

    #[test]
    fn merging_a_document_matches_merging_its_parsed_sections() {
        let cases = [
            (
                "[default]\na = 1\n[profile a]\nk = v\n[profile default]\nb = 2\n[profile a]\nk = w\n",
                "[a]\nk = x\n[default]\nz = 1\n[a]\ny = 2\n",
            ),
            (
                "[foo]\n[profile b]\nregion = r\n[sso-session s]\nsso_region = x\n[foo]\n",
                "[profile c]\n[b]\nk = 1\n[default]\n",
            ),
            ("# only comments\n", ""),
        ];
        for (config, credentials) in cases {
            let expected = load(config, credentials);
            let mut merged = ProfileSet::default();
            for (kind, text) in [
                (FileKind::Config, config),
                (FileKind::Credentials, credentials),
            ] {
                let document = Document::new(text.to_string());
                merged.merge_document(kind, &document).unwrap();
            }
            assert_eq!(merged.profiles(), expected.profiles(), "{config:?}");
            assert_eq!(merged.sso_sessions(), expected.sso_sessions());
            assert_eq!(merged.ignored, expected.ignored);
            assert_eq!(merged.repeated, expected.repeated);
        }
    }

    #[test]
    fn a_refused_line_fails_the_document() {
        let mut set = ProfileSet::default();
        let document = Document::new("[profile a]\nk = 1\n[broken\n".to_string());
        let error = set.merge_document(FileKind::Config, &document).unwrap_err();
        assert_eq!(error.line, 3);
    }
}
