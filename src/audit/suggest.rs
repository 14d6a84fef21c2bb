//! Commands awscheck suggests, built so that each can be pasted into a shell and run as printed:
//! every argument quoted, the files awscheck read named when they are not the default ones, and
//! key IDs either in full (when the user asked to see them) or found by the part a mask shows.
//! A masked ID in a command (`--access-key-id AKIA…O2NV`) could not be run.

use crate::input::locate::{Location, Locations, Reason};
use crate::sys::mask::{self, KeyDisplay};

pub use crate::sys::process::shell_quote as quote;

/// Suggestions for one setup: which files, and how key IDs are shown.
#[derive(Clone, Copy)]
pub struct Suggest<'a> {
    pub locations: &'a Locations,
    pub keys: KeyDisplay,
}

impl<'a> Suggest<'a> {
    pub fn new(locations: &'a Locations, keys: KeyDisplay) -> Self {
        Suggest { locations, keys }
    }

    /// `aws iam delete-access-key` for `key_id`, signed by `profile`.
    pub fn delete_key(&self, profile: &str, key_id: &str) -> String {
        self.aws_on_key("delete-access-key", "", profile, key_id)
    }

    /// `aws iam update-access-key --status Inactive` for `key_id`, signed by `profile`.
    pub fn deactivate_key(&self, profile: &str, key_id: &str) -> String {
        self.aws_on_key("update-access-key", " --status Inactive", profile, key_id)
    }

    /// `awscheck ARGS`, with `--config-file` / `--credentials-file` for files that are not in
    /// the default places, so the command acts on the same files as this run.
    pub fn awscheck(&self, args: &[&str]) -> String {
        let mut command = String::from("awscheck");
        for arg in args {
            command.push(' ');
            // Rules build one of these per profile: a plain word is copied, not quoted anew.
            match crate::sys::process::is_shell_word(arg) {
                true => command.push_str(arg),
                false => command.push_str(&quote(arg)),
            }
        }
        for (flag, location) in self.given() {
            command.push_str(&format!(
                " --{flag} {}",
                quote(&absolute(location).to_string_lossy())
            ));
        }
        command
    }

    /// `awscheck rotate --profile PROFILE EXTRA...` on the same files.
    pub fn rotate(&self, profile: &str, extra: &[&str]) -> String {
        let mut args = vec!["rotate", "--profile", profile];
        args.extend_from_slice(extra);
        self.awscheck(&args)
    }

    fn aws_on_key(&self, action: &str, extra: &str, profile: &str, key_id: &str) -> String {
        let profile = quote(profile);
        let (head, tail) = mask::visible_parts(key_id);
        let plain = |part: &str| part.bytes().all(|b| b.is_ascii_alphanumeric());
        let key = if self.keys.reveal || !plain(head) || !plain(tail) || head.is_empty() {
            // An ID that is not AWS-shaped cannot be matched on its visible part; it is not a
            // real key either, so it is shown.
            quote(key_id)
        } else {
            let mut query = format!("AccessKeyMetadata[?starts_with(AccessKeyId, '{head}')");
            if !tail.is_empty() {
                query.push_str(&format!(" && ends_with(AccessKeyId, '{tail}')"));
            }
            query.push_str("].AccessKeyId");
            format!(
                "\"$({}aws iam list-access-keys --profile {profile} --output text --query \"{query}\")\"",
                self.env_prefix()
            )
        };
        format!(
            "{}aws iam {action} --access-key-id {key}{extra} --profile {profile}",
            self.env_prefix()
        )
    }

    /// `AWS_CONFIG_FILE=... ` words for the AWS CLI, for files not in the default places.
    fn env_prefix(&self) -> String {
        self.given()
            .map(|(_, location)| {
                let variable = match location.kind {
                    crate::parse::origin::FileKind::Config => "AWS_CONFIG_FILE",
                    crate::parse::origin::FileKind::Credentials => "AWS_SHARED_CREDENTIALS_FILE",
                };
                format!(
                    "{variable}={} ",
                    quote(&absolute(location).to_string_lossy())
                )
            })
            .collect()
    }

    /// The files named by a flag or variable, with the awscheck flag for each.
    fn given(&self) -> impl Iterator<Item = (&'static str, &'a Location)> {
        [
            ("config-file", &self.locations.config),
            ("credentials-file", &self.locations.credentials),
        ]
        .into_iter()
        .filter(|(_, location)| location.reason != Reason::Default)
    }
}

/// A relative path would name another file once the user is in another folder.
fn absolute(location: &Location) -> std::path::PathBuf {
    std::path::absolute(&location.path).unwrap_or_else(|_| location.path.clone())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::input::locate::{locate, Overrides};
    use crate::sys::env::Env;

    fn locations(credentials: Option<&str>) -> Locations {
        let env = Env::from_pairs([("HOME", "/home/me")]);
        locate(
            &env,
            &Overrides {
                config_file: None,
                credentials_file: credentials.map(Into::into),
            },
        )
    }

    #[test]
    fn masked_ids_are_looked_up_by_what_the_mask_shows() {
        let locations = locations(None);
        let suggest = Suggest::new(&locations, KeyDisplay::default());
        assert_eq!(
            suggest.delete_key("dev", "AKIAIOSFODNN7EXAMPLE"),
            "aws iam delete-access-key --access-key-id \"$(aws iam list-access-keys --profile dev --output text --query \"AccessKeyMetadata[?starts_with(AccessKeyId, 'AKIA') && ends_with(AccessKeyId, 'MPLE')].AccessKeyId\")\" --profile dev"
        );
        let shown = Suggest::new(&locations, KeyDisplay { reveal: true });
        assert_eq!(
            shown.deactivate_key("my dev", "AKIAIOSFODNN7EXAMPLE"),
            "aws iam update-access-key --access-key-id AKIAIOSFODNN7EXAMPLE --status Inactive --profile 'my dev'"
        );
    }

    #[test]
    fn files_in_other_places_are_named() {
        let locations = locations(Some("/tmp/team creds"));
        let suggest = Suggest::new(&locations, KeyDisplay { reveal: true });
        assert_eq!(
            suggest.delete_key("dev", "AKIAIOSFODNN7EXAMPLE"),
            "AWS_SHARED_CREDENTIALS_FILE='/tmp/team creds' aws iam delete-access-key --access-key-id AKIAIOSFODNN7EXAMPLE --profile dev"
        );
        assert_eq!(
            suggest.awscheck(&["rotate", "--resume"]),
            "awscheck rotate --resume --credentials-file '/tmp/team creds'"
        );
        let defaults = self::locations(None);
        assert_eq!(
            Suggest::new(&defaults, KeyDisplay::default()).awscheck(&[
                "rotate",
                "--profile",
                "dev"
            ]),
            "awscheck rotate --profile dev"
        );
    }
}
