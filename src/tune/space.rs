//! The search space: which fields of the tuned pool's policy a search may set, and the values
//! each may take (`base=100us..50ms:log`, `max_retries=1..20`, `jitter=none,full,decorrelated`).
//!
//! A point of the space is a vector of coordinates in `[0, 1)`, one per parameter; samplers
//! work on those, and [`Space::decode`] turns a point into values. Continuous values are
//! rounded to three significant digits (a configuration people can write down, and fewer
//! near-duplicates to measure); integers and choices take equal shares of their coordinate.

use crate::clock::Nanos;
use crate::metrics::format::fmt_sig;
use crate::units::parse_duration;

/// The most parameters one search takes.
pub const MAX_PARAMS: usize = 12;
/// The most values one categorical parameter takes.
pub const MAX_CHOICES: usize = 64;

/// Short names for the policy fields people tune, with the path inside `[pools.policy]` each
/// stands for. `jitter` is special: it also takes `decorrelated` (AWS's decorrelated jitter is
/// a backoff shape of its own, so choosing it switches the backoff kind).
pub const ALIASES: &[(&str, &str)] = &[
    ("base", "backoff.base"),
    ("cap", "backoff.cap"),
    ("multiplier", "backoff.multiplier"),
    ("step", "backoff.step"),
    ("delay", "backoff.delay"),
    ("backoff", "backoff.kind"),
    ("jitter", "jitter.kind"),
    ("jitter_factor", "jitter.factor"),
    ("max_retries", "max_retries"),
    ("max_attempts", "max_attempts"),
    ("deadline", "deadline"),
    ("refresh", "refresh"),
    ("on_error", "on_error"),
    ("cap_applies", "cap_applies"),
    ("breaker_threshold", "breaker.failure_rate_threshold"),
    ("breaker_minimum_calls", "breaker.minimum_calls"),
    ("breaker_open", "breaker.open_duration"),
    ("budget_capacity", "budget.capacity"),
    ("budget_retry_cost", "budget.retry_cost"),
];

/// The top-level keys of a policy table a dotted path may start with.
const POLICY_KEYS: &[&str] = &[
    "backoff",
    "jitter",
    "cap_applies",
    "max_attempts",
    "max_retries",
    "deadline",
    "refresh",
    "on_error",
    "breaker",
    "budget",
    "monitor",
];

/// The values a parameter takes.
#[derive(Clone, Debug, PartialEq)]
pub enum Domain {
    /// Durations from `lo` to `hi` (ns), on a log scale or not.
    Duration {
        /// Smallest.
        lo: Nanos,
        /// Largest.
        hi: Nanos,
        /// Log scale.
        log: bool,
    },
    /// Real numbers from `lo` to `hi`.
    Float {
        /// Smallest.
        lo: f64,
        /// Largest.
        hi: f64,
        /// Log scale.
        log: bool,
    },
    /// Integers from `lo` to `hi`, both included.
    Int {
        /// Smallest.
        lo: i64,
        /// Largest.
        hi: i64,
        /// Log scale.
        log: bool,
    },
    /// One of a list of words or numbers.
    Choice(Vec<String>),
}

impl Domain {
    /// How many distinct values, if finitely many.
    pub fn count(&self) -> Option<u64> {
        match self {
            Domain::Int { lo, hi, .. } => Some((hi - lo) as u64 + 1),
            Domain::Choice(v) => Some(v.len() as u64),
            _ => None,
        }
    }

    /// Whether the coordinate picks one of finitely many values.
    pub fn is_discrete(&self) -> bool {
        self.count().is_some()
    }
}

/// One searched parameter.
#[derive(Clone, Debug, PartialEq)]
pub struct SearchParam {
    /// As the user named it.
    pub name: String,
    /// The dotted path inside the policy table.
    pub path: String,
    /// Its values.
    pub domain: Domain,
    /// The whole argument, as given.
    pub text: String,
}

