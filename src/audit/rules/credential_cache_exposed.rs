//! `credential-cache-exposed` (rules/credential-cache-exposed.toml): the AWS CLI's SSO or
//! role-credential cache, or a file in it, can be read by other users.

use super::{Context, Rule};
use crate::audit::finding::Finding;
use crate::audit::suggest::quote;

pub fn check(rule: &Rule, ctx: &Context, out: &mut Vec<Finding>) {
    let Some(scan) = &ctx.facts.scan else {
        return;
    };
    for cache in &scan.exposed {
        let folder = cache.path.display();
        let mut what = Vec::new();
        let noun = if cache.open_files == 1 {
            "file"
        } else {
            "files"
        };
        what.push(format!("{} {noun} in it others can read", cache.open_files));
        what.push(format!("the folder is {:04o}", cache.folder_mode));
        let path = quote(&cache.path.to_string_lossy());
        let finding = rule
            .finding(format!(
                "{folder} holds live AWS tokens or credentials and can be read by others"
            ))
            .evidence(what.join("; "))
            .fix(format!(
                "Close it: `chmod 700 {path} && chmod 600 {path}/*`; if others could read it for a while, sign out so the tokens stop working: `aws sso logout`"
            ))
            .at(&cache.path, None);
        out.push(finding);
    }
}
