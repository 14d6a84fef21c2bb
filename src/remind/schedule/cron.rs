//! The cron backend: one line in the user's crontab, found again by its marker comment.
//!
//! The crontab is the user's file, not awscheck's, so every change keeps each other byte as it
//! was: the line goes first (removing a line that was prepended gives back the exact bytes, even
//! when the crontab lacks its final newline, which appending could not), and uninstall drops
//! only lines carrying the marker. The caller saves a backup before either.

use super::{Schedule, Step};
use crate::sys::process::{self, Output};

/// Ends awscheck's line. Cron passes it to the shell, where it is a comment.
pub const MARKER: &str =
    "# awscheck weekly reminder (managed by awscheck schedule; remove with: awscheck schedule uninstall)";

/// What identifies the line, so that a user's edit of the marker's tail still matches.
const MARKER_PREFIX: &[u8] = b"# awscheck weekly reminder (managed by awscheck schedule";

/// Our job as it stands in a crontab.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Job {
    pub schedule: Schedule,
    pub command: Vec<String>,
    pub line: String,
}

/// `0 9 * * 1 /path/to/awscheck remind # awscheck weekly reminder (...)`.
pub fn job_line(command: &[String], schedule: Schedule) -> String {
    let words: Vec<String> = command.iter().map(|word| cron_word(word)).collect();
    format!(
        "{} {} * * {} {} {MARKER}",
        schedule.minute,
        schedule.hour,
        schedule.day.sunday_based(),
        words.join(" ")
    )
}

/// A shell word that survives cron too: cron turns an unescaped `%` into a newline.
fn cron_word(word: &str) -> String {
    process::shell_quote(word).replace('%', r"\%")
}

pub fn is_managed(line: &[u8]) -> bool {
    line.windows(MARKER_PREFIX.len())
        .any(|window| window == MARKER_PREFIX)
}

/// Parse a line `job_line` wrote; `None` for anything else.
pub fn parse_line(line: &str) -> Option<Job> {
    if !is_managed(line.as_bytes()) {
        return None;
    }
    let marker_at = line.find(" # awscheck weekly reminder")?;
    let mut fields = line[..marker_at].splitn(6, [' ', '\t']);
    let minute = fields.next()?.parse().ok().filter(|m| *m < 60)?;
    let hour = fields.next()?.parse().ok().filter(|h| *h < 24)?;
    if fields.next()? != "*" || fields.next()? != "*" {
        return None;
    }
    let day = super::Day::from_sunday_based(fields.next()?.parse().ok()?)?;
    let command = unquote(fields.next()?)?;
    Some(Job {
        schedule: Schedule { day, hour, minute },
        command,
        line: line.to_string(),
    })
}

/// Split the words `cron_word` wrote: single quotes, `'\''` for a quote, `\%` for a percent.
fn unquote(text: &str) -> Option<Vec<String>> {
    let mut words = Vec::new();
    let mut word = String::new();
    let mut in_word = false;
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            ' ' | '\t' => {
                if in_word {
                    words.push(std::mem::take(&mut word));
                    in_word = false;
                }
            }
            '\'' => {
                in_word = true;
                loop {
                    match chars.next()? {
                        '\'' => break,
                        '\\' if chars.peek() == Some(&'%') => {}
                        other => word.push(other),
                    }
                }
            }
            '\\' => {
                in_word = true;
                word.push(chars.next()?);
            }
            other => {
                in_word = true;
                word.push(other);
            }
        }
    }
    if in_word {
        words.push(word);
    }
    Some(words)
}

/// awscheck's job in a crontab, if there is one.
pub fn find(crontab: &[u8]) -> Option<Job> {
    crontab
        .split(|b| *b == b'\n')
        .filter(|line| is_managed(line))
        .find_map(|line| parse_line(std::str::from_utf8(line).ok()?.trim_end_matches('\r')))
}

/// The crontab with `line` first and no other line of ours.
pub fn with_job(crontab: &[u8], line: &str) -> Vec<u8> {
    let mut result = format!("{line}\n").into_bytes();
    result.extend_from_slice(&without_job(crontab).unwrap_or_else(|| crontab.to_vec()));
    result
}

/// The crontab without our lines (each with its own newline), or `None` when it has none.
pub fn without_job(crontab: &[u8]) -> Option<Vec<u8>> {
    let mut found = false;
    let mut rest = Vec::with_capacity(crontab.len());
    for piece in crontab.split_inclusive(|b| *b == b'\n') {
        if is_managed(piece) {
            found = true;
        } else {
            rest.extend_from_slice(piece);
        }
    }
    found.then_some(rest)
}

/// The crontab from `crontab -l`: "no crontab for USER" (exit 1) is an empty one.
pub fn read_listing(output: &Output) -> Result<Vec<u8>, String> {
    if output.success() {
        return Ok(output.stdout.clone());
    }
    if output.code == Some(1)
        && String::from_utf8_lossy(&output.stderr)
            .to_ascii_lowercase()
            .contains("no crontab for")
    {
        return Ok(Vec::new());
    }
    Err(format!(
        "`crontab -l` failed: {} ({})",
        output.first_line(),
        output.status()
    ))
}

