//! Who signs a rotation's IAM calls: the old key until the new one is proven, the new key
//! after, or an MFA session made with one of them when the profile names an MFA device
//! (self-service policies often deny IAM without MFA).

use super::Ask;
use crate::aws::calls::{until_accepted, Aws};
use crate::aws::error::AwsError;
use crate::sys::say::say;
use aws_credential_types::Credentials;
use std::io::Write;
use std::time::Duration;

/// Why no MFA session could be had.
pub enum NoSession {
    /// Nobody gave a code: no `--mfa-code` left, and no terminal to ask on.
    NoCode {
        serial: String,
    },
    Aws(AwsError),
}

pub struct Signer {
    mfa_serial: Option<String>,
    /// `--mfa-code`: AWS takes a code once, so it makes one session and is then spent.
    code: Option<String>,
    session: Option<Credentials>,
    propagation_limit: Duration,
}

impl Signer {
    pub fn new(mfa_serial: Option<String>, code: Option<String>, limit: Duration) -> Self {
        Signer {
            mfa_serial,
            code,
            session: None,
            propagation_limit: limit,
        }
    }

    pub fn mfa_serial(&self) -> Option<&str> {
        self.mfa_serial.as_deref()
    }

    /// What to sign with when `key` is the key that works now: `key` itself, or an MFA
    /// session (made with `key` unless this run already has one).
    pub async fn credentials(
        &mut self,
        aws: &Aws,
        key: &Credentials,
        ask: &mut dyn Ask,
        out: &mut dyn Write,
    ) -> Result<Credentials, NoSession> {
        let Some(serial) = self.mfa_serial.clone() else {
            return Ok(key.clone());
        };
        if let Some(session) = &self.session {
            return Ok(session.clone());
        }
        let code = match self.code.take() {
            Some(code) => code,
            None => ask.mfa_code(&serial).ok_or(NoSession::NoCode {
                serial: serial.clone(),
            })?,
        };
        // A new key may still be propagating; a rejected call never consumed the code.
        // An hour: a rotation may wait twice for IAM to accept a new key, and a 15-minute
        // session can run out in between.
        let session = until_accepted(self.propagation_limit, || {
            aws.session(key, Some((&serial, code.trim())), 3600)
        })
        .await
        .map_err(NoSession::Aws)?;
        say(out, format_args!("  MFA session with {serial}"));
        self.session = Some(session.clone());
        Ok(session)
    }

    /// Forget a session AWS says has expired; false when there was none to forget.
    pub fn expire(&mut self) -> bool {
        self.session.take().is_some()
    }
}
