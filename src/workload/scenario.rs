//! The scenario: what a run hammers, with whom, for how long. Parsed from TOML and validated
//! while parsing, so every error carries the file, line and column of the value at fault.
//!
//! ```toml
//! name = "hot-actor"
//! seed = 42
//!
//! [store]
//! kind = "lock-free"          # lock-free | rwlock-sharded | global-mutex | dashmap | postgres
//! # kind = "postgres" also reads: url = "postgres://…", pool_size = 8 (1..=64),
//! # occ = "unique" | "head-row"; no engine drives it yet (the network engine comes next)
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
//!
//! # Limits
//!
//! Every size and duration a scenario controls is bounded, so no file can make a run use
//! unbounded memory or time, and every bound is checked while the file is read, with an error
//! naming the field and the limit. The bounds are in [`limits`], with the reason for each:
//!
//! | what | limit |
//! |---|---|
//! | scenario file | [`limits::MAX_FILE_BYTES`] (1 MiB), a regular file |
//! | `name`, `pools.name` | not blank, at most [`limits::MAX_NAME_CHARS`] (64) characters; pool names distinct as results file names |
//! | `[[pools]]` | at most [`limits::MAX_POOLS`] (64) |
//! | `writers` | at most [`limits::MAX_WRITERS`] (1,000,000) over all pools; the threaded engine starts at most [`limits::MAX_THREAD_WRITERS`] (4096) |
//! | `run.actors` | at most [`limits::MAX_ACTORS`] (2^32); zipf and latest at most [`limits::MAX_TABULATED_ACTORS`] (2^26) over all their pools |
//! | `store.prefill_events` | `actors × prefill_events` at most [`limits::MAX_PREFILL_EVENTS`] (10 M) |
//! | `run.window` | `(warmup + duration) / window` at most [`limits::MAX_WINDOWS`] (100,000); at least [`limits::MIN_WINDOW_WITHOUT_DURATION`] (1 ms) when the run has no duration |
//! | `run.warmup + run.duration` | at most [`limits::MAX_RUN_LENGTH`] (24 h) |
//! | other durations (think, latency, service time, timeout, pauses, spreads) | at most [`limits::MAX_DURATION`] (1 h) |
//! | open-loop `rate` | each writer's mean gap (`writers / rate`) from [`limits::MIN_ARRIVAL_GAP_NS`] (1 ns) to [`limits::MAX_DURATION`] |
//! | `start_spread` | at most `warmup + duration` when the run has a duration |
//!
//! Durations are written with their unit (`"5s"`, `"100us"`); a bare number other than 0 is
//! refused, see [`crate::units::with_unit`]. Limits that depend on the engine (the threaded
//! engine's thread count) are checked by [`Scenario::check_for_engine`].

use std::fmt;
use std::io::Read;
use std::path::Path;
use std::sync::Arc;

use serde::de::{self, MapAccess, Visitor};
use serde::{Deserialize, Deserializer, Serialize};

use super::dist::TimeDist;
use super::keys::KeyDistribution;
use super::store_cost::StoreCost;
use crate::clock::Nanos;
use crate::engine::EngineKind;
use crate::policy::Policy;
use crate::policy::spec::{BuiltPolicy, PolicySpec};
use crate::policy::spec_error::PolicySpecError;
use crate::store::StoreChoice;
use crate::store::postgres::{OccShape, PoolSize, PostgresSpec, StoreUrl};
use crate::units::{Duration, format_duration, option_with_unit, with_unit};

/// The documented bounds on everything a scenario file controls, in one place: the parser, the
/// engines and the docs all read these. Each bound keeps a run's memory and time finite and is
/// far above what the ready scenarios use.
pub mod limits {
    use crate::clock::{MILLIS, Nanos, SECONDS};

    /// The largest scenario file read, in bytes (1 MiB). Scenarios are a few hundred bytes; the
    /// cap stops `retrylab run /dev/zero` or a wrong path from reading gigabytes.
    pub const MAX_FILE_BYTES: u64 = 1 << 20;
    /// The longest scenario or pool name, in characters. Names become report titles, table rows
    /// and file names.
    pub const MAX_NAME_CHARS: usize = 64;
    /// The most `[[pools]]` in one scenario (each has its own recorder, histogram and report
    /// line).
    pub const MAX_POOLS: usize = 64;
    /// The most writers over all pools, for any engine (the simulator keeps a few hundred bytes
    /// per writer).
    pub const MAX_WRITERS: u64 = 1_000_000;
    /// The most writers over all pools the threaded engine runs: one OS thread each. The same
    /// constant as [`crate::engine::threads::MAX_WRITER_THREADS`]; checked by
    /// [`super::Scenario::check_for_engine`].
    pub const MAX_THREAD_WRITERS: u64 = crate::engine::threads::MAX_WRITER_THREADS;
    /// Writers the async engine runs as tasks (each keeps its own recorder: counters, time
    /// series and latency batches, a few KB).
    pub const MAX_TASK_WRITERS: u64 = crate::engine::tasks::MAX_WRITER_TASKS;
    /// The threaded engine records a time series per writer: `writers × windows` is at most
    /// this (2^25 windows of 32 bytes: 1 GiB). Checked by [`super::Scenario::check_for_engine`].
    pub const MAX_THREAD_WINDOW_CELLS: u64 = 1 << 25;
    /// The most actors (`run.actors`). Uniform, hotspot and hot-actor keys need no memory per
    /// actor; the store holds only actors that were written.
    pub const MAX_ACTORS: u64 = 1 << 32;
    /// The most actors a zipf or latest pool may draw from (an 8-byte alias-table entry per
    /// actor: 512 MiB), and the most over all zipf and latest pools of a scenario together,
    /// since each pool builds its own table.
    pub const MAX_TABULATED_ACTORS: u64 = crate::workload::keys::MAX_TABULATED_ACTORS;
    /// The most events written before the run: `actors × store.prefill_events` (10 M).
    pub const MAX_PREFILL_EVENTS: u64 = 10_000_000;
    /// The most time-series windows in a run: `(warmup + duration) / window` (100,000).
    pub const MAX_WINDOWS: u64 = crate::metrics::recorder::MAX_WINDOWS as u64;
    /// The narrowest window of a run that has no duration (it ends after its `operations`, so
    /// its length is unknown beforehand): 1 ms, 1,000 windows a second.
    pub const MIN_WINDOW_WITHOUT_DURATION: Nanos = MILLIS;
    /// The longest run: `warmup + duration` (24 hours), and the longest `window`.
    pub const MAX_RUN_LENGTH: Nanos = 24 * 3600 * SECONDS;
    /// The longest of every other duration: think, latency and service-time parameters, the
    /// simulator's timeout, `rejection_pause`, `start_spread`, an open loop's per-writer gap
    /// (1 hour).
    pub const MAX_DURATION: Nanos = 3600 * SECONDS;
    /// The largest lognormal `sigma` (`exp(10 z)` already spans dozens of decades).
    pub const MAX_SIGMA: f64 = 10.0;
    /// No draw of a time distribution exceeds this (the far tails are cut here), so adding a
    /// draw to a clock cannot overflow.
    pub const MAX_DRAW: Nanos = MAX_RUN_LENGTH;
    /// The shortest mean gap between one writer's open-loop arrivals, in nanoseconds: a rate
    /// above `writers × 10^9` per second schedules arrivals no clock can tell apart.
    pub const MIN_ARRIVAL_GAP_NS: f64 = 1.0;
}

