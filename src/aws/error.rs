//! What a failed AWS call means, in one type for every caller: the online audit turns it into
//! a note on the key, `rotate` into a pause, an undo or an end, `credential-process` into its
//! one line on stderr. Its words never hold a secret: AWS's own text is scrubbed of the
//! secrets signed with, and of full key IDs, before it is kept.

use super::sdk::{error_code, innermost};
use crate::sys::mask::{scrub, KeyDisplay};
use aws_sdk_iam::error::{ProvideErrorMetadata, SdkError};
use aws_smithy_runtime_api::client::orchestrator::HttpResponse;
use aws_smithy_types::error::display::DisplayErrorContext;
use std::fmt;

/// What a failure tells the caller to do next.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FailureKind {
    /// AWS does not (yet) accept the key: deleted, wrong secret, or a new key still propagating.
    Rejected,
    /// The thing acted on does not exist. For a delete, that is the goal.
    NotFound,
    /// The session ran out; a new one fixes it.
    Expired,
    /// Trying again later may work: throttling, AWS's own errors, time-outs, the network. The
    /// call may also have been carried out with its answer lost.
    Transient,
    /// AWS said no and will say it again: AccessDenied, the key quota, a bad request.
    Permanent,
}

/// How the call ended without an answer to use.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Ending {
    /// AWS (or something in its place) answered with an error.
    Answered,
    /// No answer within the time allowed.
    TimedOut,
    /// AWS could not be reached: no network, no name, a refused connection.
    Unreachable,
    /// The request could not be made, or its answer not read.
    Unreadable,
}

/// A failed call, in words: which action, AWS's error code when there is one, what happened.
#[derive(Clone, Debug)]
pub struct AwsError {
    pub action: &'static str,
    pub code: Option<String>,
    /// What AWS said, when it said something; scrubbed.
    said: Option<String>,
    /// What happened, in a few words: AWS's message, or the innermost error; scrubbed.
    detail: String,
    pub kind: FailureKind,
    pub ending: Ending,
    /// The whole chain of errors, for an ending that is [`Ending::Unreadable`]; scrubbed.
    chain: Option<String>,
}

/// Codes meaning the caller may not do this, whoever it is.
const DENIED: [&str; 3] = [
    "AccessDenied",
    "AccessDeniedException",
    "UnauthorizedOperation",
];
/// Codes meaning AWS asked the caller to slow down.
const THROTTLED: [&str; 3] = ["Throttling", "ThrottlingException", "RequestLimitExceeded"];

fn kind_of_code(code: &str) -> FailureKind {
    match code {
        "InvalidClientTokenId" | "SignatureDoesNotMatch" | "InvalidAccessKeyId" => {
            FailureKind::Rejected
        }
        "NoSuchEntity" => FailureKind::NotFound,
        "ExpiredToken" | "ExpiredTokenException" => FailureKind::Expired,
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
        | "PriorRequestNotComplete" => FailureKind::Transient,
        _ => FailureKind::Permanent,
    }
}

impl AwsError {
    /// What the SDK's `error` for `action` means; `secrets` are what AWS's text must not show,
    /// and `keys` how the key IDs in it appear.
    pub fn from_sdk<E>(
        action: &'static str,
        error: SdkError<E, HttpResponse>,
        secrets: &[&str],
        keys: KeyDisplay,
    ) -> Self
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
                FailureKind::Permanent
            }
            _ => FailureKind::Transient,
        };
        let ending = match &error {
            SdkError::ServiceError(_) => Ending::Answered,
            SdkError::TimeoutError(_) => Ending::TimedOut,
            SdkError::DispatchFailure(_) => Ending::Unreachable,
            _ if code.is_some() => Ending::Answered,
            _ => Ending::Unreadable,
        };
        let detail = match &error {
            SdkError::ServiceError(_) => error.message().unwrap_or("no message").to_string(),
            SdkError::TimeoutError(_) => "timed out".to_string(),
            _ => innermost(&error),
        };
        let chain = (ending == Ending::Unreadable).then(|| DisplayErrorContext(&error).to_string());
        // AWS's own text may quote key IDs in full, and nothing guarantees it never quotes what
        // was signed with.
        let clean = |text: &str| scrub(text, secrets, keys);
        AwsError {
            action,
            said: error.message().map(clean),
            detail: clean(&detail),
            chain: chain.as_deref().map(clean),
            code,
            kind,
            ending,
        }
    }

    /// A call that succeeded but whose answer lacks what it exists to return.
    pub fn missing(action: &'static str, what: &str) -> Self {
        AwsError {
            action,
            code: None,
            said: None,
            detail: format!("no {what} in the answer"),
            kind: FailureKind::Transient,
            ending: Ending::Unreadable,
            chain: None,
        }
    }

    pub fn is_rejection(&self) -> bool {
        self.kind == FailureKind::Rejected
    }

    /// The caller may not do this (a policy says no), which says nothing of the key.
    pub fn is_denied(&self) -> bool {
        self.code
            .as_deref()
            .is_some_and(|code| DENIED.contains(&code))
    }

    pub fn is_throttled(&self) -> bool {
        self.code
            .as_deref()
            .is_some_and(|code| THROTTLED.contains(&code))
    }

    /// What AWS said, when it said something.
    pub fn said(&self) -> Option<&str> {
        self.said.as_deref()
    }

    /// What happened, in a few words.
    pub fn detail(&self) -> &str {
        &self.detail
    }

    /// Every error in the chain, outermost first, when the request could not be made or its
    /// answer not read.
    pub fn chain(&self) -> Option<&str> {
        self.chain.as_deref()
    }
}

impl fmt::Display for AwsError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.code {
            Some(code) => write!(f, "{} failed: {code}: {}", self.action, self.detail),
            None => write!(f, "{} failed: {}", self.action, self.detail),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_say_what_comes_next() {
        assert_eq!(kind_of_code("NoSuchEntity"), FailureKind::NotFound);
        assert_eq!(kind_of_code("Throttling"), FailureKind::Transient);
        assert_eq!(kind_of_code("AccessDenied"), FailureKind::Permanent);
        assert_eq!(kind_of_code("LimitExceeded"), FailureKind::Permanent);
        assert_eq!(kind_of_code("ExpiredToken"), FailureKind::Expired);
        assert_eq!(kind_of_code("SignatureDoesNotMatch"), FailureKind::Rejected);
    }
}
