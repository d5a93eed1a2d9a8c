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
//!
//! The blocks of a run report are put together in `run_document.rs`, those of a sweep report in
//! `sweep_document.rs`, those of a comparison in `compare_document.rs`; `input.rs` reads saved
//! results back for [`redraw`].

pub mod attempts;
pub mod bars;
pub mod chart;
mod compare_document;
pub mod compare_tables;
pub mod csv;
pub mod document;
mod error;
pub mod fairness;
pub mod font;
pub mod heatmap;
pub mod html;
mod input;
pub mod load;
pub mod markdown;
pub mod palette;
mod run_document;
pub mod spectrum;
pub mod style;
mod sweep_document;
pub mod sweep_lines;
pub mod sweep_tables;
pub mod table;
pub mod timeline;
mod tune_document;
pub mod tune_scatter;

use std::path::{Path, PathBuf};

pub use chart::{Chart, RenderedChart};
pub use error::ReportError;
pub use input::{default_output, read_input, redraw};

use crate::metrics::results::Results;
use crate::metrics::sweep::compare::CompareData;
use crate::metrics::sweep::manifest::SweepData;
use crate::metrics::tune::record::TuneSummary;
use compare_document::compare_document;
use document::Block;
use palette::Palette;
use run_document::runs_document;
use sweep_document::sweep_document;
use tune_document::tune_document;

/// What a report is drawn from.
#[derive(Clone, Debug)]
pub enum ReportInput {
    /// One or more runs (each with its pools); each gets its own section of charts.
    Runs(Vec<Results>),
    /// A sweep: charts against the varied parameters and the "when to use" table.
    Sweep(SweepData),
    /// A comparison (`retrylab compare`): contention charts, the seed's table measured, and the
    /// simulator against the threaded engine (boxed: it holds two sweeps).
    Compare(Box<CompareData>),
    /// A tuning search (`retrylab tune`): the answer, its confirmation, convergence and
    /// sensitivity.
    Tune(Box<TuneSummary>),
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
        ReportInput::Compare(data) => compare_document(data, &charts_dir, &data_dir)?,
        ReportInput::Tune(summary) => tune_document(summary, &charts_dir)?,
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

/// A report's title, its blocks in page order, its palette and the data files written.
type Document = (String, Vec<Block>, Palette, Vec<PathBuf>);
