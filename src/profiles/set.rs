//! Profiles and sso-sessions as the AWS SDKs see them, merged from both files.
//!
//! Follows the SDKs' normalisation: which section headers count in which file, `[profile
//! default]` over `[default]`, duplicate sections merging, the credentials file winning per key.
//! Unlike the SDKs it keeps where every value came from, and it records what they silently drop
//! (ignored sections, repeated headers) so rules can report it.

use crate::parse::document::Document;
use crate::parse::grammar::{self, Event, ParseError, RawProperty, RawSection};
use crate::parse::key::{KnownKey, PropertyKey};
use crate::parse::origin::{FileKind, Origin};
use compact_str::CompactString;
use indexmap::IndexMap;
use rustc_hash::FxBuildHasher;
use rustc_hash::FxHashMap;

use smallvec::SmallVec;

/// A merged property: the value that wins, and where it was written.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Property {
    pub value: CompactString,
    /// The line ([`LINE_BITS`]), then the file and two flags, one bit each: a
    /// 10,000-profile setup holds 40,000 properties, and this keeps each in 32 bytes.
    place: u32,
    /// Its key, which its section spells (see [`Section::properties`]).
    key: KeyNumber,
}

/// Bits of [`Property::place`] that hold the line: files are read up to 10 MiB, far fewer
/// lines than the 536 million these can count.
const LINE_BITS: u32 = 29;
const LINE_MASK: u32 = (1 << LINE_BITS) - 1;
const IN_CREDENTIALS: u32 = 1 << LINE_BITS;
const SUB_PROPERTY_BLOCK: u32 = 1 << (LINE_BITS + 1);
const INLINE_COMMENT: u32 = 1 << (LINE_BITS + 2);

impl Property {
    fn new(key: KeyNumber, raw: RawProperty, file: FileKind) -> Self {
        let line = u32::try_from(raw.line)
            .ok()
            .filter(|line| line & !LINE_MASK == 0)
            .expect("fewer than 2^29 lines");
        let mut place = line;
        if file == FileKind::Credentials {
            place |= IN_CREDENTIALS;
        }
        if raw.is_sub_property_block {
            place |= SUB_PROPERTY_BLOCK;
        }
        if raw.inline_comment {
            place |= INLINE_COMMENT;
        }
        Property {
            value: raw.value,
            place,
            key,
        }
    }

    pub fn origin(&self) -> Origin {
        Origin {
            file: if self.place & IN_CREDENTIALS != 0 {
                FileKind::Credentials
            } else {
                FileKind::Config
            },
            line: (self.place & LINE_MASK) as usize,
        }
    }

    /// `key =` with an empty value followed by indented `name = value` lines.
    pub fn is_sub_property_block(&self) -> bool {
        self.place & SUB_PROPERTY_BLOCK != 0
    }

    /// Its line ends in a comment the SDKs cut off (and Python's botocore does not).
    pub fn inline_comment(&self) -> bool {
        self.place & INLINE_COMMENT != 0
    }
}

/// A property's key within its section: a [`KnownKey`]'s index, or past those, the position
/// of the key's text among the section's other keys.
/// A key's number within its section: a known key's own number, or [`KnownKey::COUNT`] plus
/// the key's place among the other keys the section met. Properties and their index refer to
/// their key by it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
struct KeyNumber(u32);

/// The bit of [`Section::known_keys`] that stands for `key`.
fn known_bit(key: KnownKey) -> u64 {
    1 << key.index()
}

/// A profile or sso-session: its name, merged properties and every header that defined it.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Section {
    pub name: CompactString,
    /// One entry per key, in the order the keys first appear. A section holds a handful of
    /// properties, so a list finds a key as fast as a map and costs a fraction of its memory.
    /// Up to four, the most a generated IAM Identity Center profile or a key profile usually
    /// has, are kept inline: an allocation less for each profile.
    properties: SmallVec<[Property; 4]>,
    /// A bit per [`KnownKey`] among the properties: most lookups ask for a key the section
    /// lacks, and this answers them without a look at the properties.
    known_keys: u64,
    /// Most profiles are defined once, or once in each file: the first header is kept
    /// inline, which saves an allocation per profile.
    pub headers: SmallVec<[Origin; 1]>,
    /// What few sections have, boxed: eight bytes in every section instead of dozens.
    uncommon: Option<Box<Uncommon>>,
}

/// The parts of a [`Section`] that most sections do without.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
struct Uncommon {
    /// The text of the keys that are not [`KnownKey`]s, in the order they first appear.
    other_keys: Vec<CompactString>,
    /// Values that a later line or file set again, in the order they were replaced.
    replaced: Vec<Property>,
    /// Set up once a section has [`INDEXED_FROM`] properties, and from then on kept.
    index: Option<KeyIndex>,
}