/// A decoded value: its text (for keys, tables and charts) and its TOML form.
#[derive(Clone, Debug, PartialEq)]
pub struct Value {
    /// As written in a scenario (`1.5ms`, `4`, `full`).
    pub text: String,
    /// The TOML value set in the policy table.
    pub toml: toml::Value,
    /// A number for charts: ns, the number itself, or the choice's position.
    pub number: f64,
}

/// Every searched parameter, in the order given.
#[derive(Clone, Debug, PartialEq)]
pub struct Space {
    /// The parameters.
    pub params: Vec<SearchParam>,
}

/// Why a parameter could not be read.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum SpaceError {
    /// No `--param`.
    #[error(
        "nothing to search: give at least one --param NAME=VALUES, e.g. --param base=100us..50ms:log"
    )]
    Empty,
    /// Too many parameters.
    #[error("{0} parameters: a search takes at most {MAX_PARAMS}")]
    TooMany(usize),
    /// Not `NAME=VALUES`.
    #[error(
        "`{0}` is not NAME=VALUES: write e.g. base=100us..50ms:log, max_retries=1..20 or jitter=none,full,equal"
    )]
    Syntax(String),
    /// A name that is neither an alias nor a policy path.
    #[error(
        "unknown parameter `{name}`: use one of {aliases}, or a path inside the pool's policy such as breaker.minimum_calls"
    )]
    Unknown {
        /// The name given.
        name: String,
        /// The aliases, comma-separated.
        aliases: String,
    },
    /// The same field twice.
    #[error("parameter `{0}` is given twice")]
    Duplicate(String),
    /// The values could not be read.
    #[error("parameter `{name}`: {why}")]
    Values {
        /// The parameter.
        name: String,
        /// What is wrong and what to write.
        why: String,
    },
}

fn aliases() -> String {
    ALIASES
        .iter()
        .map(|(a, _)| *a)
        .collect::<Vec<_>>()
        .join(", ")
}

/// The policy path `name` stands for: an alias, `policy.<path>`, `pools.<pool>.policy.<path>`
/// or a path starting at a policy key.
fn resolve(name: &str, pool: &str) -> Option<String> {
    if let Some((_, path)) = ALIASES.iter().find(|(a, _)| *a == name) {
        return Some((*path).to_owned());
    }
    let pool_prefix = format!("pools.{pool}.policy.");
    let path = name
        .strip_prefix(&pool_prefix)
        .or_else(|| name.strip_prefix("policy."))
        .unwrap_or(name);
    let first = path.split('.').next().unwrap_or("");
    let well_formed = path.split('.').all(|s| !s.is_empty());
    (well_formed && POLICY_KEYS.contains(&first)).then(|| path.to_owned())
}

impl Space {
    /// Reads `NAME=VALUES` arguments for the pool `pool`.
    pub fn parse(args: &[String], pool: &str) -> Result<Space, SpaceError> {
        if args.is_empty() {
            return Err(SpaceError::Empty);
        }
        if args.len() > MAX_PARAMS {
            return Err(SpaceError::TooMany(args.len()));
        }
        let mut params: Vec<SearchParam> = Vec::new();
        for arg in args {
            let (name, values) = arg
                .split_once('=')
                .ok_or_else(|| SpaceError::Syntax(arg.clone()))?;
            let name = name.trim();
            let path = resolve(name, pool).ok_or_else(|| SpaceError::Unknown {
                name: name.to_owned(),
                aliases: aliases(),
            })?;
            let limit_rival = |p: &str| matches!(p, "max_retries" | "max_attempts");
            if params
                .iter()
                .any(|p| p.path == path || (limit_rival(&p.path) && limit_rival(&path)))
            {
                return Err(SpaceError::Duplicate(name.to_owned()));
            }
            let domain = parse_domain(values).map_err(|why| SpaceError::Values {
                name: name.to_owned(),
                why,
            })?;
            params.push(SearchParam {
                name: name.to_owned(),
                path,
                domain,
                text: arg.trim().to_owned(),
            });
        }
        Ok(Space { params })
    }

