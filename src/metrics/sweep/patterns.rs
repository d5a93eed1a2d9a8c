//! The seed document's "when to use each pattern" table, checked against a contention sweep
//! (each pool alone at rising writer counts, as `retrylab compare` runs it).
//!
//! Nothing here is a conclusion written in advance: every verdict comes from the measured
//! medians by the rules below, and carries the figures it was decided on, so a different load,
//! a different machine or a different model can turn any verdict around.
//!
//! # Levels
//!
//! - **low**: the smallest writer count above 1 (one writer alone never conflicts, so every
//!   policy is the same there); the smallest count if none is above 1.
//! - **high**: the largest writer count.
//! - **single**: the point with exactly 1 writer, if swept.
//!
//! # Terms
//!
//! - A pool **keeps up** at a level when its goodput is at least [`NEAR_BEST_GOODPUT`] (90 %)
//!   of the best pool's there, and its p99 at most [`NEAR_BEST_P99`] (1.25) times the best p99.
//!   The best is taken over the pools that decide again before a retry: a `blind` pool skips
//!   work a real command handler cannot, and is judged only against its twin (practice 2).
//! - A level is **overloaded** when more than half of all first attempts meet a conflict there
//!   ([`OVERLOADED`]), measured by the `no-retry` pool (all its attempts are first attempts;
//!   without it, by the lowest conflict rate of any pool).
//! - A pattern **family** is measured by its member with the highest goodput at each level
//!   (exponential backoff at the seed's 10 ms scale and at 10 µs: the better of the two).
//!
//! # Rules, one per claim
//!
//! | pattern | claim | holds when | not tested when |
//! |---|---|---|---|
//! | exponential backoff | use: default choice for most apps | it keeps up at low and at high | — |
//! | exponential backoff | avoid: store consistently overloaded | it does not keep up at high | high is not overloaded |
//! | state reload | use: updates can be safely replayed | — | always: whether a replay is correct is the domain's property, no load measures it |
//! | state reload | avoid: event replay is expensive | it does not keep up at high (longest streams, most replays) | it replayed no events at high |
//! | circuit breaker | use: store frequently saturated | it keeps up at high | high is not overloaded |
//! | circuit breaker | avoid: you need immediate feedback | its p99 is above 1.25 × the best at low or at high | — |
//! | jittered backoff | use: many concurrent writers | plain exponential's goodput at high is at most 90 % of jitter's | either family is missing |
//! | jittered backoff | avoid: single-threaded app | at 1 writer, jitter's goodput is below 90 % of plain's or its p99 above 1.25 × plain's | no 1-writer point |
//! | CurrentVersion (practice 2) | use CurrentVersion for retries | `current-version` keeps within 90 % of `exponential-us`'s goodput and 1.25 × its p99 at low and at high | either pool is missing, or both refresh the same way |
//!
//! Every other outcome is "does not hold here". The pools of each family are named in
//! [`FAMILIES`]; a scenario without them gets "not tested by this load".

use super::manifest::{PointData, SweepData};
use super::stats::{attempts_per_commit, point_stats};

/// A pool keeps up on goodput when it commits at least this fraction of the best pool's.
pub const NEAR_BEST_GOODPUT: f64 = 0.9;

/// A pool keeps up on latency when its p99 is at most this many times the best p99.
pub const NEAR_BEST_P99: f64 = 1.25;

/// A level is overloaded when at least this fraction of first attempts conflict.
pub const OVERLOADED: f64 = 0.5;

/// The pools that stand for each seed pattern, by name (those of `scenarios/compare.toml`).
pub const FAMILIES: &[(&str, &[&str])] = &[
    ("Exponential Backoff", &["exponential-us", "exponential"]),
    ("State Reload", &["reload-and-merge"]),
    ("Circuit Breaker", &["circuit-breaker"]),
    (
        "Jittered Backoff",
        &[
            "exponential-full-jitter",
            "decorrelated-jitter",
            "seed-jitter",
        ],
    ),
    ("Use CurrentVersion", &["current-version"]),
];

