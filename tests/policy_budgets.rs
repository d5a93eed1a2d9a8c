//! Retry budgets: the arithmetic of each, and shared buckets under threads.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Barrier};
use std::thread;

use retrylab::policy::aimd::{AimdConfig, AimdLimiter};
use retrylab::policy::finagle_budget::RetryBudget;
use retrylab::policy::grpc_throttle::GrpcThrottle;
use retrylab::policy::token_bucket::{TokenBucket, TokenBucketConfig};
use retrylab::policy::{Admission, AttemptInfo, FailureKind, Gate, RejectReason};

fn info(attempt: u32, now_ns: u64) -> AttemptInfo {
    AttemptInfo {
        attempt,
        op_started_ns: 0,
        now_ns,
        work: 0,
    }
}

const REJECT: Admission = Admission::Reject(RejectReason::BudgetExhausted);

#[test]
fn aws_bucket_charges_conflicts_5_errors_10_and_refunds_on_commit() {
    let bucket = Arc::new(TokenBucket::new(TokenBucketConfig {
        capacity: 20,
        ..Default::default()
    }));
    let mut h = Arc::clone(&bucket).handle();
    // First attempts are free.
    assert_eq!(h.admit(&info(1, 0), None), Admission::Proceed);
    h.on_failure(&info(1, 0), FailureKind::Conflict);
    assert_eq!(
        h.admit(&info(2, 0), Some(FailureKind::Conflict)),
        Admission::Proceed
    );
    assert_eq!(bucket.tokens(), 15);
    h.on_failure(&info(2, 0), FailureKind::Error);
    assert_eq!(
        h.admit(&info(3, 0), Some(FailureKind::Error)),
        Admission::Proceed
    );
    assert_eq!(bucket.tokens(), 5);
    // Commit after retries refunds the last retry's cost (10).
    h.on_commit(&info(3, 0));
    assert_eq!(bucket.tokens(), 15);
    // Commit without retries refunds 1, never above capacity.
    for _ in 0..10 {
        assert_eq!(h.admit(&info(1, 0), None), Admission::Proceed);
        h.on_commit(&info(1, 0));
    }
    assert_eq!(bucket.tokens(), 20);
    // Drain: 4 retries of 5, then rejected.
    for _ in 0..4 {
        assert_eq!(
            h.admit(&info(2, 0), Some(FailureKind::Conflict)),
            Admission::Proceed
        );
    }
    assert_eq!(h.admit(&info(2, 0), Some(FailureKind::Conflict)), REJECT);
    assert_eq!(bucket.tokens(), 0);
    assert_eq!(bucket.rejected(), 1);
}

#[test]
fn grpc_throttle_blocks_retries_at_half_and_recovers_with_successes() {
    let t = Arc::new(GrpcThrottle::new(10.0, 0.5));
    let mut h = Arc::clone(&t).handle();
    // 10 tokens; each failure takes one; retries allowed while tokens > 5.
    for expected_left in [9.0, 8.0, 7.0, 6.0] {
        h.on_failure(&info(1, 0), FailureKind::Conflict);
        assert_eq!(t.tokens(), expected_left);
        assert_eq!(
            h.admit(&info(2, 0), Some(FailureKind::Conflict)),
            Admission::Proceed
        );
    }
    h.on_failure(&info(1, 0), FailureKind::Conflict);
    assert_eq!(t.tokens(), 5.0);
    assert_eq!(h.admit(&info(2, 0), Some(FailureKind::Conflict)), REJECT);
    // First attempts are never throttled.
    assert_eq!(h.admit(&info(1, 0), None), Admission::Proceed);
    h.on_commit(&info(1, 0));
    assert_eq!(t.tokens(), 5.5);
    assert_eq!(
        h.admit(&info(2, 0), Some(FailureKind::Conflict)),
        Admission::Proceed
    );
    // Never below zero, never above the maximum.
    for _ in 0..50 {
        h.on_failure(&info(1, 0), FailureKind::Conflict);
    }
    assert_eq!(t.tokens(), 0.0);
    for _ in 0..50 {
        h.on_commit(&info(1, 0));
    }
    assert_eq!(t.tokens(), 10.0);
}

