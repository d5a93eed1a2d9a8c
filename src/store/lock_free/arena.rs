//! Where events live: store-owned blocks of event cells, handed out to threads as bump
//! allocators, so an append costs no heap allocation of its own.
//!
//! Each thread keeps a small cache of *cursors* (store id, block, next free cell). An append
//! writes its event into the thread's next free cell of the store's block, then calls the
//! publishing compare-and-swap with the cell's address; the cursor moves on only if that CAS
//! succeeded. A cell is therefore either published (reachable from one slot, never written
//! again) or private to the one thread whose cursor points at it: a lost CAS leaves the cell
//! unseen, and the thread's next append simply overwrites it.
//!
//! Every store gets an id from a global counter that never repeats, and a cursor is used only by
//! the store whose id it carries. A cursor left over from a dropped store (its block freed) or
//! from another store is therefore never dereferenced: the thread takes a fresh block instead.
//! Blocks are registered on a lock-free list (a push-only Treiber stack) and freed together when
//! the store drops; `Event` is `Copy`, so freeing a block is all the cleanup there is.
//!
//! Memory: at most one partly used block per thread and cache way; a thread that interleaves
//! appends to more stores than the cache has ways (`CACHE_WAYS`, direct-mapped by store id) or
//! that appends while its thread-locals are being destroyed wastes the unused tail of a block
//! each time it has to take a new one.
//!
//! Under `--cfg loom` there is no thread-local cache: every publication takes a fresh one-cell
//! block (still registered on the list), so the model sees the cell's write, the list push and
//! the publishing CAS, but not the cursor bookkeeping, which is thread-private.
//!
//! Invariant the `unsafe` below relies on: a registered block is live and its `next` field
//! fixed until the arena drops; a cursor whose id equals this arena's points into one of its
//! registered blocks, at a cell no other thread can reach.

use std::ptr;

use crate::store::Event;
use crate::sync::{AtomicPtr, Ordering, Published};

/// The cell a slot points to once its event is published.
pub(super) type EventCell = Published<Event>;

/// Cells per block: 256 × 40 bytes, about 10 KiB, so the allocator runs once per 256 appends
/// and a thread's unused tail stays small.
#[cfg(not(loom))]
const BLOCK_EVENTS: usize = 256;
#[cfg(loom)]
const BLOCK_EVENTS: usize = 1;

/// One store-owned run of event cells.
struct Block {
    /// The block registered before this one (null for the first): written before the
    /// registering CAS publishes the block, never after.
    next: *mut Block,
    cells: [EventCell; BLOCK_EVENTS],
}

impl Block {
    /// A fresh, unregistered block of unwritten cells.
    fn new() -> Box<Self> {
        Box::new(Self {
            next: ptr::null_mut(),
            cells: std::array::from_fn(|_| EventCell::uninit()),
        })
    }
}

/// The event blocks of one store.
pub(super) struct Arena {
    /// This store's id, never given to another store (0 is never given).
    #[cfg(not(loom))]
    id: u64,
    /// The most recently registered block; each block links to the one before.
    blocks: AtomicPtr<Block>,
}

impl Arena {
    /// An empty arena with a fresh id.
    pub(super) fn new() -> Self {
        Self {
            #[cfg(not(loom))]
            id: cursors::next_arena_id(),
            blocks: AtomicPtr::new(ptr::null_mut()),
        }
    }

    /// Allocates a block and registers it (a Treiber push), so that Drop frees it.
    fn new_block(&self) -> *mut Block {
        let block = Box::into_raw(Block::new());
        // Acquire: the head's `next` (written before its push) is visible, so a later walk that
        // Acquires our push sees the whole chain.
        let mut head = self.blocks.load(Ordering::Acquire);
        loop {
            // SAFETY: `block` is not registered yet: this thread is its only owner.
            unsafe { (*block).next = head };
            // Release publishes `next` (and the cells' initial state) with the block.
            match self.blocks.compare_exchange_weak(
                head,
                block,
                Ordering::AcqRel,
                Ordering::Acquire,
            ) {
                Ok(_) => return block,
                Err(current) => head = current,
            }
        }
    }

