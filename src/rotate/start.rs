//! Everything a rotation checks before IAM or a file changes: who the key belongs to, whether
//! it is root's, the 2-key quota, MFA. Every refusal here leaves everything as it was; the
//! last act is to back up the files and write the journal, from which [`super::machine`]
//! takes over.

use super::signer::{NoSession, Signer};
use super::{refused, Context, Options, RotateError};
use crate::audit::suggest::Suggest;
use crate::audit::Inputs;
use crate::aws::calls::{Aws, UserKey};
use crate::edit::files;
use crate::edit::journal::{self, Backup, Journal, Protection, Step};
use crate::edit::plan::Plan;
use crate::profiles::model::Model;
use crate::sys::say::say;
use aws_credential_types::Credentials;

/// A rotation ready to run: its journal written, and the signer (with any MFA session) the
/// checks used.
pub struct Started {
    pub journal: Journal,
    pub signer: Signer,
}

/// Check, back up and journal; `None` after a dry run.
pub async fn start(
    plan: &Plan,
    protected: Option<Protection>,
    inputs: &Inputs,
    model: &Model<'_>,
    aws: &Aws,
    options: &Options,
    ctx: &mut Context<'_>,
) -> Result<Option<Started>, RotateError> {
    let suggest = Suggest::new(&inputs.locations, options.keys);
    let again = |extra: &[&str]| suggest.rotate(&plan.profile, extra);
    let old = Credentials::new(&plan.old_key_id, &plan.old_secret, None, None, "awscheck");
    let others: Vec<&str> = plan
        .profiles
        .iter()
        .filter(|p| **p != plan.profile)
        .map(String::as_str)
        .collect();
    let also = if others.is_empty() {
        String::new()
    } else {
        format!(" (also in {})", others.join(", "))
    };
    say(
        ctx.out,
        format_args!(
            "Rotating the key of profile {}{also}: {}",
            plan.profile,
            options.keys.show(&plan.old_key_id)
        ),
    );

    let arn = aws.whoami(&old).await.map_err(|e| {
        if e.is_rejection() {
            refused(format!("AWS does not accept the current key ({}): there is nothing to rotate from. Ask the account's administrator for a new key and put it in the profile by hand; then check it: `{}`", e.code.as_deref().unwrap_or("rejected"), suggest.awscheck(&["audit", "--profile", &plan.profile])))
        } else {
            refused(format!("{e}; nothing was changed. Try again: `{}`", again(&[])))
        }
    })?;
    say(ctx.out, format_args!("  key belongs to {arn}"));
    if arn.ends_with(":root") && !options.allow_root {
        return Err(refused(format!(
            "this is the root user's key ({arn}). Root access keys should be deleted, not rotated: create an IAM user or use IAM Identity Center. To rotate it anyway: `{}`",
            again(&["--allow-root"])
        )));
    }

    let mut signer = Signer::new(
        options
            .mfa_serial
            .clone()
            .or_else(|| plan.mfa_serial.clone()),
        options.mfa_code.clone(),
        options.propagation_limit,
    );
    // A dry run spends no MFA code (AWS takes each code once): it reads the quota with the
    // key alone, which a policy requiring MFA may refuse.
    let admin = if options.dry_run {
        old.clone()
    } else {
        match signer.credentials(aws, &old, ctx.ask, ctx.out).await {
            Ok(credentials) => credentials,
            Err(NoSession::NoCode { serial }) => {
                return Err(refused(format!(
                    "profile {} uses MFA ({serial}): run `{}` in a terminal, where it asks for the code, or add --mfa-code and the current code",
                    plan.profile,
                    again(&[])
                )))
            }
            Err(NoSession::Aws(e)) => {
                return Err(refused(format!(
                    "{e}; nothing was changed. Try again with a new code: `{}`",
                    again(&[])
                )))
            }
        }
    };

    let keys = match aws.list_keys(&admin).await {
        Ok(keys) => Some(keys),
        Err(e) if options.dry_run && signer.mfa_serial().is_some() => {
            say(ctx.out, format_args!("  cannot list the user's keys without MFA ({e}); the rotation will, with an MFA session"));
            None
        }
        Err(e) => {
            return Err(refused(format!(
                "{e}; nothing was changed. Try again: `{}`",
                again(&[])
            )))
        }
    };
    let room_key = match &keys {
        Some(keys) => make_room(plan, model, keys, aws, &admin, options, ctx, &suggest).await?,
        None => None,
    };

    if options.dry_run {
        print_plan(plan, &arn, room_key.as_deref(), options, ctx);
        return Ok(None);
    }

    let mut backups = Vec::new();
    for file in &plan.files {
        let copy = files::backup(&file.path, &ctx.state_dir, ctx.now).map_err(|e| {
            refused(format!(
                "cannot back up {}: {e}; nothing was changed",
                file.path.display()
            ))
        })?;
        say(
            ctx.out,
            format_args!("  backed up {} to {}", file.path.display(), copy.display()),
        );
        backups.push(Backup {
            file: file.path.clone(),
            copy,
        });
    }
    let absolute = |path: &std::path::Path| std::path::absolute(path).unwrap_or(path.to_path_buf());
    let journal = Journal {
        version: journal::VERSION,
        started: ctx.now,
        profile: plan.profile.clone(),
        profiles: plan.profiles.clone(),
        config_file: absolute(&inputs.locations.config.path),
        credentials_file: absolute(&inputs.locations.credentials.path),
        region: aws.connection.region().to_string(),
        arn,
        mfa_serial: signer.mfa_serial().map(str::to_string),
        old_key_id: plan.old_key_id.clone(),
        old_secret: plan.old_secret.clone(),
        delete_old: options.delete_old,
        keys_before: keys
            .unwrap_or_default()
            .into_iter()
            .map(|key| key.id)
            .collect(),
        room_key,
        backups,
        step: Step::Started,
        new_key_id: None,
        new_secret: None,
        undo: None,
        protected,
    };
    journal.save(&ctx.state_dir).map_err(|e| {
        refused(format!(
            "cannot write the rotation journal: {e}; nothing was changed"
        ))
    })?;
    Ok(Some(Started { journal, signer }))
}

