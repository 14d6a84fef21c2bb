//! The IAM and STS calls of a rotation, each signed with exactly the credentials given, and
//! what their failures mean for the next step.

use crate::aws::sdk::{error_code, innermost, Connection};
use crate::sys::mask::{scrub, KeyDisplay};
use aws_credential_types::Credentials;
use aws_sdk_iam::error::{ProvideErrorMetadata, SdkError};
use aws_sdk_iam::types::StatusType;
use aws_smithy_runtime_api::client::orchestrator::HttpResponse;
use chrono::{DateTime, Utc};
use std::fmt;
use std::future::Future;
use std::time::{Duration, Instant};

/// What a failed call tells the rotation.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    /// AWS does not (yet) accept the key: deleted, wrong secret, or a new key still propagating.
    Rejected,
    /// The thing acted on does not exist. For a delete, that is the goal.
    NotFound,
    /// The MFA session ran out; a new one fixes it.
    Expired,
    /// Trying again later may work: throttling, AWS's own errors, time-outs, the network. The
    /// call may also have been carried out with its answer lost.
    Transient,
    /// AWS said no and will say it again: AccessDenied, the key quota, a bad request.
    Permanent,
}

/// A failed call, in words: which action, AWS's error code when there is one, what happened.
/// The message has already been scrubbed of secrets and full key IDs.
#[derive(Clone, Debug)]
pub struct AwsError {
    pub action: &'static str,
    pub code: Option<String>,
    pub message: String,
    pub kind: Kind,
}

impl AwsError {
    /// A call that succeeded but whose answer lacks what it exists to return.
    fn missing(action: &'static str, what: &str) -> Self {
        AwsError {
            action,
            code: None,
            message: format!("no {what} in the answer"),
            kind: Kind::Transient,
        }
    }

    pub fn is_rejection(&self) -> bool {
        self.kind == Kind::Rejected
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

fn kind_of_code(code: &str) -> Kind {
    match code {
        "InvalidClientTokenId" | "SignatureDoesNotMatch" | "InvalidAccessKeyId" => Kind::Rejected,
        "NoSuchEntity" => Kind::NotFound,
        "ExpiredToken" | "ExpiredTokenException" => Kind::Expired,
        "Throttling"
        | "ThrottlingException"
        | "RequestLimitExceeded"
        | "TooManyRequestsException"
        | "InternalFailure"
        | "InternalError"
        | "ServiceUnavailable"
        | "ServiceFailure"
        | "RequestTimeout"
        | "RequestTimeoutException"
        | "RequestExpired"
        | "ConcurrentModification"
        | "ConcurrentModificationException"
        | "PriorRequestNotComplete" => Kind::Transient,
        _ => Kind::Permanent,
    }
}

fn failure<E>(
    action: &'static str,
    error: SdkError<E, HttpResponse>,
    signer: &Credentials,
    keys: KeyDisplay,
) -> AwsError
where
    E: ProvideErrorMetadata + std::error::Error + 'static,
{
    let code = error_code(&error);
    let status = error.raw_response().map(|r| r.status().as_u16());
    let kind = match (&error, code.as_deref()) {
        (_, Some(code)) => kind_of_code(code),
        // An answer without a code: AWS's 5xx pages, or a proxy's.
        (SdkError::ServiceError(_) | SdkError::ResponseError(_), None)
            if status.is_some_and(|s| s < 500) =>
        {
            Kind::Permanent
        }
        _ => Kind::Transient,
    };
    let message = match &error {
        SdkError::ServiceError(_) => error.message().unwrap_or("no message").to_string(),
        SdkError::TimeoutError(_) => "timed out".to_string(),
        _ => innermost(&error),
    };
    // AWS's own text may quote key IDs in full, and nothing guarantees it never quotes what
    // was signed with.
    let secrets = [
        signer.secret_access_key(),
        signer.session_token().unwrap_or_default(),
    ];
    AwsError {
        action,
        code,
        message: scrub(&message, &secrets, keys),
        kind,
    }
}

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
            .map_err(|e| failure(action, e, credentials, self.keys))?;
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
            .map_err(|e| failure("iam:ListAccessKeys", e, credentials, self.keys))?;
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
            .map_err(|e| failure("iam:GetAccessKeyLastUsed", e, credentials, self.keys))?;
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
            .map_err(|e| failure(action, e, credentials, self.keys))?;
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
            .map_err(|e| failure(action, e, credentials, self.keys))?;
        let key = output
            .access_key()
            .ok_or_else(|| AwsError::missing(action, "key"))?;
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
            .map_err(|e| failure("iam:UpdateAccessKey", e, credentials, self.keys))
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
            .map_err(|e| failure("iam:DeleteAccessKey", e, credentials, self.keys))
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_say_what_comes_next() {
        assert_eq!(kind_of_code("NoSuchEntity"), Kind::NotFound);
        assert_eq!(kind_of_code("Throttling"), Kind::Transient);
        assert_eq!(kind_of_code("AccessDenied"), Kind::Permanent);
        assert_eq!(kind_of_code("LimitExceeded"), Kind::Permanent);
        assert_eq!(kind_of_code("ExpiredToken"), Kind::Expired);
        assert_eq!(kind_of_code("SignatureDoesNotMatch"), Kind::Rejected);
    }
}
