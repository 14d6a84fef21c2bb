//! `awscheck audit --format sarif`: SARIF 2.1.0 for code-scanning tools, each result pointing
//! at the file and line of its evidence.

use crate::audit::catalog;
use crate::audit::finding::Finding;
use serde_json::{json, Value};
use std::io::{self, Write};
use std::path::Path;

/// Write the SARIF document, pretty-printed and ending in a newline, to `out`.
pub fn write<W: Write>(mut out: W, findings: &[Finding]) -> io::Result<()> {
    let rules: Vec<Value> = catalog::rules()
        .iter()
        .map(|rule| {
            json!({
                "id": rule.id,
                "name": rule.slug,
                "shortDescription": { "text": rule.title },
                "fullDescription": { "text": rule.summary.trim() },
                "help": { "text": format!("{}\n\nFix: {}", rule.rationale.trim(), rule.remediation.trim()) },
                "helpUri": rule.references.first().map(|r| r.url.as_str()),
                "defaultConfiguration": { "level": rule.severity.sarif_level() },
                "properties": { "severity": rule.severity.name(), "tags": ["security", "aws"] },
            })
        })
        .collect();
    let rule_index = |id: &str| catalog::rules().iter().position(|rule| rule.id == id);
    let results: Vec<Value> = findings
        .iter()
        .map(|finding| {
            let mut result = json!({
                "ruleId": finding.rule_id,
                "ruleIndex": rule_index(finding.rule_id),
                "level": finding.severity.sarif_level(),
                "message": { "text": message(finding) },
                "properties": { "severity": finding.severity.name(), "profile": finding.profile },
            });
            if let Some(file) = &finding.file {
                let mut physical = json!({ "artifactLocation": { "uri": file_uri(file) } });
                if let Some(line) = finding.line {
                    physical["region"] = json!({ "startLine": line });
                }
                result["locations"] = json!([{ "physicalLocation": physical }]);
            }
            result
        })
        .collect();
    let document = json!({
        "$schema": "https://json.schemastore.org/sarif-2.1.0.json",
        "version": "2.1.0",
        "runs": [{
            "tool": { "driver": {
                "name": "awscheck",
                "version": env!("CARGO_PKG_VERSION"),
                "rules": rules,
            }},
            "results": results,
        }],
    });
    serde_json::to_writer_pretty(&mut out, &document)?;
    out.write_all(b"\n")
}

fn message(finding: &Finding) -> String {
    let mut text = finding.message.clone();
    if !finding.evidence.is_empty() {
        text.push_str(&format!(" ({})", finding.evidence));
    }
    text.push_str(&format!(". Fix: {}", finding.remediation));
    text
}

/// An absolute `file://` URI, percent-encoding what a URI path may not hold.
fn file_uri(path: &Path) -> String {
    let absolute = if path.is_absolute() {
        path.to_path_buf()
    } else {
        std::env::current_dir()
            .map(|dir| dir.join(path))
            .unwrap_or_else(|_| path.to_path_buf())
    };
    let mut uri = String::from("file://");
    for byte in absolute.to_string_lossy().bytes() {
        match byte {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' | b'/' => {
                uri.push(byte as char)
            }
            _ => uri.push_str(&format!("%{byte:02X}")),
        }
    }
    uri
}

#[cfg(test)]
mod tests {
    use super::file_uri;
    use std::path::Path;

    #[test]
    fn uris_are_encoded() {
        assert_eq!(
            file_uri(Path::new("/home/a b/.aws/config")),
            "file:///home/a%20b/.aws/config"
        );
    }
}
