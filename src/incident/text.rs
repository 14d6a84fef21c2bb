//! `awscheck incident` for a person: what the machine holds in a line, then each key with its
//! use grouped by where it came from (what is unlike this machine's own first), then the
//! verdict and what to do next. Fitted to the terminal's width like the audit's report.

use super::outcome::{Incident, KeyUse};
use super::usage::Group;
use crate::report::shown::ShortPaths;
use crate::sys::wrap::fit;
use chrono::{DateTime, Utc};
use std::io::{self, Write};

pub struct Look<'a> {
    pub width: usize,
    pub paths: &'a ShortPaths,
    /// `awscheck incident --contain` on the same files, as it can be pasted.
    pub contain: &'a str,
}

pub fn write(out: &mut dyn Write, incident: &Incident, look: &Look) -> io::Result<()> {
    let say = |out: &mut dyn Write, text: &str, first: &str, rest: &str| -> io::Result<()> {
        let text = look.paths.shorten(text);
        for line in fit(&text, look.width, first, rest) {
            writeln!(out, "{}", line.trim_end())?;
        }
        Ok(())
    };
    say(
        out,
        &format!(
            "awscheck incident: use since {} in {}",
            minute(incident.since),
            incident.regions.join(", ")
        ),
        "",
        "  ",
    )?;
    say(out, &held_line(incident), "", "  ")?;
    write_other_credentials(out, incident, &say)?;
    writeln!(out)?;

    for key in &incident.keys {
        write_key(out, key, incident, &say)?;
    }
    if !incident.keys.is_empty() {
        writeln!(out)?;
    }
    write_verdict(out, incident, look, &say)
}

type Say<'s> = dyn Fn(&mut dyn Write, &str, &str, &str) -> io::Result<()> + 's;

fn write_key(out: &mut dyn Write, key: &KeyUse, incident: &Incident, say: &Say) -> io::Result<()> {
    let mut heading = vec![key.key_id.clone()];
    if !key.profiles.is_empty() {
        heading.push(key.profiles.join(", "));
    }
    if key.stray {
        let places = incident
            .credentials
            .iter()
            .find(|c| c.key_id.as_deref() == Some(key.key_id.as_str()))
            .map(|c| c.places.join(", "))
            .unwrap_or_default();
        heading.push(format!("stray, in {places}"));
    }
    match (&key.owner, &key.account) {
        (Some(owner), _) => heading.push(owner.clone()),
        (None, Some(account)) => heading.push(format!("account {account}")),
        (None, None) => {}
    }
    heading.extend(key.can_do.clone());
    say(out, &heading.join(" · "), "", "    ")?;
    if let Some(description) = &key.description {
        // Text someone typed into IAM: a terminal must not act on it.
        let description = crate::report::cells::escaped(description);
        say(
            out,
            &format!("described in IAM as \"{description}\": where else is it used?"),
            "  ",
            "    ",
        )?;
    }
    if let Some(refused) = &key.refused {
        say(
            out,
            &format!("AWS does not take calls signed by it: {refused}"),
            "  ",
            "    ",
        )?;
    }
    if let Some(note) = &key.note {
        say(out, &format!("not read: {note}"), "  ", "    ")?;
        return Ok(());
    }
    for region in &key.regions {
        if let Some(note) = &region.note {
            say(out, &format!("{}: {note}", region.region), "  ", "    ")?;
        }
    }
    if key.groups.is_empty() {
        let read: Vec<&str> = key
            .regions
            .iter()
            .filter(|r| r.note.is_none())
            .map(|r| r.region.as_str())
            .collect();
        if !read.is_empty() {
            say(
                out,
                &format!(
                    "no calls in {} since {}",
                    read.join(", "),
                    minute(incident.since)
                ),
                "  ",
                "    ",
            )?;
        }
    }
    for group in &key.groups {
        write_group(out, group, say)?;
    }
    for session in &key.sessions {
        let until = match session.expires {
            Some(expires) => format!("valid until {}", minute(expires)),
            None => "expiry unknown".to_string(),
        };
        let state = match session.live {
            true => "; it outlives the key",
            false => ", expired",
        };
        say(
            out,
            &format!("handed out session {}, {until}{state}", session.key_id),
            "  ",
            "    ",
        )?;
    }
    Ok(())
}

