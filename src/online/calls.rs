//! The IAM and STS calls that check one key.

use super::{powers, KeyJob, Limits};
use crate::audit::facts::{Identity, KeyActivity, KeyCheck};
use crate::aws::error::{AwsError, Ending};
use crate::aws::sdk::{error_code, Connection};
use crate::input::locate::Locations;
use crate::sys::mask::KeyDisplay;
use aws_credential_types::Credentials;
use aws_sdk_iam::error::{ProvideErrorMetadata, SdkError};
use aws_smithy_runtime_api::client::orchestrator::HttpResponse;
use chrono::{DateTime, Utc};
use std::io::Write;
use std::sync::atomic::{AtomicUsize, Ordering};
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
        let done = Arc::new(AtomicUsize::new(0));
        let progress = limits
            .progress
            .then(|| tokio::spawn(show_progress(done.clone(), jobs.len())));
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
        if let Some(progress) = progress {
            progress.abort();
            // Aborted on purpose: its JoinError says only that.
            let _ = progress.await;
            // Wipe the progress line, so the report starts on a clean one; a courtesy on a
            // terminal that nothing depends on.
            let mut stderr = std::io::stderr();
            let _ = write!(stderr, "\r\x1b[2K");
            let _ = stderr.flush();
        }
        results
    })
}

/// Whether the key's IAM user can also sign in to the console: `GetLoginProfile` answers for
/// a user with a password and NoSuchEntity for one without. `None` when it cannot be told
/// (root, or the call refused, which is a note): never a false "no password".
async fn console_password(
    iam: &aws_sdk_iam::Client,
    arn: &str,
    job: &KeyJob,
) -> (Option<bool>, Option<String>) {
    let Some((_, user_path)) = arn.split_once(":user/") else {
        return (None, None);
    };
    let user = user_path.rsplit('/').next().unwrap_or(user_path);
    match iam.get_login_profile().user_name(user).send().await {
        Ok(_) => (Some(true), None),
        Err(error) if error_code(&error).as_deref() == Some("NoSuchEntity") => (Some(false), None),
        Err(error) => match classify(error, "iam:GetLoginProfile", job) {
            Failure::Partial(note) | Failure::Fatal(note) => (None, Some(note)),
            Failure::Rejected(_) => (None, None),
        },
    }
}

