//! retrylab: measure how retry policies for optimistic-concurrency conflicts behave.
pub mod clock;
pub mod engine;
pub mod metrics;
pub mod policy;
pub mod report;
pub mod rng;
pub mod store;
pub mod sweep;
mod sync;
pub mod units;
pub mod workload;