    /// Writes `event` into a cell only this thread can reach and calls `publish` with the
    /// cell's address; `publish` returns whether it made the cell reachable (its CAS won). A
    /// published cell is used up; an unpublished one is reused by this thread's next call.
    /// Returns what `publish` returned.
    #[inline]
    pub(super) fn publish(&self, event: Event, publish: impl Fn(*mut EventCell) -> bool) -> bool {
        #[cfg(not(loom))]
        {
            let cached = cursors::with_cursor(self.id, |cursor| {
                if cursor.is_spent() {
                    *cursor = Cursor::fresh(self.id, self.new_block());
                }
                let cell = cursor.cell();
                // SAFETY: the cursor carries this arena's id, so `cell` is an unpublished cell
                // of one of our live blocks that only this thread's cursor reaches (module docs).
                unsafe { (*cell).write(event) };
                let published = publish(cell);
                if published {
                    // The cell is reachable now: move on.
                    cursor.next += 1;
                }
                published
            });
            // `None`: thread-locals unavailable (the thread is exiting): a block of its own.
            cached.unwrap_or_else(|| self.publish_in_fresh_block(event, publish))
        }
        #[cfg(loom)]
        {
            self.publish_in_fresh_block(event, publish)
        }
    }

    /// `publish` without a cursor: the event goes into the first cell of a fresh block.
    fn publish_in_fresh_block(
        &self,
        event: Event,
        publish: impl Fn(*mut EventCell) -> bool,
    ) -> bool {
        let block = self.new_block();
        // SAFETY: the block is registered but no cursor points at it and no slot at its cells:
        // only this thread can reach its first cell.
        let cell = unsafe { ptr::addr_of_mut!((*block).cells[0]) };
        // SAFETY: as above, the cell is private to this thread until `publish` publishes it.
        unsafe { (*cell).write(event) };
        publish(cell)
    }

    /// Heap bytes of the registered blocks.
    pub(super) fn heap_bytes(&self) -> usize {
        let mut bytes = 0;
        let mut block = self.blocks.load(Ordering::Acquire);
        while !block.is_null() {
            bytes += std::mem::size_of::<Block>();
            // SAFETY: registered blocks live until Drop and their `next` never changes after
            // registration (the Acquire chain in `new_block` makes it visible).
            block = unsafe { (*block).next };
        }
        bytes
    }
}

impl Drop for Arena {
    fn drop(&mut self) {
        let mut block = self.blocks.load(Ordering::Acquire);
        while !block.is_null() {
            // SAFETY: `&mut self`: no thread can publish through this arena any more (the
            // store is being dropped, so no slot will be read), and a registered block came
            // from `Box::into_raw` in `new_block` and is freed only here, once.
            let owned = unsafe { Box::from_raw(block) };
            block = owned.next;
        }
    }
}

#[cfg(not(loom))]
use cursors::Cursor;

/// The per-thread cursors (not under loom).
#[cfg(not(loom))]
mod cursors {
    use std::cell::Cell;
    use std::ptr;
    use std::sync::atomic::{AtomicU64, Ordering};

    use super::{BLOCK_EVENTS, Block, EventCell};

    /// Cursors per thread, picked by store id (direct-mapped): a thread can alternate between
    /// this many live stores without wasting blocks.
    pub(super) const CACHE_WAYS: usize = 4;

    /// The next store id. A plain std atomic: ids are not part of the append protocol.
    static NEXT_ID: AtomicU64 = AtomicU64::new(1);

    /// A fresh store id, never returned before (a 64-bit counter does not wrap).
    pub(super) fn next_arena_id() -> u64 {
        NEXT_ID.fetch_add(1, Ordering::Relaxed)
    }

    /// One thread's position in one store's block.
    #[derive(Clone, Copy)]
    pub(super) struct Cursor {
        arena: u64,
        block: *mut Block,
        pub(super) next: usize,
    }

    impl Cursor {
        const EMPTY: Self = Self {
            arena: 0,
            block: ptr::null_mut(),
            next: BLOCK_EVENTS,
        };

        /// A cursor at the first cell of `block`, a block of store `arena`.
        pub(super) fn fresh(arena: u64, block: *mut Block) -> Self {
            Self {
                arena,
                block,
                next: 0,
            }
        }

