//! The retry policy's decisions, end to end through the `Policy` / `WriterPolicy` API, and
//! property tests of the delay formulas' bounds.

use proptest::prelude::*;
use rand::SeedableRng;
use retrylab::policy::{
    Admission, AttemptInfo, CapPlacement, Decision, DelayShape, GiveUpReason, Jitter, PolicySpec,
    Refresh, ShapedBackoff,
};
use retrylab::rng::WriterRng;
use retrylab::store::{SaveError, VersionConflict};

const MS: u64 = 1_000_000;

fn conflict() -> VersionConflict {
    VersionConflict {
        actor: 1,
        current: 5,
        attempted: 5,
    }
}

fn info(attempt: u32, now_ns: u64) -> AttemptInfo {
    AttemptInfo {
        attempt,
        op_started_ns: 0,
        now_ns,
        work: u64::from(attempt),
    }
}

fn spec(toml: &str) -> PolicySpec {
    PolicySpec::from_toml_str(toml).expect("valid spec")
}

#[test]
fn seed_pattern_1_delays_and_limit() {
    let policy = PolicySpec::preset("exponential").unwrap().build().unwrap();
    let mut w = policy.writer();
    let mut rng = WriterRng::seed_from_u64(0);
    let delays: Vec<_> = (1..=5)
        .map(
            |n| match w.on_conflict(&info(n, 0), &conflict(), &mut rng) {
                Decision::Retry { delay_ns, refresh } => {
                    assert_eq!(refresh, Refresh::Reread);
                    delay_ns / MS
                }
                other => panic!("retry {n}: {other:?}"),
            },
        )
        .collect();
    assert_eq!(delays, [10, 20, 40, 80, 160]);
    assert_eq!(
        w.on_conflict(&info(6, 0), &conflict(), &mut rng),
        Decision::GiveUp(GiveUpReason::MaxAttempts)
    );
}

#[test]
fn max_attempts_counts_the_first_try_and_max_retries_does_not() {
    let mut rng = WriterRng::seed_from_u64(0);
    let attempts = spec("backoff = { kind = \"immediate\" }\nmax_attempts = 3")
        .build()
        .unwrap();
    let retries = spec("backoff = { kind = \"immediate\" }\nmax_retries = 3")
        .build()
        .unwrap();
    let tries = |p: &std::sync::Arc<dyn retrylab::policy::Policy>, rng: &mut WriterRng| {
        let mut w = p.writer();
        (1..)
            .find(|&n| {
                matches!(
                    w.on_conflict(&info(n, 0), &conflict(), rng),
                    Decision::GiveUp(_)
                )
            })
            .unwrap()
    };
    // The attempt after which it gives up is the number of attempts made.
    assert_eq!(tries(&attempts, &mut rng), 3);
    assert_eq!(tries(&retries, &mut rng), 4);
}

#[test]
fn deadline_gives_up_when_the_next_delay_would_pass_it() {
    let p = spec("backoff = { kind = \"constant\", delay = \"3ms\" }\ndeadline = \"10ms\"")
        .build()
        .unwrap();
    let mut w = p.writer();
    let mut rng = WriterRng::seed_from_u64(0);
    assert!(matches!(
        w.on_conflict(&info(1, 7 * MS), &conflict(), &mut rng),
        Decision::Retry { .. }
    ));
    assert_eq!(
        w.on_conflict(&info(2, 7 * MS + 1), &conflict(), &mut rng),
        Decision::GiveUp(GiveUpReason::Deadline)
    );
}

#[test]
fn no_retry_fails_fast_and_non_conflict_errors_follow_their_rule() {
    let mut rng = WriterRng::seed_from_u64(0);
    let mut none = PolicySpec::preset("no-retry")
        .unwrap()
        .build()
        .unwrap()
        .writer();
    assert_eq!(
        none.on_conflict(&info(1, 0), &conflict(), &mut rng),
        Decision::GiveUp(GiveUpReason::NotRetryable)
    );

    let mut default_rule = spec("backoff = { kind = \"immediate\" }")
        .build()
        .unwrap()
        .writer();
    assert_eq!(
        default_rule.on_error(&info(1, 0), &SaveError::Unavailable, &mut rng),
        Decision::GiveUp(GiveUpReason::NotRetryable)
    );
    // A conflict that arrives through on_error is still treated as a conflict.
    assert!(matches!(
        default_rule.on_error(&info(1, 0), &SaveError::Conflict(conflict()), &mut rng),
        Decision::Retry {
            refresh: Refresh::Reread,
            ..
        }
    ));

    let mut retry_rule = spec("backoff = { kind = \"immediate\" }\non_error = \"retry\"")
        .build()
        .unwrap()
        .writer();
    assert_eq!(
        retry_rule.on_error(&info(1, 0), &SaveError::Unavailable, &mut rng),
        Decision::Retry {
            delay_ns: 0,
            refresh: Refresh::Reread
        }
    );
}

#[test]
fn reload_and_merge_asks_for_a_rebuild() {
    let mut w = PolicySpec::preset("reload-and-merge")
        .unwrap()
        .build()
        .unwrap()
        .writer();
    let mut rng = WriterRng::seed_from_u64(0);
    assert_eq!(
        w.on_conflict(&info(1, 0), &conflict(), &mut rng),
        Decision::Retry {
            delay_ns: 0,
            refresh: Refresh::Rebuild
        }
    );
    assert_eq!(
        w.on_conflict(&info(3, 0), &conflict(), &mut rng),
        Decision::GiveUp(GiveUpReason::MaxAttempts)
    );
}

