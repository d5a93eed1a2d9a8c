//! Is the harness the bottleneck against PostgreSQL? The async engine's loop against a bare
//! client loop of the same appends, on the same server, at 16 writers, in alternating rounds.
//!
//! - **bare:** 16 tokio tasks on a multi-threaded runtime with the engine's worker count
//!   (`available_parallelism`), each repeating `latest_version(actor)` then
//!   `save(version + 1)` on a [`PostgresStore`] (a conflict re-reads and tries again), counting
//!   the commits of operations started after the warm-up and finished before the end.
//! - **engine:** the same load as a scenario, through `engine::run(.., EngineKind::Async, ..)`:
//!   commits/s is `committed / measured_ns`.
//!
//! The same load in both: 16 writers, 16 connections, 10,000 actors with uniform keys (conflicts
//! are rare), no think time, `immediate` retries, a fresh schema per round (dropped after it),
//! the same warm-up and duration. Rounds alternate bare, engine, bare, engine, … so that drift
//! (the server's caches, a neighbour's build) meets both; each shape (`unique`, `head-row`)
//! reports the median commits/s of each loop (min–max) and the median of the per-round ratios
//! engine ÷ bare. Target: at least 0.95.
//!
//! Each round also reports the CPU it used, from `/proc`, over the round's wall time (opening,
//! migrating and dropping the schema included; the engine's read-back and audit too): this
//! process's (the client: the loop, tokio, tokio-postgres), the server's (every `postgres`
//! process) and everything else's, so a saturated machine, a greedier client and a neighbour's
//! build show up next to the figures. The client's µs per commit divides its CPU over the round
//! by the measured commits/s: an upper bound (the warm-up's commits and the round's set-up are
//! in the CPU, not in the commits), the same for both loops but for the engine's read-back.
//!
//! ```sh
//! RETRYLAB_PG_URL="$(bash ci/postgres.sh url)" cargo bench --features postgres --bench postgres_overhead
//! ```
//!
//! `RETRYLAB_PG_ROUNDS` (default 10) and `RETRYLAB_PG_SECONDS` (default 3) change the rounds per
//! loop and the measured seconds of each. Without `RETRYLAB_PG_URL` it prints a SKIPPED line and
//! exits 0, or 1 under `CI=1`. With `--test` (`cargo bench -- --test`) it runs one short round
//! of each loop per shape and checks that both committed and the engine's audit passed.

use std::process::ExitCode;
use std::sync::Arc;
use std::time::{Duration, Instant};

use rand::rngs::SmallRng;
use rand::{Rng, SeedableRng};
use retrylab::engine::{EngineKind, RunOptions};
use retrylab::store::postgres::{Keep, OccShape, PoolSize, PostgresSpec, PostgresStore, StoreUrl};
use retrylab::store::{AsyncEventStore, Event, SaveError, StoreChoice};
use retrylab::workload::scenario::{Scenario, StoreOverride};

const WRITERS: usize = 16;
const CONNECTIONS: u64 = 16;
const ACTORS: u64 = 10_000;
const SEED: u64 = 42;
/// More CPU than this (in cores) used by neither the client nor the server during a round is
/// a neighbour at work, and the round's figures are flagged.
const NEIGHBOUR_CORES: f64 = 0.1;

/// How long and how often.
#[derive(Clone, Copy, Debug)]
struct Plan {
    rounds: usize,
    warmup: Duration,
    duration: Duration,
    /// `--test`: one short round, checked rather than timed.
    smoke: bool,
}

/// One loop's figures for one round.
#[derive(Clone, Copy, Debug, Default)]
struct Round {
    committed: u64,
    attempts: u64,
    conflicts: u64,
    /// Failures that were not conflicts (the bare loop counts and retries them).
    errors: u64,
    measured: Duration,
    cpu: Cpu,
}

impl Round {
    fn commits_per_s(&self) -> f64 {
        self.committed as f64 / self.measured.as_secs_f64()
    }
}

