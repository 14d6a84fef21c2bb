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

/// A secret access key is 40 characters of base64.
const SECRET_LENGTH: usize = 40;
/// STS session tokens run to hundreds of characters of base64.
const TOKEN_MIN_LENGTH: usize = 100;

/// The base64 alphabet, by byte: a table, since every byte of every message is looked up.
const BASE64: [bool; 256] = {
    let mut table = [false; 256];
    let mut b = 0;
    while b < 256 {
        table[b] = (b as u8).is_ascii_alphanumeric() || b == b'/' as usize || b == b'+' as usize;
        b += 1;
    }
    table
};

/// Whether `word` (a run of base64 characters) looks like a secret access key or a session
/// token: 40 characters, or 100 and more, with upper- and lower-case letters and digits. A
/// random 40-character key lacks one of the three once in a billion; a path or a name of that
/// exact length rarely has all three.
fn secret_shaped(word: &[u8]) -> bool {
    (word.len() == SECRET_LENGTH || word.len() >= TOKEN_MIN_LENGTH)
        && word.iter().any(u8::is_ascii_uppercase)
        && word.iter().any(u8::is_ascii_lowercase)
        && word.iter().any(u8::is_ascii_digit)
}

/// `text` with every secret-shaped word replaced by [`REDACTED`]: a value awscheck prints
/// may hold a secret it does not know (`credential_process = /bin/echo {"SecretAccessKey": …}`).
pub fn redact_secret_words(text: &str) -> std::borrow::Cow<'_, str> {
    let bytes = text.as_bytes();
    let base64 = |at: usize| BASE64[bytes[at] as usize];
    let mut out: Option<String> = None;
    let mut copied = 0;
    // Every run of 40 base64 bytes or more covers one of every 40th byte: only runs through
    // those are measured, so prose costs a fraction of a look per byte.
    let mut probe = SECRET_LENGTH - 1;
    while probe < bytes.len() {
        if !base64(probe) {
            probe += SECRET_LENGTH;
            continue;
        }
        let mut start = probe;
        while start > 0 && base64(start - 1) {
            start -= 1;
        }
        let mut end = probe + 1;
        while end < bytes.len() && base64(end) {
            end += 1;
        }
        // A run of base64 is ASCII, so its ends are character boundaries.
        if secret_shaped(&bytes[start..end]) {
            let out = out.get_or_insert_with(|| String::with_capacity(text.len()));
            out.push_str(&text[copied..start]);
            out.push_str(REDACTED);
            copied = end;
        }
        // The next run starts after `end`; its 40th byte is at `end + 40` at the latest.
        probe = end + SECRET_LENGTH;
    }
    match out {
        None => std::borrow::Cow::Borrowed(text),
        Some(mut out) => {
            out.push_str(&text[copied..]);
            std::borrow::Cow::Owned(out)
        }
    }
}

/// `AKIAIOSFODNN7EXAMPLE` -> `AKIA…MPLE`. Short IDs (not real AWS ones) show less, so a
/// mask never gives most of a value away.
pub fn mask_key_id(key_id: &str) -> String {
    let (head, tail) = visible_parts(key_id);
    let mut masked = String::with_capacity(head.len() + tail.len() + '…'.len_utf8());
    masked.push_str(head);
    masked.push('…');
    masked.push_str(tail);
    masked
}

/// The start and end of a key ID that its mask shows: four characters each for an ID of real
/// length, a quarter of a short one and no end. A suggested command that must find the key
/// without printing it matches on exactly these.
pub fn visible_parts(key_id: &str) -> (&str, &str) {
    let count = key_id.chars().count();
    // Byte offset after the first `n` characters.
    let after = |n: usize| {
        key_id
            .char_indices()
            .nth(n)
            .map_or(key_id.len(), |(i, _)| i)
    };
    if count >= 16 {
        (&key_id[..after(4)], &key_id[after(count - 4)..])
    } else {
        (&key_id[..after(count / 4)], "")
    }
}

/// The prefixes AWS documents for its unique IDs (access keys, users, roles, groups, policies,
/// certificates): whatever AWS writes in an error message about them is shown masked.
const ID_PREFIXES: [&str; 11] = [
    "ABIA", "ACCA", "AGPA", "AIDA", "AIPA", "AKIA", "ANPA", "ANVA", "APKA", "AROA", "ASIA",
];

