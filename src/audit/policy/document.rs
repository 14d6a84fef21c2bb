//! Policy documents as IAM reads them: statements with Action or NotAction, Resource or
//! NotResource, and a Condition; IAM's wildcards; the URL encoding IAM sends them in.

use serde_json::Value;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Effect {
    Allow,
    Deny,
}

#[derive(Debug)]
pub struct Statement {
    pub effect: Effect,
    /// (patterns, negated): `Action` or `NotAction`.
    actions: (Vec<String>, bool),
    resources: (Vec<String>, bool),
    pub condition: Option<Value>,
}

/// Every statement of a policy document; `None` when it is not one.
pub fn statements_of(document: &str) -> Option<Vec<Statement>> {
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
    pub fn covers_action(&self, action: &str) -> bool {
        let (actions, not_action) = &self.actions;
        let action = action.to_ascii_lowercase();
        let hit = actions
            .iter()
            .any(|p| glob(&p.to_ascii_lowercase(), &action));
        hit != *not_action
    }

    /// Whether the statement names `resource`, with `${aws:username}` read as `user` (the
    /// key's own user name) when there is one.
    pub fn covers_resource(&self, resource: &str, user: Option<&str>) -> bool {
        let (resources, not_resource) = &self.resources;
        let hit = resources.iter().any(|pattern| match user {
            Some(user) if pattern.contains("${") => glob(&with_user(pattern, user), resource),
            _ => glob(pattern, resource),
        });
        hit != *not_resource
    }

    /// Whether the statement names every resource: `Resource: "*"`.
    pub fn covers_everything(&self) -> bool {
        let (resources, not_resource) = &self.resources;
        !*not_resource && resources.iter().any(|pattern| pattern == "*")
    }

    /// Whether the statement names at least one resource (`NotResource: "*"` names none).
    pub fn covers_something(&self) -> bool {
        let (resources, not_resource) = &self.resources;
        !(*not_resource && resources.iter().any(|pattern| pattern == "*"))
    }
}

/// `pattern` with the policy variable for the caller's user name filled in, as IAM does for a
/// request by that user.
fn with_user(pattern: &str, user: &str) -> String {
    let mut out = pattern.to_string();
    for variable in ["${aws:username}", "${aws:userName}", "${aws:UserName}"] {
        out = out.replace(variable, user);
    }
    out
}

/// IAM's wildcard match: `*` any run, `?` one character. A policy variable left in a pattern
/// (`${...}`) matches only itself, so a statement scoped to someone else never covers the probe.
pub fn glob(pattern: &str, text: &str) -> bool {
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

    #[test]
    fn the_user_name_variable_is_the_key_s_own_user() {
        let statement = &statements_of(
            r#"{"Statement":{"Effect":"Allow","Action":"iam:PutUserPolicy","Resource":"arn:aws:iam::*:user/${aws:username}"}}"#,
        )
        .unwrap()[0];
        let own = "arn:aws:iam::1:user/ci";
        assert!(statement.covers_resource(own, Some("ci")));
        assert!(!statement.covers_resource("arn:aws:iam::1:user/admin", Some("ci")));
        assert!(!statement.covers_resource(own, None));
    }

    #[test]
    fn documents_are_url_decoded() {
        assert_eq!(url_decode("%7B%22a%22%3A%20%22*%22%7D"), r#"{"a": "*"}"#);
        assert_eq!(url_decode("100%"), "100%");
    }
}
