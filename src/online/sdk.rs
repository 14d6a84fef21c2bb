//! One way to build AWS SDK clients for awscheck, shared by the online audit and `rotate`.
//!
//! The SDK resolves endpoints exactly as it does for any client (`AWS_ENDPOINT_URL`, the
//! per-service variables, `endpoint_url` in the profile or its services section), from the same
//! two files awscheck read. The region is never looked up on EC2: `AWS_REGION`, else the
//! profile's, else us-east-1 (IAM is global, so any region reaches it). Credentials are always
//! given explicitly: awscheck signs with the exact key it is checking or rotating.

use crate::locate::Locations;
use aws_config::retry::RetryConfig;
use aws_config::timeout::TimeoutConfig;
use aws_config::{BehaviorVersion, Region, SdkConfig};
use aws_credential_types::Credentials;
use aws_runtime::env_config::file::{EnvConfigFileKind, EnvConfigFiles};
use aws_sdk_iam::error::{ProvideErrorMetadata, SdkError};
use aws_smithy_http_client::tls::{self, rustls_provider::CryptoMode};
use aws_smithy_runtime_api::client::http::SharedHttpClient;
use aws_smithy_runtime_api::client::orchestrator::HttpResponse;
use std::time::Duration;

/// Everything but the credentials: where to send requests and how long to wait.
#[derive(Clone, Debug)]
pub struct Connection {
    http: SharedHttpClient,
    /// `None` when neither file exists: the SDK refuses an empty set of files.
    files: Option<EnvConfigFiles>,
    profile: String,
    region: String,
    connect_timeout: Duration,
    operation_timeout: Duration,
}

impl Connection {
    pub fn new(
        locations: &Locations,
        profile: &str,
        profile_region: Option<&str>,
        connect_timeout: Duration,
        operation_timeout: Duration,
    ) -> Self {
        Connection {
            http: http_client(),
            files: profile_files(locations),
            profile: profile.to_string(),
            region: region(profile_region),
            connect_timeout,
            operation_timeout,
        }
    }

    /// The same connection for another profile (its endpoint settings and region).
    pub fn for_profile(&self, profile: &str, profile_region: Option<&str>) -> Self {
        Connection {
            profile: profile.to_string(),
            region: region(profile_region),
            ..self.clone()
        }
    }

    /// The same connection in exactly `region`: a resumed rotation uses the region it started
    /// in, whatever today's environment says.
    pub fn in_region(&self, region: &str) -> Self {
        Connection {
            region: region.to_string(),
            ..self.clone()
        }
    }

    pub fn region(&self) -> &str {
        &self.region
    }

    /// SDK configuration signing with exactly `credentials`.
    pub async fn config(&self, credentials: Credentials) -> SdkConfig {
        let mut loader = aws_config::defaults(BehaviorVersion::latest());
        if let Some(files) = &self.files {
            loader = loader.profile_files(files.clone());
        }
        loader
            .http_client(self.http.clone())
            .credentials_provider(credentials)
            .region(Region::new(self.region.clone()))
            .profile_name(&self.profile)
            .timeout_config(
                TimeoutConfig::builder()
                    .connect_timeout(self.connect_timeout)
                    .operation_timeout(self.operation_timeout)
                    .build(),
            )
            .retry_config(RetryConfig::standard().with_max_attempts(3))
            .load()
            .await
    }
}

/// One rustls+ring client; `aws-config` without its default features needs it passed in.
fn http_client() -> SharedHttpClient {
    aws_smithy_http_client::Builder::new()
        .tls_provider(tls::Provider::Rustls(CryptoMode::Ring))
        .build_https()
}

/// The files awscheck read, so the SDK sees the same profiles (and nothing else).
fn profile_files(locations: &Locations) -> Option<EnvConfigFiles> {
    let mut files = EnvConfigFiles::builder();
    let mut any = false;
    for (kind, location) in [
        (EnvConfigFileKind::Config, &locations.config),
        (EnvConfigFileKind::Credentials, &locations.credentials),
    ] {
        if location.path.is_file() {
            files = files.with_file(kind, &location.path);
            any = true;
        }
    }
    any.then(|| files.build())
}

fn region(profile_region: Option<&str>) -> String {
    std::env::var("AWS_REGION")
        .ok()
        .filter(|r| !r.is_empty())
        .or_else(|| profile_region.map(str::to_string))
        .unwrap_or_else(|| "us-east-1".to_string())
}

/// The AWS error code of a failed call. Some emulators answer with error documents the SDK
/// cannot parse; the code is still in the body as `<Code>...</Code>`.
pub fn error_code<E: ProvideErrorMetadata>(error: &SdkError<E, HttpResponse>) -> Option<String> {
    error.code().map(str::to_string).or_else(|| {
        let body = std::str::from_utf8(error.raw_response()?.body().bytes()?).ok()?;
        let start = body.find("<Code>")? + "<Code>".len();
        let end = start + body[start..].find("</Code>")?;
        Some(body[start..end].trim().to_string())
    })
}

/// The message of the deepest error in the chain: "Connection refused", not five layers of
/// wrappers.
pub fn innermost(error: &(dyn std::error::Error + 'static)) -> String {
    let mut current = error;
    while let Some(source) = current.source() {
        current = source;
    }
    current.to_string()
}
