//! awscheck's own use of each key, so that a weekly audit never makes an unused key look used.
//!
//! Every signed call updates a key's last-used record, awscheck's included. awscheck reads the
//! record before its other calls, remembers the time windows in which it signed with each key,
//! and treats a reported last use inside one of those windows as its own: the key's last
//! *genuine* use is then the one it saw before. Kept in the state folder (`own-use.json`).

use crate::audit::facts::KeyActivity;
use chrono::{DateTime, Duration, Utc};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// How far a reported time may sit outside a window and still be ours: clocks differ, and
/// IAM rounds what it records.
const SLACK_SECONDS: i64 = 300;
/// Windows older than this cannot explain a last-used date any more.
const KEEP_DAYS: i64 = 800;

#[derive(Clone, Debug, Default, Serialize, Deserialize)]
pub struct OwnUse {
    keys: BTreeMap<String, KeyRecord>,
}

#[derive(Clone, Debug, Default, Serialize, Deserialize)]
struct KeyRecord {
    /// When awscheck signed requests with the key.
    windows: Vec<(DateTime<Utc>, DateTime<Utc>)>,
    /// The last use that was not awscheck's, as seen the last time it looked.
    genuine: Option<Use>,
    /// Whether `genuine` has been established at least once (`None` then means never used).
    seen: bool,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
struct Use {
    date: DateTime<Utc>,
    service: Option<String>,
    region: Option<String>,
}

impl OwnUse {
    /// Replace a reported last use that was awscheck's own with the genuine one before it.
    pub fn discount(&mut self, key_id: &str, activity: &mut KeyActivity) {
        let record = self.keys.entry(key_id.to_string()).or_default();
        let ours = activity.last_used.is_some_and(|date| record.is_ours(date));
        if ours && record.seen {
            let genuine = record.genuine.clone();
            activity.last_used = genuine.as_ref().map(|u| u.date);
            activity.last_used_service = genuine.as_ref().and_then(|u| u.service.clone());
            activity.last_used_region = genuine.and_then(|u| u.region);
        } else if !ours {
            record.genuine = activity.last_used.map(|date| Use {
                date,
                service: activity.last_used_service.clone(),
                region: activity.last_used_region.clone(),
            });
            record.seen = true;
        }
        // `ours && !seen`: a record from before awscheck knew the key's history cannot be
        // told apart; report it as it stands.
    }

    /// When awscheck signed with `key_id`, as far back as the record goes.
    pub fn runs(&self, key_id: &str) -> &[(DateTime<Utc>, DateTime<Utc>)] {
        self.keys
            .get(key_id)
            .map(|record| record.windows.as_slice())
            .unwrap_or_default()
    }

    pub fn record(&mut self, key_id: &str, start: DateTime<Utc>, end: DateTime<Utc>) {
        let record = self.keys.entry(key_id.to_string()).or_default();
        record.windows.push((start, end));
        let horizon = end - Duration::days(KEEP_DAYS);
        record
            .windows
            .retain(|(_, window_end)| *window_end >= horizon);
    }
}

impl KeyRecord {
    fn is_ours(&self, date: DateTime<Utc>) -> bool {
        let slack = Duration::seconds(SLACK_SECONDS);
        self.windows
            .iter()
            .any(|(start, end)| date >= *start - slack && date <= *end + slack)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(text: &str) -> DateTime<Utc> {
        text.parse().unwrap()
    }

    fn used(date: Option<&str>) -> KeyActivity {
        KeyActivity {
            last_used: date.map(at),
            last_used_service: date.map(|_| "iam".to_string()),
            ..KeyActivity::default()
        }
    }

    #[test]
    fn our_own_calls_do_not_count_as_use() {
        let mut own = OwnUse::default();
        // First audit: the key was last used 60 days ago, by someone else.
        let mut first = used(Some("2026-09-25T10:00:00Z"));
        own.discount("AKIA1", &mut first);
        assert_eq!(first.last_used, Some(at("2026-09-25T10:00:00Z")));
        own.record(
            "AKIA1",
            at("2026-11-24T09:00:00Z"),
            at("2026-11-24T09:00:02Z"),
        );
        // A week later IAM reports awscheck's own calls as the last use.
        let mut second = used(Some("2026-11-24T09:00:01Z"));
        own.discount("AKIA1", &mut second);
        assert_eq!(second.last_used, Some(at("2026-09-25T10:00:00Z")));
        assert_eq!(second.last_used_service.as_deref(), Some("iam"));
    }

    #[test]
    fn a_never_used_key_stays_never_used() {
        let mut own = OwnUse::default();
        let mut first = used(None);
        own.discount("AKIA2", &mut first);
        own.record(
            "AKIA2",
            at("2026-11-24T09:00:00Z"),
            at("2026-11-24T09:00:02Z"),
        );
        let mut second = used(Some("2026-11-24T09:00:01Z"));
        own.discount("AKIA2", &mut second);
        assert_eq!(second.last_used, None);
    }

    #[test]
    fn a_genuine_use_after_ours_counts() {
        let mut own = OwnUse::default();
        own.discount("AKIA3", &mut used(None));
        own.record(
            "AKIA3",
            at("2026-11-24T09:00:00Z"),
            at("2026-11-24T09:00:02Z"),
        );
        let mut later = used(Some("2026-11-26T15:00:00Z"));
        own.discount("AKIA3", &mut later);
        assert_eq!(later.last_used, Some(at("2026-11-26T15:00:00Z")));
    }
}
