//! The atomics the store is built from: `std`'s normally, loom's under `--cfg loom`, so the
//! model checker sees every load, store and compare-and-swap of the append protocol.

#[cfg(loom)]
pub(crate) use loom::sync::atomic::{AtomicPtr, AtomicU64, Ordering};

#[cfg(not(loom))]
pub(crate) use std::sync::atomic::{AtomicPtr, AtomicU64, Ordering};

/// A value written once before it is published through an atomic pointer and only read after.
/// Plain `T` normally; under loom a tracked cell, so the model checker reports any read that
/// does not happen-after the write (a missing Release/Acquire pair on the publishing pointer).
#[cfg(not(loom))]
#[repr(transparent)]
pub(crate) struct Published<T>(T);

#[cfg(not(loom))]
impl<T: Copy> Published<T> {
    pub(crate) fn new(value: T) -> Self {
        Self(value)
    }

    #[inline]
    pub(crate) fn get(&self) -> T {
        self.0
    }
}

/// Under loom: the value lives in a tracked cell.
#[cfg(loom)]
pub(crate) struct Published<T>(loom::cell::UnsafeCell<T>);

#[cfg(loom)]
impl<T: Copy> Published<T> {
    pub(crate) fn new(value: T) -> Self {
        Self(loom::cell::UnsafeCell::new(value))
    }

    pub(crate) fn get(&self) -> T {
        // SAFETY: the cell is written only by `new`, before the value is published; every
        // later access is a read, so no read can overlap a write (loom checks the ordering).
        self.0.with(|value| unsafe { *value })
    }
}
