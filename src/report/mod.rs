//! Reports: charts, an HTML page and a Markdown file drawn from saved results.
//!
//! The report reads results only (never an engine), so [`redraw`] can redraw any saved run or
//! sweep without rerunning it. [`write_report`] writes:
//!
//! | file | holds |
//! |---|---|
//! | `index.html` | one self-contained page: every chart inlined as SVG, the tables, the scenario, the machine, the seed, the build, the integrity audit |
//! | `report.md` | the same for a code-hosting site, with relative links to the PNGs |
//! | `charts/*.svg`, `charts/*.png` | each chart in both formats |
//! | `data/` | copies of the results files and a CSV of the per-pool figures |
//!
//! Every chart implements [`chart::Chart`]: one chart per file in this folder. Colours come
//! from one [`palette::Palette`] per report, keyed by pool name, so a policy keeps its colour
//! across every chart. Text is drawn with an embedded font ([`font`]), so charts render on a
//! machine without fonts.

pub mod attempts;
pub mod bars;
pub mod chart;
pub mod csv;
pub mod document;
mod error;
pub mod fairness;
pub mod font;
pub mod heatmap;
pub mod html;
pub mod load;
pub mod markdown;
pub mod palette;
pub mod spectrum;
pub mod style;
pub mod sweep_lines;
pub mod sweep_tables;
pub mod table;
pub mod timeline;

use std::path::{Path, PathBuf};

pub use chart::{Chart, RenderedChart};
pub use error::ReportError;

use crate::metrics::results::Results;
use crate::sweep::manifest::{MANIFEST_FILE, SweepData};
use crate::sweep::verdict::Metric;
use document::Block;
use palette::Palette;

/// What a report is drawn from.
#[derive(Clone, Debug)]
pub enum ReportInput {
    /// One or more runs (each with its pools); each gets its own section of charts.
    Runs(Vec<Results>),
    /// A sweep: charts against the varied parameters and the "when to use" table.
    Sweep(SweepData),
}

/// The files a report wrote.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ReportFiles {
    /// The report folder.
    pub dir: PathBuf,
    /// `index.html`.
    pub html: PathBuf,
    /// `report.md`.
    pub markdown: PathBuf,
    /// Every chart, in page order.
    pub charts: Vec<RenderedChart>,
    /// Data files (results copies, CSV).
    pub data: Vec<PathBuf>,
}

fn create_dir(path: &Path) -> Result<(), ReportError> {
    std::fs::create_dir_all(path).map_err(|source| ReportError::Write {
        path: path.to_owned(),
        source,
    })
}

fn write_file(path: &Path, contents: impl AsRef<[u8]>) -> Result<(), ReportError> {
    std::fs::write(path, contents).map_err(|source| ReportError::Write {
        path: path.to_owned(),
        source,
    })
}

/// Writes the report for `input` into `dir` (created if missing; files of an earlier report
/// there are overwritten).
pub fn write_report(input: &ReportInput, dir: &Path) -> Result<ReportFiles, ReportError> {
    let charts_dir = dir.join("charts");
    let data_dir = dir.join("data");
    create_dir(&charts_dir)?;
    create_dir(&data_dir)?;
    let (title, blocks, palette, data) = match input {
        ReportInput::Runs(runs) => runs_document(runs, &charts_dir, &data_dir)?,
        ReportInput::Sweep(data) => sweep_document(data, &charts_dir, &data_dir)?,
    };
    let charts: Vec<RenderedChart> = blocks
        .iter()
        .filter_map(|b| match b {
            Block::Chart(c) => Some(c.clone()),
            _ => None,
        })
        .collect();
    let svg_of = |b: &Block| match b {
        Block::Chart(c) => std::fs::read_to_string(&c.svg).ok(),
        _ => None,
    };
    let html_path = dir.join("index.html");
    write_file(&html_path, html::page(&title, &blocks, &palette, &svg_of))?;
    let md_path = dir.join("report.md");
    write_file(&md_path, markdown::document(&title, &blocks, dir))?;
    Ok(ReportFiles {
        dir: dir.to_owned(),
        html: html_path,
        markdown: md_path,
        charts,
        data,
    })
}

