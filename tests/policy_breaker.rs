//! Circuit breaker: every transition, table-driven, and a shared breaker under threads.

use std::sync::{Arc, Barrier};
use std::thread;

use retrylab::policy::breaker::Permit;
use retrylab::policy::{BreakerConfig, BreakerFailure, BreakerState, CircuitBreaker, WindowConfig};

const US: u64 = 1_000;

fn config(window: WindowConfig) -> BreakerConfig {
    BreakerConfig {
        window,
        failure_rate_threshold: 0.5,
        minimum_calls: 4,
        open_duration_ns: 100 * US,
        open_multiplier: 2.0,
        open_cap_ns: 1_000 * US,
        half_open_probes: 3,
        failure_on: BreakerFailure::Conflict,
    }
}

#[derive(Debug, Clone, Copy)]
enum Step {
    /// A call at this time: admitted or not, and (if admitted) its outcome.
    Call {
        at: u64,
        admitted: bool,
        failed: bool,
    },
    /// Take a permit and hold it (for probe limits).
    Take { at: u64, admitted: bool },
    /// Report the oldest held permit.
    Report { at: u64, failed: bool },
    /// Expect this state.
    Expect(BreakerState),
}

fn run(breaker: &CircuitBreaker, steps: &[Step]) {
    let mut held: Vec<Permit> = Vec::new();
    for (i, step) in steps.iter().enumerate() {
        match *step {
            Step::Call {
                at,
                admitted,
                failed,
            } => {
                let permit = breaker.try_acquire(at);
                assert_eq!(permit.is_some(), admitted, "step {i}: {step:?}");
                if let Some(p) = permit {
                    breaker.record(p, at, failed);
                }
            }
            Step::Take { at, admitted } => {
                let permit = breaker.try_acquire(at);
                assert_eq!(permit.is_some(), admitted, "step {i}: {step:?}");
                held.extend(permit);
            }
            Step::Report { at, failed } => breaker.record(held.remove(0), at, failed),
            Step::Expect(state) => assert_eq!(breaker.state(), state, "step {i}"),
        }
    }
}

use BreakerState::*;
use Step::*;

fn fail(at: u64) -> Step {
    Call {
        at,
        admitted: true,
        failed: true,
    }
}
fn ok(at: u64) -> Step {
    Call {
        at,
        admitted: true,
        failed: false,
    }
}

#[test]
fn closed_to_open_needs_the_minimum_calls_and_the_threshold() {
    // Three failures are 100% but below the minimum of 4 calls; the fourth trips it.
    let b = CircuitBreaker::new(config(WindowConfig::Count { size: 10 }));
    run(
        &b,
        &[
            fail(0),
            fail(0),
            fail(0),
            Expect(Closed),
            fail(0),
            Expect(Open),
        ],
    );
    // 1 failure in 4 calls is 25% < 50%: stays closed; 2 of 4 is 50%: trips.
    let b = CircuitBreaker::new(config(WindowConfig::Count { size: 4 }));
    run(
        &b,
        &[
            ok(0),
            ok(0),
            ok(0),
            fail(0),
            Expect(Closed),
            fail(0),
            Expect(Open),
        ],
    );
}

#[test]
fn open_rejects_until_its_duration_then_half_opens() {
    let b = CircuitBreaker::new(config(WindowConfig::Count { size: 10 }));
    run(
        &b,
        &[
            fail(0),
            fail(0),
            fail(0),
            fail(0),
            Expect(Open),
            Call {
                at: 50 * US,
                admitted: false,
                failed: false,
            },
            Expect(Open),
            Take {
                at: 110 * US,
                admitted: true,
            },
            Expect(HalfOpen),
        ],
    );
    assert_eq!(b.transitions(), 2);
}

#[test]
fn half_open_admits_a_bounded_number_of_probes_and_closes_when_all_succeed() {
    let b = CircuitBreaker::new(config(WindowConfig::Count { size: 10 }));
    run(
        &b,
        &[
            fail(0),
            fail(0),
            fail(0),
            fail(0),
            Take {
                at: 200 * US,
                admitted: true,
            },
            Take {
                at: 200 * US,
                admitted: true,
            },
            Take {
                at: 200 * US,
                admitted: true,
            },
            Take {
                at: 200 * US,
                admitted: false,
            }, // probe limit: 3
            Report {
                at: 201 * US,
                failed: false,
            },
            Report {
                at: 201 * US,
                failed: false,
            },
            Expect(HalfOpen),
            Report {
                at: 202 * US,
                failed: false,
            },
            Expect(Closed),
            // Closed again with a fresh window: three failures do not trip it.
            fail(203 * US),
            fail(203 * US),
            fail(203 * US),
            Expect(Closed),
        ],
    );
    let log = b.transition_log();
    let states: Vec<_> = log.iter().map(|t| (t.from, t.to)).collect();
    assert_eq!(
        states,
        [(Closed, Open), (Open, HalfOpen), (HalfOpen, Closed)]
    );
    assert_eq!(log[0].at_ns, 0);
    assert_eq!(log[2].at_ns, 202 * US);
}

