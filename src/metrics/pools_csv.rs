//! `pools.csv`: one row per pool with the headline figures, raw numbers (ns, ops/s, ratios).
//! The one layout every pools CSV uses: a run folder's (one run, numbered 0) and a report's
//! (`data/pools.csv`, every run it shows, numbered from 1).

use std::fmt::Write as _;

use super::format::csv_field;
use super::results::Results;

/// The header of every pools CSV.
pub const HEADER: &str = "run,scenario,engine,seed,pool,policy,writers,operations,committed,\
attempts,conflicts,other_errors,unfinished,goodput_ops_s,attempts_s,conflict_rate,\
retries_per_commit,p50_ns,p90_ns,p99_ns,p999_ns,max_ns,given_up,rejected,jain_index,\
panicked_writers";

/// One line per pool of run number `run`, without the header. A pool that committed nothing
/// has empty latency cells: it has no latency, not a latency of 0.
pub fn rows(run: usize, r: &Results) -> String {
    let mut out = String::new();
    for p in &r.pools {
        let l = &p.op_latency;
        let c = &p.counters;
        let latency = |ns: u64| {
            if l.count == 0 {
                String::new()
            } else {
                ns.to_string()
            }
        };
        let _ = writeln!(
            out,
            "{run},{},{},{},{},{},{},{},{},{},{},{},{},{},{},{},{},{},{},{},{},{},{},{},{},{}",
            csv_field(&r.scenario_name),
            csv_field(&r.engine),
            r.seed,
            csv_field(&p.name),
            csv_field(&p.policy),
            p.writers,
            c.operations,
            c.committed,
            c.attempts,
            c.conflicts,
            c.other_errors,
            c.unfinished,
            p.goodput_ops_s,
            p.attempts_s,
            p.conflict_rate,
            p.retries_per_commit,
            latency(l.p50),
            latency(l.p90),
            latency(l.p99),
            latency(l.p999),
            latency(l.max),
            c.give_ups(),
            c.rejections(),
            p.fairness.jain_index,
            p.panicked_writers,
        );
    }
    out
}

/// A whole pools CSV of one run: the header and its rows, numbered `run`.
pub fn of_run(run: usize, r: &Results) -> String {
    format!("{HEADER}\n{}", rows(run, r))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_row_has_every_column() {
        let mut r: Results = serde_json::from_str(include_str!(
            "../../tests/report_support/empty_results.json"
        ))
        .unwrap();
        r.pools = vec![Default::default(), Default::default()];
        r.pools[0].name = "a, \"b\"".into();
        r.pools[1].op_latency.count = 1;
        r.pools[1].op_latency.p99 = 42;
        let text = of_run(0, &r);
        let columns = HEADER.split(',').count();
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(lines.len(), 3);
        // The quoted name holds one comma: one more split than columns.
        assert_eq!(lines[1].split(',').count(), columns + 1, "{}", lines[1]);
        assert_eq!(lines[2].split(',').count(), columns, "{}", lines[2]);
        assert!(
            lines[1].contains(",,,,,"),
            "no latency without commits: {}",
            lines[1]
        );
        assert!(lines[2].contains(",42,"));
    }
}
