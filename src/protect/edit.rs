//! The bytes `protect` changes in a file, and how to give them back.
//!
//! Protecting replaces each `aws_access_key_id` line holding the key with a
//! `credential_process` line and removes each line holding its secret; nothing else moves.
//! Every change is recorded as an [`Undo`]: where its new text sits in the protected file and
//! the text it replaced, the secret in it swapped for [`SECRET_MARK`]. While the protected
//! file is unchanged, applying the undos gives back the original byte for byte.

use crate::edit::plan::FileEdit;
use crate::parse::document::Document;
use rustc_hash::FxHasher;
use serde::{Deserialize, Serialize};
use std::hash::Hasher;
use std::ops::Range;

/// Stands in for the secret in a recorded line. A NUL never survives into a file awscheck
/// reads (it refuses binary files), so it cannot be mistaken for text.
pub const SECRET_MARK: &str = "\u{0}awscheck-secret\u{0}";

/// One change, as it can be taken back.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Undo {
    /// Where the new text starts in the protected file.
    pub at: usize,
    /// Its length in bytes.
    pub len: usize,
    /// The text it replaced, with [`SECRET_MARK`] for the secret.
    pub before: String,
}

/// A file's protected text and how to take the protection back.
pub struct Protected {
    pub text: String,
    pub undo: Vec<Undo>,
}

/// Replace each of the key's ID lines with the `credential_process` line `process_line`
/// gives for its line number, and drop its secret lines.
pub fn protect(
    document: &Document,
    edit: &FileEdit,
    secret: &str,
    process_line: &dyn Fn(usize) -> String,
) -> Protected {
    let lines = document.lines();
    let mut changes: Vec<(Range<usize>, String)> = edit
        .key_ids
        .iter()
        .map(|place| {
            let line = &lines[place.line - 1];
            (line.start..line.end, process_line(place.line))
        })
        .chain(edit.secrets.iter().map(|place| {
            let line = &lines[place.line - 1];
            (line.start..line.next, String::new())
        }))
        .collect();
    changes.sort_by_key(|(range, _)| range.start);
    let original = document.text();
    let mut text = String::with_capacity(original.len() + 256);
    let mut undo = Vec::new();
    let mut copied = 0;
    for (range, replacement) in changes {
        text.push_str(&original[copied..range.start]);
        undo.push(Undo {
            at: text.len(),
            len: replacement.len(),
            before: original[range.clone()].replace(secret, SECRET_MARK),
        });
        text.push_str(&replacement);
        copied = range.end;
    }
    text.push_str(&original[copied..]);
    Protected { text, undo }
}

/// The original text back from the protected one.
pub fn unprotect(protected: &str, undo: &[Undo], secret: &str) -> Option<String> {
    let mut text = protected.to_string();
    for step in undo.iter().rev() {
        let end = step.at.checked_add(step.len)?;
        if end > text.len() || !text.is_char_boundary(step.at) || !text.is_char_boundary(end) {
            return None;
        }
        text.replace_range(step.at..end, &step.before.replace(SECRET_MARK, secret));
    }
    Some(text)
}

/// `text` with each `(range, line)` put in place of the bytes in `range` (whole lines, in
/// order, none overlapping), and the undo steps of the protected file moved to match: a step
/// whose text is a replaced line takes the new line's length, and the steps after it shift.
pub fn replace_lines(
    text: &str,
    undo: &mut [Undo],
    replacements: &[(Range<usize>, String)],
) -> String {
    let mut out = String::with_capacity(text.len() + 64 * replacements.len());
    let mut copied = 0;
    for (range, line) in replacements {
        out.push_str(&text[copied..range.start]);
        out.push_str(line);
        copied = range.end;
    }
    out.push_str(&text[copied..]);
    for step in undo.iter_mut() {
        let mut shift = 0isize;
        for (range, line) in replacements {
            if range.start < step.at {
                shift += line.len() as isize - range.len() as isize;
            } else if range.start == step.at && range.len() == step.len {
                step.len = line.len();
            }
        }
        step.at = step.at.saturating_add_signed(shift);
    }
    out
}

/// A fingerprint of a file's text, to know whether it changed since it was protected. Not a
/// secret's hash: the text holds no secret of this key any more.
pub fn fingerprint(text: &str) -> String {
    let mut hasher = FxHasher::default();
    hasher.write(text.as_bytes());
    format!("{:016x}-{}", hasher.finish(), text.len())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::edit::plan::Place;
    use crate::parse::origin::FileKind;

    #[test]
    fn protect_then_unprotect_gives_back_every_byte() {
        let original = "# keys\r\n[dev]\r\naws_access_key_id = AKIAOLD ; old\r\naws_secret_access_key=s3cr3t\r\nregion = eu-west-1\r\n[ci]\naws_access_key_id=AKIAOLD\naws_secret_access_key = s3cr3t";
        let document = Document::new(original.to_string());
        let place = |line| Place { span: 0..0, line };
        let edit = FileEdit {
            kind: FileKind::Credentials,
            path: "credentials".into(),
            key_ids: vec![place(3), place(7)],
            secrets: vec![place(4), place(8)],
        };
        let line = |n: usize| {
            format!(
                "credential_process = awscheck credential-process --profile p{n} --key-id AKIAOLD"
            )
        };
        let protected = protect(&document, &edit, "s3cr3t", &line);
        assert_eq!(
            protected.text,
            format!(
                "# keys\r\n[dev]\r\n{}\r\nregion = eu-west-1\r\n[ci]\n{}\n",
                line(3),
                line(7)
            )
        );
        let recorded = serde_json::to_string(&protected.undo).unwrap();
        assert!(!recorded.contains("s3cr3t"));
        assert_eq!(
            unprotect(&protected.text, &protected.undo, "s3cr3t").unwrap(),
            original
        );
        assert_ne!(fingerprint(original), fingerprint(&protected.text));

        // The lines rewritten later (to name another profile, say), the undo still gives the
        // original back.
        let mut undo = protected.undo.clone();
        let text = &protected.text;
        let replacements: Vec<(Range<usize>, String)> = [line(3), line(7)]
            .iter()
            .map(|old| {
                let start = text.find(old.as_str()).unwrap();
                (start..start + old.len(), old.replace("--profile", "-p"))
            })
            .collect();
        let updated = replace_lines(text, &mut undo, &replacements);
        assert!(updated.contains("credential-process -p p3") && !updated.contains("--profile"));
        assert_eq!(unprotect(&updated, &undo, "s3cr3t").unwrap(), original);
    }
}
