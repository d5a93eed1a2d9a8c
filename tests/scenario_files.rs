//! Every ready scenario in scenarios/, and the one the README shows, parses and validates, so
//! none can rot; each fits the engine `retrylab run` uses by default for its store (threads;
//! async for PostgreSQL, in a build with the `postgres` feature). Every file of
//! the bad-scenario corpus is refused with its line and column (tests/cli_commands.rs checks
//! each message names its field, through the binary).

use std::path::Path;

mod corpus_support;
use corpus_support::toml_files;

use retrylab::engine::EngineKind;
use retrylab::workload::scenario::Scenario;

#[test]
fn ready_and_good_scenarios_fit_the_default_engine() {
    let files: Vec<_> = toml_files("scenarios")
        .into_iter()
        .chain(toml_files("tests/good_scenarios"))
        .collect();
    let problems: Vec<String> = files
        .iter()
        .filter_map(|f| {
            let engine = match Scenario::from_file(f) {
                Ok(s) => EngineKind::default_for(&s),
                Err(e) => return Some(e.to_string()),
            };
            match Scenario::from_file_for(f, engine) {
                Ok(_) => None,
                // Without the feature a PostgreSQL scenario parses and says how to build it.
                Err(e)
                    if engine == EngineKind::Async
                        && !cfg!(feature = "postgres")
                        && e.to_string().contains("--features postgres") =>
                {
                    None
                }
                Err(e) => Some(e.to_string()),
            }
        })
        .collect();
    assert!(problems.is_empty(), "{}", problems.join("\n\n"));
}

#[test]
fn every_bad_scenario_is_refused_with_its_position() {
    let files = toml_files("tests/bad_scenarios");
    assert!(files.len() >= 40, "the corpus is there: {files:?}");
    for f in &files {
        let name = f.file_name().unwrap().to_str().unwrap();
        let msg = match Scenario::from_file(f) {
            Ok(_) => panic!("{name} should be refused"),
            Err(e) => e.to_string(),
        };
        assert!(msg.contains(name), "{name}: names the file: {msg}");
        assert!(
            msg.contains("at line ") && msg.contains(", column ") && msg.contains('^'),
            "{name}: shows the line and column at fault: {msg}"
        );
    }
}

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
