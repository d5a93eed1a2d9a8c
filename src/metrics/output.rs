//! A run folder on disk: what `retrylab run` writes, and how a results file is read back.
//!
//! ```text
//! reports/<scenario>-seed<seed>-<UTC date-time>[-<n>]/   (-2, -3, … when the name is taken)
//!   results.json     the whole results schema (docs/results-schema.md), pretty-printed
//!   pools.csv        one row per pool: the headline figures
//!   timeseries.csv   one row per pool and time-series window
//!   <pool>.hlog      the pool's committed-operation latency histogram (ns) as an HdrHistogram
//!                    interval log (V2 deflate), readable by HdrHistogram's own tools
//! ```

use std::fmt::Write as _;
use std::io::Write as _;
use std::path::{Path, PathBuf};

use hdrhistogram::Histogram;
use hdrhistogram::serialization::V2DeflateSerializer;
use hdrhistogram::serialization::interval_log::{IntervalLogWriterBuilder, Tag};

use super::format::csv_field;
use super::results::{Results, SCHEMA_VERSION};
use crate::exit::{Classify, ExitKind};

/// Why a run folder could not be written or a results file read.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum OutputError {
    /// A file or folder could not be created, written or read. Check the path and permissions.
    #[error("{path}: {source}")]
    Io {
        /// The file or folder concerned.
        path: PathBuf,
        /// The underlying error.
        #[source]
        source: std::io::Error,
    },
    /// The file is not valid JSON, or not a results file. Pass a `results.json` that retrylab
    /// wrote.
    #[error("{path} is not a retrylab results file: {source}")]
    Json {
        /// The file.
        path: PathBuf,
        /// The parser's error.
        #[source]
        source: serde_json::Error,
    },
    /// The file was written by a retrylab with another results schema. Rerun the scenario with
    /// this version, or read the file with the version that wrote it.
    #[error(
        "{path} has results schema version {found}, but this retrylab reads version {expected}: \
         rerun the scenario with this version (its seed and scenario are inside the file)"
    )]
    SchemaVersion {
        /// The file.
        path: PathBuf,
        /// The version in the file (0 when the field is missing).
        found: u64,
        /// The version this build reads.
        expected: u32,
    },
    /// The results folder already exists and is not empty. Pass `--force` to write into it
    /// anyway, or choose another folder.
    #[error(
        "{path} already exists and holds {holds}: choose another folder with --out, or pass --force to write into it anyway (files of the same names are replaced)"
    )]
    NotEmpty {
        /// The folder.
        path: PathBuf,
        /// What it holds (`a run's results (results.json)`, `3 entries`).
        holds: String,
    },
    /// The results path is a file, not a folder. Choose a folder.
    #[error("{path} is a file, not a folder: choose a folder for the results with --out")]
    NotAFolder {
        /// The path.
        path: PathBuf,
    },
    /// The folder could not be created or written to (permissions, a name too long, a full
    /// disk). Choose another folder.
    #[error(
        "cannot write results into {path}: {source}: choose a folder you can write to, with a shorter name, on a disk with room (--out DIR)"
    )]
    Unwritable {
        /// The folder.
        path: PathBuf,
        /// The underlying error.
        #[source]
        source: std::io::Error,
    },
    /// Every default name with a numbered suffix is taken. Clear out old runs, or pass `--out`.
    #[error(
        "{path} and its numbered variants up to -{MAX_SUFFIX} all exist: move old runs away, or choose a folder with --out"
    )]
    NoFreeName {
        /// The default folder without a suffix.
        path: PathBuf,
    },
    /// A latency histogram could not be encoded. This is a bug; please report it.
    #[error("{path}: could not encode a latency histogram: {message}")]
    Histogram {
        /// The log file.
        path: PathBuf,
        /// What the encoder said.
        message: String,
    },
}

impl Classify for OutputError {
    fn exit_kind(&self) -> ExitKind {
        match self {
            // The file given is not a results file; the folder asked for cannot be used.
            OutputError::Json { .. }
            | OutputError::SchemaVersion { .. }
            | OutputError::NotEmpty { .. }
            | OutputError::NotAFolder { .. }
            | OutputError::Unwritable { .. }
            | OutputError::NoFreeName { .. } => ExitKind::BadInput,
            // Writing failed midway, or a defect.
            OutputError::Io { .. } | OutputError::Histogram { .. } => ExitKind::Failure,
        }
    }
}

fn io_error(path: &Path) -> impl FnOnce(std::io::Error) -> OutputError + '_ {
    move |source| OutputError::Io {
        path: path.to_owned(),
        source,
    }
}

/// The files of a written run folder.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RunFolder {
    /// The folder.
    pub dir: PathBuf,
    /// `results.json`.
    pub results: PathBuf,
    /// `pools.csv`.
    pub pools_csv: PathBuf,
    /// `timeseries.csv`.
    pub timeseries_csv: PathBuf,
    /// One interval log per pool that has a histogram.
    pub hlogs: Vec<PathBuf>,
}

impl Results {
    /// Reads a `results.json`, checking its schema version first so an old file gets a clear
    /// message rather than a missing-field error.
    pub fn load(path: &Path) -> Result<Results, OutputError> {
        let text = std::fs::read_to_string(path).map_err(io_error(path))?;
        let json_error = |source| OutputError::Json {
            path: path.to_owned(),
            source,
        };
        let value: serde_json::Value = serde_json::from_str(&text).map_err(json_error)?;
        let found = value
            .get("schema_version")
            .and_then(serde_json::Value::as_u64)
            .unwrap_or(0);
        if found != u64::from(SCHEMA_VERSION) {
            return Err(OutputError::SchemaVersion {
                path: path.to_owned(),
                found,
                expected: SCHEMA_VERSION,
            });
        }
        serde_json::from_value(value).map_err(json_error)
    }
}

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

