//! External programs (`crontab`, `systemctl`, `launchctl`, `osascript`): found on the captured
//! environment's PATH and run with a time limit.
//!
//! Searching the `Env`'s PATH ourselves, rather than letting the OS do it, is what lets the tests
//! put recording stand-ins first on PATH. The time limit matters because `remind` runs unattended:
//! a program stuck on a dead bus must not keep a weekly job alive forever.

use crate::sys::env::Env;
use std::io::{self, Read, Write};
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// Long enough for `systemctl --user enable --now` on a slow laptop, short enough for a job.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(30);

/// The first executable file called `name` on the environment's PATH.
pub fn find_program(env: &Env, name: &str) -> Option<PathBuf> {
    let path = env.get("PATH")?;
    std::env::split_paths(path)
        .filter(|dir| dir.is_absolute())
        .map(|dir| dir.join(name))
        .find(|candidate| is_executable(candidate))
}

fn is_executable(path: &Path) -> bool {
    std::fs::metadata(path)
        .map(|metadata| metadata.is_file() && metadata.permissions().mode() & 0o111 != 0)
        .unwrap_or(false)
}

/// What a finished program left behind.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Output {
    /// `None` when a signal ended it.
    pub code: Option<i32>,
    pub stdout: Vec<u8>,
    pub stderr: Vec<u8>,
}

impl Output {
    pub fn success(&self) -> bool {
        self.code == Some(0)
    }

    /// The first non-empty line of stderr (else stdout), for a one-line error.
    pub fn first_line(&self) -> String {
        let pick = |bytes: &[u8]| {
            String::from_utf8_lossy(bytes)
                .lines()
                .map(str::trim)
                .find(|line| !line.is_empty())
                .map(str::to_string)
        };
        pick(&self.stderr)
            .or_else(|| pick(&self.stdout))
            .unwrap_or_default()
    }

    /// `exit 1`, or `killed by a signal`.
    pub fn status(&self) -> String {
        match self.code {
            Some(code) => format!("exit {code}"),
            None => "killed by a signal".to_string(),
        }
    }
}

/// Run `program` with `args`, feeding it `stdin` (or nothing), and wait at most `timeout`.
/// The child inherits the process environment, which is the one the `Env` was captured from.
pub fn run(
    program: &Path,
    args: &[String],
    stdin: Option<&[u8]>,
    timeout: Duration,
) -> io::Result<Output> {
    let mut child = Command::new(program)
        .args(args)
        .stdin(if stdin.is_some() {
            Stdio::piped()
        } else {
            Stdio::null()
        })
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()?;
    // Readers and the writer run on their own threads so that a child filling one pipe while
    // we wait on another cannot deadlock.
    let writer = match (child.stdin.take(), stdin) {
        (Some(mut pipe), Some(bytes)) => {
            let bytes = bytes.to_vec();
            Some(std::thread::spawn(move || {
                // A child that exits without reading its input is its own business.
                let _ = pipe.write_all(&bytes);
            }))
        }
        _ => None,
    };
    let stdout = drain(child.stdout.take());
    let stderr = drain(child.stderr.take());
    let deadline = Instant::now() + timeout;
    let status = loop {
        if let Some(status) = child.try_wait()? {
            break status;
        }
        if Instant::now() >= deadline {
            // Past its time limit: the child may have exited on its own meanwhile.
            let _ = child.kill();
            let _ = child.wait();
            return Err(io::Error::new(
                io::ErrorKind::TimedOut,
                format!("gave no answer within {} seconds", timeout.as_secs()),
            ));
        }
        std::thread::sleep(Duration::from_millis(10));
    };
    if let Some(writer) = writer {
        // The writer only feeds stdin; its failure is the child closing it, seen in the output.
        let _ = writer.join();
    }
    Ok(Output {
        code: status.code(),
        stdout: stdout.join().unwrap_or_default(),
        stderr: stderr.join().unwrap_or_default(),
    })
}

fn drain(pipe: Option<impl Read + Send + 'static>) -> std::thread::JoinHandle<Vec<u8>> {
    std::thread::spawn(move || {
        let mut bytes = Vec::new();
        if let Some(mut pipe) = pipe {
            // What could be read is kept; the exit status says whether the run worked.
            let _ = pipe.read_to_end(&mut bytes);
        }
        bytes
    })
}

/// Whether `arg` is a POSIX shell word as it is, with nothing to quote.
pub fn is_shell_word(arg: &str) -> bool {
    !arg.is_empty()
        && arg
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"-_./=:,+@%".contains(&b))
}

/// `arg` as a POSIX shell word: as is when that is safe, else single-quoted.
pub fn shell_quote(arg: &str) -> String {
    if is_shell_word(arg) {
        arg.to_string()
    } else {
        format!("'{}'", arg.replace('\'', r"'\''"))
    }
}

/// A command line for people to read (and paste into a shell).
pub fn display_command(program: &str, args: &[String]) -> String {
    std::iter::once(shell_quote(program))
        .chain(args.iter().map(|arg| shell_quote(arg)))
        .collect::<Vec<_>>()
        .join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quoting() {
        assert_eq!(shell_quote("remind"), "remind");
        assert_eq!(shell_quote("/usr/bin/awscheck"), "/usr/bin/awscheck");
        assert_eq!(shell_quote("my dev"), "'my dev'");
        assert_eq!(shell_quote("it's"), r"'it'\''s'");
        assert_eq!(shell_quote(""), "''");
    }

    #[test]
    fn runs_with_input_and_time_limit() {
        let sh = Path::new("/bin/sh");
        let output = run(
            sh,
            &["-c".into(), "cat; echo err >&2; exit 3".into()],
            Some(b"hello\n"),
            DEFAULT_TIMEOUT,
        )
        .unwrap();
        assert_eq!(output.code, Some(3));
        assert_eq!(output.stdout, b"hello\n");
        assert_eq!(output.first_line(), "err");
        let error = run(
            sh,
            &["-c".into(), "sleep 5".into()],
            None,
            Duration::from_millis(200),
        )
        .unwrap_err();
        assert_eq!(error.kind(), io::ErrorKind::TimedOut);
    }

    #[test]
    fn finds_programs_on_the_given_path_only() {
        let env = Env::from_pairs([("PATH", "relative:/bin")]);
        assert_eq!(find_program(&env, "sh"), Some(PathBuf::from("/bin/sh")));
        assert_eq!(find_program(&env, "no-such-program-here"), None);
        assert_eq!(find_program(&Env::default(), "sh"), None);
    }
}
