//! Which actor each operation targets: key distributions and O(1) samplers for them.
//!
//! [`KeyDistribution`] is the serde-facing description (a scenario's `keys = { kind = "zipf",
//! exponent = 0.99 }`); [`KeySampler`] is built from it once for a fixed number of actors and then
//! samples an actor id in `0..actors` in constant time from one or two random words:
//!
//! | distribution | sampler | cost |
//! |---|---|---|
//! | uniform | multiply-shift of one random word | ~1 ns |
//! | hot-actor | constant | ~0 ns |
//! | hotspot | one word for the hot/cold coin, one for the actor | ~2 ns |
//! | zipf, latest | Vose alias table over the actors (8 bytes per actor) | ~2–10 ns (one table load) |
//!
//! `rand_distr::Zipf` costs 130–280 ns a sample on this project's machines (rejection-inversion
//! with `powf` and `ln`); the alias table trades `8 × actors` bytes of memory for it.
//! `benches/keys.rs` measures both in the same run.

use rand::RngCore;
use rand::SeedableRng;
use rand::rngs::SmallRng;
use rand::seq::SliceRandom;

use crate::store::ActorId;

/// How operations pick their actor among a fixed set of `actors` ids `0..actors`.
#[derive(Clone, Copy, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
#[serde(tag = "kind", rename_all = "kebab-case", deny_unknown_fields)]
pub enum KeyDistribution {
    /// Every actor equally likely.
    // `{}` rather than a unit variant: serde rejects unknown fields only in struct variants.
    Uniform {},
    /// Zipf: the actor of rank `r` (from 0) has probability proportional to `1 / (r + 1)^exponent`.
    Zipf {
        /// Skew, from 0 (uniform) to 10; YCSB uses 0.99.
        exponent: f64,
        /// `false`: rank `r` is actor `r` (actor 0 hottest). `true`: ranks are spread over the
        /// id space by a fixed pseudo-random permutation, like YCSB's scrambled zipfian (which
        /// hashes the rank), so hot actors do not sit next to each other (nor in one shard).
        #[serde(default)]
        scrambled: bool,
    },
    /// A hot set: the first `hot_fraction` of the actors receive `op_fraction` of the operations,
    /// uniformly; the rest receive the others, uniformly (YCSB's hotspot).
    Hotspot {
        /// Share of actors in the hot set, in `(0, 1]` (at least one actor is hot).
        hot_fraction: f64,
        /// Share of operations aimed at the hot set, in `[0, 1]`.
        op_fraction: f64,
    },
    /// Every operation on actor 0: the worst case for conflicts.
    HotActor {},
    /// YCSB's "latest" on a fixed actor set: zipf over recency, where the most recently created
    /// actor is the one with the highest id. Actor `actors - 1 - r` gets probability
    /// proportional to `1 / (r + 1)^exponent`.
    Latest {
        /// Skew, from 0 (uniform) to 10; YCSB uses 0.99.
        exponent: f64,
    },
}

/// Why a key distribution could not be sampled for the given actor count.
#[derive(Clone, Copy, Debug, PartialEq, thiserror::Error)]
#[non_exhaustive]
pub enum KeyDistributionError {
    /// The actor count is 0: there is nothing to pick. Fix: use at least 1 actor.
    #[error("the actor count must be at least 1")]
    NoActors,
    /// A table-based distribution (zipf, latest) was asked for more actors than its table can
    /// hold. Fix: use at most `max` actors, or a uniform or hotspot distribution.
    #[error(
        "{actors} actors exceed the {max} that a zipf or latest sampler can tabulate: use at \
         most {max} actors, or a uniform or hotspot distribution"
    )]
    TooManyActors {
        /// The requested actor count.
        actors: u64,
        /// The largest count accepted.
        max: u64,
    },
    /// A parameter is out of its range (or not a number). Fix: use a value in `allowed`.
    #[error("{field} = {value} is out of range: allowed {allowed}")]
    OutOfRange {
        /// The parameter's name, as written in a scenario file.
        field: &'static str,
        /// The rejected value.
        value: f64,
        /// The allowed range, in words.
        allowed: &'static str,
    },
}

/// The largest actor count for the table-based samplers: 2^26 actors is a 512 MiB table.
pub const MAX_TABULATED_ACTORS: u64 = 1 << 26;

