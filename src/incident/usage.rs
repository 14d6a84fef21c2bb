//! What a key's CloudTrail events say: grouped by where they came from (source IP and user
//! agent), each group with its calls, first and last time, actions, regions and refusals, and
//! the sessions the key handed out, which outlive it.
//!
//! A group is marked where it is unlike this machine's own use: a secret scanner's user agent,
//! a region no profile names, a run of AccessDenied (someone finding out what the key may do),
//! or an identity call followed by reads across services (enumeration). These are hints: a
//! group without one proves nothing, and every group is shown.

use crate::aws::trail::{Minted, TrailEvent};
use chrono::{DateTime, Duration, Utc};
use serde::Serialize;
use std::collections::BTreeMap;

/// User agents of tools that test or enumerate found keys, lower case.
const SCANNER_AGENTS: [&str; 8] = [
    "trufflehog",
    "gitleaks",
    "kingfisher",
    "pacu",
    "scoutsuite",
    "cloudfox",
    "enumerate-iam",
    "weirdaal",
];
/// This many refused calls from one place are someone trying what the key may do.
const DENIED_RUN: usize = 5;
/// Reads of this many services within [`ENUMERATION_WINDOW`] of an identity call.
const ENUMERATION_SERVICES: usize = 3;
const ENUMERATION_WINDOW: Duration = Duration::minutes(15);

/// awscheck's calls say so in their user agent (the SDK's app name).
pub const AWSCHECK_AGENT: &str = "app/awscheck";
/// How far an event may sit outside one of awscheck's runs and still be its own: clocks
/// differ.
const RUN_SLACK: Duration = Duration::minutes(5);

/// What the machine knows of its own use of one key, to tell it apart.
#[derive(Clone, Debug, Default)]
pub struct Known {
    /// Regions the profiles name; us-east-1, where IAM and STS events land, is always one.
    pub regions: Vec<String>,
    /// When awscheck signed with the key (its own-use record), from start to end.
    pub runs: Vec<(DateTime<Utc>, DateTime<Utc>)>,
}

impl Known {
    fn in_a_run(&self, time: DateTime<Utc>) -> bool {
        self.runs
            .iter()
            .any(|(start, end)| time >= *start - RUN_SLACK && time <= *end + RUN_SLACK)
    }
}

/// Why a group looks unlike this machine's own use.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Hint {
    /// The user agent of a tool that tests found keys.
    Scanner(String),
    /// A region no profile on this machine names.
    UnnamedRegion(String),
    /// This many calls were refused.
    DeniedRun(usize),
    /// An identity call, then reads across these services.
    Enumeration(Vec<String>),
    /// awscheck's user agent at a time awscheck did not sign with the key.
    AwscheckOutsideRuns,
}

/// In JSON as a person reads it.
impl Serialize for Hint {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

impl std::fmt::Display for Hint {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Hint::Scanner(agent) => write!(f, "the user agent of a key scanner ({agent})"),
            Hint::UnnamedRegion(region) => write!(f, "region {region}, which no profile names"),
            Hint::DeniedRun(count) => write!(
                f,
                "{count} calls refused (AccessDenied): someone trying what the key may do"
            ),
            Hint::Enumeration(services) => write!(
                f,
                "an identity call, then reads across {}",
                services.join(", ")
            ),
            Hint::AwscheckOutsideRuns => write!(
                f,
                "awscheck's user agent at a time awscheck did not sign with the key"
            ),
        }
    }
}

/// Calls from one source IP with one user agent; in `incident --format json` as it stands.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Group {
    pub source_ip: String,
    pub user_agent: String,
    pub first: DateTime<Utc>,
    pub last: DateTime<Utc>,
    pub calls: usize,
    /// Calls AWS refused.
    pub denied: usize,
    /// Most frequent first.
    pub actions: Vec<ActionCount>,
    pub regions: Vec<String>,
    /// Why the group looks unlike this machine's own use; none proves nothing.
    #[serde(rename = "unlike")]
    pub hints: Vec<Hint>,
    /// awscheck's own calls: its user agent, within its runs.
    #[serde(rename = "awscheck")]
    pub own: bool,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct ActionCount {
    pub action: String,
    pub count: usize,
}

/// Everything the events of one key say.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Usage {
    /// The groups with a hint first, then by their latest call.
    pub groups: Vec<Group>,
    /// Sessions the key handed out; those not yet expired stay valid after the key is gone.
    pub minted: Vec<Minted>,
}

impl Usage {
    pub fn unlike_own_use(&self) -> bool {
        self.groups.iter().any(|group| !group.hints.is_empty())
    }

    /// The sessions still valid at `now`, or whose expiry is unknown.
    pub fn live_sessions(&self, now: DateTime<Utc>) -> impl Iterator<Item = &Minted> {
        self.minted
            .iter()
            .filter(move |session| session.expires.is_none_or(|expires| expires > now))
    }
}

