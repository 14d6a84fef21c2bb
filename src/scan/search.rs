//! Finding access keys in a file's bytes, whatever its format: shell history (zsh's
//! `: 1700000000:0;` prefixes and metafied bytes, fish's `- cmd:` lines), env files, other
//! tools' INI or `ID:SECRET` files, editor swap files. Key IDs and the markers near them are
//! ASCII, which zsh's metafication (bytes >= 0x80 only) never touches.
//!
//! Fast on large files: `memchr` jumps from one `A` to the next and only those are looked at,
//! rather than a pattern tried at every byte. Nothing found is ever copied out but the key
//! ID: a secret is only noted as being there.

use aho_corasick::{AhoCorasick, MatchKind};
use memchr::memchr_iter;

/// The prefixes AWS documents for access key IDs: `AKIA` long-term, `ASIA` temporary, and
/// the rarer ones of other credential kinds.
const KEY_PREFIXES: [&[u8; 4]; 4] = [b"AKIA", b"ASIA", b"ABIA", b"ACCA"];
/// AWS key IDs are 20 characters today; older or future ones may differ a little.
const KEY_LENGTHS: std::ops::RangeInclusive<usize> = 16..=128;
/// A secret access key is 40 characters of base64.
const SECRET_LENGTH: usize = 40;
/// How many lines after a key ID its secret may be on (an INI section, an `export` list).
const SECRET_WINDOW: usize = 4;

/// The key IDs of AWS's documentation, copied into countless examples and tests.
const DOCUMENTED_EXAMPLES: [&str; 3] = [
    "AKIAIOSFODNN7EXAMPLE",
    "AKIAI44QH8DHBEXAMPLE",
    "ASIAIOSFODNN7EXAMPLE",
];

/// Whether `key_id` is one of AWS's documented example keys: an example, never a leak, unless
/// a profile holds it.
pub fn is_documented_example(key_id: &str) -> bool {
    DOCUMENTED_EXAMPLES.contains(&key_id)
}

/// One key ID found, and whether its secret sits with it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Hit {
    pub key_id: String,
    /// 1-based.
    pub line: usize,
    pub with_secret: bool,
}

/// The exact secrets (secret access keys and session tokens) of the keys awscheck knows, each
/// with the key ID it belongs to: a copy of a secret without its ID is still a working key for
/// whoever has the ID from elsewhere, and removing only the ID's line leaves it behind.
#[derive(Default)]
pub struct KnownSecrets {
    /// One per distinct secret.
    patterns: Vec<String>,
    /// The key ID each pattern belongs to, by pattern index.
    owners: Vec<String>,
    longest: usize,
    /// Built on first use: most audits find no file to search, and a setup of thousands of
    /// keys would pay for the automaton every run.
    automaton: std::sync::OnceLock<Option<AhoCorasick>>,
    /// The secrets, then every sign of a key ([`SIGNS`]): one pass over a file tells whether
    /// it is worth a closer look.
    signs: std::sync::OnceLock<Option<AhoCorasick>>,
}

/// What marks a key that awscheck may not know: the key ID prefixes and the names a session
/// token is written under. Each is only a sign; [`KnownSecrets::anything_in`] checks it.
const SIGNS: [&[u8]; 8] = [
    KEY_PREFIXES[0],
    KEY_PREFIXES[1],
    KEY_PREFIXES[2],
    KEY_PREFIXES[3],
    TOKEN_MARKERS[0],
    TOKEN_MARKERS[1],
    TOKEN_MARKERS[2],
    TOKEN_MARKERS[3],
];

impl std::fmt::Debug for KnownSecrets {
    // Hand-written so that no debug print can show a secret.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("KnownSecrets")
            .field("owners", &self.owners)
            .finish_non_exhaustive()
    }
}

/// Shorter values are not secrets worth a search (and would match by chance).
const SECRET_MIN_LENGTH: usize = 16;

