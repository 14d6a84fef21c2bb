//! Reading CloudTrail for every key this machine holds, and for stray keys found in copies.
//!
//! Three steps, each concurrent:
//! 1. who each key on the machine is (`GetCallerIdentity`, signed by the key itself);
//! 2. the account of every key that could not say so itself, a stray or a key AWS no longer
//!    accepts (`GetAccessKeyInfo`, signed by any key that works);
//! 3. the key's events in each region (`LookupEvents`), signed by the key itself, else by
//!    another key of its account, since a key may lack `cloudtrail:LookupEvents` where another
//!    has it.
//!
//! CloudTrail answers 2 lookups a second per account and region, whichever key signs, so the
//! lookups of one account and region share one [`Pace`], and every lookup stops at one
//! deadline for the whole run. Nothing fails the run: what could not be read is a note that
//! names the permission or the reason.

use crate::aws::error::AwsError;
use crate::aws::reader::Reader;
use crate::aws::sdk::{Connection, Reach};
use crate::aws::trail::{Lookup, Pace, Trail};
use crate::incident::contain::plan;
use crate::input::locate::Locations;
use crate::online::powers;
use crate::online::progress::Progress;
use crate::sys::mask::KeyDisplay;
use aws_credential_types::Credentials;
use chrono::{DateTime, Utc};
use futures_util::future::join_all;
use std::collections::HashMap;
use std::sync::atomic::Ordering;
use std::time::Duration;
use tokio::time::Instant;

/// A key on this machine whose secret awscheck has, to sign with.
#[derive(Clone)]
pub struct Signer {
    pub key_id: String,
    pub secret: String,
    /// The first profile holding it: its endpoint settings reach AWS.
    pub profile: String,
    pub region: Option<String>,
    pub reach: Reach,
}

impl Signer {
    /// `base` as the signer's profile reaches AWS: its region, endpoint and CA bundle.
    pub fn connection(&self, base: &Connection) -> Result<Connection, String> {
        base.for_profile(&self.profile, self.region.as_deref())
            .reaching(&self.reach)
    }

    pub fn credentials(&self) -> Credentials {
        Credentials::new(&self.key_id, &self.secret, None, None, "awscheck")
    }
}

impl std::fmt::Debug for Signer {
    // Hand-written so that no debug print can ever show the secret.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Signer")
            .field("key_id", &crate::sys::mask::mask_key_id(&self.key_id))
            .field("profile", &self.profile)
            .finish_non_exhaustive()
    }
}

#[derive(Clone, Copy, Debug)]
pub struct Limits {
    pub connect_timeout: Duration,
    /// One call, retries included.
    pub call_timeout: Duration,
    /// The whole look: identities and every lookup.
    pub whole: Duration,
    /// A progress line on stderr, for a person at a terminal.
    pub progress: bool,
}

/// What to read.
#[derive(Debug)]
pub struct Ask {
    pub signers: Vec<Signer>,
    /// Keys found only in copies: no secret, only the ID.
    pub strays: Vec<String>,
    /// us-east-1 first: IAM and STS events land there.
    pub regions: Vec<String>,
    pub since: DateTime<Utc>,
}

/// What CloudTrail said of one key.
#[derive(Clone, Debug, Default)]
pub struct KeyTrail {
    pub key_id: String,
    pub account: Option<String>,
    /// The user (or root) the key signs as, when the key itself could say.
    pub owner: Option<String>,
    /// What the key can do, in a few words (`admin (AdministratorAccess)`, `not admin`), when
    /// its user's policies were read.
    pub can_do: Option<String>,
    /// The key's description in IAM, which often names where else it is used (a CI system,
    /// another machine).
    pub description: Option<String>,
    /// Why AWS would not take a call signed by the key (deleted, inactive, a wrong secret);
    /// its events may still have been read with another key of its account.
    pub refused: Option<String>,
    /// Why the key's events were not read anywhere, when they were not.
    pub note: Option<String>,
    pub regions: Vec<RegionTrail>,
}

impl KeyTrail {
    /// Every region read to the end.
    pub fn complete(&self) -> bool {
        self.note.is_none()
            && self
                .regions
                .iter()
                .all(|region| region.note.is_none() && region.lookup.complete)
    }
}

/// One key's events in one region.
#[derive(Clone, Debug, Default)]
pub struct RegionTrail {
    pub region: String,
    pub lookup: Lookup,
    /// Why the region was not read, or not to the end.
    pub note: Option<String>,
}

