//! The async engine's timer: one thread that wakes writer tasks when their waits end.
//!
//! tokio's own timer ticks once a millisecond, so a 200 µs think time would take a whole
//! millisecond and every sub-millisecond policy delay would be rounded up: the async engine
//! would measure the timer, not the policy. This timer keeps the deadlines in a heap and parks
//! its one thread until the nearest. A parked thread's timeout is normally rounded up by the
//! kernel's timer slack (50 µs by default on Linux, which is most of why a `sleep` there
//! overshoots by 55–72 µs; see `reference/limits.md`), so the timer thread sets its own slack to
//! 1 ns and wakes within microseconds. It never spins: spinning waits would cost a core per
//! few thousand waits a second (4,000 writers with 20 ms think times spun 2 cores away), and on
//! a 2-core machine a spinning thread takes a core from the database server being measured.
//! Every wait's overshoot is recorded by the caller, so a run shows how faithful its delays were.

use std::cmp::Reverse;
use std::collections::BinaryHeap;
use std::future::Future;
use std::pin::Pin;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::task::{Context, Poll, Waker};
use std::thread::JoinHandle;
use std::time::Duration;

use crate::clock::{MonotonicClock, Nanos};

/// A deadline waiting in the heap.
struct Due {
    at: Nanos,
    /// Breaks ties, so the heap never compares wakers.
    seq: u64,
    waker: Waker,
}

impl PartialEq for Due {
    fn eq(&self, other: &Self) -> bool {
        (self.at, self.seq) == (other.at, other.seq)
    }
}
impl Eq for Due {}
impl PartialOrd for Due {
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}
impl Ord for Due {
    fn cmp(&self, other: &Self) -> std::cmp::Ordering {
        (self.at, self.seq).cmp(&(other.at, other.seq))
    }
}

struct Heap {
    due: BinaryHeap<Reverse<Due>>,
    seq: u64,
}

struct Shared {
    clock: MonotonicClock,
    heap: Mutex<Heap>,
    closed: AtomicBool,
}

/// The timer thread and its heap of deadlines; stops when dropped.
pub(crate) struct Timer {
    shared: Arc<Shared>,
    thread: Option<JoinHandle<()>>,
}

impl std::fmt::Debug for Timer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Timer").finish_non_exhaustive()
    }
}

impl Timer {
    /// Starts the timer thread on `clock`.
    ///
    /// # Errors
    ///
    /// When the operating system refuses the thread.
    pub(crate) fn start(clock: MonotonicClock) -> std::io::Result<Self> {
        let shared = Arc::new(Shared {
            clock,
            heap: Mutex::new(Heap {
                due: BinaryHeap::new(),
                seq: 0,
            }),
            closed: AtomicBool::new(false),
        });
        let run = Arc::clone(&shared);
        let thread = std::thread::Builder::new()
            .name("retrylab-timer".into())
            .spawn(move || {
                precise_timer_slack();
                run.wake_when_due();
            })?;
        Ok(Self {
            shared,
            thread: Some(thread),
        })
    }

    /// A future that is ready once the clock reads `at` or later.
    pub(crate) fn sleep_until(&self, at: Nanos) -> Sleep<'_> {
        Sleep {
            timer: self,
            at,
            registered: false,
        }
    }

    /// The clock the deadlines are on.
    pub(crate) fn clock(&self) -> MonotonicClock {
        self.shared.clock
    }

    fn register(&self, at: Nanos, waker: Waker) {
        let mut heap = self
            .shared
            .heap
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        let sooner = heap.due.peek().is_none_or(|Reverse(d)| at < d.at);
        heap.seq += 1;
        let seq = heap.seq;
        heap.due.push(Reverse(Due { at, seq, waker }));
        drop(heap);
        if sooner {
            if let Some(t) = &self.thread {
                t.thread().unpark();
            }
        }
    }
}

/// Asks the kernel not to round this thread's timeouts up (Linux's default slack is 50 µs).
/// Elsewhere the OS's own precision stands; the overshoot histogram shows it.
fn precise_timer_slack() {
    #[cfg(target_os = "linux")]
    // SAFETY: PR_SET_TIMERSLACK takes one integer argument and only changes this thread's
    // timer slack; it touches no memory of ours.
    unsafe {
        let _ = libc::prctl(libc::PR_SET_TIMERSLACK, 1 as libc::c_ulong, 0, 0, 0);
    }
}

impl Drop for Timer {
    fn drop(&mut self) {
        self.shared.closed.store(true, Ordering::Release);
        if let Some(t) = self.thread.take() {
            t.thread().unpark();
            let _ = t.join();
        }
    }
}

impl Shared {
    /// The timer thread: wakes every task whose deadline passed, then parks until the next.
    fn wake_when_due(&self) {
        /// Longest park with nothing due, so a closed timer is noticed.
        const IDLE_PARK: Duration = Duration::from_millis(50);
        while !self.closed.load(Ordering::Acquire) {
            let now = self.clock.now();
            let mut ready = Vec::new();
            let next = {
                let mut heap = self.heap.lock().unwrap_or_else(PoisonError::into_inner);
                while heap.due.peek().is_some_and(|Reverse(d)| d.at <= now) {
                    if let Some(Reverse(d)) = heap.due.pop() {
                        ready.push(d.waker);
                    }
                }
                heap.due.peek().map(|Reverse(d)| d.at)
            };
            for waker in ready {
                waker.wake();
            }
            match next {
                Some(at) => std::thread::park_timeout(Duration::from_nanos(at - now)),
                None => std::thread::park_timeout(IDLE_PARK),
            }
        }
    }
}

/// A wait for a deadline on the [`Timer`].
pub(crate) struct Sleep<'t> {
    timer: &'t Timer,
    at: Nanos,
    registered: bool,
}

impl std::fmt::Debug for Sleep<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Sleep").field("at", &self.at).finish()
    }
}

impl Future for Sleep<'_> {
    type Output = Nanos;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Nanos> {
        let now = self.timer.clock().now();
        if now >= self.at {
            return Poll::Ready(now);
        }
        // A task's waker stays valid across its polls, so one entry per wait is enough; an
        // entry left by a wait that was cut only wakes its task once more, harmlessly.
        if !self.registered {
            self.registered = true;
            self.timer.register(self.at, cx.waker().clone());
        }
        Poll::Pending
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::clock::MILLIS;

    #[test]
    fn waits_end_at_or_after_their_deadline_in_deadline_order() {
        let timer = Timer::start(MonotonicClock::start()).unwrap();
        let rt = tokio::runtime::Builder::new_current_thread()
            .build()
            .unwrap();
        let ends = rt.block_on(async {
            let t = &timer;
            let start = t.clock().now();
            let (a, b, c) = tokio::join!(
                t.sleep_until(start + 3 * MILLIS),
                t.sleep_until(start + MILLIS),
                t.sleep_until(start + 2 * MILLIS),
            );
            (start, a, b, c)
        });
        let (start, a, b, c) = ends;
        assert!(b >= start + MILLIS && c >= start + 2 * MILLIS && a >= start + 3 * MILLIS);
        assert!(b <= c && c <= a, "{b} {c} {a}");
        // A wait in the past is ready at once.
        let now = rt.block_on(timer.sleep_until(0));
        assert!(now >= a);
    }
}