/// Writes a run folder at `dir` (created if missing). `op_latency` holds each pool's histogram
/// in pool order; pools without one get no `.hlog`.
pub fn write_run(
    dir: &Path,
    results: &Results,
    op_latency: &[Histogram<u64>],
) -> Result<RunFolder, OutputError> {
    std::fs::create_dir_all(dir).map_err(io_error(dir))?;
    let folder = RunFolder {
        dir: dir.to_owned(),
        results: dir.join("results.json"),
        pools_csv: dir.join("pools.csv"),
        timeseries_csv: dir.join("timeseries.csv"),
        hlogs: Vec::new(),
    };
    let json = serde_json::to_string_pretty(results).map_err(|source| OutputError::Json {
        path: folder.results.clone(),
        source,
    })?;
    write_file(&folder.results, &json)?;
    write_file(&folder.pools_csv, &super::pools_csv::of_run(0, results))?;
    write_file(&folder.timeseries_csv, &timeseries_csv(results))?;
    let mut folder = folder;
    for (pool, h) in results.pools.iter().zip(op_latency) {
        let path = dir.join(format!("{}.hlog", file_safe(&pool.name)));
        write_hlog(&path, &pool.name, results, h)?;
        folder.hlogs.push(path);
    }
    Ok(folder)
}

fn write_file(path: &Path, text: &str) -> Result<(), OutputError> {
    std::fs::write(path, text).map_err(io_error(path))
}

fn timeseries_csv(results: &Results) -> String {
    let mut out = String::from("pool,window_start_ns,commits,conflicts,give_ups,rejections\n");
    for p in &results.pools {
        for (i, w) in p.time_series.iter().enumerate() {
            let _ = writeln!(
                out,
                "{},{},{},{},{},{}",
                csv_field(&p.name),
                i as u64 * results.window_ns,
                w.commits,
                w.conflicts,
                w.give_ups,
                w.rejections
            );
        }
    }
    out
}

/// One interval covering the measured time (after warm-up), tagged with the pool's name.
fn write_hlog(
    path: &Path,
    pool: &str,
    results: &Results,
    h: &Histogram<u64>,
) -> Result<(), OutputError> {
    let encode_error = |message: String| OutputError::Histogram {
        path: path.to_owned(),
        message,
    };
    let mut buf = Vec::new();
    let mut serializer = V2DeflateSerializer::new();
    {
        let mut log = IntervalLogWriterBuilder::new()
            .add_comment(&format!(
                "retrylab {} pool {pool}: committed-operation latency, ns, seed {}",
                results.scenario_name, results.seed
            ))
            .begin_log_with(&mut buf, &mut serializer)
            .map_err(|e| encode_error(e.to_string()))?;
        let tag = file_safe(pool);
        log.write_histogram(
            h,
            std::time::Duration::from_nanos(results.warmup_ns),
            std::time::Duration::from_nanos(results.measured_ns),
            Tag::new(&tag),
        )
        .map_err(|e| encode_error(format!("{e:?}")))?;
    }
    let mut file = std::fs::File::create(path).map_err(io_error(path))?;
    file.write_all(&buf).map_err(io_error(path))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::metrics::results::{Integrity, Machine, PoolResult};
    use hdrhistogram::serialization::interval_log::{IntervalLogIterator, LogEntry};

    fn results() -> Results {
        Results {
            sim: None,
            server: None,
            schema_version: SCHEMA_VERSION,
            scenario_name: "a b".into(),
            scenario_toml: String::new(),
            seed: 3,
            engine: "threads".into(),
            store: "global-mutex".into(),
            machine: Machine::default(),
            measured_ns: 1_000_000,
            warmup_ns: 0,
            window_ns: 500_000,
            makespan_ns: None,
            partial: false,
            wait_overshoot: None,
            pools: vec![PoolResult {
                name: "p,1".into(),
                ..PoolResult::default()
            }],
            integrity: Integrity::default(),
        }
    }

    #[test]
    fn a_run_folder_reads_back() {
        let dir = tempfile::tempdir().unwrap();
        let mut h = Histogram::<u64>::new(3).unwrap();
        h.record(1_234).unwrap();
        let folder = write_run(dir.path(), &results(), &[h]).unwrap();
        assert_eq!(Results::load(&folder.results).unwrap(), results());
        let csv = std::fs::read_to_string(&folder.pools_csv).unwrap();
        // The one pools layout: run 0, the scenario, engine and seed, then the quoted pool.
        let row = csv.lines().nth(1).unwrap();
        assert!(row.starts_with("0,") && row.contains(",\"p,1\","), "{csv}");
        let log = std::fs::read(&folder.hlogs[0]).unwrap();
        let intervals: Vec<_> = IntervalLogIterator::new(&log)
            .filter_map(|e| match e {
                Ok(LogEntry::Interval(i)) => Some(i.tag().map(|t| t.as_str().to_owned())),
                _ => None,
            })
            .collect();
        assert_eq!(intervals, vec![Some("p_1".to_owned())]);
    }

    #[test]
    fn a_wrong_schema_version_is_named() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("results.json");
        std::fs::write(&path, r#"{"schema_version": 99}"#).unwrap();
        let msg = Results::load(&path).unwrap_err().to_string();
        assert!(
            msg.contains("version 99") && msg.contains("reads version 1"),
            "{msg}"
        );
    }

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