/// The rules of the module docs in words, for a report (the thresholds from the constants).
pub fn rules() -> Vec<String> {
    let g = sig(NEAR_BEST_GOODPUT * 100.0);
    let p = sig(NEAR_BEST_P99);
    let o = sig(OVERLOADED * 100.0);
    vec![
        "Levels: low is the smallest writer count above 1 (one writer alone never conflicts, so every policy is the same there); high is the largest writer count; single is the 1-writer point.".to_owned(),
        format!("A pool keeps up at a level when its goodput is at least {g}% of the best pool's there and its p99 at most {p}× the best p99. The best is taken over the pools that decide again before a retry: a blind pool (refresh = blind) skips work a real command handler cannot, so it is judged only against its twin, by the CurrentVersion rule."),
        format!("A level is overloaded when at least {o}% of first attempts conflict there, measured by the no-retry pool (all its attempts are first attempts; without it, the lowest conflict rate of any pool)."),
        "A family (exponential backoff at the seed's 10 ms and at 10 µs; the jitters) is measured by its member with the highest goodput at each level.".to_owned(),
        "Exponential Backoff, use when default choice: holds when it keeps up at low and at high. Avoid when the store is consistently overloaded: not tested unless high is overloaded; holds when it does not keep up at high.".to_owned(),
        "State Reload, use when updates can be safely replayed: never tested (whether a replay is correct is the domain's property). Avoid when event replay is expensive: not tested if it replayed nothing at high; holds when it does not keep up at high, where streams are longest and replays most frequent.".to_owned(),
        format!("Circuit Breaker, use when the store is frequently saturated: not tested unless high is overloaded; holds when it keeps up at high. Avoid when you need immediate feedback: holds when its p99 is above {p}× the best at low or at high."),
        format!("Jittered Backoff, use with many concurrent writers: holds when plain exponential backoff's goodput at high is at most {g}% of jitter's. Avoid in a single-threaded app: not tested without a 1-writer point; holds when, at 1 writer, jitter's goodput is below {g}% of plain's or its p99 above {p}× plain's."),
        format!("Use CurrentVersion (best practice 2): current-version against exponential-us; not tested when either is missing or both refresh the same way; holds when, at low and at high, current-version has at least {g}% of the other's goodput and at most {p}× its p99."),
        "Anything else is \"does not hold here\".".to_owned(),
    ]
}

/// The pool whose attempts are all first attempts: its conflict rate is the load's own.
const FIRST_ATTEMPTS_POOL: &str = "no-retry";

/// The re-reading twin that `current-version` is measured against.
const CURRENT_VERSION_TWIN: &str = "exponential-us";

/// One pool's medians at one writer count.
#[derive(Clone, Debug, PartialEq)]
pub struct Figures {
    /// The pool.
    pub pool: String,
    /// Commits per second.
    pub goodput: f64,
    /// p99 of committed operations (ns); `None` without commits.
    pub p99_ns: Option<f64>,
    /// Attempts ÷ commits; `None` without commits.
    pub attempts_per_commit: Option<f64>,
    /// Conflicts ÷ attempts.
    pub conflict_rate: f64,
    /// Events replayed (state reload) per commit; `None` without commits.
    pub replayed_per_commit: Option<f64>,
    /// How the pool's policy refreshes before a retry (`reread`, `blind`, …), as its results
    /// recorded; `None` in results from before that was recorded.
    pub refresh: Option<String>,
}

/// Every pool at one writer count.
#[derive(Clone, Debug, PartialEq)]
pub struct Level {
    /// Writers per pool.
    pub writers: u32,
    /// One entry per pool.
    pub pools: Vec<Figures>,
}

impl Figures {
    /// True when the pool's retries append again without deciding again (`blind`): it skips
    /// work a real command handler cannot, so it never sets the best to keep up with.
    pub fn blind(&self) -> bool {
        self.refresh.as_deref() == Some("blind")
    }
}

impl Level {
    fn get(&self, pool: &str) -> Option<&Figures> {
        self.pools.iter().find(|f| f.pool == pool)
    }

    /// The pools the best is taken from: every one that decides again before a retry.
    fn references(&self) -> impl Iterator<Item = &Figures> {
        self.pools.iter().filter(|f| !f.blind())
    }

    /// The highest goodput of any pool that decides again.
    pub fn best_goodput(&self) -> Option<f64> {
        self.references().map(|f| f.goodput).reduce(f64::max)
    }

    /// The lowest p99 of any such pool that committed.
    pub fn best_p99(&self) -> Option<f64> {
        self.references().filter_map(|f| f.p99_ns).reduce(f64::min)
    }

    /// The lowest attempts per commit of any such pool that committed.
    pub fn best_attempts(&self) -> Option<f64> {
        self.references()
            .filter_map(|f| f.attempts_per_commit)
            .reduce(f64::min)
    }

    /// The share of first attempts that conflict (see the module docs).
    pub fn first_attempt_conflicts(&self) -> Option<f64> {
        match self.get(FIRST_ATTEMPTS_POOL) {
            Some(f) => Some(f.conflict_rate),
            None => self.pools.iter().map(|f| f.conflict_rate).reduce(f64::min),
        }
    }

