//! When a writer's operations are meant to start: at once after the last (closed loop), or on a
//! schedule of its own at the pool's rate split across its writers (open loop), constant or
//! Poisson. Draws come from the writer's own random stream, as the protocol documents.

use rand::Rng;

use crate::clock::{Nanos, SECONDS};
use crate::engine::EngineError;
use crate::rng::WriterRng;
use crate::workload::scenario::{Arrival, ArrivalProcess, PoolSpec};

/// A pool's arrival rule, per writer.
#[derive(Clone, Copy, Debug, PartialEq)]
pub(crate) enum ArrivalPlan {
    /// The next operation starts when the last ends.
    Closed,
    /// Operations are scheduled `mean_gap_ns` apart on average, whatever the latency.
    Open {
        /// One writer's mean gap between intended starts (pool writers ÷ pool rate).
        mean_gap_ns: f64,
        /// Whether gaps are exponential (Poisson arrivals) or exact.
        poisson: bool,
    },
}

impl ArrivalPlan {
    /// The rule of `pool`; a rate that is not a positive finite number is refused.
    pub(crate) fn of(pool: &PoolSpec) -> Result<Self, EngineError> {
        match pool.arrival {
            Arrival::Closed {} => Ok(ArrivalPlan::Closed),
            Arrival::Open { rate, process } => {
                if !(rate.is_finite() && rate > 0.0) {
                    return Err(EngineError::Unsupported(format!(
                        "pool `{}`: arrival rate {rate} is not a positive number of operations per second",
                        pool.name
                    )));
                }
                Ok(ArrivalPlan::Open {
                    mean_gap_ns: f64::from(pool.writers) * SECONDS as f64 / rate,
                    poisson: process == ArrivalProcess::Poisson,
                })
            }
        }
    }

    /// The first intended start of a writer that may begin at `offset`: the offset itself in
    /// closed loop; in open loop one gap later (a random phase for constant gaps, so writers do
    /// not arrive in lockstep).
    pub(crate) fn first(&self, offset: Nanos, rng: &mut WriterRng) -> f64 {
        match *self {
            ArrivalPlan::Closed => offset as f64,
            ArrivalPlan::Open {
                mean_gap_ns,
                poisson: false,
            } => offset as f64 + rng.random::<f64>() * mean_gap_ns,
            ArrivalPlan::Open { .. } => offset as f64 + self.gap(rng),
        }
    }

    /// The gap to the next intended start (open loop; 0 in closed loop).
    #[inline]
    pub(crate) fn gap(&self, rng: &mut WriterRng) -> f64 {
        match *self {
            ArrivalPlan::Closed => 0.0,
            ArrivalPlan::Open {
                mean_gap_ns,
                poisson: false,
            } => mean_gap_ns,
            ArrivalPlan::Open { mean_gap_ns, .. } => {
                // Inverse CDF of the exponential; 1 - u is in (0, 1].
                -(1.0 - rng.random::<f64>()).ln() * mean_gap_ns
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rng::writer_rng;

    #[test]
    fn open_gaps_average_to_writers_over_rate() {
        for poisson in [false, true] {
            let plan = ArrivalPlan::Open {
                mean_gap_ns: 4_000.0,
                poisson,
            };
            let mut rng = writer_rng(5, 0, 0);
            let n = 100_000;
            let mean = (0..n).map(|_| plan.gap(&mut rng)).sum::<f64>() / n as f64;
            assert!((mean - 4_000.0).abs() < 4_000.0 * 0.02, "{poisson}: {mean}");
        }
    }
}
