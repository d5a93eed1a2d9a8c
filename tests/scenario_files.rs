//! Every ready scenario in scenarios/, and the one the README shows, parses and validates, so
//! none can rot.

use std::path::Path;

use retrylab::workload::scenario::Scenario;

#[test]
fn every_ready_scenario_validates() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios");
    let mut files: Vec<_> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|x| x == "toml"))
        .collect();
    files.sort();
    assert!(files.len() >= 8, "the ready scenarios are there: {files:?}");
    let problems: Vec<String> = files
        .iter()
        .filter_map(|f| Scenario::from_file(f).err().map(|e| e.to_string()))
        .collect();
    assert!(problems.is_empty(), "{}", problems.join("\n\n"));
    for f in &files {
        let text = std::fs::read_to_string(f).unwrap();
        assert!(
            text.starts_with("# Question:"),
            "{} starts with the question it answers",
            f.display()
        );
    }
}

#[test]
fn the_readme_scenario_validates() {
    let readme =
        std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("README.md")).unwrap();
    let block = readme
        .split("```toml\n")
        .nth(1)
        .and_then(|rest| rest.split("```").next())
        .expect("the README shows a scenario in a ```toml block");
    if let Err(e) = Scenario::from_toml(block, "README.md") {
        panic!("{e}");
    }
}
