//! The folders of `src/` are floors: each may use the floors below it and never one above, so
//! the ground floor (`sys`) and the readers of files (`input`, `parse`) stay free of profiles,
//! rules and AWS. Read from the `crate::` paths of the source itself.

/// Every folder of `src/`, from the ground up; one floor may hold several.
const FLOORS: &[&[&str]] = &[
    &["sys"],
    &["parse"],
    &["input"],
    &["profiles", "scan"],
    &["audit", "aws"],
    &["edit", "report", "online"],
    &["protect", "remind"],
    &["rotate"],
    &["incident"],
    &["cli"],
    &["commands"],
];

fn floor(part: &str) -> Option<usize> {
    FLOORS.iter().position(|floor| floor.contains(&part))
}

/// (file, the part it is in, the part it names): every `crate::PART` outside the file's own.
fn uses() -> Vec<(String, String, String)> {
    let src = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut found = Vec::new();
    let mut folders = vec![src.clone()];
    while let Some(folder) = folders.pop() {
        for entry in std::fs::read_dir(&folder).unwrap().flatten() {
            let path = entry.path();
            if path.is_dir() {
                folders.push(path);
                continue;
            }
            let relative = path.strip_prefix(&src).unwrap();
            let Some(part) = relative.components().next() else {
                continue;
            };
            let part = part
                .as_os_str()
                .to_string_lossy()
                .trim_end_matches(".rs")
                .to_string();
            let text = std::fs::read_to_string(&path).unwrap();
            for (at, _) in text.match_indices("crate::") {
                let named: String = text[at + "crate::".len()..]
                    .chars()
                    .take_while(|c| c.is_ascii_lowercase() || *c == '_')
                    .collect();
                if named != part && !named.is_empty() {
                    found.push((relative.display().to_string(), part.clone(), named));
                }
            }
        }
    }
    found
}

#[test]
fn no_folder_uses_one_above_it() {
    let mut wrong = Vec::new();
    for (file, part, named) in uses() {
        if matches!(part.as_str(), "lib" | "main" | "layers") {
            continue;
        }
        let (Some(from), Some(to)) = (floor(&part), floor(&named)) else {
            wrong.push(format!(
                "{file}: `{part}` or `{named}` is on no floor of FLOORS"
            ));
            continue;
        };
        if to >= from && part != named {
            wrong.push(format!(
                "{file}: {part} uses crate::{named}, which is not below it"
            ));
        }
    }
    wrong.sort();
    wrong.dedup();
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
}

#[test]
fn the_ground_floor_and_the_file_readers_stand_on_their_own() {
    for (file, part, named) in uses() {
        match part.as_str() {
            "sys" => {
                panic!("{file}: sys uses crate::{named}; the ground floor uses nothing above it")
            }
            "input" | "parse" => assert!(
                matches!(named.as_str(), "sys" | "input" | "parse"),
                "{file}: {part} uses crate::{named}"
            ),
            _ => {}
        }
    }
}
