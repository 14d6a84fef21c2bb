//! Any UTF-8 text: the document renders back byte for byte, the parser returns (Ok or Err)
//! without panicking, with every value span pointing at its value's first line, and merging
//! the file while parsing it gives what merging its parsed sections gives.
#![no_main]

use awscheck::parse::document::Document;
use awscheck::parse::grammar::parse;
use awscheck::parse::origin::FileKind;
use awscheck::profiles::set::ProfileSet;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let document = Document::new(text.to_string());
    assert_eq!(document.render(), text);
    let Ok(sections) = parse(&document) else {
        assert!(ProfileSet::default()
            .merge_document(FileKind::Config, &document)
            .is_err());
        return;
    };
    for property in sections.iter().flat_map(|section| &section.properties) {
        let first_line = property.value.split('\n').next().unwrap_or("");
        assert_eq!(text.get(property.value_span.clone()), Some(first_line));
    }
    for kind in [FileKind::Config, FileKind::Credentials] {
        let mut parsed_first = ProfileSet::default();
        parsed_first.merge_file(kind, sections.clone());
        let mut streamed = ProfileSet::default();
        streamed.merge_document(kind, &document).unwrap();
        assert!(streamed.profiles().eq(parsed_first.profiles()));
        assert!(streamed.sso_sessions().eq(parsed_first.sso_sessions()));
        assert_eq!(streamed.ignored, parsed_first.ignored);
        assert_eq!(streamed.repeated, parsed_first.repeated);
    }
});