/// A whole experiment: the store, the run's length, and one or more writer pools.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Scenario {
    /// A short name, used in report titles and run folders (at most
    /// [`limits::MAX_NAME_CHARS`] characters).
    #[serde(deserialize_with = "scenario_name")]
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
    /// What `retrylab tune` searches when its command line does not say; every other
    /// command ignores it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tune: Option<crate::workload::tune_table::TuneTable>,
}

fn default_seed() -> u64 {
    0x5EED
}

/// A name must say something, fit a table row and be one line.
fn check_name(name: &str, what: &str) -> Result<(), String> {
    if name.trim().is_empty() {
        return Err(format!(
            "{what} is blank: give it a short name, like \"polite\""
        ));
    }
    let chars = name.chars().count();
    if chars > limits::MAX_NAME_CHARS {
        return Err(format!(
            "{what} is {chars} characters long: use at most {}",
            limits::MAX_NAME_CHARS
        ));
    }
    if name.chars().any(char::is_control) {
        return Err(format!(
            "{what} {name:?} contains a control character (a newline or tab): use one line of \
             plain text"
        ));
    }
    Ok(())
}

fn scenario_name<'de, D: Deserializer<'de>>(d: D) -> Result<String, D::Error> {
    let name = String::deserialize(d)?;
    check_name(&name, "the scenario's `name`").map_err(de::Error::custom)?;
    Ok(name)
}

fn pool_name<'de, D: Deserializer<'de>>(d: D) -> Result<String, D::Error> {
    let name = String::deserialize(d)?;
    check_name(&name, "the pool's `name`").map_err(de::Error::custom)?;
    Ok(name)
}

fn non_empty_pools<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<PoolSpec>, D::Error> {
    let pools = Vec::<PoolSpec>::deserialize(d)?;
    if pools.is_empty() {
        return Err(de::Error::custom(
            "`pools` is empty: add at least one [[pools]] table",
        ));
    }
    if pools.len() > limits::MAX_POOLS {
        return Err(de::Error::custom(format!(
            "{} [[pools]]: a scenario has at most {}; merge pools that share a policy",
            pools.len(),
            limits::MAX_POOLS
        )));
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
    /// Which implementation: an in-memory kind, or `postgres`.
    #[serde(default)]
    pub kind: StoreChoice,
    /// The PostgreSQL server (`kind = "postgres"` only). Written redacted, never with its
    /// password.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub url: Option<StoreUrl>,
    /// Connections to the server (`kind = "postgres"` only; 1 to 64, default 8).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pool_size: Option<PoolSize>,
    /// How appends detect conflicts (`kind = "postgres"` only; default `unique`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub occ: Option<OccShape>,
    /// Shard count of the sharded stores (a power of two).
    #[serde(default = "default_shards", deserialize_with = "power_of_two")]
    pub shards: usize,
    /// Injected latency per store call, to emulate a remote store. The threaded engine waits
    /// it out inside each call; the simulated engine draws it once for the request leg and once
    /// for the response leg.
    #[serde(default, deserialize_with = "checked_option_dist")]
    pub latency: Option<TimeDist>,
    /// Probability that a save fails with a transient, non-conflict error (before reaching the
    /// store).
    #[serde(default, deserialize_with = "probability")]
    pub fault_probability: f64,
    /// Events written to each actor before the run, so reads and rebuilds meet real streams
    /// (`actors × prefill_events` at most [`limits::MAX_PREFILL_EVENTS`]).
    #[serde(default, deserialize_with = "prefill_count")]
    pub prefill_events: u64,
}

impl StoreSpec {
    /// The PostgreSQL settings, if the store is `postgres` (defaults for what is not set).
    pub fn postgres(&self) -> Option<PostgresSpec> {
        (self.kind == StoreChoice::Postgres).then(|| {
            let mut spec = PostgresSpec::new(self.url.clone());
            spec.pool_size = self.pool_size.unwrap_or_default();
            spec.occ = self.occ.unwrap_or_default();
            spec
        })
    }
}

/// A store asked for on the command line instead of the scenario's (`--store`, `--store-url`,
/// `--occ`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StoreOverride {
    /// The kind to run on.
    pub kind: StoreChoice,
    /// The PostgreSQL server (else the scenario's).
    pub url: Option<StoreUrl>,
    /// How PostgreSQL appends detect conflicts (else the scenario's).
    pub occ: Option<OccShape>,
}

