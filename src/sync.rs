//! The atomics the store is built from: `std`'s normally, loom's under `--cfg loom`, so the
//! model checker sees every load, store and compare-and-swap of the append protocol.

#[cfg(loom)]
pub(crate) use loom::sync::atomic::{AtomicPtr, AtomicU64, Ordering};

#[cfg(not(loom))]
pub(crate) use std::sync::atomic::{AtomicPtr, AtomicU64, Ordering};

/// A cell written by its one owner before it is published through an atomic pointer, and only
/// read after that. Normally a plain `UnsafeCell`; under loom a tracked cell, so the model
/// checker reports any read that does not happen-after the write (a missing Release/Acquire pair
/// on the publishing pointer). Starts uninitialised: the store hands cells out in blocks.
#[cfg(not(loom))]
#[repr(transparent)]
pub(crate) struct Published<T>(std::cell::UnsafeCell<std::mem::MaybeUninit<T>>);

#[cfg(not(loom))]
impl<T: Copy> Published<T> {
    /// An unwritten cell.
    pub(crate) const fn uninit() -> Self {
        Self(std::cell::UnsafeCell::new(std::mem::MaybeUninit::uninit()))
    }

    /// Writes the value.
    ///
    /// # Safety
    ///
    /// The cell is not yet published: no other thread can reach it, so nothing reads or writes
    /// it concurrently.
    #[inline]
    pub(crate) unsafe fn write(&self, value: T) {
        // SAFETY: exclusive access, guaranteed by the caller.
        unsafe { (*self.0.get()).write(value) };
    }

    /// Reads the value.
    ///
    /// # Safety
    ///
    /// The cell was written, then published with Release, and the caller Acquire-loaded the
    /// publishing pointer; a published cell is never written again.
    #[inline]
    pub(crate) unsafe fn read(&self) -> T {
        // SAFETY: initialised and not concurrently written, guaranteed by the caller.
        unsafe { (*self.0.get()).assume_init() }
    }
}

/// Under loom: the value lives in a tracked cell.
#[cfg(loom)]
pub(crate) struct Published<T>(loom::cell::UnsafeCell<std::mem::MaybeUninit<T>>);

#[cfg(loom)]
impl<T: Copy> Published<T> {
    /// An unwritten cell.
    pub(crate) fn uninit() -> Self {
        Self(loom::cell::UnsafeCell::new(std::mem::MaybeUninit::uninit()))
    }

    /// Writes the value (see the non-loom version for the contract).
    pub(crate) unsafe fn write(&self, value: T) {
        // SAFETY: exclusive access, guaranteed by the caller; loom checks it.
        self.0.with_mut(|cell| unsafe { (*cell).write(value) });
    }

    /// Reads the value (see the non-loom version for the contract).
    pub(crate) unsafe fn read(&self) -> T {
        // SAFETY: written and published before, guaranteed by the caller; loom checks that the
        // read happens-after the write.
        self.0.with(|cell| unsafe { (*cell).assume_init() })
    }
}
