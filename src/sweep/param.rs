//! Which scenario value a swept parameter sets: a path into the scenario's TOML, given in full
//! (`pools.*.policy.backoff.base`, `run.actors`, `pools.polite.writers`) or by a short alias
//! (`writers`, `skew`, `base_delay`, …).
//!
//! Paths are dot-separated keys. Inside the `pools` array a segment picks pools: `*` for
//! every pool, a number for the pool at that position (from 0), or a pool's name.
//!
//! With `*`, a pool that lacks the table a value goes into (a policy with no `breaker`, say), or
//! whose policy does not take the field (`base` on an `immediate` backoff), is left alone, so a
//! baseline pool can share a sweep with the pools being tuned; the leaf key itself is created
//! where missing. A named or numbered pool gets missing tables created.
//! Setting a policy's `max_attempts` removes its `max_retries` and the other way round (a
//! policy takes one limit).

use crate::policy::spec::PolicySpec;
use crate::workload::scenario::Scenario;

/// Short names for the parameters people sweep most, with the path each stands for.
pub const ALIASES: &[(&str, &str)] = &[
    ("writers", "pools.*.writers"),
    ("actors", "run.actors"),
    ("duration", "run.duration"),
    ("skew", "pools.*.keys.exponent"),
    ("zipf", "pools.*.keys.exponent"),
    ("think", "pools.*.think.mean"),
    ("rate", "pools.*.arrival.rate"),
    ("operations", "pools.*.operations"),
    ("shards", "store.shards"),
    ("store", "store.kind"),
    ("policy", "pools.*.policy"),
    ("base_delay", "pools.*.policy.backoff.base"),
    ("base", "pools.*.policy.backoff.base"),
    ("cap", "pools.*.policy.backoff.cap"),
    ("multiplier", "pools.*.policy.backoff.multiplier"),
    ("jitter", "pools.*.policy.jitter.kind"),
    ("max_attempts", "pools.*.policy.max_attempts"),
    ("max_retries", "pools.*.policy.max_retries"),
    ("deadline", "pools.*.policy.deadline"),
    (
        "breaker_threshold",
        "pools.*.policy.breaker.failure_rate_threshold",
    ),
    ("breaker_open", "pools.*.policy.breaker.open_duration"),
];

/// Keys a policy accepts only one of: setting the first removes the second, so sweeping
/// `max_attempts` over a preset that counts `max_retries` replaces its limit.
const EXCLUSIVE: [(&str, &str); 2] = [
    ("max_attempts", "max_retries"),
    ("max_retries", "max_attempts"),
];

/// Why a parameter could not be set.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ParamError {
    /// The name is neither an alias nor a dotted path. Use one of the aliases listed, or a
    /// full path.
    #[error(
        "unknown sweep parameter `{name}`: use an alias ({aliases}) or a dotted path into the scenario such as `run.actors`, `pools.*.policy.backoff.base` or `pools.<pool name>.writers` (`*` = every pool)"
    )]
    Unknown {
        /// The name given.
        name: String,
        /// The aliases, comma-separated.
        aliases: String,
    },
    /// The path matched nothing in this scenario (no pool of that name, or no pool with the
    /// table it goes into). Check the scenario, or name the pool.
    #[error(
        "sweep parameter `{name}` ({path}) matches nothing in this scenario: no pool has that table or name"
    )]
    NoMatch {
        /// The name given.
        name: String,
        /// The path it stands for.
        path: String,
    },
    /// No pool's policy accepts the value (each pool's reason is listed). Fix the value, or
    /// name a pool whose policy has the field.
    #[error("sweep parameter `{name}` ({path}) fits no pool's policy: {reasons}")]
    Rejected {
        /// The name given.
        name: String,
        /// The path it stands for.
        path: String,
        /// Each pool's reason.
        reasons: String,
    },
    /// A path goes through a value that is not a table (`run.actors.x`). Shorten the path.
    #[error(
        "sweep parameter `{name}`: `{at}` is a value, not a table, so `{path}` cannot go inside it"
    )]
    NotATable {
        /// The name given.
        name: String,
        /// The full path.
        path: String,
        /// The part of the path that is a plain value.
        at: String,
    },
}

/// A parameter's name as given and the path it stands for.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ParamPath {
    /// As given on the command line.
    pub name: String,
    /// The dotted path.
    pub path: String,
}

impl ParamPath {
    /// Resolves `name` (an alias or a dotted path).
    pub fn resolve(name: &str) -> Result<Self, ParamError> {
        let name = name.trim();
        let path = if let Some((_, path)) = ALIASES.iter().find(|(a, _)| *a == name) {
            (*path).to_owned()
        } else if name.contains('.') && name.split('.').all(|s| !s.is_empty()) {
            name.to_owned()
        } else {
            return Err(ParamError::Unknown {
                name: name.to_owned(),
                aliases: ALIASES
                    .iter()
                    .map(|(a, _)| *a)
                    .collect::<Vec<_>>()
                    .join(", "),
            });
        };
        Ok(ParamPath {
            name: name.to_owned(),
            path,
        })
    }

    /// True when the path goes inside a pool's policy (so presets must be expanded first).
    fn inside_policy(&self) -> bool {
        let segs: Vec<&str> = self.path.split('.').collect();
        segs.iter()
            .position(|s| *s == "policy")
            .is_some_and(|i| i + 1 < segs.len())
    }

