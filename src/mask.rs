//! How secrets and key IDs appear in output: secrets never, key IDs masked unless asked for.

/// Property keys whose values are secret. Anything named like a secret or a token counts,
/// except a token *file* path.
pub fn is_secret_key(key: &str) -> bool {
    let key = key.to_ascii_lowercase();
    matches!(
        key.as_str(),
        "aws_secret_access_key" | "aws_session_token" | "aws_security_token"
    ) || key.contains("secret")
        || key.contains("password")
        || (key.ends_with("token") && !key.ends_with("_file"))
}

/// Written in place of a secret value.
pub const REDACTED: &str = "<redacted>";

/// `AKIAIOSFODNN7EXAMPLE` -> `AKIA…MPLE`. Short IDs (not real AWS ones) show less, so a
/// mask never gives most of a value away.
pub fn mask_key_id(key_id: &str) -> String {
    let chars: Vec<char> = key_id.chars().collect();
    if chars.len() >= 16 {
        let head: String = chars[..4].iter().collect();
        let tail: String = chars[chars.len() - 4..].iter().collect();
        format!("{head}…{tail}")
    } else {
        let head: String = chars.iter().take(chars.len() / 4).collect();
        format!("{head}…")
    }
}

/// Key IDs as the user asked to see them.
#[derive(Clone, Copy, Debug, Default)]
pub struct KeyDisplay {
    pub reveal: bool,
}

impl KeyDisplay {
    pub fn show(self, key_id: &str) -> String {
        if self.reveal {
            key_id.to_string()
        } else {
            mask_key_id(key_id)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn masks_keep_four_and_four() {
        assert_eq!(mask_key_id("AKIAIOSFODNN7EXAMPLE"), "AKIA…MPLE");
        assert_eq!(mask_key_id("abc123"), "a…");
        assert_eq!(mask_key_id(""), "…");
    }

    #[test]
    fn secret_keys() {
        for key in [
            "aws_secret_access_key",
            "AWS_SESSION_TOKEN",
            "aws_security_token",
            "my_password",
        ] {
            assert!(is_secret_key(key), "{key}");
        }
        for key in [
            "aws_access_key_id",
            "web_identity_token_file",
            "region",
            "sso_session",
        ] {
            assert!(!is_secret_key(key), "{key}");
        }
    }
}