#[test]
fn a_failed_probe_reopens_for_a_longer_time() {
    let b = CircuitBreaker::new(config(WindowConfig::Count { size: 10 }));
    run(
        &b,
        &[
            fail(0),
            fail(0),
            fail(0),
            fail(0),
            Take {
                at: 200 * US,
                admitted: true,
            },
            Report {
                at: 210 * US,
                failed: true,
            },
            Expect(Open),
            // Re-opened at 210us for 100us × 2 = 200us.
            Call {
                at: 350 * US,
                admitted: false,
                failed: false,
            },
            Take {
                at: 420 * US,
                admitted: true,
            },
            Expect(HalfOpen),
        ],
    );
    assert_eq!(b.transitions(), 4);
}

#[test]
fn a_stale_probe_report_changes_nothing() {
    let b = CircuitBreaker::new(config(WindowConfig::Count { size: 10 }));
    run(
        &b,
        &[
            fail(0),
            fail(0),
            fail(0),
            fail(0),
            Take {
                at: 200 * US,
                admitted: true,
            },
            Take {
                at: 200 * US,
                admitted: true,
            },
            Report {
                at: 201 * US,
                failed: true,
            }, // re-opens
            Expect(Open),
            Report {
                at: 202 * US,
                failed: false,
            }, // belongs to the finished half-open phase
            Expect(Open),
        ],
    );
}

#[test]
fn time_window_forgets_old_failures() {
    let mut c = config(WindowConfig::Time {
        length_ns: 100 * US,
        buckets: 10,
    });
    c.minimum_calls = 3;
    let b = CircuitBreaker::new(c);
    // Two failures, then the window moves on: the third alone is below the minimum calls.
    run(
        &b,
        &[
            fail(0),
            fail(5 * US),
            fail(150 * US),
            Expect(Closed),
            fail(160 * US),
            fail(170 * US),
            Expect(Open),
        ],
    );
}

#[test]
fn consecutive_mode_trips_on_a_run_and_resets_on_success() {
    let b = CircuitBreaker::new(config(WindowConfig::Consecutive { failures: 3 }));
    run(
        &b,
        &[
            fail(0),
            fail(0),
            ok(0),
            fail(0),
            fail(0),
            Expect(Closed),
            fail(0),
            Expect(Open),
        ],
    );
}

#[test]
fn threads_racing_on_a_half_open_breaker_get_exactly_the_probe_limit() {
    const THREADS: usize = 8;
    for round in 0..50u64 {
        let b = Arc::new(CircuitBreaker::new(config(WindowConfig::Count {
            size: 10,
        })));
        for _ in 0..4 {
            let p = b.try_acquire(0).expect("closed");
            b.record(p, 0, true);
        }
        assert_eq!(b.state(), Open);
        let barrier = Arc::new(Barrier::new(THREADS));
        let admitted: usize = (0..THREADS)
            .map(|_| {
                let (b, barrier) = (Arc::clone(&b), Arc::clone(&barrier));
                thread::spawn(move || {
                    barrier.wait();
                    usize::from(b.try_acquire(200 * US + round).is_some())
                })
            })
            .collect::<Vec<_>>()
            .into_iter()
            .map(|h| h.join().expect("thread"))
            .sum();
        assert_eq!(admitted, 3, "round {round}");
        assert_eq!(b.state(), HalfOpen);
        assert_eq!(
            b.transitions(),
            2,
            "exactly one thread moved it to half-open"
        );
    }
}

#[test]
fn threads_failing_together_trip_it_once() {
    const THREADS: usize = 8;
    let b = Arc::new(CircuitBreaker::new(config(WindowConfig::Count {
        size: 1_000,
    })));
    let barrier = Arc::new(Barrier::new(THREADS));
    let handles: Vec<_> = (0..THREADS)
        .map(|_| {
            let (b, barrier) = (Arc::clone(&b), Arc::clone(&barrier));
            thread::spawn(move || {
                barrier.wait();
                let mut rejected = 0;
                for _ in 0..1_000 {
                    match b.try_acquire(1) {
                        Some(p) => b.record(p, 1, true),
                        None => rejected += 1,
                    }
                }
                rejected
            })
        })
        .collect();
    let rejected: u64 = handles.into_iter().map(|h| h.join().expect("thread")).sum();
    assert_eq!(b.state(), Open);
    // All at time 1 ns: it cannot half-open, so it tripped exactly once.
    assert_eq!(b.transitions(), 1);
    assert!(rejected > 0);
}

