//! Property tests for the lossless document and the parser on arbitrary, mostly INI-like text:
//! rendering gives back the input byte for byte, the parser never panics, and every value span
//! points at exactly the value's bytes on its own line, and merging a file as it is parsed
//! gives the same profiles as merging its parsed sections.

use awscheck::parse::document::Document;
use awscheck::parse::grammar::parse;
use awscheck::parse::origin::FileKind;
use awscheck::profiles::set::ProfileSet;
use proptest::prelude::*;

/// Space and tab only, as the grammar defines whitespace; sometimes none at all.
fn blanks(max: usize) -> impl Strategy<Value = String> {
    proptest::string::string_regex(&format!("[ \t]{{0,{max}}}")).expect("valid regex")
}

/// A trailing comment, or nothing: with and without the whitespace a property comment needs.
fn trailing_comment() -> impl Strategy<Value = String> {
    prop_oneof![
        3 => Just(String::new()),
        2 => "[ \t]{1,2}[#;][^\n]{0,10}",
        1 => "[#;][^\n]{0,6}",
    ]
}

fn name() -> impl Strategy<Value = String> {
    prop_oneof![
        4 => "[a-z][a-z0-9_-]{0,8}",
        // A few names often, so that sections repeat and files share profiles.
        3 => prop::sample::select(vec!["a", "dev", "prod"]).prop_map(str::to_string),
        1 => Just("default".to_string()),
        1 => "[a-zA-Z0-9 ._/%@:+\\-]{0,8}",
        1 => "[^\n]{0,6}",
    ]
}

/// `[profile x]`, `[default]`, `[sso-session x]` and broken variants (no `]`, odd prefixes).
fn header_line() -> impl Strategy<Value = String> {
    let prefix = prop_oneof![
        Just(String::new()),
        Just("profile ".to_string()),
        Just("profile\t".to_string()),
        Just("sso-session ".to_string()),
        Just("services ".to_string()),
        "[a-z]{1,6} ",
    ];
    let close = prop_oneof![20 => Just("]"), 1 => Just(""), 1 => Just("]]")];
    // A leading blank makes a continuation line rather than a header: keep that rare.
    let lead = prop_oneof![30 => Just(""), 1 => Just(" "), 1 => Just("\t")];
    (
        lead,
        prefix,
        blanks(2),
        name(),
        blanks(2),
        close,
        trailing_comment(),
    )
        .prop_map(|(lead, prefix, pad, name, pad2, close, comment)| {
            format!("{lead}[{pad}{prefix}{name}{pad2}{close}{comment}")
        })
}

fn key() -> impl Strategy<Value = String> {
    prop_oneof![
        4 => "[a-z_]{1,20}",
        2 => prop::sample::select(vec![
            "aws_access_key_id",
            "aws_secret_access_key",
            "aws_session_token",
            "region",
            "role_arn",
            "source_profile",
            "credential_process",
            "sso_session",
            "s3",
            "REGION",
        ])
        .prop_map(str::to_string),
        1 => "[^\n=]{1,6}",
        1 => Just(String::new()),
    ]
}

fn value() -> impl Strategy<Value = String> {
    prop_oneof![
        4 => "[A-Za-z0-9/+=_.:-]{0,40}",
        2 => "[^\n]{0,16}",
        1 => Just(String::new()),
        1 => prop::sample::select(vec![
            "value#Comment",
            "value;x",
            "a = b = c",
            "\"quoted # not a comment\"",
            "é ü 日本 🦀",
            "v\r",
        ])
        .prop_map(str::to_string),
    ]
}

/// `key = value`, sometimes with the `=` missing or the key empty (both parse errors).
fn property_line() -> impl Strategy<Value = String> {
    let equals = prop_oneof![20 => Just("="), 1 => Just(""), 2 => Just("==")];
    (
        key(),
        blanks(2),
        equals,
        blanks(3),
        value(),
        trailing_comment(),
    )
        .prop_map(|(key, pad, equals, pad2, value, comment)| {
            format!("{key}{pad}{equals}{pad2}{value}{comment}")
        })
}

