//! One direction only (DESIGN.md): reports and the results schema read saved results and never
//! reach the engines or the sweep runner, so a report can be redrawn without them and an engine
//! error can never be a report's.

use std::path::Path;

fn sources(dir: &Path, out: &mut Vec<std::path::PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            sources(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

#[test]
fn reports_and_the_results_schema_never_use_the_engines_or_the_runner() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut files = Vec::new();
    sources(&root.join("report"), &mut files);
    sources(&root.join("metrics"), &mut files);
    assert!(files.len() > 20, "{files:?}");
    let mut offending = Vec::new();
    for file in &files {
        let text = std::fs::read_to_string(file).unwrap();
        for (n, line) in text.lines().enumerate() {
            let code = line.split("//").next().unwrap_or("");
            if code.contains("crate::engine") || code.contains("crate::sweep") {
                offending.push(format!("{}:{}: {}", file.display(), n + 1, line.trim()));
            }
        }
    }
    assert!(offending.is_empty(), "{}", offending.join("\n"));
}
