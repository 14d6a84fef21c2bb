//! A profile row as pretty-printed JSON, byte for byte what serde_json's pretty printer makes
//! of [`ProfileRow`], without going through it.
//!
//! An organisation's audit writes ten thousand rows, and serde_json spent most of its time
//! escaping the same field names over and over and making a call per punctuation mark. Here the
//! names are literals and a string is copied whole unless it holds a byte that needs escaping;
//! anything rare (a last use, an escape) goes to serde_json itself. A test holds the output to
//! serde_json's on every field.

use super::ProfileRow;
use serde::Serialize;

/// Write `row` into `out` as an object nested `depth` levels deep: its fields are indented one
/// level further, its closing brace at `depth`.
pub(super) fn write(out: &mut Vec<u8>, row: &ProfileRow, depth: usize) {
    let mut object = Object::open(out, depth);
    object.field("name");
    string(object.out, &row.name);
    object.field("defined_at");
    strings(object.out, &row.defined_at, depth + 1);
    object.field("credential_kind");
    string(object.out, row.credential_kind.slug());
    if let Some(kind) = row.root_kind {
        object.field("root_kind");
        string(object.out, kind.slug());
    }
    object.field("access_key_id");
    optional_string(object.out, row.access_key_id.as_deref());
    object.field("region");
    optional_string(object.out, row.region.as_deref());
    object.field("chain");
    strings(object.out, &row.chain, depth + 1);
    object.field("key_age_days");
    match row.key_age_days {
        Some(days) => {
            use std::io::Write as _;
            write!(object.out, "{days}").expect("writing to memory cannot fail");
        }
        None => object.out.extend_from_slice(b"null"),
    }
    if let Some(exact) = row.key_age_exact {
        object.field("key_age_exact");
        boolean(object.out, exact);
    }
    object.field("account");
    optional_string(object.out, row.account.as_deref());
    if let Some(alias) = &row.account_alias {
        object.field("account_alias");
        string(object.out, alias);
    }
    object.field("arn");
    optional_string(object.out, row.arn.as_deref());
    object.field("key_status");
    optional_string(object.out, row.key_status.as_deref());
    if let Some(last_used) = &row.last_used {
        object.field("last_used");
        serialized(object.out, last_used, depth + 1);
    }
    if let Some(note) = &row.note {
        object.field("note");
        string(object.out, note);
    }
    object.field("selected");
    boolean(object.out, row.selected);
    if let Some(error) = &row.error {
        object.field("error");
        string(object.out, error);
    }
    object.close();
}

/// An object being written: a comma before every field but the first.
struct Object<'o> {
    out: &'o mut Vec<u8>,
    depth: usize,
    empty: bool,
}

impl<'o> Object<'o> {
    fn open(out: &'o mut Vec<u8>, depth: usize) -> Self {
        out.push(b'{');
        Object {
            out,
            depth,
            empty: true,
        }
    }

    /// Start the field `name`, which must need no escaping (every field name here is a
    /// literal in snake case).
    fn field(&mut self, name: &str) {
        if !self.empty {
            self.out.push(b',');
        }
        self.empty = false;
        newline(self.out, self.depth + 1);
        self.out.reserve(name.len() + 4);
        self.out.push(b'"');
        self.out.extend_from_slice(name.as_bytes());
        self.out.extend_from_slice(b"\": ");
    }

    fn close(self) {
        if !self.empty {
            newline(self.out, self.depth);
        }
        self.out.push(b'}');
    }
}

/// A line break and the indentation of `depth` levels, two spaces each.
fn newline(out: &mut Vec<u8>, depth: usize) {
    const LINE: &[u8] = b"\n                ";
    match LINE.get(..1 + 2 * depth) {
        Some(line) => out.extend_from_slice(line),
        None => {
            out.push(b'\n');
            out.resize(out.len() + 2 * depth, b' ');
        }
    }
}

fn string(out: &mut Vec<u8>, text: &str) {
    // JSON escapes `"`, `\` and control characters; any other text goes in as it is.
    if text
        .bytes()
        .any(|byte| byte < 0x20 || byte == b'"' || byte == b'\\')
    {
        serde_json::to_writer(&mut *out, text).expect("writing to memory cannot fail");
        return;
    }
    out.reserve(text.len() + 2);
    out.push(b'"');
    out.extend_from_slice(text.as_bytes());
    out.push(b'"');
}

