//! One way to build AWS SDK clients for awscheck, shared by the online audit and `rotate`.
//!
//! The SDK resolves endpoints exactly as it does for any client (`AWS_ENDPOINT_URL`, the
//! per-service variables, `endpoint_url` in the profile or its services section), from the same
//! two files awscheck read. The region is never looked up on EC2: `AWS_REGION`, else the
//! profile's, else us-east-1 (IAM is global, so any region reaches it); the SDK's endpoint
//! rules then pick the partition's endpoints (China, GovCloud) from it. Two settings the AWS
//! CLI honours and the Rust SDK does not read are applied here ([`Reach`]): `ca_bundle` and
//! `sts_regional_endpoints = legacy`. Credentials are always given explicitly: awscheck signs
//! with the exact key it is checking or rotating.

use crate::input::locate::Locations;
use aws_config::retry::RetryConfig;
use aws_config::timeout::TimeoutConfig;
use aws_config::{BehaviorVersion, Region, SdkConfig};
use aws_credential_types::Credentials;
use aws_runtime::env_config::file::{EnvConfigFileKind, EnvConfigFiles};
use aws_sdk_iam::error::{ProvideErrorMetadata, SdkError};
use aws_smithy_http_client::tls::{self, rustls_provider::CryptoMode};
use aws_smithy_runtime_api::client::http::SharedHttpClient;
use aws_smithy_runtime_api::client::orchestrator::HttpResponse;
use std::path::{Path, PathBuf};
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
    /// STS through its global endpoint (`sts_regional_endpoints = legacy`).
    sts_global: bool,
}

/// How a profile reaches AWS beyond its region and `endpoint_url` (which the SDK reads from
/// the files itself): the settings the AWS CLI honours, with its environment variables first.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Reach {
    /// `AWS_CA_BUNDLE`, else the profile's `ca_bundle`: the only certificates trusted.
    pub ca_bundle: Option<PathBuf>,
    /// `AWS_STS_REGIONAL_ENDPOINTS`, else the profile's `sts_regional_endpoints`.
    pub sts_regional_endpoints: Option<String>,
}

impl Reach {
    pub fn of(env: &crate::sys::env::Env, profile: Option<&crate::profiles::set::Section>) -> Self {
        let setting = |variable: &str, key: &str| {
            env.get(variable)
                .filter(|value| !value.is_empty())
                .or_else(|| profile.and_then(|section| section.get_named(key)))
                .map(str::to_string)
        };
        Reach {
            ca_bundle: setting("AWS_CA_BUNDLE", "ca_bundle").map(PathBuf::from),
            sts_regional_endpoints: setting("AWS_STS_REGIONAL_ENDPOINTS", "sts_regional_endpoints"),
        }
    }
}

