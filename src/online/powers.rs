//! The user's policies (attached and inline, its own and its groups') and MFA devices.
//! Calls that do not depend on each other go out together; each refusal becomes a line of
//! what could not be read, never a failed check.

use crate::audit::facts::Powers;
use crate::audit::policy::{url_decode, Source};
use crate::aws::sdk::error_code;
use aws_sdk_iam::error::SdkError;
use aws_sdk_iam::Client;
use aws_smithy_runtime_api::client::orchestrator::HttpResponse;
use futures_util::future::join_all;

/// "inline policies (iam:ListUserPolicies: AccessDenied)".
fn unreadable<E>(what: &str, action: &str, error: &SdkError<E, HttpResponse>) -> String
where
    E: aws_sdk_iam::error::ProvideErrorMetadata,
{
    let why = error_code(error).unwrap_or_else(|| match error {
        SdkError::TimeoutError(_) => "timed out".to_string(),
        _ => "failed".to_string(),
    });
    format!("{what} ({action}: {why})")
}

pub async fn read(iam: &Client, user: &str) -> Powers {
    let mut powers = Powers::default();
    let (attached, inline, groups, devices) = tokio::join!(
        iam.list_attached_user_policies().user_name(user).send(),
        iam.list_user_policies().user_name(user).send(),
        iam.list_groups_for_user().user_name(user).send(),
        iam.list_mfa_devices().user_name(user).send(),
    );
    match devices {
        Ok(output) => powers.mfa_devices = Some(output.mfa_devices().len()),
        Err(e) => powers
            .unreadable
            .push(unreadable("MFA devices", "iam:ListMFADevices", &e)),
    }
    let mut managed: Vec<(String, String)> = Vec::new();
    match attached {
        Ok(output) => managed.extend(output.attached_policies().iter().filter_map(|p| {
            Some((
                p.policy_arn()?.to_string(),
                "attached to the user".to_string(),
            ))
        })),
        Err(e) => powers.unreadable.push(unreadable(
            "attached policies",
            "iam:ListAttachedUserPolicies",
            &e,
        )),
    }
    let inline_names: Vec<String> = match inline {
        Ok(output) => output.policy_names().to_vec(),
        Err(e) => {
            powers
                .unreadable
                .push(unreadable("inline policies", "iam:ListUserPolicies", &e));
            Vec::new()
        }
    };
    let group_names: Vec<String> = match groups {
        Ok(output) => output
            .groups()
            .iter()
            .map(|g| g.group_name().to_string())
            .collect(),
        Err(e) => {
            powers
                .unreadable
                .push(unreadable("groups", "iam:ListGroupsForUser", &e));
            Vec::new()
        }
    };
    let user_inline = join_all(inline_names.iter().map(|name| async move {
        let answer = iam
            .get_user_policy()
            .user_name(user)
            .policy_name(name)
            .send()
            .await;
        (name, answer)
    }))
    .await;
    for (name, answer) in user_inline {
        match answer {
            Ok(output) => powers.policies.push(Source {
                name: name.clone(),
                via: "inline in the user".to_string(),
                document: url_decode(output.policy_document()),
            }),
            Err(e) => powers.unreadable.push(unreadable(
                &format!("inline policy {name}"),
                "iam:GetUserPolicy",
                &e,
            )),
        }
    }
    let per_group = join_all(group_names.iter().map(|group| async move {
        let (attached, inline) = tokio::join!(
            iam.list_attached_group_policies().group_name(group).send(),
            iam.list_group_policies().group_name(group).send(),
        );
        (group, attached, inline)
    }))
    .await;
    let mut group_inline: Vec<(String, String)> = Vec::new();
    for (group, attached, inline) in per_group {
        match attached {
            Ok(output) => managed.extend(output.attached_policies().iter().filter_map(|p| {
                Some((
                    p.policy_arn()?.to_string(),
                    format!("through group {group}"),
                ))
            })),
            Err(e) => powers.unreadable.push(unreadable(
                &format!("policies attached to group {group}"),
                "iam:ListAttachedGroupPolicies",
                &e,
            )),
        }
        match inline {
            Ok(output) => group_inline.extend(
                output
                    .policy_names()
                    .iter()
                    .map(|name| (group.clone(), name.clone())),
            ),
            Err(e) => powers.unreadable.push(unreadable(
                &format!("inline policies of group {group}"),
                "iam:ListGroupPolicies",
                &e,
            )),
        }
    }
    let group_documents = join_all(group_inline.iter().map(|(group, name)| async move {
        let answer = iam
            .get_group_policy()
            .group_name(group)
            .policy_name(name)
            .send()
            .await;
        (group, name, answer)
    }))
    .await;
    for (group, name, answer) in group_documents {
        match answer {
            Ok(output) => powers.policies.push(Source {
                name: name.clone(),
                via: format!("inline in group {group}"),
                document: url_decode(output.policy_document()),
            }),
            Err(e) => powers.unreadable.push(unreadable(
                &format!("inline policy {name} of group {group}"),
                "iam:GetGroupPolicy",
                &e,
            )),
        }
    }
    let managed_documents = join_all(
        managed
            .iter()
            .map(|(arn, via)| async move { (arn, via, managed_document(iam, arn).await) }),
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
async fn managed_document(iam: &Client, arn: &str) -> Result<String, String> {
    let policy = iam.get_policy().policy_arn(arn).send().await.map_err(|e| {
        format!(
            "iam:GetPolicy: {}",
            error_code(&e).unwrap_or_else(|| "failed".into())
        )
    })?;
    let version = policy
        .policy()
        .and_then(|p| p.default_version_id())
        .ok_or("iam:GetPolicy: no default version")?;
    let answer = iam
        .get_policy_version()
        .policy_arn(arn)
        .version_id(version)
        .send()
        .await
        .map_err(|e| {
            format!(
                "iam:GetPolicyVersion: {}",
                error_code(&e).unwrap_or_else(|| "failed".into())
            )
        })?;
    answer
        .policy_version()
        .and_then(|v| v.document())
        .map(url_decode)
        .ok_or_else(|| "iam:GetPolicyVersion: no document".to_string())
}