impl StoreOverride {
    /// Replaces `store`'s kind; a PostgreSQL server's settings are kept only for postgres.
    pub fn apply(&self, store: &mut StoreSpec) {
        store.kind = self.kind;
        if self.kind == StoreChoice::Postgres {
            store.url = self.url.clone().or(store.url.take());
            store.occ = self.occ.or(store.occ);
        } else {
            (store.url, store.pool_size, store.occ) = (None, None, None);
        }
    }
}

impl Default for StoreSpec {
    fn default() -> Self {
        Self {
            kind: StoreChoice::default(),
            url: None,
            pool_size: None,
            occ: None,
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

fn prefill_count<'de, D: Deserializer<'de>>(d: D) -> Result<u64, D::Error> {
    let n = u64::deserialize(d)?;
    if n > limits::MAX_PREFILL_EVENTS {
        return Err(de::Error::custom(format!(
            "prefill_events = {n}: at most {} events are written before a run \
             (actors × prefill_events); use fewer",
            limits::MAX_PREFILL_EVENTS
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

/// What only the simulated engine models: what the store's own work costs, a store that serves
/// a limited number of calls at once, and clients that give up waiting for an append's response.
///
/// ```toml
/// [sim]
/// capacity = 4                                   # calls served at once; FIFO queue behind
/// service_time = { kind = "exponential", mean = "50us" }
/// timeout = "5ms"                                # an append's response must come by then
/// [sim.store_cost]                               # per call; defaults measured (see StoreCost)
/// append = "30ns"                                # one at a time per stream
/// ```
///
/// A call travels: request leg (`store.latency`), a server (`capacity`, if set), the store's
/// work (`store_cost`, always), the response leg.
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
    /// What the store's own work costs (the measured defaults unless set).
    #[serde(skip_serializing_if = "StoreCost::is_measured")]
    pub store_cost: StoreCost,
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
    #[serde(default, deserialize_with = "option_with_unit")]
    timeout: Option<Duration>,
    #[serde(default)]
    store_cost: StoreCost,
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
        if let Some(t) = f.timeout.filter(|t| t.0 > limits::MAX_DURATION) {
            return Err(format!(
                "sim.timeout = {t}: use at most {}",
                format_duration(limits::MAX_DURATION)
            ));
        }
        Ok(SimSpec {
            capacity: f.capacity,
            service_time: f.service_time,
            timeout: f.timeout,
            store_cost: f.store_cost,
        })
    }
}

/// The run's length and key space.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RunSpec {
    /// Number of actors (streams) keys are drawn from (at most [`limits::MAX_ACTORS`]).
    #[serde(deserialize_with = "actor_count")]
    pub actors: u64,
    /// How long to run after warm-up. Optional when every pool has `operations`.
    #[serde(default, deserialize_with = "run_duration")]
    pub duration: Option<Duration>,
    /// Time at the start whose operations are excluded from the figures.
    #[serde(default, deserialize_with = "run_warmup")]
    pub warmup: Duration,
    /// Width of a time-series window (at most [`limits::MAX_WINDOWS`] windows in a run).
    #[serde(default = "default_window", deserialize_with = "window_width")]
    pub window: Duration,
}

fn default_window() -> Duration {
    Duration(100 * crate::clock::MILLIS)
}

fn actor_count<'de, D: Deserializer<'de>>(d: D) -> Result<u64, D::Error> {
    let n = u64::deserialize(d)?;
    if n == 0 {
        return Err(de::Error::custom("0 is too small: use 1 or more"));
    }
    if n > limits::MAX_ACTORS {
        return Err(de::Error::custom(format!(
            "actors = {n}: use at most {}",
            limits::MAX_ACTORS
        )));
    }
    Ok(n)
}

/// A duration with its unit, above 0 when `positive`, at most `max`.
fn bounded_duration<'de, D: Deserializer<'de>>(
    d: D,
    positive: bool,
    max: Nanos,
) -> Result<Duration, D::Error> {
    let t = with_unit(d)?;
    if positive && t.0 == 0 {
        return Err(de::Error::custom(
            "a zero duration is not allowed here: use more than 0",
        ));
    }
    if t.0 > max {
        return Err(de::Error::custom(format!(
            "{t} is too long here: use at most {}",
            format_duration(max)
        )));
    }
    Ok(t)
}

fn run_duration<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Duration>, D::Error> {
    bounded_duration(d, true, limits::MAX_RUN_LENGTH).map(Some)
}

fn run_warmup<'de, D: Deserializer<'de>>(d: D) -> Result<Duration, D::Error> {
    bounded_duration(d, false, limits::MAX_RUN_LENGTH)
}

fn window_width<'de, D: Deserializer<'de>>(d: D) -> Result<Duration, D::Error> {
    bounded_duration(d, true, limits::MAX_RUN_LENGTH)
}

fn pause<'de, D: Deserializer<'de>>(d: D) -> Result<Duration, D::Error> {
    bounded_duration(d, true, limits::MAX_DURATION)
}

fn spread<'de, D: Deserializer<'de>>(d: D) -> Result<Duration, D::Error> {
    bounded_duration(d, false, limits::MAX_DURATION)
}

/// One pool of writers sharing a policy.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PoolSpec {
    /// The pool's name in reports (unique within the scenario, also as a file name; at most
    /// [`limits::MAX_NAME_CHARS`] characters).
    #[serde(deserialize_with = "pool_name")]
    pub name: String,
    /// How many writers (threads, or simulated clients; at most [`limits::MAX_WRITERS`] over
    /// all pools).
    #[serde(deserialize_with = "writer_count")]
    pub writers: u32,
    /// The retry policy: a preset name or a policy table.
    pub policy: PolicyChoice,
    /// Which actors the writers pick.
    #[serde(default = "default_keys", deserialize_with = "checked_keys")]
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
    /// Operations each writer performs before it stops (1 or more); none means "until the run
    /// ends".
    #[serde(default, deserialize_with = "operation_count")]
    pub operations: Option<u64>,
    /// Writers' start times are spread uniformly over this span (0: all start together; at most
    /// `warmup + duration`).
    #[serde(default, deserialize_with = "spread")]
    pub start_spread: Duration,
    /// Fault injection: the probability that a writer panics at an operation's start.
    #[serde(default, deserialize_with = "probability")]
    pub panic_probability: f64,
    /// How long a closed-loop writer pauses after a gate (open circuit, empty budget) rejected
    /// its operation. A real client does not spin on an open circuit, and in virtual time an
    /// operation that touched nothing would otherwise take no time at all, so the clock could
    /// not advance to close the circuit again.
    #[serde(default = "default_rejection_pause", deserialize_with = "pause")]
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

fn writer_count<'de, D: Deserializer<'de>>(d: D) -> Result<u32, D::Error> {
    let n = u32::deserialize(d)?;
    if n == 0 {
        return Err(de::Error::custom("0 is too small: use 1 or more"));
    }
    if u64::from(n) > limits::MAX_WRITERS {
        return Err(de::Error::custom(format!(
            "writers = {n}: a scenario runs at most {} writers over all pools: use fewer",
            limits::MAX_WRITERS
        )));
    }
    Ok(n)
}

fn operation_count<'de, D: Deserializer<'de>>(d: D) -> Result<Option<u64>, D::Error> {
    let n = u64::deserialize(d)?;
    if n == 0 {
        return Err(de::Error::custom(
            "operations = 0 would run nothing: use 1 or more, or leave it out to run for the \
             run's duration",
        ));
    }
    Ok(Some(n))
}

fn checked_dist<'de, D: Deserializer<'de>>(d: D) -> Result<TimeDist, D::Error> {
    let dist = TimeDist::deserialize(d)?;
    dist.validate().map_err(de::Error::custom)?;
    Ok(dist)
}

fn checked_option_dist<'de, D: Deserializer<'de>>(d: D) -> Result<Option<TimeDist>, D::Error> {
    checked_dist(d).map(Some)
}

/// The parameters alone (whether the actor count suits them is checked with the run's actors,
/// after parsing).
fn checked_keys<'de, D: Deserializer<'de>>(d: D) -> Result<KeyDistribution, D::Error> {
    let keys = KeyDistribution::deserialize(d)?;
    keys.validate(1)
        .map_err(|e| de::Error::custom(format!("keys: {e}")))?;
    Ok(keys)
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

/// A pool's policy: a preset by name, or a full spec, checked when it is made. There is no
/// way to make one that is not checked, so building it can never fail later.
#[derive(Clone, Debug, PartialEq)]
pub struct PolicyChoice {
    /// The preset it was named by, if any (written back by name).
    preset: Option<String>,
    /// The spec, checked.
    spec: PolicySpec,
}

impl PolicyChoice {
    /// The preset `name` from `retrylab list`.
    ///
    /// # Errors
    ///
    /// [`PolicySpecError`] for an unknown name (the message lists the known ones).
    pub fn preset(name: &str) -> Result<Self, PolicySpecError> {
        let spec = PolicySpec::preset(name)?;
        Self::checked(Some(name.to_owned()), spec)
    }

    /// A policy table.
    ///
    /// # Errors
    ///
    /// [`PolicySpecError`] naming the field that is out of range or inconsistent.
    pub fn from_spec(spec: PolicySpec) -> Result<Self, PolicySpecError> {
        Self::checked(None, spec)
    }

    fn checked(preset: Option<String>, spec: PolicySpec) -> Result<Self, PolicySpecError> {
        spec.build_parts()?;
        Ok(Self { preset, spec })
    }

    /// The preset this choice names, if it was made from one.
    pub fn preset_name(&self) -> Option<&str> {
        self.preset.as_deref()
    }

    /// The spec this choice stands for.
    pub fn spec(&self) -> &PolicySpec {
        &self.spec
    }

    /// Builds the pool's shared policy.
    pub fn build(&self) -> Arc<dyn Policy> {
        self.build_parts().policy
    }

    /// Builds the pool's shared policy, with handles to its breaker, budget and monitor. Each
    /// run builds its own, so gates start fresh.
    pub fn build_parts(&self) -> BuiltPolicy {
        // Building is a pure function of the spec, and this spec built when it was checked.
        self.spec
            .build_parts()
            .expect("a PolicyChoice is checked when it is made")
    }
}

impl Serialize for PolicyChoice {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match &self.preset {
            Some(name) => s.serialize_str(name),
            None => self.spec.serialize(s),
        }
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
                PolicyChoice::preset(name).map_err(E::custom)
            }
            fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<PolicyChoice, A::Error> {
                let spec = PolicySpec::deserialize(de::value::MapAccessDeserializer::new(map))?;
                PolicyChoice::from_spec(spec).map_err(de::Error::custom)
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
    /// The path is not a regular file (a directory, FIFO or device). Give a `.toml` file.
    #[error(
        "cannot read scenario file {path}: it is {what}, not a regular file; give the path of a \
         .toml scenario file"
    )]
    NotAFile {
        /// The path given.
        path: String,
        /// What it is instead, in words ("a directory", "a FIFO or device").
        what: &'static str,
    },
    /// The file is larger than [`limits::MAX_FILE_BYTES`]. Check the path: scenarios are small.
    #[error(
        "scenario file {path} is over {max} bytes (1 MiB), the most a scenario may be; a \
         scenario is a few hundred bytes of TOML: check the path",
        max = limits::MAX_FILE_BYTES
    )]
    TooLarge {
        /// The path given.
        path: String,
    },
    /// The TOML is malformed or a value is out of range (the message shows where).
    #[error("invalid scenario {path}: {message}")]
    Invalid {
        /// The file (or `<built-in>`).
        path: String,
        /// The parser's message, with line, column and the offending field.
        message: String,
    },
    /// The scenario is valid but exceeds a limit of one engine (see
    /// [`Scenario::check_for_engine`]); the message says which engine can run it.
    #[error("scenario {path} cannot run on the {} engine: {message}", engine.name())]
    Engine {
        /// The file (or the scenario's name when no file is known).
        path: String,
        /// The engine asked for.
        engine: EngineKind,
        /// What is wrong, with line, column and field when the file is known.
        message: String,
    },
}

/// One step of a path into the scenario document: a key, or an index into an array.
#[derive(Clone, Copy, Debug)]
enum Step {
    Key(&'static str),
    Index(usize),
}

/// A rule broken by the scenario as a whole: where (a path into the document) and what.
#[derive(Debug)]
struct Problem {
    at: Vec<Step>,
    message: String,
}

impl Problem {
    fn new(at: Vec<Step>, message: String) -> Self {
        Self { at, message }
    }

    /// The field's name, as `pools[1].keys`.
    fn field(&self) -> String {
        let mut out = String::new();
        for step in &self.at {
            match step {
                Step::Key(k) if out.is_empty() => out.push_str(k),
                Step::Key(k) => {
                    out.push('.');
                    out.push_str(k);
                }
                Step::Index(i) => out.push_str(&format!("[{i}]")),
            }
        }
        out
    }

    /// The message, led by the field and, when `text` holds it, by its line and column in the
    /// parser's own format (so every scenario error reads alike).
    fn render(&self, text: Option<&str>) -> String {
        let field = self.field();
        let message = if field.is_empty() {
            self.message.clone()
        } else {
            format!("{field}: {}", self.message)
        };
        match text.and_then(|t| locate(t, &self.at).map(|span| (t, span))) {
            Some((t, span)) => with_position(t, span, &message),
            None => message,
        }
    }
}

fn pool_at(i: usize, key: &'static str) -> Vec<Step> {
    vec![Step::Key("pools"), Step::Index(i), Step::Key(key)]
}

/// The document as a tree of spans, to find where a field was written.
enum Node {
    Table(Vec<(String, toml::Spanned<Node>)>),
    Array(Vec<toml::Spanned<Node>>),
    Leaf,
}

impl<'de> Deserialize<'de> for Node {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct NodeVisitor;
        impl<'de> Visitor<'de> for NodeVisitor {
            type Value = Node;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("any TOML value")
            }
            fn visit_bool<E>(self, _: bool) -> Result<Node, E> {
                Ok(Node::Leaf)
            }
            fn visit_i64<E>(self, _: i64) -> Result<Node, E> {
                Ok(Node::Leaf)
            }
            fn visit_u64<E>(self, _: u64) -> Result<Node, E> {
                Ok(Node::Leaf)
            }
            fn visit_f64<E>(self, _: f64) -> Result<Node, E> {
                Ok(Node::Leaf)
            }
            fn visit_str<E>(self, _: &str) -> Result<Node, E> {
                Ok(Node::Leaf)
            }
            fn visit_seq<A: de::SeqAccess<'de>>(self, mut seq: A) -> Result<Node, A::Error> {
                let mut items = Vec::new();
                while let Some(item) = seq.next_element()? {
                    items.push(item);
                }
                Ok(Node::Array(items))
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Node, A::Error> {
                let mut entries = Vec::new();
                while let Some(key) = map.next_key::<String>()? {
                    entries.push((key, map.next_value()?));
                }
                Ok(Node::Table(entries))
            }
        }
        d.deserialize_any(NodeVisitor)
    }
}

/// The byte span of the deepest part of `at` written in `text` (a default field: its table).
fn locate(text: &str, at: &[Step]) -> Option<std::ops::Range<usize>> {
    let root: Node = toml::from_str(text).ok()?;
    let mut node = &root;
    let mut span = None;
    for step in at {
        let next = match (step, node) {
            (Step::Key(k), Node::Table(entries)) => {
                entries.iter().find(|(name, _)| name == k).map(|(_, v)| v)
            }
            (Step::Index(i), Node::Array(items)) => items.get(*i),
            _ => None,
        };
        match next {
            Some(child) => {
                span = Some(child.span());
                node = child.get_ref();
            }
            None => break,
        }
    }
    span.filter(|s| s.start < text.len())
}

/// `message` under a header and excerpt naming the line and column of `span`, as the TOML
/// parser writes its own errors.
fn with_position(text: &str, span: std::ops::Range<usize>, message: &str) -> String {
    let start = (0..=span.start.min(text.len()))
        .rev()
        .find(|&i| text.is_char_boundary(i))
        .unwrap_or(0);
    let line_start = text[..start].rfind('\n').map_or(0, |i| i + 1);
    let line = text[..line_start].matches('\n').count() + 1;
    let column = text[line_start..start].chars().count() + 1;
    let content = text[line_start..].lines().next().unwrap_or("");
    let width = text[start..span.end.clamp(start, text.len())]
        .lines()
        .next()
        .map_or(1, |s| s.chars().count().max(1));
    let gutter = " ".repeat(line.to_string().len());
    format!(
        "TOML parse error at line {line}, column {column}\n{gutter} |\n{line} | {content}\n\
         {gutter} | {}{}\n{message}",
        " ".repeat(column - 1),
        "^".repeat(width)
    )
}

/// `ns` rounded up to two significant digits, for a suggested value (`1220704` → `1300000`,
/// shown as "1300us").
fn round_up_nicely(ns: Nanos) -> Nanos {
    let mut scale = 1;
    while ns / scale >= 100 {
        scale *= 10;
    }
    ns.div_ceil(scale).saturating_mul(scale)
}

/// What a zipf or latest pool tabulates: one alias-table entry per actor.
fn tabulates(keys: &KeyDistribution) -> bool {
    matches!(
        keys,
        KeyDistribution::Zipf { .. } | KeyDistribution::Latest { .. }
    )
}

impl Scenario {
    /// Parses and validates scenario text; `origin` names it in errors. Every limit in
    /// [`limits`] that holds for any engine is checked here; see also
    /// [`Scenario::check_for_engine`].
    ///
    /// # Errors
    ///
    /// [`ScenarioError::Invalid`] with the line, column and field at fault.
    pub fn from_toml(text: &str, origin: &str) -> Result<Scenario, ScenarioError> {
        let scenario: Scenario = toml::from_str(text).map_err(|e| ScenarioError::Invalid {
            path: origin.to_owned(),
            message: e.to_string().trim_end().to_owned(),
        })?;
        scenario
            .check_whole()
            .map_err(|problem| ScenarioError::Invalid {
                path: origin.to_owned(),
                message: problem.render(Some(text)),
            })?;
        Ok(scenario)
    }

