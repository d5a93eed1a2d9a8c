//! The sweep report's document: the "when to use" and best-point tables, charts against the
//! varied parameters (lines for one parameter, heatmaps for two), the figures at every point,
//! and the data files (the manifest and one CSV).

use std::path::Path;

use super::document::Block;
use super::palette::Palette;
use super::{Document, ReportError, chart, heatmap, sweep_lines, sweep_tables, table, write_file};
use crate::metrics::sweep::manifest::{MANIFEST_FILE, SweepData};
use crate::metrics::sweep::verdict::Metric;

/// The title, blocks, palette and data files of a sweep's report; writes the manifest and
/// the CSV into `data_dir` and the charts into `charts_dir`.
pub(super) fn sweep_document(
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
        "Scenario {} ({}), varying {}. Each point ran {} time{} on the {} engine ({}), with the same derived seeds at every point; {finished} of {planned} runs finished. Figures are medians over the repeats; error bars and ranges span the smallest to the largest repeat.",
        m.scenario_name,
        m.origin,
        varied.join("; and "),
        m.repeat,
        if m.repeat == 1 { "" } else { "s" },
        m.engine,
        m.mode(),
    ))];
    let rows = crate::metrics::sweep::verdict::when_to_use(data);
    blocks.push(Block::Heading(
        1,
        "When to use each policy, measured".into(),
    ));
    blocks.push(Block::Paragraph(format!(
        "At each regime swept, the pool (policy) that wins on each figure, with its median and how many times better it is than the runner-up. Mode: {}. {}",
        m.mode(),
        match m.alone {
            Some(true) => "Each pool ran alone, in turn, on a fresh store, so every policy met the same load and a winner here is the better policy for that load.",
            Some(false) => "The pools ran together and competed for the same actors, so a winner here won against the others' traffic (sweep without --together to compare each policy alone).",
            None => "The folder does not say whether the pools ran alone or together.",
        }
    )));
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
        // A population sweep (every pool a fixed operation count) also answers "how much work,
        // and how long until everyone is done", as AWS's backoff study charts it.
        let population = data
            .points
            .iter()
            .flat_map(|p| &p.reps)
            .flat_map(|r| &r.pools)
            .all(|p| p.makespan_ns.is_some());
        let extra: &[Metric] = if population { &Metric::POPULATION } else { &[] };
        for &metric in Metric::ALL.iter().chain(extra) {
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
