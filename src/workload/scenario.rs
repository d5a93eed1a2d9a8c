//! The scenario: what a run hammers, with whom, for how long. Parsed from TOML and validated
//! while parsing, so every error carries the file, line and column of the value at fault.
//!
//! ```toml
//! name = "hot-actor"
//! seed = 42
//!
//! [store]
//! kind = "lock-free"          # lock-free | rwlock-sharded | global-mutex | dashmap
//!
//! [run]
//! actors = 1000
//! duration = "2s"
//! warmup = "200ms"
//!
//! [[pools]]
//! name = "polite"
//! writers = 4
//! policy = "exponential-full-jitter"   # a preset, or a [pools.policy] table
//! keys = { kind = "zipf", exponent = 0.99, scrambled = true }
//! think = { kind = "exponential", mean = "20us" }
//! ```

use std::fmt;
use std::path::Path;
use std::sync::Arc;

use serde::de::{self, MapAccess, Visitor};
use serde::{Deserialize, Deserializer, Serialize};

use super::dist::TimeDist;
use super::keys::KeyDistribution;
use crate::policy::Policy;
use crate::policy::spec::{BuiltPolicy, PolicySpec};
use crate::store::StoreKind;
use crate::units::Duration;

/// A whole experiment: the store, the run's length, and one or more writer pools.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Scenario {
    /// A short name, used in report titles and run folders.
    pub name: String,
    /// The question this scenario answers, in a sentence.
    #[serde(default)]
    pub description: String,
    /// The master seed every writer's random stream derives from.
    #[serde(default = "default_seed")]
    pub seed: u64,
    /// The store under test.
    #[serde(default)]
    pub store: StoreSpec,
    /// How long to run and over how many actors.
    pub run: RunSpec,
    /// The writer pools (at least one). Pools with different policies can share a run.
    #[serde(deserialize_with = "non_empty_pools")]
    pub pools: Vec<PoolSpec>,
    /// Settings only the simulated engine uses (store capacity, client timeouts); the threaded
    /// engine ignores them.
    #[serde(default, skip_serializing_if = "SimSpec::is_unset")]
    pub sim: SimSpec,
}

fn default_seed() -> u64 {
    0x5EED
}

fn non_empty_pools<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<PoolSpec>, D::Error> {
    let pools = Vec::<PoolSpec>::deserialize(d)?;
    if pools.is_empty() {
        return Err(de::Error::custom(
            "`pools` is empty: add at least one [[pools]] table",
        ));
    }
    let mut names = std::collections::HashSet::new();
    for pool in &pools {
        if !names.insert(pool.name.as_str()) {
            return Err(de::Error::custom(format!(
                "two pools are named `{}`: pool names must be unique",
                pool.name
            )));
        }
    }
    Ok(pools)
}

/// The store a run hammers, and what is done to it.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StoreSpec {
    /// Which implementation.
    #[serde(default)]
    pub kind: StoreKind,
    /// Shard count of the sharded stores (a power of two).
    #[serde(default = "default_shards", deserialize_with = "power_of_two")]
    pub shards: usize,
    /// Injected latency per store call, to emulate a remote store. The threaded engine waits
    /// it out inside each call; the simulated engine draws it once for the request leg and once
    /// for the response leg.
    #[serde(default)]
    pub latency: Option<TimeDist>,
    /// Probability that a save fails with a transient, non-conflict error (before reaching the
    /// store).
    #[serde(default, deserialize_with = "probability")]
    pub fault_probability: f64,
    /// Events written to each actor before the run, so reads and rebuilds meet real streams.
    #[serde(default)]
    pub prefill_events: u64,
}

impl Default for StoreSpec {
    fn default() -> Self {
        Self {
            kind: StoreKind::default(),
            shards: default_shards(),
            latency: None,
            fault_probability: 0.0,
            prefill_events: 0,
        }
    }
}

fn default_shards() -> usize {
    64
}

fn power_of_two<'de, D: Deserializer<'de>>(d: D) -> Result<usize, D::Error> {
    let n = usize::deserialize(d)?;
    if n == 0 || !n.is_power_of_two() || n > 1 << 16 {
        return Err(de::Error::custom(format!(
            "shards = {n}: use a power of two from 1 to 65536 (64 is a good default)"
        )));
    }
    Ok(n)
}

