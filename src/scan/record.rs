//! What the last deep scan found, kept in the state folder (`deep-scan.json`) so that `rotate`
//! can name every copy of the key it replaces without walking the home folder again. Copies are
//! kept by key ID, the key's public name, with their file, lines and kind: never a secret, and
//! never what a line holds.

use super::places::PlaceKind;
use super::Scan;
use chrono::{DateTime, Duration, Utc};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::path::PathBuf;

pub const DEEP_SCAN_FILE: &str = "deep-scan.json";

/// Older than this, the record no longer says where copies are.
pub const FRESH_FOR: Duration = Duration::days(7);

#[derive(Clone, Debug, Default, Serialize, Deserialize)]
pub struct LastDeepScan {
    pub time: Option<DateTime<Utc>>,
    pub roots: Vec<PathBuf>,
    /// Key ID -> where its copies are.
    pub copies: BTreeMap<String, Vec<Place>>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Place {
    pub path: PathBuf,
    pub lines: Vec<usize>,
    pub kind: String,
}

impl LastDeepScan {
    /// The record of `scan`, when it was a deep one.
    pub fn of(scan: &Scan, now: DateTime<Utc>) -> Option<LastDeepScan> {
        let searched = scan.deep.as_ref()?;
        let mut copies: BTreeMap<String, Vec<Place>> = BTreeMap::new();
        for copy in &scan.copies {
            // awscheck's own records keep the keys they are for on purpose.
            if matches!(copy.kind, PlaceKind::OwnRecord) {
                continue;
            }
            copies.entry(copy.key_id.clone()).or_default().push(Place {
                path: copy.path.clone(),
                lines: copy.lines(),
                kind: copy.kind.name().to_string(),
            });
        }
        Some(LastDeepScan {
            time: Some(now),
            roots: searched.roots.clone(),
            copies,
        })
    }

    /// The copies of `key_id` it found, when it is recent enough to say so.
    pub fn copies_of(&self, key_id: &str, now: DateTime<Utc>) -> Option<&[Place]> {
        let time = self.time?;
        if now - time > FRESH_FOR || time > now + Duration::minutes(5) {
            return None;
        }
        self.copies.get(key_id).map(Vec::as_slice)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::scan::Copy;

    #[test]
    fn copies_are_kept_by_key_id_and_named_only_while_the_scan_is_recent() {
        let copy = |path: &str, kind, key_id: &str| Copy {
            path: PathBuf::from(path),
            kind,
            key_id: key_id.to_string(),
            id_lines: vec![3],
            secret_lines: vec![4],
            secret_beside: false,
        };
        let scan = Scan {
            copies: vec![
                copy(
                    "/h/p/main.tf",
                    PlaceKind::TerraformConfig,
                    "AKIAEXAMPLEDEV000001",
                ),
                copy(
                    "/h/.local/state/awscheck/backups/c",
                    PlaceKind::OwnRecord,
                    "AKIAEXAMPLEDEV000001",
                ),
            ],
            deep: Some(crate::scan::deep::Searched::default()),
            ..Scan::default()
        };
        let then = Utc::now();
        let record = LastDeepScan::of(&scan, then).unwrap();
        let places = record.copies_of("AKIAEXAMPLEDEV000001", then).unwrap();
        assert_eq!(
            places,
            [Place {
                path: PathBuf::from("/h/p/main.tf"),
                lines: vec![3, 4],
                kind: "Terraform configuration".to_string(),
            }]
        );
        assert!(record
            .copies_of("AKIAEXAMPLEDEV000001", then + Duration::days(6))
            .is_some());
        assert!(record
            .copies_of("AKIAEXAMPLEDEV000001", then + Duration::days(8))
            .is_none());
        assert!(record.copies_of("AKIAEXAMPLEOTHER0001", then).is_none());
        // Only a deep scan is kept.
        assert!(LastDeepScan::of(&Scan::default(), then).is_none());
    }
}
