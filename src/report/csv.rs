//! The per-pool figures as CSV, for spreadsheets and scripts.

use std::fmt::Write as _;

use crate::metrics::results::Results;

/// Quotes a CSV field when it holds a comma, quote or line break (RFC 4180).
pub fn field(text: &str) -> String {
    if text.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", text.replace('"', "\"\""))
    } else {
        text.to_owned()
    }
}

/// The CSV header of [`pool_rows`].
pub const POOL_HEADER: &str = "run,scenario,engine,seed,pool,policy,writers,operations,committed,attempts,conflicts,goodput_ops_s,attempts_s,conflict_rate,retries_per_commit,p50_ns,p90_ns,p99_ns,p999_ns,max_ns,given_up,rejected,jain_index";

/// One line per pool of run number `run`, without header; raw numbers (ns, ops/s, ratios).
pub fn pool_rows(run: usize, r: &Results) -> String {
    let mut out = String::new();
    for p in &r.pools {
        let l = &p.op_latency;
        let c = &p.counters;
        let _ = writeln!(
            out,
            "{run},{},{},{},{},{},{},{},{},{},{},{},{},{},{},{},{},{},{},{},{},{},{}",
            field(&r.scenario_name),
            field(&r.engine),
            r.seed,
            field(&p.name),
            field(&p.policy),
            p.writers,
            c.operations,
            c.committed,
            c.attempts,
            c.conflicts,
            p.goodput_ops_s,
            p.attempts_s,
            p.conflict_rate,
            p.retries_per_commit,
            l.p50,
            l.p90,
            l.p99,
            l.p999,
            l.max,
            c.give_ups(),
            c.rejections(),
            p.fairness.jain_index,
        );
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quotes_only_when_needed() {
        assert_eq!(field("plain"), "plain");
        assert_eq!(field("a,b"), "\"a,b\"");
        assert_eq!(field("say \"hi\""), "\"say \"\"hi\"\"\"");
    }
}