/// Put our line in `current`; nothing to do when it is already there exactly.
pub fn install_plan(current: &[u8], line: &str) -> Vec<Step> {
    let new = with_job(current, line);
    if new == current {
        return Vec::new();
    }
    let mut steps = Vec::new();
    if !current.is_empty() {
        steps.push(Step::Backup {
            what: "crontab",
            contents: current.to_vec(),
        });
    }
    steps.push(write_crontab(new));
    steps
}

/// Take our line out of `current`; nothing to do when it is not there.
pub fn uninstall_plan(current: &[u8]) -> Vec<Step> {
    let Some(rest) = without_job(current) else {
        return Vec::new();
    };
    vec![
        Step::Backup {
            what: "crontab",
            contents: current.to_vec(),
        },
        // Nothing left: remove the crontab rather than leave an empty one behind.
        if rest.is_empty() {
            Step::run("crontab", &["-r"])
        } else {
            write_crontab(rest)
        },
    ]
}

/// `crontab -` reads the new table from standard input, so no temporary file is needed.
fn write_crontab(contents: Vec<u8>) -> Step {
    Step::Run {
        program: "crontab",
        args: vec!["-".to_string()],
        stdin: Some(contents),
        required: true,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::remind::schedule::Day;

    fn monday() -> Schedule {
        Schedule {
            day: Day::Mon,
            hour: 9,
            minute: 0,
        }
    }

    fn command(binary: &str) -> Vec<String> {
        vec![binary.to_string(), "remind".to_string()]
    }

    #[test]
    fn the_line_round_trips() {
        let line = job_line(&command("/usr/local/bin/awscheck"), monday());
        assert_eq!(
            line,
            format!("0 9 * * 1 /usr/local/bin/awscheck remind {MARKER}")
        );
        let job = parse_line(&line).unwrap();
        assert_eq!(job.schedule, monday());
        assert_eq!(job.command, command("/usr/local/bin/awscheck"));

        let odd = vec![
            "/home/me/my tools/it's 100%/awscheck".to_string(),
            "--settings".to_string(),
            "/home/me/a b.toml".to_string(),
            "remind".to_string(),
        ];
        for day in Day::ALL {
            let schedule = Schedule {
                day,
                hour: 23,
                minute: 59,
            };
            let line = job_line(&odd, schedule);
            assert!(line.contains(r"100\%"), "{line}");
            let job = parse_line(&line).unwrap();
            assert_eq!((job.schedule, job.command.clone()), (schedule, odd.clone()));
        }
    }

    #[test]
    fn other_lines_are_not_ours() {
        assert_eq!(parse_line("0 9 * * 1 /usr/bin/awscheck remind"), None);
        assert_eq!(parse_line("# awscheck weekly reminder"), None);
    }

    #[test]
    fn install_then_uninstall_gives_back_every_byte() {
        let line = job_line(&command("/bin/awscheck"), monday());
        for before in [
            &b""[..],
            b"MAILTO=me@example.org\n*/5 * * * * /usr/bin/backup\n",
            b"# only a comment, no final newline",
            b"\n\n",
            b"0 0 * * * a\r\n1 1 * * * b",
        ] {
            let installed = with_job(before, &line);
            assert!(installed.starts_with(line.as_bytes()));
            assert_eq!(find(&installed).unwrap().line, line);
            // Installing again changes nothing.
            assert_eq!(with_job(&installed, &line), installed);
            assert_eq!(without_job(&installed).unwrap(), before);
            assert_eq!(without_job(before), None);
        }
    }

    #[test]
    fn reinstall_replaces_an_older_line_wherever_it_is() {
        let old = job_line(&command("/old/awscheck"), monday());
        let crontab = format!("1 1 * * * other\n{old}\n2 2 * * * more\n");
        let new = job_line(
            &command("/new/awscheck"),
            Schedule {
                day: Day::Fri,
                hour: 17,
                minute: 30,
            },
        );
        let updated = with_job(crontab.as_bytes(), &new);
        assert_eq!(
            String::from_utf8(updated).unwrap(),
            format!("{new}\n1 1 * * * other\n2 2 * * * more\n")
        );
    }

    #[test]
    fn plans() {
        let line = job_line(&command("/bin/awscheck"), monday());
        let installed = with_job(b"", &line);
        assert_eq!(install_plan(&installed, &line), Vec::new());
        assert_eq!(
            install_plan(b"", &line),
            vec![write_crontab(installed.clone())]
        );
        assert_eq!(
            uninstall_plan(&installed),
            vec![
                Step::Backup {
                    what: "crontab",
                    contents: installed.clone()
                },
                Step::run("crontab", &["-r"])
            ]
        );
        assert_eq!(uninstall_plan(b"1 1 * * * x\n"), Vec::new());
    }

    #[test]
    fn listing() {
        let output = |code, stdout: &str, stderr: &str| Output {
            code: Some(code),
            stdout: stdout.into(),
            stderr: stderr.into(),
        };
        assert_eq!(read_listing(&output(0, "x\n", "")), Ok(b"x\n".to_vec()));
        assert_eq!(
            read_listing(&output(1, "", "no crontab for alice\n")),
            Ok(Vec::new())
        );
        assert!(read_listing(&output(1, "", "crontab: permission denied\n")).is_err());
    }
}