/// CPU used over a round, in cores (1.0 = one core busy for the whole round).
#[derive(Clone, Copy, Debug, Default)]
struct Cpu {
    /// This process: the loop, tokio, tokio-postgres.
    client: f64,
    /// Every process named `postgres` (backends, WAL writer, checkpointer), exited backends
    /// included.
    server: f64,
    /// The rest of the machine's busy time: anything else running (a neighbour's build).
    other: f64,
}

/// CPU times so far, in clock ticks, from `/proc`; zeros where it cannot be read.
#[derive(Clone, Copy, Debug)]
struct CpuSample {
    at: Instant,
    process: u64,
    postgres: u64,
    busy: u64,
}

/// utime + stime (+ cutime + cstime with `children`) of one `/proc/<pid>/stat`, and its
/// command name.
fn proc_ticks(stat: &str, children: bool) -> Option<(&str, u64)> {
    let (head, rest) = stat.rsplit_once(')')?;
    let comm = head.split_once('(')?.1;
    // `rest` starts at field 3; utime, stime, cutime and cstime are fields 14 to 17.
    let f: Vec<u64> = rest
        .split_whitespace()
        .skip(11)
        .take(4)
        .filter_map(|x| x.parse().ok())
        .collect();
    let own = f.first()? + f.get(1)?;
    Some((
        comm,
        if children {
            own + f.get(2)? + f.get(3)?
        } else {
            own
        },
    ))
}

impl CpuSample {
    /// `USER_HZ`: the kernel reports times in 1/100 s on every Linux architecture retrylab runs on.
    const TICKS_PER_S: f64 = 100.0;

    fn now() -> Self {
        let process = std::fs::read_to_string("/proc/self/stat")
            .ok()
            .and_then(|s| proc_ticks(&s, false).map(|(_, t)| t))
            .unwrap_or(0);
        // A backend that exited during the round is in its parent's (the postmaster's)
        // children's times.
        let postgres = std::fs::read_dir("/proc")
            .into_iter()
            .flatten()
            .flatten()
            .filter_map(|e| std::fs::read_to_string(e.path().join("stat")).ok())
            .filter_map(|s| {
                proc_ticks(&s, true).and_then(|(comm, t)| (comm == "postgres").then_some(t))
            })
            .sum();
        let busy = std::fs::read_to_string("/proc/stat")
            .ok()
            .and_then(|s| {
                let line = s.lines().next()?;
                let v: Vec<u64> = line
                    .split_whitespace()
                    .skip(1)
                    .filter_map(|f| f.parse().ok())
                    .collect();
                // user nice system idle iowait irq softirq steal …: busy is all but idle and
                // iowait (guest time is already inside user).
                let total: u64 = v.iter().take(8).sum();
                Some(total - v.get(3)? - v.get(4)?)
            })
            .unwrap_or(0);
        Self {
            at: Instant::now(),
            process,
            postgres,
            busy,
        }
    }

    fn since(&self, start: &CpuSample) -> Cpu {
        let wall = (self.at - start.at).as_secs_f64();
        let cores = |ticks: u64| ticks as f64 / Self::TICKS_PER_S / wall;
        let client = cores(self.process.saturating_sub(start.process));
        let server = cores(self.postgres.saturating_sub(start.postgres));
        let machine = cores(self.busy.saturating_sub(start.busy));
        Cpu {
            client,
            server,
            other: (machine - client - server).max(0.0),
        }
    }
}

/// The engine's worker count (`engine/tasks/session.rs`): one per core.
fn worker_threads() -> usize {
    std::thread::available_parallelism().map_or(2, |n| n.get())
}

fn spec(url: &str, occ: OccShape) -> PostgresSpec {
    let mut spec = PostgresSpec::new(Some(StoreUrl::new(url)));
    spec.occ = occ;
    spec.pool_size = PoolSize::new(CONNECTIONS).expect("a valid pool size");
    spec
}

/// What one bare writer counted.
#[derive(Clone, Copy, Debug, Default)]
struct Tally {
    committed: u64,
    attempts: u64,
    conflicts: u64,
    errors: u64,
}