/// Keys found by hashing, for a section too large to scan: a file of a single section with
/// 200,000 keys would otherwise take minutes.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
struct KeyIndex {
    /// Each of [`Uncommon::other_keys`] with its id.
    other_keys: FxHashMap<CompactString, KeyNumber>,
    /// Each key's position in [`Section::properties`].
    positions: FxHashMap<KeyNumber, u32>,
}

/// How many properties a section holds before its keys are found by hashing. Generated
/// profiles hold four or five, scanned faster than hashed.
const INDEXED_FROM: usize = 16;

impl Section {
    /// Every property with its key, in the order the key first appears.
    pub fn properties(&self) -> impl Iterator<Item = (&str, &Property)> {
        self.named(&self.properties)
    }

    /// Values that a later line or file set again, in the order they were replaced. The SDKs
    /// never read them, but they are still on disk: a replaced secret is a forgotten one.
    pub fn replaced(&self) -> impl Iterator<Item = (&str, &Property)> {
        let replaced = self.uncommon.as_deref().map(|uncommon| &uncommon.replaced);
        self.named(replaced.map_or(&[], Vec::as_slice))
    }

    fn named<'s>(
        &'s self,
        properties: &'s [Property],
    ) -> impl Iterator<Item = (&'s str, &'s Property)> {
        properties
            .iter()
            .map(|property| (self.key_name(property.key), property))
    }

    /// The text of the key `key` stands for.
    fn key_name(&self, key: KeyNumber) -> &str {
        match KnownKey::from_index(key.0) {
            Some(known) => known.name(),
            None => {
                let uncommon = self.uncommon.as_deref().expect("a key this section named");
                &uncommon.other_keys[(key.0 - KnownKey::COUNT) as usize]
            }
        }
    }

    /// The value of a known key (a [`KnownKey`] constant).
    pub fn get(&self, key: KnownKey) -> Option<&str> {
        self.property(key).map(|property| property.value.as_str())
    }

    pub fn property(&self, key: KnownKey) -> Option<&Property> {
        let number = (self.known_keys & known_bit(key) != 0).then_some(KeyNumber(key.index()))?;
        Some(&self.properties[self.position(number)?])
    }

    /// The value of any key, by its text (in lower case, as the SDKs compare keys).
    pub fn get_named(&self, key: &str) -> Option<&str> {
        self.property_named(key)
            .map(|property| property.value.as_str())
    }

    pub fn property_named(&self, key: &str) -> Option<&Property> {
        match KnownKey::find(key) {
            Some(known) => self.property(known),
            None => Some(&self.properties[self.position(self.other_key_number(key)?)?]),
        }
    }

    /// Where the property of `key` is in `properties`.
    fn position(&self, key: KeyNumber) -> Option<usize> {
        if self.properties.len() < INDEXED_FROM {
            return self
                .properties
                .iter()
                .position(|property| property.key == key);
        }
        let index = self
            .uncommon
            .as_deref()
            .and_then(|uncommon| uncommon.index.as_ref());
        let position = index
            .expect("an index from INDEXED_FROM on")
            .positions
            .get(&key)?;
        Some(*position as usize)
    }

    /// The id of the key `key`, which is not a [`KnownKey`], if this section has it.
    fn other_key_number(&self, key: &str) -> Option<KeyNumber> {
        let uncommon = self.uncommon.as_deref()?;
        if let Some(index) = &uncommon.index {
            return index.other_keys.get(key).copied();
        }
        let position = uncommon.other_keys.iter().position(|other| other == key)?;
        Some(other_key(position))
    }

    /// The id for `key`, given one first if this section has not met it, and whether it
    /// had.
    fn key_number_or_add(&mut self, key: &PropertyKey) -> (KeyNumber, bool) {
        match key {
            PropertyKey::Known(known) => {
                let bit = known_bit(*known);
                let met = self.known_keys & bit != 0;
                self.known_keys |= bit;
                (KeyNumber(known.index()), met)
            }
            PropertyKey::Other(text) => {
                if let Some(id) = self.other_key_number(text) {
                    return (id, true);
                }
                let uncommon = self.uncommon.get_or_insert_default();
                let id = other_key(uncommon.other_keys.len());
                uncommon.other_keys.push(text.clone());
                if let Some(index) = &mut uncommon.index {
                    index.other_keys.insert(text.clone(), id);
                }
                (id, false)
            }
        }
    }

    /// Set a key, replacing the value an earlier line or section gave it.
    fn insert(&mut self, raw: RawProperty, file: FileKind) {
        let (key, met) = self.key_number_or_add(&raw.key);
        let property = Property::new(key, raw, file);
        if let Some(position) = met.then(|| self.position(key)).flatten() {
            let earlier = std::mem::replace(&mut self.properties[position], property);
            self.uncommon.get_or_insert_default().replaced.push(earlier);
            return;
        }
        self.properties.push(property);
        let count = self.properties.len();
        if count >= INDEXED_FROM {
            let uncommon = self.uncommon.get_or_insert_default();
            match &mut uncommon.index {
                Some(index) => {
                    index.positions.insert(key, position_u32(count - 1));
                }
                None => {
                    uncommon.index = Some(KeyIndex::of(&self.properties, &uncommon.other_keys));
                }
            }
        }
    }
}