    /// [`Scenario::from_toml`], then the limits of `engine`, located in `text`.
    ///
    /// # Errors
    ///
    /// As [`Scenario::from_toml`], or [`ScenarioError::Engine`].
    pub fn from_toml_for(
        text: &str,
        origin: &str,
        engine: EngineKind,
    ) -> Result<Scenario, ScenarioError> {
        let scenario = Scenario::from_toml(text, origin)?;
        if let Some(problem) = scenario.engine_problem(engine) {
            return Err(ScenarioError::Engine {
                path: origin.to_owned(),
                engine,
                message: problem.render(Some(text)),
            });
        }
        Ok(scenario)
    }

    /// Reads, parses and validates a scenario file (a regular file of at most
    /// [`limits::MAX_FILE_BYTES`]).
    ///
    /// # Errors
    ///
    /// [`ScenarioError::Io`], [`ScenarioError::NotAFile`], [`ScenarioError::TooLarge`], or as
    /// [`Scenario::from_toml`].
    pub fn from_file(path: &Path) -> Result<Scenario, ScenarioError> {
        let text = read_scenario_file(path)?;
        Scenario::from_toml(&text, &path.display().to_string())
    }

    /// [`Scenario::from_file`], then the limits of `engine`: what `retrylab validate --engine`
    /// and `retrylab run --engine` accept alike.
    ///
    /// # Errors
    ///
    /// As [`Scenario::from_file`], or [`ScenarioError::Engine`].
    pub fn from_file_for(path: &Path, engine: EngineKind) -> Result<Scenario, ScenarioError> {
        let text = read_scenario_file(path)?;
        Scenario::from_toml_for(&text, &path.display().to_string(), engine)
    }

