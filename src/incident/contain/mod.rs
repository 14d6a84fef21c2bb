//! `awscheck incident --contain`: one journaled run that rotates every key the machine holds,
//! deactivates stray keys, ends older sessions and signs out of caches.
//!
//! The steps ([`journal::Action`]) are planned once ([`plan`]) and written to the journal
//! before the first one runs; each step's outcome is written after it. Every step is
//! idempotent and decides by asking again, never by what a failed call seemed to say: a
//! rotation is done once the profile holds another key, a deny policy is put again with the
//! time first recorded, a deactivated key stays inactive, a signed-out token is signed out.
//! A transient error stops the run with the journal kept, and `incident --resume` goes on
//! from there (finishing an interrupted rotation first). AWS saying no (AccessDenied) fails
//! that step alone, with the exact step to take by hand.

pub mod journal;
pub mod plan;

use crate::audit::suggest::{quote, Suggest};
use crate::audit::Inputs;
use crate::aws::calls::Aws;
use crate::aws::error::{AwsError, FailureKind};
use crate::aws::sdk::Connection;
use crate::edit::journal::Journal as RotationJournal;
use crate::incident::look::Signer;
use crate::input::locate::{self, Locations};
use crate::profiles::model::Model;
use crate::rotate::{self, RotateError};
use crate::sys::crash;
use crate::sys::env::Env;
use crate::sys::mask::KeyDisplay;
use crate::sys::say::say;
use chrono::{DateTime, Duration, Utc};
use journal::{Action, ContainJournal, Status, REVOKE_POLICY};
use std::io::Write;
use std::path::PathBuf;

/// The longest a session handed out before the deny can live on: GetSessionToken's 36 hours.
pub const LONGEST_SESSION: Duration = Duration::hours(36);

/// Everything a run needs besides the journal.
pub struct Context<'a> {
    pub env: &'a Env,
    pub state_dir: PathBuf,
    pub out: &'a mut dyn Write,
    pub ask: &'a mut dyn rotate::Ask,
    /// The options each rotation runs with.
    pub rotation: rotate::Options,
    /// The keys this machine holds now, to sign with: they change as the run rotates them.
    pub signers_now: &'a dyn Fn(&Locations) -> Vec<Signer>,
    pub now: DateTime<Utc>,
}

/// How a run ended.
#[derive(Debug, PartialEq, Eq)]
pub enum Ended {
    /// Every step ran; some may have failed, each with its step by hand.
    Finished,
    /// A transient error stopped it; the journal is kept.
    Stopped(String),
}

/// A signer that works, with who it is.
struct Identified {
    signer: Signer,
    arn: String,
}

/// Run every pending step of `journal`, saving it after each.
pub fn run(journal: &mut ContainJournal, ctx: &mut Context) -> Result<Ended, String> {
    let locations = locate::at(
        ctx.env,
        journal.config_file.clone(),
        journal.credentials_file.clone(),
    );
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| format!("cannot start: {e}"))?;
    let save = |journal: &ContainJournal, state_dir: &std::path::Path| {
        journal
            .save(state_dir)
            .map_err(|e| format!("cannot write the incident journal: {e}"))
    };
    let mut identified: Option<Vec<Identified>> = None;
    for at in 0..journal.steps.len() {
        if journal.steps[at].status != Status::Pending {
            continue;
        }
        let action = journal.steps[at].action.clone();
        crash::point(&format!("before-{}", action.point()));
        let status = match &action {
            Action::Rotate {
                profile,
                old_key_id,
            } => {
                let rotation =
                    rotate_step(profile, old_key_id, &locations, journal.delete_old, ctx);
                // The keys change: who signs is asked again after a rotation.
                identified = None;
                match rotation {
                    Ok(status) => status,
                    Err(stopped) => return Ok(Ended::Stopped(stopped)),
                }
            }
            Action::SsoLogout { cache } => {
                match runtime.block_on(sso_logout(cache, &locations, &ctx.rotation)) {
                    Ok(status) => status,
                    Err(stopped) => return Ok(Ended::Stopped(stopped)),
                }
            }
            Action::DeleteCache { path } => match std::fs::remove_file(path) {
                Ok(()) => Status::Done { note: None },
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => Status::Done {
                    note: Some("already gone".to_string()),
                },
                Err(e) => Status::Failed {
                    note: format!("cannot delete {}: {e}", path.display()),
                    by_hand: format!("rm {}", quote(&path.to_string_lossy())),
                },
            },
            iam_action => {
                if matches!(
                    iam_action,
                    Action::RevokeUser { .. } | Action::RevokeRole { .. }
                ) && journal.revoke_before.is_none()
                {
                    journal.revoke_before = Some(Utc::now());
                    save(journal, &ctx.state_dir)?;
                }
                if identified.is_none() {
                    identified = Some(runtime.block_on(identities(
                        (ctx.signers_now)(&locations),
                        &locations,
                        &ctx.rotation,
                    )));
                }
                let signers = identified.as_deref().unwrap_or_default();
                let aws = aws(&locations, &ctx.rotation);
                let before = journal.revoke_before.unwrap_or(ctx.now);
                match runtime.block_on(iam_step(iam_action, signers, &aws, before)) {
                    Ok(status) => status,
                    Err(stopped) => return Ok(Ended::Stopped(stopped)),
                }
            }
        };
        crash::point(&format!("after-{}", action.point()));
        say(
            ctx.out,
            format_args!("{}", outcome_line(&action, &status, ctx.rotation.keys)),
        );
        journal.steps[at].status = status;
        save(journal, &ctx.state_dir)?;
    }
    Ok(Ended::Finished)
}