    /// The number of coordinates of a point.
    pub fn dims(&self) -> usize {
        self.params.len()
    }

    /// The values at `point` (one coordinate in `[0, 1)` per parameter).
    pub fn decode(&self, point: &[f64]) -> Vec<Value> {
        self.params
            .iter()
            .zip(point)
            .map(|(p, &u)| decode(&p.domain, u.clamp(0.0, 1.0 - f64::EPSILON)))
            .collect()
    }

    /// A point's identity: its values as text, so two points with the same values are one
    /// configuration.
    pub fn key(&self, values: &[Value]) -> String {
        self.params
            .iter()
            .zip(values)
            .map(|(p, v)| format!("{}={}", p.name, v.text))
            .collect::<Vec<_>>()
            .join(" ")
    }

    /// How many configurations the space holds, if it is finite (every parameter discrete).
    pub fn size(&self) -> Option<u64> {
        self.params
            .iter()
            .map(|p| p.domain.count())
            .try_fold(1u64, |n, c| c.map(|c| n.saturating_mul(c)))
    }

    /// Every configuration of a finite space, as points at the centre of each value's share;
    /// `None` when the space is infinite or larger than `limit`.
    pub fn grid(&self, limit: u64) -> Option<Vec<Vec<f64>>> {
        let size = self.size()?;
        if size > limit {
            return None;
        }
        let mut points = vec![Vec::new()];
        for p in &self.params {
            let n = p.domain.count()? as usize;
            points = points
                .into_iter()
                .flat_map(|prefix| {
                    (0..n).map(move |i| {
                        let mut next = prefix.clone();
                        next.push((i as f64 + 0.5) / n as f64);
                        next
                    })
                })
                .collect();
        }
        Some(points)
    }
}

/// Reads `lo..hi[:log]` or `a,b,c`.
fn parse_domain(text: &str) -> Result<Domain, String> {
    let text = text.trim();
    if let Some((range, scale)) = split_range(text) {
        let log = match scale {
            None | Some("linear") => false,
            Some("log") => true,
            Some(other) => {
                return Err(format!(
                    "unknown scale `:{other}`: write `:log` for a log scale, or nothing for linear"
                ));
            }
        };
        let (lo, hi) = range;
        return parse_range(lo.trim(), hi.trim(), log);
    }
    let values: Vec<String> = text
        .split(',')
        .map(|v| v.trim().to_owned())
        .filter(|v| !v.is_empty())
        .collect();
    if values.len() < 2 {
        return Err(format!(
            "`{text}` is one value: give a range (lo..hi, lo..hi:log) or at least two choices (a,b)"
        ));
    }
    if values.len() > MAX_CHOICES {
        return Err(format!(
            "{} choices: give at most {MAX_CHOICES}",
            values.len()
        ));
    }
    for (i, v) in values.iter().enumerate() {
        if values[..i].contains(v) {
            return Err(format!("choice `{v}` is given twice"));
        }
    }
    Ok(Domain::Choice(values))
}

/// `lo..hi` and the optional `:scale`.
fn split_range(text: &str) -> Option<((&str, &str), Option<&str>)> {
    let (range, scale) = match text.rsplit_once(':') {
        Some((r, s)) if r.contains("..") => (r, Some(s.trim())),
        _ => (text, None),
    };
    range.split_once("..").map(|r| (r, scale))
}

