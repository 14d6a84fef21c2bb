//! Whether a statement's Condition holds for a call made with a copy of the key.
//!
//! A thief holds the key and nothing else: no MFA, not the owner's network, and no say over the
//! user's tags. What the caller chooses freely (the region, the time, the user agent) a thief
//! chooses too: an Allow on such a condition holds for them, a Deny they can step around. What
//! awscheck cannot judge counts the same way, so an unknown condition never makes a dangerous
//! key look harmless.

use serde_json::Value;

/// Who makes the call: a thief with a copy, or the owner with an MFA session.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Holder {
    Thief,
    OwnerWithMfa,
}

/// What a call by the holder carries under a condition key.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Seen {
    /// The key is not in the request.
    Absent,
    /// This value.
    Value(&'static str),
    /// A value, but none of those a policy names (a thief's own IP address).
    Elsewhere,
    /// Whatever suits the caller.
    Chosen,
}

impl Holder {
    fn sees(self, key: &str) -> Seen {
        let key = key.to_ascii_lowercase();
        match key.as_str() {
            "aws:multifactorauthpresent" => match self {
                Holder::Thief => Seen::Absent,
                Holder::OwnerWithMfa => Seen::Value("true"),
            },
            "aws:multifactorauthage" => match self {
                Holder::Thief => Seen::Absent,
                Holder::OwnerWithMfa => Seen::Value("0"),
            },
            "aws:securetransport" => Seen::Value("true"),
            "aws:sourceip" => Seen::Elsewhere,
            "aws:sourcevpc" | "aws:sourcevpce" | "aws:vpcsourceip" => Seen::Absent,
            _ if key.starts_with("aws:principaltag/") => Seen::Absent,
            _ => Seen::Chosen,
        }
    }
}

/// Whether a statement whose Condition is `condition` applies to the holder's call. For an
/// Allow that is "the holder can meet it"; for a Deny, "the holder cannot avoid it".
pub fn applies(condition: Option<&Value>, holder: Holder, allow: bool) -> bool {
    let Some(Value::Object(operators)) = condition else {
        return condition.is_none();
    };
    operators.iter().all(|(operator, keys)| {
        let Value::Object(keys) = keys else {
            return allow;
        };
        keys.iter()
            .all(|(key, values)| test(operator, holder.sees(key), &strings(values), allow))
    })
}

fn strings(value: &Value) -> Vec<String> {
    match value {
        Value::Array(items) => items.iter().map(text).collect(),
        other => vec![text(other)],
    }
}

fn text(value: &Value) -> String {
    match value {
        Value::String(text) => text.clone(),
        other => other.to_string(),
    }
}

/// One operator on one key, as IAM evaluates it for the value the holder's call carries.
fn test(operator: &str, seen: Seen, values: &[String], allow: bool) -> bool {
    let operator = operator
        .trim_start_matches("ForAllValues:")
        .trim_start_matches("ForAnyValue:");
    let (base, if_exists) = match operator.strip_suffix("IfExists") {
        Some(base) => (base, true),
        None => (operator, false),
    };
    let negated = base.contains("Not");
    match seen {
        Seen::Chosen => allow,
        Seen::Absent if base == "Null" => values.iter().any(|v| v == "true"),
        Seen::Absent => if_exists || negated,
        Seen::Elsewhere => negated,
        Seen::Value(value) => {
            let equal = |v: &String| match base {
                b if b.starts_with("Numeric") => numeric(b, value, v),
                _ => v.eq_ignore_ascii_case(value),
            };
            match base {
                "Null" => values.iter().any(|v| v == "false"),
                b if b.starts_with("Numeric") => values.iter().any(equal),
                _ => values.iter().any(equal) != negated,
            }
        }
    }
}

fn numeric(operator: &str, seen: &str, wanted: &str) -> bool {
    let (Ok(seen), Ok(wanted)) = (seen.parse::<f64>(), wanted.parse::<f64>()) else {
        return false;
    };
    match operator {
        "NumericEquals" => seen == wanted,
        "NumericNotEquals" => seen != wanted,
        "NumericLessThan" => seen < wanted,
        "NumericLessThanEquals" => seen <= wanted,
        "NumericGreaterThan" => seen > wanted,
        "NumericGreaterThanEquals" => seen >= wanted,
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn allow(condition: Value, holder: Holder) -> bool {
        applies(Some(&condition), holder, true)
    }

    fn deny(condition: Value, holder: Holder) -> bool {
        applies(Some(&condition), holder, false)
    }

    #[test]
    fn a_thief_has_no_mfa_and_the_owner_does() {
        let needs_mfa = json!({"Bool": {"aws:MultiFactorAuthPresent": "true"}});
        assert!(!allow(needs_mfa.clone(), Holder::Thief));
        assert!(allow(needs_mfa, Holder::OwnerWithMfa));
        let guard = json!({"BoolIfExists": {"aws:MultiFactorAuthPresent": "false"}});
        assert!(deny(guard.clone(), Holder::Thief));
        assert!(!deny(guard, Holder::OwnerWithMfa));
        let young = json!({"NumericLessThan": {"aws:MultiFactorAuthAge": "3600"}});
        assert!(!allow(young.clone(), Holder::Thief));
        assert!(allow(young, Holder::OwnerWithMfa));
    }

    #[test]
    fn a_thief_is_outside_the_network_and_uses_tls() {
        let office = json!({"IpAddress": {"aws:SourceIp": "203.0.113.0/24"}});
        assert!(!allow(office, Holder::Thief));
        let outside = json!({"NotIpAddress": {"aws:SourceIp": ["203.0.113.0/24"]}});
        assert!(
            deny(outside, Holder::Thief),
            "a Deny outside the office stops a thief"
        );
        let vpc = json!({"StringEquals": {"aws:SourceVpc": "vpc-1"}});
        assert!(!allow(vpc, Holder::Thief));
        let tls = json!({"Bool": {"aws:SecureTransport": "true"}});
        assert!(allow(tls, Holder::Thief));
        let plain_http = json!({"Bool": {"aws:SecureTransport": "false"}});
        assert!(!deny(plain_http, Holder::Thief));
        let tagged = json!({"StringEquals": {"aws:PrincipalTag/team": "ops"}});
        assert!(!allow(tagged, Holder::Thief));
    }

    #[test]
    fn what_the_caller_chooses_a_thief_chooses_too() {
        let region = json!({"StringEquals": {"aws:RequestedRegion": "eu-west-1"}});
        assert!(allow(region.clone(), Holder::Thief));
        assert!(!deny(region, Holder::Thief));
        let unknown = json!({"StringLike": {"s3:prefix": "home/*"}});
        assert!(allow(unknown, Holder::Thief));
        assert!(applies(None, Holder::Thief, true));
    }
}