fn aws(locations: &Locations, options: &rotate::Options) -> Aws {
    Aws {
        connection: Connection::new(
            locations,
            "default",
            None,
            options.connect_timeout,
            options.call_timeout,
        ),
        keys: options.keys,
    }
}

/// Who each key signs as; keys AWS does not take are left out.
async fn identities(
    signers: Vec<Signer>,
    locations: &Locations,
    options: &rotate::Options,
) -> Vec<Identified> {
    let aws = aws(locations, options);
    let mut identified = Vec::new();
    for signer in signers {
        let Ok(connection) = signer.connection(&aws.connection) else {
            continue;
        };
        let aws = Aws {
            connection,
            keys: aws.keys,
        };
        if let Ok(arn) = aws.whoami(&signer.credentials()).await {
            identified.push(Identified { signer, arn });
        }
    }
    identified
}

/// The rotation of one key. `Err` stops the run: a rotation was left half done, and its own
/// journal says what is where.
fn rotate_step(
    profile: &str,
    old_key_id: &str,
    locations: &Locations,
    delete_old: bool,
    ctx: &mut Context,
) -> Result<Status, String> {
    let mut rotation_ctx = rotate::Context {
        env: ctx.env,
        state_dir: ctx.state_dir.clone(),
        out: &mut *ctx.out,
        ask: &mut *ctx.ask,
        now: ctx.now,
    };
    let options = rotate::Options {
        delete_old,
        yes: true,
        ..ctx.rotation.clone()
    };
    let stopped =
        |error: RotateError| format!("{error} Then go on with `awscheck incident --resume`.");
    if RotationJournal::load(&ctx.state_dir).is_ok_and(|journal| journal.is_some()) {
        rotate::resume(None, &options, &mut rotation_ctx).map_err(stopped)?;
    }
    let inputs = Inputs::read(locations.clone()).map_err(|e| e.to_string())?;
    let set = inputs.profile_set().map_err(|e| e.to_string())?;
    let model = Model::build(&set);
    let holds = model
        .profile(profile)
        .and_then(|p| p.own_key())
        .map(str::to_string);
    if holds.as_deref() != Some(old_key_id) {
        return Ok(Status::Done {
            note: Some(match holds {
                Some(_) => "rotated".to_string(),
                None => "the profile no longer holds a key".to_string(),
            }),
        });
    }
    match rotate::rotate(&inputs, &model, profile, &options, &mut rotation_ctx) {
        Ok(()) => Ok(Status::Done {
            note: Some("rotated".to_string()),
        }),
        Err(RotateError::Refused(reason)) => Ok(Status::Failed {
            note: reason,
            by_hand: format!(
                "`{}`",
                Suggest::new(locations, KeyDisplay::default()).rotate(profile, &[])
            ),
        }),
        Err(error) => Err(stopped(error)),
    }
}