pub fn summarise(events: &[TrailEvent], known: &Known) -> Usage {
    let mut by_place: BTreeMap<(String, String), Vec<&TrailEvent>> = BTreeMap::new();
    for event in events {
        let place = (
            event.source_ip.clone().unwrap_or_default(),
            one_program(event.user_agent.as_deref().unwrap_or_default()),
        );
        by_place.entry(place).or_default().push(event);
    }
    let mut groups: Vec<Group> = by_place
        .into_iter()
        .map(|((source_ip, user_agent), events)| group(source_ip, user_agent, &events, known))
        .collect();
    groups.sort_by_key(|group| (group.hints.is_empty(), std::cmp::Reverse(group.last)));
    Usage {
        groups,
        minted: events.iter().filter_map(|e| e.minted.clone()).collect(),
    }
}

fn group(source_ip: String, user_agent: String, events: &[&TrailEvent], known: &Known) -> Group {
    let first = events.iter().map(|e| e.time).min().unwrap_or_default();
    let last = events.iter().map(|e| e.time).max().unwrap_or_default();
    let denied = events.iter().filter(|e| is_denied(e)).count();
    let mut counts: BTreeMap<&str, usize> = BTreeMap::new();
    let mut regions: Vec<String> = Vec::new();
    for event in events {
        *counts.entry(event.name.as_str()).or_default() += 1;
        if !event.region.is_empty() && !regions.contains(&event.region) {
            regions.push(event.region.clone());
        }
    }
    let mut actions: Vec<ActionCount> = counts
        .into_iter()
        .map(|(name, count)| ActionCount {
            action: name.to_string(),
            count,
        })
        .collect();
    actions.sort_by_key(|action| std::cmp::Reverse(action.count));

    let mut hints = Vec::new();
    let agent = user_agent.to_ascii_lowercase();
    if let Some(scanner) = SCANNER_AGENTS.iter().find(|s| agent.contains(*s)) {
        hints.push(Hint::Scanner(scanner.to_string()));
    }
    for region in &regions {
        let named = region == "us-east-1" || known.regions.iter().any(|r| r == region);
        if !named {
            hints.push(Hint::UnnamedRegion(region.clone()));
        }
    }
    if denied >= DENIED_RUN {
        hints.push(Hint::DeniedRun(denied));
    }
    if let Some(services) = enumeration(events) {
        hints.push(Hint::Enumeration(services));
    }
    let awscheck = user_agent.contains(AWSCHECK_AGENT);
    let own = awscheck && events.iter().all(|e| known.in_a_run(e.time));
    if own {
        // awscheck's own reads, refused ones included, are not someone else's.
        hints.clear();
    } else if awscheck {
        hints.push(Hint::AwscheckOutsideRuns);
    }
    Group {
        source_ip,
        user_agent,
        first,
        last,
        calls: events.len(),
        denied,
        actions,
        regions,
        hints,
        own,
    }
}

/// The user agent without the part that names the API called (`api/sts/1.124.0`), which the
/// AWS SDKs for Rust, Go and Java add: one program's calls to several services are one group.
fn one_program(agent: &str) -> String {
    agent
        .split(' ')
        .filter(|part| !part.starts_with("api/"))
        .collect::<Vec<_>>()
        .join(" ")
}

fn is_denied(event: &TrailEvent) -> bool {
    event
        .error_code
        .as_deref()
        .is_some_and(|code| code.starts_with("AccessDenied") || code == "UnauthorizedOperation")
}