    /// Checks the limits only one engine has: the threaded engine starts one thread per writer
    /// (at most [`limits::MAX_THREAD_WRITERS`]) and keeps a time series per writer (`writers ×
    /// windows` at most [`limits::MAX_THREAD_WINDOW_CELLS`]); the simulator has none beyond
    /// [`limits`]. Engines call this before starting; the error names the scenario, not a line
    /// (use [`Scenario::from_file_for`] for that).
    ///
    /// # Errors
    ///
    /// [`ScenarioError::Engine`] saying what is over which limit and what to do.
    pub fn check_for_engine(&self, engine: EngineKind) -> Result<(), ScenarioError> {
        match self.engine_problem(engine) {
            None => Ok(()),
            Some(problem) => Err(ScenarioError::Engine {
                path: format!("`{}`", self.name),
                engine,
                message: problem.render(None),
            }),
        }
    }

    fn engine_problem(&self, engine: EngineKind) -> Option<Problem> {
        if let Some(problem) = self.store_problem(engine) {
            return Some(problem);
        }
        let (max_writers, what) = match engine {
            EngineKind::Sim => return None,
            EngineKind::Threads => (limits::MAX_THREAD_WRITERS, "threads"),
            EngineKind::Async => (limits::MAX_TASK_WRITERS, "tasks"),
        };
        let writers = self.total_writers();
        if writers > max_writers {
            return Some(Problem::new(
                pool_at(self.pools.len() - 1, "writers"),
                format!(
                    "{writers} writers in all would need {writers} {what}; the {} engine starts \
                     at most {max_writers}: use fewer writers, or --engine sim",
                    engine.name()
                ),
            ));
        }
        let windows = self.windows()?;
        let cells = writers.saturating_mul(windows);
        if cells > limits::MAX_THREAD_WINDOW_CELLS {
            let least = self
                .run_length()?
                .div_ceil((limits::MAX_THREAD_WINDOW_CELLS / writers.max(1)).max(1));
            return Some(Problem::new(
                vec![Step::Key("run"), Step::Key("window")],
                format!(
                    "{writers} writers × {windows} windows of {} = {cells} time-series cells; \
                     the {} engine keeps one series per writer and allows at most {} cells: \
                     use window = \"{}\" or wider, fewer writers, or --engine sim",
                    self.run.window,
                    engine.name(),
                    limits::MAX_THREAD_WINDOW_CELLS,
                    format_duration(round_up_nicely(least))
                ),
            ));
        }
        None
    }

