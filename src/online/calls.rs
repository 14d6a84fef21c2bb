//! Checking every key: the jobs at once within their limits, and for one key which reads go
//! out in which order; each failed read becomes the note, the rejection or the failed check it
//! means for that key.

use super::progress::Progress;
use super::{powers, KeyJob, Limits};
use crate::audit::facts::{Identity, KeyActivity, KeyCheck};
use crate::aws::error::{AwsError, Ending};
use crate::aws::reader::Reader;
use crate::aws::sdk::Connection;
use crate::input::locate::Locations;
use crate::sys::mask::KeyDisplay;
use aws_credential_types::Credentials;
use std::sync::atomic::Ordering;
use std::sync::Arc;
use tokio::sync::Semaphore;

/// Run every job, at most `limits.jobs` at once; one result per job, in order.
pub fn run(jobs: Vec<KeyJob>, locations: &Locations, limits: Limits) -> Vec<KeyCheck> {
    let runtime = match tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime,
        Err(error) => {
            let note = format!("could not start the online checks: {error}");
            return jobs
                .iter()
                .map(|_| KeyCheck::Failed { note: note.clone() })
                .collect();
        }
    };
    // One HTTP client and one reading of the profile files, shared by every job.
    let base = Connection::new(
        locations,
        "default",
        None,
        limits.connect_timeout,
        limits.key_timeout,
    );
    runtime.block_on(async move {
        let permits = Arc::new(Semaphore::new(limits.jobs.max(1)));
        let progress = Progress::start(jobs.len(), "keys checked", limits.progress);
        let done = progress.counter();
        let mut tasks = Vec::new();
        for job in jobs {
            let connection = base
                .for_profile(&job.profiles[0], job.region.as_deref())
                .reaching(&job.reach);
            let permits = permits.clone();
            let done = done.clone();
            tasks.push(tokio::spawn(async move {
                let _permit = permits.acquire_owned().await;
                let seconds = limits.key_timeout.as_secs();
                let connection = match connection {
                    Ok(connection) => connection,
                    Err(note) => {
                        done.fetch_add(1, Ordering::Relaxed);
                        return KeyCheck::Failed { note };
                    }
                };
                let check =
                    match tokio::time::timeout(limits.key_timeout, ask(&job, connection)).await {
                        Ok(check) => check,
                        Err(_) => KeyCheck::Failed {
                            note: format!(
                            "no answer from AWS within {seconds} s; offline findings still apply"
                        ),
                        },
                    };
                done.fetch_add(1, Ordering::Relaxed);
                check
            }));
        }
        let mut results = Vec::new();
        for task in tasks {
            results.push(task.await.unwrap_or_else(|error| KeyCheck::Failed {
                note: format!("online check stopped: {error}"),
            }));
        }
        progress.finish().await;
        results
    })
}

