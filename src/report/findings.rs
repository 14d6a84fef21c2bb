//! The findings as a person reads them, laid out the way compilers and linters lay out
//! diagnostics: the most severe first, and a rule that fires for several profiles said once,
//! with a short line per place and one fix.
//!
//! ```text
//! low AK002 long-term-key · 3 profiles
//!   A profile holds a long-term access key
//!   - default  ~/.aws/credentials:3   AKIA…LT01
//!   - dev      ~/.aws/credentials:7   AKIA…Y002
//!   fix, for each PROFILE above: `awscheck protect --profile PROFILE` ...
//! ```

use super::cells;
use super::shown::ShortPaths;
use crate::audit::catalog;
use crate::audit::finding::Finding;
use crate::audit::severity::Severity;
use crate::sys::count::thousands;
use crate::sys::wrap::{fit, width};
use std::borrow::Cow;
use std::io::{self, Write};

/// Findings of one rule and severity, in the order they were found.
#[derive(Debug)]
pub struct Group<'a> {
    pub findings: Vec<&'a Finding>,
}

impl Group<'_> {
    pub fn severity(&self) -> Severity {
        self.first().severity
    }

    fn first(&self) -> &Finding {
        self.findings[0]
    }

    /// About the machine (files, caches, the environment) rather than a profile.
    fn machine_wide(&self) -> bool {
        self.first().profile.is_none()
    }
}

/// The findings in groups of one rule and severity: the most severe first, machine-wide ones
/// first within a severity, then in the order found.
pub fn groups(findings: &[Finding]) -> Vec<Group<'_>> {
    let mut groups: Vec<Group> = Vec::new();
    let mut index: rustc_hash::FxHashMap<(&str, Severity), usize> = Default::default();
    for finding in findings {
        let key = (finding.rule_id, finding.severity);
        match index.get(&key) {
            Some(&at) => groups[at].findings.push(finding),
            None => {
                index.insert(key, groups.len());
                groups.push(Group {
                    findings: vec![finding],
                });
            }
        }
    }
    // A stable sort: the order found decides among equals.
    groups.sort_by_key(|group| {
        (
            std::cmp::Reverse(group.first().severity),
            !group.machine_wide(),
        )
    });
    groups
}

/// What a place line says beyond the profile and where: the key, and how old it is when IAM
/// said so.
#[derive(Clone, Debug, Default)]
pub struct KeyNote {
    pub key_id: Option<String>,
    pub detail: Option<String>,
}

/// How the findings are written.
pub struct Look<'a> {
    pub width: usize,
    pub color: bool,
    pub paths: &'a ShortPaths,
    /// What to say of each profile's key on its place line.
    pub keys: &'a dyn Fn(&str) -> KeyNote,
}

/// More places than this go in columns when they fit side by side.
const MANY_PLACES: usize = 4;

/// The word a fix uses for "each profile above".
const PLACEHOLDER: &str = "PROFILE";