    /// A store across a network runs only on the async engine, and only in a build with it.
    fn store_problem(&self, engine: EngineKind) -> Option<Problem> {
        let kind = self.store.kind;
        let at = || vec![Step::Key("store"), Step::Key("kind")];
        if kind.memory().is_some() {
            return None;
        }
        if engine != EngineKind::Async {
            return Some(Problem::new(
                at(),
                format!(
                    "the {} store is across a network and runs on the async engine only, not \
                     the {} engine: leave --engine out (async is its default) or pass --engine \
                     async",
                    kind.name(),
                    engine.name()
                ),
            ));
        }
        if !cfg!(feature = "postgres") {
            return Some(Problem::new(
                at(),
                format!(
                    "this retrylab was built without the {} store: build it with `cargo build \
                     --release --features postgres`",
                    kind.name()
                ),
            ));
        }
        None
    }

    /// `warmup + duration`, when the run has a duration.
    fn run_length(&self) -> Option<Nanos> {
        self.run
            .duration
            .map(|d| d.0.saturating_add(self.run.warmup.0))
    }

    /// The time-series windows of a run with a duration.
    fn windows(&self) -> Option<u64> {
        self.run_length()
            .map(|length| length.div_ceil(self.run.window.0.max(1)))
    }

    /// The rules that span fields: the run must end, and the limits in [`limits`] that relate
    /// one field to another.
    fn check_whole(&self) -> Result<(), Problem> {
        self.check_store()?;
        self.check_length()?;
        self.check_run()?;
        self.check_pools()?;
        Ok(())
    }

