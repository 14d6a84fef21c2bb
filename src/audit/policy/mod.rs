//! What a leaked key can do, judged as an attacker would, from the policies of its IAM user
//! and the user's groups.
//!
//! Not a full IAM evaluator: probe actions are tried against every statement as IAM would (an
//! explicit Deny wins, then an Allow that matches action and resource), with wildcards,
//! `NotAction` / `NotResource` and `${aws:username}` evaluated rather than matched by name.
//! Each probe is made as a thief with a copy of the key would make it ([`condition`]): an
//! Allow counts only if the thief can meet its Condition, a Deny only if they cannot avoid it.
//! Beyond "can it do anything", every path of the catalogue ([`paths`]) is tried on the key's
//! own user, groups and policies as well as on others': the verdict is a pure function of the
//! documents and the key's identity.

pub mod condition;
mod document;
pub mod paths;

use condition::Holder;
pub use document::url_decode;
use document::{statements_of, Effect, Statement};
use paths::{On, Path};

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

/// Who the key is: what "its own" user, groups and policies are.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Principal {
    /// `arn:aws:iam::123456789012:user/ci`.
    pub arn: String,
    /// The ARNs of the user's groups.
    pub groups: Vec<String>,
    /// The ARNs of the managed policies attached to the user or its groups.
    pub policies: Vec<String>,
}

impl Principal {
    /// `ci` of `arn:aws:iam::1:user/path/ci`; `None` for root or a role.
    fn user(&self) -> Option<&str> {
        let (_, path) = self.arn.split_once(":user/")?;
        path.rsplit('/').next()
    }

    /// `arn:aws:iam::123456789012:` of the key's own ARN, for another resource of its account.
    fn account_prefix(&self) -> String {
        let mut parts = self.arn.splitn(6, ':');
        let (Some(arn), Some(partition), Some(service), Some(region), Some(account)) = (
            parts.next(),
            parts.next(),
            parts.next(),
            parts.next(),
            parts.next(),
        ) else {
            return "arn:aws:iam::000000000000:".to_string();
        };
        format!("{arn}:{partition}:{service}:{region}:{account}:")
    }
}

/// A path the policies leave open.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Found {
    pub path: &'static Path,
    /// What each need was met with, in order.
    pub grants: Vec<Grant>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Grant {
    pub action: String,
    /// The short name of what it is allowed on (`Deployers`), or empty for "some resource".
    pub target: String,
    /// The policy that allows it.
    pub source: String,
}

impl Found {
    /// "can write an admin policy into its own group Deployers (iam:PutGroupPolicy)".
    pub fn says(&self) -> String {
        let target = self
            .grants
            .first()
            .map(|g| g.target.as_str())
            .unwrap_or_default();
        let actions: Vec<&str> = self.grants.iter().map(|g| g.action.as_str()).collect();
        let said = self.path.says.replace("{target}", target);
        format!("{} ({})", said.trim_end(), actions.join(", "))
    }

    /// The policies that open it, each once.
    pub fn through(&self) -> String {
        let mut sources: Vec<&str> = Vec::new();
        for grant in &self.grants {
            if !sources.contains(&grant.source.as_str()) {
                sources.push(&grant.source);
            }
        }
        sources.join(", ")
    }
}

/// What the policies let a copy of the key do.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Assessment {
    /// The policy that makes it an administrator.
    pub admin: Option<String>,
    /// An administrator only with MFA: a Deny stops a copy of the key alone.
    pub admin_behind_mfa: Option<String>,
    /// The policy that gives it all of IAM.
    pub iam_full: Option<String>,
    /// Ways it can make itself admin.
    pub paths: Vec<Found>,
    /// Ways it can take over code that runs under a role, without IAM.
    pub takeover: Vec<Found>,
    /// A policy denies calls made without MFA.
    pub mfa_enforced: Option<String>,
    /// Documents that could not be read as policies.
    pub unparsed: Vec<String>,
}

/// Read and weigh every policy for a key of `principal`.
pub fn assess(sources: &[Source], principal: &Principal) -> Assessment {
    let mut assessment = Assessment::default();
    let mut statements: Vec<(Statement, &Source)> = Vec::new();
    for source in sources {
        match statements_of(&source.document) {
            Some(found) => statements.extend(found.into_iter().map(|s| (s, source))),
            None => assessment.unparsed.push(source.describe()),
        }
    }
    let policies = Policies {
        statements,
        principal,
    };
    assessment.admin = policies.all_granted(&ADMIN_PROBES, Holder::Thief);
    assessment.mfa_enforced = policies
        .statements
        .iter()
        .find(|(s, _)| s.effect == Effect::Deny && denies_without_mfa(s))
        .map(|(_, source)| source.describe());
    if assessment.admin.is_some() {
        return assessment;
    }
    assessment.admin_behind_mfa = policies.all_granted(&ADMIN_PROBES, Holder::OwnerWithMfa);
    assessment.iam_full = policies.all_granted(&IAM_PROBES, Holder::Thief);
    let catalogue = paths::catalogue();
    assessment.paths = catalogue
        .admin
        .iter()
        .filter_map(|path| policies.open(path))
        .collect();
    if assessment.paths.is_empty() && assessment.iam_full.is_none() {
        assessment.takeover = catalogue
            .takeover
            .iter()
            .filter_map(|path| policies.open(path))
            .collect();
    }
    assessment
}

