//! What a tuning search is for: one or more objectives (`--maximize goodput`,
//! `--minimize attempts_per_commit`) and constraints on any figure (`p99<=20ms`,
//! `give_up_rate<=0.1%`), parsed from the words users write, with errors that say what to write.

use serde::{Deserialize, Serialize};

use super::figures::{Metric, Unit};
use crate::units::parse_duration;

/// Which way an objective goes.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Direction {
    /// Smaller is better.
    Minimize,
    /// Larger is better.
    Maximize,
}

/// One objective.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Objective {
    /// The figure.
    pub metric: Metric,
    /// Which way.
    pub direction: Direction,
}

impl Objective {
    /// The objective as a cost (smaller is better); an undefined figure costs the most.
    pub fn cost(&self, value: Option<f64>) -> f64 {
        match (value, self.direction) {
            (None, _) => f64::INFINITY,
            (Some(v), Direction::Minimize) => v,
            (Some(v), Direction::Maximize) => -v,
        }
    }

    /// `minimize p99`, `maximize goodput`.
    pub fn text(&self) -> String {
        let verb = match self.direction {
            Direction::Minimize => "minimize",
            Direction::Maximize => "maximize",
        };
        format!("{verb} {}", self.metric.name())
    }
}

/// Which side of its bound a constrained figure must stay.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Side {
    /// `<=`.
    AtMost,
    /// `>=`.
    AtLeast,
}

/// How much a figure that is undefined (no commits) violates a constraint on it: a thousand
/// times its bound, so such a run is never taken for a near miss.
pub const UNDEFINED_VIOLATION: f64 = 1e3;

/// One constraint: `metric <= bound` or `metric >= bound`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Constraint {
    /// The figure.
    pub metric: Metric,
    /// Which side of the bound.
    pub side: Side,
    /// The bound, in the metric's own unit (ns for latencies, a fraction for rates).
    pub bound: f64,
    /// As the user wrote it.
    pub text: String,
}

impl Constraint {
    /// How far `value` is on the wrong side of the bound, relative to the bound (0.5 = half
    /// the bound over it); zero or less when met. An undefined figure violates by
    /// [`UNDEFINED_VIOLATION`].
    pub fn violation(&self, value: Option<f64>) -> f64 {
        let Some(v) = value else {
            return UNDEFINED_VIOLATION;
        };
        let floor = match self.metric.unit() {
            Unit::Time => 1_000.0,
            Unit::Fraction | Unit::Number => 1e-3,
        };
        let scale = self.bound.abs().max(floor);
        match self.side {
            Side::AtMost => (v - self.bound) / scale,
            Side::AtLeast => (self.bound - v) / scale,
        }
    }

    /// Whether `value` meets the constraint.
    pub fn met(&self, value: Option<f64>) -> bool {
        self.violation(value) <= 0.0
    }
}

/// Objectives and constraints together.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Goal {
    /// One objective, or several for a Pareto search.
    pub objectives: Vec<Objective>,
    /// Every constraint a configuration must meet.
    pub constraints: Vec<Constraint>,
}

/// The most objectives a Pareto search takes.
pub const MAX_OBJECTIVES: usize = 3;
/// The most constraints.
pub const MAX_CONSTRAINTS: usize = 16;

/// Why a goal could not be read.
#[derive(Clone, Debug, PartialEq, thiserror::Error)]
#[non_exhaustive]
pub enum GoalError {
    /// No `--maximize` or `--minimize`.
    #[error(
        "no objective: give --maximize METRIC or --minimize METRIC (metrics: {})",
        metric_names()
    )]
    NoObjective,
    /// More objectives than a Pareto search takes.
    #[error("{0} objectives: give at most {MAX_OBJECTIVES}")]
    TooManyObjectives(usize),
    /// More constraints than allowed.
    #[error("{0} constraints: give at most {MAX_CONSTRAINTS}")]
    TooManyConstraints(usize),
    /// The same figure as two objectives.
    #[error("`{0}` is an objective twice: give each metric once")]
    DuplicateObjective(String),
    /// A name that is no metric.
    #[error("unknown metric `{name}` in `{text}`: use one of {}", metric_names())]
    UnknownMetric {
        /// The name given.
        name: String,
        /// The whole argument.
        text: String,
    },
    /// A constraint without `<=` or `>=`.
    #[error(
        "constraint `{0}` has no comparison: write METRIC<=VALUE or METRIC>=VALUE, e.g. \
         'p99<=20ms' or 'give_up_rate<=0.1%'"
    )]
    Syntax(String),
    /// The bound could not be read in the metric's unit.
    #[error("constraint `{text}`: {why}")]
    Value {
        /// The constraint.
        text: String,
        /// What is wrong and what to write.
        why: String,
    },
    /// A bound no run can meet (`fairness>=2`, `give_up_rate<=-1%`).
    #[error("constraint `{text}` can never be met: {why}")]
    Impossible {
        /// The constraint.
        text: String,
        /// Why.
        why: String,
    },
}