impl KeyIndex {
    fn of(properties: &[Property], other_keys: &[CompactString]) -> Self {
        KeyIndex {
            other_keys: other_keys
                .iter()
                .enumerate()
                .map(|(position, text)| (text.clone(), other_key(position)))
                .collect(),
            positions: properties
                .iter()
                .enumerate()
                .map(|(position, property)| (property.key, position_u32(position)))
                .collect(),
        }
    }
}

/// The id of the key at `position` among a section's other keys.
fn other_key(position: usize) -> KeyNumber {
    KeyNumber(KnownKey::COUNT + position_u32(position))
}

/// A position in a section's lists: a file's 10 MiB hold far fewer than four billion keys.
fn position_u32(position: usize) -> u32 {
    u32::try_from(position).expect("fewer than 2^32 keys")
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
    pub ignored: Capped<IgnoredSection>,
    pub repeated: Capped<RepeatedSection>,
}

/// How many skipped sections, and how many repeated headers, are kept one by one. A setup has
/// a handful; a 10 MB file of nothing but headers has 1.7 million, and listing every one, each
/// with its finding, took 4 GB.
pub const CAP: usize = 1_000;

/// The first [`CAP`] of what a file may hold without bound, and how many more there are.
/// Reads as the slice of the listed ones.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Capped<T> {
    items: Vec<T>,
    unlisted: usize,
}

impl<T> Default for Capped<T> {
    fn default() -> Self {
        Capped {
            items: Vec::new(),
            unlisted: 0,
        }
    }
}

impl<T> Capped<T> {
    /// Keep the item `make` gives while fewer than [`CAP`] are kept; count it otherwise.
    fn add(&mut self, make: impl FnOnce() -> T) {
        if self.items.len() == CAP {
            self.unlisted += 1;
        } else {
            self.items.push(make());
        }
    }

    /// How many came after the listed ones.
    pub fn unlisted(&self) -> usize {
        self.unlisted
    }
}

impl<T> std::ops::Deref for Capped<T> {
    type Target = [T];

    fn deref(&self) -> &[T] {
        &self.items
    }
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
            let sections = grammar::parse(&document).map_err(|error| (kind, error))?;
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
        grammar::parse_each(document, |event| match event {
            Event::Section { header, line } => merge.section(header, line),
            Event::Property(property) => merge.property(property),
        })
    }

    fn sections_mut(&mut self, kind: SectionKind) -> &mut Sections {
        match kind {
            SectionKind::Profile => &mut self.profiles,
            SectionKind::SsoSession => &mut self.sso_sessions,
        }
    }

    fn ignore(&mut self, origin: Origin, header: &str, skipped: Skipped) {
        self.ignored.add(|| IgnoredSection {
            origin,
            header: header.to_string(),
            reason: skipped.reason,
            fix: skipped.fix,
        });
    }

    /// Every profile, in the order the files define them.
    pub fn profiles(&self) -> impl ExactSizeIterator<Item = &Section> + Clone {
        self.profiles.map.values()
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

    pub fn sso_sessions(&self) -> impl ExactSizeIterator<Item = &Section> + Clone {
        self.sso_sessions.map.values()
    }

    pub fn sso_session(&self, name: &str) -> Option<&Section> {
        self.sso_sessions.get(name)
    }

    pub fn is_empty(&self) -> bool {
        self.profiles.is_empty()
    }
}

/// Sections in the order they first appear, found by name.
#[derive(Clone, Debug, Default)]
struct Sections {
    map: IndexMap<CompactString, Section, FxBuildHasher>,
}

impl Sections {
    fn get(&self, name: &str) -> Option<&Section> {
        self.map.get(name)
    }

    fn position(&self, name: &str) -> Option<u32> {
        self.map.get_index_of(name).map(position)
    }