fn write_group(out: &mut dyn Write, group: &Group, say: &Say) -> io::Result<()> {
    let calls = match (group.calls, group.denied) {
        (1, 0) => "1 call".to_string(),
        (n, 0) => format!("{n} calls"),
        (n, denied) => format!("{n} calls ({denied} refused)"),
    };
    let ip = match group.source_ip.is_empty() {
        true => "no source IP",
        false => group.source_ip.as_str(),
    };
    let mut heading = format!("{ip} · {calls} · {}", span(group.first, group.last));
    if group.own {
        heading.push_str(" · awscheck's own");
    }
    say(out, &heading, "  ", "      ")?;
    if !group.own {
        let agent = match group.user_agent.is_empty() {
            true => "none",
            false => group.user_agent.as_str(),
        };
        say(out, &format!("agent: {agent}"), "    ", "      ")?;
    }
    let actions: Vec<String> = group
        .actions
        .iter()
        .map(|a| format!("{} {}", a.action, a.count))
        .collect();
    say(
        out,
        &format!("{} · in {}", actions.join(", "), group.regions.join(", ")),
        "    ",
        "      ",
    )?;
    if !group.hints.is_empty() {
        let unlike: Vec<String> = group.hints.iter().map(ToString::to_string).collect();
        say(
            out,
            &format!("unlike this machine's use: {}", unlike.join("; ")),
            "    ",
            "      ",
        )?;
    }
    Ok(())
}

/// `2026-12-07 04:40 UTC`, `2026-12-07 04:40–05:12 UTC`, or two whole times.
fn span(first: DateTime<Utc>, last: DateTime<Utc>) -> String {
    if first.format("%Y-%m-%d %H:%M").to_string() == last.format("%Y-%m-%d %H:%M").to_string() {
        minute(first)
    } else if first.date_naive() == last.date_naive() {
        format!(
            "{}–{} UTC",
            first.format("%Y-%m-%d %H:%M"),
            last.format("%H:%M")
        )
    } else {
        format!("{} → {}", first.format("%Y-%m-%d %H:%M"), minute(last))
    }
}

fn write_verdict(
    out: &mut dyn Write,
    incident: &Incident,
    look: &Look,
    say: &Say,
) -> io::Result<()> {
    let verdict = &incident.verdict;
    let total = incident.keys.len();
    let named = |ids: &[String]| -> String {
        ids.iter()
            .map(|id| {
                let profiles = incident
                    .keys
                    .iter()
                    .find(|k| &k.key_id == id)
                    .map(|k| k.profiles.join(", "))
                    .unwrap_or_default();
                match profiles.is_empty() {
                    true => id.clone(),
                    false => format!("{id} ({profiles})"),
                }
            })
            .collect::<Vec<_>>()
            .join(", ")
    };
    if total == 0 {
        say(
            out,
            "No long-term key on this machine, and no stray key in a copy: there is no key use to read.",
            "",
            "",
        )?;
        return Ok(());
    }
    let read = incident.keys.iter().filter(|k| k.complete).count();
    match verdict.unlike_own_use.len() {
        // Of keys not read, nothing is said: "no foreign use" needs the use read.
        0 if read == 0 => {}
        0 if read == total => say(
            out,
            &format!("None of the {total} keys shows use unlike this machine's own."),
            "",
            "",
        )?,
        0 => say(
            out,
            &format!(
                "None of the {read} keys read everywhere shows use unlike this machine's own."
            ),
            "",
            "",
        )?,
        n => say(
            out,
            &format!(
                "{n} of {total} {} use unlike this machine's own: {}.",
                match n {
                    1 => "keys shows",
                    _ => "keys show",
                },
                named(&verdict.unlike_own_use)
            ),
            "",
            "",
        )?,
    }
    if !verdict.unread.is_empty() {
        say(
            out,
            &format!(
                "Not read everywhere, so nothing can be said of: {}.",
                named(&verdict.unread)
            ),
            "",
            "",
        )?;
    }
    say(
        out,
        "\"Unlike\" is a hint, and \"like\" proves nothing: read every group above.",
        "",
        "",
    )?;
    if verdict.live_sessions > 0 {
        say(
            out,
            &format!(
                "{} session(s) handed out by these keys are still valid, and stay valid after the key is deleted: --contain ends them.",
                verdict.live_sessions
            ),
            "",
            "",
        )?;
    }
    if !verdict.unlike_own_use.is_empty() || verdict.live_sessions > 0 {
        say(
            out,
            &format!(
                "Contain it: `{}` rotates every key here, deactivates the stray ones, ends older sessions and signs out (it asks first; --dry-run shows the plan).",
                look.contain
            ),
            "",
            "  ",
        )?;
    }
    Ok(())
}