fn probability<'de, D: Deserializer<'de>>(d: D) -> Result<f64, D::Error> {
    let p = f64::deserialize(d)?;
    if !(0.0..=1.0).contains(&p) {
        return Err(de::Error::custom(format!(
            "{p} is not a probability: use a value in 0..=1"
        )));
    }
    Ok(p)
}

/// What only the simulated engine models: a store that serves a limited number of calls at
/// once, and clients that give up waiting for an append's response.
///
/// ```toml
/// [sim]
/// capacity = 4                                   # calls served at once; FIFO queue behind
/// service_time = { kind = "exponential", mean = "50us" }
/// timeout = "5ms"                                # an append's response must come by then
/// ```
#[derive(Clone, Copy, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, try_from = "SimFields")]
pub struct SimSpec {
    /// Store calls served at once (none: unlimited, each call takes effect as it arrives).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub capacity: Option<u32>,
    /// How long the store serves one call (set together with `capacity`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub service_time: Option<TimeDist>,
    /// Client timeout of an append: a response later than this leaves the outcome unknown, and
    /// the writer reads back whether it committed before doing anything else.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub timeout: Option<Duration>,
}

impl SimSpec {
    /// True when nothing is set (the table is then left out of serialised scenarios).
    pub fn is_unset(&self) -> bool {
        *self == SimSpec::default()
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct SimFields {
    #[serde(default)]
    capacity: Option<u32>,
    #[serde(default)]
    service_time: Option<TimeDist>,
    #[serde(default)]
    timeout: Option<Duration>,
}

impl TryFrom<SimFields> for SimSpec {
    type Error = String;
    fn try_from(f: SimFields) -> Result<Self, String> {
        match (f.capacity, f.service_time) {
            (Some(0), _) => return Err("sim.capacity = 0: use 1 or more".into()),
            (Some(_), None) => {
                return Err(
                    "sim.capacity needs sim.service_time, e.g. { kind = \"constant\", value = \"50us\" }"
                        .into(),
                );
            }
            (None, Some(_)) => {
                return Err("sim.service_time needs sim.capacity (calls served at once)".into());
            }
            (_, Some(d)) => d.validate().map_err(|e| format!("sim.service_time: {e}"))?,
            (None, None) => {}
        }
        if f.timeout == Some(Duration(0)) {
            return Err("sim.timeout = 0: use a duration above 0, like \"5ms\"".into());
        }
        Ok(SimSpec {
            capacity: f.capacity,
            service_time: f.service_time,
            timeout: f.timeout,
        })
    }
}

/// The run's length and key space.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RunSpec {
    /// Number of actors (streams) keys are drawn from.
    #[serde(deserialize_with = "positive_u64")]
    pub actors: u64,
    /// How long to run after warm-up. Optional when every pool has `operations`.
    #[serde(default)]
    pub duration: Option<Duration>,
    /// Time at the start whose operations are excluded from the figures.
    #[serde(default)]
    pub warmup: Duration,
    /// Width of a time-series window.
    #[serde(default = "default_window", deserialize_with = "positive_duration")]
    pub window: Duration,
}

fn default_window() -> Duration {
    Duration(100 * crate::clock::MILLIS)
}

fn positive_u64<'de, D: Deserializer<'de>>(d: D) -> Result<u64, D::Error> {
    let n = u64::deserialize(d)?;
    if n == 0 {
        return Err(de::Error::custom("0 is too small: use 1 or more"));
    }
    Ok(n)
}

fn positive_duration<'de, D: Deserializer<'de>>(d: D) -> Result<Duration, D::Error> {
    let t = Duration::deserialize(d)?;
    if t.0 == 0 {
        return Err(de::Error::custom(
            "a zero duration is not allowed here: use more than 0",
        ));
    }
    Ok(t)
}

/// One pool of writers sharing a policy.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PoolSpec {
    /// The pool's name in reports (unique within the scenario).
    pub name: String,
    /// How many writers (threads, or simulated clients).
    #[serde(deserialize_with = "positive_u32")]
    pub writers: u32,
    /// The retry policy: a preset name or a policy table.
    pub policy: PolicyChoice,
    /// Which actors the writers pick.
    #[serde(default = "default_keys")]
    pub keys: KeyDistribution,
    /// What kind of operations, in what proportion.
    #[serde(default)]
    pub mix: OpMix,
    /// Time between reading the version and appending (the "modify" of read-modify-write).
    #[serde(default = "default_think", deserialize_with = "checked_dist")]
    pub think: TimeDist,
    /// Closed loop (each writer starts its next operation when the last ends) or open loop.
    #[serde(default, deserialize_with = "checked_arrival")]
    pub arrival: Arrival,
    /// Operations each writer performs before it stops; none means "until the run ends".
    #[serde(default)]
    pub operations: Option<u64>,
    /// Writers' start times are spread uniformly over this span (0: all start together).
    #[serde(default)]
    pub start_spread: Duration,
    /// Fault injection: the probability that a writer panics at an operation's start.
    #[serde(default, deserialize_with = "probability")]
    pub panic_probability: f64,
    /// How long a closed-loop writer pauses after a gate (open circuit, empty budget) rejected
    /// its operation. A real client does not spin on an open circuit, and in virtual time an
    /// operation that touched nothing would otherwise take no time at all, so the clock could
    /// not advance to close the circuit again.
    #[serde(
        default = "default_rejection_pause",
        deserialize_with = "positive_duration"
    )]
    pub rejection_pause: Duration,
}

