//! What a rotation will change: which key, which profiles hold it, and the exact bytes of each
//! file that carry the old key ID and secret. Pure: reads the parsed files, touches nothing.

use crate::audit::Inputs;
use crate::input::source::{InputError, SourceFile};
use crate::parse::document::Document;
use crate::parse::origin::FileKind;
use crate::profiles::chain::{Base, Chain};
use crate::profiles::model::{CredentialKind, Model};
use std::ops::Range;
use std::path::PathBuf;

/// The key to replace and everything that holds it.
#[derive(Clone)]
pub struct Plan {
    pub profile: String,
    pub old_key_id: String,
    pub old_secret: String,
    /// Every profile (in either file) whose own key this is.
    pub profiles: Vec<String>,
    pub files: Vec<FileEdit>,
    pub mfa_serial: Option<String>,
    pub region: Option<String>,
    /// The key is in the secret store (`awscheck protect`); the files name only its ID.
    pub protected: bool,
}

impl std::fmt::Debug for Plan {
    // Hand-written so that no debug print can show the secret.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Plan")
            .field("profile", &self.profile)
            .field(
                "old_key_id",
                &crate::sys::mask::mask_key_id(&self.old_key_id),
            )
            .field("profiles", &self.profiles)
            .field("files", &self.files)
            .finish_non_exhaustive()
    }
}

/// The value spans to replace in one file.
#[derive(Clone, Debug)]
pub struct FileEdit {
    pub kind: FileKind,
    pub path: PathBuf,
    pub key_ids: Vec<Place>,
    pub secrets: Vec<Place>,
}

/// One value to replace: its bytes in the file and its line, for the report.
#[derive(Clone, Debug)]
pub struct Place {
    pub span: Range<usize>,
    pub line: usize,
}

/// Why a profile has nothing awscheck can rotate, in words for the user.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Refusal(pub String);

pub fn plan(inputs: &Inputs, model: &Model, profile: &str) -> Result<Plan, Refusal> {
    let Some(resolved) = model.profiles.iter().find(|p| p.name() == profile) else {
        let known: Vec<&str> = model.profiles.iter().map(|p| p.name()).collect();
        return Err(Refusal(format!(
            "no profile named `{profile}` (profiles: {})",
            if known.is_empty() {
                "none".to_string()
            } else {
                known.join(", ")
            }
        )));
    };
    let explain = |text: String| Err(Refusal(format!("profile {profile} {text}")));
    match (resolved.kind, &resolved.chain) {
        (CredentialKind::LongTermKey, _) => {}
        (CredentialKind::SessionKey, _) => {
            return explain("holds temporary credentials: they expire by themselves and IAM has no key to replace. Remove them from the file and let a role or SSO profile fetch fresh ones.".to_string())
        }
        (CredentialKind::AssumeRole, Ok(Chain { base: Base::AccessKey { profile: source, .. }, .. })) => {
            return explain(format!("assumes a role with the key of profile {source}: rotate that key with `awscheck rotate --profile {source}`"))
        }
        (CredentialKind::AssumeRole, _) => {
            return explain("assumes a role; its credentials are temporary. Nothing at the bottom of its chain is a long-term key to rotate.".to_string())
        }
        (CredentialKind::Sso | CredentialKind::SsoLegacy, _) => {
            return explain("uses IAM Identity Center: its credentials are short-lived and renewed by `aws sso login`; there is no key to rotate".to_string())
        }
        (CredentialKind::LoginSession, _) => {
            return explain("uses `aws login`: its credentials are short-lived and renewed by logging in again; there is no key to rotate".to_string())
        }
        (CredentialKind::ProtectedKey, _) => {}
        (CredentialKind::CredentialProcess, _) => {
            return explain("gets its credentials from a credential_process program: rotate them where that program keeps them".to_string())
        }
        (CredentialKind::WebIdentity | CredentialKind::CredentialSource, _) => {
            return explain("gets temporary credentials from its environment (web identity or credential_source); there is no key to rotate".to_string())
        }
        (CredentialKind::None, _) => return explain("holds no credentials".to_string()),
        (CredentialKind::Invalid, Err(error)) => return explain(format!("cannot be resolved: {error}")),
        (CredentialKind::Invalid, Ok(_)) => return explain("cannot be resolved".to_string()),
    }
    let protected = resolved.kind == CredentialKind::ProtectedKey;
    // A protected key's secret is in the secret store, not the files: the caller reads it.
    let secret = match protected {
        true => Some(""),
        false => resolved.section.get_named("aws_secret_access_key"),
    };
    let (Some(old_key_id), Some(old_secret)) = (resolved.own_key(), secret) else {
        return explain("holds no complete key of its own".to_string());
    };
    let profiles: Vec<String> = model
        .profiles
        .iter()
        .filter(|p| p.own_key() == Some(old_key_id))
        .map(|p| p.name().to_string())
        .collect();
    let files = edits_for_key(inputs, old_key_id, Some(old_secret).filter(|_| !protected))?;
    Ok(Plan {
        profile: profile.to_string(),
        old_key_id: old_key_id.to_string(),
        old_secret: old_secret.to_string(),
        profiles,
        files,
        mfa_serial: resolved.section.get_named("mfa_serial").map(str::to_string),
        region: resolved.section.get_named("region").map(str::to_string),
        protected,
    })
}

