//! retrylab placeholder
pub mod clock;
pub mod policy;
pub mod rng;
pub mod store;
mod sync;
pub mod workload;