impl KnownSecrets {
    /// From (key ID, secret) pairs; a secret held by several profiles counts once.
    pub fn new<'a>(pairs: impl IntoIterator<Item = (&'a str, &'a str)>) -> Self {
        let mut seen = rustc_hash::FxHashSet::default();
        let mut patterns = Vec::new();
        let mut owners = Vec::new();
        for (key_id, secret) in pairs {
            if secret.len() >= SECRET_MIN_LENGTH && seen.insert(secret) {
                patterns.push(secret.to_string());
                owners.push(key_id.to_string());
            }
        }
        let longest = patterns.iter().map(String::len).max().unwrap_or(0);
        KnownSecrets {
            patterns,
            owners,
            longest,
            automaton: std::sync::OnceLock::new(),
            signs: std::sync::OnceLock::new(),
        }
    }

    fn automaton(&self) -> Option<&AhoCorasick> {
        self.automaton
            .get_or_init(|| build(self.patterns.iter().map(String::as_bytes)))
            .as_ref()
    }

    fn signs(&self) -> Option<&AhoCorasick> {
        self.signs
            .get_or_init(|| build(self.patterns.iter().map(String::as_bytes).chain(SIGNS)))
            .as_ref()
    }

    /// Whether `bytes` hold a known secret, a key ID or a session token: the quick first look
    /// at every file, in one pass however many keys there are.
    pub fn anything_in(&self, bytes: &[u8]) -> bool {
        let Some(signs) = self.signs() else {
            // Past the automaton's limits: the slower look, one sign at a time.
            return contains_key(bytes) || self.any_in(bytes);
        };
        let mut from = 0;
        while let Some(hit) = signs.find(aho_corasick::Input::new(bytes).range(from..)) {
            let at = hit.start();
            let sign = match hit.pattern().as_usize().checked_sub(self.patterns.len()) {
                None => return true,
                Some(sign) => sign,
            };
            let real = match sign < KEY_PREFIXES.len() {
                true => key_id_at(bytes, at).is_some(),
                false => token_after(bytes, at, SIGNS[sign].len()),
            };
            if real {
                return true;
            }
            // Not a key after all: look again from the next byte, as a secret may start
            // inside what looked like a sign.
            from = at + 1;
        }
        false
    }

    /// The length of the longest secret: what a piece read must overlap the next by.
    pub fn longest(&self) -> usize {
        self.longest
    }

    pub fn any_in(&self, bytes: &[u8]) -> bool {
        self.automaton().is_some_and(|ac| ac.is_match(bytes))
    }

    /// (key ID, 1-based line) of every known secret in `bytes`, in order.
    pub fn find(&self, bytes: &[u8]) -> Vec<(&str, usize)> {
        let Some(automaton) = self.automaton() else {
            return Vec::new();
        };
        let mut found = Vec::new();
        let (mut line, mut counted_to) = (1, 0);
        for hit in automaton.find_iter(bytes) {
            line += memchr_iter(b'\n', &bytes[counted_to..hit.start()]).count();
            counted_to = hit.start();
            found.push((self.owners[hit.pattern().as_usize()].as_str(), line));
        }
        found
    }
}

/// One automaton for many literals. Leftmost-first, as ripgrep searches many literals: it lets
/// the automaton use its SIMD prefilter (Teddy), whose speed does not depend on which bytes
/// the secrets happen to hold. The standard match kind falls back to a rare-byte prefilter
/// that a history full of the same letters defeats. Building fails only past limits a few
/// thousand short literals never reach; the caller then looks the slower way.
fn build<'p>(patterns: impl Iterator<Item = &'p [u8]>) -> Option<AhoCorasick> {
    let patterns: Vec<&[u8]> = patterns.collect();
    (!patterns.is_empty())
        .then(|| {
            AhoCorasick::builder()
                .match_kind(MatchKind::LeftmostFirst)
                .build(patterns)
                .ok()
        })
        .flatten()
}

/// Every key ID in `bytes`, in order.
pub fn find_keys(bytes: &[u8]) -> Vec<Hit> {
    let mut hits = Vec::new();
    let mut line = 1;
    let mut counted_to = 0;
    for at in memchr_iter(b'A', bytes) {
        let Some(id) = key_id_at(bytes, at) else {
            continue;
        };
        line += memchr_iter(b'\n', &bytes[counted_to..at]).count();
        counted_to = at;
        hits.push(Hit {
            key_id: String::from_utf8_lossy(id).into_owned(),
            line,
            with_secret: secret_near(bytes, at),
        });
    }
    hits
}

/// Whether `bytes` hold any key ID or session token at all: the quick first look at every
/// file.
pub fn contains_key(bytes: &[u8]) -> bool {
    memchr_iter(b'A', bytes).any(|at| key_id_at(bytes, at).is_some())
        || !find_tokens(bytes).is_empty()
}

/// Names under which a session token is written: `AWS_SESSION_TOKEN`, `aws_session_token`,
/// the older `aws_security_token`, and the same in other cases.
const TOKEN_MARKERS: [&[u8]; 4] = [
    b"ESSION_TOKEN",
    b"ession_token",
    b"ECURITY_TOKEN",
    b"ecurity_token",
];
/// STS session tokens run to hundreds of characters; shorter values are something else.
const TOKEN_MIN_LENGTH: usize = 100;

