//! Tables of a report, built once and written both as HTML and as Markdown.

use crate::metrics::results::{PoolResult, Results};

use super::style::{fmt_ns, fmt_pct, fmt_si, fmt_sig};

/// A table of text cells; the first column names the row's series when `series` is set, so
/// the HTML can show its colour.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Table {
    /// Column headings.
    pub header: Vec<String>,
    /// Rows of cells, each as long as `header`.
    pub rows: Vec<Vec<String>>,
    /// For each row, the palette name of its series (a pool), if the row is one.
    pub series: Vec<Option<String>>,
}

impl Table {
    /// An empty table with these headings.
    pub fn new(header: &[&str]) -> Self {
        Table {
            header: header.iter().map(|h| (*h).to_owned()).collect(),
            ..Table::default()
        }
    }

    /// Adds a row; `series` names the pool it describes, if any.
    pub fn push(&mut self, series: Option<&str>, row: Vec<String>) {
        debug_assert_eq!(row.len(), self.header.len());
        self.rows.push(row);
        self.series.push(series.map(str::to_owned));
    }
}

/// The per-pool summary of a run: the headline figures.
pub fn pool_summary(r: &Results) -> Table {
    let mut t = Table::new(&[
        "pool",
        "policy",
        "writers",
        "goodput (ops/s)",
        "attempts/s",
        "conflict rate",
        "retries/commit",
        "p50",
        "p90",
        "p99",
        "p99.9",
        "max",
        "given up",
        "rejected",
        "Jain",
    ]);
    for p in &r.pools {
        t.push(Some(&p.name), pool_row(p));
    }
    t
}

fn pool_row(p: &PoolResult) -> Vec<String> {
    let l = &p.op_latency;
    // A pool that committed nothing has no latency: a dash, never a winning 0 ns.
    let latency = |ns: u64| {
        if l.count == 0 {
            "—".to_owned()
        } else {
            fmt_ns(ns as f64)
        }
    };
    vec![
        p.name.clone(),
        if p.retries_blind() {
            format!("{} (blind)", p.policy)
        } else {
            p.policy.clone()
        },
        p.writers.to_string(),
        fmt_si(p.goodput_ops_s),
        fmt_si(p.attempts_s),
        fmt_pct(p.conflict_rate),
        fmt_sig(p.retries_per_commit),
        latency(l.p50),
        latency(l.p90),
        latency(l.p99),
        latency(l.p999),
        latency(l.max),
        p.counters.give_ups().to_string(),
        p.counters.rejections().to_string(),
        format!("{:.3}", p.fairness.jain_index),
    ]
}

/// What was run, where and with what build.
pub fn run_facts(r: &Results) -> Table {
    let mut t = Table::new(&["", ""]);
    let m = &r.machine;
    let facts = [
        ("scenario", r.scenario_name.clone()),
        ("engine", r.engine.clone()),
        ("store", r.store.clone()),
        ("seed", r.seed.to_string()),
        ("measured time", fmt_ns(r.measured_ns as f64)),
        ("warm-up (excluded)", fmt_ns(r.warmup_ns as f64)),
        (
            "interrupted",
            if r.partial {
                "yes: partial figures"
            } else {
                "no"
            }
            .to_owned(),
        ),
        ("CPU", format!("{} ({} logical cores)", m.cpu, m.cores)),
        ("OS", m.os.clone()),
        (
            "retrylab",
            format!("{} (commit {})", m.crate_version, m.commit),
        ),
        ("compiler", m.rustc.clone()),
        ("results schema", r.schema_version.to_string()),
    ];
    for (k, v) in facts {
        t.push(None, vec![k.to_owned(), v]);
    }
    let clock = match m.clock.as_str() {
        "tsc" => Some("the CPU's time-stamp counter"),
        "os" => Some("the OS monotonic clock"),
        _ => None,
    };
    if let Some(server) = &r.server {
        let rows = [
            ("server", format!("PostgreSQL {}", server.server_version)),
            (
                "conflict detection",
                format!("{}: {}", server.occ_shape, server.occ_note),
            ),
            (
                "second reads",
                format!(
                    "{} (conflicts that needed one to learn the current version)",
                    server.second_reads
                ),
            ),
            ("connections", server.pool_size.to_string()),
            (
                "schema",
                format!(
                    "{} ({})",
                    server.namespace,
                    if server.kept {
                        "kept on the server"
                    } else {
                        "dropped after the audit"
                    }
                ),
            ),
        ];
        for (k, v) in rows {
            t.push(None, vec![k.to_owned(), v]);
        }
    }
    if let (Some(clock), true) = (clock, r.engine != "sim") {
        t.push(None, vec!["timed with".to_owned(), clock.to_owned()]);
    }
    if let Some(sim) = &r.sim {
        t.push(
            None,
            vec![
                "simulated store".into(),
                format!(
                    "capacity {}, longest queue {}, utilisation {}, {} events simulated",
                    sim.capacity
                        .map_or_else(|| "unlimited".to_owned(), |c| c.to_string()),
                    sim.max_queue_length,
                    fmt_pct(sim.store_utilisation),
                    sim.events_processed
                ),
            ],
        );
    }
    if let Some(w) = &r.wait_overshoot {
        t.push(
            None,
            vec![
                "wait overshoot (p50 / p99 / max)".into(),
                format!(
                    "{} / {} / {}",
                    fmt_ns(w.p50 as f64),
                    fmt_ns(w.p99 as f64),
                    fmt_ns(w.max as f64)
                ),
            ],
        );
    }
    t
}

