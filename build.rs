//! Embeds every rule file of `rules/` in the binary, so `awscheck explain` prints the very text
//! the project ships, and beside it the same rule as JSON, which a run reads far faster than
//! TOML; and declares each rule's check module, `src/audit/rules/<slug>.rs`, with the list of
//! checks. A rule file that is not valid TOML, or that has no check, fails the build. The
//! lists are generated, never kept by hand.

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
    let checks_dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("src/audit/rules");
    println!("cargo:rerun-if-changed={}", checks_dir.display());
    let mut modules = String::new();
    let mut checks =
        String::from("/// Rule slug -> its check.\npub const CHECKS: &[(&str, Check)] = &[\n");
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
        let module = stem.replace('-', "_");
        let check = checks_dir.join(format!("{module}.rs"));
        assert!(
            check.is_file(),
            "rules/{stem}.toml has no check: write src/audit/rules/{module}.rs with its `check`"
        );
        writeln!(
            modules,
            "#[path = {:?}]\nmod {module};",
            check.display().to_string()
        )
        .unwrap();
        writeln!(checks, "    ({stem:?}, {module}::check),").unwrap();
    }
    checks.push_str("];\n");
    code.push_str("];\n");
    json.push_str("];\n");
    code.push_str(&json);
    let out = std::path::PathBuf::from(std::env::var("OUT_DIR").unwrap());
    std::fs::write(out.join("rule_files.rs"), code).expect("write rule_files.rs");
    std::fs::write(out.join("rule_checks.rs"), modules + &checks).expect("write rule_checks.rs");
}