type Document = (String, Vec<Block>, Palette, Vec<PathBuf>);

fn runs_document(
    runs: &[Results],
    charts_dir: &Path,
    data_dir: &Path,
) -> Result<Document, ReportError> {
    let palette = Palette::new(
        runs.iter()
            .flat_map(|r| r.pools.iter().map(|p| p.name.as_str())),
    );
    let title = match runs {
        [one] => format!("retrylab report: {}", one.scenario_name),
        _ => format!("retrylab report: {} runs", runs.len()),
    };
    let mut blocks = Vec::new();
    let mut data = Vec::new();
    let mut csv_text = format!("{}\n", csv::POOL_HEADER);
    let mut files = Vec::new();
    for (i, r) in runs.iter().enumerate() {
        let (prefix, results_name) = if runs.len() == 1 {
            (String::new(), "results.json".to_owned())
        } else {
            (format!("run{}-", i + 1), format!("results-{}.json", i + 1))
        };
        if runs.len() > 1 {
            blocks.push(Block::Heading(
                1,
                format!("Run {}: {}", i + 1, r.scenario_name),
            ));
        }
        let level = if runs.len() == 1 { 1 } else { 2 };
        run_blocks(r, &prefix, level, &palette, charts_dir, &mut blocks)?;
        let json = serde_json::to_string_pretty(r).map_err(|e| ReportError::Parse {
            path: data_dir.join(&results_name),
            message: e.to_string(),
        })?;
        let path = data_dir.join(&results_name);
        write_file(&path, json)?;
        files.push(format!("data/{results_name}"));
        data.push(path);
        csv_text.push_str(&csv::pool_rows(i + 1, r));
    }
    let csv_path = data_dir.join("pools.csv");
    write_file(&csv_path, csv_text)?;
    files.push("data/pools.csv".into());
    data.push(csv_path);
    blocks.push(Block::Heading(1, "Data files".into()));
    blocks.push(Block::Files(files));
    Ok((title, blocks, palette, data))
}

fn run_blocks(
    r: &Results,
    prefix: &str,
    level: u8,
    palette: &Palette,
    charts_dir: &Path,
    blocks: &mut Vec<Block>,
) -> Result<(), ReportError> {
    let p = prefix.to_owned();
    blocks.push(Block::Heading(level, "Summary".into()));
    if r.partial {
        blocks.push(Block::Paragraph(
            "This run was interrupted: the figures cover only the part that ran.".into(),
        ));
    }
    blocks.push(Block::Paragraph(format!(
        "Latencies are of committed append operations, from their intended start, over {} of measured time (warm-up excluded).",
        style::fmt_ns(r.measured_ns as f64)
    )));
    blocks.push(Block::Table(table::pool_summary(r)));
    let rendered = [
        chart::render(
            &bars::SummaryBars {
                results: r,
                prefix: p.clone(),
            },
            palette,
            charts_dir,
        )?,
        chart::render(
            &spectrum::LatencySpectrum {
                results: r,
                prefix: p.clone(),
            },
            palette,
            charts_dir,
        )?,
        chart::render(
            &attempts::AttemptsHistogram {
                results: r,
                prefix: p.clone(),
            },
            palette,
            charts_dir,
        )?,
        chart::render(
            &timeline::TimeSeries {
                results: r,
                prefix: p.clone(),
            },
            palette,
            charts_dir,
        )?,
        chart::render(
            &fairness::FairnessChart {
                results: r,
                prefix: p,
            },
            palette,
            charts_dir,
        )?,
    ];
    blocks.push(Block::Heading(level, "Charts".into()));
    blocks.extend(rendered.into_iter().map(Block::Chart));
    blocks.push(Block::Heading(level, "Conflict analysis".into()));
    blocks.push(Block::Table(table::conflict_analysis(r)));
    if let Some(monitor) = table::monitor(r) {
        blocks.push(Block::Heading(
            level,
            "Conflict monitor (the policy's own view, pattern 5)".into(),
        ));
        blocks.push(Block::Paragraph(
            "What each monitored policy's conflict monitor recorded as the run went: a \
             count-min sketch of conflicts per actor (estimates never below the true count), \
             staleness in power-of-two buckets, and a stale-read alert whenever a writer had \
             missed more versions than the threshold (the seed's `gap > 5`)."
                .into(),
        ));
        blocks.push(Block::Table(monitor));
    }
    blocks.push(Block::Heading(level, "Store integrity audit".into()));
    blocks.push(Block::Table(table::integrity(r)));
    blocks.push(Block::Heading(level, "What ran, where".into()));
    blocks.push(Block::Table(table::run_facts(r)));
    blocks.push(Block::Heading(level, "Scenario".into()));
    blocks.push(Block::Code {
        lang: "toml".into(),
        text: r.scenario_toml.clone(),
    });
    Ok(())
}