/// The lines (1-based) holding a session token's value after its name.
pub fn find_tokens(bytes: &[u8]) -> Vec<usize> {
    let mut found: Vec<usize> = Vec::new();
    for marker in TOKEN_MARKERS {
        for at in memchr::memmem::find_iter(bytes, marker) {
            if token_after(bytes, at, marker.len()) {
                found.push(at);
            }
        }
    }
    found.sort_unstable();
    found.dedup();
    let mut lines = Vec::with_capacity(found.len());
    let (mut line, mut counted_to) = (1, 0);
    for at in found {
        line += memchr_iter(b'\n', &bytes[counted_to..at]).count();
        counted_to = at;
        if lines.last() != Some(&line) {
            lines.push(line);
        }
    }
    lines
}

/// Whether a session token's value follows the marker of `length` bytes at `at`, on its line.
fn token_after(bytes: &[u8], at: usize, length: usize) -> bool {
    let end = memchr::memchr(b'\n', &bytes[at..]).map_or(bytes.len(), |i| at + i);
    let value = &bytes[(at + length).min(end)..end];
    let token = |b: &u8| b.is_ascii_alphanumeric() || matches!(b, b'/' | b'+' | b'=');
    value
        .split(|b| !token(b))
        .any(|word| word.len() >= TOKEN_MIN_LENGTH)
}

/// The key ID starting at `at`, if one does: a documented prefix, then upper-case letters and
/// digits, standing as a word of its own.
fn key_id_at(bytes: &[u8], at: usize) -> Option<&[u8]> {
    let rest = &bytes[at..];
    if !KEY_PREFIXES.iter().any(|prefix| rest.starts_with(*prefix)) {
        return None;
    }
    if at > 0 && bytes[at - 1].is_ascii_alphanumeric() {
        return None;
    }
    let length = rest
        .iter()
        .take_while(|b| b.is_ascii_uppercase() || b.is_ascii_digit())
        .count();
    let after = rest.get(length);
    let standalone = after.is_none_or(|b| !b.is_ascii_alphanumeric());
    (KEY_LENGTHS.contains(&length) && standalone).then(|| &rest[..length])
}

/// Whether a secret sits with the key ID at `at`: a 40-character base64 word on its own line
/// after the ID (`AKIA…:secret`, `key=AKIA… secret=…`), or on one of the next few lines that
/// names a secret (`aws_secret_access_key`, `AWS_SECRET_ACCESS_KEY`, `secret_key`, …).
fn secret_near(bytes: &[u8], at: usize) -> bool {
    let line_end =
        |from: usize| memchr::memchr(b'\n', &bytes[from..]).map_or(bytes.len(), |i| from + i);
    let line_start = memchr::memrchr(b'\n', &bytes[..at]).map_or(0, |i| i + 1);
    let end = line_end(at);
    if has_secret_word(&bytes[at..end])
        || names_secret(&bytes[line_start..at]) && has_secret_word(&bytes[line_start..at])
    {
        return true;
    }
    let mut from = end;
    for _ in 0..SECRET_WINDOW {
        if from >= bytes.len() {
            break;
        }
        let start = from + 1;
        let end = line_end(start);
        let line = &bytes[start..end];
        if names_secret(line) && has_secret_word(line) {
            return true;
        }
        from = end;
    }
    false
}

/// A line that says it holds a secret.
fn names_secret(line: &[u8]) -> bool {
    line.windows(6).any(|w| w.eq_ignore_ascii_case(b"secret"))
}

