//! The IAM and STS calls of a rotation and of `credential-process`, each signed with exactly
//! the credentials given; what a failure means is [`AwsError`]'s to say.

use super::error::AwsError;
use super::sdk::Connection;
use crate::sys::mask::KeyDisplay;
use aws_credential_types::Credentials;
use aws_sdk_iam::types::StatusType;
use chrono::{DateTime, Utc};
use std::future::Future;
use std::time::{Duration, Instant};

/// A key of the user, as ListAccessKeys reports it.
#[derive(Clone, Debug)]
pub struct UserKey {
    pub id: String,
    pub active: bool,
}

#[derive(Clone)]
pub struct Aws {
    pub connection: Connection,
    /// How key IDs appear in AWS's messages.
    pub keys: KeyDisplay,
}

/// What AWS's own text must never quote: the secret signed with, and its session token.
pub(super) fn secrets(credentials: &Credentials) -> [&str; 2] {
    [
        credentials.secret_access_key(),
        credentials.session_token().unwrap_or_default(),
    ]
}

impl Aws {
    async fn iam(&self, credentials: &Credentials) -> aws_sdk_iam::Client {
        self.connection.iam(credentials.clone()).await
    }

    async fn sts(&self, credentials: &Credentials) -> aws_sdk_sts::Client {
        self.connection.sts(credentials.clone()).await
    }

    /// The caller's ARN. An answer without one is a failure: an empty ARN would match
    /// another empty ARN and pass for "the same identity".
    pub async fn whoami(&self, credentials: &Credentials) -> Result<String, AwsError> {
        let action = "sts:GetCallerIdentity";
        let output = self
            .sts(credentials)
            .await
            .get_caller_identity()
            .send()
            .await
            .map_err(|e| AwsError::from_sdk(action, e, &secrets(credentials), self.keys))?;
        output
            .arn()
            .filter(|arn| !arn.is_empty())
            .map(str::to_string)
            .ok_or_else(|| AwsError::missing(action, "ARN"))
    }

    pub async fn list_keys(&self, credentials: &Credentials) -> Result<Vec<UserKey>, AwsError> {
        let output = self
            .iam(credentials)
            .await
            .list_access_keys()
            .send()
            .await
            .map_err(|e| {
                AwsError::from_sdk("iam:ListAccessKeys", e, &secrets(credentials), self.keys)
            })?;
        Ok(output
            .access_key_metadata()
            .iter()
            .filter_map(|key| {
                Some(UserKey {
                    id: key.access_key_id()?.to_string(),
                    active: key.status() == Some(&StatusType::Active),
                })
            })
            .collect())
    }

    /// When a key was last used and on which service; `None` if never.
    pub async fn last_used(
        &self,
        credentials: &Credentials,
        key_id: &str,
    ) -> Result<Option<(DateTime<Utc>, String)>, AwsError> {
        let output = self
            .iam(credentials)
            .await
            .get_access_key_last_used()
            .access_key_id(key_id)
            .send()
            .await
            .map_err(|e| {
                AwsError::from_sdk(
                    "iam:GetAccessKeyLastUsed",
                    e,
                    &secrets(credentials),
                    self.keys,
                )
            })?;
        Ok(output.access_key_last_used().and_then(|used| {
            let date = used.last_used_date()?;
            Some((
                DateTime::from_timestamp(date.secs(), date.subsec_nanos())?,
                used.service_name().to_string(),
            ))
        }))
    }

    /// An `sts:GetSessionToken` session of `seconds`, with MFA when `mfa` gives the device and
    /// a code (self-service policies often deny IAM without it). The credentials carry their
    /// expiry.
    pub async fn session(
        &self,
        credentials: &Credentials,
        mfa: Option<(&str, &str)>,
        seconds: i32,
    ) -> Result<Credentials, AwsError> {
        let action = "sts:GetSessionToken";
        let mut request = self
            .sts(credentials)
            .await
            .get_session_token()
            .duration_seconds(seconds);
        if let Some((serial, code)) = mfa {
            request = request.serial_number(serial).token_code(code);
        }
        let output = request
            .send()
            .await
            .map_err(|e| AwsError::from_sdk(action, e, &secrets(credentials), self.keys))?;
        let session = output
            .credentials()
            .ok_or_else(|| AwsError::missing(action, "credentials"))?;
        let expiry = std::time::SystemTime::try_from(*session.expiration())
            .map_err(|_| AwsError::missing(action, "valid expiration"))?;
        Ok(Credentials::new(
            session.access_key_id(),
            session.secret_access_key(),
            Some(session.session_token().to_string()),
            Some(expiry),
            "awscheck-session",
        ))
    }