/// Fixed seed of the scrambling permutation, so a scrambled run is the same on every machine.
const SCRAMBLE_SEED: u64 = 0x5CA4_B1ED_2F1F_0001;

impl KeyDistribution {
    /// Checks the parameters for `actors` actors.
    ///
    /// # Errors
    ///
    /// [`KeyDistributionError`] naming the first invalid field.
    pub fn validate(&self, actors: u64) -> Result<(), KeyDistributionError> {
        if actors == 0 {
            return Err(KeyDistributionError::NoActors);
        }
        match *self {
            KeyDistribution::Uniform {} | KeyDistribution::HotActor {} => Ok(()),
            KeyDistribution::Zipf { exponent, .. } | KeyDistribution::Latest { exponent } => {
                check(exponent, "exponent", 0.0..=10.0, "0 to 10")?;
                if actors > MAX_TABULATED_ACTORS {
                    return Err(KeyDistributionError::TooManyActors {
                        actors,
                        max: MAX_TABULATED_ACTORS,
                    });
                }
                Ok(())
            }
            KeyDistribution::Hotspot {
                hot_fraction,
                op_fraction,
            } => {
                check(
                    hot_fraction,
                    "hot_fraction",
                    0.0..=1.0,
                    "more than 0, at most 1",
                )?;
                if hot_fraction == 0.0 {
                    return Err(KeyDistributionError::OutOfRange {
                        field: "hot_fraction",
                        value: hot_fraction,
                        allowed: "more than 0, at most 1",
                    });
                }
                check(op_fraction, "op_fraction", 0.0..=1.0, "0 to 1")
            }
        }
    }

    /// The exact probability of each actor id `0..actors` (O(actors) time and memory: for tests
    /// and reports, not the hot path).
    ///
    /// # Errors
    ///
    /// As [`KeyDistribution::validate`].
    pub fn pmf(&self, actors: u64) -> Result<Vec<f64>, KeyDistributionError> {
        self.validate(actors)?;
        let n = actors as usize;
        let mut weights = match *self {
            KeyDistribution::Uniform {} => vec![1.0; n],
            KeyDistribution::HotActor {} => {
                let mut w = vec![0.0; n];
                w[0] = 1.0;
                w
            }
            KeyDistribution::Hotspot {
                hot_fraction,
                op_fraction,
            } => {
                let hot = hot_count(actors, hot_fraction) as usize;
                let cold = n - hot;
                let (hot_share, cold_share) = if cold == 0 {
                    (1.0, 0.0)
                } else {
                    (op_fraction, 1.0 - op_fraction)
                };
                (0..n)
                    .map(|i| {
                        if i < hot {
                            hot_share / hot as f64
                        } else {
                            cold_share / cold as f64
                        }
                    })
                    .collect()
            }
            KeyDistribution::Zipf {
                exponent,
                scrambled,
            } => {
                let mut w = vec![0.0; n];
                let ranks = rank_to_actor(n, scrambled);
                for (rank, &actor) in ranks.iter().enumerate() {
                    w[actor as usize] = zipf_weight(rank, exponent);
                }
                w
            }
            KeyDistribution::Latest { exponent } => (0..n)
                .map(|actor| zipf_weight(n - 1 - actor, exponent))
                .collect(),
        };
        let total: f64 = weights.iter().sum();
        weights.iter_mut().for_each(|w| *w /= total);
        Ok(weights)
    }
}

fn check(
    value: f64,
    field: &'static str,
    range: std::ops::RangeInclusive<f64>,
    allowed: &'static str,
) -> Result<(), KeyDistributionError> {
    if range.contains(&value) {
        Ok(())
    } else {
        Err(KeyDistributionError::OutOfRange {
            field,
            value,
            allowed,
        })
    }
}

/// Unnormalised zipf weight of rank `rank` (from 0).
fn zipf_weight(rank: usize, exponent: f64) -> f64 {
    ((rank + 1) as f64).powf(-exponent)
}

/// Actors in the hot set: `ceil(hot_fraction × actors)`, at least 1, at most all.
fn hot_count(actors: u64, hot_fraction: f64) -> u64 {
    ((hot_fraction * actors as f64).ceil() as u64).clamp(1, actors)
}

/// The actor of each rank: the identity, or a fixed seeded shuffle.
fn rank_to_actor(n: usize, scrambled: bool) -> Vec<u32> {
    let mut actors: Vec<u32> = (0..n as u32).collect();
    if scrambled {
        actors.shuffle(&mut SmallRng::seed_from_u64(SCRAMBLE_SEED));
    }
    actors
}