/// One bare writer: read the version, append the next, re-read on a conflict; nothing recorded
/// but four counters.
async fn bare_writer(
    store: Arc<PostgresStore>,
    writer: u64,
    mut rng: SmallRng,
    start: Instant,
    warmup: Duration,
    end: Duration,
) -> Tally {
    let mut tally = Tally::default();
    let mut seq = 0u64;
    'ops: loop {
        let began = start.elapsed();
        if began >= end {
            break;
        }
        let measured = began >= warmup;
        let actor = rng.random_range(0..ACTORS);
        loop {
            if start.elapsed() >= end {
                break 'ops;
            }
            let Ok(current) = store.latest_version(actor).await else {
                tally.errors += u64::from(measured);
                continue;
            };
            if start.elapsed() >= end {
                break 'ops;
            }
            seq += 1;
            let event = Event {
                actor,
                version: current + 1,
                event_type: 1,
                payload: (writer << 40) | seq,
                timestamp_ns: start.elapsed().as_nanos() as u64,
            };
            let saved = store.save(event).await;
            // An answer after the end is cut, as the engine cuts a call in flight.
            let late = start.elapsed() >= end;
            if measured && !late {
                tally.attempts += 1;
            }
            match saved {
                Ok(()) => {
                    if measured && !late {
                        tally.committed += 1;
                    }
                    continue 'ops;
                }
                Err(SaveError::Conflict(_)) => tally.conflicts += u64::from(measured && !late),
                Err(_) => tally.errors += u64::from(measured && !late),
            }
        }
    }
    tally
}

/// One round of the bare loop: open a fresh schema, run 16 writers, drop the schema.
fn bare_round(url: &str, occ: OccShape, plan: Plan, round: usize) -> Result<Round, String> {
    let cpu0 = CpuSample::now();
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(worker_threads())
        .thread_name("bare-async")
        .enable_all()
        .build()
        .map_err(|e| format!("runtime: {e}"))?;
    let mut out = runtime.block_on(async {
        let store = PostgresStore::open(&spec(url, occ), "pg-overhead-bare")
            .await
            .map_err(|e| format!("open: {e}"))?;
        let store = Arc::new(store);
        let end = plan.warmup + plan.duration;
        let start = Instant::now();
        let tasks: Vec<_> = (0..WRITERS as u64)
            .map(|w| {
                let rng = SmallRng::seed_from_u64(SEED ^ ((round as u64) << 32) ^ w);
                tokio::spawn(bare_writer(
                    Arc::clone(&store),
                    w,
                    rng,
                    start,
                    plan.warmup,
                    end,
                ))
            })
            .collect();
        let mut round = Round {
            measured: plan.duration,
            ..Round::default()
        };
        for task in tasks {
            let t = task
                .await
                .map_err(|e| format!("a bare writer failed: {e}"))?;
            round.committed += t.committed;
            round.attempts += t.attempts;
            round.conflicts += t.conflicts;
            round.errors += t.errors;
        }
        let store = Arc::try_unwrap(store).map_err(|_| "the store is still shared".to_owned())?;
        store
            .close(Keep::Drop)
            .await
            .map_err(|e| format!("close: {e}"))?;
        Ok::<_, String>(round)
    })?;
    drop(runtime);
    out.cpu = CpuSample::now().since(&cpu0);
    Ok(out)
}

/// The same load as a scenario for the async engine.
fn scenario(url: &str, occ: OccShape, plan: Plan, round: usize) -> Scenario {
    let ms = |d: Duration| d.as_millis();
    let text = format!(
        "name = \"pg-overhead\"\nseed = {seed}\n\
         [store]\nkind = \"postgres\"\npool_size = {CONNECTIONS}\n\
         [run]\nactors = {ACTORS}\nduration = \"{d}ms\"\nwarmup = \"{w}ms\"\n\
         [[pools]]\nname = \"engine\"\nwriters = {WRITERS}\npolicy = \"immediate\"\n",
        seed = SEED + round as u64,
        d = ms(plan.duration),
        w = ms(plan.warmup),
    );
    let mut s = Scenario::from_toml(&text, "postgres_overhead").expect("the scenario is valid");
    StoreOverride {
        kind: StoreChoice::Postgres,
        url: Some(StoreUrl::new(url)),
        occ: Some(occ),
    }
    .apply(&mut s.store);
    s
}