    /// Sets this parameter to `value` in `doc` (a whole scenario), returning how many places
    /// were set. `base` is the parsed scenario, used to expand preset policies into tables.
    pub fn apply(
        &self,
        doc: &mut toml::Value,
        value: &toml::Value,
        base: &Scenario,
    ) -> Result<usize, ParamError> {
        if self.inside_policy() {
            expand_presets(doc, base);
        }
        let segs: Vec<&str> = self.path.split('.').collect();
        let n = self.set_at(doc, &segs, 0, value, false)?;
        if n == 0 {
            return Err(ParamError::NoMatch {
                name: self.name.clone(),
                path: self.path.clone(),
            });
        }
        Ok(n)
    }

    fn set_at(
        &self,
        node: &mut toml::Value,
        segs: &[&str],
        depth: usize,
        value: &toml::Value,
        under_wildcard: bool,
    ) -> Result<usize, ParamError> {
        let mut rejected = Vec::new();
        let n = self.set_inner(node, segs, depth, value, under_wildcard, &mut rejected)?;
        if n == 0 && !rejected.is_empty() {
            return Err(ParamError::Rejected {
                name: self.name.clone(),
                path: self.path.clone(),
                reasons: rejected.join("; "),
            });
        }
        Ok(n)
    }

    fn set_inner(
        &self,
        node: &mut toml::Value,
        segs: &[&str],
        depth: usize,
        value: &toml::Value,
        under_wildcard: bool,
        rejected: &mut Vec<String>,
    ) -> Result<usize, ParamError> {
        let seg = segs[depth];
        let last = depth + 1 == segs.len();
        match node {
            toml::Value::Array(items) => {
                let into_policy = segs.get(depth + 1) == Some(&"policy") && depth + 2 < segs.len();
                let mut n = 0;
                for (i, item) in items.iter_mut().enumerate() {
                    let picked = seg == "*"
                        || seg.parse::<usize>().is_ok_and(|k| k == i)
                        || item.get("name").and_then(|v| v.as_str()) == Some(seg);
                    if !picked {
                        continue;
                    }
                    if last {
                        *item = value.clone();
                        n += 1;
                    } else if seg == "*" && into_policy {
                        // Every pool: a pool whose policy does not take this field (a baseline
                        // with `immediate` backoff has no `base`) keeps its policy unchanged.
                        let mut edited = item.clone();
                        let set =
                            self.set_inner(&mut edited, segs, depth + 1, value, true, rejected)?;
                        let problem = match (item.get("policy"), edited.get("policy")) {
                            (Some(_), Some(after)) => policy_problem(after, &segs[depth + 2..]),
                            _ => None,
                        };
                        match problem {
                            Some(problem) if set > 0 => {
                                let pool = item.get("name").and_then(|v| v.as_str()).unwrap_or("?");
                                rejected.push(format!("pool `{pool}`: {problem}"));
                            }
                            _ => {
                                *item = edited;
                                n += set;
                            }
                        }
                    } else {
                        let wildcard = under_wildcard || seg == "*";
                        n += self.set_inner(item, segs, depth + 1, value, wildcard, rejected)?;
                    }
                }
                Ok(n)
            }
            toml::Value::Table(table) => {
                if last {
                    for (key, rival) in EXCLUSIVE {
                        if seg == key {
                            table.remove(rival);
                        }
                    }
                    table.insert(seg.to_owned(), value.clone());
                    return Ok(1);
                }
                if !table.contains_key(seg) {
                    if under_wildcard {
                        return Ok(0);
                    }
                    table.insert(seg.to_owned(), toml::Value::Table(toml::map::Map::new()));
                }
                let child = table.get_mut(seg).expect("inserted above");
                self.set_inner(child, segs, depth + 1, value, under_wildcard, rejected)
            }
            _ => Err(ParamError::NotATable {
                name: self.name.clone(),
                path: self.path.clone(),
                at: segs[..depth].join("."),
            }),
        }
    }
}

/// Why the edited policy table `policy` is unusable, or ignores the field at `field` (serde
/// accepts and drops fields a backoff kind does not have, like `base` on `immediate`), if
/// either is so.
fn policy_problem(policy: &toml::Value, field: &[&str]) -> Option<String> {
    let spec = match policy.clone().try_into::<PolicySpec>() {
        Ok(spec) => spec,
        Err(e) => return Some(e.to_string().trim_end().to_owned()),
    };
    if let Err(e) = spec.build() {
        return Some(e.to_string());
    }
    // The field survives a round trip through the spec only if the policy has it.
    let kept = toml::Value::try_from(&spec).ok().is_some_and(|mut v| {
        field.iter().all(|seg| match v.get(*seg) {
            Some(child) => {
                v = child.clone();
                true
            }
            None => false,
        })
    });
    (!kept).then(|| format!("its policy has no field `{}`", field.join(".")))
}

/// Replaces each pool's preset policy name with the preset's table, so a field of it can be
/// set. Pools with a table already are untouched.
fn expand_presets(doc: &mut toml::Value, base: &Scenario) {
    let Some(pools) = doc.get_mut("pools").and_then(|p| p.as_array_mut()) else {
        return;
    };
    for (pool, spec) in pools.iter_mut().zip(&base.pools) {
        let is_preset = pool.get("policy").is_some_and(|p| p.is_str());
        if !is_preset {
            continue;
        }
        if let (Some(table), Ok(expanded)) = (
            pool.as_table_mut(),
            toml::Value::try_from(spec.policy.spec()),
        ) {
            table.insert("policy".into(), expanded);
        }
    }
}
