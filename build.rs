//! Embeds every rule file of `rules/` in the binary, so `awscheck explain` prints the very text
//! the project ships, and beside it the same rule as JSON, which a run reads far faster than
//! TOML. A rule file that is not valid TOML fails the build. The list is generated, never kept
//! by hand.

use std::fmt::Write as _;
use std::path::Path;

fn main() {
    let rules_dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("rules");
    println!("cargo:rerun-if-changed={}", rules_dir.display());
    let mut files: Vec<_> = std::fs::read_dir(&rules_dir)
        .expect("rules/ exists")
        .map(|entry| entry.expect("readable rules/ entry").path())
        .filter(|path| path.extension().is_some_and(|ext| ext == "toml"))
        .collect();
    files.sort();

    let mut code = String::from("pub static RULE_FILES: &[(&str, &str)] = &[\n");
    let mut json = String::from("pub static RULE_JSON: &[(&str, &str)] = &[\n");
    for path in &files {
        println!("cargo:rerun-if-changed={}", path.display());
        let stem = path
            .file_stem()
            .unwrap()
            .to_str()
            .expect("UTF-8 rule file name");
        writeln!(
            code,
            "    ({stem:?}, include_str!({:?})),",
            path.display().to_string()
        )
        .unwrap();
        let text = std::fs::read_to_string(path).expect("readable rule file");
        let table: toml::Table = text
            .parse()
            .unwrap_or_else(|error| panic!("rules/{stem}.toml is not valid TOML: {error}"));
        let as_json = serde_json::to_string(&table).expect("TOML values are JSON values");
        writeln!(json, "    ({stem:?}, {as_json:?}),").unwrap();
    }
    code.push_str("];\n");
    json.push_str("];\n");
    code.push_str(&json);
    let out = Path::new(&std::env::var("OUT_DIR").unwrap()).join("rule_files.rs");
    std::fs::write(out, code).expect("write rule_files.rs");
}