        /// Whether the block is used up (or there is none).
        pub(super) fn is_spent(&self) -> bool {
            self.next == BLOCK_EVENTS
        }

        /// The address of the next free cell (`!is_spent()`).
        pub(super) fn cell(&self) -> *mut EventCell {
            debug_assert!(!self.is_spent());
            // SAFETY: `block` is live (it belongs to the store the caller holds, see
            // `with_cursor`) and `next < BLOCK_EVENTS`; only an address is computed.
            unsafe { ptr::addr_of_mut!((*self.block).cells[self.next]) }
        }
    }

    thread_local! {
        static CURSORS: [Cell<Cursor>; CACHE_WAYS] =
            const { [const { Cell::new(Cursor::EMPTY) }; CACHE_WAYS] };
    }

    /// Runs `f` on this thread's cursor for store `arena`: a spent one if the way held another
    /// store's (whose block is then never touched again). `None` if the thread-locals are gone.
    #[inline]
    pub(super) fn with_cursor<R>(arena: u64, f: impl FnOnce(&mut Cursor) -> R) -> Option<R> {
        CURSORS
            .try_with(|cursors| {
                let way = &cursors[arena as usize % CACHE_WAYS];
                let mut cursor = way.get();
                if cursor.arena != arena {
                    cursor = Cursor {
                        arena,
                        ..Cursor::EMPTY
                    };
                }
                let result = f(&mut cursor);
                way.set(cursor);
                result
            })
            .ok()
    }
}

#[cfg(all(test, not(loom)))]
mod tests {
    use super::*;
    use crate::store::{EventStore, LockFreeStore, ShardCount};

    fn event(actor: u64, version: u64) -> Event {
        Event {
            actor,
            version,
            event_type: 0,
            payload: actor * 1_000 + version,
            timestamp_ns: 0,
        }
    }

    #[test]
    fn a_lost_publication_leaves_its_cell_for_the_next_and_a_won_one_moves_on() {
        let arena = Arena::new();
        let lost = std::cell::Cell::new(ptr::null_mut());
        assert!(!arena.publish(event(1, 1), |cell| {
            lost.set(cell);
            false
        }));
        let won = std::cell::Cell::new(ptr::null_mut());
        assert!(arena.publish(event(1, 2), |cell| {
            won.set(cell);
            true
        }));
        assert_eq!(won.get(), lost.get(), "an unpublished cell is reused");
        // SAFETY: published above (by this thread: no other thread to synchronise with).
        assert_eq!(unsafe { (*won.get()).read() }, event(1, 2));
        let next = std::cell::Cell::new(ptr::null_mut());
        assert!(arena.publish(event(1, 3), |cell| {
            next.set(cell);
            true
        }));
        assert_ne!(
            next.get(),
            won.get(),
            "a published cell is never handed out again"
        );
        // SAFETY: as above.
        assert_eq!(unsafe { (*won.get()).read() }, event(1, 2));
    }

    #[test]
    fn a_thread_interleaving_many_stores_and_dropping_some_keeps_every_event() {
        // More stores than cache ways, appends interleaved one by one and past block
        // boundaries, with stores dropped and new ones created (fresh ids) on the way.
        let build = || LockFreeStore::with_shards(ShardCount::new(1).unwrap(), 4);
        let mut stores: Vec<LockFreeStore> =
            (0..cursors::CACHE_WAYS + 2).map(|_| build()).collect();
        let per_store = BLOCK_EVENTS as u64 + 40;
        for round in 0..3 {
            for version in 1..=per_store {
                for (actor, store) in stores.iter().enumerate() {
                    store.save(event(actor as u64, version)).unwrap();
                }
            }
            for (actor, store) in stores.iter().enumerate() {
                let actor = actor as u64;
                let expected: Vec<Event> = (1..=per_store).map(|v| event(actor, v)).collect();
                assert_eq!(store.events(actor, 1), expected, "round {round}");
            }
            // Drop half the stores and replace them: their cursors must never be followed.
            for store in stores.iter_mut().step_by(2) {
                *store = build();
            }
            for store in stores.iter_mut().skip(1).step_by(2) {
                *store = build();
            }
        }
    }
}