/// Every statement of the key's policies, and whose key it is.
struct Policies<'a> {
    statements: Vec<(Statement, &'a Source)>,
    principal: &'a Principal,
}

impl<'a> Policies<'a> {
    /// The Allow that grants `action` on `resource` to `holder`, unless a Deny takes it away.
    fn granted(&self, action: &str, resource: &str, holder: Holder) -> Option<&'a Source> {
        let user = self.principal.user();
        let applies = |s: &Statement, allow: bool| {
            s.covers_action(action)
                && s.covers_resource(resource, user)
                && condition::applies(s.condition.as_ref(), holder, allow)
        };
        if self
            .statements
            .iter()
            .any(|(s, _)| s.effect == Effect::Deny && applies(s, false))
        {
            return None;
        }
        self.statements
            .iter()
            .find(|(s, _)| s.effect == Effect::Allow && applies(s, true))
            .map(|(_, source)| *source)
    }

    /// The Allow that grants `action` on at least one resource, unless a Deny on every
    /// resource takes it away.
    fn granted_somewhere(&self, action: &str, holder: Holder) -> Option<&'a Source> {
        let denied = self.statements.iter().any(|(s, _)| {
            s.effect == Effect::Deny
                && s.covers_action(action)
                && s.covers_everything()
                && condition::applies(s.condition.as_ref(), holder, false)
        });
        if denied {
            return None;
        }
        self.statements
            .iter()
            .find(|(s, _)| {
                s.effect == Effect::Allow
                    && s.covers_action(action)
                    && s.covers_something()
                    && condition::applies(s.condition.as_ref(), holder, true)
            })
            .map(|(_, source)| *source)
    }

    fn all_granted(&self, probes: &[(&str, &str)], holder: Holder) -> Option<String> {
        let sources: Vec<&Source> = probes
            .iter()
            .map(|(action, resource)| self.granted(action, resource, holder))
            .collect::<Option<_>>()?;
        Some(sources[0].describe())
    }

    /// The path, if every need of it is met for a thief.
    fn open(&self, path: &'static Path) -> Option<Found> {
        let mut grants = Vec::new();
        for need in &path.needs {
            let grant = need
                .any
                .iter()
                .find_map(|action| self.grant(action, need.on))?;
            grants.push(grant);
        }
        Some(Found { path, grants })
    }

    fn grant(&self, action: &str, on: On) -> Option<Grant> {
        let principal = self.principal;
        let prefix = principal.account_prefix();
        let other = |kind: &str| vec![format!("{prefix}{kind}/awscheck-probe")];
        let targets: Vec<String> = match on {
            On::Some => {
                let source = self.granted_somewhere(action, Holder::Thief)?;
                return Some(Grant {
                    action: action.to_string(),
                    target: String::new(),
                    source: source.describe(),
                });
            }
            On::OwnUser => principal
                .user()
                .map(|_| principal.arn.clone())
                .into_iter()
                .collect(),
            On::OtherUser => other("user"),
            On::OwnGroup => principal.groups.clone(),
            On::OtherGroup => other("group"),
            // AWS's own managed policies cannot be given new versions by anyone.
            On::OwnPolicy => principal
                .policies
                .iter()
                .filter(|arn| !arn.contains(":iam::aws:policy/"))
                .cloned()
                .collect(),
            On::Role => other("role"),
        };
        targets.iter().find_map(|target| {
            let source = self.granted(action, target, Holder::Thief)?;
            let name = target.rsplit('/').next().unwrap_or(target);
            Some(Grant {
                action: action.to_string(),
                target: match on {
                    On::OwnGroup | On::OwnPolicy => name.to_string(),
                    _ => String::new(),
                },
                source: source.describe(),
            })
        })
    }
}

