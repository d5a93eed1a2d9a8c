//! The tables of a comparison: the seed's "when to use each pattern" table beside the measured
//! verdicts, each pattern's standing at low and high contention, goodput against writers, and
//! the simulator against the threaded engine.

use super::style::{fmt_ns, fmt_pct, fmt_si, fmt_sig};
use super::table::Table;
use crate::metrics::sweep::confirmation::{ConfirmRow, Pair};
use crate::metrics::sweep::patterns::{Figures, Judgement, Level, PatternRow, standings};

fn verdict(j: &Judgement) -> String {
    format!("{}: {}", j.finding.text(), j.why)
}

/// The seed's table with a verdict and its figures beside every claim.
pub fn seed_table(rows: &[PatternRow]) -> Table {
    let mut t = Table::new(&[
        "pattern",
        "pools measured",
        "seed: use when",
        "measured",
        "seed: avoid when",
        "measured",
    ]);
    for r in rows {
        let (avoid, avoid_verdict) = r
            .avoid_when
            .as_ref()
            .map_or(("—".to_owned(), "—".to_owned()), |(claim, j)| {
                ((*claim).to_owned(), verdict(j))
            });
        t.push(
            None,
            vec![
                r.pattern.to_owned(),
                if r.pools.is_empty() {
                    "none".to_owned()
                } else {
                    r.pools.join(", ")
                },
                r.use_when.0.to_owned(),
                verdict(&r.use_when.1),
                avoid,
                avoid_verdict,
            ],
        );
    }
    t
}

/// The seed's table with the verdicts only, for a terminal.
pub fn seed_table_compact(rows: &[PatternRow]) -> Table {
    let mut t = Table::new(&["pattern", "use when", "measured", "avoid when", "measured"]);
    for r in rows {
        let (avoid, found) = r
            .avoid_when
            .as_ref()
            .map_or(("—", "—"), |(claim, j)| (*claim, j.finding.text()));
        t.push(
            None,
            vec![
                r.pattern.to_owned(),
                r.use_when.0.to_owned(),
                r.use_when.1.finding.text().to_owned(),
                avoid.to_owned(),
                found.to_owned(),
            ],
        );
    }
    t
}

/// `#2 (0.93×)`: a rank and a ratio to the best.
fn standing((rank, ratio): (usize, f64)) -> String {
    format!("#{rank} ({}×)", fmt_sig(ratio))
}

/// Every pool's rank and ratio to the best on goodput, p99 and attempts per commit, at the
/// low and the high level.
pub fn standings_table(low: &Level, high: &Level) -> Table {
    let head = |what: &str, l: &Level| format!("{what} at {} writers: rank (× best)", l.writers);
    let header = [
        "pool".to_owned(),
        head("goodput", low),
        head("p99", low),
        head("attempts/commit", low),
        head("goodput", high),
        head("p99", high),
        head("attempts/commit", high),
    ];
    let mut t = Table::new(&header.iter().map(String::as_str).collect::<Vec<_>>());
    let (lo, hi) = (standings(low), standings(high));
    for (s, f) in lo.iter().zip(&low.pools) {
        let Some(h) = hi.iter().find(|h| h.pool == s.pool) else {
            continue;
        };
        let opt = |v: Option<(usize, f64)>| v.map_or_else(|| "— (no commits)".to_owned(), standing);
        t.push(
            Some(&s.pool),
            vec![
                named(f),
                standing(s.goodput),
                opt(s.p99),
                opt(s.attempts),
                standing(h.goodput),
                opt(h.p99),
                opt(h.attempts),
            ],
        );
    }
    t
}

/// A pool's name, flagged `[blind]` when its retries skip the decision (see `patterns`).
fn named(f: &Figures) -> String {
    if f.blind() {
        format!("{} [blind]", f.pool)
    } else {
        f.pool.clone()
    }
}

/// Goodput of every pool (rows) at every writer count (columns): the contention chart in
/// numbers.
pub fn goodput_by_writers(levels: &[Level]) -> Table {
    let mut header = vec!["pool".to_owned()];
    header.extend(levels.iter().map(|l| format!("{} writers", l.writers)));
    let mut t = Table::new(&header.iter().map(String::as_str).collect::<Vec<_>>());
    let Some(first) = levels.first() else {
        return t;
    };
    for f in &first.pools {
        let mut row = vec![named(f)];
        row.extend(levels.iter().map(|l| {
            l.pools
                .iter()
                .find(|p| p.pool == f.pool)
                .map_or_else(|| "—".to_owned(), |p| fmt_si(p.goodput))
        }));
        t.push(Some(&f.pool), row);
    }
    t
}

fn pair_cells(p: Pair, show: impl Fn(f64) -> String) -> [String; 3] {
    [
        show(p.sim),
        show(p.threads),
        p.ratio()
            .map_or_else(|| "—".to_owned(), |r| format!("{}×", fmt_sig(r))),
    ]
}

/// The simulator against the threaded engine: each figure from both, and threads ÷ sim.
pub fn confirmation_table(rows: &[ConfirmRow]) -> Table {
    let mut t = Table::new(&[
        "writers",
        "pool",
        "goodput sim",
        "goodput threads",
        "threads ÷ sim",
        "conflict rate sim",
        "conflict rate threads",
        "threads ÷ sim",
        "attempts/commit sim",
        "attempts/commit threads",
        "threads ÷ sim",
    ]);
    for r in rows {
        let mut cells = vec![r.writers.to_string(), r.pool.clone()];
        cells.extend(pair_cells(r.goodput, fmt_si));
        cells.extend(pair_cells(r.conflict_rate, fmt_pct));
        match r.attempts_per_commit {
            Some(a) => cells.extend(pair_cells(a, fmt_sig)),
            None => cells.extend(["—".to_owned(), "—".to_owned(), "—".to_owned()]),
        }
        t.push(Some(&r.pool), cells);
    }
    t
}

/// p99 and attempts per commit of one level, for the text beside a chart.
pub fn level_line(level: &Level) -> String {
    let best = |v: Option<f64>, show: fn(f64) -> String| v.map_or_else(|| "—".to_owned(), show);
    format!(
        "At {} writers the best goodput is {} ops/s, the best p99 {}, the fewest attempts per commit {}.",
        level.writers,
        best(level.best_goodput(), fmt_si),
        best(level.best_p99(), fmt_ns),
        best(level.best_attempts(), fmt_sig),
    )
}