fn sweep_document(
    data: &SweepData,
    charts_dir: &Path,
    data_dir: &Path,
) -> Result<Document, ReportError> {
    let m = &data.manifest;
    let palette = Palette::new(
        data.points
            .iter()
            .flat_map(|p| &p.reps)
            .flat_map(|r| r.pools.iter().map(|p| p.name.as_str())),
    );
    let varied: Vec<String> = m
        .params
        .iter()
        .map(|p| format!("{} ({}) over {}", p.name, p.path, p.values.join(", ")))
        .collect();
    let title = format!(
        "retrylab sweep: {} — varying {}",
        m.scenario_name,
        m.params
            .iter()
            .map(|p| p.name.as_str())
            .collect::<Vec<_>>()
            .join(" × ")
    );
    let finished: usize = data.points.iter().map(|p| p.reps.len()).sum();
    let planned = data.points.len() * m.repeat as usize;
    let mut blocks = vec![Block::Paragraph(format!(
        "Scenario {} ({}), varying {}. Each point ran {} time{} on the {} engine, with the same derived seeds at every point; {finished} of {planned} runs finished. Figures are medians over the repeats; error bars and ranges span the smallest to the largest repeat.",
        m.scenario_name,
        m.origin,
        varied.join("; and "),
        m.repeat,
        if m.repeat == 1 { "" } else { "s" },
        m.engine,
    ))];
    let rows = crate::sweep::verdict::when_to_use(data);
    blocks.push(Block::Heading(
        1,
        "When to use each policy, measured".into(),
    ));
    blocks.push(Block::Paragraph(
        "At each regime swept, the pool (policy) that wins on each figure, with its median and how many times better it is than the runner-up. Pools of one scenario run together and compete for the same actors, so a winner here won against the others' traffic; for each policy alone on the load, sweep with a runner that runs pools in turn (as `retrylab compare` does).".into(),
    ));
    blocks.push(Block::Table(sweep_tables::when_to_use(&rows)));
    for line in sweep_tables::tally_lines(&rows) {
        blocks.push(Block::Paragraph(line));
    }
    blocks.push(Block::Heading(1, "Where each policy does best".into()));
    blocks.push(Block::Paragraph(
        "For each pool, the point of the sweep where it does best on each figure, and how many times better that is than its worst point: the regime to run it in.".into(),
    ));
    blocks.push(Block::Table(sweep_tables::best_points(data)));
    blocks.push(Block::Heading(1, "Charts".into()));
    if m.params.len() == 1 {
        for metric in Metric::ALL {
            let chart = sweep_lines::SweepLines { data, metric };
            blocks.push(Block::Chart(chart::render(&chart, &palette, charts_dir)?));
        }
    } else {
        for name in palette.names() {
            for metric in [Metric::Goodput, Metric::P99] {
                let chart = heatmap::Heatmap {
                    data,
                    pool: name.clone(),
                    metric,
                };
                blocks.push(Block::Chart(chart::render(&chart, &palette, charts_dir)?));
            }
        }
    }
    blocks.push(Block::Heading(1, "Figures at every point".into()));
    blocks.push(Block::Table(sweep_tables::point_figures(data)));
    if let Some(first) = data.points.iter().flat_map(|p| &p.reps).next() {
        blocks.push(Block::Heading(1, "What ran, where".into()));
        blocks.push(Block::Table(table::run_facts(first)));
        let failed: Vec<String> = data
            .points
            .iter()
            .flat_map(|p| p.reps.iter().map(move |r| (p, r)))
            .filter(|(_, r)| !r.integrity.ok)
            .map(|(p, r)| format!("{} (seed {})", p.label, r.seed))
            .collect();
        blocks.push(Block::Paragraph(if failed.is_empty() {
            "Store integrity audit: passed at every point.".into()
        } else {
            format!("Store integrity audit FAILED at: {}", failed.join(", "))
        }));
    }
    blocks.push(Block::Heading(1, "Base scenario".into()));
    blocks.push(Block::Code {
        lang: "toml".into(),
        text: m.base_toml.clone(),
    });
    let manifest_path = data_dir.join(MANIFEST_FILE);
    let manifest = serde_json::to_string_pretty(m).map_err(|e| ReportError::Parse {
        path: manifest_path.clone(),
        message: e.to_string(),
    })?;
    write_file(&manifest_path, manifest)?;
    let csv_path = data_dir.join("sweep.csv");
    write_file(&csv_path, sweep_tables::csv(data))?;
    blocks.push(Block::Heading(1, "Data files".into()));
    blocks.push(Block::Files(vec![
        format!("data/{MANIFEST_FILE}"),
        "data/sweep.csv".into(),
    ]));
    Ok((title, blocks, palette, vec![manifest_path, csv_path]))
}