    /// The PostgreSQL fields belong to `kind = "postgres"` only.
    fn check_store(&self) -> Result<(), Problem> {
        if self.store.kind == StoreChoice::Postgres {
            return Ok(());
        }
        let set = [
            ("url", self.store.url.is_some()),
            ("pool_size", self.store.pool_size.is_some()),
            ("occ", self.store.occ.is_some()),
        ];
        match set.iter().find(|(_, is_set)| *is_set) {
            Some((key, _)) => Err(Problem::new(
                vec![Step::Key("store"), Step::Key(key)],
                format!(
                    "`{key}` applies to kind = \"postgres\" only, and this store is {}: remove \
                     it, or set kind = \"postgres\"",
                    self.store.kind.name()
                ),
            )),
            None => Ok(()),
        }
    }

    /// The run must end: a duration, or a fixed number of operations in every pool.
    fn check_length(&self) -> Result<(), Problem> {
        let bounded = self.pools.iter().all(|p| p.operations.is_some());
        if self.run.duration.is_none() && !bounded {
            return Err(Problem::new(
                vec![Step::Key("run")],
                "the run never ends: set [run] duration = \"5s\", or `operations` in every pool"
                    .into(),
            ));
        }
        Ok(())
    }

    /// Run length, windows and prefill.
    fn check_run(&self) -> Result<(), Problem> {
        let run = |key| vec![Step::Key("run"), Step::Key(key)];
        if let Some(length) = self.run_length() {
            if length > limits::MAX_RUN_LENGTH {
                return Err(Problem::new(
                    run("duration"),
                    format!(
                        "warmup + duration = {} is longer than the {} a run may last: shorten \
                         them",
                        format_duration(length),
                        format_duration(limits::MAX_RUN_LENGTH)
                    ),
                ));
            }
            let windows = length.div_ceil(self.run.window.0);
            if windows > limits::MAX_WINDOWS {
                let least = round_up_nicely(length.div_ceil(limits::MAX_WINDOWS));
                return Err(Problem::new(
                    run("window"),
                    format!(
                        "window = \"{}\" cuts the {} run (warmup + duration) into {windows} \
                         windows; at most {} are kept: use window = \"{}\" or wider",
                        self.run.window,
                        format_duration(length),
                        limits::MAX_WINDOWS,
                        format_duration(least)
                    ),
                ));
            }
        } else if self.run.window.0 < limits::MIN_WINDOW_WITHOUT_DURATION {
            return Err(Problem::new(
                run("window"),
                format!(
                    "window = \"{}\" in a run without a duration (its length is not known \
                     beforehand): use window = \"{}\" or wider, or set a duration",
                    self.run.window,
                    format_duration(limits::MIN_WINDOW_WITHOUT_DURATION)
                ),
            ));
        }
        let prefill = self.store.prefill_events;
        let events = self.run.actors.saturating_mul(prefill);
        if events > limits::MAX_PREFILL_EVENTS {
            return Err(Problem::new(
                vec![Step::Key("store"), Step::Key("prefill_events")],
                format!(
                    "{} actors × prefill_events = {prefill} would write {events} events before \
                     the run; at most {} are allowed: use prefill_events = {} or fewer actors",
                    self.run.actors,
                    limits::MAX_PREFILL_EVENTS,
                    limits::MAX_PREFILL_EVENTS / self.run.actors
                ),
            ));
        }
        Ok(())
    }

