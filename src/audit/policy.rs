//! What a leaked key can do, from the policies of its IAM user and the user's groups.
//!
//! Not a full IAM evaluator: a fixed set of probe actions is tried against every statement,
//! as IAM would (an explicit Deny wins, then an Allow that matches action and resource), with
//! wildcards and `NotAction` / `NotResource` evaluated rather than pattern-matched by name. An
//! Allow under a Condition is not counted: it does not hold for a copied key on its own (an
//! MFA condition, a source IP). Policy variables such as `${aws:username}` match only the
//! user itself, so self-service statements never count as power over others.

use serde_json::Value;

/// Probes for "can do anything": one action of each kind of service, on another resource.
const ADMIN_PROBES: [(&str, &str); 6] = [
    (
        "iam:CreateUser",
        "arn:aws:iam::000000000000:user/awscheck-probe",
    ),
    (
        "ec2:RunInstances",
        "arn:aws:ec2:us-east-1:000000000000:instance/i-0probe",
    ),
    ("s3:GetObject", "arn:aws:s3:::awscheck-probe/object"),
    (
        "lambda:CreateFunction",
        "arn:aws:lambda:us-east-1:000000000000:function:probe",
    ),
    (
        "kms:Decrypt",
        "arn:aws:kms:us-east-1:000000000000:key/probe",
    ),
    ("organizations:LeaveOrganization", "*"),
];

/// Probes for full control of IAM.
const IAM_PROBES: [(&str, &str); 3] = [
    (
        "iam:CreateUser",
        "arn:aws:iam::000000000000:user/awscheck-probe",
    ),
    (
        "iam:CreateRole",
        "arn:aws:iam::000000000000:role/awscheck-probe",
    ),
    (
        "iam:DeletePolicy",
        "arn:aws:iam::000000000000:policy/awscheck-probe",
    ),
];

/// Well-known ways to make oneself admin, each on any user, policy or group.
const ESCALATIONS: [(&str, &str); 7] = [
    (
        "iam:AttachUserPolicy",
        "arn:aws:iam::000000000000:user/awscheck-probe",
    ),
    (
        "iam:PutUserPolicy",
        "arn:aws:iam::000000000000:user/awscheck-probe",
    ),
    (
        "iam:CreatePolicyVersion",
        "arn:aws:iam::000000000000:policy/awscheck-probe",
    ),
    (
        "iam:AddUserToGroup",
        "arn:aws:iam::000000000000:group/awscheck-probe",
    ),
    (
        "iam:CreateAccessKey",
        "arn:aws:iam::000000000000:user/awscheck-probe",
    ),
    (
        "iam:CreateLoginProfile",
        "arn:aws:iam::000000000000:user/awscheck-probe",
    ),
    (
        "iam:UpdateLoginProfile",
        "arn:aws:iam::000000000000:user/awscheck-probe",
    ),
];

/// One policy and where it comes from ("attached to the user", "inline in group Admins").
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Source {
    pub name: String,
    pub via: String,
    /// The policy document, as JSON (already URL-decoded).
    pub document: String,
}

impl Source {
    fn describe(&self) -> String {
        format!("{} ({})", self.name, self.via)
    }
}