/// A comment line. Indented, the SDKs read it as a continuation instead: keep that rarer.
fn comment_line() -> impl Strategy<Value = String> {
    prop_oneof![
        9 => "[#;][^\n]{0,20}",
        1 => "[ \t]{1,2}[#;][^\n]{0,20}",
    ]
}

/// Indented lines: continuations of a value, or sub-properties of an empty-valued key.
fn continuation_line() -> impl Strategy<Value = String> {
    let body = prop_oneof![
        2 => property_line(),
        1 => "[^\n]{0,16}",
        1 => value(),
        // Indented, a header is only more of the value.
        1 => header_line(),
    ];
    ("[ \t]{1,4}", body).prop_map(|(lead, body)| format!("{lead}{body}"))
}

/// A line of any kind, including ones that break the grammar where they stand.
fn noise_line() -> impl Strategy<Value = String> {
    prop_oneof![
        1 => header_line(),
        2 => property_line(),
        1 => continuation_line(),
        2 => "[^\n]{0,24}",
    ]
}

/// A property and any indented lines that follow it.
fn property_block() -> impl Strategy<Value = Vec<String>> {
    let continuations = prop_oneof![
        4 => Just(Vec::new()),
        1 => prop::collection::vec(continuation_line(), 1..4),
    ];
    (property_line(), continuations).prop_map(|(first, mut rest)| {
        rest.insert(0, first);
        rest
    })
}

/// Lines inside a section: mostly properties, some comments and blanks, rarely noise.
fn body_lines() -> impl Strategy<Value = Vec<String>> {
    prop_oneof![
        8 => property_block(),
        2 => comment_line().prop_map(|line| vec![line]),
        2 => blanks(3).prop_map(|line| vec![line]),
        1 => noise_line().prop_map(|line| vec![line]),
    ]
}

/// A header followed by its body.
fn section() -> impl Strategy<Value = Vec<String>> {
    (header_line(), prop::collection::vec(body_lines(), 0..6)).prop_map(|(header, body)| {
        let mut lines = vec![header];
        lines.extend(body.into_iter().flatten());
        lines
    })
}

fn ending() -> impl Strategy<Value = &'static str> {
    prop_oneof![
        12 => Just("\n"),
        6 => Just("\r\n"),
        1 => Just("\r"),
        1 => Just("\r\r\n"),
    ]
}

/// Optional comments and blanks, then sections; lines joined by mixed endings and sometimes
/// without a final newline.
fn ini_text() -> impl Strategy<Value = String> {
    let preamble = prop::collection::vec(
        prop_oneof![10 => comment_line(), 8 => blanks(2), 1 => noise_line()],
        0..3,
    );
    (
        preamble,
        prop::collection::vec(section(), 0..6),
        prop::collection::vec(ending(), 64),
        any::<bool>(),
    )
        .prop_map(|(preamble, sections, endings, final_newline)| {
            let lines: Vec<String> = preamble
                .into_iter()
                .chain(sections.into_iter().flatten())
                .collect();
            let mut text = String::new();
            for (index, line) in lines.iter().enumerate() {
                text.push_str(line);
                if index + 1 < lines.len() || final_newline {
                    text.push_str(endings[index % endings.len()]);
                }
            }
            text
        })
}

fn text() -> impl Strategy<Value = String> {
    prop_oneof![
        8 => ini_text(),
        1 => any::<String>(),
        1 => "[\\[\\]=#; \t\r\na-z\n]{0,60}",
    ]
}

