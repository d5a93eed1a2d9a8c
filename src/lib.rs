//! # retrylab
//!
//! Event-sourced services append events to per-actor streams with an expected version. Under
//! contention an append fails with a *version conflict* (actor, current version, attempted
//! version) and the caller retries: with exponential backoff, with jitter, by reloading state
//! and merging, behind a circuit breaker or a retry budget. Which of these to use, and with what
//! parameters, is usually chosen by intuition. retrylab measures it instead.
//!
//! ## How a run flows
//!
//! ```text
//! scenario.toml ──parse+validate──▶ Scenario ──▶ engine (sim | threads | async)
//!                                                  │ drives, per writer,
//!                                                  ▼
//!                      Policy ◀── writer protocol (a state machine) ──▶ EventStore
//!                                                  │ every step is recorded
//!                                                  ▼
//!                  Recorder (one per writer or simulated pool; latencies in batches to the pool's)
//!                                                  │ merged at the end
//!                                                  ▼
//!                                  results.json (versioned schema) ──▶ report (charts, HTML, Markdown)
//! ```
//!
//! Data flows one way: the store knows nothing of policies, policies nothing of engines, and
//! reports read only results files, so a report can be redrawn without rerunning.
//!
//! ## Where things are
//!
//! | module | what it holds |
//! |---|---|
//! | [`store`] | the [`store::EventStore`] contract, the lock-free sharded store and the baselines |
//! | [`policy`] | retry policies and gates (breakers, budgets), built from a TOML spec or a preset |
//! | [`workload`] | the scenario model, key and time distributions, the writer protocol |
//! | [`engine`] | the threaded engine, the simulated engine, the post-run audit |
//! | [`metrics`] | per-writer recorders, the results schema, run folders |
//! | [`clock`], [`rng`], [`units`] | engine time, the one master seed, durations as people write them |
//!
//! ## Using it as a library
//!
//! ```
//! use retrylab::engine::{self, EngineKind, RunOptions};
//! use retrylab::workload::scenario::Scenario;
//!
//! let scenario = Scenario::from_toml(r#"
//!     name = "two-writers"
//!     [run]
//!     actors = 1
//!     [[pools]]
//!     name = "jittered"
//!     writers = 2
//!     operations = 200
//!     policy = "exponential-full-jitter"
//!     keys = { kind = "hot-actor" }
//!     think = { kind = "constant", value = "10us" }
//!     [store]
//!     latency = { kind = "constant", value = "5us" }
//! "#, "example").unwrap();
//!
//! // Virtual time: deterministic, and independent of this machine's cores.
//! let results = engine::run(&scenario, EngineKind::Sim, &RunOptions::default()).unwrap();
//! let pool = &results.pools[0];
//! assert_eq!(pool.counters.committed + pool.counters.give_ups(), 400);
//! assert!(results.integrity.ok);
//! ```
pub mod clock;
pub mod engine;
pub mod exit;
pub mod metrics;
pub mod policy;
pub mod report;
pub mod rng;
pub mod store;
pub mod sweep;
mod sync;
pub mod tune;
pub mod units;
pub mod workload;