/// One round of the engine: the scenario, run from start (open, migrate) to end (read back,
/// audit, drop).
fn engine_round(url: &str, occ: OccShape, plan: Plan, round: usize) -> Result<Round, String> {
    let s = scenario(url, occ, plan, round);
    let cpu0 = CpuSample::now();
    let results = retrylab::engine::run(&s, EngineKind::Async, &RunOptions::default())
        .map_err(|e| format!("engine: {e}"))?;
    let cpu = CpuSample::now().since(&cpu0);
    if !results.integrity.ok {
        return Err(format!(
            "the engine's audit failed: {:?}",
            results.integrity.problems
        ));
    }
    if results.partial {
        return Err("the engine's run was cut short".to_owned());
    }
    let c = &results.pools[0].counters;
    Ok(Round {
        committed: c.committed,
        attempts: c.attempts,
        conflicts: c.conflicts,
        errors: c.other_errors,
        measured: Duration::from_nanos(results.measured_ns),
        cpu,
    })
}

fn median(v: &[f64]) -> f64 {
    let mut s = v.to_vec();
    s.sort_by(f64::total_cmp);
    let n = s.len();
    if n % 2 == 1 {
        s[n / 2]
    } else {
        (s[n / 2 - 1] + s[n / 2]) / 2.0
    }
}

fn min_max(v: &[f64]) -> (f64, f64) {
    v.iter()
        .fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), &x| {
            (lo.min(x), hi.max(x))
        })
}

/// Server settings that bound a commit's cost, as one line.
fn server_settings(url: &str) -> Result<String, String> {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| e.to_string())?;
    runtime.block_on(async {
        let (client, conn) = tokio_postgres::connect(url, tokio_postgres::NoTls)
            .await
            .map_err(|e| format!("connect: {e}"))?;
        let conn = tokio::spawn(conn);
        let mut line = Vec::new();
        for name in [
            "server_version",
            "synchronous_commit",
            "fsync",
            "wal_sync_method",
            "commit_delay",
            "max_connections",
            "shared_buffers",
        ] {
            let row = client
                .query_one(&format!("SHOW {name}"), &[])
                .await
                .map_err(|e| format!("SHOW {name}: {e}"))?;
            line.push(format!("{name}={}", row.get::<_, String>(0)));
        }
        drop(client);
        let _ = conn.await;
        Ok(line.join(" "))
    })
}

fn load_average() -> String {
    std::fs::read_to_string("/proc/loadavg")
        .map(|s| s.split_whitespace().take(3).collect::<Vec<_>>().join(" "))
        .unwrap_or_else(|_| "unknown".to_owned())
}