/// Read every key's events, held keys first, then strays, in the order given.
pub fn look(ask: &Ask, locations: &Locations, limits: Limits, keys: KeyDisplay) -> Vec<KeyTrail> {
    let runtime = match tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime,
        Err(error) => {
            let note = format!("could not start the lookups: {error}");
            return targets(ask)
                .map(|key_id| KeyTrail {
                    key_id: key_id.to_string(),
                    note: Some(note.clone()),
                    ..KeyTrail::default()
                })
                .collect();
        }
    };
    let base = Connection::new(
        locations,
        "default",
        None,
        limits.connect_timeout,
        limits.call_timeout,
    );
    runtime.block_on(look_async(ask, &base, limits, keys))
}

fn targets(ask: &Ask) -> impl Iterator<Item = &str> {
    ask.signers
        .iter()
        .map(|signer| signer.key_id.as_str())
        .chain(ask.strays.iter().map(String::as_str))
}

/// A signer ready to sign: its connection and credentials.
struct Ready<'a> {
    /// Its key's place in the trails.
    at: usize,
    signer: &'a Signer,
    connection: Connection,
    credentials: Credentials,
}

async fn look_async(
    ask: &Ask,
    base: &Connection,
    limits: Limits,
    keys: KeyDisplay,
) -> Vec<KeyTrail> {
    let deadline = Instant::now() + limits.whole;
    let mut trails: Vec<KeyTrail> = targets(ask)
        .map(|key_id| KeyTrail {
            key_id: key_id.to_string(),
            ..KeyTrail::default()
        })
        .collect();

    // 1. Who each key on the machine is.
    let mut ready: Vec<Ready> = Vec::new();
    for ((at, signer), trail) in ask.signers.iter().enumerate().zip(trails.iter_mut()) {
        match signer.connection(base) {
            Ok(connection) => ready.push(Ready {
                at,
                signer,
                connection,
                credentials: signer.credentials(),
            }),
            Err(note) => trail.note = Some(note),
        }
    }
    let callers = join_all(ready.iter().map(|ready| async move {
        let reader = Reader::new(&ready.connection, ready.credentials.clone(), keys).await;
        let caller = before(deadline, reader.caller()).await?;
        let (can_do, description) = match plan::user_name(&caller.arn) {
            Some(user) => {
                let key_id = ready.signer.key_id.as_str();
                let (powers, description) = tokio::join!(
                    tokio::time::timeout_at(deadline, powers::read(&reader, user)),
                    before(deadline, reader.key_description(user, key_id)),
                );
                (
                    powers.ok().map(|powers| can_do(&powers, &caller.arn)),
                    // Only a help for the person: a refusal leaves it out.
                    description.ok().flatten(),
                )
            }
            // A root key can do everything in its account.
            None if caller.arn.ends_with(":root") => (Some("root: everything".to_string()), None),
            None => (None, None),
        };
        Ok::<_, String>((caller, can_do, description))
    }))
    .await;
    // The signers that work, with their account.
    let mut working: Vec<(&Ready, String)> = Vec::new();
    let mut unknown: Vec<usize> = Vec::new();
    for (ready, caller) in ready.iter().zip(callers) {
        let at = ready.at;
        match caller {
            Ok((caller, can_do, description)) => {
                trails[at].account = Some(caller.account.clone());
                trails[at].owner = Some(caller.arn);
                trails[at].can_do = can_do;
                trails[at].description = description;
                working.push((ready, caller.account));
            }
            Err(error) => {
                trails[at].refused = Some(error);
                unknown.push(at);
            }
        }
    }
    unknown.extend(ask.signers.len()..trails.len());

    // 2. The account of every key that could not say so itself.
    if let Some((asker, _)) = working.first() {
        let reader = Reader::new(&asker.connection, asker.credentials.clone(), keys).await;
        let accounts = join_all(unknown.iter().map(|&at| {
            let key_id = trails[at].key_id.clone();
            let reader = &reader;
            async move { before(deadline, reader.account_of_key(&key_id)).await }
        }))
        .await;
        for (&at, account) in unknown.iter().zip(accounts) {
            match account {
                Ok(account) => trails[at].account = Some(account),
                Err(error) => {
                    trails[at].note.get_or_insert(format!(
                        "its account is not known, so its events cannot be looked up: {error}"
                    ));
                }
            }
        }
    } else {
        for &at in &unknown {
            trails[at].note.get_or_insert_with(|| {
                "no key on this machine works to ask AWS about it".to_string()
            });
        }
    }

    // 3. The events, in every region, signed by a key of the key's account.
    let mut paces: HashMap<(String, String), Pace> = HashMap::new();
    let mut lookups = Vec::new();
    for (at, trail) in trails.iter().enumerate() {
        let Some(account) = &trail.account else {
            continue;
        };
        // The key itself first, then the other keys of its account.
        let mut signers: Vec<&Ready> = working
            .iter()
            .filter(|(_, of)| of == account)
            .map(|(ready, _)| *ready)
            .collect();
        signers.sort_by_key(|ready| ready.signer.key_id != trail.key_id);
        for region in &ask.regions {
            paces.entry((account.clone(), region.clone())).or_default();
            lookups.push((at, region.clone(), signers.clone()));
        }
    }
    for trail in &mut trails {
        let Some(account) = &trail.account else {
            continue;
        };
        if !working.iter().any(|(_, of)| of == account) {
            trail.note.get_or_insert(format!(
                "it belongs to account {account}, where no key on this machine works: its events can be read only from there"
            ));
        }
    }
    let progress = Progress::start(lookups.len(), "lookups done", limits.progress);
    let done = progress.counter();
    let regions = join_all(lookups.iter().map(|(at, region, signers)| {
        let key_id = trails[*at].key_id.clone();
        let account = trails[*at].account.clone().unwrap_or_default();
        let pace = &paces[&(account, region.clone())];
        let done = done.clone();
        async move {
            let read = read_region(&key_id, region, signers, ask.since, deadline, pace, keys).await;
            done.fetch_add(1, Ordering::Relaxed);
            read
        }
    }))
    .await;
    progress.finish().await;
    for ((at, _, signers), region) in lookups.iter().zip(regions) {
        if signers.is_empty() {
            continue;
        }
        trails[*at].regions.push(region);
    }
    trails
}

