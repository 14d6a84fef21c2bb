//! Prose fitted to a terminal's width without breaking a token inside itself.
//!
//! Lines break at spaces. A command in backticks stays on one line when it fits; one longer
//! than a line gets lines of its own, continued with ` \` the way a shell reads them, so it
//! can still be pasted and run as printed. A word longer than a whole line (a long path)
//! breaks after a `/`; only a word with no `/` that is wider than the line itself is cut,
//! since a line may never be wider than the terminal.

use unicode_width::UnicodeWidthStr;

/// Columns `text` takes on a terminal: its length for ASCII, which nearly all of a report is.
pub fn width(text: &str) -> usize {
    match text.is_ascii() {
        true => text.len(),
        false => UnicodeWidthStr::width(text),
    }
}

/// `text` after `first` on one line as it is when it fits, so that aligned columns survive;
/// else [`wrap`]ped.
pub fn fit(text: &str, columns: usize, first: &str, rest: &str) -> Vec<String> {
    if !text.contains('\n') && width(first) + width(text) <= columns {
        return vec![format!("{first}{text}")];
    }
    wrap(text, columns, first, rest)
}

/// `text` in lines of at most `columns` columns: the first starts with `first`, the others
/// with `rest` (a hanging indent). Line breaks already in `text` are kept.
pub fn wrap(text: &str, columns: usize, first: &str, rest: &str) -> Vec<String> {
    let mut lines = Lines {
        done: Vec::new(),
        line: first.to_string(),
        used: width(first),
        empty: true,
        rest,
        columns,
    };
    let line_room = columns.saturating_sub(width(rest)).max(1);
    for (index, paragraph) in text.split('\n').enumerate() {
        if index > 0 {
            lines.next_line();
        }
        for unit in units(paragraph, line_room) {
            match unit {
                Unit::Command(command) => lines.add_command(&command, line_room),
                // A word wider than a whole line goes in pieces; the others whole.
                Unit::Word(word) => {
                    for (index, piece) in pieces(&word, line_room).into_iter().enumerate() {
                        lines.add(piece, index == 0);
                    }
                }
            }
        }
    }
    lines.done.push(lines.line);
    lines.done
}

/// Lines being filled.
struct Lines<'a> {
    done: Vec<String>,
    line: String,
    used: usize,
    /// Nothing but the indent on the line yet.
    empty: bool,
    rest: &'a str,
    columns: usize,
}

impl Lines<'_> {
    fn next_line(&mut self) {
        let line = std::mem::replace(&mut self.line, self.rest.to_string());
        self.done.push(line);
        self.used = width(self.rest);
        self.empty = true;
    }

    /// A command too long for a line, on lines of its own continued with ` \\`. A break
    /// inside double quotes starts the next line at the margin, so the quoted text stays
    /// exactly what it was.
    fn add_command(&mut self, command: &str, line_room: usize) {
        if !self.empty {
            self.next_line();
        }
        let mut bare = false;
        for (index, (piece, next_bare)) in shell_lines(command, line_room, self.columns)
            .into_iter()
            .enumerate()
        {
            if index > 0 {
                self.next_line();
                if bare {
                    self.line.clear();
                    self.used = 0;
                }
            }
            self.line.push_str(&piece);
            self.used += width(&piece);
            self.empty = false;
            bare = next_bare;
        }
    }

    /// `piece` on this line if it fits, else on the next; a new word after a space.
    fn add(&mut self, piece: &str, new_word: bool) {
        let piece_width = width(piece);
        let gap = usize::from(new_word && !self.empty);
        if !self.empty && self.used + gap + piece_width > self.columns {
            self.next_line();
        } else if gap == 1 {
            self.line.push(' ');
            self.used += 1;
        }
        self.line.push_str(piece);
        self.used += piece_width;
        self.empty = false;
    }
}

/// A piece of a paragraph as the wrapper places it.
enum Unit<'a> {
    Word(std::borrow::Cow<'a, str>),
    /// A command in backticks too long for a line.
    Command(String),
}

