//! The IAM Identity Center portal's `Logout`: the access token of a cached SSO login stops
//! working, and with it every role session the portal would hand out for it. Unsigned: the
//! token is the credential.

use super::error::AwsError;
use super::sdk::Connection;
use crate::sys::mask::KeyDisplay;
use aws_credential_types::Credentials;

/// Sign out of the login whose access token is `token`, in the portal's `region`. A token the
/// portal no longer knows (expired, or signed out before) is signed out already.
pub async fn logout(connection: &Connection, token: &str) -> Result<(), AwsError> {
    // The SDK's configuration wants credentials; Logout is not signed with them.
    let unused = Credentials::new("", "", None, None, "awscheck-sso-logout");
    let config = connection.config(unused).await;
    let answer = aws_sdk_sso::Client::new(&config)
        .logout()
        .access_token(token)
        .send()
        .await;
    match answer {
        Ok(_) => Ok(()),
        Err(error) => {
            let error = AwsError::from_sdk("sso:Logout", error, &[token], KeyDisplay::default());
            match error.code.as_deref() {
                Some("UnauthorizedException") => Ok(()),
                _ => Err(error),
            }
        }
    }
}
