//! Property keys: the ones the SDKs and the tools around them know, each a byte, and any other
//! kept as text.
//!
//! A large setup holds tens of thousands of properties, nearly all under a dozen keys. Telling
//! those keys by a number keeps each merged property in 32 bytes and compares keys without
//! reading their text.

use compact_str::CompactString;
use std::fmt;

/// The keys read by the AWS SDKs and CLI, and the ones IAM Identity Center tools write: the
/// list, and a `match` that finds a key's number from its text, made from one list.
/// Any other key works the same; these are only faster and smaller.
macro_rules! known_keys {
    ($($name:literal),* $(,)?) => {
        const KNOWN: &[&str] = &[$($name),*];

        /// The known key spelled `key` (lower case), if it is one.
        fn find_known(key: &str) -> Option<KnownKey> {
            match key {
                $($name => Some({
                    const KEY: KnownKey = KnownKey::named($name);
                    KEY
                }),)*
                _ => None,
            }
        }
    };
}

known_keys![
    "aws_access_key_id",
    "aws_secret_access_key",
    "aws_session_token",
    "aws_security_token",
    "aws_account_id",
    "aws_credential_expiration",
    "region",
    "output",
    "role_arn",
    "source_profile",
    "credential_source",
    "external_id",
    "mfa_serial",
    "role_session_name",
    "duration_seconds",
    "web_identity_token_file",
    "sso_session",
    "sso_account_id",
    "sso_role_name",
    "sso_start_url",
    "sso_region",
    "sso_registration_scopes",
    "credential_process",
    "login_session",
    "ca_bundle",
    "cli_pager",
    "cli_timestamp_format",
    "cli_follow_urlparam",
    "cli_binary_format",
    "cli_auto_prompt",
    "cli_history",
    "max_attempts",
    "retry_mode",
    "endpoint_url",
    "ignore_configure_endpoint_urls",
    "services",
    "use_dualstack_endpoint",
    "use_fips_endpoint",
    "defaults_mode",
    "parameter_validation",
    "s3",
    "sts_regional_endpoints",
    "tcp_keepalive",
    "metadata_service_timeout",
    "metadata_service_num_attempts",
    "ec2_metadata_service_endpoint",
    "ec2_metadata_service_endpoint_mode",
    "ec2_metadata_v1_disabled",
    "request_checksum_calculation",
    "response_checksum_validation",
    "account_id_endpoint_mode",
    "sigv4a_signing_region_set",
    "disable_request_compression",
    "request_min_compression_size_bytes",
    "auth_scheme_preference",
    "sdk_ua_app_id",
    // aws-sso-util and granted, which generate a profile per account and role.
    "sso_auto_populated",
    "sso_account_name",
    "granted_sso_start_url",
    "granted_sso_region",
    "granted_sso_account_id",
    "granted_sso_role_name",
];

/// A key from [`KNOWN`], by its position there.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct KnownKey(u8);

/// The keys the code asks for by name: a lookup by number, no text to compare.
pub const AWS_ACCESS_KEY_ID: KnownKey = KnownKey::named("aws_access_key_id");
pub const AWS_SECRET_ACCESS_KEY: KnownKey = KnownKey::named("aws_secret_access_key");
pub const AWS_SESSION_TOKEN: KnownKey = KnownKey::named("aws_session_token");
pub const AWS_ACCOUNT_ID: KnownKey = KnownKey::named("aws_account_id");
pub const REGION: KnownKey = KnownKey::named("region");
pub const ROLE_ARN: KnownKey = KnownKey::named("role_arn");
pub const SOURCE_PROFILE: KnownKey = KnownKey::named("source_profile");
pub const CREDENTIAL_SOURCE: KnownKey = KnownKey::named("credential_source");
pub const EXTERNAL_ID: KnownKey = KnownKey::named("external_id");
pub const MFA_SERIAL: KnownKey = KnownKey::named("mfa_serial");
pub const ROLE_SESSION_NAME: KnownKey = KnownKey::named("role_session_name");
pub const WEB_IDENTITY_TOKEN_FILE: KnownKey = KnownKey::named("web_identity_token_file");
pub const SSO_SESSION: KnownKey = KnownKey::named("sso_session");
pub const SSO_ACCOUNT_ID: KnownKey = KnownKey::named("sso_account_id");
pub const SSO_ROLE_NAME: KnownKey = KnownKey::named("sso_role_name");
pub const SSO_START_URL: KnownKey = KnownKey::named("sso_start_url");
pub const SSO_REGION: KnownKey = KnownKey::named("sso_region");
pub const CREDENTIAL_PROCESS: KnownKey = KnownKey::named("credential_process");
pub const LOGIN_SESSION: KnownKey = KnownKey::named("login_session");

