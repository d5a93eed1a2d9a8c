//! The tuning report's document: the answer and how sure it is, the winner's block, the
//! policies measured beside it, the search's convergence, the objective against a constrained
//! figure (or the Pareto front), each parameter's effect around the winner, and the
//! configurations measured.

use std::path::Path;

use super::document::Block;
use super::palette::Palette;
use super::table::Table;
use super::tune_scatter::{Axis, AxisLabels, Mark, TuneScatter};
use super::{Document, ReportError, chart};
use crate::metrics::format::{fmt_ns, fmt_pct, fmt_si, fmt_sig};
use crate::metrics::tune::figures::{Metric, Unit};
use crate::metrics::tune::record::{CandidateRecord, Fate, TuneSummary, rank_order};

fn formatter(metric: Metric) -> fn(f64) -> String {
    match metric.unit() {
        Unit::Time => fmt_ns,
        Unit::Fraction => fmt_pct,
        Unit::Number if metric == Metric::Goodput => fmt_si,
        Unit::Number => fmt_sig,
    }
}

fn axis(metric: Metric, what: &str) -> Axis {
    Axis {
        desc: format!("{} ({what})", metric.name()),
        labels: AxisLabels::Format(formatter(metric)),
    }
}

/// The title, blocks, palette and data files of a tuning report.
pub(super) fn tune_document(s: &TuneSummary, charts_dir: &Path) -> Result<Document, ReportError> {
    let m = &s.manifest;
    let goal = &m.goal;
    let objective = goal.objectives[0].metric;
    let palette = Palette::new(["winner"]);
    let title = format!(
        "retrylab tune: pool {} of {} — {}",
        m.pool,
        m.scenario_name,
        goal.text()
    );
    let mut blocks = vec![Block::Paragraph(format!(
        "Searched {} of pool {} ({}) on the {} engine: budget {} runs, {} seeds per configuration \
         (the same seeds for every configuration), seed {}{}, search seed {}. Wall time {:.1} s{}{}.",
        s.param_names.join(", "),
        m.pool,
        m.params.join(" "),
        m.engine,
        m.budget,
        m.seeds,
        m.seed,
        if m.quick {
            ", runs scaled down (--quick)"
        } else {
            ""
        },
        m.search_seed,
        s.wall_s,
        if s.interrupted {
            "; STOPPED EARLY (Ctrl-C): the best so far"
        } else {
            ""
        },
        if s.exhausted {
            "; the space ran out of new configurations"
        } else {
            ""
        },
    ))];
    blocks.push(Block::Heading(1, "The answer, and how sure it is".into()));
    match s.winner {
        Some(w) => {
            let c = &s.candidates[w];
            blocks.push(Block::Paragraph(format!(
                "Best configuration{}: {}.",
                if c.feasible {
                    ""
                } else {
                    " (it does NOT meet every constraint)"
                },
                c.key
            )));
        }
        None => blocks.push(Block::Paragraph(
            "No configuration finished its seeds.".into(),
        )),
    }
    for line in s.assurance.iter().chain(&s.infeasible) {
        blocks.push(Block::Paragraph(line.clone()));
    }
    if let Some(block) = &s.winner_toml {
        blocks.push(Block::Code {
            lang: "toml".into(),
            text: block.clone(),
        });
    }
    for (i, block) in s.pareto_toml.iter().enumerate().take(8) {
        blocks.push(Block::Heading(2, format!("Pareto point {}", i + 1)));
        blocks.push(Block::Code {
            lang: "toml".into(),
            text: block.clone(),
        });
    }
    let metrics = goal.metrics();
    if !s.measured.is_empty() {
        blocks.push(Block::Heading(1, "Measured beside it".into()));
        let mut header = vec!["policy", "engine", "seeds", "runs", "meets constraints"];
        let names: Vec<&str> = metrics.iter().map(|m| m.name()).collect();
        header.extend(names);
        let mut t = Table::new(&header);
        for x in &s.measured {
            let mut row = vec![
                x.label.clone(),
                x.engine.clone(),
                x.seeds.clone(),
                x.aggregate.runs.to_string(),
                if x.feasible { "yes" } else { "no" }.to_owned(),
            ];
            row.extend(metrics.iter().map(|m| x.aggregate.text(*m)));
            t.push(None, row);
        }
        blocks.push(Block::Table(t));
    }
    blocks.push(Block::Heading(1, "The search".into()));
    let measured: Vec<&CandidateRecord> =
        s.candidates.iter().filter(|c| !c.runs.is_empty()).collect();
    let objective_of = |c: &CandidateRecord| c.aggregate.mean(objective);
    let convergence = TuneScatter {
        stem: "tune-convergence".into(),
        title: format!(
            "{} of every configuration, and the incumbent's — {} runs, {} configurations",
            objective.name(),
            s.runs.search,
            s.candidates.len()
        ),
        x: Axis {
            desc: "search runs spent when the configuration started".into(),
            labels: AxisLabels::Format(fmt_si),
        },
        y: axis(objective, "mean over its seeds"),
        points: measured
            .iter()
            .filter_map(|c| {
                let winner = s.winner.is_some_and(|w| std::ptr::eq(*c, &s.candidates[w]));
                Some((
                    c.started_at_run as f64,
                    objective_of(c)?,
                    Mark::of(winner, c.feasible),
                ))
            })
            .collect(),
        line: Some((
            "incumbent".into(),
            s.convergence
                .iter()
                .filter_map(|p| Some((p.runs as f64, p.best?)))
                .collect(),
        )),
        bound: None,
    };
    blocks.push(Block::Chart(chart::render(
        &convergence,
        &palette,
        charts_dir,
    )?));
    let second = goal
        .objectives
        .get(1)
        .map(|o| (o.metric, None))
        .or_else(|| {
            goal.constraints
                .first()
                .map(|c| (c.metric, Some((c.bound, format!("bound: {}", c.text)))))
        });
    if let Some((y_metric, bound)) = second {
        let complete: Vec<(usize, &CandidateRecord)> = s
            .candidates
            .iter()
            .enumerate()
            .filter(|(_, c)| c.fate == Fate::Complete)
            .collect();
        let mut front: Vec<(f64, f64)> = s
            .pareto
            .iter()
            .filter_map(|&i| {
                let c = &s.candidates[i];
                Some((c.aggregate.mean(objective)?, c.aggregate.mean(y_metric)?))
            })
            .collect();
        front.sort_by(|a, b| a.0.total_cmp(&b.0));
        let chart = TuneScatter {
            stem: "tune-front".into(),
            title: format!(
                "{} against {} — configurations measured on every seed{}",
                y_metric.name(),
                objective.name(),
                if front.is_empty() {
                    ""
                } else {
                    ", the non-dominated front"
                }
            ),
            x: axis(objective, "mean"),
            y: axis(y_metric, "mean"),
            points: complete
                .iter()
                .filter_map(|(i, c)| {
                    Some((
                        c.aggregate.mean(objective)?,
                        c.aggregate.mean(y_metric)?,
                        Mark::of(Some(*i) == s.winner, c.feasible),
                    ))
                })
                .collect(),
            line: (!front.is_empty()).then(|| ("non-dominated front".to_owned(), front)),
            bound,
        };
        blocks.push(Block::Chart(chart::render(&chart, &palette, charts_dir)?));
    }
    if !s.sensitivity.is_empty() {
        blocks.push(Block::Heading(1, "Each parameter around the winner".into()));
        blocks.push(Block::Paragraph(format!(
            "One parameter at a time at a spread of its values, the others held at the winner's, \
             each on the {} search seeds: how much the answer depends on getting it exactly right.",
            m.seeds
        )));
        for sens in &s.sensitivity {
            let numeric = sens.points.iter().all(|p| p.value.parse::<f64>().is_ok())
                || sens
                    .points
                    .iter()
                    .all(|p| crate::units::parse_duration(&p.value).is_ok());
            let slots = !numeric;
            let names: Vec<String> = sens.points.iter().map(|p| p.value.clone()).collect();
            let duration = sens.points.iter().all(|p| {
                p.value.chars().any(|c| c.is_ascii_alphabetic())
                    && crate::units::parse_duration(&p.value).is_ok()
            });
            let chart = TuneScatter {
                stem: format!("tune-sensitivity-{}", sens.param.replace(['.', '/'], "-")),
                title: format!(
                    "{} against {} — the other parameters at the winner's",
                    objective.name(),
                    sens.param
                ),
                x: Axis {
                    desc: sens.param.clone(),
                    labels: if slots {
                        AxisLabels::Slots(names)
                    } else if duration {
                        AxisLabels::Format(fmt_ns)
                    } else {
                        AxisLabels::Format(fmt_sig)
                    },
                },
                y: axis(objective, "mean over the search seeds"),
                points: sens
                    .points
                    .iter()
                    .enumerate()
                    .filter_map(|(i, p)| {
                        let x = if slots { i as f64 } else { p.number };
                        Some((x, p.objective?, Mark::of(p.is_winner, p.feasible)))
                    })
                    .collect(),
                line: None,
                bound: None,
            };
            blocks.push(Block::Chart(chart::render(&chart, &palette, charts_dir)?));
        }
    }
    blocks.push(Block::Heading(1, "Configurations measured".into()));
    let mut ranked: Vec<&CandidateRecord> = measured.clone();
    ranked.sort_by(|a, b| rank_order(a, b));
    let mut header = vec!["configuration", "race", "seeds", "meets constraints"];
    let names: Vec<&str> = metrics.iter().map(|m| m.name()).collect();
    header.extend(names);
    let mut t = Table::new(&header);
    for c in ranked.iter().take(25) {
        let mut row = vec![
            c.key.clone(),
            match &c.fate {
                Fate::Complete => "every seed".to_owned(),
                Fate::Dropped { runs } => format!("dropped after {runs}"),
                Fate::Cut => "cut by the budget".to_owned(),
                Fate::Invalid { why } => format!("invalid: {why}"),
            },
            c.runs.len().to_string(),
            if c.feasible { "yes" } else { "no" }.to_owned(),
        ];
        row.extend(metrics.iter().map(|m| c.aggregate.text(*m)));
        t.push(None, row);
    }
    blocks.push(Block::Paragraph(format!(
        "The best {} of {} configurations with runs, ranked as the search ranks them (meeting \
         every constraint first, then the objective); summary.json holds them all.",
        ranked.len().min(25),
        ranked.len()
    )));
    blocks.push(Block::Table(t));
    blocks.push(Block::Files(vec![
        "../summary.json".into(),
        "../journal.jsonl".into(),
        "../tune.json".into(),
        "../best.toml".into(),
    ]));
    Ok((title, blocks, palette, Vec::new()))
}