impl Look<'_> {
    /// One group. A finding of its own has its place on the heading line when it fits there.
    pub fn write_group(&self, out: &mut dyn Write, group: &Group) -> io::Result<()> {
        let first = group.first();
        let heading = format!(
            "{} {}",
            self.paint(first.severity.name(), severity_color(first.severity)),
            self.paint(&format!("{} {}", first.rule_id, first.slug), BOLD)
        );
        let heading_width =
            width(first.severity.name()) + 1 + width(&format!("{} {}", first.rule_id, first.slug));
        let count = group.findings.len();
        let mut places_shown = false;
        if count > 1 {
            // A profile named on two lines (a key copied to two files) makes them places.
            let mut profiles: Vec<Option<&str>> = group
                .findings
                .iter()
                .map(|f| f.profile.as_deref())
                .collect();
            profiles.sort_unstable();
            profiles.dedup();
            let noun = match group.machine_wide() || profiles.len() < count {
                true => "places",
                false => "profiles",
            };
            writeln!(out, "{heading} · {} {noun}", thousands(count))?;
        } else {
            let room = self.width.saturating_sub(heading_width + 3);
            let place = self.place_inline(first, room);
            match place.filter(|place| width(place) <= room) {
                Some(place) => {
                    writeln!(out, "{heading} · {}", cells::escaped(&place))?;
                    places_shown = true;
                }
                None => writeln!(out, "{heading}")?,
            }
        }
        let headline: Cow<str> = match group.findings.iter().all(|f| f.message == first.message) {
            true => Cow::Borrowed(without_named_profile(first, places_shown)),
            false => catalog::find(first.rule_id)
                .map(|rule| Cow::Borrowed(rule.title.as_str()))
                .unwrap_or(Cow::Borrowed(first.message.as_str())),
        };
        self.write_wrapped(out, &self.paths.shorten(&headline), "  ", "  ")?;
        match self.shared_fix(group) {
            Some(fix) => {
                if !places_shown {
                    self.write_places(out, group)?;
                }
                self.write_wrapped(out, &fix, "  ", "    ")?;
            }
            None => {
                for (place, finding) in self.places(group).iter().zip(&group.findings) {
                    self.write_wrapped(out, place, "  - ", "    ")?;
                    let fix = self.paths.shorten(finding.shown_fix());
                    self.write_wrapped(out, &format!("fix: {fix}"), "    ", "      ")?;
                }
            }
        }
        Ok(())
    }

    /// One place a line; many places in columns, as `ls` lists files, when two or more fit
    /// side by side. Places all in one file name it once.
    fn write_places(&self, out: &mut dyn Write, group: &Group) -> io::Result<()> {
        let file = group.first().file.as_ref();
        let one_file = group
            .findings
            .iter()
            .all(|f| f.file.as_ref() == file && f.line.is_some());
        if group.findings.len() > MANY_PLACES && one_file {
            let cells: Vec<[String; 3]> = group
                .findings
                .iter()
                .map(|finding| {
                    let (profile, key) = self.profile_and_key(finding);
                    let line = finding.line.map(|line| format!("line {line}"));
                    [profile, line.unwrap_or_default(), key]
                })
                .collect();
            let columns =
                [0, 1, 2].map(|c| cells.iter().map(|row| width(&row[c])).max().unwrap_or(0));
            let entries: Vec<String> = cells
                .iter()
                .map(|[profile, line, key]| aligned(&[profile, line, key], &columns))
                .collect();
            let widest = entries.iter().map(|e| width(e)).max().unwrap_or(0);
            // "  - " before the first entry, "   - " before each next one.
            let per_line = (self.width + 1) / (widest + 5);
            if per_line >= 2 {
                let location = self
                    .paths
                    .shorten(&file.map(|f| f.display().to_string()).unwrap_or_default())
                    .into_owned();
                self.write_wrapped(out, &format!("in {location}:"), "  ", "    ")?;
                let lines = entries.len().div_ceil(per_line);
                for line in 0..lines {
                    let row: Vec<&String> = entries.iter().skip(line).step_by(lines).collect();
                    let mut text = String::from("  ");
                    for (at, entry) in row.iter().enumerate() {
                        text.push_str("- ");
                        text.push_str(&cells::escaped(entry));
                        if at + 1 < row.len() {
                            text.extend(std::iter::repeat_n(' ', widest - width(entry) + 3));
                        }
                    }
                    writeln!(out, "{}", text.trim_end())?;
                }
                return Ok(());
            }
        }
        for place in &self.places(group) {
            self.write_wrapped(out, place, "  - ", "    ")?;
        }
        Ok(())
    }

    /// `file:line`; for a finding in the environment, the variables it saw there.
    fn location(&self, finding: &Finding) -> String {
        match (&finding.file, finding.evidence.is_empty()) {
            (None, false) => format!("environment ({})", finding.evidence),
            _ => self
                .paths
                .shorten(&finding.location().to_string())
                .into_owned(),
        }
    }

    /// A finding's profile and what its place line says of the key.
    fn profile_and_key(&self, finding: &Finding) -> (String, String) {
        let Some(profile) = &finding.profile else {
            return (String::new(), String::new());
        };
        let key = (self.keys)(profile);
        let mut about_key = key.key_id.unwrap_or_default();
        if let Some(detail) = key.detail {
            about_key = format!("{about_key}  {detail}");
        }
        (profile.clone(), about_key)
    }

    /// `profile · file:line · key · what IAM said` for a heading line, if it fits in `room`
    /// columns; without the key when only the key is too much. `None` when the place needs a
    /// line of its own.
    fn place_inline(&self, finding: &Finding, room: usize) -> Option<String> {
        let location = self.location(finding);
        let Some(profile) = &finding.profile else {
            return Some(location);
        };
        let short = format!("{profile} · {location}");
        let key = (self.keys)(profile);
        let full = match (&key.key_id, &key.detail) {
            (Some(id), Some(detail)) => format!("{short} · {id} · {detail}"),
            (Some(id), None) => format!("{short} · {id}"),
            (None, Some(detail)) => format!("{short} · {detail}"),
            (None, None) => short.clone(),
        };
        match (width(&full) <= room, &key.detail) {
            (true, _) => Some(full),
            (false, None) => Some(short),
            (false, Some(_)) => None,
        }
    }

    /// The fix said once for the whole group: the same text for all, or the same once each
    /// profile's name is [`PLACEHOLDER`], when that is shorter than a fix under each place.
    /// `None` when each place needs its own.
    fn shared_fix(&self, group: &Group) -> Option<String> {
        // Compared as the rules wrote them; only what is shown is shortened.
        let first = group.first().shown_fix();
        if group.findings.iter().all(|f| f.shown_fix() == first) {
            return Some(format!("fix: {}", self.paths.shorten(first)));
        }
        // The first fix with its profile as the placeholder; the group shares it if every
        // other fix is that with its own profile in the placeholder's place.
        let first_profile = group.first().profile.as_deref()?;
        if first.contains(PLACEHOLDER) {
            return None;
        }
        let shared = with_placeholder(first, first_profile);
        let parts: Vec<&str> = shared.split(PLACEHOLDER).collect();
        let all_fill = group.findings.iter().skip(1).all(|f| {
            f.profile
                .as_deref()
                .is_some_and(|profile| fills(&parts, f.shown_fix(), profile))
        });
        if !all_fill {
            return None;
        }
        let shared = format!(
            "fix, for each {PLACEHOLDER} above: {}",
            self.paths.shorten(&shared)
        );
        let shared_lines = self.line_count(&shared, "  ", "    ");
        // A fix per place takes a line at least: with more places than the shared fix has
        // lines, there is nothing to count.
        if shared_lines < group.findings.len() {
            return Some(shared);
        }
        let each_lines: usize = group
            .findings
            .iter()
            .map(|f| {
                let fix = format!("fix: {}", self.paths.shorten(f.shown_fix()));
                self.line_count(&fix, "    ", "      ")
            })
            .sum();
        (shared_lines < each_lines).then_some(shared)
    }

    /// One short line per place: the profile, where, and its key, aligned in columns.
    fn places(&self, group: &Group) -> Vec<String> {
        // A group's places are in a file or two: each is shortened once.
        let mut files: rustc_hash::FxHashMap<&std::path::Path, String> = Default::default();
        let rows: Vec<[String; 3]> = group
            .findings
            .iter()
            .map(|finding| {
                let mut location = match (&finding.file, finding.line) {
                    (Some(file), Some(line)) => {
                        let shown = files.entry(file).or_insert_with(|| {
                            self.paths.shorten(&file.display().to_string()).into_owned()
                        });
                        format!("{shown}:{line}")
                    }
                    _ => self.location(finding),
                };
                if let Some(kind) = finding.file_kind {
                    location = format!("{location} ({kind})");
                }
                let (profile, key) = self.profile_and_key(finding);
                [profile, location, key]
            })
            .collect();
        let widths: Vec<usize> = (0..3)
            .map(|column| {
                rows.iter()
                    .map(|row| width(&row[column]))
                    .max()
                    .unwrap_or(0)
            })
            .collect();
        rows.iter()
            .map(|row| aligned(&[&row[0], &row[1], &row[2]], &widths))
            .collect()
    }

    fn write_wrapped(
        &self,
        out: &mut dyn Write,
        text: &str,
        first: &str,
        rest: &str,
    ) -> io::Result<()> {
        // Values from the user's files are in the text: a terminal must not act on them.
        let mut in_command = false;
        for line in self.wrapped(&cells::escaped(text), first, rest) {
            let line = line.trim_end();
            match self.color {
                true => writeln!(out, "{}", commands_set_apart(line, &mut in_command))?,
                false => writeln!(out, "{line}")?,
            }
        }
        Ok(())
    }

    fn wrapped(&self, text: &str, first: &str, rest: &str) -> Vec<String> {
        fit(text, self.width, first, rest)
    }

    fn line_count(&self, text: &str, first: &str, rest: &str) -> usize {
        self.wrapped(text, first, rest).len()
    }

    fn paint(&self, text: &str, code: &str) -> String {
        match self.color {
            true => format!("\x1b[{code}m{text}\x1b[0m"),
            false => text.to_string(),
        }
    }
}