fn metric_names() -> String {
    Metric::ALL.map(Metric::name).join(", ")
}

fn metric(name: &str, text: &str) -> Result<Metric, GoalError> {
    Metric::parse(name).ok_or_else(|| GoalError::UnknownMetric {
        name: name.trim().to_owned(),
        text: text.to_owned(),
    })
}

impl Goal {
    /// Reads the objectives (`maximize` and `minimize` metric names, in that order) and the
    /// constraints.
    pub fn parse(
        maximize: &[String],
        minimize: &[String],
        subject_to: &[String],
    ) -> Result<Goal, GoalError> {
        let mut objectives: Vec<Objective> = Vec::new();
        let given = maximize
            .iter()
            .map(|m| (m, Direction::Maximize))
            .chain(minimize.iter().map(|m| (m, Direction::Minimize)));
        for (name, direction) in given {
            let metric = metric(name, name)?;
            if objectives.iter().any(|o| o.metric == metric) {
                return Err(GoalError::DuplicateObjective(metric.name().to_owned()));
            }
            objectives.push(Objective { metric, direction });
        }
        if objectives.is_empty() {
            return Err(GoalError::NoObjective);
        }
        if objectives.len() > MAX_OBJECTIVES {
            return Err(GoalError::TooManyObjectives(objectives.len()));
        }
        if subject_to.len() > MAX_CONSTRAINTS {
            return Err(GoalError::TooManyConstraints(subject_to.len()));
        }
        let constraints = subject_to
            .iter()
            .map(|c| parse_constraint(c))
            .collect::<Result<_, _>>()?;
        Ok(Goal {
            objectives,
            constraints,
        })
    }

    /// The metrics the goal names, objectives first, each once: what tables show.
    pub fn metrics(&self) -> Vec<Metric> {
        let named = self
            .objectives
            .iter()
            .map(|o| o.metric)
            .chain(self.constraints.iter().map(|c| c.metric));
        named.fold(Vec::new(), |mut v, m| {
            if !v.contains(&m) {
                v.push(m);
            }
            v
        })
    }

    /// True when several objectives make a Pareto search.
    pub fn is_pareto(&self) -> bool {
        self.objectives.len() > 1
    }

    /// The goal in words: `minimize attempts_per_commit subject to p99<=20ms`.
    pub fn text(&self) -> String {
        let objectives: Vec<String> = self.objectives.iter().map(Objective::text).collect();
        let mut text = objectives.join(" and ");
        if !self.constraints.is_empty() {
            let c: Vec<&str> = self.constraints.iter().map(|c| c.text.as_str()).collect();
            text.push_str(" subject to ");
            text.push_str(&c.join(", "));
        }
        text
    }
}