/// The regions whose STS calls went to the global endpoint before regional endpoints became
/// the default; `sts_regional_endpoints = legacy` keeps them there (the AWS CLI's list).
const STS_LEGACY_GLOBAL_REGIONS: [&str; 16] = [
    "ap-northeast-1",
    "ap-south-1",
    "ap-southeast-1",
    "ap-southeast-2",
    "aws-global",
    "ca-central-1",
    "eu-central-1",
    "eu-north-1",
    "eu-west-1",
    "eu-west-2",
    "eu-west-3",
    "sa-east-1",
    "us-east-1",
    "us-east-2",
    "us-west-1",
    "us-west-2",
];
const STS_GLOBAL_ENDPOINT: &str = "https://sts.amazonaws.com";

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
            sts_global: false,
        }
    }

    /// The same connection as `reach` asks: trusting only its CA bundle, and STS through the
    /// global endpoint for `legacy`. Fails, in one line, on a bundle that cannot be used.
    pub fn reaching(mut self, reach: &Reach) -> Result<Self, String> {
        if let Some(bundle) = &reach.ca_bundle {
            self.http = http_client_trusting(bundle)?;
        }
        self.sts_global = reach
            .sts_regional_endpoints
            .as_deref()
            .is_some_and(|mode| mode.eq_ignore_ascii_case("legacy"))
            && STS_LEGACY_GLOBAL_REGIONS.contains(&self.region.as_str());
        Ok(self)
    }

    /// An IAM client signing with exactly `credentials`.
    pub async fn iam(&self, credentials: Credentials) -> aws_sdk_iam::Client {
        aws_sdk_iam::Client::new(&self.config(credentials).await)
    }

    /// An STS client signing with exactly `credentials`.
    pub async fn sts(&self, credentials: Credentials) -> aws_sdk_sts::Client {
        self.sts_from(&self.config(credentials).await)
    }

    /// An STS client from a configuration already loaded: through the global endpoint for
    /// `legacy`, unless an endpoint is configured (the SDK then goes where it says).
    pub fn sts_from(&self, config: &SdkConfig) -> aws_sdk_sts::Client {
        let configured = config.endpoint_url().is_some()
            || std::env::var_os("AWS_ENDPOINT_URL_STS").is_some_and(|v| !v.is_empty());
        if !self.sts_global || configured {
            return aws_sdk_sts::Client::new(config);
        }
        let sts = aws_sdk_sts::config::Builder::from(config)
            .endpoint_url(STS_GLOBAL_ENDPOINT)
            // The global endpoint signs in us-east-1, whatever the profile's region.
            .region(Region::new("us-east-1"))
            .build();
        aws_sdk_sts::Client::from_conf(sts)
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
        // In the user agent: `incident` tells awscheck's own calls from others' by it.
        if let Ok(name) = aws_config::AppName::new("awscheck") {
            loader = loader.app_name(name);
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

/// The same client trusting only the certificates in `bundle` (PEM), as the AWS CLI does with
/// `ca_bundle`. Every certificate is checked here: the HTTP client would panic on a bad one
/// at the first call.
fn http_client_trusting(bundle: &Path) -> Result<SharedHttpClient, String> {
    use rustls_pki_types::pem::PemObject;
    use rustls_pki_types::CertificateDer;
    let unusable = |why: String| format!("the CA bundle {} {why}", bundle.display());
    let pem = std::fs::read(bundle).map_err(|e| {
        unusable(format!(
            "cannot be read: {}",
            crate::input::source::describe(&e)
        ))
    })?;
    let certificates = CertificateDer::pem_slice_iter(&pem)
        .collect::<Result<Vec<_>, _>>()
        .map_err(|_| unusable("is not a PEM file of certificates".to_string()))?;
    if certificates.is_empty() {
        return Err(unusable("holds no certificate".to_string()));
    }
    let mut roots = rustls::RootCertStore::empty();
    for (n, certificate) in certificates.into_iter().enumerate() {
        roots.add(certificate).map_err(|_| {
            unusable(format!(
                "holds a certificate that cannot be used (number {})",
                n + 1
            ))
        })?;
    }
    let trust = tls::TrustStore::empty()
        .with_native_roots(false)
        .with_pem_certificate(pem);
    let context = tls::TlsContext::builder()
        .with_trust_store(trust)
        .build()
        .map_err(|e| unusable(e.to_string()))?;
    Ok(aws_smithy_http_client::Builder::new()
        .tls_provider(tls::Provider::Rustls(CryptoMode::Ring))
        .tls_context(context)
        .build_https())
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

/// `AWS_REGION`, else `AWS_DEFAULT_REGION` (which the AWS CLI sets), else the profile's.
fn region(profile_region: Option<&str>) -> String {
    ["AWS_REGION", "AWS_DEFAULT_REGION"]
        .iter()
        .find_map(|name| std::env::var(name).ok().filter(|r| !r.is_empty()))
        .or_else(|| profile_region.map(str::to_string))
        .unwrap_or_else(|| "us-east-1".to_string())
}

/// The AWS error code of a failed call. Some emulators answer with error documents the SDK
/// cannot parse; the code is still in the body as `<Code>...</Code>`.
pub(super) fn error_code<E: ProvideErrorMetadata>(
    error: &SdkError<E, HttpResponse>,
) -> Option<String> {
    error.code().map(str::to_string).or_else(|| {
        let body = std::str::from_utf8(error.raw_response()?.body().bytes()?).ok()?;
        let start = body.find("<Code>")? + "<Code>".len();
        let end = start + body[start..].find("</Code>")?;
        Some(body[start..end].trim().to_string())
    })
}

/// The message of the deepest error in the chain: "Connection refused", not five layers of
/// wrappers.
pub(super) fn innermost(error: &(dyn std::error::Error + 'static)) -> String {
    let mut current = error;
    while let Some(source) = current.source() {
        current = source;
    }
    current.to_string()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sys::env::Env;

    fn connection(region: &str) -> Connection {
        let env = Env::from_pairs([("HOME", "/nonexistent")]);
        let locations =
            crate::input::locate::at(&env, "/nonexistent/c".into(), "/nonexistent/k".into());
        let timeout = Duration::from_secs(1);
        Connection::new(&locations, "dev", None, timeout, timeout).in_region(region)
    }

    #[test]
    fn legacy_sts_endpoints_are_global_only_in_the_regions_that_had_them() {
        let legacy = Reach {
            sts_regional_endpoints: Some("legacy".to_string()),
            ..Reach::default()
        };
        assert!(
            connection("eu-west-1")
                .reaching(&legacy)
                .unwrap()
                .sts_global
        );
        assert!(
            !connection("cn-north-1")
                .reaching(&legacy)
                .unwrap()
                .sts_global
        );
        assert!(
            !connection("eu-south-2")
                .reaching(&legacy)
                .unwrap()
                .sts_global
        );
        let regional = Reach {
            sts_regional_endpoints: Some("regional".to_string()),
            ..Reach::default()
        };
        assert!(
            !connection("eu-west-1")
                .reaching(&regional)
                .unwrap()
                .sts_global
        );
    }

    #[test]
    fn the_environment_comes_before_the_profile() {
        let config =
            "[profile dev]\nca_bundle = /etc/profile.pem\nsts_regional_endpoints = legacy\n";
        let set = crate::profiles::set::ProfileSet::from_texts(config, "").unwrap();
        let section = set.profile("dev");
        let env = Env::from_pairs([("AWS_CA_BUNDLE", "/etc/env.pem")]);
        let reach = Reach::of(&env, section);
        assert_eq!(reach.ca_bundle, Some(PathBuf::from("/etc/env.pem")));
        assert_eq!(reach.sts_regional_endpoints.as_deref(), Some("legacy"));
        assert_eq!(Reach::of(&env, None).sts_regional_endpoints, None);
    }

    #[test]
    fn a_ca_bundle_that_cannot_be_used_is_one_line_naming_it() {
        let dir = tempfile::tempdir().unwrap();
        let cases = [
            ("missing.pem", None),
            ("empty.pem", Some("")),
            (
                "junk.pem",
                Some("-----BEGIN CERTIFICATE-----\nnot base64\n-----END CERTIFICATE-----\n"),
            ),
            (
                "not-a-cert.pem",
                Some("-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n"),
            ),
        ];
        for (name, text) in cases {
            let path = dir.path().join(name);
            if let Some(text) = text {
                std::fs::write(&path, text).unwrap();
            }
            let reach = Reach {
                ca_bundle: Some(path),
                ..Reach::default()
            };
            let error = connection("eu-west-1").reaching(&reach).unwrap_err();
            assert!(
                error.contains(name) && error.lines().count() == 1,
                "{error}"
            );
        }
        let good = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/tls/ca.pem");
        let reach = Reach {
            ca_bundle: Some(good),
            ..Reach::default()
        };
        assert!(connection("eu-west-1").reaching(&reach).is_ok());
    }
}