const BOLD: &str = "1";

/// Commands (text in backticks) in bold, also where one goes on over the next line.
fn commands_set_apart(line: &str, in_command: &mut bool) -> String {
    let mut out = String::with_capacity(line.len() + 16);
    let indent = line.len() - line.trim_start().len();
    out.push_str(&line[..indent]);
    if *in_command {
        out.push_str("\x1b[1m");
    }
    for c in line[indent..].chars() {
        if c == '`' && !*in_command {
            out.push_str("\x1b[1m`");
            *in_command = true;
        } else if c == '`' {
            out.push_str("`\x1b[0m");
            *in_command = false;
        } else {
            out.push(c);
        }
    }
    if *in_command {
        out.push_str("\x1b[0m");
    }
    out
}

/// A message that opens with `Profile NAME`, once the heading has named the profile: the
/// heading's `dev · config:4` already says whose it is.
fn without_named_profile(finding: &Finding, heading_names_it: bool) -> &str {
    let message = finding.message.as_str();
    let Some(profile) = finding.profile.as_deref().filter(|_| heading_names_it) else {
        return message;
    };
    message
        .strip_prefix("Profile ")
        .and_then(|rest| rest.strip_prefix(profile))
        .and_then(|rest| rest.strip_prefix(' '))
        .unwrap_or(message)
}

