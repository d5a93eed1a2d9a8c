//! The atomics the store is built from: `std`'s normally, loom's under `--cfg loom`, so the
//! model checker sees every load, store and compare-and-swap of the append protocol.

#[cfg(loom)]
pub(crate) use loom::sync::atomic::{AtomicPtr, AtomicU64, Ordering};

#[cfg(not(loom))]
pub(crate) use std::sync::atomic::{AtomicPtr, AtomicU64, Ordering};
