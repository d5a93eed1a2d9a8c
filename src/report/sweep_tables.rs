//! The tables of a sweep report: the measured "when to use each policy" table and the
//! per-point figures.

use super::style::{fmt_ns, fmt_pct, fmt_si};
use super::table::Table;
use crate::sweep::manifest::SweepData;
use crate::sweep::stats::{Spread, point_stats};
use crate::sweep::verdict::{Metric, RegimeRow, Verdict, tally};

fn show(metric: Metric, v: f64) -> String {
    match metric {
        Metric::Goodput => format!("{} ops/s", fmt_si(v)),
        Metric::P99 => fmt_ns(v),
        Metric::ConflictRate => fmt_pct(v),
    }
}

/// `patient (1.2 M ops/s; 1.34× give-up-fast's 900 k ops/s)`.
pub fn verdict_cell(v: &Verdict) -> String {
    let head = format!("{} ({}", v.winner, show(v.metric, v.value));
    match (&v.runner_up, v.margin) {
        (Some((other, value)), Some(m)) if m.is_finite() => format!(
            "{head}; {}× {other}'s {})",
            super::style::fmt_sig(m),
            show(v.metric, *value)
        ),
        (Some((other, value)), Some(_)) => {
            format!("{head}; {other} has {})", show(v.metric, *value))
        }
        _ => format!("{head}; no other pool)"),
    }
}

/// One row per point: who wins on goodput, p99 and conflict rate, by how much.
pub fn when_to_use(rows: &[RegimeRow]) -> Table {
    let mut t = Table::new(&[
        "regime (point)",
        "best goodput (× runner-up)",
        "best p99 (× runner-up)",
        "fewest conflicts (× runner-up)",
    ]);
    for row in rows {
        let mut cells = vec![row.point.clone()];
        for m in Metric::ALL {
            cells.push(
                row.verdicts
                    .iter()
                    .find(|v| v.metric == m)
                    .map_or_else(|| "no figures".to_owned(), verdict_cell),
            );
        }
        t.push(None, cells);
    }
    t
}

/// "goodput: patient wins 3 of 4 points, ..." for each metric.
pub fn tally_lines(rows: &[RegimeRow]) -> Vec<String> {
    Metric::ALL
        .iter()
        .map(|&m| {
            let wins = tally(rows, m)
                .into_iter()
                .map(|(name, k)| format!("{name} wins {k} of {}", rows.len()))
                .collect::<Vec<_>>()
                .join(", ");
            format!(
                "{}: {}",
                m.name(),
                if wins.is_empty() {
                    "no figures".into()
                } else {
                    wins
                }
            )
        })
        .collect()
}

fn spread_cell(s: &Spread, show: impl Fn(f64) -> String) -> String {
    if s.n > 1 {
        format!("{} [{} – {}]", show(s.median), show(s.min), show(s.max))
    } else {
        show(s.median)
    }
}

/// Every pool at every point: medians with the min–max range of the repeats.
pub fn point_figures(data: &SweepData) -> Table {
    let mut t = Table::new(&[
        "point",
        "pool",
        "policy",
        "repeats",
        "goodput (ops/s) median [min – max]",
        "conflict rate",
        "p99",
    ]);
    for point in &data.points {
        for s in point_stats(point) {
            t.push(
                Some(&s.name),
                vec![
                    point.label.clone(),
                    s.name.clone(),
                    s.policy.clone(),
                    s.goodput.n.to_string(),
                    spread_cell(&s.goodput, fmt_si),
                    spread_cell(&s.conflict_rate, fmt_pct),
                    spread_cell(&s.p99_ns, fmt_ns),
                ],
            );
        }
    }
    t
}

/// The sweep's raw figures as CSV: one line per point, repeat and pool.
pub fn csv(data: &SweepData) -> String {
    let m = &data.manifest;
    let mut out: Vec<String> = m
        .params
        .iter()
        .map(|p| super::csv::field(&p.name))
        .collect();
    out.extend(
        [
            "rep",
            "seed",
            "pool",
            "policy",
            "goodput_ops_s",
            "conflict_rate",
            "p50_ns",
            "p99_ns",
            "max_ns",
            "given_up",
            "rejected",
        ]
        .map(str::to_owned),
    );
    let mut text = out.join(",") + "\n";
    for point in &data.points {
        let values: Vec<String> = m
            .params
            .iter()
            .zip(&point.coords)
            .map(|(p, &i)| super::csv::field(&p.values[i]))
            .collect();
        for (rep, r) in point.reps.iter().enumerate() {
            for p in &r.pools {
                let mut row = values.clone();
                row.extend([
                    rep.to_string(),
                    r.seed.to_string(),
                    super::csv::field(&p.name),
                    super::csv::field(&p.policy),
                    p.goodput_ops_s.to_string(),
                    p.conflict_rate.to_string(),
                    p.op_latency.p50.to_string(),
                    p.op_latency.p99.to_string(),
                    p.op_latency.max.to_string(),
                    p.counters.give_ups().to_string(),
                    p.counters.rejections().to_string(),
                ]);
                text.push_str(&row.join(","));
                text.push('\n');
            }
        }
    }
    text
}
