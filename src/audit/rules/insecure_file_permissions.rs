//! `insecure-file-permissions` (rules/insecure-file-permissions.toml): a shared file is open to
//! group or others, or the `.aws` folder is not 0700.

use super::{Context, Rule};
use crate::audit::finding::Finding;
use crate::audit::severity::Severity;
use crate::parse::origin::FileKind;
use crate::sys::mask::is_secret_key;

const GROUP_OR_OTHER: u32 = 0o077;

pub fn check(rule: &Rule, ctx: &Context, out: &mut Vec<Finding>) {
    for file in &ctx.facts.files {
        if file.mode & GROUP_OR_OTHER != 0 {
            let path = file.path.display();
            let mut finding = rule
                .finding(format!(
                    "{path} can be {} by other users (mode {:04o})",
                    access(file.mode),
                    file.mode
                ))
                .at(&file.path, None)
                .evidence(format!("mode {:04o}, expected 0600", file.mode))
                .fix(format!("chmod 600 {path}"));
            // A config file without secrets leaks less when read, but can still be rewritten.
            if !holds_secrets(ctx, file.kind) && file.mode & 0o022 == 0 {
                finding = finding.severity(Severity::Low);
            }
            out.push(finding);
        }
    }
    let mut reported_dirs = Vec::new();
    for file in &ctx.facts.files {
        let (Some(dir_mode), true) = (
            file.dir_mode,
            file.dir.file_name().is_some_and(|n| n == ".aws"),
        ) else {
            continue;
        };
        if dir_mode & GROUP_OR_OTHER == 0 || reported_dirs.contains(&&file.dir) {
            continue;
        }
        reported_dirs.push(&file.dir);
        let dir = file.dir.display();
        out.push(
            rule.finding(format!(
                "{dir} can be {} by other users (mode {dir_mode:04o})",
                access(dir_mode)
            ))
            .at(&file.dir, None)
            .evidence(format!("mode {dir_mode:04o}, expected 0700"))
            .fix(format!("chmod 700 {dir}")),
        );
    }
}

fn access(mode: u32) -> &'static str {
    match (mode & 0o044 != 0, mode & 0o022 != 0) {
        (true, true) => "read and written",
        (false, true) => "written",
        _ => "read",
    }
}

/// Whether the file holds a secret, in use or replaced by a later value (still on disk).
fn holds_secrets(ctx: &Context, kind: FileKind) -> bool {
    ctx.model.set.profiles().any(|profile| {
        profile
            .properties()
            .chain(profile.replaced())
            .any(|(key, property)| property.origin().file == kind && is_secret_key(key))
    })
}
