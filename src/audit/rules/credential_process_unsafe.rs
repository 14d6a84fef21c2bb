//! `credential-process-unsafe` (rules/credential-process-unsafe.toml): the program a
//! credential_process runs is missing, or others can replace it.

use super::{Context, Rule};
use crate::audit::finding::Finding;
use crate::parse::key::CREDENTIAL_PROCESS;
use rustc_hash::FxHashMap;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};

pub fn check(rule: &Rule, ctx: &Context, out: &mut Vec<Finding>) {
    // Many profiles often run the same helper: look at each program on disk only once.
    let mut problems: FxHashMap<&str, Option<String>> = FxHashMap::default();
    out.extend(ctx.model.set.profiles().filter_map(|section| {
        let property = section.property(CREDENTIAL_PROCESS)?;
        let program = first_word(&property.value)?;
        let problem = problems
            .entry(program)
            .or_insert_with(|| problem(program, ctx))
            .as_deref()?;
        let finding = rule
            .finding(format!("Profile {} {problem}", section.name))
            .profile(&section.name)
            // Only the program: arguments sometimes carry tokens, and they are not the problem.
            .evidence(format!("credential_process runs {program}"));
        Some(ctx.place(finding, property.origin()))
    }));
}

/// What is wrong with `program`, if anything: missing, or replaceable by others.
fn problem(program: &str, ctx: &Context) -> Option<String> {
    match resolve(program, ctx) {
        None => Some(format!("runs `{program}`, which does not exist")),
        Some(path) => writable_by_others(&path),
    }
}

/// The program of a command line: the first word, honouring quotes as the SDKs' splitter does.
fn first_word(command: &str) -> Option<&str> {
    let command = command.trim_start();
    let word = match command.chars().next()? {
        quote @ ('"' | '\'') => {
            let rest = &command[quote.len_utf8()..];
            rest.split(quote).next().unwrap_or(rest)
        }
        _ => command.split(char::is_whitespace).next().unwrap_or(command),
    };
    (!word.is_empty()).then_some(word)
}

fn resolve(program: &str, ctx: &Context) -> Option<PathBuf> {
    if program.contains('/') {
        let path = match program.strip_prefix("~/") {
            Some(rest) => ctx.facts.home.as_ref()?.join(rest),
            None => PathBuf::from(program),
        };
        return path.is_file().then_some(path);
    }
    ctx.facts
        .search_path
        .iter()
        .map(|dir| dir.join(program))
        .find(|candidate| candidate.is_file())
}

fn writable_by_others(path: &Path) -> Option<String> {
    let mode = std::fs::metadata(path).ok()?.permissions().mode();
    if mode & 0o022 != 0 {
        return Some(format!(
            "runs {}, which other users can modify (mode {:04o})",
            path.display(),
            mode & 0o7777
        ));
    }
    let dir = path.parent()?;
    let dir_mode = std::fs::metadata(dir).ok()?.permissions().mode();
    // A shared folder with the sticky bit (like /tmp) still lets others replace only their own files.
    if dir_mode & 0o022 != 0 && dir_mode & 0o1000 == 0 {
        return Some(format!(
            "runs {}, whose folder other users can write to (mode {:04o})",
            path.display(),
            dir_mode & 0o7777
        ));
    }
    None
}

#[cfg(test)]
mod tests {
    use super::first_word;

    #[test]
    fn first_word_honours_quotes() {
        assert_eq!(first_word("/usr/bin/helper --x"), Some("/usr/bin/helper"));
        assert_eq!(
            first_word("\"/opt/my tool/bin\" a"),
            Some("/opt/my tool/bin")
        );
        assert_eq!(first_word("'unterminated"), Some("unterminated"));
        assert_eq!(first_word("   "), None);
    }
}