/// Text that came from elsewhere (AWS's own error messages, an SDK's error chain), made fit to
/// print: every known secret replaced by [`REDACTED`], every AWS ID masked as `keys` asks.
/// AWS writes full key IDs into messages ("The Access Key with id AKIA… cannot be found").
pub fn scrub(text: &str, secrets: &[&str], keys: KeyDisplay) -> String {
    let mut text = redact_secret_words(text).into_owned();
    for secret in secrets.iter().filter(|s| !s.is_empty()) {
        if text.contains(secret) {
            text = text.replace(secret, REDACTED);
        }
    }
    if keys.reveal {
        return text;
    }
    let mut out = String::with_capacity(text.len());
    let mut rest = text.as_str();
    // Runs of upper-case letters and digits are the only candidates for an ID.
    while let Some(start) = rest.find(|c: char| c.is_ascii_uppercase()) {
        out.push_str(&rest[..start]);
        let run = &rest[start..];
        let end = run
            .find(|c: char| !(c.is_ascii_uppercase() || c.is_ascii_digit()))
            .unwrap_or(run.len());
        let word = &run[..end];
        let id_like = word.len() >= 16 && ID_PREFIXES.iter().any(|p| word.starts_with(p));
        let preceded_by_word = out.ends_with(|c: char| c.is_ascii_alphanumeric());
        if id_like && !preceded_by_word {
            out.push_str(&mask_key_id(word));
        } else {
            out.push_str(word);
        }
        rest = &run[end..];
    }
    out.push_str(rest);
    out
}

/// A name or path as it may appear in a notification: no control characters, at most 64
/// characters (then `…`).
pub fn notification_safe(name: &str) -> String {
    let cleaned: String = name
        .chars()
        .map(|c| if c.is_control() { '?' } else { c })
        .take(64)
        .collect();
    if name.chars().count() > 64 {
        format!("{cleaned}…")
    } else {
        cleaned
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
        assert_eq!(mask_key_id("ÄKIAIOSFODNN7EXAMPLÉ"), "ÄKIA…MPLÉ");
        assert_eq!(mask_key_id("éééééééé"), "éé…");
    }

    #[test]
    fn scrub_masks_ids_and_redacts_known_secrets() {
        let masked = KeyDisplay::default();
        assert_eq!(
            scrub(
                "The Access Key with id AKIAIOSFODNN7EXAMPLE cannot be found.",
                &[],
                masked
            ),
            "The Access Key with id AKIA…MPLE cannot be found."
        );
        assert_eq!(
            scrub(
                "user AIDAJQABLZS4A3QDU576Q: (ASIAY34FZKBOKMUTVV7A)",
                &[],
                masked
            ),
            "user AIDA…576Q: (ASIA…VV7A)"
        );
        // Not an ID: too short, inside a longer word, or no documented prefix.
        for text in ["AKIA1234", "xAKIAIOSFODNN7EXAMPLE", "ABCDEFGHIJKLMNOPQRST"] {
            assert_eq!(scrub(text, &[], masked), text);
        }
        assert_eq!(
            scrub(
                "sig for wJalrXUtnFEMI/K7MDENG",
                &["wJalrXUtnFEMI/K7MDENG"],
                masked
            ),
            "sig for <redacted>"
        );
        assert_eq!(
            scrub(
                "id AKIAIOSFODNN7EXAMPLE",
                &[""],
                KeyDisplay { reveal: true }
            ),
            "id AKIAIOSFODNN7EXAMPLE"
        );
    }

    #[test]
    fn secret_shaped_words_are_redacted_wherever_they_are() {
        let secret = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY";
        let line = format!(r#"/bin/echo {{"Version":1,"SecretAccessKey":"{secret}"}}"#);
        assert_eq!(
            redact_secret_words(&line),
            r#"/bin/echo {"Version":1,"SecretAccessKey":"<redacted>"}"#
        );
        let token = "IQoJb3JpZ2luX2Vj".to_string() + &"A1b2C3d4".repeat(20);
        assert_eq!(redact_secret_words(&format!("t={token};")), "t=<redacted>;");
        // At either end, twice, or between words of every length.
        let twice = format!("{secret} and {secret}");
        assert_eq!(redact_secret_words(&twice), "<redacted> and <redacted>");
        for pad in 0..45 {
            let text = format!("{} x {secret} y", "a".repeat(pad));
            assert_eq!(
                redact_secret_words(&text),
                format!("{} x <redacted> y", "a".repeat(pad))
            );
        }
        // Not secrets: too short or too long for a key, one kind of character missing, or
        // ordinary text around them.
        for text in [
            "aws-vault exec dev --json",
            "/usr/local/bin/awscheck credential-process --key-id AKIAIOSFODNN7EXAMPLE",
            "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKE",
            "WJALRXUTNFEMI/K7MDENG/BPXRFICYEXAMPLEKEY",
            "",
        ] {
            assert_eq!(redact_secret_words(text), text);
        }
        assert_eq!(
            scrub(
                &format!("bad signature for {secret}"),
                &[],
                KeyDisplay::default()
            ),
            "bad signature for <redacted>"
        );
    }

    #[test]
    fn visible_parts_are_what_the_mask_shows() {
        assert_eq!(visible_parts("AKIAIOSFODNN7EXAMPLE"), ("AKIA", "MPLE"));
        assert_eq!(visible_parts("abc123"), ("a", ""));
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