fn default_rejection_pause() -> Duration {
    Duration(100 * crate::clock::MICROS)
}

fn default_keys() -> KeyDistribution {
    KeyDistribution::Uniform {}
}

fn default_think() -> TimeDist {
    TimeDist::ZERO
}

fn positive_u32<'de, D: Deserializer<'de>>(d: D) -> Result<u32, D::Error> {
    let n = u32::deserialize(d)?;
    if n == 0 {
        return Err(de::Error::custom("0 is too small: use 1 or more"));
    }
    Ok(n)
}

fn checked_dist<'de, D: Deserializer<'de>>(d: D) -> Result<TimeDist, D::Error> {
    let dist = TimeDist::deserialize(d)?;
    dist.validate().map_err(de::Error::custom)?;
    Ok(dist)
}

fn checked_arrival<'de, D: Deserializer<'de>>(d: D) -> Result<Arrival, D::Error> {
    let arrival = Arrival::deserialize(d)?;
    if let Arrival::Open { rate, .. } = arrival {
        if !(rate.is_finite() && rate > 0.0) {
            return Err(de::Error::custom(format!(
                "open-loop rate = {rate}: use a number of operations per second above 0, \
                 like 1000.0"
            )));
        }
    }
    Ok(arrival)
}

/// The share of each operation kind. Weights need not sum to 1; they are normalised.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, try_from = "OpMixFields")]
pub struct OpMix {
    /// Read-modify-write appends (read version, think, append; retry on conflict).
    pub append: f64,
    /// Reads of `latest_version`.
    pub read_latest: f64,
    /// Reads of the whole stream with `events`.
    pub read_events: f64,
}

