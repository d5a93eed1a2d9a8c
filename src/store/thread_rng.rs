//! A fast per-thread random stream for the decorators, seeded from a store's seed.

use std::cell::Cell;
use std::sync::atomic::{AtomicU64, Ordering};

use crate::rng::mix64;

/// Hands each thread a distinct ordinal on its first draw (in order of first use).
static NEXT_THREAD: AtomicU64 = AtomicU64::new(0);

thread_local! {
    /// This thread's ordinal, and `(owner, state)` of the stream it last drew from.
    static ORDINAL: u64 = NEXT_THREAD.fetch_add(1, Ordering::Relaxed);
    static STREAM: Cell<Option<(u64, u64)>> = const { Cell::new(None) };
    static RESEEDS: Cell<u64> = const { Cell::new(0) };
}

/// The next random `u64` of this thread's stream for the decorator identified by `owner`
/// (a per-instance id) seeded with `seed`. SplitMix64: a counter and a mixer, a few ns.
///
/// Each thread's stream is derived from the seed and the thread's ordinal. A thread that
/// alternates between two decorators reseeds on each switch (mixing in a reseed counter, so no
/// sequence repeats); the harness gives each decorator its own threads, so this is rare.
pub(crate) fn next_u64(owner: u64, seed: u64) -> u64 {
    STREAM.with(|stream| {
        let state = match stream.get() {
            Some((o, state)) if o == owner => state,
            _ => {
                let reseeds = RESEEDS.with(|r| {
                    r.set(r.get() + 1);
                    r.get()
                });
                mix64(seed ^ mix64(ORDINAL.with(|o| *o) ^ mix64(reseeds)))
            }
        };
        let state = state.wrapping_add(0x9E37_79B9_7F4A_7C15);
        stream.set(Some((owner, state)));
        mix64(state)
    })
}

/// A fresh decorator id, so two decorators never share a thread's stream.
pub(crate) fn new_owner() -> u64 {
    static NEXT_OWNER: AtomicU64 = AtomicU64::new(1);
    NEXT_OWNER.fetch_add(1, Ordering::Relaxed)
}