/// Deactivate a stray, or deny older sessions to a user or a role: signed by a key of the
/// account (the user's own first), the next one when AWS says no. `Err` stops the run.
async fn iam_step(
    action: &Action,
    signers: &[Identified],
    aws: &Aws,
    before: DateTime<Utc>,
) -> Result<Status, String> {
    let document = ContainJournal::revoke_document(before);
    let (account, own_user, by_hand) = match action {
        Action::Deactivate { key_id, account } => (
            account.as_str(),
            None,
            format!(
                "in the IAM console of account {account}, make access key {} inactive",
                crate::sys::mask::mask_key_id(key_id)
            ),
        ),
        Action::RevokeUser { user, account } => (
            account.as_str(),
            Some(user.as_str()),
            format!(
                "`aws iam put-user-policy --user-name {} --policy-name {REVOKE_POLICY} --policy-document {}`",
                quote(user),
                quote(&document)
            ),
        ),
        Action::RevokeRole { role_arn, .. } => (
            plan::account_of_arn(role_arn).unwrap_or_default(),
            None,
            format!(
                "`aws iam put-role-policy --role-name {} --policy-name {REVOKE_POLICY} --policy-document {}`",
                quote(plan::role_name(role_arn).unwrap_or_default()),
                quote(&document)
            ),
        ),
        _ => return Ok(Status::Done { note: None }),
    };
    let mut candidates: Vec<&Identified> = signers
        .iter()
        .filter(|identified| plan::account_of_arn(&identified.arn) == Some(account))
        .collect();
    candidates.sort_by_key(|identified| {
        own_user.is_none_or(|user| plan::user_name(&identified.arn) != Some(user))
    });
    let mut refusals: Vec<String> = Vec::new();
    for identified in candidates {
        let credentials = identified.signer.credentials();
        let connection = identified.signer.connection(&aws.connection)?;
        let aws = Aws {
            connection,
            keys: aws.keys,
        };
        let result: Result<Option<String>, AwsError> = match action {
            Action::Deactivate { key_id, .. } => match aws.owner_of_key(&credentials, key_id).await
            {
                Ok(Some(owner)) => aws
                    .deactivate(&credentials, Some(&owner), key_id)
                    .await
                    .map(|()| Some(format!("it belongs to user {owner}"))),
                Ok(None) => {
                    return Ok(Status::Failed {
                        note: "no user of the account holds it: a root key, or deleted since"
                            .to_string(),
                        by_hand,
                    })
                }
                Err(error) => Err(error),
            },
            Action::RevokeUser { user, .. } => aws
                .put_user_policy(&credentials, user, REVOKE_POLICY, &document)
                .await
                .map(|()| None),
            Action::RevokeRole { role_arn, .. } => aws
                .put_role_policy(
                    &credentials,
                    plan::role_name(role_arn).unwrap_or_default(),
                    REVOKE_POLICY,
                    &document,
                )
                .await
                .map(|()| None),
            _ => Ok(None),
        };
        match result {
            Ok(note) => return Ok(Status::Done { note }),
            Err(error) if error.kind == FailureKind::Transient => {
                return Err(format!(
                    "{error}; nothing was undone. Run `awscheck incident --resume` to go on."
                ))
            }
            Err(error) => refusals.push(error.to_string()),
        }
    }
    Ok(Status::Failed {
        note: match refusals.is_empty() {
            true => format!("no key on this machine works in account {account}"),
            false => refusals.join("; "),
        },
        by_hand,
    })
}

/// Sign out of the SSO login cached in `cache`, with the token read from it now.
async fn sso_logout(
    cache: &std::path::Path,
    locations: &Locations,
    options: &rotate::Options,
) -> Result<Status, String> {
    let Ok(bytes) = std::fs::read(cache) else {
        return Ok(Status::Done {
            note: Some("the cache is gone".to_string()),
        });
    };
    let record: serde_json::Value = serde_json::from_slice(&bytes).unwrap_or_default();
    let (Some(token), Some(region)) = (record["accessToken"].as_str(), record["region"].as_str())
    else {
        return Ok(Status::Done {
            note: Some("no login in the cache".to_string()),
        });
    };
    let connection = Connection::new(
        locations,
        "default",
        Some(region),
        options.connect_timeout,
        options.call_timeout,
    );
    match crate::aws::sso::logout(&connection, token).await {
        Ok(()) => Ok(Status::Done { note: None }),
        Err(error) if error.kind == FailureKind::Transient => Err(format!(
            "{error}; run `awscheck incident --resume` to go on"
        )),
        Err(error) => Ok(Status::Failed {
            note: error.to_string(),
            by_hand: "sign out in the AWS access portal, then delete the cache file".to_string(),
        }),
    }
}

/// One line per step, as it is done.
pub fn outcome_line(action: &Action, status: &Status, keys: KeyDisplay) -> String {
    let what = describe(action, keys);
    match status {
        Status::Pending => format!("to do: {what}"),
        Status::Done { note: None } => format!("done: {what}"),
        Status::Done { note: Some(note) } => format!("done: {what}: {note}"),
        Status::Failed { note, by_hand } => {
            format!("FAILED: {what}: {note}\n  by hand: {by_hand}")
        }
    }
}

/// A step for `--format json`.
pub fn view(step: &journal::Step, keys: KeyDisplay) -> crate::incident::outcome::ActionView {
    let (status, note, by_hand) = match &step.status {
        Status::Pending => ("pending", None, None),
        Status::Done { note } => ("done", note.clone(), None),
        Status::Failed { note, by_hand } => ("failed", Some(note.clone()), Some(by_hand.clone())),
    };
    crate::incident::outcome::ActionView {
        action: step.action.point(),
        what: describe(&step.action, keys),
        status,
        note,
        by_hand,
    }
}

fn describe(action: &Action, keys: KeyDisplay) -> String {
    match action {
        Action::Rotate {
            profile,
            old_key_id,
        } => {
            format!("rotate {} (profile {profile})", keys.show(old_key_id))
        }
        Action::Deactivate { key_id, account } => {
            format!(
                "deactivate stray key {} of account {account}",
                keys.show(key_id)
            )
        }
        Action::RevokeUser { user, .. } => format!("end older sessions of user {user}"),
        Action::RevokeRole { role_arn, .. } => format!("end older sessions of role {role_arn}"),
        Action::SsoLogout { cache } => format!("sign out of the SSO login in {}", cache.display()),
        Action::DeleteCache { path } => format!("delete {}", path.display()),
    }
}