impl Default for OpMix {
    fn default() -> Self {
        Self {
            append: 1.0,
            read_latest: 0.0,
            read_events: 0.0,
        }
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct OpMixFields {
    #[serde(default)]
    append: f64,
    #[serde(default)]
    read_latest: f64,
    #[serde(default)]
    read_events: f64,
}

impl TryFrom<OpMixFields> for OpMix {
    type Error = String;
    fn try_from(f: OpMixFields) -> Result<Self, String> {
        let weights = [
            ("append", f.append),
            ("read_latest", f.read_latest),
            ("read_events", f.read_events),
        ];
        if let Some((name, w)) = weights.iter().find(|(_, w)| !(w.is_finite() && *w >= 0.0)) {
            return Err(format!(
                "mix.{name} = {w}: weights must be finite and 0 or more"
            ));
        }
        let total: f64 = weights.iter().map(|(_, w)| w).sum();
        if total <= 0.0 {
            return Err(
                "mix has no weight: give `append`, `read_latest` or `read_events` a weight above 0"
                    .into(),
            );
        }
        Ok(OpMix {
            append: f.append / total,
            read_latest: f.read_latest / total,
            read_events: f.read_events / total,
        })
    }
}

/// How operations arrive.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case", deny_unknown_fields)]
pub enum Arrival {
    /// Each writer starts its next operation as soon as the last ends.
    // `{}` rather than a unit variant: serde rejects unknown fields only in struct variants.
    Closed {},
    /// Operations are scheduled at a target rate for the whole pool, whatever the latency;
    /// latency counts from the scheduled start (coordinated-omission correct).
    Open {
        /// Operations per second for the whole pool.
        rate: f64,
        /// Evenly spaced or Poisson arrivals.
        #[serde(default)]
        process: ArrivalProcess,
    },
}

impl Default for Arrival {
    fn default() -> Self {
        Arrival::Closed {}
    }
}

/// The spacing of open-loop arrivals.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ArrivalProcess {
    /// Exactly `1/rate` apart (per writer: `writers/rate`).
    Constant,
    /// Exponential gaps with mean `1/rate`.
    #[default]
    Poisson,
}

/// A pool's policy: a preset by name, or a full spec. Checked while parsing.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(untagged)]
pub enum PolicyChoice {
    /// A preset from `retrylab list`.
    Preset(String),
    /// A policy table.
    Spec(Box<PolicySpec>),
}

impl PolicyChoice {
    /// The spec this choice stands for.
    pub fn spec(&self) -> PolicySpec {
        match self {
            PolicyChoice::Preset(name) => {
                PolicySpec::preset(name).expect("preset names are checked while parsing")
            }
            PolicyChoice::Spec(spec) => (**spec).clone(),
        }
    }

    /// Builds the pool's shared policy.
    pub fn build(&self) -> Arc<dyn Policy> {
        self.build_parts().policy
    }

    /// Builds the pool's shared policy, with handles to its breaker, budget and monitor.
    pub fn build_parts(&self) -> BuiltPolicy {
        self.spec()
            .build_parts()
            .expect("policy specs are checked while parsing")
    }
}

impl<'de> Deserialize<'de> for PolicyChoice {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct ChoiceVisitor;
        impl<'de> Visitor<'de> for ChoiceVisitor {
            type Value = PolicyChoice;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a preset name (see `retrylab list`) or a policy table")
            }
            fn visit_str<E: de::Error>(self, name: &str) -> Result<PolicyChoice, E> {
                PolicySpec::preset(name).map_err(E::custom)?;
                Ok(PolicyChoice::Preset(name.to_owned()))
            }
            fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<PolicyChoice, A::Error> {
                let spec = PolicySpec::deserialize(de::value::MapAccessDeserializer::new(map))?;
                spec.build().map_err(de::Error::custom)?;
                Ok(PolicyChoice::Spec(Box::new(spec)))
            }
        }
        d.deserialize_any(ChoiceVisitor)
    }
}

/// Why a scenario file could not be used. Each message names the file, and for content
/// errors the line, column and field, and says what is allowed.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ScenarioError {
    /// The file could not be read. Check the path.
    #[error("cannot read scenario file {path}: {source}")]
    Io {
        /// The path given.
        path: String,
        /// The underlying error.
        #[source]
        source: std::io::Error,
    },
    /// The TOML is malformed or a value is out of range (the message shows where).
    #[error("invalid scenario {path}: {message}")]
    Invalid {
        /// The file (or `<built-in>`).
        path: String,
        /// The parser's message, with line, column and the offending field.
        message: String,
    },
}

impl Scenario {
    /// Parses and validates scenario text; `origin` names it in errors.
    pub fn from_toml(text: &str, origin: &str) -> Result<Scenario, ScenarioError> {
        let scenario: Scenario = toml::from_str(text).map_err(|e| ScenarioError::Invalid {
            path: origin.to_owned(),
            message: e.to_string().trim_end().to_owned(),
        })?;
        scenario
            .check_length()
            .map_err(|message| ScenarioError::Invalid {
                path: origin.to_owned(),
                message,
            })?;
        Ok(scenario)
    }