/// One accent per severity, as the tables had.
pub fn severity_color(severity: Severity) -> &'static str {
    match severity {
        Severity::Critical => "1;35",
        Severity::High => "1;31",
        Severity::Medium => "33",
        Severity::Low => "36",
        Severity::Info => "90",
    }
}

/// The non-empty cells joined by two spaces, each but the last padded to its column's width.
fn aligned(cells: &[&str], widths: &[usize]) -> String {
    let shown: Vec<(usize, &str)> = cells
        .iter()
        .enumerate()
        .filter(|(_, cell)| !cell.is_empty())
        .map(|(c, cell)| (c, *cell))
        .collect();
    let mut line = String::new();
    for (at, (c, cell)) in shown.iter().enumerate() {
        if at > 0 {
            line.push_str("  ");
        }
        line.push_str(cell);
        if at + 1 < shown.len() {
            let pad = widths
                .get(*c)
                .copied()
                .unwrap_or(0)
                .saturating_sub(width(cell));
            line.extend(std::iter::repeat_n(' ', pad));
        }
    }
    line
}

/// Whether `fix` is the template cut into `parts` at its placeholders, with `profile` in
/// each placeholder's place.
fn fills(parts: &[&str], fix: &str, profile: &str) -> bool {
    let mut rest = fix;
    for (index, part) in parts.iter().enumerate() {
        if index > 0 {
            match rest.strip_prefix(profile) {
                Some(after) => rest = after,
                None => return false,
            }
        }
        match rest.strip_prefix(part) {
            Some(after) => rest = after,
            None => return false,
        }
    }
    rest.is_empty()
}

/// `fix` with the profile's name, wherever it stands as a word of its own, written as
/// [`PLACEHOLDER`].
fn with_placeholder(fix: &str, profile: &str) -> String {
    let boundary = |c: Option<char>| {
        c.is_none_or(|c| !(c.is_alphanumeric() || matches!(c, '-' | '_' | '.' | '/' | '@')))
    };
    let mut out = String::with_capacity(fix.len());
    let mut rest = fix;
    while let Some(at) = rest.find(profile) {
        let before = rest[..at].chars().next_back().or(out.chars().next_back());
        let after = rest[at + profile.len()..].chars().next();
        out.push_str(&rest[..at]);
        match boundary(before) && boundary(after) {
            true => out.push_str(PLACEHOLDER),
            false => out.push_str(profile),
        }
        rest = &rest[at + profile.len()..];
    }
    out.push_str(rest);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn commands_are_bold_even_over_two_lines() {
        let mut in_command = false;
        assert_eq!(
            commands_set_apart("  run `awscheck rotate", &mut in_command),
            "  run \x1b[1m`awscheck rotate\x1b[0m"
        );
        assert_eq!(
            commands_set_apart("    --profile dev` now", &mut in_command),
            "    \x1b[1m--profile dev`\x1b[0m now"
        );
        assert!(!in_command);
    }

    #[test]
    fn a_fix_fills_the_template_with_its_own_profile_only() {
        let template = with_placeholder("run `awscheck rotate --profile dev` for dev", "dev");
        let parts: Vec<&str> = template.split(PLACEHOLDER).collect();
        assert!(fills(
            &parts,
            "run `awscheck rotate --profile ci` for ci",
            "ci"
        ));
        assert!(!fills(
            &parts,
            "run `awscheck rotate --profile ci` for dev",
            "ci"
        ));
        assert!(!fills(&parts, "run `awscheck rotate --profile ci`", "ci"));
    }

    #[test]
    fn only_the_profile_as_a_word_of_its_own_becomes_the_placeholder() {
        assert_eq!(
            with_placeholder("`awscheck rotate --profile dev` for [profile dev]", "dev"),
            "`awscheck rotate --profile PROFILE` for [profile PROFILE]"
        );
        assert_eq!(
            with_placeholder("a devbox, dev-2 and ~/dev/x", "dev"),
            "a devbox, dev-2 and ~/dev/x"
        );
    }
}
