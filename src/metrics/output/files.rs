//! Writing a run folder's files (results, CSVs, HdrHistogram logs) and reading
//! `results.json` back, schema version first.

use std::fmt::Write as _;
use std::io::Write as _;
use std::path::{Path, PathBuf};

use hdrhistogram::Histogram;
use hdrhistogram::serialization::V2DeflateSerializer;
use hdrhistogram::serialization::interval_log::{IntervalLogWriterBuilder, Tag};

use super::folder::file_safe;
use super::{OutputError, io_error};
use crate::metrics::format::csv_field;
use crate::metrics::results::{Results, SCHEMA_VERSION};

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
    write_file(
        &folder.pools_csv,
        &crate::metrics::pools_csv::of_run(0, results),
    )?;
    write_file(&folder.timeseries_csv, &timeseries_csv(results))?;
    let mut folder = folder;
    for (pool, h) in results.pools.iter().zip(op_latency) {
        let path = dir.join(format!("{}.hlog", file_safe(&pool.name)));
        write_hlog(&path, &pool.name, results, h)?;
        folder.hlogs.push(path);
    }
    Ok(folder)
}

/// Writes `contents` to `path` through a temporary file and a rename, so a crash never leaves
/// a half-written file that a resume would take for a finished one. `Err` names the file that
/// failed (the temporary one or `path`).
pub fn write_atomic(path: &Path, contents: &str) -> Result<(), (PathBuf, std::io::Error)> {
    let tmp = path.with_extension("tmp");
    std::fs::write(&tmp, contents).map_err(|e| (tmp.clone(), e))?;
    std::fs::rename(&tmp, path).map_err(|e| (path.to_owned(), e))
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
}