fn parse_range(lo: &str, hi: &str, log: bool) -> Result<Domain, String> {
    let has_unit = |s: &str| s.chars().any(|c| c.is_ascii_alphabetic() || c == 'µ');
    let empty = |lo: &str, hi: &str| {
        format!(
            "the range {lo}..{hi} is empty: give the smaller value first, and two different values"
        )
    };
    let log_floor = |lo: &str| {
        format!(
            "a log scale needs a smallest value above zero, not {lo}: start the range higher, or drop `:log`"
        )
    };
    if has_unit(lo) || has_unit(hi) {
        let read = |s: &str| {
            parse_duration(s).map_err(|e| {
                format!("`{s}`: {e} (a range of durations is written like 100us..50ms)")
            })
        };
        let (l, h) = (read(lo)?, read(hi)?);
        if l >= h {
            return Err(empty(lo, hi));
        }
        if log && l == 0 {
            return Err(log_floor(lo));
        }
        return Ok(Domain::Duration { lo: l, hi: h, log });
    }
    if let (Ok(l), Ok(h)) = (lo.parse::<i64>(), hi.parse::<i64>()) {
        if l >= h {
            return Err(empty(lo, hi));
        }
        if log && l <= 0 {
            return Err(log_floor(lo));
        }
        return Ok(Domain::Int { lo: l, hi: h, log });
    }
    let read = |s: &str| {
        s.parse::<f64>()
            .ok()
            .filter(|v| v.is_finite())
            .ok_or_else(|| format!("`{s}` is neither a number nor a duration"))
    };
    let (l, h) = (read(lo)?, read(hi)?);
    if l >= h {
        return Err(empty(lo, hi));
    }
    if log && l <= 0.0 {
        return Err(log_floor(lo));
    }
    Ok(Domain::Float { lo: l, hi: h, log })
}

/// The value at coordinate `u` in `[0, 1)`.
fn decode(domain: &Domain, u: f64) -> Value {
    let between = |lo: f64, hi: f64, log: bool| {
        if log {
            (lo.ln() + u * (hi.ln() - lo.ln())).exp()
        } else {
            lo + u * (hi - lo)
        }
    };
    match domain {
        Domain::Duration { lo, hi, log } => {
            let ns = round3(between(*lo as f64, *hi as f64, *log)).clamp(*lo as f64, *hi as f64);
            let ns = ns.round() as Nanos;
            Value {
                text: duration_text(ns),
                toml: toml::Value::String(duration_text(ns)),
                number: ns as f64,
            }
        }
        Domain::Float { lo, hi, log } => {
            let x = round3(between(*lo, *hi, *log)).clamp(*lo, *hi);
            Value {
                text: fmt_sig(x),
                toml: toml::Value::Float(x),
                number: x,
            }
        }
        Domain::Int { lo, hi, log } => {
            // Each integer takes an equal share of the coordinate (of its log on a log scale).
            let x = between(*lo as f64, *hi as f64 + 1.0, *log).floor() as i64;
            let x = x.clamp(*lo, *hi);
            Value {
                text: x.to_string(),
                toml: toml::Value::Integer(x),
                number: x as f64,
            }
        }
        Domain::Choice(values) => {
            let i = ((u * values.len() as f64) as usize).min(values.len() - 1);
            let text = values[i].clone();
            let toml = if let Ok(n) = text.parse::<i64>() {
                toml::Value::Integer(n)
            } else if let Ok(x) = text.parse::<f64>() {
                toml::Value::Float(x)
            } else if let Ok(b) = text.parse::<bool>() {
                toml::Value::Boolean(b)
            } else {
                toml::Value::String(text.clone())
            };
            Value {
                text,
                toml,
                number: i as f64,
            }
        }
    }
}

/// `x` rounded to three significant digits.
fn round3(x: f64) -> f64 {
    if x == 0.0 || !x.is_finite() {
        return x;
    }
    let scale = 10f64.powi(2 - x.abs().log10().floor() as i32);
    (x * scale).round() / scale
}

