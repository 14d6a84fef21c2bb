//! `credential-process-unsafe` (rules/credential-process-unsafe.toml): the program a
//! credential_process runs is missing, or others can replace it.

use super::{Context, Rule};
use crate::audit::finding::Finding;
use crate::audit::suggest::quote;
use crate::parse::key::CREDENTIAL_PROCESS;
use rustc_hash::FxHashMap;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};

pub fn check(rule: &Rule, ctx: &Context, out: &mut Vec<Finding>) {
    // Many profiles often run the same helper: look at each program on disk only once.
    let mut problems: FxHashMap<&str, Option<Problem>> = FxHashMap::default();
    out.extend(ctx.model.set.profiles().filter_map(|section| {
        let property = section.property(CREDENTIAL_PROCESS)?;
        let program = first_word(&property.value)?;
        let problem = problems
            .entry(program)
            .or_insert_with(|| problem(program, ctx))
            .as_ref()?;
        let finding = rule
            .finding(format!("Profile {} {}", section.name, problem.what))
            .profile(&section.name)
            // Only the program: arguments sometimes carry tokens, and they are not the problem.
            .evidence(format!("credential_process runs {program}"))
            .brief_fix(problem.fix.clone());
        Some(ctx.place(finding, property.origin()))
    }));
}

/// What is wrong with a program, and the one thing that mends it.
struct Problem {
    what: String,
    fix: String,
}

/// What is wrong with `program`, if anything: missing, or replaceable by others.
fn problem(program: &str, ctx: &Context) -> Option<Problem> {
    match resolve(program, ctx) {
        None => Some(Problem {
            what: format!("runs `{program}`, which does not exist"),
            fix: "Install it, or correct the path in credential_process".to_string(),
        }),
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

fn writable_by_others(path: &Path) -> Option<Problem> {
    let mode = std::fs::metadata(path).ok()?.permissions().mode();
    let chmod = |path: &Path| format!("`chmod go-w {}`", quote(&path.to_string_lossy()));
    if mode & 0o022 != 0 {
        return Some(Problem {
            what: format!(
                "runs {}, which other users can modify (mode {:04o})",
                path.display(),
                mode & 0o7777
            ),
            fix: chmod(path),
        });
    }
    let dir = path.parent()?;
    let dir_mode = std::fs::metadata(dir).ok()?.permissions().mode();
    // A shared folder with the sticky bit (like /tmp) still lets others replace only their own files.
    if dir_mode & 0o022 != 0 && dir_mode & 0o1000 == 0 {
        return Some(Problem {
            what: format!(
                "runs {}, whose folder other users can write to (mode {:04o})",
                path.display(),
                dir_mode & 0o7777
            ),
            fix: chmod(dir),
        });
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
