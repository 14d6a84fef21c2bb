//! What `incident` reads: since when (`--since 7d`, `36h`, a date or a time) and in which
//! regions (us-east-1, where IAM and STS events land, and every region the profiles name;
//! `--regions LIST`, or `all`).

use crate::profiles::model::Model;
use chrono::{DateTime, Duration, NaiveDate, Utc};

/// CloudTrail's event history goes back this far.
pub const HISTORY_DAYS: i64 = 90;

/// Where IAM and STS (global services) record their events.
pub const GLOBAL_REGION: &str = "us-east-1";

/// The commercial regions, for `--regions all`: one not enabled for the account answers
/// with an error, which becomes a note.
const ALL_REGIONS: [&str; 34] = [
    "us-east-1",
    "us-east-2",
    "us-west-1",
    "us-west-2",
    "af-south-1",
    "ap-east-1",
    "ap-east-2",
    "ap-south-1",
    "ap-south-2",
    "ap-southeast-1",
    "ap-southeast-2",
    "ap-southeast-3",
    "ap-southeast-4",
    "ap-southeast-5",
    "ap-southeast-6",
    "ap-southeast-7",
    "ap-northeast-1",
    "ap-northeast-2",
    "ap-northeast-3",
    "ca-central-1",
    "ca-west-1",
    "eu-central-1",
    "eu-central-2",
    "eu-west-1",
    "eu-west-2",
    "eu-west-3",
    "eu-south-1",
    "eu-south-2",
    "eu-north-1",
    "il-central-1",
    "me-south-1",
    "me-central-1",
    "mx-central-1",
    "sa-east-1",
];

/// `7d`, `36h`, `30m`, a date (`2026-12-01`, midnight UTC) or an RFC 3339 time, no further
/// back than CloudTrail keeps.
pub fn since(text: &str, now: DateTime<Utc>) -> Result<DateTime<Utc>, String> {
    let text = text.trim();
    let bad = || {
        format!("--since {text:?}: give a span (7d, 36h, 30m), a date (2026-12-01) or a time (2026-12-01T09:00:00Z)")
    };
    let time = if let Some((number, unit)) = text
        .char_indices()
        .last()
        .map(|(at, unit)| (&text[..at], unit))
        .filter(|(number, _)| !number.is_empty() && number.bytes().all(|b| b.is_ascii_digit()))
    {
        let number: i64 = number.parse().map_err(|_| bad())?;
        let span = match unit {
            'd' => Duration::try_days(number),
            'h' => Duration::try_hours(number),
            'm' => Duration::try_minutes(number),
            _ => None,
        }
        .ok_or_else(bad)?;
        now.checked_sub_signed(span).ok_or_else(bad)?
    } else if let Ok(date) = NaiveDate::parse_from_str(text, "%Y-%m-%d") {
        date.and_hms_opt(0, 0, 0).ok_or_else(bad)?.and_utc()
    } else {
        DateTime::parse_from_rfc3339(text)
            .map_err(|_| bad())?
            .with_timezone(&Utc)
    };
    if time > now {
        return Err(format!("--since {text:?} is in the future"));
    }
    if now - time > Duration::days(HISTORY_DAYS) {
        return Err(format!(
            "--since {text:?} is further back than CloudTrail's event history, which keeps {HISTORY_DAYS} days"
        ));
    }
    Ok(time)
}

/// us-east-1 first, then the regions asked for, or else every region a profile names.
pub fn regions(asked: Option<&str>, model: &Model) -> Result<Vec<String>, String> {
    let mut regions = vec![GLOBAL_REGION.to_string()];
    let mut add = |region: &str| {
        if !regions.iter().any(|r| r == region) {
            regions.push(region.to_string());
        }
    };
    match asked.map(str::trim) {
        Some("all") => ALL_REGIONS.iter().for_each(|region| add(region)),
        Some(list) => {
            for region in list.split(',').map(str::trim).filter(|r| !r.is_empty()) {
                if !is_region_name(region) {
                    return Err(format!(
                        "--regions: {region:?} is not a region name (like eu-west-1), nor `all`"
                    ));
                }
                add(region);
            }
        }
        None => named_regions(model).iter().for_each(|region| add(region)),
    }
    Ok(regions)
}

/// The regions the profiles name, in file order.
pub fn named_regions(model: &Model) -> Vec<String> {
    let mut named: Vec<String> = Vec::new();
    for profile in &model.profiles {
        if let Some(region) = profile.section.get_named("region") {
            let region = region.trim();
            if is_region_name(region) && !named.iter().any(|r| r == region) {
                named.push(region.to_string());
            }
        }
    }
    named
}

/// `eu-west-1`: lower-case words and a number, joined by hyphens.
fn is_region_name(text: &str) -> bool {
    let parts: Vec<&str> = text.split('-').collect();
    parts.len() >= 3
        && parts.iter().all(|part| {
            !part.is_empty()
                && part
                    .bytes()
                    .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit())
        })
        && parts
            .last()
            .is_some_and(|n| n.bytes().all(|b| b.is_ascii_digit()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::profiles::set::ProfileSet;

    fn now() -> DateTime<Utc> {
        DateTime::parse_from_rfc3339("2026-12-07T12:00:00Z")
            .unwrap()
            .with_timezone(&Utc)
    }

    #[test]
    fn since_reads_spans_dates_and_times() {
        let at = |text: &str| since(text, now()).map(|t| t.to_rfc3339());
        assert_eq!(at("7d").unwrap(), "2026-11-30T12:00:00+00:00");
        assert_eq!(at("36h").unwrap(), "2026-12-06T00:00:00+00:00");
        assert_eq!(at("2026-12-01").unwrap(), "2026-12-01T00:00:00+00:00");
        assert_eq!(
            at("2026-12-01T09:30:00Z").unwrap(),
            "2026-12-01T09:30:00+00:00"
        );
        assert!(at("91d").unwrap_err().contains("90 days"));
        assert!(at("2027-01-01").unwrap_err().contains("future"));
        for bad in ["", "d", "7w", "-7d", "yesterday", "99999999999999999999d"] {
            assert!(at(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn regions_start_with_us_east_1_then_the_profiles_or_the_list() {
        let set = ProfileSet::from_texts(
            "[profile a]\nregion = eu-west-1\n[profile b]\nregion = us-east-1\n[profile c]\nregion = not a region\n",
            "",
        )
        .unwrap();
        let model = Model::build(&set);
        assert_eq!(regions(None, &model).unwrap(), ["us-east-1", "eu-west-1"]);
        assert_eq!(
            regions(Some("ap-south-1, eu-west-1"), &model).unwrap(),
            ["us-east-1", "ap-south-1", "eu-west-1"]
        );
        assert!(regions(Some("all"), &model).unwrap().len() > 30);
        assert!(regions(Some("eu-west-1;rm"), &model).is_err());
    }
}
