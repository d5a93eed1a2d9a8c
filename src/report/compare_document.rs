//! The comparison report's document: the seed's "when to use each pattern" table beside the
//! measured verdicts and their rules, each pattern's standing, the contention charts (goodput,
//! p99 and attempts per commit against writers, one line per pattern), the simulator against
//! the threaded engine, the winners and figures at every point, and the data files.

use std::path::Path;

use super::document::Block;
use super::palette::Palette;
use super::{
    Document, ReportError, chart, compare_tables, sweep_lines, sweep_tables, table, write_file,
};
use crate::metrics::sweep::compare::{COMPARE_FILE, CompareData};
use crate::metrics::sweep::confirmation::confirm_rows;
use crate::metrics::sweep::patterns::{Levels, levels, rules, seed_table};
use crate::metrics::sweep::verdict::{Metric, when_to_use};

/// The title, blocks, palette and data files of a comparison's report.
pub(super) fn compare_document(
    data: &CompareData,
    charts_dir: &Path,
    data_dir: &Path,
) -> Result<Document, ReportError> {
    let m = &data.manifest;
    let sweep = &data.contention;
    let palette = Palette::new(
        sweep
            .points
            .iter()
            .flat_map(|p| &p.reps)
            .flat_map(|r| r.pools.iter().map(|p| p.name.as_str())),
    );
    let title = format!(
        "retrylab compare: {} — each pattern alone at rising contention",
        m.scenario_name
    );
    let writers = sweep
        .manifest
        .params
        .first()
        .map_or_else(String::new, |p| p.values.join(", "));
    let confirm_writers = data
        .confirmation
        .as_ref()
        .and_then(|c| c.manifest.params.first())
        .map(|p| p.values.join(", "));
    let mut blocks = vec![Block::Paragraph(format!(
        "Each pattern (a pool of scenario {}) ran alone, in turn, on a fresh store (mode: {}), at {writers} writers per pool, on the {} engine; seed {}{}. {}",
        m.scenario_name,
        sweep.manifest.mode(),
        m.engine,
        m.seed,
        if m.quick {
            ", scaled down (--quick)"
        } else {
            ""
        },
        match (&m.confirmation_engine, &confirm_writers) {
            (Some(engine), Some(w)) => format!(
                "The {engine} engine then ran the same patterns at {w} writers, to show where the simulator's figures hold on this machine."
            ),
            (Some(engine), None) => format!(
                "The {engine} engine's confirmation did not run (the comparison was stopped first)."
            ),
            _ => String::new(),
        }
    ))];

    let levels = levels(sweep);
    blocks.push(Block::Heading(
        1,
        "When to use each pattern, measured".into(),
    ));
    match Levels::pick(&levels) {
        Some(picked) => {
            blocks.push(Block::Paragraph(format!(
                "The seed document's table, claim by claim, with what this load says of each and the figures the verdict was decided on. Low contention is {} writers per pool, high is {}. {} {}",
                picked.low.writers,
                picked.high.writers,
                compare_tables::level_line(picked.low),
                compare_tables::level_line(picked.high),
            )));
            blocks.push(Block::Table(compare_tables::seed_table(&seed_table(
                picked,
            ))));
            blocks.push(Block::Heading(2, "The rules".into()));
            for rule in rules() {
                blocks.push(Block::Paragraph(rule));
            }
            blocks.push(Block::Heading(1, "How each pattern stands".into()));
            blocks.push(Block::Paragraph(
                "Each pool's rank (1 = best) and its figure as a multiple of the best pool's, at low and at high contention; the best is taken over the pools that decide again before a retry, so a [blind] pool can stand above 1×.".into(),
            ));
            blocks.push(Block::Table(compare_tables::standings_table(
                picked.low,
                picked.high,
            )));
        }
        None => blocks.push(Block::Paragraph(
            "No point finished, so there is nothing to judge.".into(),
        )),
    }

    blocks.push(Block::Heading(1, "Contention charts".into()));
    for metric in [Metric::Goodput, Metric::P99, Metric::AttemptsPerCommit] {
        let chart = sweep_lines::SweepLines {
            data: sweep,
            metric,
        };
        blocks.push(Block::Chart(chart::render(&chart, &palette, charts_dir)?));
    }
    blocks.push(Block::Table(compare_tables::goodput_by_writers(&levels)));

    if let Some(threads) = &data.confirmation {
        blocks.push(Block::Heading(
            1,
            "The simulator against real threads".into(),
        ));
        blocks.push(Block::Paragraph(format!(
            "At the writer counts both engines ran, each figure from the simulator and from the threaded engine ({} cores here), and threads ÷ sim. The simulator leaves out the store's real synchronisation, the scheduler and how late sleeps return; a ratio far from 1 marks a figure to trust less on this machine.",
            threads
                .points
                .iter()
                .flat_map(|p| &p.reps)
                .next()
                .map_or_else(|| "?".to_owned(), |r| r.machine.cores.to_string())
        )));
        blocks.push(Block::Table(compare_tables::confirmation_table(
            &confirm_rows(sweep, threads),
        )));
    }

    blocks.push(Block::Heading(1, "Winners at every point".into()));
    let winners = when_to_use(sweep);
    blocks.push(Block::Table(sweep_tables::when_to_use(&winners)));
    for line in sweep_tables::tally_lines(&winners) {
        blocks.push(Block::Paragraph(line));
    }
    blocks.push(Block::Heading(1, "Figures at every point".into()));
    blocks.push(Block::Table(sweep_tables::point_figures(sweep)));

    let runs: Vec<_> = std::iter::once(sweep)
        .chain(&data.confirmation)
        .flat_map(|s| s.points.iter().flat_map(|p| &p.reps))
        .collect();
    if let Some(first) = runs.first() {
        blocks.push(Block::Heading(1, "What ran, where".into()));
        blocks.push(Block::Table(table::run_facts(first)));
        let failed = runs.iter().filter(|r| !r.integrity.ok).count();
        blocks.push(Block::Paragraph(if failed == 0 {
            format!("Store integrity audit: passed in all {} runs.", runs.len())
        } else {
            format!(
                "Store integrity audit FAILED in {failed} of {} runs.",
                runs.len()
            )
        }));
    }
    blocks.push(Block::Heading(1, "Base scenario".into()));
    blocks.push(Block::Code {
        lang: "toml".into(),
        text: sweep.manifest.base_toml.clone(),
    });

    let manifest_path = data_dir.join(COMPARE_FILE);
    let manifest = serde_json::to_string_pretty(m).map_err(|e| ReportError::Parse {
        path: manifest_path.clone(),
        message: e.to_string(),
    })?;
    write_file(&manifest_path, manifest)?;
    let mut files = vec![manifest_path];
    let mut names = vec![format!("data/{COMPARE_FILE}")];
    for (name, s) in std::iter::once(("contention.csv", sweep)).chain(
        data.confirmation
            .as_ref()
            .map(|c| ("confirm-threads.csv", c)),
    ) {
        let path = data_dir.join(name);
        write_file(&path, sweep_tables::csv(s))?;
        files.push(path);
        names.push(format!("data/{name}"));
    }
    blocks.push(Block::Heading(1, "Data files".into()));
    blocks.push(Block::Files(names));
    Ok((title, blocks, palette, files))
}