/// What the policies let the key do.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Assessment {
    /// The policy that makes it an administrator.
    pub admin: Option<String>,
    /// The policy that gives it all of IAM.
    pub iam_full: Option<String>,
    /// Ways it can make itself admin: (action, policy).
    pub escalations: Vec<(&'static str, String)>,
    /// A policy denies calls made without MFA.
    pub mfa_enforced: Option<String>,
    /// Documents that could not be read as policies.
    pub unparsed: Vec<String>,
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Effect {
    Allow,
    Deny,
}

struct Statement {
    effect: Effect,
    /// (patterns, negated): `Action` or `NotAction`.
    actions: (Vec<String>, bool),
    resources: (Vec<String>, bool),
    condition: Option<Value>,
}

/// Read and weigh every policy.
pub fn assess(sources: &[Source]) -> Assessment {
    let mut assessment = Assessment::default();
    let mut statements: Vec<(Statement, &Source)> = Vec::new();
    for source in sources {
        match statements_of(&source.document) {
            Some(found) => statements.extend(found.into_iter().map(|s| (s, source))),
            None => assessment.unparsed.push(source.describe()),
        }
    }
    // The Allow that grants `action`, unless an unconditional Deny takes it away.
    let granted_by = |action: &str, resource: &str| -> Option<&Source> {
        let denied = statements.iter().any(|(s, _)| {
            s.effect == Effect::Deny && s.condition.is_none() && s.matches(action, resource)
        });
        if denied {
            return None;
        }
        statements
            .iter()
            .find(|(s, _)| {
                s.effect == Effect::Allow && s.condition.is_none() && s.matches(action, resource)
            })
            .map(|(_, source)| *source)
    };
    let all_granted = |probes: &[(&str, &str)]| -> Option<String> {
        let sources: Vec<&Source> = probes
            .iter()
            .map(|(action, resource)| granted_by(action, resource))
            .collect::<Option<_>>()?;
        Some(sources[0].describe())
    };
    assessment.admin = all_granted(&ADMIN_PROBES);
    if assessment.admin.is_none() {
        assessment.iam_full = all_granted(&IAM_PROBES);
        for (action, resource) in ESCALATIONS {
            if let Some(source) = granted_by(action, resource) {
                assessment.escalations.push((action, source.describe()));
            }
        }
    }
    assessment.mfa_enforced = statements
        .iter()
        .find(|(s, _)| s.effect == Effect::Deny && s.denies_without_mfa())
        .map(|(_, source)| source.describe());
    assessment
}

/// Every statement of a policy document; `None` when it is not one.
fn statements_of(document: &str) -> Option<Vec<Statement>> {
    let value: Value = serde_json::from_str(document).ok()?;
    let statements = match &value["Statement"] {
        Value::Array(items) => items.clone(),
        item @ Value::Object(_) => vec![item.clone()],
        _ => return None,
    };
    statements
        .iter()
        .map(|item| {
            let effect = match item["Effect"].as_str()? {
                "Allow" => Effect::Allow,
                "Deny" => Effect::Deny,
                _ => return None,
            };
            let pair = |positive: &str, negative: &str| match (&item[positive], &item[negative]) {
                (Value::Null, Value::Null) => None,
                (Value::Null, negated) => Some((strings(negated), true)),
                (plain, _) => Some((strings(plain), false)),
            };
            Some(Statement {
                effect,
                actions: pair("Action", "NotAction")?,
                resources: pair("Resource", "NotResource").unwrap_or((vec!["*".into()], false)),
                condition: item.get("Condition").filter(|c| !c.is_null()).cloned(),
            })
        })
        .collect()
}

fn strings(value: &Value) -> Vec<String> {
    match value {
        Value::String(one) => vec![one.clone()],
        Value::Array(many) => many
            .iter()
            .filter_map(|v| v.as_str().map(String::from))
            .collect(),
        _ => Vec::new(),
    }
}

impl Statement {
    fn matches(&self, action: &str, resource: &str) -> bool {
        let (actions, not_action) = &self.actions;
        let action_hit = actions
            .iter()
            .any(|p| glob(&p.to_ascii_lowercase(), &action.to_ascii_lowercase()));
        let (resources, not_resource) = &self.resources;
        let resource_hit = resources.iter().any(|p| glob(p, resource));
        (action_hit != *not_action) && (resource_hit != *not_resource)
    }

    /// The standard guard: deny (broadly) when `aws:MultiFactorAuthPresent` is false or absent.
    fn denies_without_mfa(&self) -> bool {
        let Some(condition) = &self.condition else {
            return false;
        };
        let names_mfa = ["BoolIfExists", "Bool"].iter().any(|operator| {
            condition[*operator]
                .as_object()
                .and_then(|keys| {
                    keys.iter()
                        .find(|(k, _)| k.eq_ignore_ascii_case("aws:MultiFactorAuthPresent"))
                })
                .is_some_and(|(_, value)| {
                    value.as_str() == Some("false")
                        || value.as_bool() == Some(false)
                        || value
                            .as_array()
                            .is_some_and(|a| a.iter().any(|v| v == "false"))
                })
        });
        names_mfa
            && ADMIN_PROBES
                .iter()
                .any(|(action, resource)| self.matches(action, resource))
    }
}

/// IAM's wildcard match: `*` any run, `?` one character. A policy variable (`${...}`) matches
/// only itself, so a statement scoped to the caller never covers another user.
fn glob(pattern: &str, text: &str) -> bool {
    let (p, t): (Vec<char>, Vec<char>) = (pattern.chars().collect(), text.chars().collect());
    let (mut pi, mut ti, mut star, mut mark) = (0, 0, None, 0);
    while ti < t.len() {
        if pi < p.len() && (p[pi] == '?' || p[pi] == t[ti]) {
            pi += 1;
            ti += 1;
        } else if pi < p.len() && p[pi] == '*' {
            star = Some(pi);
            mark = ti;
            pi += 1;
        } else if let Some(at) = star {
            pi = at + 1;
            mark += 1;
            ti = mark;
        } else {
            return false;
        }
    }
    p[pi..].iter().all(|c| *c == '*')
}

/// IAM answers policy documents URL-encoded (RFC 3986: `%XX`, spaces included).
pub fn url_decode(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let hex = bytes
            .get(i + 1..i + 3)
            .and_then(|h| std::str::from_utf8(h).ok())
            .and_then(|h| u8::from_str_radix(h, 16).ok());
        match (bytes[i], hex) {
            (b'%', Some(byte)) => {
                out.push(byte);
                i += 3;
            }
            (byte, _) => {
                out.push(byte);
                i += 1;
            }
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn source(name: &str, document: &str) -> Source {
        Source {
            name: name.to_string(),
            via: "attached to the user".to_string(),
            document: document.to_string(),
        }
    }

    const ADMIN: &str =
        r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"*","Resource":"*"}]}"#;
    const READ_ONLY: &str = r#"{"Statement":[{"Effect":"Allow","Action":["s3:Get*","s3:List*","iam:Get*","iam:List*"],"Resource":"*"}]}"#;
    const IAM_ALL: &str = r#"{"Statement":{"Effect":"Allow","Action":"iam:*","Resource":"*"}}"#;
    const SELF_KEYS: &str = r#"{"Statement":[{"Effect":"Allow","Action":["iam:CreateAccessKey","iam:UpdateLoginProfile"],"Resource":"arn:aws:iam::*:user/${aws:username}"}]}"#;
    const FORCE_MFA: &str = r#"{"Statement":[{"Sid":"DenyAllExceptListedIfNoMFA","Effect":"Deny","NotAction":["iam:CreateVirtualMFADevice","iam:EnableMFADevice","iam:GetUser","iam:ListMFADevices","iam:ListVirtualMFADevices","iam:ResyncMFADevice","sts:GetSessionToken"],"Resource":"*","Condition":{"BoolIfExists":{"aws:MultiFactorAuthPresent":"false"}}}]}"#;

    #[test]
    fn admin_iam_and_escalation_are_told_apart() {
        let admin = assess(&[source("AdministratorAccess", ADMIN)]);
        assert_eq!(
            admin.admin.as_deref(),
            Some("AdministratorAccess (attached to the user)")
        );
        let read = assess(&[source("ReadOnly", READ_ONLY)]);
        assert_eq!(read, Assessment::default());
        let iam = assess(&[source("IAMFull", IAM_ALL)]);
        assert!(iam.admin.is_none());
        assert!(iam.iam_full.is_some());
        assert_eq!(iam.escalations.len(), ESCALATIONS.len());
        // Keys and passwords for oneself only: no power over anyone else.
        assert_eq!(assess(&[source("Self", SELF_KEYS)]), Assessment::default());
    }

    #[test]
    fn not_action_and_deny_are_evaluated_not_matched_by_name() {
        let almost_all = r#"{"Statement":[{"Effect":"Allow","NotAction":["iam:DeleteAccountPasswordPolicy"],"Resource":"*"}]}"#;
        assert!(assess(&[source("PowerUser", almost_all)]).admin.is_some());
        let no_iam = r#"{"Statement":[{"Effect":"Allow","NotAction":["iam:*","organizations:*"],"Resource":"*"}]}"#;
        let power_user = assess(&[source("PowerUserAccess", no_iam)]);
        assert!(power_user.admin.is_none() && power_user.escalations.is_empty());
        let denied = r#"{"Statement":[{"Effect":"Deny","Action":"iam:*","Resource":"*"}]}"#;
        let both = assess(&[source("Admin", ADMIN), source("NoIam", denied)]);
        assert!(both.admin.is_none() && both.iam_full.is_none() && both.escalations.is_empty());
        // A conditional Allow is not what a copied key can do alone.
        let on_mfa = r#"{"Statement":[{"Effect":"Allow","Action":"*","Resource":"*","Condition":{"Bool":{"aws:MultiFactorAuthPresent":"true"}}}]}"#;
        assert!(assess(&[source("AdminWithMfa", on_mfa)]).admin.is_none());
    }

    #[test]
    fn the_standard_mfa_guard_is_recognised() {
        let guarded = assess(&[source("Admin", ADMIN), source("ForceMFA", FORCE_MFA)]);
        assert_eq!(
            guarded.mfa_enforced.as_deref(),
            Some("ForceMFA (attached to the user)")
        );
        assert!(
            guarded.admin.is_some(),
            "the guard is conditional: the powers stay, behind MFA"
        );
        assert!(assess(&[source("Admin", ADMIN)]).mfa_enforced.is_none());
    }

    #[test]
    fn documents_are_url_decoded_and_bad_ones_reported() {
        assert_eq!(url_decode("%7B%22a%22%3A%20%22*%22%7D"), r#"{"a": "*"}"#);
        assert_eq!(url_decode("100%"), "100%");
        let bad = assess(&[source("Broken", "not json")]);
        assert_eq!(bad.unparsed, ["Broken (attached to the user)"]);
    }

    #[test]
    fn globs() {
        assert!(glob("iam:*", "iam:createuser"));
        assert!(glob("*", "anything"));
        assert!(glob("s3:Get*", "s3:GetObject"));
        assert!(!glob("s3:Get*", "s3:PutObject"));
        assert!(glob("arn:aws:iam::*:user/*", "arn:aws:iam::1:user/x"));
        assert!(!glob(
            "arn:aws:iam::*:user/${aws:username}",
            "arn:aws:iam::1:user/x"
        ));
        assert!(glob("a?c", "abc"));
    }
}