    /// The member of `family` with the highest goodput here.
    fn best_of(&self, family: &[&str]) -> Option<&Figures> {
        family
            .iter()
            .filter_map(|name| self.get(name))
            .reduce(|a, b| if b.goodput > a.goodput { b } else { a })
    }

    /// `f`'s goodput ÷ the best, and p99 ÷ the best (`None` without commits).
    fn ratios(&self, f: &Figures) -> (f64, Option<f64>) {
        let g = self.best_goodput().map_or(0.0, |b| ratio(f.goodput, b));
        let p = f.p99_ns.zip(self.best_p99()).map(|(p, b)| ratio(p, b));
        (g, p)
    }

    /// Whether `f` keeps up here (see the module docs).
    fn keeps_up(&self, f: &Figures) -> bool {
        let (g, p) = self.ratios(f);
        g >= NEAR_BEST_GOODPUT && p.is_some_and(|p| p <= NEAR_BEST_P99)
    }

    /// `f` against the best, in words: `2 writers: exponential-us 0.98× best goodput, 1.0× best p99`.
    fn describe(&self, f: &Figures) -> String {
        let (g, p) = self.ratios(f);
        format!(
            "{} writers: {} {}× best goodput, {} best p99",
            self.writers,
            f.pool,
            sig(g),
            p.map_or_else(|| "no".to_owned(), |p| format!("{}×", sig(p)))
        )
    }
}

fn ratio(a: f64, b: f64) -> f64 {
    if b == 0.0 {
        if a == 0.0 { 1.0 } else { f64::INFINITY }
    } else {
        a / b
    }
}

fn sig(v: f64) -> String {
    crate::metrics::format::fmt_sig(v)
}

/// What the measurements say of one claim.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Finding {
    /// The figures agree with the claim.
    Holds,
    /// The figures contradict it on this load.
    DoesNotHold,
    /// This load cannot say.
    NotTested,
}

impl Finding {
    /// As the report writes it.
    pub fn text(self) -> &'static str {
        match self {
            Finding::Holds => "holds",
            Finding::DoesNotHold => "does not hold here",
            Finding::NotTested => "not tested by this load",
        }
    }
}

/// A finding and the figures it was decided on.
#[derive(Clone, Debug, PartialEq)]
pub struct Judgement {
    /// The finding.
    pub finding: Finding,
    /// Why, with the figures.
    pub why: String,
}

fn judge(finding: Finding, why: impl Into<String>) -> Judgement {
    Judgement {
        finding,
        why: why.into(),
    }
}

fn holds_if(cond: bool, why: String) -> Judgement {
    judge(
        if cond {
            Finding::Holds
        } else {
            Finding::DoesNotHold
        },
        why,
    )
}