/// Where [`redraw`] writes when no output folder is given: `report/` inside a folder, or next
/// to a file.
pub fn default_output(path: &Path) -> PathBuf {
    if path.is_dir() {
        path.join("report")
    } else {
        path.parent().unwrap_or(Path::new(".")).join("report")
    }
}

/// Reads what `path` holds (a `results.json`, a run folder, a folder of runs, or a sweep
/// folder with its `sweep.json`) into a report input.
pub fn read_input(path: &Path) -> Result<ReportInput, ReportError> {
    if path.is_file() && path.file_name().is_some_and(|n| n == MANIFEST_FILE) {
        return read_input(path.parent().unwrap_or(Path::new(".")));
    }
    if path.is_file() {
        return Ok(ReportInput::Runs(vec![load::read_results(path)?]));
    }
    if !path.exists() {
        return Err(ReportError::Read {
            path: path.to_owned(),
            source: std::io::Error::new(std::io::ErrorKind::NotFound, "no such file or folder"),
        });
    }
    if path.join(MANIFEST_FILE).is_file() {
        let data = crate::sweep::load(path).map_err(|e| ReportError::Parse {
            path: path.to_owned(),
            message: e.to_string(),
        })?;
        return Ok(ReportInput::Sweep(data));
    }
    let files = load::find_results(path)?;
    if files.is_empty() {
        return Err(ReportError::NothingToReport {
            path: path.to_owned(),
        });
    }
    let runs = files
        .iter()
        .map(|f| load::read_results(f))
        .collect::<Result<Vec<_>, _>>()?;
    Ok(ReportInput::Runs(runs))
}

/// Redraws the report of saved results (a run or a sweep) at `path` into `out` (default: [`default_output`]),
/// without rerunning anything.
pub fn redraw(path: &Path, out: Option<&Path>) -> Result<ReportFiles, ReportError> {
    let input = read_input(path)?;
    let dir = out.map_or_else(|| default_output(path), Path::to_owned);
    write_report(&input, &dir)
}