/// A user holds at most two keys (an inactive one counts): decide which key goes to make
/// room for the new one. Nothing is deleted here: every refusal comes before any change.
#[allow(clippy::too_many_arguments)]
async fn make_room(
    plan: &Plan,
    model: &Model<'_>,
    keys: &[UserKey],
    aws: &Aws,
    admin: &Credentials,
    options: &Options,
    ctx: &mut Context<'_>,
    suggest: &Suggest<'_>,
) -> Result<Option<String>, RotateError> {
    let Some(other) = keys.iter().find(|key| key.id != plan.old_key_id) else {
        return Ok(None);
    };
    let shown = options.keys.show(&other.id);
    let holders: Vec<&str> = model
        .profiles
        .iter()
        .filter(|p| p.own_key() == Some(other.id.as_str()))
        .map(|p| p.name())
        .collect();
    if other.active {
        if let Some(holder) = holders.first() {
            return Err(refused(format!(
                "the user's other key {shown} is active and profile {} holds it, and IAM allows two keys: deleting it would break that profile. Rotate that profile's key instead, or remove the key from it first: `{}`",
                holders.join(", "),
                suggest.rotate(holder, &[])
            )));
        }
        let last = match aws.last_used(admin, &other.id).await {
            Ok(Some((date, service))) => {
                format!("last used {} on {service}", date.format("%Y-%m-%d"))
            }
            Ok(None) => "never used".to_string(),
            Err(_) => "last use unknown".to_string(),
        };
        if !options.delete_other_key {
            return Err(refused(format!(
                "the user already has a second active key, {shown} ({last}), and IAM allows two. Find out what uses it; then delete it as part of the rotation: `{}`",
                suggest.rotate(&plan.profile, &["--delete-other-key"])
            )));
        }
        say(
            ctx.out,
            format_args!(
                "  {} the other active key {shown} ({last}) to make room",
                if options.dry_run {
                    "would delete"
                } else {
                    "will delete"
                }
            ),
        );
        return Ok(Some(other.id.clone()));
    }
    let note = if holders.is_empty() {
        String::new()
    } else {
        format!(
            " (profile {} still holds it, but it no longer works)",
            holders.join(", ")
        )
    };
    if options.dry_run {
        say(
            ctx.out,
            format_args!("  would delete the inactive key {shown}{note} to make room"),
        );
        return Ok(Some(other.id.clone()));
    }
    let question = format!(
        "The user's other key {shown}{note} is inactive and fills the 2-key quota. Delete it?"
    );
    if !(options.yes || ctx.ask.confirm(&question)) {
        return Err(refused(format!(
            "the inactive key {shown}{note} fills the user's 2-key quota; nothing was changed. Delete it as part of the rotation: `{}`",
            suggest.rotate(&plan.profile, &["--yes"])
        )));
    }
    Ok(Some(other.id.clone()))
}

fn print_plan(
    plan: &Plan,
    arn: &str,
    room_key: Option<&str>,
    options: &Options,
    ctx: &mut Context<'_>,
) {
    let out = &mut *ctx.out;
    say(
        out,
        format_args!("Dry run, nothing changed. The rotation would:"),
    );
    if let Some(room) = room_key {
        say(
            out,
            format_args!("  delete the key {} to make room", options.keys.show(room)),
        );
    }
    say(
        out,
        format_args!("  create a new key for {arn} and check that it works"),
    );
    for file in &plan.files {
        let lines: Vec<String> = file
            .key_ids
            .iter()
            .chain(&file.secrets)
            .map(|p| p.line.to_string())
            .collect();
        say(
            out,
            format_args!(
                "  back up {} and replace the values on lines {}",
                file.path.display(),
                lines.join(", ")
            ),
        );
    }
    say(
        out,
        format_args!("  update profiles {}", plan.profiles.join(", ")),
    );
    let end = if options.delete_old {
        "deactivate, then delete"
    } else {
        "deactivate"
    };
    say(
        out,
        format_args!(
            "  {end} the old key {}",
            options.keys.show(&plan.old_key_id)
        ),
    );
}
