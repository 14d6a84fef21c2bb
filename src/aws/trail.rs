//! CloudTrail's event history about one key: every management event it signed in one region
//! since a time, as `LookupEvents` pages them. CloudTrail answers 2 lookups a second per
//! account and region: the calls are paced, a throttled one waits and tries again, and the
//! whole lookup stops at a deadline, saying it is incomplete rather than pretending to be
//! whole. The events are read from the record CloudTrail keeps of each call; nothing in them is
//! a secret (a minted session's key ID, never its secret).

use super::calls::secrets;
use super::error::AwsError;
use super::sdk::Connection;
use crate::sys::mask::KeyDisplay;
use aws_credential_types::Credentials;
use aws_sdk_cloudtrail::types::{LookupAttribute, LookupAttributeKey};
use chrono::{DateTime, NaiveDateTime, Utc};
use std::time::Duration;
use tokio::time::Instant;

/// CloudTrail's limit: lookups a second, per account and region.
const LOOKUPS_PER_SECOND: u32 = 2;
/// Added to each turn: requests reach AWS a few milliseconds apart from when they were sent,
/// and two sent exactly half a second apart may arrive within one second of a third.
const PACE_MARGIN: Duration = Duration::from_millis(50);
/// How long a throttled lookup waits before it asks again.
const THROTTLED_WAIT: Duration = Duration::from_secs(1);

/// One call the key signed, as CloudTrail recorded it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TrailEvent {
    pub time: DateTime<Utc>,
    /// `GetCallerIdentity`.
    pub name: String,
    /// `sts.amazonaws.com`.
    pub source: String,
    pub region: String,
    pub source_ip: Option<String>,
    pub user_agent: Option<String>,
    /// The error AWS answered with (`AccessDenied`), `None` for a call that went through.
    pub error_code: Option<String>,
    /// The session the call handed out (GetSessionToken, AssumeRole): it outlives the key.
    pub minted: Option<Minted>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Minted {
    pub key_id: String,
    pub expires: Option<DateTime<Utc>>,
}

/// What a lookup found, newest first, and whether it read every page.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Lookup {
    pub events: Vec<TrailEvent>,
    /// False when the deadline came before the last page.
    pub complete: bool,
}

/// CloudTrail's pace in one account and region, shared by every lookup made there: its limit
/// holds for the account, whichever key signs.
#[derive(Debug, Default)]
pub struct Pace {
    last_call: tokio::sync::Mutex<Option<Instant>>,
}

impl Pace {
    /// Wait until a lookup may go out, and take that turn.
    async fn turn(&self) {
        let interval = Duration::from_secs(1) / LOOKUPS_PER_SECOND + PACE_MARGIN;
        let mut last_call = self.last_call.lock().await;
        if let Some(last) = *last_call {
            tokio::time::sleep_until(last + interval).await;
        }
        *last_call = Some(Instant::now());
    }
}

/// A CloudTrail client for one region, signing as one key.
pub struct Trail {
    client: aws_sdk_cloudtrail::Client,
    credentials: Credentials,
    keys: KeyDisplay,
}

impl Trail {
    /// Events are kept per region: a lookup sees the region `connection` is in.
    pub async fn new(connection: &Connection, credentials: Credentials, keys: KeyDisplay) -> Self {
        let config = connection.config(credentials.clone()).await;
        Trail {
            client: aws_sdk_cloudtrail::Client::new(&config),
            credentials,
            keys,
        }
    }

    /// Every event `key_id` signed since `since`, read page by page until `deadline`, at the
    /// `pace` of the account and region.
    pub async fn events_of(
        &self,
        key_id: &str,
        since: DateTime<Utc>,
        deadline: Instant,
        pace: &Pace,
    ) -> Result<Lookup, AwsError> {
        let by_key = LookupAttribute::builder()
            .attribute_key(LookupAttributeKey::AccessKeyId)
            .attribute_value(key_id)
            .build()
            .map_err(|e| AwsError::missing("cloudtrail:LookupEvents", &e.to_string()))?;
        let since = aws_smithy_types::DateTime::from_secs(since.timestamp());
        let mut lookup = Lookup::default();
        let mut token: Option<String> = None;
        loop {
            if Instant::now() >= deadline {
                return Ok(lookup);
            }
            match tokio::time::timeout_at(deadline, pace.turn()).await {
                Ok(()) => {}
                Err(_) => return Ok(lookup),
            }
            let answer = self
                .client
                .lookup_events()
                .lookup_attributes(by_key.clone())
                .start_time(since)
                .set_next_token(token.clone())
                .send()
                .await
                .map_err(|e| {
                    AwsError::from_sdk(
                        "cloudtrail:LookupEvents",
                        e,
                        &secrets(&self.credentials),
                        self.keys,
                    )
                });
            let page = match answer {
                Ok(page) => page,
                Err(error) if error.is_throttled() => {
                    tokio::time::sleep(THROTTLED_WAIT).await;
                    continue;
                }
                Err(error) => return Err(error),
            };
            lookup
                .events
                .extend(page.events().iter().filter_map(trail_event));
            token = page.next_token().map(str::to_string);
            if token.is_none() {
                lookup.complete = true;
                return Ok(lookup);
            }
        }
    }
}

/// The event as CloudTrail's own record of the call tells it; `None` without a time or name.
fn trail_event(event: &aws_sdk_cloudtrail::types::Event) -> Option<TrailEvent> {
    let time = event.event_time()?;
    let time = DateTime::from_timestamp(time.secs(), time.subsec_nanos())?;
    let record: serde_json::Value = event
        .cloud_trail_event()
        .and_then(|text| serde_json::from_str(text).ok())
        .unwrap_or_default();
    let text = |field: &str| record[field].as_str().map(str::to_string);
    let minted = record["responseElements"]["credentials"]
        .as_object()
        .and_then(|credentials| {
            Some(Minted {
                key_id: credentials.get("accessKeyId")?.as_str()?.to_string(),
                expires: credentials
                    .get("expiration")
                    .and_then(|value| value.as_str())
                    .and_then(expiry),
            })
        });
    Some(TrailEvent {
        time,
        name: event.event_name()?.to_string(),
        source: event
            .event_source()
            .map(str::to_string)
            .or_else(|| text("eventSource"))
            .unwrap_or_default(),
        region: text("awsRegion").unwrap_or_default(),
        source_ip: text("sourceIPAddress"),
        user_agent: text("userAgent"),
        error_code: text("errorCode"),
        minted,
    })
}

/// A session's expiry as CloudTrail writes it: RFC 3339, or `Dec 7, 2026, 3:04:05 PM`.
fn expiry(text: &str) -> Option<DateTime<Utc>> {
    if let Ok(time) = DateTime::parse_from_rfc3339(text) {
        return Some(time.with_timezone(&Utc));
    }
    ["%b %e, %Y, %l:%M:%S %p", "%b %e, %Y %l:%M:%S %p"]
        .iter()
        .find_map(|format| NaiveDateTime::parse_from_str(text, format).ok())
        .map(|time| time.and_utc())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_session_s_expiry_reads_in_both_of_cloudtrail_s_forms() {
        let expected = DateTime::parse_from_rfc3339("2026-12-07T15:04:05Z").unwrap();
        assert_eq!(expiry("2026-12-07T15:04:05Z"), Some(expected.into()));
        assert_eq!(expiry("Dec 7, 2026, 3:04:05 PM"), Some(expected.into()));
        assert_eq!(expiry("Dec 7, 2026 3:04:05 PM"), Some(expected.into()));
        assert_eq!(expiry("soon"), None);
    }
}
