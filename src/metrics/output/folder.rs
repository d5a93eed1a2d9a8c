//! Choosing and preparing a run folder: default names that never collide, and a folder that
//! holds results refused unless `--force`, all before the run.

use std::io::Write as _;
use std::path::{Path, PathBuf};

use super::OutputError;

/// The most suffixes (`-2` … `-1000`) tried for a default folder name before giving up.
pub const MAX_SUFFIX: u32 = 1_000;

/// The longest scenario part of a default folder name, in bytes, so that with the seed, the
/// time and a suffix the name stays far below the 255 bytes file systems allow.
const MAX_NAME_PART: usize = 100;

/// The default folder name of a run: `<scenario>-seed<seed>-<YYYYMMDD-HHMMSS>` (UTC, now), the
/// scenario part made file-safe and cut to 100 bytes.
pub fn default_run_name(scenario_name: &str, seed: u64) -> String {
    let secs = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs());
    let mut name = file_safe(scenario_name);
    // file_safe leaves only ASCII, so any byte index is a character boundary.
    name.truncate(MAX_NAME_PART);
    format!("{name}-seed{seed}-{}", utc_stamp(secs))
}

/// Creates a new, empty results folder under `root` (created if missing) named by
/// [`default_run_name`], with `-2`, `-3`, … appended when the name is taken. The folder is
/// created exclusively, so two runs started at once never share one; it is probed for
/// writing, so a folder that cannot take the results fails before the run.
pub fn create_default_run_dir(
    root: &Path,
    scenario_name: &str,
    seed: u64,
) -> Result<PathBuf, OutputError> {
    let unwritable = |path: &Path| {
        let path = path.to_owned();
        move |source| OutputError::Unwritable { path, source }
    };
    std::fs::create_dir_all(root).map_err(unwritable(root))?;
    let base = default_run_name(scenario_name, seed);
    for n in 1..=MAX_SUFFIX {
        let name = if n == 1 {
            base.clone()
        } else {
            format!("{base}-{n}")
        };
        let dir = root.join(name);
        match std::fs::create_dir(&dir) {
            Ok(()) => {
                probe_writable(&dir)?;
                return Ok(dir);
            }
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {}
            Err(source) => return Err(OutputError::Unwritable { path: dir, source }),
        }
    }
    Err(OutputError::NoFreeName {
        path: root.join(base),
    })
}

/// Makes `dir` ready to take a run's results before the run: creates it (and its parents) if
/// missing; refuses it if it is a file, or a folder that is not empty unless `force`; and
/// probes that a file can be written in it.
pub fn prepare_run_dir(dir: &Path, force: bool) -> Result<(), OutputError> {
    match std::fs::metadata(dir) {
        Ok(meta) if !meta.is_dir() => {
            return Err(OutputError::NotAFolder {
                path: dir.to_owned(),
            });
        }
        Ok(_) => {
            if let Some(holds) = folder_contents(dir)? {
                if !force {
                    return Err(OutputError::NotEmpty {
                        path: dir.to_owned(),
                        holds,
                    });
                }
            }
        }
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            std::fs::create_dir_all(dir).map_err(|source| OutputError::Unwritable {
                path: dir.to_owned(),
                source,
            })?;
        }
        Err(source) => {
            return Err(OutputError::Unwritable {
                path: dir.to_owned(),
                source,
            });
        }
    }
    probe_writable(dir)
}

/// What a non-empty folder holds, in words; `None` when it is empty.
pub fn folder_contents(dir: &Path) -> Result<Option<String>, OutputError> {
    let entries = std::fs::read_dir(dir).map_err(|source| OutputError::Unwritable {
        path: dir.to_owned(),
        source,
    })?;
    let count = entries.count();
    if count == 0 {
        return Ok(None);
    }
    let holds = if dir.join("results.json").exists() {
        "a run's results (results.json)".to_owned()
    } else if dir.join("compare.json").exists() {
        "a comparison (compare.json)".to_owned()
    } else if dir.join("sweep.json").exists() {
        "a sweep (sweep.json)".to_owned()
    } else if dir.join("tune.json").exists() {
        "a tuning search (tune.json)".to_owned()
    } else if dir.join("index.html").exists() {
        "a report (index.html)".to_owned()
    } else {
        format!("{count} file(s) or folder(s)")
    };
    Ok(Some(holds))
}

/// Writes and removes a small file in `dir`, so a folder that cannot take the results is
/// found before a run rather than after it.
pub fn probe_writable(dir: &Path) -> Result<(), OutputError> {
    let probe = dir.join(format!(".retrylab-write-probe-{}", std::process::id()));
    let unwritable = |source| OutputError::Unwritable {
        path: dir.to_owned(),
        source,
    };
    let mut file = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(&probe)
        .map_err(unwritable)?;
    let written = file.write_all(b"retrylab checks it can write here\n");
    drop(file);
    let removed = std::fs::remove_file(&probe);
    written.map_err(unwritable)?;
    removed.map_err(unwritable)
}

/// `secs` since the Unix epoch as `YYYYMMDD-HHMMSS` (UTC), by the civil-from-days algorithm.
pub(crate) fn utc_stamp(secs: u64) -> String {
    let days = (secs / 86_400) as i64;
    let rem = secs % 86_400;
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1_460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    format!(
        "{year:04}{month:02}{day:02}-{:02}{:02}{:02}",
        rem / 3600,
        rem % 3600 / 60,
        rem % 60
    )
}

/// A name reduced to letters, digits, `-` and `_`, for file names and log tags.
pub fn file_safe(name: &str) -> String {
    let s: String = name
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '-' || c == '_' {
                c
            } else {
                '_'
            }
        })
        .collect();
    if s.is_empty() {
        "unnamed".to_owned()
    } else {
        s
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn default_folders_never_collide() {
        let root = tempfile::tempdir().unwrap();
        let dirs: Vec<PathBuf> = (0..3)
            .map(|_| create_default_run_dir(root.path(), "same", 1).unwrap())
            .collect();
        assert_ne!(dirs[0], dirs[1]);
        assert_ne!(dirs[1], dirs[2]);
        assert_ne!(dirs[0], dirs[2]);
        assert!(dirs.iter().all(|d| d.is_dir()));
    }

    #[test]
    fn a_long_scenario_name_makes_a_name_the_disk_takes() {
        let root = tempfile::tempdir().unwrap();
        let dir = create_default_run_dir(root.path(), &"x".repeat(400), 1).unwrap();
        assert!(dir.file_name().unwrap().len() < 160, "{}", dir.display());
    }

    #[test]
    fn a_non_empty_folder_is_refused_unless_forced() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("results.json"), "{}").unwrap();
        let err = prepare_run_dir(dir.path(), false).unwrap_err();
        assert!(matches!(err, OutputError::NotEmpty { .. }), "{err}");
        assert!(err.to_string().contains("--force"), "{err}");
        prepare_run_dir(dir.path(), true).unwrap();
        let names: Vec<_> = std::fs::read_dir(dir.path()).unwrap().collect();
        assert_eq!(names.len(), 1, "the probe file is removed");
    }

    #[test]
    fn utc_stamps_match_known_dates() {
        assert_eq!(utc_stamp(0), "19700101-000000");
        assert_eq!(utc_stamp(1_709_251_199), "20240229-235959");
    }
}
