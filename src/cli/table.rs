//! The terminal table of a run: one row per pool.

use retrylab::metrics::results::Results;

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
    let widths: Vec<usize> = (0..header.len())
        .map(|c| {
            rows.iter()
                .map(|row| row[c].chars().count())
                .chain([header[c].len()])
                .max()
                .unwrap_or(0)
        })
        .collect();
    let line = |cells: Vec<&str>| {
        cells
            .iter()
            .enumerate()
            .map(|(c, cell)| {
                // Names left-aligned, figures right-aligned.
                if c < 2 {
                    format!("{cell:<w$}", w = widths[c])
                } else {
                    format!("{cell:>w$}", w = widths[c])
                }
            })
            .collect::<Vec<_>>()
            .join("  ")
    };
    let mut out = line(header.to_vec());
    out.push('\n');
    out.push_str(&"-".repeat(widths.iter().sum::<usize>() + 2 * (widths.len() - 1)));
    for row in &rows {
        out.push('\n');
        out.push_str(&line(row.iter().map(String::as_str).collect()));
    }
    if r.pools.iter().any(|p| p.retries_blind()) {
        out.push_str(BLIND_NOTE);
    }
    out.push_str(
        "\nconflicts = conflicts ÷ attempts; latency = committed operations from their intended \
         start; fairness = Jain's index over writers' commits (1 = equal)",
    );
    out
}
