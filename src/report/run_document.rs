//! The run report's document: for each run its summary, charts, conflict analysis, integrity
//! audit, machine and scenario; then the data files (a copy of each results file and one CSV).

use std::path::Path;

use super::document::Block;
use super::palette::Palette;
use super::{
    Document, ReportError, attempts, bars, chart, csv, fairness, spectrum, style, table, timeline,
    write_file,
};
use crate::metrics::results::Results;

/// The title, blocks, palette and data files of the report of `runs`; writes the results
/// copies and the CSV into `data_dir` and the charts into `charts_dir`.
pub(super) fn runs_document(
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

/// One run's sections, headed at `level`, its chart files named with `prefix`.
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
    let blind: Vec<&str> = r
        .pools
        .iter()
        .filter(|p| p.retries_blind())
        .map(|p| p.name.as_str())
        .collect();
    if !blind.is_empty() {
        blocks.push(Block::Paragraph(format!(
            "Blind retries in {}: each retry appends the same event at the conflict's version + 1 \
             without re-reading or deciding again. That is correct only for commutative events \
             (a counter); for any other command it is a lost update, and these figures leave out \
             the read and the decision a real command handler pays on every retry.",
            blind.join(", ")
        )));
    }
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
