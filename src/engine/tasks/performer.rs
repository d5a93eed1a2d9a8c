//! One writer operation performed as an async task: the same state machine as the threaded
//! engine's [`crate::engine::operation::Performer`], with store calls awaited instead of made,
//! so thousands of writers share a few threads while their calls cross the network.
//!
//! The run's end and a stop request cut every operation, as in the threaded engine: no call is
//! sent at or after the end, no wait ending after it is begun, and a call in flight when either
//! comes is abandoned (an append then counts as an unknown outcome; the audit allows for it).
//! A store call that fails on the way (a lost connection, a call timeout) is a failed read
//! ([`Input::ReadFailed`]) or, for an append, a timeout ([`Input::TimedOut`]): the append may
//! have been stored, and the writer reads back before it decides anything.

use std::future::Future;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use rand::Rng;
use tokio::sync::watch;

use super::timer::{Sleep, Timer};
use crate::clock::Nanos;
use crate::engine::assemble::LatencySinks;
use crate::engine::store_call::{Injected, replayed};
use crate::metrics::recorder::Recorder;
use crate::metrics::shared_histogram::SampleBatch;
use crate::rng::WriterRng;
use crate::store::{AsyncEventStore, SaveError};
use crate::workload::protocol::{Action, Input, OpEnd, Writer};

/// Waits shorter than this yield until due instead of parking on the timer, whose wake-up
/// (the timer thread's, then a worker's) takes about 40–60 µs here.
pub(crate) const SHORT_WAIT_NS: Nanos = 50_000;

/// How performing one operation ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Performed {
    /// The operation ended as the protocol says, at this time.
    Done(OpEnd, Nanos),
    /// The run's end or a stop request cut it; it was counted unfinished.
    Cut(Nanos),
}

/// What ended a wait or a call early.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Interrupted {
    /// The run's end, at this time.
    End(Nanos),
    /// A stop request, noticed at this time.
    Stop(Nanos),
}

impl Interrupted {
    pub(crate) fn at(self) -> Nanos {
        match self {
            Interrupted::End(t) | Interrupted::Stop(t) => t,
        }
    }
}

/// What every writer task shares, read-only.
pub(crate) struct TaskContext<S> {
    pub(crate) store: Arc<S>,
    pub(crate) timer: Timer,
    pub(crate) injected: Injected,
    pub(crate) end_ns: Nanos,
    /// The run's stop flag (Ctrl-C), read before every operation and call; the watch channel
    /// only wakes tasks that are waiting.
    pub(crate) stop: Option<Arc<AtomicBool>>,
    /// Where writers send their latencies.
    pub(crate) sinks: LatencySinks,
}

/// Performs one writer's operations against an [`AsyncEventStore`].
pub(crate) struct AsyncPerformer<'c, S> {
    cx: &'c TaskContext<S>,
    stop: watch::Receiver<bool>,
    /// The run's end, one timer entry for every call the writer sends (a fresh wait per call
    /// would leave an entry in the timer's heap for each until the end).
    end: Sleep<'c>,
    rng: WriterRng,
    /// How late each wait returned (ns), sent to the run's histogram in batches.
    overshoot: SampleBatch,
}

impl<'c, S: AsyncEventStore> AsyncPerformer<'c, S> {
    pub(crate) fn new(
        cx: &'c TaskContext<S>,
        stop: watch::Receiver<bool>,
        rng: WriterRng,
        overshoot: SampleBatch,
    ) -> Self {
        Self {
            cx,
            stop,
            end: cx.timer.sleep_until(cx.end_ns),
            rng,
            overshoot,
        }
    }

    /// The engine's random stream for this writer (crash draws come from it too).
    pub(crate) fn rng(&mut self) -> &mut WriterRng {
        &mut self.rng
    }

    /// The time now.
    pub(crate) fn now(&self) -> Nanos {
        self.cx.timer.clock().now()
    }

    /// True once a stop was requested.
    pub(crate) fn stop_requested(&self) -> bool {
        self.cx
            .stop
            .as_ref()
            .is_some_and(|s| s.load(Ordering::Relaxed))
    }

    /// Waits until `at`, unless the run ends or a stop comes first: on the engine's timer, or,
    /// for a wait shorter than [`SHORT_WAIT_NS`] (less than the timer's wake-up takes), by
    /// yielding to other tasks until the clock reads `at`. A short wait costs its own length
    /// in CPU, never more, so thousands of writers with millisecond waits spin not at all.
    pub(crate) async fn wait_until(&mut self, at: Nanos) -> Result<Nanos, Interrupted> {
        if at >= self.cx.end_ns {
            return Err(Interrupted::End(self.cx.end_ns));
        }
        let timer = &self.cx.timer;
        let clock = timer.clock();
        if at.saturating_sub(clock.now()) < SHORT_WAIT_NS {
            loop {
                let now = clock.now();
                if now >= at {
                    self.overshoot.record((now - at).max(1));
                    return Ok(now);
                }
                if self.stop_requested() {
                    return Err(Interrupted::Stop(now));
                }
                tokio::task::yield_now().await;
            }
        }
        let stopped = self.stop.wait_for(|s| *s);
        tokio::select! {
            biased;
            _ = stopped => Err(Interrupted::Stop(clock.now())),
            now = timer.sleep_until(at) => {
                self.overshoot.record((now - at).max(1));
                Ok(now)
            }
        }
    }