fn boolean(out: &mut Vec<u8>, value: bool) {
    out.extend_from_slice(if value { b"true" } else { b"false" });
}

fn optional_string(out: &mut Vec<u8>, text: Option<&str>) {
    match text {
        Some(text) => string(out, text),
        None => out.extend_from_slice(b"null"),
    }
}

/// A list of strings as an array nested `depth` levels deep.
fn strings(out: &mut Vec<u8>, items: &[String], depth: usize) {
    out.push(b'[');
    if items.is_empty() {
        out.push(b']');
        return;
    }
    for (index, item) in items.iter().enumerate() {
        if index > 0 {
            out.push(b',');
        }
        newline(out, depth + 1);
        string(out, item);
    }
    newline(out, depth);
    out.push(b']');
}

/// `value` as serde_json pretty-prints it, nested `depth` levels deep: for a rare field
/// (a last use, online only).
fn serialized(out: &mut Vec<u8>, value: &impl Serialize, depth: usize) {
    let text = serde_json::to_vec_pretty(value).expect("plain data serialises");
    // Pretty JSON has a line break only between tokens (strings escape theirs), so indenting
    // every line after the first nests the whole value.
    for (index, line) in text.split(|&byte| byte == b'\n').enumerate() {
        if index > 0 {
            newline(out, depth);
        }
        out.extend_from_slice(line);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::profiles::model::CredentialKind;
    use crate::report::LastUsed;

    fn row() -> ProfileRow {
        ProfileRow {
            defined_at: vec!["/home/u/.aws/config:3".to_string()],
            key_age_days: Some(12),
            ..ProfileRow::key_holder("dev")
        }
    }

    /// serde_json's pretty output of `row`, nested `depth` levels deep.
    fn reference(row: &ProfileRow, depth: usize) -> String {
        let text = serde_json::to_string_pretty(row).unwrap();
        text.replace('\n', &format!("\n{}", "  ".repeat(depth)))
    }

    fn written(row: &ProfileRow, depth: usize) -> String {
        let mut out = Vec::new();
        write(&mut out, row, depth);
        String::from_utf8(out).unwrap()
    }

    #[test]
    fn rows_are_written_as_serde_json_pretty_prints_them() {
        let odd = "a \"quoted\" \\ back\tslash\u{1}\u{7f} é 中 \n";
        let mut rows = vec![row()];
        let mut full = row();
        full.defined_at = vec![
            "/home/u/.aws/config:3".to_string(),
            "/home/u/.aws/credentials:1".to_string(),
        ];
        full.credential_kind = CredentialKind::AssumeRole;
        full.root_kind = Some(CredentialKind::Sso);
        full.region = Some("eu-west-1".to_string());
        full.chain = vec!["admin".to_string(), "dev".to_string()];
        full.key_age_days = Some(-3);
        full.key_age_exact = Some(true);
        full.account = Some("123456789012".to_string());
        full.account_alias = Some("corp".to_string());
        full.arn = Some("arn:aws:iam::123456789012:user/u".to_string());
        full.key_status = Some("Active".to_string());
        full.last_used = Some(LastUsed {
            date: Some(chrono::DateTime::from_timestamp(1_700_000_000, 0).unwrap()),
            days_ago: Some(4),
            service: Some("s3".to_string()),
            region: None,
        });
        full.note = Some("not checked".to_string());
        full.selected = true;
        full.error = Some("could not find source profile x".to_string());
        rows.push(full.clone());
        let mut escaped = full.clone();
        escaped.name = odd.to_string();
        escaped.defined_at = vec![odd.to_string()];
        escaped.chain = Vec::new();
        escaped.note = Some(odd.to_string());
        escaped.key_age_exact = Some(false);
        escaped.last_used = Some(LastUsed {
            date: None,
            days_ago: None,
            service: None,
            region: Some(odd.to_string()),
        });
        rows.push(escaped);
        let mut empty = row();
        empty.name = String::new();
        empty.defined_at = Vec::new();
        empty.access_key_id = None;
        empty.key_age_days = None;
        rows.push(empty);
        for row in &rows {
            // Deep enough to pass the indentation kept ready.
            for depth in 0..10 {
                assert_eq!(written(row, depth), reference(row, depth), "depth {depth}");
            }
        }
    }
}