/// Reads `METRIC<=VALUE` or `METRIC>=VALUE` (`<` and `>` mean the same).
pub fn parse_constraint(text: &str) -> Result<Constraint, GoalError> {
    let text = text.trim();
    let (at, op_len, side) = if let Some(i) = text.find("<=") {
        (i, 2, Side::AtMost)
    } else if let Some(i) = text.find(">=") {
        (i, 2, Side::AtLeast)
    } else if let Some(i) = text.find('<') {
        (i, 1, Side::AtMost)
    } else if let Some(i) = text.find('>') {
        (i, 1, Side::AtLeast)
    } else {
        return Err(GoalError::Syntax(text.to_owned()));
    };
    let metric = metric(&text[..at], text)?;
    let raw = text[at + op_len..].trim();
    let bad = |why: String| GoalError::Value {
        text: text.to_owned(),
        why,
    };
    let bound = match metric.unit() {
        Unit::Time if raw != "0" && !raw.chars().any(|c| c.is_ascii_alphabetic() || c == 'µ') => {
            return Err(bad(format!(
                "`{raw}` has no unit: a latency bound is a duration, e.g. 20ms"
            )));
        }
        Unit::Time => parse_duration(raw).map(|ns| ns as f64).map_err(|e| {
            bad(format!(
                "`{raw}`: {e} (a latency bound is a duration, e.g. 20ms)"
            ))
        })?,
        Unit::Fraction => match raw.strip_suffix('%') {
            Some(pct) => pct.trim().parse::<f64>().map(|p| p / 100.0),
            None => raw.parse::<f64>(),
        }
        .map_err(|_| bad(format!("`{raw}` is not a share: write e.g. 0.1% or 0.001")))?,
        Unit::Number => raw
            .trim_end_matches("/s")
            .trim()
            .parse::<f64>()
            .map_err(|_| bad(format!("`{raw}` is not a number")))?,
    };
    if !bound.is_finite() {
        return Err(bad(format!("`{raw}` is not a finite number")));
    }
    let (lo, hi) = metric.range();
    let impossible = match side {
        Side::AtMost => bound < lo || (bound == lo && metric.unit() == Unit::Time),
        Side::AtLeast => bound > hi,
    };
    if impossible {
        let (side_word, limit) = match side {
            Side::AtMost => ("below", lo),
            Side::AtLeast => ("above", hi),
        };
        return Err(GoalError::Impossible {
            text: text.to_owned(),
            why: format!(
                "{} is never {side_word} {}",
                metric.name(),
                metric.format(limit)
            ),
        });
    }
    Ok(Constraint {
        metric,
        side,
        bound,
        text: text.to_owned(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn constraints_read_in_their_metrics_units() {
        let c = parse_constraint("p99<=20ms").unwrap();
        assert_eq!(
            (c.metric, c.side, c.bound),
            (Metric::P99, Side::AtMost, 20e6)
        );
        assert_eq!(parse_constraint("give_up_rate<=0.1%").unwrap().bound, 0.001);
        assert_eq!(parse_constraint("conflict_rate < 0.5").unwrap().bound, 0.5);
        let g = parse_constraint("goodput>=1000/s").unwrap();
        assert_eq!((g.side, g.bound), (Side::AtLeast, 1000.0));
    }

    #[test]
    fn bad_constraints_say_what_is_wrong() {
        assert!(matches!(
            parse_constraint("p99=20ms"),
            Err(GoalError::Syntax(_))
        ));
        assert!(matches!(
            parse_constraint("latency<=20ms"),
            Err(GoalError::UnknownMetric { .. })
        ));
        let e = parse_constraint("p99<=20").unwrap_err().to_string();
        assert!(e.contains("20ms") || e.contains("duration"), "{e}");
        let e = parse_constraint("fairness>=1.5").unwrap_err();
        assert!(matches!(e, GoalError::Impossible { .. }), "{e}");
        assert!(matches!(
            parse_constraint("give_up_rate<=-1%"),
            Err(GoalError::Impossible { .. })
        ));
        assert!(matches!(
            parse_constraint("p99<=0"),
            Err(GoalError::Impossible { .. })
        ));
    }

    #[test]
    fn violation_is_relative_to_the_bound_and_worst_when_undefined() {
        let c = parse_constraint("p99<=20ms").unwrap();
        assert_eq!(c.violation(Some(30e6)), 0.5);
        assert!(c.met(Some(20e6)));
        assert_eq!(c.violation(None), UNDEFINED_VIOLATION);
    }

    #[test]
    fn a_goal_needs_one_objective_and_refuses_duplicates() {
        assert_eq!(Goal::parse(&[], &[], &[]), Err(GoalError::NoObjective));
        let twice = Goal::parse(&["goodput".into()], &["goodput".into()], &[]);
        assert!(matches!(twice, Err(GoalError::DuplicateObjective(_))));
        let g = Goal::parse(&["goodput".into()], &[], &["p99<=20ms".into()]).unwrap();
        assert_eq!(g.text(), "maximize goodput subject to p99<=20ms");
        assert!(!g.is_pareto());
    }
}
