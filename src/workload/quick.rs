//! `--quick`: the same scenario, scaled down to finish in well under a second (for CI and for
//! checking a file before a long run).

use super::scenario::Scenario;
use crate::clock::MILLIS;
use crate::units::Duration;

/// Longest measured duration of a quick run.
pub const QUICK_MAX_DURATION_NS: u64 = 400 * MILLIS;
/// Longest warm-up of a quick run.
pub const QUICK_MAX_WARMUP_NS: u64 = 100 * MILLIS;
/// Each writer's operation count is divided by this (at least one operation remains).
pub const QUICK_DIVISOR: u64 = 10;

impl Scenario {
    /// A scaled-down copy: duration and warm-up ÷10 (at most 400 ms and 100 ms), fixed
    /// operation counts ÷10, the time-series window shrunk to keep about ten windows. Writers,
    /// keys, policies and the store are unchanged, so the quick run exercises the same paths.
    #[must_use]
    pub fn quick(&self) -> Scenario {
        let mut s = self.clone();
        s.run.warmup = Duration((s.run.warmup.0 / QUICK_DIVISOR).min(QUICK_MAX_WARMUP_NS));
        if let Some(d) = s.run.duration {
            let d = (d.0 / QUICK_DIVISOR).clamp(1, QUICK_MAX_DURATION_NS);
            s.run.duration = Some(Duration(d));
            s.run.window = Duration(s.run.window.0.min((d / 10).max(1)));
        }
        for pool in &mut s.pools {
            if let Some(ops) = pool.operations {
                pool.operations = Some((ops / QUICK_DIVISOR).max(1));
            }
            pool.start_spread = Duration(pool.start_spread.0 / QUICK_DIVISOR);
        }
        s
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quick_scales_length_but_keeps_the_load() {
        let text = "name = \"q\"\n[run]\nactors = 5\nduration = \"30s\"\nwarmup = \"2s\"\n\
                    [[pools]]\nname = \"a\"\nwriters = 3\npolicy = \"immediate\"\noperations = 5\n";
        let s = Scenario::from_toml(text, "q").unwrap();
        let q = s.quick();
        assert_eq!(q.run.duration, Some(Duration(QUICK_MAX_DURATION_NS)));
        assert_eq!(q.run.warmup, Duration(QUICK_MAX_WARMUP_NS));
        assert_eq!(q.run.window, Duration(40 * MILLIS));
        assert_eq!(q.pools[0].operations, Some(1));
        assert_eq!(q.pools[0].writers, 3);
    }

    proptest::proptest! {
        #[test]
        fn a_quick_run_is_never_longer_than_half_a_second_nor_than_the_original(
            duration_ms in 1u64..120_000,
            warmup_ms in 0u64..60_000,
            ops in proptest::option::of(1u64..1_000_000),
        ) {
            let ops_line = ops.map_or(String::new(), |n| format!("operations = {n}\n"));
            let text = format!(
                "name = \"q\"\n[run]\nactors = 5\nduration = \"{duration_ms}ms\"\n\
                 warmup = \"{warmup_ms}ms\"\n[[pools]]\nname = \"a\"\nwriters = 2\n\
                 policy = \"immediate\"\n{ops_line}"
            );
            let s = Scenario::from_toml(&text, "q").unwrap();
            let q = s.quick();
            let (d, w) = (q.run.duration.unwrap().0, q.run.warmup.0);
            proptest::prop_assert!(d + w <= QUICK_MAX_DURATION_NS + QUICK_MAX_WARMUP_NS);
            proptest::prop_assert!(d <= s.run.duration.unwrap().0 && w <= s.run.warmup.0);
            proptest::prop_assert!(d > 0 && q.run.window.0 > 0 && q.run.window.0 <= d.max(1));
            if let (Some(before), Some(after)) = (ops, q.pools[0].operations) {
                proptest::prop_assert!(after >= 1 && after <= before);
            }
        }
    }
}