/// The services read within a window after an identity call, if they are several.
fn enumeration(events: &[&TrailEvent]) -> Option<Vec<String>> {
    let mut sorted: Vec<&TrailEvent> = events.to_vec();
    sorted.sort_by_key(|e| e.time);
    for (at, identity) in sorted.iter().enumerate() {
        if identity.name != "GetCallerIdentity" {
            continue;
        }
        let mut services: Vec<String> = Vec::new();
        for event in &sorted[at + 1..] {
            if event.time - identity.time > ENUMERATION_WINDOW {
                break;
            }
            let reads = ["Get", "List", "Describe"]
                .iter()
                .any(|verb| event.name.starts_with(verb));
            let service = event.source.trim_end_matches(".amazonaws.com").to_string();
            if reads && service != "sts" && !services.contains(&service) {
                services.push(service);
            }
        }
        if services.len() >= ENUMERATION_SERVICES {
            return Some(services);
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(minute: i64) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339("2026-12-07T10:00:00Z")
            .unwrap()
            .with_timezone(&Utc)
            + Duration::minutes(minute)
    }

    fn event(minute: i64, name: &str, source: &str, ip: &str, agent: &str) -> TrailEvent {
        TrailEvent {
            time: at(minute),
            name: name.to_string(),
            source: format!("{source}.amazonaws.com"),
            region: "us-east-1".to_string(),
            source_ip: Some(ip.to_string()),
            user_agent: Some(agent.to_string()),
            error_code: None,
            minted: None,
        }
    }

    const CLI: &str = "aws-cli/2.15.0 Python/3.11.6 Linux/6.5.0";
    const HOME_IP: &str = "192.0.2.10";

    #[test]
    fn this_machine_s_ordinary_use_has_no_hint() {
        let events = vec![
            event(0, "GetCallerIdentity", "sts", HOME_IP, CLI),
            event(5, "ListBuckets", "s3", HOME_IP, CLI),
            event(6, "GetObject", "s3", HOME_IP, CLI),
        ];
        let usage = summarise(&events, &Known::default());
        assert!(!usage.unlike_own_use());
        assert_eq!(usage.groups.len(), 1);
        let group = &usage.groups[0];
        assert_eq!(
            (group.calls, group.denied, group.first, group.last),
            (3, 0, at(0), at(6))
        );
    }

    #[test]
    fn a_scanner_elsewhere_is_shown_first_with_why() {
        let mut events = vec![event(0, "ListBuckets", "s3", HOME_IP, CLI)];
        events.push(event(
            30,
            "GetCallerIdentity",
            "sts",
            "203.0.113.66",
            "TruffleHog",
        ));
        let usage = summarise(&events, &Known::default());
        assert!(usage.unlike_own_use());
        assert_eq!(usage.groups[0].source_ip, "203.0.113.66");
        assert_eq!(
            usage.groups[0].hints,
            [Hint::Scanner("trufflehog".to_string())]
        );
        assert!(usage.groups[1].hints.is_empty());
    }

    #[test]
    fn refusals_enumeration_and_strange_regions_are_hints() {
        let attacker = "198.51.100.7";
        let mut events = vec![event(0, "GetCallerIdentity", "sts", attacker, "Boto3/1.34")];
        for (n, (name, service)) in [
            ("ListUsers", "iam"),
            ("DescribeInstances", "ec2"),
            ("ListBuckets", "s3"),
            ("ListFunctions", "lambda"),
            ("GetSecretValue", "secretsmanager"),
        ]
        .iter()
        .enumerate()
        {
            let mut refused = event(1 + n as i64, name, service, attacker, "Boto3/1.34");
            refused.error_code = Some("AccessDenied".to_string());
            events.push(refused);
        }
        let mut far = event(9, "RunInstances", "ec2", attacker, "Boto3/1.34");
        far.region = "ap-east-1".to_string();
        events.push(far);
        let usage = summarise(
            &events,
            &Known {
                regions: vec!["eu-west-1".to_string()],
                ..Known::default()
            },
        );
        let hints = &usage.groups[0].hints;
        assert!(hints.contains(&Hint::DeniedRun(5)), "{hints:?}");
        assert!(
            hints.contains(&Hint::UnnamedRegion("ap-east-1".to_string())),
            "{hints:?}"
        );
        assert!(
            hints
                .iter()
                .any(|h| matches!(h, Hint::Enumeration(s) if s.len() >= 3)),
            "{hints:?}"
        );
        assert_eq!(usage.groups[0].denied, 5);
    }

    #[test]
    fn awscheck_s_agent_is_its_own_use_only_within_its_runs() {
        let agent = "aws-sdk-rust/1.7.0 app/awscheck";
        let known = Known {
            runs: vec![(at(0), at(1))],
            ..Known::default()
        };
        // Its own refused reads too: not someone trying what the key may do.
        let mut refused = event(1, "ListUserPolicies", "iam", HOME_IP, agent);
        refused.error_code = Some("AccessDenied".to_string());
        let own = summarise(&vec![refused; DENIED_RUN], &known);
        assert!(own.groups[0].own && !own.unlike_own_use());
        let later = summarise(
            &[event(90, "GetCallerIdentity", "sts", HOME_IP, agent)],
            &known,
        );
        assert!(!later.groups[0].own);
        assert_eq!(later.groups[0].hints, [Hint::AwscheckOutsideRuns]);
    }

    #[test]
    fn sessions_handed_out_are_kept_and_the_live_ones_told_apart() {
        let mut minted = event(0, "GetSessionToken", "sts", HOME_IP, CLI);
        minted.minted = Some(Minted {
            key_id: "ASIAEXAMPLESESSION01".to_string(),
            expires: Some(at(36 * 60)),
        });
        let mut old = event(0, "GetSessionToken", "sts", HOME_IP, CLI);
        old.minted = Some(Minted {
            key_id: "ASIAEXAMPLESESSION02".to_string(),
            expires: Some(at(-60)),
        });
        let usage = summarise(&[minted, old], &Known::default());
        assert_eq!(usage.minted.len(), 2);
        let live: Vec<&str> = usage
            .live_sessions(at(60))
            .map(|s| s.key_id.as_str())
            .collect();
        assert_eq!(live, ["ASIAEXAMPLESESSION01"]);
    }
}
