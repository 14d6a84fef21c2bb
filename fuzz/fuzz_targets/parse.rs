//! Any UTF-8 text: the document renders back byte for byte, and the parser returns (Ok or Err)
//! without panicking, with every value span pointing at its value's first line.
#![no_main]

use awscheck::document::Document;
use awscheck::parse::parse;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let document = Document::new(text.to_string());
    assert_eq!(document.render(), text);
    if let Ok(sections) = parse(&document) {
        for property in sections.iter().flat_map(|section| &section.properties) {
            let first_line = property.value.split('\n').next().unwrap_or("");
            assert_eq!(text.get(property.value_span.clone()), Some(first_line));
        }
    }
});