    /// Reads, parses and validates a scenario file.
    pub fn from_file(path: &Path) -> Result<Scenario, ScenarioError> {
        let shown = path.display().to_string();
        let text = std::fs::read_to_string(path).map_err(|source| ScenarioError::Io {
            path: shown.clone(),
            source,
        })?;
        Scenario::from_toml(&text, &shown)
    }

    /// The run must end: a duration, or a fixed number of operations in every pool.
    fn check_length(&self) -> Result<(), String> {
        let bounded = self.pools.iter().all(|p| p.operations.is_some());
        if self.run.duration.is_none() && !bounded {
            return Err(
                "the run never ends: set [run] duration = \"5s\", or `operations` in every pool"
                    .into(),
            );
        }
        Ok(())
    }

    /// Total writers over all pools.
    pub fn total_writers(&self) -> u64 {
        self.pools.iter().map(|p| u64::from(p.writers)).sum()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const GOOD: &str = r#"
name = "t"
[run]
actors = 10
duration = "1s"
[[pools]]
name = "p"
writers = 2
policy = "immediate"
"#;

    #[test]
    fn parses_a_minimal_scenario_with_defaults() {
        let s = Scenario::from_toml(GOOD, "t.toml").unwrap();
        assert_eq!(s.store.shards, 64);
        assert_eq!(s.pools[0].mix, OpMix::default());
        assert_eq!(s.run.window.0, 100_000_000);
    }

    #[test]
    fn errors_name_file_line_and_field() {
        let bad = GOOD.replace("writers = 2", "writers = 0");
        let msg = Scenario::from_toml(&bad, "t.toml").unwrap_err().to_string();
        assert!(
            msg.contains("t.toml") && msg.contains("line 8") && msg.contains("writers"),
            "{msg}"
        );
        let bad = GOOD.replace("writers = 2", "writers = 2\nwriterz = 3");
        let msg = Scenario::from_toml(&bad, "t.toml").unwrap_err().to_string();
        assert!(
            msg.contains("unknown field `writerz`") && msg.contains("line 9"),
            "{msg}"
        );
        let bad = GOOD.replace("\"immediate\"", "\"sometimes\"");
        let msg = Scenario::from_toml(&bad, "t.toml").unwrap_err().to_string();
        assert!(
            msg.contains("unknown policy preset `sometimes`") && msg.contains("immediate"),
            "{msg}"
        );
        let bad = GOOD.replace("duration = \"1s\"", "");
        let msg = Scenario::from_toml(&bad, "t.toml").unwrap_err().to_string();
        assert!(msg.contains("never ends"), "{msg}");
    }

    #[test]
    fn sim_table_is_optional_checked_and_round_trips() {
        let s = Scenario::from_toml(GOOD, "t.toml").unwrap();
        assert!(s.sim.is_unset());
        assert!(!toml::to_string(&s).unwrap().contains("[sim]"));

        let with = format!(
            "{GOOD}[sim]\ncapacity = 2\nservice_time = {{ kind = \"constant\", value = \"50us\" }}\ntimeout = \"5ms\"\n"
        );
        let s = Scenario::from_toml(&with, "t.toml").unwrap();
        assert_eq!(s.sim.capacity, Some(2));
        assert_eq!(s.sim.timeout, Some(Duration(5_000_000)));
        let again = Scenario::from_toml(&toml::to_string(&s).unwrap(), "again").unwrap();
        assert_eq!(again.sim, s.sim);

        for (bad, says) in [
            ("[sim]\ncapacity = 2\n", "needs sim.service_time"),
            (
                "[sim]\ncapacity = 0\nservice_time = { kind = \"constant\", value = 1 }\n",
                "capacity = 0",
            ),
            (
                "[sim]\nservice_time = { kind = \"constant\", value = 1 }\n",
                "needs sim.capacity",
            ),
            ("[sim]\ntimeout = \"0s\"\n", "sim.timeout = 0"),
            ("[sim]\ntimeuot = \"1s\"\n", "unknown field `timeuot`"),
        ] {
            let msg = Scenario::from_toml(&format!("{GOOD}{bad}"), "t.toml")
                .unwrap_err()
                .to_string();
            assert!(msg.contains(says) && msg.contains("t.toml"), "{bad}: {msg}");
        }
    }
}