/// Runs every round of one shape and prints its table; returns the median ratio.
fn shape(url: &str, occ: OccShape, plan: Plan) -> Result<f64, String> {
    println!();
    println!(
        "load average (1/5/15 min) before the rounds: {}",
        load_average()
    );
    println!(
        "## occ = {}: {WRITERS} writers, {CONNECTIONS} connections, {ACTORS} actors uniform, \
         immediate, no think time, warm-up {:?}, measured {:?}",
        occ.name(),
        plan.warmup,
        plan.duration
    );
    println!();
    println!(
        "| round | loop | commits/s | conflicts/commit | errors | CPU (cores): client | server | other | client µs/commit (≈) |"
    );
    println!("|---|---|---|---|---|---|---|---|---|");
    let (mut bare, mut engine, mut ratios) = (Vec::new(), Vec::new(), Vec::new());
    let mut busiest = 0.0f64;
    for round in 1..=plan.rounds {
        let mut pair = [0.0; 2];
        for (i, name) in ["bare", "engine"].into_iter().enumerate() {
            let r = if i == 0 {
                bare_round(url, occ, plan, round)?
            } else {
                engine_round(url, occ, plan, round)?
            };
            if plan.smoke && r.committed == 0 {
                return Err(format!("{name} committed nothing in round {round}"));
            }
            pair[i] = r.commits_per_s();
            busiest = busiest.max(r.cpu.other);
            println!(
                "| {round} | {name} | {:.0} | {:.4} | {} | {:.2} | {:.2} | {:.2} | {:.1} |",
                pair[i],
                r.conflicts as f64 / r.committed.max(1) as f64,
                r.errors,
                r.cpu.client,
                r.cpu.server,
                r.cpu.other,
                r.cpu.client * 1e6 / pair[i].max(1.0),
            );
        }
        bare.push(pair[0]);
        engine.push(pair[1]);
        ratios.push(pair[1] / pair[0]);
    }
    let (b_lo, b_hi) = min_max(&bare);
    let (e_lo, e_hi) = min_max(&engine);
    let (r_lo, r_hi) = min_max(&ratios);
    let ratio = median(&ratios);
    println!();
    println!(
        "load average (1/5/15 min) after the rounds: {}",
        load_average()
    );
    if busiest > NEIGHBOUR_CORES {
        println!(
            "WARNING: something else used up to {busiest:.2} cores during these rounds (the \
             `other` column): the figures met a busy machine; run again when it is idle"
        );
    }
    println!(
        "occ = {}: bare {:.0} commits/s ({b_lo:.0}–{b_hi:.0}), engine {:.0} ({e_lo:.0}–{e_hi:.0}); \
         engine ÷ bare {ratio:.3} ({r_lo:.3}–{r_hi:.3}), median of {} per-round ratios: {}",
        occ.name(),
        median(&bare),
        median(&engine),
        ratios.len(),
        if plan.smoke {
            "a smoke run (--test), not a measurement"
        } else if ratio >= 0.95 {
            "within 5 %"
        } else {
            "MORE THAN 5 % SLOWER"
        }
    );
    Ok(ratio)
}

fn main() -> ExitCode {
    let smoke = std::env::args().any(|a| a == "--test");
    let Some(url) = std::env::var("RETRYLAB_PG_URL")
        .ok()
        .filter(|u| !u.is_empty())
    else {
        let ci = std::env::var("CI").is_ok_and(|v| !v.is_empty() && v != "0");
        eprintln!(
            "postgres_overhead: SKIPPED: RETRYLAB_PG_URL is not set \
             (RETRYLAB_PG_URL=\"$(bash ci/postgres.sh url)\" to run it){}",
            if ci {
                "; failing because CI is set"
            } else {
                ""
            }
        );
        return if ci {
            ExitCode::FAILURE
        } else {
            ExitCode::SUCCESS
        };
    };
    let env = |name: &str, default: u64| -> Result<u64, String> {
        match std::env::var(name) {
            Ok(v) => v
                .parse()
                .ok()
                .filter(|n| *n > 0)
                .ok_or_else(|| format!("{name}={v}: use a positive whole number")),
            Err(_) => Ok(default),
        }
    };
    let plan = match (env("RETRYLAB_PG_ROUNDS", 10), env("RETRYLAB_PG_SECONDS", 3)) {
        _ if smoke => Plan {
            rounds: 1,
            warmup: Duration::from_millis(100),
            duration: Duration::from_millis(300),
            smoke,
        },
        (Ok(rounds), Ok(seconds)) => Plan {
            rounds: rounds as usize,
            warmup: Duration::from_millis(500),
            duration: Duration::from_secs(seconds),
            smoke,
        },
        (Err(e), _) | (_, Err(e)) => {
            eprintln!("postgres_overhead: {e}");
            return ExitCode::from(2);
        }
    };
    match server_settings(&url) {
        Ok(line) => println!("server: {line}"),
        Err(e) => {
            eprintln!("postgres_overhead: cannot reach the server: {e}");
            return ExitCode::FAILURE;
        }
    }
    println!(
        "client: {} tokio worker threads (available_parallelism), seed {SEED}, {} rounds per loop",
        worker_threads(),
        plan.rounds
    );
    for occ in OccShape::ALL {
        if let Err(e) = shape(&url, occ, plan) {
            eprintln!("postgres_overhead: occ = {}: {e}", occ.name());
            return ExitCode::FAILURE;
        }
    }
    ExitCode::SUCCESS
}