/// The words of `paragraph`, except that a command in backticks is one unit: whole on a line
/// when it fits (`` `chmod 600 ~/.aws/credentials` `` reads better whole than broken at its
/// spaces), else laid out as a shell reads it.
fn units(paragraph: &str, columns: usize) -> Vec<Unit<'_>> {
    use std::borrow::Cow;
    let words: Vec<&str> = paragraph.split(' ').filter(|w| !w.is_empty()).collect();
    let mut out = Vec::with_capacity(words.len());
    let toggles = |word: &str| word.matches('`').count() % 2 == 1;
    let mut at = 0;
    while at < words.len() {
        let close = toggles(words[at])
            .then(|| (at + 1..words.len()).find(|&i| toggles(words[i])))
            .flatten();
        match close {
            Some(close) => {
                let command = words[at..=close].join(" ");
                out.push(match width(&command) <= columns {
                    true => Unit::Word(Cow::Owned(command)),
                    false => Unit::Command(command),
                });
                at = close + 1;
            }
            None => {
                out.push(Unit::Word(Cow::Borrowed(words[at])));
                at += 1;
            }
        }
    }
    out
}

/// `command` in lines of at most `room` columns (`columns` for a line that starts at the
/// margin), each but the last ending in ` \\`, and whether the next line must start at the
/// margin. Breaks go at spaces outside single quotes, where a shell joins the lines back to
/// the same command; a stretch with no such space is left whole.
fn shell_lines(command: &str, room: usize, columns: usize) -> Vec<(String, bool)> {
    // Where a line may end: a space outside quotes (the next line may be indented), or a space
    // inside double quotes or just after a `/` of a word, where the shell joins the next line
    // on at once: that one starts at the margin.
    let mut breaks: Vec<(usize, Break)> = Vec::new();
    let mut quote = None;
    for (at, c) in command.char_indices() {
        match (quote, c) {
            (None, '\'' | '"') => quote = Some(c),
            (Some(open), _) if c == open => quote = None,
            (None, ' ') => breaks.push((at, Break::Between)),
            (Some('"'), ' ') => breaks.push((at, Break::Within)),
            (None | Some('"'), '/') if at + 1 < command.len() => breaks.push((at, Break::Within)),
            _ => {}
        }
    }
    let mut lines = Vec::new();
    let mut start = 0;
    let mut budget = room;
    loop {
        let rest = &command[start..];
        if width(rest) <= budget {
            lines.push((rest.to_string(), false));
            return lines;
        }
        let line_of = |at: usize, kind: Break| match kind {
            Break::Between => format!("{} \\", &command[start..at]),
            Break::Within => format!("{}\\", &command[start..=at]),
        };
        // The last break between words that fits, else the last inside a word that does (a
        // line that starts at the margin reads worse), else the first there is.
        let fits = |at: usize, kind: Break| at >= start && width(&line_of(at, kind)) <= budget;
        let fitting = breaks
            .iter()
            .rfind(|(at, kind)| *kind == Break::Between && fits(*at, *kind))
            .or_else(|| breaks.iter().rfind(|(at, kind)| fits(*at, *kind)));
        let Some(&(at, kind)) = fitting.or_else(|| breaks.iter().find(|(at, _)| *at >= start))
        else {
            lines.push((rest.to_string(), false));
            return lines;
        };
        let bare = kind == Break::Within;
        lines.push((line_of(at, kind), bare));
        start = at + 1;
        budget = if bare { columns } else { room };
    }
}

/// How a command's line ends: between two words, or inside one (or inside double quotes),
/// where the next line must start at the margin.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Break {
    Between,
    Within,
}

