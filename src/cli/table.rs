//! Tables on the terminal: a run's, one row per pool, and any report table.

use retrylab::metrics::results::Results;
use retrylab::report::table::Table;

/// A duration in ns with a readable unit: the results schema's one duration formatter.
pub(crate) fn format_ns(ns: u64) -> String {
    retrylab::metrics::format::fmt_ns(ns as f64)
}

/// The warning under a table that holds a blind pool.
pub(crate) const BLIND_NOTE: &str = "\n[blind]: retries append the same event at the conflict's \
     version + 1 without re-reading or deciding again: correct only for commutative events, and \
     its figures leave out the work a real command handler redoes on every retry";

/// One row per pool: the figures `compare` and `run` print.
pub(crate) fn pool_table(r: &Results) -> String {
    let header = [
        "pool",
        "policy",
        "goodput/s",
        "conflicts",
        "retries/commit",
        "give-ups",
        "rejected",
        "p50",
        "p99",
        "p99.9",
        "max",
        "fairness",
    ];
    let rows: Vec<Vec<String>> = r
        .pools
        .iter()
        .map(|p| {
            let l = &p.op_latency;
            // No commits, no latency: a dash, never a winning 0 ns.
            let latency = |ns| {
                if l.count == 0 {
                    "—".to_owned()
                } else {
                    format_ns(ns)
                }
            };
            // A blind retry skips the re-read and the decision: say so beside its figures.
            let policy = if p.retries_blind() {
                format!("{} [blind]", p.policy)
            } else {
                p.policy.clone()
            };
            vec![
                p.name.clone(),
                policy,
                format!("{:.0}", p.goodput_ops_s),
                format!("{:.1}%", p.conflict_rate * 100.0),
                format!("{:.2}", p.retries_per_commit),
                p.counters.give_ups().to_string(),
                p.counters.rejections().to_string(),
                latency(l.p50),
                latency(l.p99),
                latency(l.p999),
                latency(l.max),
                format!("{:.3}", p.fairness.jain_index),
            ]
        })
        .collect();
    let header: Vec<String> = header.iter().map(|h| (*h).to_owned()).collect();
    let mut out = render(&header, &rows, 2);
    if r.pools.iter().any(|p| p.retries_blind()) {
        out.push_str(BLIND_NOTE);
    }
    out.push_str(
        "\nconflicts = conflicts ÷ attempts; latency = committed operations from their intended \
         start; fairness = Jain's index over writers' commits (1 = equal)",
    );
    out
}

/// `header` and `rows` as aligned text under a rule: the first `left` columns (names)
/// left-aligned, the others (figures) right-aligned.
pub(crate) fn render(header: &[String], rows: &[Vec<String>], left: usize) -> String {
    let widths: Vec<usize> = (0..header.len())
        .map(|c| {
            rows.iter()
                .filter_map(|row| row.get(c))
                .map(|cell| cell.chars().count())
                .chain([header[c].chars().count()])
                .max()
                .unwrap_or(0)
        })
        .collect();
    let line = |cells: &[String]| {
        cells
            .iter()
            .zip(&widths)
            .enumerate()
            .map(|(c, (cell, &w))| {
                let pad = " ".repeat(w.saturating_sub(cell.chars().count()));
                if c < left {
                    format!("{cell}{pad}")
                } else {
                    format!("{pad}{cell}")
                }
            })
            .collect::<Vec<_>>()
            .join("  ")
            .trim_end()
            .to_owned()
    };
    let mut out = line(header);
    out.push('\n');
    out.push_str(&"-".repeat(widths.iter().sum::<usize>() + 2 * widths.len().saturating_sub(1)));
    for row in rows {
        out.push('\n');
        out.push_str(&line(row));
    }
    out
}

/// A report table as text (see [`render`]).
pub(crate) fn report_table(t: &Table, left: usize) -> String {
    render(&t.header, &t.rows, left)
}