#[test]
fn a_breaker_in_a_spec_rejects_after_tripping() {
    let built = spec(
        "backoff = { kind = \"immediate\" }\n\
         breaker = { window = { kind = \"consecutive\", failures = 2 }, open_duration = \"1ms\" }",
    )
    .build_parts()
    .unwrap();
    let mut w = built.policy.writer();
    let mut rng = WriterRng::seed_from_u64(0);
    for n in 1..=2 {
        assert_eq!(w.admit(&info(n, 0)), Admission::Proceed);
        let _ = w.on_conflict(&info(n, 0), &conflict(), &mut rng);
    }
    assert_eq!(
        w.admit(&info(3, 10)),
        Admission::Reject(retrylab::policy::RejectReason::CircuitOpen)
    );
    w.on_abandon(&info(3, 10));
    assert_eq!(
        built.breaker.unwrap().state(),
        retrylab::policy::BreakerState::Open
    );
}

#[test]
fn same_seed_same_delays_through_the_policy_api() {
    for name in [
        "exponential-full-jitter",
        "decorrelated-jitter",
        "polly-decorrelated-v2",
        "polka",
        "greedy",
    ] {
        let policy = PolicySpec::preset(name).unwrap().build().unwrap();
        let run = |seed| {
            let mut w = policy.writer();
            let mut rng = WriterRng::seed_from_u64(seed);
            (1..=8)
                .map(
                    |n| match w.on_conflict(&info(n, 0), &conflict(), &mut rng) {
                        Decision::Retry { delay_ns, .. } => delay_ns,
                        Decision::GiveUp(r) => panic!("{name}: gave up {r:?}"),
                    },
                )
                .collect::<Vec<_>>()
        };
        assert_eq!(run(1), run(1), "{name}");
    }
}

fn shaped(shape: DelayShape, jitter: Jitter, cap: u64) -> ShapedBackoff {
    ShapedBackoff::new(shape, jitter, cap, CapPlacement::BeforeJitter)
}

proptest! {
    #[test]
    fn full_jitter_is_in_zero_to_min_cap_base_2n(base in 1u64..1_000_000, cap_factor in 1u64..1_000, seed: u64, n in 1u32..40) {
        let cap = base * cap_factor;
        let mut b = shaped(DelayShape::Exponential { base, multiplier: 2.0 }, Jitter::Full, cap);
        let mut rng = WriterRng::seed_from_u64(seed);
        let d = b.next_delay(n, &mut rng);
        let t = (base as f64 * 2f64.powi(n as i32 - 1)).min(cap as f64) as u64;
        prop_assert!(d <= t);
    }

    #[test]
    fn equal_jitter_is_in_half_t_to_t(base in 1u64..1_000_000, cap_factor in 1u64..1_000, seed: u64, n in 1u32..40) {
        let cap = base * cap_factor;
        let mut b = shaped(DelayShape::Exponential { base, multiplier: 2.0 }, Jitter::Equal, cap);
        let mut rng = WriterRng::seed_from_u64(seed);
        let d = b.next_delay(n, &mut rng);
        let t = (base as f64 * 2f64.powi(n as i32 - 1)).min(cap as f64) as u64;
        prop_assert!(d >= t / 2 && d <= t, "d={} t={}", d, t);
    }

    #[test]
    fn decorrelated_is_in_base_to_min_cap_3prev(base in 1u64..100_000, cap_factor in 1u64..1_000, seed: u64) {
        let cap = base * cap_factor;
        let mut b = shaped(DelayShape::Decorrelated { base }, Jitter::None, cap);
        let mut rng = WriterRng::seed_from_u64(seed);
        let mut prev = base;
        for n in 1..=30 {
            let d = b.next_delay(n, &mut rng);
            prop_assert!(d >= base && d <= (3 * prev).min(cap), "n={} d={} prev={}", n, d, prev);
            prev = d;
        }
    }

    #[test]
    fn proportional_jitter_is_within_its_factor(t in 1u64..1_000_000_000, factor in 0.0f64..=1.0, seed: u64) {
        let mut b = shaped(DelayShape::Constant { delay: t }, Jitter::Proportional { factor }, u64::MAX);
        let mut rng = WriterRng::seed_from_u64(seed);
        let d = b.next_delay(1, &mut rng) as f64;
        prop_assert!(d >= (t as f64 * (1.0 - factor)).floor() - 1.0 && d <= (t as f64 * (1.0 + factor)).ceil());
    }

    #[test]
    fn capped_after_jitter_never_exceeds_the_cap(base in 1u64..1_000_000, cap_factor in 1u64..100, seed: u64, n in 1u32..30) {
        let cap = base * cap_factor;
        let mut b = ShapedBackoff::new(DelayShape::Exponential { base, multiplier: 3.0 }, Jitter::Additive, cap, CapPlacement::AfterJitter);
        let mut rng = WriterRng::seed_from_u64(seed);
        prop_assert!(b.next_delay(n, &mut rng) <= cap);
    }
}