/// A duration as a scenario writes it, in the largest unit that keeps it at least 1
/// (`1.23ms`, `450us`).
fn duration_text(ns: Nanos) -> String {
    const UNITS: [(f64, &str); 4] = [(1e9, "s"), (1e6, "ms"), (1e3, "us"), (1.0, "ns")];
    let (scale, unit) = UNITS
        .into_iter()
        .find(|(scale, _)| ns as f64 >= *scale)
        .unwrap_or((1.0, "ns"));
    format!("{}{unit}", fmt_sig(ns as f64 / scale))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn space(args: &[&str]) -> Result<Space, SpaceError> {
        let args: Vec<String> = args.iter().map(|a| (*a).to_owned()).collect();
        Space::parse(&args, "service")
    }

    #[test]
    fn the_issue_example_parses() {
        let s = space(&[
            "base=100us..50ms:log",
            "cap=1ms..5s:log",
            "jitter=none,full,equal,decorrelated",
            "max_retries=1..20",
        ])
        .unwrap();
        assert_eq!(
            s.params[0].domain,
            Domain::Duration {
                lo: 100_000,
                hi: 50_000_000,
                log: true
            }
        );
        assert_eq!(s.params[2].domain.count(), Some(4));
        assert_eq!(
            s.params[3].domain,
            Domain::Int {
                lo: 1,
                hi: 20,
                log: false
            }
        );
        assert_eq!(s.params[1].path, "backoff.cap");
        assert_eq!(s.size(), None);
    }

    #[test]
    fn decoding_covers_the_range_and_rounds_to_three_digits() {
        let s = space(&["base=100us..50ms:log", "max_retries=1..20"]).unwrap();
        let low = s.decode(&[0.0, 0.0]);
        assert_eq!((low[0].text.as_str(), low[1].text.as_str()), ("100us", "1"));
        let high = s.decode(&[0.999_999, 0.999_999]);
        assert_eq!(
            (high[0].text.as_str(), high[1].text.as_str()),
            ("50ms", "20")
        );
        let mid = s.decode(&[0.5, 0.5]);
        assert_eq!(mid[0].text, "2.24ms");
        assert_eq!(parse_duration(&mid[0].text).unwrap(), 2_240_000);
    }

    #[test]
    fn integers_and_choices_take_equal_shares() {
        let s = space(&["max_retries=1..4", "jitter=none,full"]).unwrap();
        let mut seen = std::collections::BTreeMap::new();
        for i in 0..800 {
            let u = (i as f64 + 0.5) / 800.0;
            *seen.entry(s.decode(&[u, u])[0].text.clone()).or_insert(0) += 1;
        }
        assert_eq!(
            seen.values().copied().collect::<Vec<_>>(),
            [200, 200, 200, 200]
        );
        assert_eq!(s.grid(100).unwrap().len(), 8);
        assert_eq!(s.grid(7), None);
    }

    #[test]
    fn bad_parameters_say_what_to_write() {
        assert_eq!(space(&[]), Err(SpaceError::Empty));
        assert!(matches!(space(&["base"]), Err(SpaceError::Syntax(_))));
        assert!(matches!(
            space(&["speed=1..2"]),
            Err(SpaceError::Unknown { .. })
        ));
        let empty = space(&["base=50ms..100us"]).unwrap_err().to_string();
        assert!(empty.contains("empty"), "{empty}");
        let one = space(&["jitter=full"]).unwrap_err().to_string();
        assert!(one.contains("at least two"), "{one}");
        let log = space(&["max_retries=0..5:log"]).unwrap_err().to_string();
        assert!(log.contains("above zero"), "{log}");
        assert!(matches!(
            space(&["max_retries=1..3", "max_attempts=1..3"]),
            Err(SpaceError::Duplicate(_))
        ));
        let unit = space(&["base=1xs..2ms"]).unwrap_err().to_string();
        assert!(unit.contains("unknown unit"), "{unit}");
    }

    #[test]
    fn paths_may_be_written_in_full() {
        let s = space(&[
            "pools.service.policy.breaker.minimum_calls=5..50",
            "policy.deadline=1ms..1s",
        ])
        .unwrap();
        assert_eq!(s.params[0].path, "breaker.minimum_calls");
        assert_eq!(s.params[1].path, "deadline");
    }
}
