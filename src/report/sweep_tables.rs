//! The tables of a sweep report: the measured "when to use each policy" table and the
//! per-point figures.

use super::style::{fmt_ns, fmt_pct, fmt_si};
use super::table::Table;
use crate::metrics::sweep::manifest::SweepData;
use crate::metrics::sweep::stats::{Spread, point_stats};
use crate::metrics::sweep::verdict::{Metric, RegimeRow, Verdict, tally};

fn show(metric: Metric, v: f64) -> String {
    match metric {
        Metric::Goodput => format!("{} ops/s", fmt_si(v)),
        Metric::P99 | Metric::Completion => fmt_ns(v),
        Metric::ConflictRate => fmt_pct(v),
        Metric::AttemptsPerCommit => format!("{} attempts", super::style::fmt_sig(v)),
        Metric::TotalCalls => format!("{} calls", fmt_si(v)),
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
        "fewest attempts per commit (× runner-up)",
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
                    s.p99_ns
                        .map_or_else(|| "— (no commits)".to_owned(), |p| spread_cell(&p, fmt_ns)),
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
            "attempts_per_commit",
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
                    crate::metrics::sweep::stats::attempts_per_commit(p)
                        .map_or_else(String::new, |a| a.to_string()),
                ]);
                text.push_str(&row.join(","));
                text.push('\n');
            }
        }
    }
    text
}

/// For each pool, the point where it does best on each figure (the regime to run it in), with
/// the median there and how many times better that is than its worst point.
pub fn best_points(data: &SweepData) -> Table {
    let mut t = Table::new(&[
        "pool",
        "highest goodput at (× its worst point)",
        "lowest p99 at (× its worst point)",
        "fewest conflicts at (× its worst point)",
        "fewest attempts per commit at (× its worst point)",
    ]);
    let per_point: Vec<(String, Vec<crate::metrics::sweep::stats::PoolStats>)> = data
        .points
        .iter()
        .map(|p| (p.label.clone(), point_stats(p)))
        .collect();
    let mut names: Vec<String> = Vec::new();
    for (_, stats) in &per_point {
        for s in stats {
            if !names.contains(&s.name) {
                names.push(s.name.clone());
            }
        }
    }
    for name in names {
        let mut row = vec![name.clone()];
        for m in Metric::ALL {
            let mut values: Vec<(&str, f64)> = per_point
                .iter()
                .filter_map(|(label, stats)| {
                    let s = stats.iter().find(|s| s.name == name)?;
                    let v = m.of(s)?.median;
                    Some((label.as_str(), v))
                })
                .collect();
            // Best first: highest goodput, lowest latency and conflict rate.
            values.sort_by(|a, b| match m {
                Metric::Goodput => b.1.total_cmp(&a.1),
                _ => a.1.total_cmp(&b.1),
            });
            let cell = match (values.first(), values.last()) {
                (Some(best), Some(worst)) => {
                    let (hi, lo) = match m {
                        Metric::Goodput => (best.1, worst.1),
                        _ => (worst.1, best.1),
                    };
                    let ratio = if lo > 0.0 {
                        format!("{}×", super::style::fmt_sig(hi / lo))
                    } else if hi > 0.0 {
                        "∞".to_owned()
                    } else {
                        "1×".to_owned()
                    };
                    format!("{} ({}; {ratio})", best.0, show(m, best.1))
                }
                _ => "no figures".to_owned(),
            };
            row.push(cell);
        }
        t.push(Some(&name), row);
    }
    t
}
