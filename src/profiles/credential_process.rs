//! The `credential_process` line of a protected profile: written by `protect`, read by the
//! model (to know the profile is protected and by which key), by `unprotect`, `rotate` and the
//! rules. Both directions live here, so that what is written is what is read.
//!
//! `awscheck credential-process --profile NAME --key-id ID`, the program by name or by path,
//! quoted as a POSIX shell quotes: the SDKs split the line as a shell does.

use crate::sys::process::shell_quote as quote;

/// The `credential_process` line of `profile` for a key. The profile is named because the
/// AWS CLI tells the process nothing of it (`--profile dev` sets no variable), and the
/// session must be made through that profile's region and endpoint.
pub fn line(program: &str, profile: &str, key_id: &str) -> String {
    format!(
        "credential_process = {program} credential-process --profile {} --key-id {}",
        quote(profile),
        quote(key_id)
    )
}

/// The key ID a profile's `credential_process` hands out from the store, when the command is
/// `awscheck credential-process --key-id ID` (by name or path, quoted or not).
pub fn protected_key_id(command: &str) -> Option<&str> {
    // Asked for every credential_process profile by every rule: most name another program,
    // and a substring test rules them out without splitting the line.
    if !command.contains("credential-process") {
        return None;
    }
    let words = shell_words(command);
    let at = words.iter().position(|w| w == "credential-process")?;
    let program = words.get(at.checked_sub(1)?)?;
    if program.rsplit('/').next()? != "awscheck" {
        return None;
    }
    let rest = &words[at + 1..];
    let id = rest
        .iter()
        .enumerate()
        .find_map(|(i, word)| match word.strip_prefix("--key-id") {
            Some("") => rest.get(i + 1).map(String::as_str),
            Some(value) => value.strip_prefix('='),
            None => None,
        })?;
    // Access key IDs are letters and digits, so the ID is written in the line as it is: hand
    // out that part of the line rather than a copy.
    if id.is_empty() || !id.bytes().all(|b| b.is_ascii_alphanumeric()) {
        return None;
    }
    let after = command.find("--key-id")?;
    let start = after + command[after..].find(id)?;
    Some(&command[start..start + id.len()])
}

/// The profile a `credential_process` line of awscheck's says it runs for
/// (`credential-process --profile NAME`); `None` for a line from before lines named it.
pub fn protected_profile(command: &str) -> Option<String> {
    protected_key_id(command)?;
    let words = shell_words(command);
    let at = words.iter().position(|w| w == "credential-process")?;
    let rest = &words[at + 1..];
    rest.iter().enumerate().find_map(|(i, word)| {
        match word
            .strip_prefix("--profile")
            .or_else(|| word.strip_prefix("-p"))
        {
            Some("") => rest.get(i + 1).cloned(),
            Some(value) => value.strip_prefix('=').map(str::to_string),
            None => None,
        }
    })
}

/// Words as a POSIX shell splits them (quotes and backslashes), which is how the SDKs split a
/// `credential_process` line.
fn shell_words(command: &str) -> Vec<String> {
    let mut words = Vec::new();
    let mut word: Option<String> = None;
    let mut chars = command.chars();
    while let Some(c) = chars.next() {
        match c {
            c if c.is_whitespace() => words.extend(word.take()),
            '\'' => {
                let word = word.get_or_insert_with(String::new);
                word.extend(chars.by_ref().take_while(|&c| c != '\''));
            }
            '"' => {
                let word = word.get_or_insert_with(String::new);
                while let Some(c) = chars.next() {
                    match c {
                        '"' => break,
                        '\\' => word.extend(chars.next()),
                        c => word.push(c),
                    }
                }
            }
            '\\' => word.get_or_insert_with(String::new).extend(chars.next()),
            c => word.get_or_insert_with(String::new).push(c),
        }
    }
    words.extend(word);
    words
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn protected_key_ids_are_read_from_the_command() {
        let id = protected_key_id;
        assert_eq!(
            id("awscheck credential-process --key-id AKIAEXAMPLE"),
            Some("AKIAEXAMPLE")
        );
        assert_eq!(
            id("'/opt/my tools/awscheck' credential-process --key-id=AKIAX"),
            Some("AKIAX")
        );
        assert_eq!(id("aws-vault exec dev --json"), None);
        assert_eq!(id("awscheck credential-process"), None);
        assert_eq!(
            id("/usr/bin/notawscheck credential-process --key-id A"),
            None
        );
        let line = "awscheck credential-process --profile 'team dev' --key-id AKIAX";
        assert_eq!(id(line), Some("AKIAX"));
        assert_eq!(protected_profile(line).as_deref(), Some("team dev"));
        assert_eq!(
            protected_profile("awscheck credential-process --key-id AKIAX --profile=ci").as_deref(),
            Some("ci")
        );
        assert_eq!(
            protected_profile("awscheck credential-process --key-id AKIAX"),
            None
        );
        assert_eq!(protected_profile("aws-vault exec dev --profile x"), None);
    }

    #[test]
    fn a_written_line_reads_back_as_written() {
        for program in [
            "awscheck",
            "'/opt/my tools/awscheck'",
            "/usr/local/bin/awscheck",
        ] {
            for profile in ["dev", "team dev", "it's", "a\"b", "-p"] {
                let line = line(program, profile, "AKIAIOSFODNN7EXAMPLE");
                let command = line.strip_prefix("credential_process = ").unwrap();
                assert_eq!(
                    protected_key_id(command),
                    Some("AKIAIOSFODNN7EXAMPLE"),
                    "{line}"
                );
                assert_eq!(
                    protected_profile(command).as_deref(),
                    Some(profile),
                    "{line}"
                );
            }
        }
    }
}