/// The edits that replace `key_id` (and its secret) in every file that holds it. Without the
/// secret (a resumed rotation never stored the old one), the secret beside each copy of the key
/// ID is replaced.
pub fn edits_for_key(
    inputs: &Inputs,
    key_id: &str,
    secret: Option<&str>,
) -> Result<Vec<FileEdit>, Refusal> {
    let mut files = Vec::new();
    for source in inputs.sources() {
        let edit = file_edit(source, key_id, secret).map_err(|error| Refusal(error.to_string()))?;
        if !edit.key_ids.is_empty() || !edit.secrets.is_empty() {
            files.push(edit);
        }
    }
    Ok(files)
}

/// Every place in one file holding the old key ID or secret, including copies the SDKs do
/// not read (a shadowed or ignored section): a stale copy of a rotated key is a leak waiting.
fn file_edit(
    source: &SourceFile,
    key_id: &str,
    secret: Option<&str>,
) -> Result<FileEdit, InputError> {
    let mut edit = FileEdit {
        kind: source.kind,
        path: source.path.clone(),
        key_ids: Vec::new(),
        secrets: Vec::new(),
    };
    for section in source.sections()? {
        let holds_key = section
            .properties
            .iter()
            .any(|p| p.key == "aws_access_key_id" && p.value == key_id);
        for property in section.properties {
            let place = Place {
                span: property.value_span.clone(),
                line: property.line,
            };
            let mut place = place;
            let target = match property.key.as_str() {
                "aws_access_key_id" if property.value == key_id => &mut edit.key_ids,
                // A protected profile names the key in its credential_process line: the ID's
                // own bytes there are what changes.
                "credential_process" => {
                    let raw = &source.document.text()[property.value_span.clone()];
                    let Some(id) = crate::profiles::credential_process::protected_key_id(raw)
                        .filter(|id| *id == key_id)
                    else {
                        continue;
                    };
                    let start =
                        property.value_span.start + (id.as_ptr() as usize - raw.as_ptr() as usize);
                    place.span = start..start + id.len();
                    &mut edit.key_ids
                }
                "aws_secret_access_key" if secret == Some(property.value.as_str()) || holds_key => {
                    &mut edit.secrets
                }
                _ => continue,
            };
            if property.last_line != property.line {
                return Err(InputError {
                    path: source.path.clone(),
                    line: Some(property.line),
                    message: "the key is continued over several lines; join it into one line first"
                        .to_string(),
                });
            }
            target.push(place);
        }
    }
    Ok(edit)
}

