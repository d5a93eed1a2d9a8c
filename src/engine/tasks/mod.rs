//! The async driver: one tokio task per writer, against an [`AsyncEventStore`], on the real
//! clock. The engine for stores across a network: a writer waiting on a round trip holds no
//! thread, so thousands of writers share the runtime's few.
//!
//! Each task owns its [`Writer`], its [`Recorder`], its random streams and its schedule (the
//! shell's [`Schedule`]), exactly as a writer thread does; waits go through the engine's own
//! [`timer::Timer`] (tokio's ticks once a millisecond). Tasks start together when the gate
//! opens; a stop request (Ctrl-C) reaches every wait and every call in flight through one
//! watch channel. A crash drawn by fault injection retires the writer, as in the simulator:
//! a task has no thread of its own to lose.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use tokio::sync::watch;

use self::performer::{AsyncPerformer, Performed, TaskContext};
use self::timer::Timer;
use super::assemble::{DriverReport, LatencySinks, WriterOutcome, WriterTally};
use super::plan::{RunPlan, WriterSetup};
use super::schedule::Schedule;
use super::store_call::Injected;
use super::{EngineError, RunOptions};
use crate::clock::{MILLIS, MonotonicClock};
use crate::metrics::recorder::Recorder;
use crate::store::AsyncEventStore;

mod performer;
pub(crate) mod session;
pub(crate) mod timer;

/// The most writer tasks one run may start (each keeps its own recorder: counters, time series
/// and latency batches, a few KB); beyond it, use
/// `--engine sim`. Checked at validation.
pub const MAX_WRITER_TASKS: u64 = 16_384;

/// How often the stop flag (set by a Ctrl-C handler) is looked at.
const STOP_POLL_MS: u64 = 10;

/// One writer, ready to run as a task.
struct TaskWriter {
    setup: WriterSetup,
    schedule: Schedule,
    crash_probability: f64,
    recorder: Recorder,
}

/// Drives `plan`'s writers as tasks on the current tokio runtime, against `store`.
///
/// # Errors
///
/// [`EngineError::Spawn`] when the timer thread cannot be started.
pub(crate) async fn drive<S: AsyncEventStore + 'static>(
    plan: &RunPlan<'_>,
    store: Arc<S>,
    opts: &RunOptions,
) -> Result<DriverReport, EngineError> {
    let clock = MonotonicClock::start();
    let timer = Timer::start(clock).map_err(|source| EngineError::Spawn { source })?;
    let cx = Arc::new(TaskContext {
        store,
        timer,
        injected: Injected::of(&plan.scenario.store),
        end_ns: plan.end_ns,
        stop: opts.stop.clone(),
        sinks: LatencySinks::of(plan),
    });
    let (stop_tx, stop_rx) = watch::channel(false);
    let (go_tx, go_rx) = watch::channel(false);
    let mut tasks = Vec::with_capacity(plan.scenario.total_writers() as usize);
    for mut setup in plan.writers() {
        let pool = &plan.pools[setup.pool as usize];
        let task = TaskWriter {
            schedule: Schedule::new(pool, setup.writer.rng()),
            crash_probability: pool.crash_probability,
            recorder: cx.sinks.recorder(plan, setup.pool),
            setup,
        };
        let (cx, stop, mut go) = (Arc::clone(&cx), stop_rx.clone(), go_rx.clone());
        tasks.push(tokio::spawn(async move {
            // Every writer starts when the gate opens; a closed gate is an aborted run.
            let opened = go.wait_for(|g| *g).await.is_ok();
            writer_task(&cx, stop, task, opened).await
        }));
    }
    let watcher = tokio::spawn(watch_stop(opts.stop.clone(), stop_tx));
    let bar = super::threads::progress_bar(opts, plan);
    let ticker = bar.clone().map(|bar| {
        tokio::spawn(async move {
            loop {
                tokio::time::sleep(std::time::Duration::from_millis(50)).await;
                bar.set_position(clock.now() / MILLIS);
            }
        })
    });
    let _ = go_tx.send(true);
    let mut outcomes = Vec::with_capacity(tasks.len());
    for task in tasks {
        match task.await {
            Ok(outcome) => outcomes.push(outcome),
            // A task that panicked (a bug, not an injected crash) takes its recordings with
            // it; the audit then shows its acknowledged appends as unaccounted for.
            Err(e) => tracing::error!("a writer task failed: {e}"),
        }
    }
    watcher.abort();
    if let Some(t) = ticker {
        t.abort();
    }
    if let Some(bar) = bar {
        bar.finish_and_clear();
    }
    Ok(DriverReport::of_writers(plan, outcomes, &cx.sinks))
}

/// Raises the watch flag once the run's stop flag is set (Ctrl-C).
async fn watch_stop(stop: Option<Arc<AtomicBool>>, tx: watch::Sender<bool>) {
    let Some(stop) = stop else {
        // Nothing can ask for a stop; keep the sender alive until aborted.
        std::future::pending::<()>().await;
        return;
    };
    while !stop.load(Ordering::Relaxed) {
        tokio::time::sleep(std::time::Duration::from_millis(STOP_POLL_MS)).await;
    }
    let _ = tx.send(true);
    std::future::pending::<()>().await;
}

/// One writer's operation loop: the threaded engine's, with every wait and call awaited.
async fn writer_task<S: AsyncEventStore>(
    cx: &TaskContext<S>,
    stop: watch::Receiver<bool>,
    task: TaskWriter,
    opened: bool,
) -> WriterOutcome {
    let TaskWriter {
        setup,
        mut schedule,
        crash_probability,
        mut recorder,
    } = task;
    let WriterSetup {
        pool,
        mut writer,
        engine_rng,
    } = setup;
    let mut performer = AsyncPerformer::new(cx, stop, engine_rng, cx.sinks.overshoot.batch());
    let end = cx.end_ns;
    let mut now = performer.now();
    let (mut finished_ns, mut stopped, mut crashed) = (now, false, false);
    let mut due = if opened { schedule.first(end) } else { None };
    while let Some(at) = due {
        if at > now {
            match performer.wait_until(at).await {
                Ok(t) => now = t,
                Err(cut) => {
                    finished_ns = cut.at();
                    stopped = performer.stop_requested();
                    break;
                }
            }
        }
        if performer.stop_requested() {
            (finished_ns, stopped) = (now, true);
            break;
        }
        if now >= end {
            finished_ns = end;
            break;
        }
        if crash_probability > 0.0 && rand::Rng::random::<f64>(performer.rng()) < crash_probability
        {
            (finished_ns, crashed) = (now, true);
            break;
        }
        let intended = schedule.intended(at, now);
        match performer
            .perform(&mut writer, &mut recorder, intended, now)
            .await
        {
            Performed::Done(op_end, t) => {
                now = t;
                finished_ns = t;
                due = schedule.after(op_end, now, end, writer.rng());
            }
            Performed::Cut(t) => {
                finished_ns = t;
                stopped = performer.stop_requested();
                break;
            }
        }
    }
    WriterOutcome {
        tally: WriterTally::of(&writer, pool, crashed, finished_ns),
        recorder,
        stopped,
    }
}
