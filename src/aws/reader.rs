//! The reads the online audit makes about one key, all signed with that key: who it is, the
//! user's keys and their last use, the account's alias, whether the user has a console
//! password. The user's policies and MFA devices are read through the same [`Reader`]
//! (`policy_reads.rs`). Answers are plain data; what a failure means is [`AwsError`]'s to
//! say.

use super::calls::secrets;
use super::error::{AwsError, FailureKind};
use super::sdk::Connection;
use crate::sys::mask::KeyDisplay;
use aws_credential_types::Credentials;
use aws_sdk_iam::error::{ProvideErrorMetadata, SdkError};
use aws_smithy_runtime_api::client::orchestrator::HttpResponse;
use chrono::{DateTime, Utc};

/// IAM and STS clients signing as one key. The configuration is loaded once, when the reader
/// is made: an audit makes a dozen calls or more per key, and loading costs more than a call.
pub struct Reader {
    pub(super) iam: aws_sdk_iam::Client,
    sts: aws_sdk_sts::Client,
    /// Kept for what AWS's text must never quote.
    credentials: Credentials,
    /// How key IDs appear in AWS's messages.
    keys: KeyDisplay,
}

/// Who the key belongs to, as GetCallerIdentity says; empty where the answer left it out.
#[derive(Clone, Debug, Default)]
pub struct Caller {
    pub account: String,
    pub arn: String,
}

/// A key of the user, as ListAccessKeys reports it.
#[derive(Clone, Debug)]
pub struct KeyRecord {
    pub id: String,
    pub created: Option<DateTime<Utc>>,
    /// `Active` or `Inactive`, as IAM spells it.
    pub status: Option<String>,
}

/// A key's last use, as GetAccessKeyLastUsed reports it; all `None` for a key never used.
#[derive(Clone, Debug, Default)]
pub struct LastUse {
    pub date: Option<DateTime<Utc>>,
    pub service: Option<String>,
    pub region: Option<String>,
}

impl Reader {
    pub async fn new(connection: &Connection, credentials: Credentials, keys: KeyDisplay) -> Self {
        let config = connection.config(credentials.clone()).await;
        Reader {
            iam: aws_sdk_iam::Client::new(&config),
            sts: connection.sts_from(&config),
            credentials,
            keys,
        }
    }

    /// `error` of `action` as an [`AwsError`], with AWS's text scrubbed of the secret.
    pub(super) fn failure<E>(
        &self,
        action: &'static str,
        error: SdkError<E, HttpResponse>,
    ) -> AwsError
    where
        E: ProvideErrorMetadata + std::error::Error + 'static,
    {
        AwsError::from_sdk(action, error, &secrets(&self.credentials), self.keys)
    }

    pub async fn caller(&self) -> Result<Caller, AwsError> {
        let output = self
            .sts
            .get_caller_identity()
            .send()
            .await
            .map_err(|e| self.failure("sts:GetCallerIdentity", e))?;
        Ok(Caller {
            account: output.account().unwrap_or_default().to_string(),
            arn: output.arn().unwrap_or_default().to_string(),
        })
    }

    /// The account `key_id` belongs to, whoever's key it is (STS GetAccessKeyInfo).
    pub async fn account_of_key(&self, key_id: &str) -> Result<String, AwsError> {
        let output = self
            .sts
            .get_access_key_info()
            .access_key_id(key_id)
            .send()
            .await
            .map_err(|e| self.failure("sts:GetAccessKeyInfo", e))?;
        output
            .account()
            .map(str::to_string)
            .ok_or_else(|| AwsError::missing("sts:GetAccessKeyInfo", "account"))
    }

    /// The keys of the caller's own user.
    pub async fn list_keys(&self) -> Result<Vec<KeyRecord>, AwsError> {
        let output = self
            .iam
            .list_access_keys()
            .send()
            .await
            .map_err(|e| self.failure("iam:ListAccessKeys", e))?;
        Ok(output
            .access_key_metadata()
            .iter()
            .filter_map(|metadata| {
                Some(KeyRecord {
                    id: metadata.access_key_id()?.to_string(),
                    created: metadata.create_date().and_then(to_chrono),
                    status: metadata.status().map(|status| status.as_str().to_string()),
                })
            })
            .collect())
    }

    pub async fn last_used(&self, key_id: &str) -> Result<LastUse, AwsError> {
        let output = self
            .iam
            .get_access_key_last_used()
            .access_key_id(key_id)
            .send()
            .await
            .map_err(|e| self.failure("iam:GetAccessKeyLastUsed", e))?;
        let Some(record) = output.access_key_last_used() else {
            return Ok(LastUse::default());
        };
        // IAM answers "N/A" for the service and region of a key never used.
        let known = |text: &str| (!text.is_empty() && text != "N/A").then(|| text.to_string());
        Ok(LastUse {
            date: record.last_used_date().and_then(to_chrono),
            service: known(record.service_name()),
            region: known(record.region()),
        })
    }

    /// The account's alias, if it has one (an account has at most one).
    pub async fn account_alias(&self) -> Result<Option<String>, AwsError> {
        let output = self
            .iam
            .list_account_aliases()
            .send()
            .await
            .map_err(|e| self.failure("iam:ListAccountAliases", e))?;
        Ok(output.account_aliases().first().cloned())
    }

    /// The description of `key_id`, as the IAM console keeps it: a tag of the user whose key
    /// is the key ID. `None` when the key has none.
    pub async fn key_description(
        &self,
        user: &str,
        key_id: &str,
    ) -> Result<Option<String>, AwsError> {
        let output = self
            .iam
            .list_user_tags()
            .user_name(user)
            .send()
            .await
            .map_err(|e| self.failure("iam:ListUserTags", e))?;
        Ok(output
            .tags()
            .iter()
            .find(|tag| tag.key() == key_id)
            .map(|tag| tag.value().to_string())
            .filter(|value| !value.is_empty()))
    }

    /// Whether `user` can also sign in to the console: `GetLoginProfile` answers for a user
    /// with a password and NoSuchEntity for one without.
    pub async fn console_password(&self, user: &str) -> Result<bool, AwsError> {
        match self.iam.get_login_profile().user_name(user).send().await {
            Ok(_) => Ok(true),
            Err(error) => {
                let error = self.failure("iam:GetLoginProfile", error);
                match error.kind {
                    FailureKind::NotFound => Ok(false),
                    _ => Err(error),
                }
            }
        }
    }
}

fn to_chrono(date: &aws_smithy_types::DateTime) -> Option<DateTime<Utc>> {
    DateTime::from_timestamp(date.secs(), date.subsec_nanos())
}
