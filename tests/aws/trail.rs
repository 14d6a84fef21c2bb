//! CloudTrail's event history through the one AWS layer (`aws::trail`), against the emulator's
//! `LookupEvents`: every page, the events' details, a refusal.

use crate::emulator::{Emulator, Key};
use aws_credential_types::Credentials;
use awscheck::aws::sdk::Connection;
use awscheck::aws::trail::{Lookup, Pace, Trail};
use awscheck::input::locate::{locate, Overrides};
use awscheck::sys::env::Env;
use awscheck::sys::mask::KeyDisplay;
use chrono::{Duration as Days, Utc};
use serde_json::json;
use std::time::Duration;

/// The events `key` signed in us-east-1 in the last day, looked up with the key itself.
fn look_up(emulator: &Emulator, key: &Key) -> Result<Lookup, String> {
    let home = tempfile::tempdir().unwrap();
    let aws = home.path().join(".aws");
    std::fs::create_dir(&aws).unwrap();
    std::fs::write(
        aws.join("config"),
        format!(
            "[default]\nregion = us-east-1\nendpoint_url = {}\n",
            emulator.url
        ),
    )
    .unwrap();
    let env = Env::from_pairs([("HOME", home.path().to_str().unwrap())]);
    let locations = locate(&env, &Overrides::default());
    let timeout = Duration::from_secs(20);
    let connection = Connection::new(&locations, "default", Some("us-east-1"), timeout, timeout);
    let credentials = Credentials::new(&key.id, &key.secret, None, None, "test");
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    runtime.block_on(async {
        let trail = Trail::new(&connection, credentials, KeyDisplay::default()).await;
        let deadline = tokio::time::Instant::now() + Duration::from_secs(60);
        trail
            .events_of(
                &key.id,
                Utc::now() - Days::days(1),
                deadline,
                &Pace::default(),
            )
            .await
            .map_err(|e| e.to_string())
    })
}

#[test]
fn every_page_of_a_key_s_history_is_read_with_each_event_s_details() {
    let emulator = Emulator::start();
    let key = emulator.create_key(json!({ "user": "leaked" }));
    let now = Utc::now();
    // 120 calls from elsewhere: three pages of CloudTrail's 50.
    for n in 0..120 {
        let denied = n % 10 == 0;
        emulator.control(
            "POST",
            "events",
            Some(json!({
                "access_key_id": key.id,
                "event_name": if denied { "ListUsers" } else { "GetCallerIdentity" },
                "event_source": if denied { "iam.amazonaws.com" } else { "sts.amazonaws.com" },
                "time": (now - Days::minutes(200 - n)).format("%Y-%m-%dT%H:%M:%SZ").to_string(),
                "source_ip": "203.0.113.66",
                "user_agent": "TruffleHog",
                "error_code": if denied { Some("AccessDenied") } else { None },
            })),
        );
    }
    emulator.control(
        "POST",
        "events",
        Some(json!({
            "access_key_id": key.id,
            "event_name": "GetSessionToken",
            "event_source": "sts.amazonaws.com",
            "time": (now - Days::minutes(10)).format("%Y-%m-%dT%H:%M:%SZ").to_string(),
            "response": { "credentials": { "accessKeyId": "ASIAEXAMPLESESSION01", "expiration": "Dec 7, 2099, 3:04:05 PM" } },
        })),
    );
    // Another key's use is not this key's.
    let other = emulator.create_key(json!({ "user": "other" }));
    emulator.control(
        "POST",
        "events",
        Some(json!({ "access_key_id": other.id, "event_name": "ListBuckets" })),
    );
    let lookup = look_up(&emulator, &key).unwrap();
    assert!(lookup.complete);
    assert_eq!(lookup.events.len(), 121);
    let newest = &lookup.events[0];
    assert_eq!(newest.name, "GetSessionToken");
    let minted = newest.minted.as_ref().expect("the session it handed out");
    assert_eq!(minted.key_id, "ASIAEXAMPLESESSION01");
    assert_eq!(
        minted.expires.unwrap().to_rfc3339(),
        "2099-12-07T15:04:05+00:00"
    );
    let denied: Vec<_> = lookup
        .events
        .iter()
        .filter(|e| e.error_code.as_deref() == Some("AccessDenied"))
        .collect();
    assert_eq!(denied.len(), 12);
    assert!(denied.iter().all(|e| e.name == "ListUsers"
        && e.source == "iam.amazonaws.com"
        && e.source_ip.as_deref() == Some("203.0.113.66")
        && e.user_agent.as_deref() == Some("TruffleHog")
        && e.region == "us-east-1"));
    assert!(lookup.events.windows(2).all(|w| w[0].time >= w[1].time));
}

#[test]
fn a_refused_lookup_is_an_error_that_says_so() {
    let emulator = Emulator::start();
    let key = emulator.create_key(json!({ "user": "no-trail" }));
    emulator.fault(json!({ "action": "LookupEvents", "kind": "access-denied" }));
    let error = look_up(&emulator, &key).unwrap_err();
    assert!(error.contains("cloudtrail:LookupEvents"), "{error}");
    assert!(error.contains("AccessDeniedException"), "{error}");
    assert!(!error.contains(&key.secret));
}