#[test]
fn finagle_budget_allows_reserve_plus_percent_of_operations_within_ttl() {
    const S: u64 = 1_000_000_000;
    // ttl 1 s, reserve 2 retries/s → 2 retries; 50% → one more per 2 operations.
    let b = Arc::new(RetryBudget::new(S, 2.0, 0.5));
    let mut h = Arc::clone(&b).handle();
    for _ in 0..4 {
        assert_eq!(h.admit(&info(1, 0), None), Admission::Proceed);
    }
    assert!((b.balance(0) - 4.0).abs() < 1e-9);
    let allowed = (0..10)
        .filter(|_| h.admit(&info(2, 0), Some(FailureKind::Conflict)) == Admission::Proceed)
        .count();
    assert_eq!(allowed, 4);
    // After the ttl, deposits and withdrawals have expired: only the reserve remains.
    assert!((b.balance(2 * S) - 2.0).abs() < 1e-9);
    let allowed = (0..10)
        .filter(|_| h.admit(&info(2, 2 * S), Some(FailureKind::Conflict)) == Admission::Proceed)
        .count();
    assert_eq!(allowed, 2);
}

#[test]
fn aimd_rate_rises_additively_and_falls_multiplicatively() {
    let cfg = AimdConfig {
        initial_rate: 1_000.0,
        min_rate: 10.0,
        max_rate: 2_000.0,
        increase: 100.0,
        decrease: 0.5,
        burst: 1.0,
    };
    let l = Arc::new(AimdLimiter::new(cfg));
    let mut h = Arc::clone(&l).handle();
    h.on_commit(&info(1, 0));
    assert_eq!(l.rate(), 1_100.0);
    h.on_failure(&info(1, 0), FailureKind::Conflict);
    assert_eq!(l.rate(), 550.0);
    for _ in 0..20 {
        h.on_failure(&info(1, 0), FailureKind::Conflict);
    }
    assert_eq!(l.rate(), 10.0);
    // At 10 retries/s with a burst of 1: one retry now, the next 100 ms later.
    let first = 1_000_000_000;
    assert_eq!(
        h.admit(&info(2, first), Some(FailureKind::Conflict)),
        Admission::Proceed
    );
    assert_eq!(
        h.admit(&info(2, first + 1_000), Some(FailureKind::Conflict)),
        REJECT
    );
    assert_eq!(
        h.admit(&info(2, first + 100_000_000), Some(FailureKind::Conflict)),
        Admission::Proceed
    );
}

#[test]
fn a_shared_token_bucket_admits_exactly_what_the_arithmetic_allows() {
    const THREADS: usize = 8;
    // 500 tokens at 5 per retry and no refunds: exactly 100 retries in all.
    let bucket = Arc::new(TokenBucket::new(TokenBucketConfig::default()));
    let barrier = Arc::new(Barrier::new(THREADS));
    let admitted = Arc::new(AtomicU64::new(0));
    let handles: Vec<_> = (0..THREADS)
        .map(|_| {
            let (bucket, barrier, admitted) = (
                Arc::clone(&bucket),
                Arc::clone(&barrier),
                Arc::clone(&admitted),
            );
            thread::spawn(move || {
                let mut h = bucket.handle();
                barrier.wait();
                for _ in 0..100 {
                    if h.admit(&info(2, 0), Some(FailureKind::Conflict)) == Admission::Proceed {
                        admitted.fetch_add(1, Ordering::Relaxed);
                    }
                }
            })
        })
        .collect();
    for h in handles {
        h.join().expect("thread");
    }
    assert_eq!(admitted.load(Ordering::Relaxed), 100);
    assert_eq!(bucket.tokens(), 0);
}

#[test]
fn a_shared_token_bucket_balances_under_concurrent_takes_and_refunds() {
    const THREADS: usize = 8;
    const CAPACITY: u64 = 200;
    let bucket = Arc::new(TokenBucket::new(TokenBucketConfig {
        capacity: CAPACITY,
        ..Default::default()
    }));
    let barrier = Arc::new(Barrier::new(THREADS + 1));
    let handles: Vec<_> = (0..THREADS)
        .map(|_| {
            let (bucket, barrier) = (Arc::clone(&bucket), Arc::clone(&barrier));
            thread::spawn(move || {
                let mut h = bucket.handle();
                barrier.wait();
                for i in 0..2_000 {
                    // Retry, then commit: takes 5, gives the same 5 back.
                    if h.admit(&info(2, 0), Some(FailureKind::Conflict)) == Admission::Proceed
                        && i % 2 == 0
                    {
                        h.on_commit(&info(2, 0));
                    } else {
                        h.on_abandon(&info(2, 0));
                    }
                }
            })
        })
        .collect();
    barrier.wait();
    // Sample while the threads run: never above capacity (never "negative" either: u64 and
    // all-or-nothing takes).
    for _ in 0..1_000 {
        assert!(bucket.tokens() <= CAPACITY);
    }
    for h in handles {
        h.join().expect("thread");
    }
    assert!(bucket.tokens() <= CAPACITY);
    assert_eq!(
        bucket.tokens() % 5,
        0,
        "takes and refunds are all multiples of 5"
    );
}