impl KnownKey {
    /// The known key `name`; a name not in [`KNOWN`] fails the build.
    const fn named(name: &str) -> KnownKey {
        let mut index = 0;
        while index < KNOWN.len() {
            if bytes_equal(KNOWN[index].as_bytes(), name.as_bytes()) {
                return KnownKey(index as u8);
            }
            index += 1;
        }
        panic!("not a known key")
    }

    /// The known key spelled `key` (lower case), if it is one.
    pub fn find(key: &str) -> Option<KnownKey> {
        find_known(key)
    }

    pub fn name(self) -> &'static str {
        KNOWN[usize::from(self.0)]
    }

    /// A number below [`KnownKey::COUNT`], unique to this key.
    pub fn index(self) -> u32 {
        u32::from(self.0)
    }

    /// The known key numbered `index`, if one is.
    pub fn from_index(index: u32) -> Option<KnownKey> {
        (index < KnownKey::COUNT).then_some(KnownKey(index as u8))
    }

    pub const COUNT: u32 = KNOWN.len() as u32;
}

// Sections keep a bit per known key in a `u64`.
const _: () = assert!(KNOWN.len() <= 64);

/// `a == b` for byte strings, in a constant.
const fn bytes_equal(a: &[u8], b: &[u8]) -> bool {
    if a.len() != b.len() {
        return false;
    }
    let mut index = 0;
    while index < a.len() {
        if a[index] != b[index] {
            return false;
        }
        index += 1;
    }
    true
}

/// A property's key, lower-cased as the SDKs compare keys.
#[derive(Clone, PartialEq, Eq)]
pub enum PropertyKey {
    Known(KnownKey),
    Other(CompactString),
}

impl PropertyKey {
    /// The key written `key` in a file; most are known and already in lower case.
    pub fn new(key: &str) -> Self {
        // Known keys are lower case: one found as written needs no look at its case.
        if let Some(known) = KnownKey::find(key) {
            return PropertyKey::Known(known);
        }
        // Only an upper-case letter can make a second look find it.
        if !key.bytes().any(|byte| byte.is_ascii_uppercase()) {
            return PropertyKey::Other(key.into());
        }
        let mut lower = CompactString::new(key);
        lower.make_ascii_lowercase();
        match KnownKey::find(&lower) {
            Some(known) => PropertyKey::Known(known),
            None => PropertyKey::Other(lower),
        }
    }

    pub fn as_str(&self) -> &str {
        match self {
            PropertyKey::Known(known) => known.name(),
            PropertyKey::Other(other) => other,
        }
    }
}

impl PartialEq<str> for PropertyKey {
    fn eq(&self, other: &str) -> bool {
        self.as_str() == other
    }
}

impl PartialEq<&str> for PropertyKey {
    fn eq(&self, other: &&str) -> bool {
        self.as_str() == *other
    }
}

impl fmt::Debug for PropertyKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(self.as_str(), f)
    }
}

impl fmt::Display for PropertyKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_known_key_is_found_by_its_text_and_no_other() {
        for (index, key) in KNOWN.iter().enumerate() {
            let found = KnownKey::find(key).expect(key);
            assert_eq!(found.index() as usize, index);
            assert_eq!(found.name(), *key);
            assert_eq!(KnownKey::from_index(found.index()), Some(found));
        }
        for other in [
            "",
            "a",
            "regio",
            "regions",
            "Region",
            "sso_session_",
            "s4",
            "x".repeat(300).as_str(),
        ] {
            assert_eq!(KnownKey::find(other), None, "{other}");
        }
        assert_eq!(KnownKey::from_index(KnownKey::COUNT), None);
    }

    #[test]
    fn named_keys_spell_their_names() {
        assert_eq!(REGION.name(), "region");
        assert_eq!(AWS_ACCESS_KEY_ID.name(), "aws_access_key_id");
        assert_eq!(KnownKey::find("login_session"), Some(LOGIN_SESSION));
    }

    #[test]
    fn known_keys_are_distinct_and_in_lower_case() {
        for (index, key) in KNOWN.iter().enumerate() {
            assert_eq!(key.to_ascii_lowercase(), *key);
            assert!(!KNOWN[..index].contains(key), "{key} twice");
        }
    }

    #[test]
    fn keys_are_lower_cased_known_or_not() {
        assert_eq!(PropertyKey::new("Region").as_str(), "region");
        assert!(matches!(
            PropertyKey::new("AWS_ACCESS_KEY_ID"),
            PropertyKey::Known(_)
        ));
        assert_eq!(
            PropertyKey::new("My_Setting"),
            PropertyKey::Other("my_setting".into())
        );
        assert_eq!(PropertyKey::new("region"), "region");
    }
}
