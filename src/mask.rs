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
    let count = key_id.chars().count();
    // Byte offset after the first `n` characters.
    let after = |n: usize| {
        key_id
            .char_indices()
            .nth(n)
            .map_or(key_id.len(), |(i, _)| i)
    };
    let mut masked = String::with_capacity(key_id.len() + '…'.len_utf8());
    if count >= 16 {
        masked.push_str(&key_id[..after(4)]);
        masked.push('…');
        masked.push_str(&key_id[after(count - 4)..]);
    } else {
        masked.push_str(&key_id[..after(count / 4)]);
        masked.push('…');
    }
    masked
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
        assert_eq!(mask_key_id("ÄKIAIOSFODNN7EXAMPLÉ"), "ÄKIA…MPLÉ");
        assert_eq!(mask_key_id("éééééééé"), "éé…");
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