#[test]
fn give_up_mode_counts_operations_not_attempts() {
    use retrylab::policy::{AttemptInfo, FailureKind, Gate};
    let mut c = config(WindowConfig::Consecutive { failures: 2 });
    c.failure_on = BreakerFailure::GiveUp;
    let b = Arc::new(CircuitBreaker::new(c));
    let mut h = Arc::clone(&b).handle();
    let at = |attempt| AttemptInfo {
        attempt,
        op_started_ns: 0,
        now_ns: 0,
        work: 0,
    };
    // An operation with three conflicts that then commits is one successful call.
    for n in 1..=3 {
        assert_eq!(h.admit(&at(n), None), retrylab::policy::Admission::Proceed);
        h.on_failure(&at(n), FailureKind::Conflict);
    }
    h.on_commit(&at(4));
    assert_eq!(b.state(), Closed);
    // Two abandoned operations in a row trip it.
    for _ in 0..2 {
        assert_eq!(h.admit(&at(1), None), retrylab::policy::Admission::Proceed);
        h.on_failure(&at(1), FailureKind::Conflict);
        h.on_abandon(&at(1));
    }
    assert_eq!(b.state(), Open);
}

/// A naive, sequential reference breaker (count window), written from the documented rules.
struct Model {
    cfg: BreakerConfig,
    size: usize,
    state: BreakerState,
    window: std::collections::VecDeque<bool>,
    opened_at: u64,
    reopens: i32,
    probes_ok: u32,
}

impl Model {
    fn new(cfg: BreakerConfig, size: usize) -> Self {
        Model {
            cfg,
            size,
            state: Closed,
            window: Default::default(),
            opened_at: 0,
            reopens: 0,
            probes_ok: 0,
        }
    }

    fn open(&mut self, now: u64) {
        self.state = Open;
        // The breaker keeps state-entry times in 1024 ns units.
        self.opened_at = now >> 10 << 10;
    }

    /// One call at `now`: whether it was admitted.
    fn call(&mut self, now: u64, failed: bool) -> bool {
        if self.state == Open {
            let d = (self.cfg.open_duration_ns as f64 * self.cfg.open_multiplier.powi(self.reopens))
                as u64;
            if now < self.opened_at + d.min(self.cfg.open_cap_ns) {
                return false;
            }
            self.state = HalfOpen;
            self.probes_ok = 0;
        }
        match self.state {
            Closed => {
                self.window.push_back(failed);
                if self.window.len() > self.size {
                    self.window.pop_front();
                }
                let calls = self.window.len() as f64;
                let failures = self.window.iter().filter(|&&f| f).count() as f64;
                if failed
                    && calls >= f64::from(self.cfg.minimum_calls)
                    && failures >= self.cfg.failure_rate_threshold * calls
                {
                    self.open(now);
                    self.reopens = 0;
                    self.window.clear();
                }
            }
            HalfOpen if failed => {
                self.open(now);
                self.reopens += 1;
            }
            HalfOpen => {
                self.probes_ok += 1;
                if self.probes_ok >= self.cfg.half_open_probes {
                    self.state = Closed;
                    self.window.clear();
                    self.reopens = 0;
                }
            }
            Open => unreachable!("handled above"),
        }
        true
    }
}

proptest::proptest! {
    #[test]
    fn the_breaker_matches_a_naive_model(
        steps in proptest::collection::vec((0u64..150, 0u8..=255), 1..300),
        fail_percent in 5u8..95,
        size in 1u32..12,
        threshold_tenths in 1u32..=10,
        minimum_calls in 1u32..8,
        probes in 1u32..4,
    ) {
        let mut cfg = config(WindowConfig::Count { size });
        // Thresholds in tenths so that exact ties (rate == threshold) occur and are checked.
        cfg.failure_rate_threshold = f64::from(threshold_tenths) / 10.0;
        cfg.minimum_calls = minimum_calls;
        cfg.half_open_probes = probes;
        let breaker = CircuitBreaker::new(cfg);
        let mut model = Model::new(cfg, size as usize);
        let mut now = 0u64;
        for (i, (dt_us, draw)) in steps.into_iter().enumerate() {
            now += dt_us * US;
            let failed = u32::from(draw) * 100 < u32::from(fail_percent) * 256;
            let permit = breaker.try_acquire(now);
            if let Some(p) = permit {
                breaker.record(p, now, failed);
            }
            let admitted = model.call(now, failed);
            proptest::prop_assert_eq!(permit.is_some(), admitted, "step {}", i);
            proptest::prop_assert_eq!(breaker.state(), model.state, "step {}", i);
        }
    }
}