/// The file's text with every planned value replaced; nothing else changes.
pub fn apply(document: &Document, edit: &FileEdit, new_key_id: &str, new_secret: &str) -> Document {
    let mut replacements: Vec<(Range<usize>, &str)> = edit
        .key_ids
        .iter()
        .map(|place| (place.span.clone(), new_key_id))
        .chain(
            edit.secrets
                .iter()
                .map(|place| (place.span.clone(), new_secret)),
        )
        .collect();
    // From the end backwards, so earlier offsets stay valid.
    replacements.sort_by_key(|(span, _)| std::cmp::Reverse(span.start));
    let mut document = document.clone();
    for (span, value) in replacements {
        document = document.with_replacement(span, value);
    }
    document
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::input::locate::Overrides;
    use crate::sys::env::Env;

    fn setup(config: &str, credentials: &str) -> (tempfile::TempDir, Inputs) {
        let home = tempfile::tempdir().unwrap();
        std::fs::create_dir(home.path().join(".aws")).unwrap();
        std::fs::write(home.path().join(".aws/config"), config).unwrap();
        std::fs::write(home.path().join(".aws/credentials"), credentials).unwrap();
        let env = Env::from_pairs([("HOME", home.path().to_str().unwrap())]);
        let inputs = Inputs::load(&env, &Overrides::default()).unwrap();
        (home, inputs)
    }

    const CREDENTIALS: &str = "# keys\r\n[dev]\r\naws_access_key_id = AKIAOLDOLDOLDOLD0001 ; note\r\naws_secret_access_key=oldsecret\r\n\r\n[ci]\r\naws_access_key_id = AKIAOLDOLDOLDOLD0001\r\naws_secret_access_key = oldsecret\r\n[other]\r\naws_access_key_id = AKIAOTHEROTHER000002\r\naws_secret_access_key = othersecret";

    #[test]
    fn every_copy_of_the_key_is_edited_and_nothing_else() {
        let (_home, inputs) = setup(
            "[profile dev]\nregion = eu-west-1\nmfa_serial = arn:aws:iam::1:mfa/me\n",
            CREDENTIALS,
        );
        let set = inputs.profile_set().unwrap();
        let model = Model::build(&set);
        let plan = plan(&inputs, &model, "dev").unwrap();
        assert_eq!(plan.profiles, ["dev", "ci"]);
        assert_eq!(plan.mfa_serial.as_deref(), Some("arn:aws:iam::1:mfa/me"));
        assert_eq!(plan.files.len(), 1);
        let source = inputs.credentials.as_ref().unwrap();
        let edited = apply(
            &source.document,
            &plan.files[0],
            "AKIANEWNEWNEWNEW0003",
            "newsecret",
        );
        let expected = CREDENTIALS
            .replace("AKIAOLDOLDOLDOLD0001", "AKIANEWNEWNEWNEW0003")
            .replace("=oldsecret", "=newsecret")
            .replace("= oldsecret", "= newsecret");
        assert_eq!(edited.text(), expected);
    }

    #[test]
    fn profiles_without_a_key_of_their_own_are_explained() {
        let config = "[profile admin]\nrole_arn = arn:aws:iam::1:role/A\nsource_profile = dev\n[profile sso]\nsso_session = s\n[sso-session s]\nsso_start_url = https://x\nsso_region = us-east-1\n";
        let (_home, inputs) = setup(config, CREDENTIALS);
        let set = inputs.profile_set().unwrap();
        let model = Model::build(&set);
        let Refusal(text) = plan(&inputs, &model, "admin").unwrap_err();
        assert!(text.contains("awscheck rotate --profile dev"), "{text}");
        let Refusal(text) = plan(&inputs, &model, "sso").unwrap_err();
        assert!(text.contains("IAM Identity Center"), "{text}");
        let Refusal(text) = plan(&inputs, &model, "nope").unwrap_err();
        assert!(text.contains("no profile named"), "{text}");
    }
}