/// One key's events in one region, trying each signer in turn while the one before is refused.
async fn read_region(
    key_id: &str,
    region: &str,
    signers: &[&Ready<'_>],
    since: DateTime<Utc>,
    deadline: Instant,
    pace: &Pace,
    keys: KeyDisplay,
) -> RegionTrail {
    let mut read = RegionTrail {
        region: region.to_string(),
        ..RegionTrail::default()
    };
    let mut refusals = Vec::new();
    for ready in signers {
        let connection = ready.connection.in_region(region);
        let trail = Trail::new(&connection, ready.credentials.clone(), keys).await;
        match trail.events_of(key_id, since, deadline, pace).await {
            Ok(lookup) => {
                if !lookup.complete {
                    read.note = Some(
                        "not read to the end: the time allowed ran out (see --timeout)".to_string(),
                    );
                }
                read.lookup = lookup;
                return read;
            }
            Err(error) if error.is_denied() => {
                refusals.push(crate::sys::mask::mask_key_id(&ready.signer.key_id));
            }
            Err(error) => {
                read.note = Some(format!("not read: {error}"));
                return read;
            }
        }
    }
    if !refusals.is_empty() {
        read.note = Some(format!(
            "not read: cloudtrail:LookupEvents was refused to {} (AccessDenied)",
            refusals.join(", ")
        ));
    }
    read
}

/// What the policies let a copy of the key do, as the audit judges it (AK027).
fn can_do(powers: &crate::audit::facts::Powers, arn: &str) -> String {
    let assessment = powers.assessment(arn);
    if let Some(policy) = assessment.admin {
        return format!("admin ({policy})");
    }
    if let Some(found) = assessment.paths.first() {
        return format!("can make itself admin: it {}", found.says());
    }
    if !powers.unreadable.is_empty() {
        return format!(
            "not admin as far as read; not read: {}",
            powers.unreadable.join(", ")
        );
    }
    "not admin".to_string()
}

/// `call`, unless the deadline comes first.
async fn before<T>(
    deadline: Instant,
    call: impl std::future::Future<Output = Result<T, AwsError>>,
) -> Result<T, String> {
    match tokio::time::timeout_at(deadline, call).await {
        Ok(answer) => answer.map_err(|error| error.to_string()),
        Err(_) => Err("no answer within the time allowed (see --timeout)".to_string()),
    }
}
