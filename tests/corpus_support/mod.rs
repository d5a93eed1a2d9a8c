//! The scenario corpus the tests read: the `.toml` files of a folder of the project.

#![allow(dead_code, unreachable_pub)]

use std::path::{Path, PathBuf};

/// The `.toml` files in `dir` (relative to the project), sorted.
pub fn toml_files(dir: &str) -> Vec<PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join(dir);
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|x| x == "toml"))
        .collect();
    files.sort();
    files
}