/// The standard guard: deny (broadly) when `aws:MultiFactorAuthPresent` is false or absent.
fn denies_without_mfa(statement: &Statement) -> bool {
    condition::applies(statement.condition.as_ref(), Holder::Thief, false)
        && !condition::applies(statement.condition.as_ref(), Holder::OwnerWithMfa, false)
        && ADMIN_PROBES.iter().any(|(action, resource)| {
            statement.covers_action(action) && statement.covers_resource(resource, None)
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    const ACCOUNT: &str = "arn:aws:iam::123456789012:";

    fn principal() -> Principal {
        Principal {
            arn: format!("{ACCOUNT}user/ci-deploy"),
            groups: vec![format!("{ACCOUNT}group/Deployers")],
            policies: vec![
                format!("{ACCOUNT}policy/ci-deploy"),
                "arn:aws:iam::aws:policy/ReadOnlyAccess".to_string(),
            ],
        }
    }

    fn source(name: &str, document: &str) -> Source {
        Source {
            name: name.to_string(),
            via: "attached to the user".to_string(),
            document: document.to_string(),
        }
    }

    /// `{"Statement": [...]}` of (effect, actions, resource, condition) tuples.
    fn policy(statements: &[(&str, &[&str], &str, &str)]) -> String {
        let items: Vec<String> = statements
            .iter()
            .map(|(effect, actions, resource, condition)| {
                let (key, actions) = match actions.first().and_then(|a| a.strip_prefix('!')) {
                    Some(_) => (
                        "NotAction",
                        actions
                            .iter()
                            .map(|a| a.trim_start_matches('!'))
                            .collect::<Vec<_>>(),
                    ),
                    None => ("Action", actions.to_vec()),
                };
                let condition = match condition.is_empty() {
                    true => String::new(),
                    false => format!(r#","Condition":{condition}"#),
                };
                format!(
                    r#"{{"Effect":"{effect}","{key}":{},"Resource":"{resource}"{condition}}}"#,
                    serde_json::to_string(&actions).unwrap()
                )
            })
            .collect();
        format!(
            r#"{{"Version":"2012-10-17","Statement":[{}]}}"#,
            items.join(",")
        )
    }

    /// The verdict in a word: admin, iam, the first path's ID, admin-behind-mfa,
    /// takeover:<ID>, or none.
    fn verdict(assessment: &Assessment) -> String {
        if assessment.admin.is_some() {
            "admin".into()
        } else if assessment.iam_full.is_some() {
            "iam".into()
        } else if let Some(found) = assessment.paths.first() {
            found.path.id.clone()
        } else if assessment.admin_behind_mfa.is_some() {
            "admin-behind-mfa".into()
        } else if let Some(found) = assessment.takeover.first() {
            format!("takeover:{}", found.path.id)
        } else {
            "none".into()
        }
    }

    const ANY: &str = "*";
    const NO_MFA: &str = r#"{"BoolIfExists":{"aws:MultiFactorAuthPresent":"false"}}"#;
    const MFA_SELF_SERVICE: &[&str] = &[
        "!iam:CreateVirtualMFADevice",
        "iam:EnableMFADevice",
        "iam:GetUser",
        "iam:ListMFADevices",
        "sts:GetSessionToken",
    ];

    /// One policy of `verdicts.json` and the verdict it must get.
    #[derive(serde::Deserialize)]
    struct Case {
        name: String,
        expect: String,
        /// Why awscheck differs from Cloudsplaining on it, where it does
        /// (`scripts/cross-check-policies` holds the table to that).
        #[allow(dead_code)]
        cloudsplaining: Option<String>,
        policy: serde_json::Value,
    }

    /// Every class of path, each near miss (one action short, or the resource another
    /// principal's), each condition case, with the verdict IAM's documented evaluation gives a
    /// copy of the key.
    #[test]
    fn every_path_near_miss_and_condition_gets_its_verdict() {
        let cases: Vec<Case> = serde_json::from_str(include_str!("verdicts.json")).unwrap();
        assert!(cases.len() >= 40);
        let principal = principal();
        let mut wrong = Vec::new();
        for case in &cases {
            let document = case.policy.to_string();
            let got = verdict(&assess(&[source(&case.name, &document)], &principal));
            if got != case.expect {
                wrong.push(format!(
                    "{}: expected {}, got {got}\n  {document}",
                    case.name, case.expect
                ));
            }
        }
        assert!(wrong.is_empty(), "{}", wrong.join("\n"));
    }

    #[test]
    fn a_path_says_what_it_is_on_and_through_which_policy() {
        let document = policy(&[("Allow", &["iam:PutGroupPolicy"], ANY, "")]);
        let mut deploy = source("deploy", &document);
        deploy.via = "inline in group Deployers".to_string();
        let assessment = assess(&[deploy], &principal());
        let found = &assessment.paths[0];
        assert_eq!(
            found.says(),
            "can write an admin policy into its own group Deployers (iam:PutGroupPolicy)"
        );
        assert_eq!(found.through(), "deploy (inline in group Deployers)");
    }

    #[test]
    fn the_standard_mfa_guard_is_recognised() {
        let admin = policy(&[("Allow", &["*"], ANY, "")]);
        let guard = policy(&[("Deny", MFA_SELF_SERVICE, ANY, NO_MFA)]);
        let guarded = assess(
            &[source("Admin", &admin), source("ForceMFA", &guard)],
            &principal(),
        );
        assert_eq!(
            guarded.mfa_enforced.as_deref(),
            Some("ForceMFA (attached to the user)")
        );
        assert_eq!(
            guarded.admin_behind_mfa.as_deref(),
            Some("Admin (attached to the user)")
        );
        assert!(assess(&[source("Admin", &admin)], &principal())
            .mfa_enforced
            .is_none());
    }

    #[test]
    fn bad_documents_are_reported() {
        let bad = assess(&[source("Broken", "not json")], &principal());
        assert_eq!(bad.unparsed, ["Broken (attached to the user)"]);
    }
}