/// One row of the seed's table, measured.
#[derive(Clone, Debug, PartialEq)]
pub struct PatternRow {
    /// The seed's pattern name.
    pub pattern: &'static str,
    /// The pools that stand for it (those present in the sweep).
    pub pools: Vec<String>,
    /// The seed's "use when" (or the best practice itself) and its verdict.
    pub use_when: (&'static str, Judgement),
    /// The seed's "avoid when" and its verdict (none for a best practice).
    pub avoid_when: Option<(&'static str, Judgement)>,
}

/// The three levels the rules look at.
#[derive(Clone, Copy, Debug)]
pub struct Levels<'a> {
    /// The smallest writer count above 1.
    pub low: &'a Level,
    /// The largest writer count.
    pub high: &'a Level,
    /// The 1-writer point, if swept.
    pub single: Option<&'a Level>,
}

impl<'a> Levels<'a> {
    /// Picks the levels from `levels` (any order); `None` when empty.
    pub fn pick(levels: &'a [Level]) -> Option<Levels<'a>> {
        let high = levels.iter().max_by_key(|l| l.writers)?;
        let low = levels
            .iter()
            .filter(|l| l.writers > 1)
            .min_by_key(|l| l.writers)
            .or_else(|| levels.iter().min_by_key(|l| l.writers))?;
        let single = levels.iter().find(|l| l.writers == 1);
        Some(Levels { low, high, single })
    }
}

fn missing(pools: &[&str]) -> Judgement {
    judge(
        Finding::NotTested,
        format!("no pool named {} in this sweep", pools.join(" or ")),
    )
}

fn overload(level: &Level) -> (bool, String) {
    let share = level.first_attempt_conflicts().unwrap_or(0.0);
    (
        share >= OVERLOADED,
        format!(
            "at {} writers {}% of first attempts conflict ({}overloaded: the rule needs {}%)",
            level.writers,
            sig(share * 100.0),
            if share >= OVERLOADED { "" } else { "not " },
            sig(OVERLOADED * 100.0)
        ),
    )
}

/// The seed's table, measured on `levels` by the rules of the module docs.
pub fn seed_table(levels: Levels<'_>) -> Vec<PatternRow> {
    let Levels { low, high, single } = levels;
    let family = |name: &str| {
        FAMILIES
            .iter()
            .find(|(n, _)| *n == name)
            .map_or(&[][..], |(_, pools)| *pools)
    };
    let present = |pools: &[&str]| -> Vec<String> {
        pools
            .iter()
            .filter(|p| high.get(p).is_some() || low.get(p).is_some())
            .map(|p| (*p).to_owned())
            .collect()
    };
    let mut rows = Vec::new();

    // Exponential backoff.
    let exp = family("Exponential Backoff");
    let (at_low, at_high) = (low.best_of(exp), high.best_of(exp));
    rows.push(PatternRow {
        pattern: "Exponential Backoff",
        pools: present(exp),
        use_when: (
            "Default choice for most apps",
            match (at_low, at_high) {
                (Some(l), Some(h)) => holds_if(
                    low.keeps_up(l) && high.keeps_up(h),
                    format!("{}; {}", low.describe(l), high.describe(h)),
                ),
                _ => missing(exp),
            },
        ),
        avoid_when: Some((
            "Store is consistently overloaded",
            match at_high {
                None => missing(exp),
                Some(h) => match overload(high) {
                    (false, why) => judge(Finding::NotTested, why),
                    (true, why) => {
                        holds_if(!high.keeps_up(h), format!("{why}; {}", high.describe(h)))
                    }
                },
            },
        )),
    });

    // State reload.
    let reload = family("State Reload");
    rows.push(PatternRow {
        pattern: "State Reload",
        pools: present(reload),
        use_when: (
            "Updates can be safely replayed",
            judge(
                Finding::NotTested,
                "whether a replay is correct is a property of the domain, which no load measures",
            ),
        ),
        avoid_when: Some((
            "Event replay is expensive",
            match high.best_of(reload) {
                None => missing(reload),
                Some(h) => match h.replayed_per_commit {
                    Some(r) if r > 0.0 => holds_if(
                        !high.keeps_up(h),
                        format!(
                            "{}, replaying {} events per commit",
                            high.describe(h),
                            sig(r)
                        ),
                    ),
                    _ => judge(
                        Finding::NotTested,
                        format!("{} replayed no events at {} writers", h.pool, high.writers),
                    ),
                },
            },
        )),
    });

    // Circuit breaker.
    let breaker = family("Circuit Breaker");
    let (b_low, b_high) = (low.best_of(breaker), high.best_of(breaker));
    rows.push(PatternRow {
        pattern: "Circuit Breaker",
        pools: present(breaker),
        use_when: (
            "Store is frequently saturated",
            match b_high {
                None => missing(breaker),
                Some(h) => match overload(high) {
                    (false, why) => judge(Finding::NotTested, why),
                    (true, why) => {
                        holds_if(high.keeps_up(h), format!("{why}; {}", high.describe(h)))
                    }
                },
            },
        ),
        avoid_when: Some((
            "You need immediate feedback",
            match (b_low, b_high) {
                (Some(l), Some(h)) => {
                    let slow = |level: &Level, f: &Figures| {
                        level.ratios(f).1.is_some_and(|p| p > NEAR_BEST_P99)
                    };
                    holds_if(
                        slow(low, l) || slow(high, h),
                        format!("{}; {}", low.describe(l), high.describe(h)),
                    )
                }
                _ => missing(breaker),
            },
        )),
    });

    // Jittered backoff, against plain exponential backoff.
    let jitter = family("Jittered Backoff");
    rows.push(PatternRow {
        pattern: "Jittered Backoff",
        pools: present(jitter),
        use_when: (
            "Many concurrent writers",
            match (high.best_of(jitter), high.best_of(exp)) {
                (Some(j), Some(e)) => holds_if(
                    e.goodput <= NEAR_BEST_GOODPUT * j.goodput,
                    format!(
                        "at {} writers {} commits {}× what {} does",
                        high.writers,
                        j.pool,
                        sig(ratio(j.goodput, e.goodput)),
                        e.pool
                    ),
                ),
                _ => missing(&[jitter, exp].concat()),
            },
        ),
        avoid_when: Some((
            "Single-threaded app",
            match single {
                None => judge(Finding::NotTested, "no 1-writer point in this sweep"),
                Some(one) => match (one.best_of(jitter), one.best_of(exp)) {
                    (Some(j), Some(e)) => {
                        let g = ratio(j.goodput, e.goodput);
                        let p = j.p99_ns.zip(e.p99_ns).map(|(a, b)| ratio(a, b));
                        holds_if(
                            g < NEAR_BEST_GOODPUT || p.is_some_and(|p| p > NEAR_BEST_P99),
                            format!(
                                "at 1 writer {} has {}× the goodput and {} the p99 of {}",
                                j.pool,
                                sig(g),
                                p.map_or_else(|| "no".to_owned(), |p| format!("{}×", sig(p))),
                                e.pool
                            ),
                        )
                    }
                    _ => missing(&[jitter, exp].concat()),
                },
            },
        )),
    });

    // Best practice 2: retry at the conflict's current version + 1, without a read.
    let cv = family("Use CurrentVersion");
    rows.push(PatternRow {
        pattern: "Use CurrentVersion",
        pools: present(&[cv, &[CURRENT_VERSION_TWIN][..]].concat()),
        use_when: (
            "Use CurrentVersion for retries (best practice 2)",
            current_version(low, high, cv.first().copied().unwrap_or("current-version")),
        ),
        avoid_when: None,
    });
    rows
}

fn current_version(low: &Level, high: &Level, pool: &str) -> Judgement {
    let pairs: Option<Vec<(&Level, &Figures, &Figures)>> = [low, high]
        .into_iter()
        .map(|l| Some((l, l.get(pool)?, l.get(CURRENT_VERSION_TWIN)?)))
        .collect();
    let Some(pairs) = pairs else {
        return missing(&[pool, CURRENT_VERSION_TWIN]);
    };
    let (_, cv, twin) = pairs[0];
    match (&cv.refresh, &twin.refresh) {
        (Some(a), Some(b)) if a != b => {}
        (Some(a), Some(_)) => {
            return judge(
                Finding::NotTested,
                format!(
                    "{pool} and {CURRENT_VERSION_TWIN} both refresh by `{a}`: nothing to compare"
                ),
            );
        }
        _ => {
            return judge(
                Finding::NotTested,
                "the saved results do not say how the two pools refresh",
            );
        }
    }
    let mut ok = true;
    let mut why = Vec::new();
    for (level, cv, twin) in pairs {
        let g = ratio(cv.goodput, twin.goodput);
        let p = cv.p99_ns.zip(twin.p99_ns).map(|(a, b)| ratio(a, b));
        ok &= g >= NEAR_BEST_GOODPUT && p.is_some_and(|p| p <= NEAR_BEST_P99);
        why.push(format!(
            "{} writers: {}× the goodput, {} the p99",
            level.writers,
            sig(g),
            p.map_or_else(|| "no".to_owned(), |p| format!("{}×", sig(p)))
        ));
    }
    holds_if(
        ok,
        format!(
            "{pool} (`{}`) against {CURRENT_VERSION_TWIN} (`{}`): {}. The lead is the re-read and the decision a blind retry skips: correct only for commutative events, a lost update for any other command",
            cv.refresh.as_deref().unwrap_or("?"),
            twin.refresh.as_deref().unwrap_or("?"),
            why.join("; ")
        ),
    )
}

/// The figures of every point of a sweep over `writers` (points whose value is not a whole
/// number, or that have no finished repeat, are left out).
pub fn levels(data: &SweepData) -> Vec<Level> {
    let Some(axis) = data.manifest.params.first() else {
        return Vec::new();
    };
    data.points
        .iter()
        .filter(|p| !p.reps.is_empty())
        .filter_map(|p| {
            let writers = axis.values.get(*p.coords.first()?)?.parse().ok()?;
            Some(Level {
                writers,
                pools: figures(p),
            })
        })
        .collect()
}

fn figures(point: &PointData) -> Vec<Figures> {
    point_stats(point)
        .into_iter()
        .map(|s| {
            let replayed: Vec<f64> = point
                .reps
                .iter()
                .filter_map(|r| r.pools.iter().find(|p| p.name == s.name))
                .filter(|p| attempts_per_commit(p).is_some())
                .map(|p| p.counters.events_replayed as f64 / p.counters.committed as f64)
                .collect();
            Figures {
                // As the results recorded it (absent in results written before it was).
                refresh: point
                    .reps
                    .iter()
                    .filter_map(|r| r.pools.iter().find(|p| p.name == s.name))
                    .find_map(|p| p.refresh)
                    .map(|r| r.name().to_owned()),
                goodput: s.goodput.median,
                p99_ns: s.p99_ns.map(|p| p.median),
                attempts_per_commit: s.attempts_per_commit.map(|a| a.median),
                conflict_rate: s.conflict_rate.median,
                replayed_per_commit: super::stats::Spread::of(&replayed).map(|r| r.median),
                pool: s.name,
            }
        })
        .collect()
}

/// A pool's standing at a level: its rank (1 = best) and its ratio to the best, on goodput,
/// p99 and attempts per commit (`None` where it has no figure).
#[derive(Clone, Debug, PartialEq)]
pub struct Standing {
    /// The pool.
    pub pool: String,
    /// Goodput: rank, and its goodput ÷ the best (≤ 1).
    pub goodput: (usize, f64),
    /// p99: rank, and its p99 ÷ the best (≥ 1).
    pub p99: Option<(usize, f64)>,
    /// Attempts per commit: rank, and its figure ÷ the best (≥ 1).
    pub attempts: Option<(usize, f64)>,
}

/// Every pool's standing at `level`, in the level's pool order, ranked among the pools that
/// decide again before a retry.
pub fn standings(level: &Level) -> Vec<Standing> {
    // Ranked among the pools that decide again (a blind pool gets the rank it would take).
    let rank = |values: Vec<Option<f64>>, higher_wins: bool| -> Vec<Option<(usize, f64)>> {
        let known: Vec<f64> = values
            .iter()
            .zip(&level.pools)
            .filter(|(_, f)| !f.blind())
            .filter_map(|(v, _)| *v)
            .collect();
        let best = if higher_wins {
            known.iter().copied().reduce(f64::max)
        } else {
            known.iter().copied().reduce(f64::min)
        };
        values
            .iter()
            .map(|v| {
                let v = (*v)?;
                let better = known
                    .iter()
                    .filter(|&&o| if higher_wins { o > v } else { o < v })
                    .count();
                Some((better + 1, ratio(v, best?)))
            })
            .collect()
    };
    let g = rank(level.pools.iter().map(|f| Some(f.goodput)).collect(), true);
    let p = rank(level.pools.iter().map(|f| f.p99_ns).collect(), false);
    let a = rank(
        level.pools.iter().map(|f| f.attempts_per_commit).collect(),
        false,
    );
    level
        .pools
        .iter()
        .enumerate()
        .map(|(i, f)| Standing {
            pool: f.pool.clone(),
            goodput: g[i].unwrap_or((level.pools.len(), 0.0)),
            p99: p[i],
            attempts: a[i],
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A pool committing `goodput`/s with a p99 of `p99_us` µs, conflicting at `conflicts`.
    fn pool(name: &str, goodput: f64, p99_us: f64, conflicts: f64) -> Figures {
        Figures {
            pool: name.to_owned(),
            goodput,
            p99_ns: Some(p99_us * 1_000.0),
            attempts_per_commit: Some(1.0 / (1.0 - conflicts)),
            conflict_rate: conflicts,
            replayed_per_commit: (name == "reload-and-merge").then_some(50.0),
            refresh: Some(
                if name == "current-version" {
                    "blind"
                } else {
                    "reread"
                }
                .to_owned(),
            ),
        }
    }

    /// Every pool of compare.toml at the same figures: all keep up, nothing differs.
    fn even(writers: u32, conflicts: f64) -> Level {
        let names = [
            "no-retry",
            "immediate",
            "exponential",
            "exponential-us",
            "current-version",
            "seed-jitter",
            "exponential-full-jitter",
            "reload-and-merge",
            "circuit-breaker",
        ];
        Level {
            writers,
            pools: names
                .iter()
                .map(|n| pool(n, 1000.0 * writers as f64, 1000.0, conflicts))
                .collect(),
        }
    }

    fn set(level: &mut Level, name: &str, goodput_factor: f64, p99_factor: f64) {
        let f = level.pools.iter_mut().find(|f| f.pool == name).unwrap();
        f.goodput *= goodput_factor;
        f.p99_ns = f.p99_ns.map(|p| p * p99_factor);
    }

    /// The three levels: 1 writer, low (2) and an overloaded high (64).
    fn sweep() -> Vec<Level> {
        vec![even(1, 0.0), even(2, 0.05), even(64, 0.6)]
    }

    fn finding(levels: &[Level], pattern: &str, avoid: bool) -> (Finding, String) {
        let rows = seed_table(Levels::pick(levels).unwrap());
        let row = rows.iter().find(|r| r.pattern == pattern).unwrap();
        let j = if avoid {
            &row.avoid_when.as_ref().unwrap().1
        } else {
            &row.use_when.1
        };
        (j.finding, j.why.clone())
    }

    fn level(levels: &mut [Level], writers: u32) -> &mut Level {
        levels.iter_mut().find(|l| l.writers == writers).unwrap()
    }

    #[test]
    fn levels_are_the_smallest_count_above_one_the_largest_and_one() {
        let levels = vec![even(8, 0.1), even(1, 0.0), even(64, 0.6), even(2, 0.05)];
        let picked = Levels::pick(&levels).unwrap();
        assert_eq!(
            (
                picked.low.writers,
                picked.high.writers,
                picked.single.map(|l| l.writers)
            ),
            (2, 64, Some(1))
        );
        let only_one = vec![even(1, 0.0)];
        assert_eq!(Levels::pick(&only_one).unwrap().low.writers, 1);
        assert!(Levels::pick(&[]).is_none());
    }

    #[test]
    fn exponential_is_the_default_choice_only_if_it_keeps_up_at_both_ends() {
        let mut levels = sweep();
        assert_eq!(
            finding(&levels, "Exponential Backoff", false).0,
            Finding::Holds
        );
        // Both members fall behind at high: the family's best is below 90% of the best.
        set(level(&mut levels, 64), "exponential-us", 0.85, 1.0);
        set(level(&mut levels, 64), "exponential", 0.5, 1.0);
        let (f, why) = finding(&levels, "Exponential Backoff", false);
        assert_eq!(f, Finding::DoesNotHold, "{why}");
        assert!(why.contains("0.85× best goodput"), "{why}");
        // A long tail at low fails it too.
        let mut levels = sweep();
        set(level(&mut levels, 2), "exponential-us", 1.0, 1.3);
        set(level(&mut levels, 2), "exponential", 1.0, 2.0);
        assert_eq!(
            finding(&levels, "Exponential Backoff", false).0,
            Finding::DoesNotHold
        );
    }

    #[test]
    fn avoiding_exponential_under_overload_needs_an_overloaded_top_and_a_better_pattern() {
        let mut levels = sweep();
        // Overloaded, and it keeps up: the advice to avoid it does not hold.
        assert_eq!(
            finding(&levels, "Exponential Backoff", true).0,
            Finding::DoesNotHold
        );
        set(level(&mut levels, 64), "exponential-us", 0.5, 1.0);
        set(level(&mut levels, 64), "exponential", 0.5, 1.0);
        assert_eq!(
            finding(&levels, "Exponential Backoff", true).0,
            Finding::Holds
        );
        // Not overloaded (no-retry conflicts on 40% of its attempts): not tested.
        level(&mut levels, 64)
            .pools
            .iter_mut()
            .find(|f| f.pool == "no-retry")
            .unwrap()
            .conflict_rate = 0.4;
        let (f, why) = finding(&levels, "Exponential Backoff", true);
        assert_eq!(f, Finding::NotTested, "{why}");
        assert!(why.contains("40% of first attempts"), "{why}");
    }

    #[test]
    fn reload_is_never_judged_on_correctness_and_costs_are_judged_at_the_top() {
        let mut levels = sweep();
        assert_eq!(
            finding(&levels, "State Reload", false).0,
            Finding::NotTested
        );
        assert_eq!(
            finding(&levels, "State Reload", true).0,
            Finding::DoesNotHold,
            "replay kept up: not expensive here"
        );
        set(level(&mut levels, 64), "reload-and-merge", 0.3, 2.0);
        let (f, why) = finding(&levels, "State Reload", true);
        assert_eq!(f, Finding::Holds);
        assert!(why.contains("replaying 50 events per commit"), "{why}");
        for l in &mut levels {
            for p in &mut l.pools {
                p.replayed_per_commit = None;
            }
        }
        assert_eq!(finding(&levels, "State Reload", true).0, Finding::NotTested);
    }

    #[test]
    fn the_breaker_must_keep_up_when_saturated_and_is_slow_feedback_only_with_a_long_tail() {
        let mut levels = sweep();
        assert_eq!(finding(&levels, "Circuit Breaker", false).0, Finding::Holds);
        assert_eq!(
            finding(&levels, "Circuit Breaker", true).0,
            Finding::DoesNotHold
        );
        set(level(&mut levels, 64), "circuit-breaker", 0.4, 1.3);
        assert_eq!(
            finding(&levels, "Circuit Breaker", false).0,
            Finding::DoesNotHold
        );
        assert_eq!(finding(&levels, "Circuit Breaker", true).0, Finding::Holds);
        for p in &mut level(&mut levels, 64).pools {
            p.conflict_rate = 0.1;
        }
        assert_eq!(
            finding(&levels, "Circuit Breaker", false).0,
            Finding::NotTested
        );
    }

    #[test]
    fn jitter_must_clearly_beat_plain_backoff_with_many_writers_and_cost_at_one() {
        let mut levels = sweep();
        // Equal figures: no clear gain.
        assert_eq!(
            finding(&levels, "Jittered Backoff", false).0,
            Finding::DoesNotHold
        );
        set(level(&mut levels, 64), "exponential-us", 0.8, 1.0);
        set(level(&mut levels, 64), "exponential", 0.8, 1.0);
        assert_eq!(
            finding(&levels, "Jittered Backoff", false).0,
            Finding::Holds
        );
        // At 1 writer jitter costs nothing here, so the advice to avoid it does not hold...
        assert_eq!(
            finding(&levels, "Jittered Backoff", true).0,
            Finding::DoesNotHold
        );
        // ... unless it does cost.
        for name in ["exponential-full-jitter", "seed-jitter"] {
            set(level(&mut levels, 1), name, 1.0, 1.5);
        }
        assert_eq!(finding(&levels, "Jittered Backoff", true).0, Finding::Holds);
        let without_one: Vec<Level> = sweep().into_iter().filter(|l| l.writers > 1).collect();
        assert_eq!(
            finding(&without_one, "Jittered Backoff", true).0,
            Finding::NotTested
        );
    }

    #[test]
    fn current_version_is_judged_against_its_rereading_twin_only_when_they_differ() {
        let mut levels = sweep();
        assert_eq!(
            finding(&levels, "Use CurrentVersion", false).0,
            Finding::Holds
        );
        set(level(&mut levels, 64), "current-version", 0.7, 1.0);
        let (f, why) = finding(&levels, "Use CurrentVersion", false);
        assert_eq!(f, Finding::DoesNotHold);
        assert!(why.contains("`blind`") && why.contains("`reread`"), "{why}");
        for l in &mut levels {
            for p in &mut l.pools {
                p.refresh = Some("reread".into());
            }
        }
        let (f, why) = finding(&levels, "Use CurrentVersion", false);
        assert_eq!(f, Finding::NotTested);
        assert!(why.contains("both refresh by `reread`"), "{why}");
    }

    #[test]
    fn a_blind_pool_never_sets_the_best_that_others_must_keep_up_with() {
        let mut levels = sweep();
        // current-version (blind) commits twice what any re-deciding pool does.
        set(level(&mut levels, 64), "current-version", 2.0, 0.5);
        assert_eq!(
            finding(&levels, "Exponential Backoff", false).0,
            Finding::Holds,
            "exponential still keeps up with the best re-deciding pool"
        );
        let s = standings(level(&mut levels, 64));
        let blind = s.iter().find(|s| s.pool == "current-version").unwrap();
        assert_eq!(blind.goodput, (1, 2.0), "its ratio to the re-deciding best");
        let exp = s.iter().find(|s| s.pool == "exponential-us").unwrap();
        assert_eq!(exp.goodput, (1, 1.0));
    }

    #[test]
    fn a_scenario_without_the_patterns_pools_tests_nothing() {
        let levels = vec![
            Level {
                writers: 1,
                pools: vec![pool("mine", 10.0, 5.0, 0.0)],
            },
            Level {
                writers: 8,
                pools: vec![pool("mine", 50.0, 9.0, 0.7)],
            },
        ];
        for row in seed_table(Levels::pick(&levels).unwrap()) {
            assert_eq!(
                row.use_when.1.finding,
                Finding::NotTested,
                "{}",
                row.pattern
            );
            if let Some((_, j)) = row.avoid_when {
                assert_eq!(j.finding, Finding::NotTested, "{}", row.pattern);
            }
        }
    }

    #[test]
    fn standings_rank_each_figure_with_ties_sharing_a_rank() {
        let mut l = even(2, 0.1);
        set(&mut l, "immediate", 2.0, 0.5);
        let s = standings(&l);
        let imm = s.iter().find(|s| s.pool == "immediate").unwrap();
        assert_eq!(imm.goodput, (1, 1.0));
        assert_eq!(imm.p99, Some((1, 1.0)));
        let other = s.iter().find(|s| s.pool == "no-retry").unwrap();
        assert_eq!(other.goodput, (2, 0.5));
        assert_eq!(other.p99, Some((2, 2.0)));
    }
}