/// After a second of checks, `N of M keys checked` on one line of stderr, redrawn as keys
/// finish; a check that answers within the second shows nothing.
async fn show_progress(done: Arc<AtomicUsize>, total: usize) {
    tokio::time::sleep(std::time::Duration::from_secs(1)).await;
    let mut shown = usize::MAX;
    loop {
        let now = done.load(Ordering::Relaxed);
        if now != shown {
            let mut stderr = std::io::stderr();
            // Progress is a courtesy on a terminal; the checks go on without it.
            let _ = write!(stderr, "\r\x1b[2K{now} of {total} keys checked");
            let _ = stderr.flush();
            shown = now;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
}

async fn ask(job: &KeyJob, connection: Connection) -> KeyCheck {
    let credentials = Credentials::new(&job.key_id, &job.secret, None, None, "awscheck");
    let config = connection.config(credentials).await;
    let iam = aws_sdk_iam::Client::new(&config);
    let sts = connection.sts_from(&config);
    let mut notes = Vec::new();

    // First, before any other call of ours can touch the key's last-used record.
    let own_last_use = match iam
        .get_access_key_last_used()
        .access_key_id(&job.key_id)
        .send()
        .await
    {
        Ok(output) => Some(last_use(output.access_key_last_used())),
        Err(error) => match classify(error, "iam:GetAccessKeyLastUsed", job) {
            Failure::Rejected(code) => return KeyCheck::Rejected { code },
            Failure::Partial(note) => {
                notes.push(note);
                None
            }
            Failure::Fatal(note) => return KeyCheck::Failed { note },
        },
    };

    // None depends on another: ask all at once.
    let (caller, listed, aliases) = tokio::join!(
        sts.get_caller_identity().send(),
        iam.list_access_keys().send(),
        iam.list_account_aliases().send()
    );
    let caller = match caller {
        Ok(output) => output,
        Err(error) => {
            return match classify(error, "sts:GetCallerIdentity", job) {
                Failure::Rejected(code) => KeyCheck::Rejected { code },
                Failure::Partial(note) | Failure::Fatal(note) => KeyCheck::Failed { note },
            }
        }
    };
    let alias = match aliases {
        Ok(output) => output.account_aliases().first().cloned(),
        Err(error) => {
            if let Failure::Partial(note) | Failure::Fatal(note) =
                classify(error, "iam:ListAccountAliases", job)
            {
                notes.push(note);
            }
            None
        }
    };
    let mut identity = Identity {
        account: caller.account().unwrap_or_default().to_string(),
        alias,
        console_password: None,
        powers: None,
        arn: caller.arn().unwrap_or_default().to_string(),
        user_keys: Vec::new(),
        notes: Vec::new(),
    };

    match listed {
        Ok(output) => {
            for metadata in output.access_key_metadata() {
                let Some(key_id) = metadata.access_key_id() else {
                    continue;
                };
                let activity = KeyActivity {
                    created: metadata.create_date().and_then(to_chrono),
                    status: metadata.status().map(|status| status.as_str().to_string()),
                    ..KeyActivity::default()
                };
                identity.user_keys.push((key_id.to_string(), activity));
            }
        }
        Err(error) => match classify(error, "iam:ListAccessKeys", job) {
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
                match iam
                    .get_access_key_last_used()
                    .access_key_id(key_id.as_str())
                    .send()
                    .await
                {
                    Ok(output) => Some(last_use(output.access_key_last_used())),
                    Err(error) => {
                        if let Failure::Partial(note) | Failure::Fatal(note) =
                            classify(error, "iam:GetAccessKeyLastUsed", job)
                        {
                            notes.push(note);
                        }
                        None
                    }
                }
            };
            if let Some((date, service, region)) = reported {
                activity.last_used = date;
                activity.last_used_service = service;
                activity.last_used_region = region;
            }
        }
        notes
    };
    let powers = async {
        match user {
            Some(user) => Some(powers::read(&iam, user).await),
            None => None,
        }
    };
    let ((console, console_note), powers, other_notes) =
        tokio::join!(console_password(&iam, &arn, job), powers, others);
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
    KeyCheck::Checked(identity)
}

type LastUse = (Option<DateTime<Utc>>, Option<String>, Option<String>);

fn last_use(record: Option<&aws_sdk_iam::types::AccessKeyLastUsed>) -> LastUse {
    let Some(record) = record else {
        return (None, None, None);
    };
    // IAM answers "N/A" for the service and region of a key never used.
    let known = |text: &str| (!text.is_empty() && text != "N/A").then(|| text.to_string());
    (
        record.last_used_date().and_then(to_chrono),
        known(record.service_name()),
        known(record.region()),
    )
}

fn to_chrono(date: &aws_smithy_types::DateTime) -> Option<DateTime<Utc>> {
    DateTime::from_timestamp(date.secs(), date.subsec_nanos())
}

enum Failure {
    /// The key itself is not accepted.
    Rejected(String),
    /// This call failed, the others may still work.
    Partial(String),
    /// Nothing more will work: network, time, expiry, throttling.
    Fatal(String),
}

fn classify<E>(error: SdkError<E, HttpResponse>, action: &'static str, job: &KeyJob) -> Failure
where
    E: ProvideErrorMetadata + std::error::Error + 'static,
{
    // AWS's own text may quote any key ID of the user, not only this one.
    let error = AwsError::from_sdk(action, error, &[&job.secret], KeyDisplay::default());
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