/// Text the SDKs accept, with few names so that sections repeat, files share profiles and
/// indented header-like lines (values, not headers) turn up: what the merge must agree on.
fn valid_ini_text() -> impl Strategy<Value = String> {
    let header = (
        prop::sample::select(vec![
            "",
            "profile ",
            "profile\t",
            "sso-session ",
            "services ",
            "x ",
        ]),
        prop::sample::select(vec!["a", "dev", "default", "b c", "é"]),
        trailing_comment(),
    )
        .prop_map(|(prefix, name, comment)| format!("[{prefix}{name}]{comment}"));
    let continuation = prop_oneof![
        Just("  more".to_string()),
        Just("\t[profile a]".to_string()),
        Just("  [dev]".to_string()),
        Just("  k = v".to_string()),
    ];
    let property = (
        prop::sample::select(vec![
            "region",
            "REGION",
            "k",
            "aws_access_key_id",
            "s3",
            "bad key",
        ]),
        value(),
        trailing_comment(),
        prop::collection::vec(continuation, 0..2),
    )
        .prop_map(|(key, value, comment, more)| {
            let mut lines = vec![format!("{key} = {value}{comment}")];
            lines.extend(more);
            lines.join("\n")
        });
    let body = prop_oneof![
        6 => property,
        1 => comment_line(),
        1 => Just(String::new()),
    ];
    let section = (header, prop::collection::vec(body, 0..4)).prop_map(|(header, body)| {
        std::iter::once(header)
            .chain(body)
            .collect::<Vec<_>>()
            .join("\n")
    });
    prop::collection::vec(section, 0..8).prop_map(|sections| sections.join("\n"))
}

proptest! {
    #![proptest_config(ProptestConfig {
        cases: 512,
        ..ProptestConfig::default()
    })]

    #[test]
    fn render_gives_back_the_input(text in text()) {
        let document = Document::new(text.clone());
        prop_assert_eq!(document.render(), text.clone());
        prop_assert_eq!(document.text(), text.as_str());
        // The line table splits as `str::lines` does, which the document promises.
        let lines: Vec<&str> = document.numbered_lines().map(|(_, line)| line).collect();
        let expected: Vec<&str> = text.lines().collect();
        prop_assert_eq!(lines, expected);
    }

    #[test]
    fn parse_never_panics_and_spans_point_at_values(text in text()) {
        let document = Document::new(text.clone());
        let line_count = document.lines().len();
        match parse(&document) {
            Err(error) => {
                prop_assert!(
                    (1..=line_count).contains(&error.line),
                    "error line {} outside 1..={}", error.line, line_count
                );
            }
            Ok(sections) => {
                for section in &sections {
                    prop_assert!((1..=line_count).contains(&section.line));
                    for property in &section.properties {
                        let first_line = property.value.split('\n').next().unwrap_or("");
                        let spanned = text.get(property.value_span.clone());
                        prop_assert!(
                            spanned.is_some(),
                            "span {:?} is not a char range of the text", property.value_span
                        );
                        prop_assert_eq!(spanned.unwrap(), first_line);
                        prop_assert!(property.line >= section.line);
                        prop_assert!(property.last_line >= property.line);
                        prop_assert!(property.last_line <= line_count);
                        // The span lies on the property's own line.
                        let own = &document.lines()[property.line - 1];
                        prop_assert!(
                            own.start <= property.value_span.start
                                && property.value_span.end <= own.end
                        );
                    }
                }
            }
        }
    }

    /// The audit merges each file while parsing it (`merge_document`, which finds repeated
    /// headers in a first pass of its own); it must agree with parsing first (`merge_file`).
    #[test]
    fn merging_while_parsing_matches_merging_parsed_sections(
        config in valid_ini_text(),
        credentials in valid_ini_text(),
    ) {
        let mut streamed = ProfileSet::default();
        let mut parsed_first = ProfileSet::default();
        for (kind, text) in [(FileKind::Config, &config), (FileKind::Credentials, &credentials)] {
            let document = Document::new(text.clone());
            let Ok(sections) = parse(&document) else {
                prop_assert!(streamed.merge_document(kind, &document).is_err());
                return Ok(());
            };
            parsed_first.merge_file(kind, sections);
            prop_assert!(streamed.merge_document(kind, &document).is_ok());
        }
        prop_assert!(streamed.profiles().eq(parsed_first.profiles()));
        prop_assert!(streamed.sso_sessions().eq(parsed_first.sso_sessions()));
        prop_assert_eq!(&streamed.ignored, &parsed_first.ignored);
        prop_assert_eq!(&streamed.repeated, &parsed_first.repeated);
    }
}