    /// The section called `name` and its position, added empty if there is none yet.
    fn entry(&mut self, name: &str) -> (u32, &mut Section) {
        let entry = self.map.entry(name.into());
        let at = position(entry.index());
        let section = entry.or_insert_with(|| Section {
            name: name.into(),
            ..Section::default()
        });
        (at, section)
    }

    fn at_mut(&mut self, at: u32) -> &mut Section {
        &mut self.map[at as usize]
    }

    fn reserve(&mut self, additional: usize) {
        self.map.reserve(additional);
    }

    fn is_empty(&self) -> bool {
        self.map.is_empty()
    }
}

/// A section's position, as a property being merged remembers it.
fn position(index: usize) -> u32 {
    // A file's size limit keeps it far below four billion sections.
    u32::try_from(index).expect("fewer than 2^32 sections")
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
    current: Option<(SectionKind, u32)>,
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
                .filter_map(|(number, text)| Some((number, grammar::section_header(text)?)))
                .collect()
        });
        let index = headers.binary_search_by_key(&line, |&(at, _)| at).ok()?;
        Some(headers[index].1)
    }
}

/// The two kinds of named section.
#[derive(Clone, Copy)]
enum SectionKind {
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
        if set.profiles.is_empty() {
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
            Ok(Target::Profile(name)) => Some((SectionKind::Profile, name)),
            Ok(Target::SsoSession(name)) => Some((SectionKind::SsoSession, name)),
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
            let first = Origin {
                file: kind,
                line: first_line,
            };
            set.repeated.add(|| RepeatedSection {
                header: header.to_string(),
                first,
                again: origin,
            });
        }
    }

    /// A property of the current section; the value replaces one set before.
    fn property(&mut self, property: RawProperty) {
        let Some((section_kind, position)) = self.current else {
            return;
        };
        // Keys that are not identifiers are dropped by the SDKs, with only a log line. Known
        // keys are identifiers.
        if let PropertyKey::Other(text) = &property.key {
            if !is_identifier(text) {
                return;
            }
        }
        self.set
            .sections_mut(section_kind)
            .at_mut(position)
            .insert(property, self.kind);
    }
}

/// Whether the config file has a `[profile default]` header. Such a header holds the word
/// `default`, so only the lines where that word appears are read, not every header.
fn has_prefixed_default(kind: FileKind, document: &Document) -> bool {
    kind == FileKind::Config
        && memchr::memmem::find_iter(document.text().as_bytes(), DEFAULT)
            .map(|at| document.line_containing(at))
            .filter(|line| line.starts_with('['))
            .filter_map(grammar::section_header)
            .any(|header| is_prefixed_default(kind, header))
}

/// `[profile default]`: only the config file reads it (the credentials file skips any
/// prefixed header), and `default` is a valid name, so the header's two words decide.
fn is_prefixed_default(kind: FileKind, header: &str) -> bool {
    kind == FileKind::Config && split_header(header) == (Some(PROFILE_PREFIX), DEFAULT)
}

/// The name a section header gives, without its prefix: `dev` for `[profile dev]` and for
/// `[dev]`, whether or not the file it is in reads that section as a profile.
pub fn section_name(header: &str) -> &str {
    split_header(header).1
}