/// The post-run store audit.
pub fn integrity(r: &Results) -> Table {
    let i = &r.integrity;
    let mut t = Table::new(&["check", "result"]);
    t.push(
        None,
        vec![
            "verdict".into(),
            if i.ok { "passed" } else { "FAILED" }.to_owned(),
        ],
    );
    t.push(
        None,
        vec!["events stored".into(), i.stored_events.to_string()],
    );
    t.push(
        None,
        vec![
            "events acknowledged to writers".into(),
            i.acknowledged_events.to_string(),
        ],
    );
    if i.unknown_outcomes > 0 {
        t.push(
            None,
            vec![
                "appends cut by the run's end, outcome unknown (stored or not)".into(),
                i.unknown_outcomes.to_string(),
            ],
        );
    }
    t.push(
        None,
        vec!["broken streams".into(), i.broken_streams.to_string()],
    );
    for problem in &i.problems {
        t.push(None, vec!["problem".into(), problem.clone()]);
    }
    t
}

/// What each pool's conflict monitor saw (the seed's pattern 5), or `None` when no pool's
/// policy has a `monitor`.
pub fn monitor(r: &Results) -> Option<Table> {
    let mut t = Table::new(&[
        "pool",
        "conflicts seen",
        "stale-read alerts",
        "alert threshold (versions missed)",
        "attempts ahead of the stream",
        "hottest actors (estimated conflicts)",
        "staleness buckets (conflicts)",
    ]);
    for p in &r.pools {
        let Some(m) = &p.monitor else { continue };
        let hottest = m.hottest_text(5);
        let buckets = m
            .staleness
            .iter()
            .map(|b| match b.high {
                Some(h) => format!("{}–{}: {}", b.low, h - 1, b.count),
                None => format!("≥{}: {}", b.low, b.count),
            })
            .collect::<Vec<_>>()
            .join(", ");
        t.push(
            Some(&p.name),
            vec![
                p.name.clone(),
                m.conflicts.to_string(),
                m.stale_alerts.to_string(),
                format!("> {}", m.stale_threshold),
                m.too_new.to_string(),
                hottest,
                buckets,
            ],
        );
    }
    (!t.rows.is_empty()).then_some(t)
}

/// Conflict analysis: the hottest actors and the staleness of conflicting writes, per pool.
pub fn conflict_analysis(r: &Results) -> Table {
    let mut t = Table::new(&[
        "pool",
        "actors with conflicts",
        "hottest actors (conflicts)",
        "staleness: versions missed (conflicts)",
    ]);
    for p in &r.pools {
        let a = &p.analysis;
        let hot = a
            .hot_actors
            .iter()
            .take(5)
            .map(|h| format!("{} ({})", h.actor, h.conflicts))
            .collect::<Vec<_>>()
            .join(", ");
        let last = a.staleness.len().saturating_sub(1);
        let buckets: Vec<String> = a
            .staleness
            .iter()
            .enumerate()
            .filter(|(_, n)| **n > 0)
            .map(|(s, n)| {
                if s == last {
                    format!("≥{s}: {n}")
                } else {
                    format!("{s}: {n}")
                }
            })
            .collect();
        // The first buckets carry the story; the full histogram is in results.json.
        const SHOWN: usize = 8;
        let mut stale = buckets
            .iter()
            .take(SHOWN)
            .cloned()
            .collect::<Vec<_>>()
            .join(", ");
        if buckets.len() > SHOWN {
            stale.push_str(&format!(
                ", … {} more (results.json)",
                buckets.len() - SHOWN
            ));
        }
        t.push(
            Some(&p.name),
            vec![
                p.name.clone(),
                a.actors_with_conflicts.to_string(),
                if hot.is_empty() { "—".into() } else { hot },
                if stale.is_empty() {
                    "—".into()
                } else {
                    stale
                },
            ],
        );
    }
    t
}