    /// Writers, keys, arrivals, spreads and names, pool by pool.
    fn check_pools(&self) -> Result<(), Problem> {
        let actors = self.run.actors;
        let mut writers = 0u64;
        let mut tabulated = 0u64;
        let mut files: Vec<(String, &str)> = Vec::new();
        for (i, pool) in self.pools.iter().enumerate() {
            let name = &pool.name;
            writers += u64::from(pool.writers);
            if writers > limits::MAX_WRITERS {
                return Err(Problem::new(
                    pool_at(i, "writers"),
                    format!(
                        "pool `{name}` brings the writers to {writers}; a scenario runs at most \
                         {} writers over all pools: use fewer",
                        limits::MAX_WRITERS
                    ),
                ));
            }
            // Every error `KeySampler::new` can return for these keys and actors.
            pool.keys
                .validate(actors)
                .map_err(|e| Problem::new(pool_at(i, "keys"), format!("pool `{name}`: {e}")))?;
            if tabulates(&pool.keys) {
                tabulated += actors;
                if tabulated > limits::MAX_TABULATED_ACTORS {
                    return Err(Problem::new(
                        pool_at(i, "keys"),
                        format!(
                            "pool `{name}`: each zipf or latest pool tabulates all {actors} \
                             actors, and together they would hold {tabulated} entries; at most \
                             {} are allowed: use fewer actors, fewer zipf pools, or uniform or \
                             hotspot keys",
                            limits::MAX_TABULATED_ACTORS
                        ),
                    ));
                }
            }
            if let Arrival::Open { rate, .. } = pool.arrival {
                let per_writer_gap = pool.writers as f64 * 1e9 / rate;
                let (fastest, slowest) = (
                    f64::from(pool.writers) * 1e9 / limits::MIN_ARRIVAL_GAP_NS,
                    f64::from(pool.writers) * 1e9 / limits::MAX_DURATION as f64,
                );
                if !(limits::MIN_ARRIVAL_GAP_NS..=limits::MAX_DURATION as f64)
                    .contains(&per_writer_gap)
                {
                    return Err(Problem::new(
                        pool_at(i, "arrival"),
                        format!(
                            "pool `{name}`: open-loop rate = {rate} over {} writers gives each \
                             writer a mean gap of {per_writer_gap:.3e} ns; it must be from 1 ns \
                             to {}: use a rate from {slowest:.6} to {fastest:.0} operations per \
                             second",
                            pool.writers,
                            format_duration(limits::MAX_DURATION)
                        ),
                    ));
                }
            }
            if let Some(length) = self.run_length() {
                if pool.start_spread.0 > length {
                    return Err(Problem::new(
                        pool_at(i, "start_spread"),
                        format!(
                            "pool `{name}`: start_spread = \"{}\" is longer than the whole run \
                             ({} of warmup + duration), so some writers would never start: use \
                             at most \"{}\"",
                            pool.start_spread,
                            format_duration(length),
                            format_duration(length)
                        ),
                    ));
                }
            }
            // The results folder writes `<file_safe(name)>.hlog`; compare case-blind, as macOS
            // and Windows file systems do.
            let file = crate::metrics::output::file_safe(name);
            let folded = file.to_lowercase();
            if let Some((_, other)) = files.iter().find(|(f, _)| *f == folded) {
                return Err(Problem::new(
                    pool_at(i, "name"),
                    format!(
                        "pools `{other}` and `{name}` would write the same results file \
                         `{file}.hlog` (file names keep letters, digits, `-` and `_`, other \
                         characters become `_`, and case is ignored): rename one"
                    ),
                ));
            }
            files.push((folded, name));
        }
        Ok(())
    }

    /// Total writers over all pools.
    pub fn total_writers(&self) -> u64 {
        self.pools.iter().map(|p| u64::from(p.writers)).sum()
    }
}

/// Reads a scenario file: a regular file of at most [`limits::MAX_FILE_BYTES`], in UTF-8.
/// Commands that need the text itself (a sweep rewrites it) read it with this.
///
/// # Errors
///
/// [`ScenarioError::Io`], [`ScenarioError::NotAFile`] or [`ScenarioError::TooLarge`].
pub fn read_scenario_file(path: &Path) -> Result<String, ScenarioError> {
    let shown = path.display().to_string();
    let io = |source| ScenarioError::Io {
        path: shown.clone(),
        source,
    };
    // Ask before opening: opening a FIFO for reading blocks until someone writes to it.
    let meta = std::fs::metadata(path).map_err(io)?;
    if !meta.is_file() {
        return Err(ScenarioError::NotAFile {
            path: shown,
            what: if meta.is_dir() {
                "a directory"
            } else {
                "a FIFO, socket or device"
            },
        });
    }
    if meta.len() > limits::MAX_FILE_BYTES {
        return Err(ScenarioError::TooLarge { path: shown });
    }
    let mut bytes = Vec::new();
    std::fs::File::open(path)
        .and_then(|f| f.take(limits::MAX_FILE_BYTES + 1).read_to_end(&mut bytes))
        .map_err(io)?;
    // The file may have grown since it was measured.
    if bytes.len() as u64 > limits::MAX_FILE_BYTES {
        return Err(ScenarioError::TooLarge { path: shown });
    }
    String::from_utf8(bytes).map_err(|e| ScenarioError::Invalid {
        path: shown.clone(),
        message: format!(
            "the file is not UTF-8 text (invalid byte at offset {}): save it as UTF-8",
            e.utf8_error().valid_up_to()
        ),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn suggestions_round_up_to_two_digits() {
        assert_eq!(round_up_nicely(0), 0);
        assert_eq!(round_up_nicely(10_000), 10_000);
        assert_eq!(round_up_nicely(99), 99);
        assert_eq!(round_up_nicely(101), 110);
        assert_eq!(round_up_nicely(1_220_704), 1_300_000);
        assert_eq!(round_up_nicely(u64::MAX), u64::MAX);
    }

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
                "[sim]\ncapacity = 0\nservice_time = { kind = \"constant\", value = \"1us\" }\n",
                "capacity = 0",
            ),
            (
                "[sim]\nservice_time = { kind = \"constant\", value = \"1us\" }\n",
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