/// `[prefix name]` or `[name]`: split at the first space or tab, as the SDKs do.
fn split_header(header: &str) -> (Option<&str>, &str) {
    let header = grammar::trim(header);
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
    use crate::parse::document::Document;
    use crate::parse::grammar::parse;

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
            a.property_named("k").unwrap().origin().file,
            FileKind::Credentials
        );
        assert_eq!(a.property_named("region").unwrap().origin().line, 2);
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
    fn skipped_and_repeated_sections_past_the_listed_ones_are_counted() {
        let set = load(&"[x y]\n".repeat(CAP + 5), "");
        assert_eq!((set.ignored.len(), set.ignored.unlisted()), (CAP, 5));
        assert_eq!((set.repeated.len(), set.repeated.unlisted()), (CAP, 4));
        assert_eq!(set.repeated[CAP - 1].again.line, CAP + 1);
    }

    #[test]
    fn unprefixed_default_is_ignored_beside_prefixed_default() {
        let set = load("[default]\na = 1\n[profile default]\nb = 2\n", "");
        let default = set.profile("default").unwrap();
        assert_eq!(default.get_named("a"), None);
        assert_eq!(set.ignored[0].origin.line, 1);
    }

    #[test]
    fn a_key_set_twice_keeps_the_later_value_and_its_first_place() {
        let set = load(
            "[profile a]\nzone = 1\nk = 1\nregion = x\nk = 2\n",
            "[a]\nb = 3\nk = 4\n",
        );
        let a = set.profile("a").unwrap();
        let keys: Vec<&str> = a.properties().map(|(key, _)| key).collect();
        assert_eq!(keys, ["zone", "k", "region", "b"]);
        assert_eq!(a.get_named("k"), Some("4"));
        let replaced: Vec<(&str, &str, FileKind, usize)> = a
            .replaced()
            .map(|(key, p)| (key, p.value.as_str(), p.origin().file, p.origin().line))
            .collect();
        assert_eq!(
            replaced,
            [
                ("k", "1", FileKind::Config, 3),
                ("k", "2", FileKind::Config, 5)
            ]
        );
        let config_only = load("[profile a]\nk = 1\nk = 2\n", "");
        let k = config_only
            .profile("a")
            .unwrap()
            .property_named("k")
            .unwrap();
        assert_eq!((k.value.as_str(), k.origin().line), ("2", 3));
    }

    #[test]
    fn keys_match_whatever_their_case_known_or_not() {
        let set = load(
            "[profile a]\nRegion = x\nMy_Key = 1\nsso_session = s\n",
            "[a]\nregion = y\nmy_key = 2\nAWS_ACCESS_KEY_ID = AKIA\n",
        );
        let a = set.profile("a").unwrap();
        let keys: Vec<(&str, &str)> = a
            .properties()
            .map(|(key, p)| (key, p.value.as_str()))
            .collect();
        assert_eq!(
            keys,
            [
                ("region", "y"),
                ("my_key", "2"),
                ("sso_session", "s"),
                ("aws_access_key_id", "AKIA")
            ]
        );
        assert_eq!(a.get_named("my_key"), Some("2"));
        assert_eq!(a.get(crate::parse::key::REGION), Some("y"));
        assert_eq!(a.get_named("aws_access_key_id"), Some("AKIA"));
        assert_eq!(a.get_named("role_arn"), None);
        assert_eq!(a.get_named("other"), None);
        let replaced: Vec<&str> = a.replaced().map(|(key, _)| key).collect();
        assert_eq!(replaced, ["region", "my_key"]);
        assert_eq!(
            set.profile("a").unwrap().get(crate::parse::key::ROLE_ARN),
            None
        );
    }

    /// A section large enough to find its keys by hashing agrees with a plain list: every
    /// key's latest value in first-seen order, every replaced value in order.
    #[test]
    fn large_sections_find_keys_as_small_ones_do() {
        for count in [1, INDEXED_FROM - 1, INDEXED_FROM, 3 * INDEXED_FROM] {
            let mut config = String::from("[profile a]\n");
            let mut expected: Vec<(String, String)> = Vec::new();
            let mut replaced: Vec<(String, String)> = Vec::new();
            for step in 0..2 * count {
                // Known and other keys, each set once or twice, some in upper case.
                let key = match step % 3 {
                    0 => ["region", "role_arn", "output"][step % 2].to_string(),
                    1 => format!("Key_{}", step % count),
                    _ => format!("key_{}", (step * 7) % count),
                };
                let value = format!("v{step}");
                config.push_str(&format!("{key} = {value}\n"));
                let key = key.to_ascii_lowercase();
                match expected.iter_mut().find(|(existing, _)| *existing == key) {
                    Some(slot) => replaced.push((key, std::mem::replace(&mut slot.1, value))),
                    None => expected.push((key, value)),
                }
            }
            let set = load(&config, "");
            let a = set.profile("a").unwrap();
            let found: Vec<(String, String)> = a
                .properties()
                .map(|(key, p)| (key.to_string(), p.value.to_string()))
                .collect();
            assert_eq!(found, expected, "{count}");
            let found: Vec<(String, String)> = a
                .replaced()
                .map(|(key, p)| (key.to_string(), p.value.to_string()))
                .collect();
            assert_eq!(found, replaced, "{count}");
            for (key, value) in &expected {
                assert_eq!(
                    a.get_named(key.as_str()),
                    Some(value.as_str()),
                    "{count} {key}"
                );
            }
            assert_eq!(a.get_named("key_absent"), None);
            assert_eq!(a.get(crate::parse::key::SSO_SESSION), None);
        }
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
                    let header = grammar::section_header(line).unwrap();
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
                    .filter_map(|(_, line)| grammar::section_header(line))
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
            let all = |sections: &ProfileSet| -> (Vec<Section>, Vec<Section>) {
                (
                    sections.profiles().cloned().collect(),
                    sections.sso_sessions().cloned().collect(),
                )
            };
            assert_eq!(all(&merged), all(&expected), "{config:?}");
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
