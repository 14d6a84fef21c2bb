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
    /// Key ID -> where its copies are.
    pub copies: BTreeMap<String, Vec<Place>>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Place {
    pub path: PathBuf,
    pub lines: Vec<usize>,
    pub kind: String,
    /// When the deep scan that found it ran.
    pub seen: DateTime<Utc>,
}

impl LastDeepScan {
    /// The record after `scan`, when it was a deep one: its copies, and those of earlier
    /// scans outside the folders it searched, while they are recent. A scan of one project
    /// does not forget what the scan of the whole home folder saw elsewhere.
    pub fn after(self, scan: &Scan, now: DateTime<Utc>) -> Option<LastDeepScan> {
        let searched = scan.deep.as_ref()?;
        let mut copies = self.copies;
        for places in copies.values_mut() {
            places.retain(|place| {
                fresh(place.seen, now) && !searched.roots.iter().any(|r| place.path.starts_with(r))
            });
        }
        for copy in &scan.copies {
            // awscheck's own records keep the keys they are for on purpose.
            if matches!(copy.kind, PlaceKind::OwnRecord) {
                continue;
            }
            copies.entry(copy.key_id.clone()).or_default().push(Place {
                path: copy.path.clone(),
                lines: copy.lines(),
                kind: copy.kind.name().to_string(),
                seen: now,
            });
        }
        copies.retain(|_, places| !places.is_empty());
        Some(LastDeepScan { copies })
    }

    /// The copies of `key_id` deep scans found in the last week.
    pub fn copies_of(&self, key_id: &str, now: DateTime<Utc>) -> Vec<&Place> {
        self.copies
            .get(key_id)
            .into_iter()
            .flatten()
            .filter(|place| fresh(place.seen, now))
            .collect()
    }
}

/// Seen recently enough to be worth naming (and not in the future of a clock set back).
fn fresh(seen: DateTime<Utc>, now: DateTime<Utc>) -> bool {
    now - seen <= FRESH_FOR && seen <= now + Duration::minutes(5)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::scan::deep::Searched;
    use crate::scan::Copy;

    const DEV: &str = "AKIAEXAMPLEDEV000001";

    fn copy(path: &str, kind: PlaceKind) -> Copy {
        Copy {
            path: PathBuf::from(path),
            kind,
            key_id: DEV.to_string(),
            id_lines: vec![3],
            secret_lines: vec![4],
            secret_beside: false,
        }
    }

    fn deep(roots: &[&str], copies: Vec<Copy>) -> Scan {
        Scan {
            copies,
            deep: Some(Searched {
                roots: roots.iter().map(PathBuf::from).collect(),
                ..Searched::default()
            }),
            ..Scan::default()
        }
    }

    fn paths(record: &LastDeepScan, now: DateTime<Utc>) -> Vec<String> {
        record
            .copies_of(DEV, now)
            .iter()
            .map(|p| p.path.display().to_string())
            .collect()
    }

    #[test]
    fn copies_are_kept_by_key_id_and_named_only_while_recent() {
        let then = Utc::now();
        let home = deep(
            &["/h"],
            vec![
                copy("/h/p/main.tf", PlaceKind::TerraformConfig),
                copy("/h/.local/state/awscheck/backups/c", PlaceKind::OwnRecord),
            ],
        );
        let record = LastDeepScan::default().after(&home, then).unwrap();
        assert_eq!(
            record.copies_of(DEV, then),
            [&Place {
                path: PathBuf::from("/h/p/main.tf"),
                lines: vec![3, 4],
                kind: "Terraform configuration".to_string(),
                seen: then,
            }]
        );
        assert_eq!(paths(&record, then + Duration::days(6)), ["/h/p/main.tf"]);
        assert!(paths(&record, then + Duration::days(8)).is_empty());
        assert!(record.copies_of("AKIAEXAMPLEOTHER0001", then).is_empty());
        // Only a deep scan is kept.
        assert!(record.clone().after(&Scan::default(), then).is_none());

        // A later scan of one folder replaces what was seen there, and keeps the rest.
        let later = then + Duration::days(2);
        let project = deep(&["/h/p"], vec![copy("/h/p/.env", PlaceKind::EnvFile)]);
        let record = record.after(&project, later).unwrap();
        assert_eq!(paths(&record, later), ["/h/p/.env"]);
        let elsewhere = deep(&["/h/q"], vec![]);
        let record = record.after(&elsewhere, later).unwrap();
        assert_eq!(paths(&record, later), ["/h/p/.env"]);
        // The home folder's scan, a week on, is forgotten; the project's is not yet.
        assert_eq!(paths(&record, then + Duration::days(8)), ["/h/p/.env"]);
    }
}