/// A uniform integer in `0..n` from one random word (Lemire's multiply-shift; the bias is at
/// most `n / 2^64`, far below anything measurable).
#[inline]
fn below(word: u64, n: u64) -> u64 {
    ((u128::from(word) * u128::from(n)) >> 64) as u64
}

/// One column of a Vose alias table: keep the column with probability `threshold / 2^32`, else
/// take `alias`. Both in one 8-byte entry, so a sample costs one cache line.
#[derive(Clone, Copy, Debug)]
struct AliasEntry {
    threshold: u32,
    alias: u32,
}

#[derive(Clone, Debug)]
enum Sampler {
    Uniform,
    HotActor,
    Hotspot { hot: u64, hot_threshold: u64 },
    Alias(Box<[AliasEntry]>),
}

/// Samples actor ids in `0..actors` following a [`KeyDistribution`], in O(1) per sample.
///
/// # Examples
///
/// ```
/// use rand::SeedableRng;
/// use retrylab::workload::keys::{KeyDistribution, KeySampler};
///
/// let sampler =
///     KeySampler::new(KeyDistribution::Zipf { exponent: 0.99, scrambled: false }, 1_000).unwrap();
/// let mut rng = rand::rngs::SmallRng::seed_from_u64(1);
/// assert!(sampler.sample(&mut rng) < 1_000);
/// ```
#[derive(Clone, Debug)]
pub struct KeySampler {
    distribution: KeyDistribution,
    actors: u64,
    sampler: Sampler,
}

impl KeySampler {
    /// Builds a sampler of `distribution` over `actors` actors (O(actors) for zipf and latest).
    ///
    /// # Errors
    ///
    /// [`KeyDistributionError`] if the distribution is invalid for that many actors.
    pub fn new(distribution: KeyDistribution, actors: u64) -> Result<Self, KeyDistributionError> {
        distribution.validate(actors)?;
        let sampler = match distribution {
            KeyDistribution::Uniform {} => Sampler::Uniform,
            KeyDistribution::HotActor {} => Sampler::HotActor,
            KeyDistribution::Hotspot {
                hot_fraction,
                op_fraction,
            } => Sampler::Hotspot {
                hot: hot_count(actors, hot_fraction),
                // `as` saturates, so 1.0 maps to u64::MAX (a 2^-64 chance of a cold pick).
                hot_threshold: (op_fraction * 18_446_744_073_709_551_616.0) as u64,
            },
            KeyDistribution::Zipf { .. } | KeyDistribution::Latest { .. } => {
                Sampler::Alias(alias_table(&distribution.pmf(actors)?))
            }
        };
        Ok(Self {
            distribution,
            actors,
            sampler,
        })
    }

    /// The distribution sampled.
    pub fn distribution(&self) -> KeyDistribution {
        self.distribution
    }

    /// The number of actors: every sample is below it.
    pub fn actors(&self) -> u64 {
        self.actors
    }

    /// One actor id, in `0..actors`.
    #[inline]
    pub fn sample<R: RngCore + ?Sized>(&self, rng: &mut R) -> ActorId {
        match &self.sampler {
            Sampler::Uniform => below(rng.next_u64(), self.actors),
            Sampler::HotActor => 0,
            Sampler::Hotspot { hot, hot_threshold } => {
                let cold = self.actors - hot;
                if cold == 0 || rng.next_u64() < *hot_threshold {
                    below(rng.next_u64(), *hot)
                } else {
                    hot + below(rng.next_u64(), cold)
                }
            }
            Sampler::Alias(table) => {
                let word = rng.next_u64();
                // High half picks the column, low half tosses the coin: independent bits.
                let column = ((word >> 32) * table.len() as u64) >> 32;
                let entry = table[column as usize];
                if (word as u32) < entry.threshold {
                    column
                } else {
                    u64::from(entry.alias)
                }
            }
        }
    }
}