/// `word` cut after each `/` into pieces no wider than `columns`, a piece with no `/` that is
/// still wider cut at `columns`.
fn pieces(word: &str, columns: usize) -> Vec<&str> {
    if width(word) <= columns {
        return vec![word];
    }
    let mut out = Vec::new();
    let mut start = 0;
    let mut last_slash = None;
    let mut used = 0;
    for (at, c) in word.char_indices() {
        let c_width = width(&word[at..at + c.len_utf8()]);
        if used + c_width > columns {
            let end = match last_slash {
                Some(slash) if slash > start => slash,
                _ => at,
            };
            out.push(&word[start..end]);
            start = end;
            used = width(&word[start..at]);
            last_slash = None;
        }
        used += c_width;
        if c == '/' {
            last_slash = Some(at + 1);
        }
    }
    if start < word.len() {
        out.push(&word[start..]);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn prose_breaks_at_spaces_with_a_hanging_indent() {
        let lines = wrap("one two three four five six", 12, "- ", "  ");
        assert_eq!(lines, ["- one two", "  three four", "  five six"]);
    }

    #[test]
    fn a_word_that_fits_a_line_is_never_cut() {
        let lines = wrap("see default-profile-has-credentials now", 34, "", "");
        assert_eq!(lines, ["see", "default-profile-has-credentials", "now"]);
    }

    #[test]
    fn a_path_wider_than_a_line_breaks_after_a_slash() {
        let lines = wrap(
            "chmod 600 /home/someone/projects/infrastructure/aws/credentials",
            30,
            "",
            "",
        );
        assert!(lines.iter().all(|line| width(line) <= 30), "{lines:?}");
        assert_eq!(
            lines.concat().replace(' ', ""),
            "chmod600/home/someone/projects/infrastructure/aws/credentials"
        );
        assert!(lines[1..].iter().all(|line| !line.is_empty()));
        assert!(
            lines
                .iter()
                .take(lines.len() - 1)
                .skip(1)
                .all(|l| l.ends_with('/')),
            "{lines:?}"
        );
    }

    #[test]
    fn no_line_is_wider_than_asked_even_for_one_endless_word() {
        let word = "x".repeat(95);
        let lines = wrap(&word, 40, "> ", "  ");
        assert!(lines.iter().all(|line| width(line) <= 40), "{lines:?}");
        assert_eq!(lines.concat().replace(['>', ' '], ""), word);
    }

    #[test]
    fn a_command_in_backticks_stays_on_one_line_when_it_fits() {
        let lines = wrap(
            "pick it with `--profile dev` or `export AWS_PROFILE=dev`",
            40,
            "",
            "",
        );
        assert_eq!(
            lines,
            [
                "pick it with `--profile dev` or",
                "`export AWS_PROFILE=dev`"
            ]
        );
        let long = "a `very long command line here` then `x y`";
        assert_eq!(
            wrap(long, 16, "", ""),
            ["a", "`very long \\", "command line \\", "here` then `x y`"]
        );
    }

    #[test]
    fn a_command_too_long_for_a_line_is_continued_as_a_shell_reads_it() {
        let text = "delete it: `aws iam delete-access-key --access-key-id \"$(aws iam list-access-keys --query \"Keys[?starts_with(Id, 'AKIA')].Id\")\" --profile dev` once done";
        let lines = wrap(text, 40, "", "  ");
        assert!(lines.iter().all(|line| width(line) <= 40), "{lines:#?}");
        let block = lines.join("\n");
        let command = block.split('`').nth(1).unwrap();
        // What a shell makes of it: `\` and the newline go, and outside quotes the indent
        // only separates words.
        let joined = command.replace("\\\n", "");
        let words = |text: &str| text.split_whitespace().collect::<Vec<_>>().join(" ");
        assert_eq!(words(&joined), words(text.split('`').nth(1).unwrap()));
        assert!(
            joined.contains("\"Keys[?starts_with(Id, 'AKIA')].Id\""),
            "{joined}"
        );
        assert!(block.ends_with("once done"), "{block}");
    }

    #[test]
    fn a_path_too_long_for_a_command_line_breaks_after_a_slash_at_the_margin() {
        let text =
            "run `awscheck rotate --credentials-file ~/a--_a-_-/a_aaaa0-0aa0/credentials`, then";
        let lines = wrap(text, 40, "  ", "    ");
        assert!(lines.iter().all(|line| width(line) <= 40), "{lines:#?}");
        let block = lines.join("\n");
        let command = block.split('`').nth(1).unwrap();
        // A shell drops `\` and the newline; after an indented break the indent only
        // separates words, and a break inside the path starts at the margin.
        let joined = command.replace("\\\n", "");
        let words: Vec<&str> = joined.split_whitespace().collect();
        assert_eq!(
            words,
            [
                "awscheck",
                "rotate",
                "--credentials-file",
                "~/a--_a-_-/a_aaaa0-0aa0/credentials"
            ]
        );
    }

    #[test]
    fn line_breaks_in_the_text_are_kept() {
        assert_eq!(wrap("a\nb c", 80, "", "  "), ["a", "  b c"]);
    }
}
