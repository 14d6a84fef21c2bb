//! The catalogue of paths (`paths.toml`): every known way for a key to make itself admin, and
//! to take over code that already runs under a role, each as the actions it needs and what
//! each must be allowed on.

use serde::Deserialize;
use std::sync::OnceLock;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Catalogue {
    pub admin: Vec<Path>,
    pub takeover: Vec<Path>,
}

#[derive(Debug, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct Path {
    pub id: String,
    /// What the key can do, after "The key": "can write an admin policy into its own group
    /// {target}".
    pub says: String,
    /// Each met by any one of its actions.
    pub needs: Vec<Need>,
    pub source: String,
}

#[derive(Debug, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct Need {
    pub any: Vec<String>,
    pub on: On,
}

/// What an action must be allowed on for the path to be open.
#[derive(Clone, Copy, Debug, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "kebab-case")]
pub enum On {
    OwnUser,
    OtherUser,
    OwnGroup,
    OtherGroup,
    /// A customer-managed policy attached to the user or its groups.
    OwnPolicy,
    Role,
    /// At least one resource.
    Some,
}

pub fn catalogue() -> &'static Catalogue {
    static CATALOGUE: OnceLock<Catalogue> = OnceLock::new();
    CATALOGUE.get_or_init(|| {
        toml::from_str(include_str!("paths.toml")).expect("paths.toml parses: a unit test reads it")
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_catalogue_reads_and_every_path_needs_something() {
        let catalogue = catalogue();
        assert!(catalogue.admin.len() >= 20 && catalogue.takeover.len() >= 9);
        let mut ids = std::collections::HashSet::new();
        for path in catalogue.admin.iter().chain(&catalogue.takeover) {
            assert!(ids.insert(&path.id), "{} twice", path.id);
            assert!(!path.needs.is_empty() && path.needs.iter().all(|n| !n.any.is_empty()));
            assert!(path.says.starts_with("can "), "{}", path.id);
        }
    }
}
