//! The IAM and STS calls of a rotation, each signed with exactly the credentials given.

use crate::online::sdk::{error_code, innermost, Connection};
use aws_credential_types::Credentials;
use aws_sdk_iam::error::{ProvideErrorMetadata, SdkError};
use aws_sdk_iam::types::StatusType;
use aws_smithy_runtime_api::client::orchestrator::HttpResponse;
use chrono::{DateTime, Utc};
use std::fmt;
use std::future::Future;
use std::time::{Duration, Instant};

/// A failed call, in words: which action, AWS's error code when there is one, what happened.
#[derive(Clone, Debug)]
pub struct AwsError {
    pub action: &'static str,
    pub code: Option<String>,
    pub message: String,
}

impl AwsError {
    /// A call that succeeded but whose answer lacks what it exists to return.
    fn missing(action: &'static str, what: &str) -> Self {
        AwsError {
            action,
            code: None,
            message: format!("no {what} in the answer"),
        }
    }

    /// AWS does not (yet) accept the key: deleted, wrong secret, or a new key still propagating.
    pub fn is_rejection(&self) -> bool {
        matches!(
            self.code.as_deref(),
            Some("InvalidClientTokenId" | "SignatureDoesNotMatch")
        )
    }
}

impl fmt::Display for AwsError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.code {
            Some(code) => write!(f, "{} failed: {code}: {}", self.action, self.message),
            None => write!(f, "{} failed: {}", self.action, self.message),
        }
    }
}

fn failure<E>(action: &'static str, error: SdkError<E, HttpResponse>) -> AwsError
where
    E: ProvideErrorMetadata + std::error::Error + 'static,
{
    let code = error_code(&error);
    let message = match &error {
        SdkError::ServiceError(_) => error.message().unwrap_or("no message").to_string(),
        SdkError::TimeoutError(_) => "timed out".to_string(),
        _ => innermost(&error),
    };
    AwsError {
        action,
        code,
        message,
    }
}

/// A key of the user, as ListAccessKeys reports it.
#[derive(Clone, Debug)]
pub struct UserKey {
    pub id: String,
    pub active: bool,
    pub created: Option<DateTime<Utc>>,
}

pub struct Aws {
    pub connection: Connection,
}

impl Aws {
    async fn iam(&self, credentials: &Credentials) -> aws_sdk_iam::Client {
        aws_sdk_iam::Client::new(&self.connection.config(credentials.clone()).await)
    }

    async fn sts(&self, credentials: &Credentials) -> aws_sdk_sts::Client {
        aws_sdk_sts::Client::new(&self.connection.config(credentials.clone()).await)
    }

    /// The caller's ARN.
    pub async fn whoami(&self, credentials: &Credentials) -> Result<String, AwsError> {
        let output = self
            .sts(credentials)
            .await
            .get_caller_identity()
            .send()
            .await
            .map_err(|e| failure("sts:GetCallerIdentity", e))?;
        Ok(output.arn().unwrap_or_default().to_string())
    }

    pub async fn list_keys(&self, credentials: &Credentials) -> Result<Vec<UserKey>, AwsError> {
        let output = self
            .iam(credentials)
            .await
            .list_access_keys()
            .send()
            .await
            .map_err(|e| failure("iam:ListAccessKeys", e))?;
        Ok(output
            .access_key_metadata()
            .iter()
            .filter_map(|key| {
                Some(UserKey {
                    id: key.access_key_id()?.to_string(),
                    active: key.status() == Some(&StatusType::Active),
                    created: key
                        .create_date()
                        .and_then(|d| DateTime::from_timestamp(d.secs(), d.subsec_nanos())),
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
            .map_err(|e| failure("iam:GetAccessKeyLastUsed", e))?;
        Ok(output.access_key_last_used().and_then(|used| {
            let date = used.last_used_date()?;
            Some((
                DateTime::from_timestamp(date.secs(), date.subsec_nanos())?,
                used.service_name().to_string(),
            ))
        }))
    }

    /// Temporary credentials carrying MFA, for policies that deny IAM without it.
    pub async fn mfa_session(
        &self,
        credentials: &Credentials,
        serial: &str,
        code: &str,
    ) -> Result<Credentials, AwsError> {
        let output = self
            .sts(credentials)
            .await
            .get_session_token()
            .serial_number(serial)
            .token_code(code)
            .duration_seconds(900)
            .send()
            .await
            .map_err(|e| failure("sts:GetSessionToken", e))?;
        let session = output
            .credentials()
            .ok_or_else(|| AwsError::missing("sts:GetSessionToken", "credentials"))?;
        Ok(Credentials::new(
            session.access_key_id(),
            session.secret_access_key(),
            Some(session.session_token().to_string()),
            None,
            "awscheck-mfa",
        ))
    }

    /// A new key for the caller's own user: (key ID, secret). The secret exists only here.
    pub async fn create_key(
        &self,
        credentials: &Credentials,
    ) -> Result<(String, String), AwsError> {
        let output = self
            .iam(credentials)
            .await
            .create_access_key()
            .send()
            .await
            .map_err(|e| failure("iam:CreateAccessKey", e))?;
        let key = output
            .access_key()
            .ok_or_else(|| AwsError::missing("iam:CreateAccessKey", "key"))?;
        Ok((
            key.access_key_id().to_string(),
            key.secret_access_key().to_string(),
        ))
    }

    pub async fn deactivate(
        &self,
        credentials: &Credentials,
        key_id: &str,
    ) -> Result<(), AwsError> {
        self.iam(credentials)
            .await
            .update_access_key()
            .access_key_id(key_id)
            .status(StatusType::Inactive)
            .send()
            .await
            .map(|_| ())
            .map_err(|e| failure("iam:UpdateAccessKey", e))
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
            .map_err(|e| failure("iam:DeleteAccessKey", e))
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
