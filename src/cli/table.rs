//! The terminal table of a run: one row per pool.

use retrylab::metrics::results::Results;

/// A duration in ns, shown with a unit that keeps three or four significant digits.
pub(crate) fn format_ns(ns: u64) -> String {
    let v = ns as f64;
    if ns < 1_000 {
        format!("{ns}ns")
    } else if ns < 1_000_000 {
        format!("{:.1}µs", v / 1e3)
    } else if ns < 1_000_000_000 {
        format!("{:.2}ms", v / 1e6)
    } else {
        format!("{:.2}s", v / 1e9)
    }
}

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
            vec![
                p.name.clone(),
                p.policy.clone(),
                format!("{:.0}", p.goodput_ops_s),
                format!("{:.1}%", p.conflict_rate * 100.0),
                format!("{:.2}", p.retries_per_commit),
                p.counters.give_ups().to_string(),
                p.counters.rejections().to_string(),
                format_ns(l.p50),
                format_ns(l.p99),
                format_ns(l.p999),
                format_ns(l.max),
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
    out.push_str(
        "\nconflicts = conflicts ÷ attempts; latency = committed operations from their intended \
         start; fairness = Jain's index over writers' commits (1 = equal)",
    );
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_get_readable_units() {
        assert_eq!(format_ns(999), "999ns");
        assert_eq!(format_ns(12_345), "12.3µs");
        assert_eq!(format_ns(4_500_000), "4.50ms");
        assert_eq!(format_ns(2_000_000_000), "2.00s");
    }
}
