//! What a deep scan covered, for `awscheck scan` and `audit --deep`: the files and bytes it
//! searched, what it skipped and why, AWS's example keys it noted, and what it could not read.

use crate::profiles::model::Model;
use crate::scan::deep::{limit, size, Searched};
use crate::scan::search::is_documented_example;
use crate::scan::Scan;
use crate::sys::count::count;
use serde::Serialize;

#[derive(Serialize)]
pub struct DeepScan<'a> {
    pub searched: &'a Searched,
    /// Files holding AWS's documentation example key, which no profile here holds: noted,
    /// never reported as a leak.
    pub examples: usize,
    /// Files and folders that could not be read, and why.
    pub not_searched: &'a [String],
}

impl<'a> DeepScan<'a> {
    /// Of `scan`, when it was deep; an example key one of `model`'s profiles holds is no
    /// example.
    pub fn of(scan: &'a Scan, model: &Model) -> Option<DeepScan<'a>> {
        let held = |key_id: &str| model.key_holders().any(|(_, held)| held == key_id);
        let examples = scan
            .copies
            .iter()
            .filter(|c| is_documented_example(&c.key_id) && !held(&c.key_id))
            .count();
        Some(DeepScan {
            searched: scan.deep.as_ref()?,
            examples,
            not_searched: &scan.notes,
        })
    }

    /// The lines a person reads: `LEAD searched 12,345 files (1.2 GiB) under ~ in 1.9 s`, then
    /// what was skipped, noted and not read.
    pub fn lines(&self, lead: &str) -> Vec<String> {
        let searched = self.searched;
        let roots: Vec<String> = searched
            .roots
            .iter()
            .map(|r| r.display().to_string())
            .collect();
        let mut lines = vec![format!(
            "{lead}searched {} ({}) under {} in {:.1} s",
            count(searched.files, "file", "files"),
            size(searched.bytes),
            roots.join(", "),
            searched.milliseconds as f64 / 1000.0
        )];
        let mut left = Vec::new();
        if searched.binary > 0 {
            left.push(count(searched.binary, "binary file", "binary files"));
        }
        if searched.large > 0 {
            let files = count(searched.large, "file", "files");
            left.push(format!("{files} over {}", limit()));
        }
        let folders: u64 = searched.skipped.values().sum();
        if folders > 0 {
            let names: Vec<String> = searched
                .skipped
                .iter()
                .map(|(entry, count)| match count {
                    1 => entry.clone(),
                    _ => format!("{entry} ×{count}"),
                })
                .collect();
            let history = match searched.skipped.contains_key(".git/objects") {
                true => "; git history is not searched",
                false => "",
            };
            left.push(format!(
                "{} ({}{history})",
                count(folders, "folder", "folders"),
                names.join(", ")
            ));
        }
        if !left.is_empty() {
            lines.push(format!("skipped: {}", left.join(", ")));
        }
        if self.examples > 0 {
            lines.push(format!(
                "noted: AWS's documentation example key (AKIAIOSFODNN7EXAMPLE and the like) in {}: an example, not a leak",
                count(self.examples as u64, "file", "files")
            ));
        }
        if !self.not_searched.is_empty() {
            lines.push(format!(
                "not searched: {} that could not be read, each named in a warning",
                count(
                    self.not_searched.len() as u64,
                    "file or folder",
                    "files or folders"
                )
            ));
        }
        lines
    }
}