    /// A new key for the caller's own user: (key ID, secret). The secret exists only here.
    pub async fn create_key(
        &self,
        credentials: &Credentials,
    ) -> Result<(String, String), AwsError> {
        let action = "iam:CreateAccessKey";
        let output = self
            .iam(credentials)
            .await
            .create_access_key()
            .send()
            .await
            .map_err(|e| AwsError::from_sdk(action, e, &secrets(credentials), self.keys))?;
        let key = output
            .access_key()
            .ok_or_else(|| AwsError::missing(action, "key"))?;
        Ok((
            key.access_key_id().to_string(),
            key.secret_access_key().to_string(),
        ))
    }

    /// `key_id` inactive: a key of the caller's own user, or with `user`, of that user of the
    /// account (`incident --contain`'s strays).
    pub async fn deactivate(
        &self,
        credentials: &Credentials,
        user: Option<&str>,
        key_id: &str,
    ) -> Result<(), AwsError> {
        self.iam(credentials)
            .await
            .update_access_key()
            .set_user_name(user.map(str::to_string))
            .access_key_id(key_id)
            .status(StatusType::Inactive)
            .send()
            .await
            .map(|_| ())
            .map_err(|e| {
                AwsError::from_sdk("iam:UpdateAccessKey", e, &secrets(credentials), self.keys)
            })
    }

    /// The user of the account who owns `key_id`, read user by user; `None` when no user has
    /// it (a root key, or one deleted since).
    pub async fn owner_of_key(
        &self,
        credentials: &Credentials,
        key_id: &str,
    ) -> Result<Option<String>, AwsError> {
        let iam = self.iam(credentials).await;
        let secrets = secrets(credentials);
        let mut users = iam.list_users().into_paginator().send();
        while let Some(page) = users.next().await {
            let page =
                page.map_err(|e| AwsError::from_sdk("iam:ListUsers", e, &secrets, self.keys))?;
            for user in page.users() {
                let keys = iam
                    .list_access_keys()
                    .user_name(user.user_name())
                    .send()
                    .await
                    .map_err(|e| {
                        AwsError::from_sdk("iam:ListAccessKeys", e, &secrets, self.keys)
                    })?;
                let owns = keys
                    .access_key_metadata()
                    .iter()
                    .any(|key| key.access_key_id() == Some(key_id));
                if owns {
                    return Ok(Some(user.user_name().to_string()));
                }
            }
        }
        Ok(None)
    }

    /// An inline policy on a user, replacing one of the same name: the same call twice is
    /// the same policy.
    pub async fn put_user_policy(
        &self,
        credentials: &Credentials,
        user: &str,
        name: &str,
        document: &str,
    ) -> Result<(), AwsError> {
        self.iam(credentials)
            .await
            .put_user_policy()
            .user_name(user)
            .policy_name(name)
            .policy_document(document)
            .send()
            .await
            .map(|_| ())
            .map_err(|e| {
                AwsError::from_sdk("iam:PutUserPolicy", e, &secrets(credentials), self.keys)
            })
    }

    /// An inline policy on a role, replacing one of the same name.
    pub async fn put_role_policy(
        &self,
        credentials: &Credentials,
        role: &str,
        name: &str,
        document: &str,
    ) -> Result<(), AwsError> {
        self.iam(credentials)
            .await
            .put_role_policy()
            .role_name(role)
            .policy_name(name)
            .policy_document(document)
            .send()
            .await
            .map(|_| ())
            .map_err(|e| {
                AwsError::from_sdk("iam:PutRolePolicy", e, &secrets(credentials), self.keys)
            })
    }

    pub async fn delete_key(
        &self,
        credentials: &Credentials,
        key_id: &str,
    ) -> Result<(), AwsError> {
        self.iam(credentials)
            .await
            .delete_access_key()
            .access_key_id(key_id)
            .send()
            .await
            .map(|_| ())
            .map_err(|e| {
                AwsError::from_sdk("iam:DeleteAccessKey", e, &secrets(credentials), self.keys)
            })
    }
}

/// Retry `call` while AWS rejects a key that should work: IAM is eventually consistent and a
/// new key can take 10-20 s, sometimes more, to be accepted everywhere. Backs off up to 8 s
/// between tries and gives up after `limit`.
pub async fn until_accepted<T, F, Fut>(limit: Duration, mut call: F) -> Result<T, AwsError>
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Result<T, AwsError>>,
{
    let started = Instant::now();
    let mut pause = Duration::from_millis(500);
    loop {
        match call().await {
            Err(error) if error.is_rejection() && started.elapsed() + pause < limit => {
                tokio::time::sleep(pause).await;
                pause = (pause * 2).min(Duration::from_secs(8));
            }
            result => return result,
        }
    }
}