/// Vose's alias method: O(n) construction from a pmf summing to 1.
fn alias_table(pmf: &[f64]) -> Box<[AliasEntry]> {
    let n = pmf.len();
    let mut scaled: Vec<f64> = pmf.iter().map(|p| p * n as f64).collect();
    // Full columns keep themselves (threshold at the top, alias to self).
    let mut table: Vec<AliasEntry> = (0..n as u32)
        .map(|i| AliasEntry {
            threshold: u32::MAX,
            alias: i,
        })
        .collect();
    let (mut small, mut large): (Vec<u32>, Vec<u32>) =
        (0..n as u32).partition(|&i| scaled[i as usize] < 1.0);
    while let (Some(&s), Some(&l)) = (small.last(), large.last()) {
        small.pop();
        let share = scaled[s as usize];
        table[s as usize] = AliasEntry {
            threshold: (share * 4_294_967_296.0).min(u32::MAX as f64) as u32,
            alias: l,
        };
        scaled[l as usize] -= 1.0 - share;
        if scaled[l as usize] < 1.0 {
            large.pop();
            small.push(l);
        }
    }
    // What is left is 1 up to rounding error: full columns (already set).
    table.into_boxed_slice()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rng() -> SmallRng {
        SmallRng::seed_from_u64(0xC0FFEE)
    }

    fn frequencies(sampler: &KeySampler, samples: usize) -> Vec<f64> {
        let mut rng = rng();
        let mut counts = vec![0u64; sampler.actors() as usize];
        for _ in 0..samples {
            counts[sampler.sample(&mut rng) as usize] += 1;
        }
        counts.iter().map(|&c| c as f64 / samples as f64).collect()
    }

    /// Total variation distance between two pmfs.
    fn total_variation(a: &[f64], b: &[f64]) -> f64 {
        a.iter().zip(b).map(|(x, y)| (x - y).abs()).sum::<f64>() / 2.0
    }

    const ALL: [KeyDistribution; 7] = [
        KeyDistribution::Uniform {},
        KeyDistribution::HotActor {},
        KeyDistribution::Hotspot {
            hot_fraction: 0.2,
            op_fraction: 0.8,
        },
        KeyDistribution::Hotspot {
            hot_fraction: 1.0,
            op_fraction: 0.3,
        },
        KeyDistribution::Zipf {
            exponent: 0.99,
            scrambled: false,
        },
        KeyDistribution::Zipf {
            exponent: 1.2,
            scrambled: true,
        },
        KeyDistribution::Latest { exponent: 0.99 },
    ];

    #[test]
    fn samples_stay_below_the_actor_count() {
        for distribution in ALL {
            for actors in [1, 2, 7, 1000] {
                let sampler = KeySampler::new(distribution, actors).unwrap();
                let mut rng = rng();
                for _ in 0..20_000 {
                    let actor = sampler.sample(&mut rng);
                    assert!(actor < actors, "{distribution:?} gave {actor} of {actors}");
                }
            }
        }
    }

    #[test]
    fn empirical_frequencies_match_the_pmf() {
        // 1M samples over 1,000 actors: sampling noise gives a total variation near 0.006 for
        // zipf(0.99) and 0.013 for uniform; 0.025 flags any real error (a 1% mass shift shows).
        // The top ranks each carry over 1% of the mass: 3% relative error is above 3.5 sd.
        for distribution in ALL {
            let sampler = KeySampler::new(distribution, 1000).unwrap();
            let target = distribution.pmf(1000).unwrap();
            let seen = frequencies(&sampler, 1_000_000);
            let tv = total_variation(&seen, &target);
            assert!(tv < 0.025, "{distribution:?}: total variation {tv}");
            let mut by_mass: Vec<usize> = (0..1000).collect();
            by_mass.sort_by(|&a, &b| target[b].total_cmp(&target[a]));
            for &actor in by_mass.iter().take(10).filter(|&&a| target[a] > 0.01) {
                let relative = (seen[actor] - target[actor]).abs() / target[actor];
                assert!(
                    relative < 0.03,
                    "{distribution:?}: actor {actor} off by {relative}"
                );
            }
        }
    }

    #[test]
    fn zipf_pmf_follows_the_power_law_and_scrambling_only_permutes() {
        let plain = KeyDistribution::Zipf {
            exponent: 0.99,
            scrambled: false,
        }
        .pmf(100)
        .unwrap();
        assert!((plain[0] / plain[1] - 2f64.powf(0.99)).abs() < 1e-9);
        assert!((plain[0] / plain[99] - 100f64.powf(0.99)).abs() < 1e-6);
        let harmonic: f64 = (1..=100).map(|k| (k as f64).powf(-0.99)).sum();
        assert!((plain[0] - 1.0 / harmonic).abs() < 1e-12);

        let scrambled = KeyDistribution::Zipf {
            exponent: 0.99,
            scrambled: true,
        }
        .pmf(100)
        .unwrap();
        let (mut a, mut b) = (plain.clone(), scrambled.clone());
        a.sort_by(f64::total_cmp);
        b.sort_by(f64::total_cmp);
        // Equal up to summation order in the normalisation.
        let close = |x: &[f64], y: &[f64]| x.iter().zip(y).all(|(p, q)| (p - q).abs() < 1e-15);
        assert!(
            close(&a, &b),
            "scrambling must permute, not change, the probabilities"
        );
        assert_ne!(plain, scrambled);
        // The ten hottest scrambled actors are spread, not the first ten ids.
        let mut hottest: Vec<usize> = (0..100).collect();
        hottest.sort_by(|&x, &y| scrambled[y].total_cmp(&scrambled[x]));
        assert!(hottest[..10].iter().any(|&actor| actor >= 10));

        let latest = KeyDistribution::Latest { exponent: 0.99 }.pmf(100).unwrap();
        let reversed: Vec<f64> = latest.iter().rev().copied().collect();
        assert!(
            close(&reversed, &plain),
            "latest is zipf with the highest id hottest"
        );
    }

    #[test]
    fn hotspot_sends_its_share_to_the_hot_set() {
        let sampler = KeySampler::new(
            KeyDistribution::Hotspot {
                hot_fraction: 0.1,
                op_fraction: 0.9,
            },
            1000,
        )
        .unwrap();
        let mut rng = rng();
        let samples = 200_000;
        let hot = (0..samples)
            .filter(|_| sampler.sample(&mut rng) < 100)
            .count();
        let share = hot as f64 / samples as f64;
        // sd of the share ≈ sqrt(0.09 / 200,000) ≈ 0.0007.
        assert!((share - 0.9).abs() < 0.005, "hot share {share}");
    }

    #[test]
    fn invalid_parameters_name_their_field() {
        let field = |d: KeyDistribution, actors| match KeySampler::new(d, actors) {
            Err(KeyDistributionError::OutOfRange { field, .. }) => Some(field),
            _ => None,
        };
        assert_eq!(
            field(
                KeyDistribution::Zipf {
                    exponent: -1.0,
                    scrambled: false
                },
                10
            ),
            Some("exponent")
        );
        assert_eq!(
            field(KeyDistribution::Latest { exponent: f64::NAN }, 10),
            Some("exponent")
        );
        assert_eq!(
            field(
                KeyDistribution::Hotspot {
                    hot_fraction: 0.0,
                    op_fraction: 0.5
                },
                10
            ),
            Some("hot_fraction")
        );
        assert_eq!(
            field(
                KeyDistribution::Hotspot {
                    hot_fraction: 0.5,
                    op_fraction: 1.5
                },
                10
            ),
            Some("op_fraction")
        );
        assert_eq!(
            KeySampler::new(KeyDistribution::Uniform {}, 0).err(),
            Some(KeyDistributionError::NoActors)
        );
        assert_eq!(
            KeySampler::new(
                KeyDistribution::Latest { exponent: 1.0 },
                MAX_TABULATED_ACTORS + 1
            )
            .err(),
            Some(KeyDistributionError::TooManyActors {
                actors: MAX_TABULATED_ACTORS + 1,
                max: MAX_TABULATED_ACTORS
            })
        );
    }

    #[test]
    fn distributions_parse_from_scenario_syntax() {
        let parsed: KeyDistribution =
            serde_json::from_str(r#"{"kind": "zipf", "exponent": 0.99}"#).unwrap();
        assert_eq!(
            parsed,
            KeyDistribution::Zipf {
                exponent: 0.99,
                scrambled: false
            }
        );
        let parsed: KeyDistribution =
            toml::from_str("kind = \"hotspot\"\nhot_fraction = 0.2\nop_fraction = 0.8").unwrap();
        assert_eq!(
            parsed,
            KeyDistribution::Hotspot {
                hot_fraction: 0.2,
                op_fraction: 0.8
            }
        );
        for distribution in ALL {
            let json = serde_json::to_string(&distribution).unwrap();
            assert_eq!(
                serde_json::from_str::<KeyDistribution>(&json).unwrap(),
                distribution
            );
        }
    }
}