/// A word of exactly 40 base64 characters with digits and both cases in it: a secret is
/// random, and a git commit's 40 lower-case hex digits are not one.
fn has_secret_word(line: &[u8]) -> bool {
    let base64 = |b: &u8| b.is_ascii_alphanumeric() || matches!(b, b'/' | b'+');
    line.split(|b| !base64(b)).any(|word| {
        word.len() == SECRET_LENGTH
            && word.iter().any(u8::is_ascii_digit)
            && word.iter().any(u8::is_ascii_lowercase)
            && word.iter().any(u8::is_ascii_uppercase)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const ID: &str = "AKIAIOSFODNN7EXAMPLE";
    const SECRET: &str = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY";

    fn hits(text: &str) -> Vec<(String, usize, bool)> {
        find_keys(text.as_bytes())
            .into_iter()
            .map(|hit| (hit.key_id, hit.line, hit.with_secret))
            .collect()
    }

    #[test]
    fn finds_keys_in_every_format_with_their_line_and_secret() {
        let zsh = format!(
            ": 1700000000:0;ls\n: 1700000001:0;export AWS_ACCESS_KEY_ID={ID}\n: 1700000002:0;export AWS_SECRET_ACCESS_KEY={SECRET}\n"
        );
        assert_eq!(hits(&zsh), [(ID.to_string(), 2, true)]);
        let fish = format!("- cmd: aws s3 ls --profile x\n  when: 1700000000\n- cmd: export AWS_ACCESS_KEY_ID={ID}\n  when: 1\n");
        assert_eq!(hits(&fish), [(ID.to_string(), 3, false)]);
        let s3fs = format!("{ID}:{SECRET}\n");
        assert_eq!(hits(&s3fs), [(ID.to_string(), 1, true)]);
        let s3cfg = format!(
            "[default]\naccess_key = {ID}\nhost_base = s3.amazonaws.com\nsecret_key = {SECRET}\n"
        );
        assert_eq!(hits(&s3cfg), [(ID.to_string(), 2, true)]);
    }

    #[test]
    fn metafied_zsh_bytes_and_binary_neighbours_do_not_hide_a_key() {
        let mut bytes = b": 1700000000:0;echo \x83\xa9t\xc3\n: 1:0;x=".to_vec();
        bytes.extend_from_slice(ID.as_bytes());
        bytes.extend_from_slice(b"\x00\x01");
        let found = find_keys(&bytes);
        assert_eq!(found.len(), 1);
        assert_eq!(found[0].line, 2);
    }

    #[test]
    fn session_tokens_are_found_by_their_name_and_length() {
        let token = "IQoJb3JpZ2luX2Vj".to_string() + &"A1b2C3d4".repeat(40);
        let text = format!("ls\nexport AWS_SESSION_TOKEN={token}\n[x]\naws_session_token = {token}\nAWS_SESSION_TOKEN=short\n");
        assert_eq!(find_tokens(text.as_bytes()), [2, 4]);
        assert!(contains_key(
            format!("x aws_security_token={token}").as_bytes()
        ));
        assert!(!contains_key(b"echo AWS_SESSION_TOKEN is unset"));
    }

    #[test]
    fn known_secrets_are_found_without_their_key_id() {
        let token = "IQoJb3JpZ2luX2Vj".to_string() + &"A1b2C3d4".repeat(40);
        let known = KnownSecrets::new([
            (ID, SECRET),
            ("ASIAEXAMPLESESSION01", token.as_str()),
            ("AKIASHORTSECRETKEY01", "short"),
            ("AKIASAMESECRETKEY001", SECRET),
        ]);
        let text =
            format!("ls\nexport AWS_SECRET_ACCESS_KEY={SECRET}\nx {token} y\n{SECRET}{SECRET}\n");
        assert!(known.any_in(text.as_bytes()));
        assert_eq!(
            known.find(text.as_bytes()),
            [(ID, 2), ("ASIAEXAMPLESESSION01", 3), (ID, 4), (ID, 4)]
        );
        assert_eq!(known.longest(), token.len());
        assert!(!known.any_in(b"export AWS_SECRET_ACCESS_KEY=wJalrXUtnFEMI/K7MDENG"));
        // The quick look sees the same, and what only looks like a key is not one.
        assert!(known.anything_in(text.as_bytes()));
        assert!(known.anything_in(format!("x={ID} y").as_bytes()));
        assert!(!known.anything_in(b"const PREFIX = \"AKIA\"; ACCA1234 session_token: short"));
        // A secret that starts inside what looked like a key ID's prefix.
        let odd = "KIAq8uD0cEXAMPLEsecretVALUEq8uD0cEXAMPL";
        let inside = KnownSecrets::new([("AKIAODDSECRETKEY0001", odd)]);
        assert!(inside.anything_in(format!("A{odd}").as_bytes()));
        let none = KnownSecrets::new([]);
        assert!(none.anything_in(format!("x={ID} y").as_bytes()));
        assert!(!none.any_in(text.as_bytes()) && none.find(text.as_bytes()).is_empty());
        assert!(!format!("{known:?}").contains(SECRET));
    }

    #[test]
    fn words_that_only_look_like_keys_are_not_keys() {
        assert!(hits("AKIA1234 short").is_empty());
        assert!(hits("XAKIAIOSFODNN7EXAMPLE inside a word").is_empty());
        assert!(hits("AKIAIOSFODNN7EXAMPLEabc lower-case tail").is_empty());
        assert!(hits("ABCDIOSFODNN7EXAMPLE no prefix").is_empty());
        // A secret far from the ID, or a line that names no secret, does not count.
        let far = format!("id = {ID}\n\n\n\n\n\nsecret = {SECRET}\n");
        assert_eq!(hits(&far), [(ID.to_string(), 1, false)]);
    }
}