/// More of these are counted, not listed.
const OTHERS_LISTED: usize = 5;

/// The credentials that are not long-term keys, a line each: caches with their expiry,
/// session keys, programs. Their use is not read: they are ended by `--contain`'s sign-out,
/// or expire.
fn write_other_credentials(out: &mut dyn Write, incident: &Incident, say: &Say) -> io::Result<()> {
    let others: Vec<String> = incident
        .credentials
        .iter()
        .filter(|c| {
            !incident
                .keys
                .iter()
                .any(|k| Some(&k.key_id) == c.key_id.as_ref())
        })
        .map(|c| {
            let mut parts = vec![c.held.to_string()];
            if !c.profiles.is_empty() {
                parts.push(c.profiles.join(", "));
            }
            parts.extend(c.key_id.clone());
            parts.extend(c.places.first().cloned());
            parts.extend(c.program.as_ref().map(|program| format!("runs {program}")));
            parts.extend(
                c.expires
                    .map(|expires| format!("expires {}", minute(expires))),
            );
            parts.join(" · ")
        })
        .collect();
    for line in others.iter().take(OTHERS_LISTED) {
        say(out, line, "  ", "    ")?;
    }
    if others.len() > OTHERS_LISTED {
        say(
            out,
            &format!(
                "and {} more (--format json lists them)",
                others.len() - OTHERS_LISTED
            ),
            "  ",
            "    ",
        )?;
    }
    Ok(())
}

/// What the machine holds, counted: `3 long-term keys, 1 SSO token, ...`.
fn held_line(incident: &Incident) -> String {
    let mut counts: Vec<(&str, usize)> = Vec::new();
    for credential in &incident.credentials {
        let name = match credential.stray {
            true => "stray key in a copy",
            false => credential.held,
        };
        match counts.iter_mut().find(|(n, _)| *n == name) {
            Some((_, count)) => *count += 1,
            None => counts.push((name, 1)),
        }
    }
    if counts.is_empty() {
        return "On this machine: no AWS credential.".to_string();
    }
    let parts: Vec<String> = counts
        .iter()
        .map(|(name, count)| match count {
            1 => format!("1 {name}"),
            n => format!("{n} {}", plural(name)),
        })
        .collect();
    format!("On this machine: {}.", parts.join(", "))
}

fn plural(name: &str) -> String {
    match name {
        "key in the environment" => "keys in the environment".to_string(),
        "stray key in a copy" => "stray keys in copies".to_string(),
        "copy" => "copies".to_string(),
        "credential process" => "credential processes".to_string(),
        _ => format!("{name}s"),
    }
}

fn minute(time: DateTime<Utc>) -> String {
    time.format("%Y-%m-%d %H:%M UTC").to_string()
}