async fn ask(job: &KeyJob, connection: Connection) -> KeyCheck {
    let credentials = Credentials::new(&job.key_id, &job.secret, None, None, "awscheck");
    // AWS's own text may quote any key ID of the user, not only this one.
    let aws = Reader::new(&connection, credentials, KeyDisplay::default()).await;
    let mut notes = Vec::new();

    // First, before any other call of ours can touch the key's last-used record.
    let own_last_use = match aws.last_used(&job.key_id).await {
        Ok(used) => Some(used),
        Err(error) => match classify(error) {
            Failure::Rejected(code) => return KeyCheck::Rejected { code },
            Failure::Partial(note) => {
                notes.push(note);
                None
            }
            Failure::Fatal(note) => return KeyCheck::Failed { note },
        },
    };

    // None depends on another: ask all at once.
    let (caller, listed, alias) = tokio::join!(aws.caller(), aws.list_keys(), aws.account_alias());
    let caller = match caller {
        Ok(caller) => caller,
        Err(error) => {
            return match classify(error) {
                Failure::Rejected(code) => KeyCheck::Rejected { code },
                Failure::Partial(note) | Failure::Fatal(note) => KeyCheck::Failed { note },
            }
        }
    };
    let alias = match alias {
        Ok(alias) => alias,
        Err(error) => {
            if let Failure::Partial(note) | Failure::Fatal(note) = classify(error) {
                notes.push(note);
            }
            None
        }
    };
    let mut identity = Identity {
        account: caller.account,
        alias,
        console_password: None,
        powers: None,
        arn: caller.arn,
        user_keys: Vec::new(),
        notes: Vec::new(),
    };

    match listed {
        Ok(records) => {
            for record in records {
                let activity = KeyActivity {
                    created: record.created,
                    status: record.status,
                    ..KeyActivity::default()
                };
                identity.user_keys.push((record.id, activity));
            }
        }
        Err(error) => match classify(error) {
            Failure::Rejected(code) => return KeyCheck::Rejected { code },
            Failure::Partial(note) | Failure::Fatal(note) => notes.push(note),
        },
    }
    if !identity
        .user_keys
        .iter()
        .any(|(key_id, _)| *key_id == job.key_id)
    {
        identity
            .user_keys
            .insert(0, (job.key_id.clone(), KeyActivity::default()));
    }

    // The user's other keys, its console password and its policies do not depend on each
    // other: one round of calls for all three.
    let arn = identity.arn.clone();
    let user = arn
        .split_once(":user/")
        .map(|(_, path)| path.rsplit('/').next().unwrap_or(path));
    let user_keys = &mut identity.user_keys;
    let others = async {
        let mut notes = Vec::new();
        for (key_id, activity) in user_keys.iter_mut() {
            let reported = if *key_id == job.key_id {
                own_last_use.clone()
            } else {
                match aws.last_used(key_id).await {
                    Ok(used) => Some(used),
                    Err(error) => {
                        if let Failure::Partial(note) | Failure::Fatal(note) = classify(error) {
                            notes.push(note);
                        }
                        None
                    }
                }
            };
            if let Some(used) = reported {
                activity.last_used = used.date;
                activity.last_used_service = used.service;
                activity.last_used_region = used.region;
            }
        }
        notes
    };
    let powers = async {
        match user {
            Some(user) => Some(powers::read(&aws, user).await),
            None => None,
        }
    };
    let ((console, console_note), powers, other_notes) =
        tokio::join!(console_password(&aws, user), powers, others);
    notes.extend(other_notes);
    notes.extend(console_note);
    identity.console_password = console;
    if let Some(powers) = &powers {
        if !powers.unreadable.is_empty() {
            // A partial answer says it is one: never a false "no admin".
            notes.push(format!(
                "could not read {}: what the key may do can be more than shown",
                powers.unreadable.join(", ")
            ));
        }
    }
    identity.powers = powers;
    notes.dedup();
    identity.notes = notes;
    KeyCheck::Checked(Box::new(identity))
}

/// Whether the key's IAM user can also sign in to the console. `None` when it cannot be told
/// (root, or the call refused, which is a note): never a false "no password".
async fn console_password(aws: &Reader, user: Option<&str>) -> (Option<bool>, Option<String>) {
    let Some(user) = user else {
        return (None, None);
    };
    match aws.console_password(user).await {
        Ok(has) => (Some(has), None),
        Err(error) => match classify(error) {
            Failure::Partial(note) | Failure::Fatal(note) => (None, Some(note)),
            Failure::Rejected(_) => (None, None),
        },
    }
}

enum Failure {
    /// The key itself is not accepted.
    Rejected(String),
    /// This call failed, the others may still work.
    Partial(String),
    /// Nothing more will work: network, time, expiry, throttling.
    Fatal(String),
}

fn classify(error: AwsError) -> Failure {
    let action = error.action;
    let code = error.code.as_deref();
    match error.ending {
        _ if error.is_rejection() => Failure::Rejected(code.unwrap_or_default().to_string()),
        _ if error.is_denied() => Failure::Partial(format!(
            "{action} denied ({}): check the user's IAM policy",
            code.unwrap_or_default()
        )),
        _ if code == Some("ExpiredToken") => {
            Failure::Fatal("AWS says the credentials expired (ExpiredToken)".to_string())
        }
        _ if error.is_throttled() => Failure::Fatal(format!(
            "{action} was throttled by AWS ({}) after retries",
            code.unwrap_or_default()
        )),
        Ending::TimedOut => Failure::Fatal(format!("{action} timed out")),
        Ending::Unreachable => Failure::Fatal(format!(
            "could not reach AWS for {action}: {}",
            error.detail()
        )),
        _ => match code {
            Some(code) => Failure::Fatal(format!(
                "{action} failed: {code}{}",
                error.said().map(|m| format!(": {m}")).unwrap_or_default()
            )),
            None => Failure::Fatal(format!(
                "{action} failed: {}",
                error.chain().unwrap_or(error.detail())
            )),
        },
    }
}