    /// Awaits `call` unless the run ends or a stop comes first.
    async fn until_cut<T>(&mut self, call: impl Future<Output = T>) -> Result<T, Interrupted> {
        let clock = self.cx.timer.clock();
        let end = self.cx.end_ns;
        let stopped = self.stop.wait_for(|s| *s);
        tokio::select! {
            biased;
            _ = stopped => Err(Interrupted::Stop(clock.now())),
            out = call => Ok(out),
            _ = &mut self.end, if end != Nanos::MAX => Err(Interrupted::End(end)),
        }
    }

    /// Performs `writer`'s next operation, meant to start at `intended` (the time is `now`).
    pub(crate) async fn perform(
        &mut self,
        writer: &mut Writer,
        rec: &mut Recorder,
        intended: Nanos,
        mut now: Nanos,
    ) -> Performed {
        let mut action = writer.begin(intended, now, rec);
        loop {
            let input = match action {
                Action::Done(end) => return Performed::Done(end, now),
                Action::Wait(0) => Input::Waited,
                Action::Wait(ns) => match self.wait_until(now.saturating_add(ns)).await {
                    Ok(t) => {
                        now = t;
                        Input::Waited
                    }
                    Err(cut) => return abandon(writer, rec, cut, false),
                },
                call => {
                    if now >= self.cx.end_ns || self.stop_requested() {
                        return abandon(
                            writer,
                            rec,
                            Interrupted::End(now.min(self.cx.end_ns)),
                            false,
                        );
                    }
                    if !self.cx.injected.no_latency() {
                        let request = self.cx.injected.leg(&mut self.rng);
                        if let Err(cut) = self.wait_until(now.saturating_add(request)).await {
                            return abandon(writer, rec, cut, false);
                        }
                    }
                    let input = match self.call(call).await {
                        Ok(input) => input,
                        // The call was sent; its answer never came.
                        Err(cut) => return abandon(writer, rec, cut, true),
                    };
                    now = self.now();
                    if !self.cx.injected.no_latency() {
                        let response = self.cx.injected.leg(&mut self.rng);
                        match self.wait_until(now.saturating_add(response)).await {
                            Ok(t) => now = t,
                            Err(cut) => return abandon(writer, rec, cut, true),
                        }
                    }
                    input
                }
            };
            action = writer.resume(input, now, rec);
        }
    }

    /// Sends store call `action` and returns what the writer observes.
    async fn call(&mut self, action: Action) -> Result<Input, Interrupted> {
        // A store that answers without waiting (in memory) would let a writer keep its worker
        // thread for ever: every call spends a unit of tokio's cooperative budget, and a task
        // out of budget yields, so writers take turns as threads would.
        tokio::task::consume_budget().await;
        let store = Arc::clone(&self.cx.store);
        match action {
            Action::ReadVersion(actor) => {
                let read = self.until_cut(store.latest_version(actor)).await?;
                Ok(read.map_or(Input::ReadFailed, Input::Version))
            }
            Action::ReadEvents { actor, from } => {
                let read = self.until_cut(store.events(actor, from)).await?;
                Ok(read.map_or(Input::ReadFailed, |events| replayed(&events)))
            }
            Action::ReadEventAt { actor, version } => {
                let read = self
                    .until_cut(async {
                        let event = store.event_at(actor, version).await?;
                        let latest = store.latest_version(actor).await?;
                        Ok::<_, S::Error>(Input::EventAt { event, latest })
                    })
                    .await?;
                Ok(read.unwrap_or(Input::ReadFailed))
            }
            Action::Save(event) => {
                let p = self.cx.injected.fault_probability;
                if p > 0.0 && self.rng.random::<f64>() < p {
                    // An injected fault never reaches the store: nothing was stored.
                    return Ok(Input::Saved(Err(SaveError::Unavailable)));
                }
                Ok(match self.until_cut(store.save(event)).await? {
                    // The store's own failure on the way: the append may have landed.
                    Err(SaveError::Unavailable) => Input::TimedOut,
                    result => Input::Saved(result),
                })
            }
            Action::Wait(_) | Action::Done(_) => {
                unreachable!("only store calls are sent, not {action:?}")
            }
        }
    }
}

fn abandon(
    writer: &mut Writer,
    rec: &mut Recorder,
    cut: Interrupted,
    call_sent: bool,
) -> Performed {
    writer.abandon(rec, call_sent);
    Performed::Cut(cut.at())
}
