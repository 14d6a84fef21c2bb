//! The user's policies (attached and inline, its own and its groups') and MFA devices.
//! Calls that do not depend on each other go out together; each refusal becomes a line of
//! what could not be read, never a failed check.

use crate::audit::facts::Powers;
use crate::audit::policy::{url_decode, Source};
use crate::aws::error::{AwsError, Ending};
use crate::aws::reader::Reader;
use futures_util::future::join_all;

/// "inline policies (iam:ListUserPolicies: AccessDenied)".
fn unreadable(what: &str, error: &AwsError) -> String {
    let why = error.code.as_deref().unwrap_or(match error.ending {
        Ending::TimedOut => "timed out",
        _ => "failed",
    });
    format!("{what} ({}: {why})", error.action)
}

pub async fn read(aws: &Reader, user: &str) -> Powers {
    let mut powers = Powers::default();
    let (attached, inline, groups, devices) = tokio::join!(
        aws.attached_user_policies(user),
        aws.user_policy_names(user),
        aws.groups(user),
        aws.mfa_device_count(user),
    );
    match devices {
        Ok(count) => powers.mfa_devices = Some(count),
        Err(e) => powers.unreadable.push(unreadable("MFA devices", &e)),
    }
    let mut managed: Vec<(String, String)> = Vec::new();
    match attached {
        Ok(arns) => managed.extend(
            arns.into_iter()
                .map(|arn| (arn, "attached to the user".to_string())),
        ),
        Err(e) => powers.unreadable.push(unreadable("attached policies", &e)),
    }
    let inline_names = inline.unwrap_or_else(|e| {
        powers.unreadable.push(unreadable("inline policies", &e));
        Vec::new()
    });
    let groups = groups.unwrap_or_else(|e| {
        powers.unreadable.push(unreadable("groups", &e));
        Vec::new()
    });
    powers.groups = groups.iter().map(|(_, arn)| arn.clone()).collect();
    let group_names: Vec<String> = groups.into_iter().map(|(name, _)| name).collect();
    let user_inline = join_all(
        inline_names
            .iter()
            .map(|name| async move { (name, aws.user_policy(user, name).await) }),
    )
    .await;
    for (name, answer) in user_inline {
        match answer {
            Ok(document) => powers.policies.push(Source {
                name: name.clone(),
                via: "inline in the user".to_string(),
                document: url_decode(&document),
            }),
            Err(e) => powers
                .unreadable
                .push(unreadable(&format!("inline policy {name}"), &e)),
        }
    }
    let per_group = join_all(group_names.iter().map(|group| async move {
        let (attached, inline) = tokio::join!(
            aws.attached_group_policies(group),
            aws.group_policy_names(group),
        );
        (group, attached, inline)
    }))
    .await;
    let mut group_inline: Vec<(String, String)> = Vec::new();
    for (group, attached, inline) in per_group {
        match attached {
            Ok(arns) => managed.extend(
                arns.into_iter()
                    .map(|arn| (arn, format!("through group {group}"))),
            ),
            Err(e) => powers.unreadable.push(unreadable(
                &format!("policies attached to group {group}"),
                &e,
            )),
        }
        match inline {
            Ok(names) => group_inline.extend(names.into_iter().map(|name| (group.clone(), name))),
            Err(e) => powers
                .unreadable
                .push(unreadable(&format!("inline policies of group {group}"), &e)),
        }
    }
    let group_documents =
        join_all(group_inline.iter().map(|(group, name)| async move {
            (group, name, aws.group_policy(group, name).await)
        }))
        .await;
    for (group, name, answer) in group_documents {
        match answer {
            Ok(document) => powers.policies.push(Source {
                name: name.clone(),
                via: format!("inline in group {group}"),
                document: url_decode(&document),
            }),
            Err(e) => powers.unreadable.push(unreadable(
                &format!("inline policy {name} of group {group}"),
                &e,
            )),
        }
    }
    powers.managed_policies = managed.iter().map(|(arn, _)| arn.clone()).collect();
    let managed_documents = join_all(
        managed
            .iter()
            .map(|(arn, via)| async move { (arn, via, managed_document(aws, arn).await) }),
    )
    .await;
    for (arn, via, document) in managed_documents {
        let name = arn.rsplit('/').next().unwrap_or(arn).to_string();
        match document {
            Ok(document) => powers.policies.push(Source {
                name,
                via: via.clone(),
                document,
            }),
            Err(why) => powers.unreadable.push(format!("policy {name} ({why})")),
        }
    }
    powers
}

/// The default version of a managed policy.
async fn managed_document(aws: &Reader, arn: &str) -> Result<String, String> {
    let why = |e: AwsError| {
        format!(
            "{}: {}",
            e.action,
            e.code.unwrap_or_else(|| "failed".into())
        )
    };
    let version = aws
        .default_version(arn)
        .await
        .map_err(why)?
        .ok_or("iam:GetPolicy: no default version")?;
    aws.policy_version(arn, &version)
        .await
        .map_err(why)?
        .map(|document| url_decode(&document))
        .ok_or_else(|| "iam:GetPolicyVersion: no document".to_string())
}
