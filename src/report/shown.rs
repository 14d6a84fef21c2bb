//! Paths as a person reads them: `~/.aws/config` under HOME, `examples/aws/config` under the
//! current folder. Only the human report shortens paths; JSON and SARIF keep them absolute.
//!
//! Rules write paths into their messages and fixes, so the report shortens them in the text it
//! prints. A path is shortened only where it starts a word, so a command stays one that can be
//! pasted and run as printed: `~` only where a shell expands it (never inside quotes or after
//! `=`), and a relative path only for the folder the command was run in.

use std::borrow::Cow;
use std::path::Path;

/// The folders whose paths are shown short.
#[derive(Clone, Debug, Default)]
pub struct ShortPaths {
    /// `/home/me/`, shown as `~/`.
    home: Option<String>,
    /// `/home/me/project/`, shown as nothing: paths under it are relative.
    cwd: Option<String>,
}

impl ShortPaths {
    /// Paths under `home` as `~/...`, paths under `cwd` relative to it. The current folder
    /// counts only below HOME or outside it: `~/.aws/config` reads better than `.aws/config`.
    pub fn new(home: Option<&Path>, cwd: Option<&Path>) -> Self {
        let folder = |path: &Path| {
            let text = path.to_str()?.trim_end_matches('/');
            (text.len() > 1 && path.is_absolute()).then(|| format!("{text}/"))
        };
        let home = home.and_then(folder);
        let cwd = cwd.and_then(folder).filter(|cwd| {
            home.as_ref()
                .is_none_or(|home| !home.starts_with(cwd.as_str()))
        });
        ShortPaths { home, cwd }
    }

    /// `text` with every path under the two folders shortened where it starts a word.
    pub fn shorten<'t>(&self, text: &'t str) -> Cow<'t, str> {
        let mut text = Cow::Borrowed(text);
        // The current folder first: it can lie under HOME, and is then the shorter form.
        if let Some(cwd) = &self.cwd {
            text = replace_at_word_start(text, cwd, "", |before| {
                !before.is_alphanumeric() && !matches!(before, '/' | '.' | '~' | '-' | '_')
            });
        }
        if let Some(home) = &self.home {
            text = replace_at_word_start(text, home, "~/", |before| {
                matches!(before, ' ' | '\n' | '`' | '(' | '[')
            });
        }
        text
    }
}

/// `text` with `from` replaced by `to` wherever it starts the text or follows a character
/// `starts_word` accepts.
fn replace_at_word_start<'t>(
    text: Cow<'t, str>,
    from: &str,
    to: &str,
    starts_word: impl Fn(char) -> bool,
) -> Cow<'t, str> {
    if !text.contains(from) {
        return text;
    }
    let mut out = String::with_capacity(text.len());
    let mut rest: &str = &text;
    while let Some(at) = rest.find(from) {
        let before = rest[..at].chars().next_back().or(out.chars().next_back());
        out.push_str(&rest[..at]);
        match before.is_none_or(&starts_word) {
            true => out.push_str(to),
            false => out.push_str(from),
        }
        rest = &rest[at + from.len()..];
    }
    out.push_str(rest);
    Cow::Owned(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn paths() -> ShortPaths {
        ShortPaths::new(
            Some(Path::new("/home/me")),
            Some(Path::new("/home/me/work")),
        )
    }

    #[test]
    fn home_and_the_current_folder_are_shown_short() {
        let paths = paths();
        assert_eq!(
            paths.shorten("chmod 600 /home/me/.aws/credentials"),
            "chmod 600 ~/.aws/credentials"
        );
        assert_eq!(paths.shorten("/home/me/work/aws/config:4"), "aws/config:4");
        assert_eq!(
            paths.shorten("`awscheck rotate --credentials-file /home/me/work/c`"),
            "`awscheck rotate --credentials-file c`"
        );
    }

    #[test]
    fn a_shell_would_not_expand_the_tilde_so_the_path_stays_whole() {
        let paths = paths();
        for text in [
            "'/home/me/my keys/credentials'",
            "--credentials-file=/home/me/x",
            "/srv/home/me/x",
        ] {
            assert_eq!(paths.shorten(text), text);
        }
    }

    #[test]
    fn the_current_folder_counts_only_below_home() {
        let at_home = ShortPaths::new(Some(Path::new("/home/me")), Some(Path::new("/home/me")));
        assert_eq!(at_home.shorten("/home/me/.aws/config"), "~/.aws/config");
        let above = ShortPaths::new(Some(Path::new("/home/me")), Some(Path::new("/home")));
        assert_eq!(above.shorten("/home/me/.aws/config"), "~/.aws/config");
        let root = ShortPaths::new(None, Some(Path::new("/")));
        assert_eq!(root.shorten("/etc/aws"), "/etc/aws");
    }
}
