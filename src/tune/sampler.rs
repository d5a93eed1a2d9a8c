//! Where to measure next: a Latin hypercube to start (every parameter's range cut into as many
//! strata as there are points, each stratum sampled once), then a tree-structured Parzen
//! estimator (TPE; Bergstra et al., 2011), the sampler Optuna uses by default.
//!
//! TPE splits the configurations measured so far into the best few ("good", the lowest
//! tenth, at least two) and the rest; it models each parameter's values among the good ones,
//! `l(x)`, and among the rest, `g(x)`, by Parzen windows (a truncated Gaussian at each value plus a
//! broad prior), draws candidates from `l` and keeps the one with the highest `l(x) / g(x)`. It
//! needs only the ranking of the measured configurations, which is what lets constraints in:
//! the caller ranks feasible configurations by their objective and infeasible ones after them
//! by how far they miss.
//!
//! Parameters are modelled one by one (a product of per-parameter densities, as Optuna's
//! default). Discrete parameters of up to [`CATEGORICAL_UP_TO`] values are modelled by
//! smoothed counts instead of windows.

use rand::Rng;

use super::space::Space;
use crate::rng::WriterRng;

/// Discrete parameters with at most this many values are modelled by counts.
pub const CATEGORICAL_UP_TO: u64 = 32;
/// Candidates drawn from `l` per suggestion.
pub const CANDIDATES: usize = 24;

/// One measured configuration, as the sampler sees it.
#[derive(Clone, Debug, PartialEq)]
pub struct Observation {
    /// Its point (coordinates in `[0, 1)`).
    pub point: Vec<f64>,
    /// Its rank key: lower is better.
    pub loss: f64,
}

/// `n` points of a Latin hypercube in `dims` dimensions.
pub fn latin_hypercube(n: usize, dims: usize, rng: &mut WriterRng) -> Vec<Vec<f64>> {
    let mut points = vec![vec![0.0; dims]; n];
    for d in 0..dims {
        let mut strata: Vec<usize> = (0..n).collect();
        // Fisher-Yates, so each point gets a different stratum of this parameter.
        for i in (1..n).rev() {
            strata.swap(i, rng.random_range(0..=i));
        }
        for (point, s) in points.iter_mut().zip(strata) {
            point[d] = (s as f64 + rng.random::<f64>()) / n as f64;
        }
    }
    points
}

/// How many of `n` observations count as good.
fn good_count(n: usize) -> usize {
    ((n as f64 * 0.1).ceil() as usize).clamp(2, 25).min(n)
}

/// The next point to measure, given what was measured (at least two observations).
pub fn suggest(space: &Space, observed: &[Observation], rng: &mut WriterRng) -> Vec<f64> {
    let mut order: Vec<&Observation> = observed.iter().collect();
    order.sort_by(|a, b| a.loss.total_cmp(&b.loss));
    let (good, bad) = order.split_at(good_count(order.len()));
    let models: Vec<(Density, Density)> = space
        .params
        .iter()
        .enumerate()
        .map(|(d, p)| {
            let column = |set: &[&Observation]| set.iter().map(|o| o.point[d]).collect::<Vec<_>>();
            match p.domain.count().filter(|&k| k <= CATEGORICAL_UP_TO) {
                Some(k) => (
                    Density::counts(&column(good), k as usize),
                    Density::counts(&column(bad), k as usize),
                ),
                None => (
                    Density::parzen(&column(good)),
                    Density::parzen(&column(bad)),
                ),
            }
        })
        .collect();
    let mut best: Option<(f64, Vec<f64>)> = None;
    for _ in 0..CANDIDATES {
        let point: Vec<f64> = models.iter().map(|(l, _)| l.sample(rng)).collect();
        let score: f64 = models
            .iter()
            .zip(&point)
            .map(|((l, g), &x)| l.log_pdf(x) - g.log_pdf(x))
            .sum();
        if best.as_ref().is_none_or(|(s, _)| score > *s) {
            best = Some((score, point));
        }
    }
    best.map(|(_, p)| p).expect("CANDIDATES > 0")
}

/// A density over `[0, 1)`.
#[derive(Clone, Debug)]
enum Density {
    /// Smoothed counts over `k` equal bins: a count of one prior observation spread evenly.
    Counts(Vec<f64>),
    /// Truncated Gaussians (mean, sd), equally weighted.
    Parzen(Vec<(f64, f64)>),
}

impl Density {
    fn counts(xs: &[f64], k: usize) -> Self {
        let mut w = vec![1.0 / k as f64; k];
        for &x in xs {
            w[((x * k as f64) as usize).min(k - 1)] += 1.0;
        }
        let total: f64 = w.iter().sum();
        Density::Counts(w.into_iter().map(|x| x / total).collect())
    }

    /// A window at each value, as wide as its larger gap to a neighbour (the range's ends
    /// count as neighbours), plus a prior window over the whole range.
    fn parzen(xs: &[f64]) -> Self {
        let mut mus: Vec<f64> = xs.to_vec();
        mus.push(0.5);
        mus.sort_by(f64::total_cmp);
        let floor = 1.0 / (mus.len() as f64 + 1.0).min(100.0);
        let mut parts: Vec<(f64, f64)> = (0..mus.len())
            .map(|i| {
                let left = if i == 0 { mus[i] } else { mus[i] - mus[i - 1] };
                let right = if i + 1 == mus.len() {
                    1.0 - mus[i]
                } else {
                    mus[i + 1] - mus[i]
                };
                (mus[i], left.max(right).clamp(floor, 1.0))
            })
            .collect();
        // The prior's window spans the range whatever its neighbours.
        if let Some(prior) = parts.iter_mut().find(|(mu, _)| *mu == 0.5) {
            prior.1 = 1.0;
        }
        Density::Parzen(parts)
    }

    fn sample(&self, rng: &mut WriterRng) -> f64 {
        match self {
            Density::Counts(w) => {
                let mut r = rng.random::<f64>();
                for (i, p) in w.iter().enumerate() {
                    if r < *p {
                        return (i as f64 + 0.5) / w.len() as f64;
                    }
                    r -= p;
                }
                (w.len() as f64 - 0.5) / w.len() as f64
            }
            Density::Parzen(parts) => {
                let (mu, sd) = parts[rng.random_range(0..parts.len())];
                for _ in 0..64 {
                    let x = mu + sd * standard_normal(rng);
                    if (0.0..1.0).contains(&x) {
                        return x;
                    }
                }
                rng.random::<f64>()
            }
        }
    }

    fn log_pdf(&self, x: f64) -> f64 {
        match self {
            Density::Counts(w) => {
                let i = ((x * w.len() as f64) as usize).min(w.len() - 1);
                (w[i] * w.len() as f64).ln()
            }
            Density::Parzen(parts) => {
                let p: f64 = parts
                    .iter()
                    .map(|&(mu, sd)| {
                        let z = (x - mu) / sd;
                        let mass = normal_cdf((1.0 - mu) / sd) - normal_cdf(-mu / sd);
                        (-0.5 * z * z).exp()
                            / (sd * (2.0 * std::f64::consts::PI).sqrt())
                            / mass.max(1e-12)
                    })
                    .sum::<f64>()
                    / parts.len() as f64;
                p.max(1e-300).ln()
            }
        }
    }
}

/// A standard normal draw (Box-Muller).
fn standard_normal(rng: &mut WriterRng) -> f64 {
    let u1: f64 = rng.random::<f64>().max(f64::MIN_POSITIVE);
    let u2: f64 = rng.random();
    (-2.0 * u1.ln()).sqrt() * (2.0 * std::f64::consts::PI * u2).cos()
}

/// The standard normal distribution function, from Abramowitz and Stegun's 7.1.26
/// approximation of erf (error below 1.5e-7).
pub fn normal_cdf(x: f64) -> f64 {
    let z = x.abs() / std::f64::consts::SQRT_2;
    let t = 1.0 / (1.0 + 0.327_591_1 * z);
    let poly = t
        * (0.254_829_592
            + t * (-0.284_496_736
                + t * (1.421_413_741 + t * (-1.453_152_027 + t * 1.061_405_429))));
    let erf = 1.0 - poly * (-z * z).exp();
    if x >= 0.0 {
        0.5 * (1.0 + erf)
    } else {
        0.5 * (1.0 - erf)
    }
}

#[cfg(test)]
mod tests {
    use rand::SeedableRng;

    use super::*;

    fn space(args: &[&str]) -> Space {
        let args: Vec<String> = args.iter().map(|a| (*a).to_owned()).collect();
        Space::parse(&args, "p").unwrap()
    }

    #[test]
    fn a_latin_hypercube_puts_one_point_in_every_stratum() {
        let mut rng = WriterRng::seed_from_u64(1);
        let points = latin_hypercube(10, 3, &mut rng);
        for d in 0..3 {
            let mut strata: Vec<usize> = points.iter().map(|p| (p[d] * 10.0) as usize).collect();
            strata.sort_unstable();
            assert_eq!(strata, (0..10).collect::<Vec<_>>());
        }
    }

    #[test]
    fn the_normal_cdf_matches_known_values() {
        assert!((normal_cdf(0.0) - 0.5).abs() < 1e-7);
        assert!((normal_cdf(1.96) - 0.975).abs() < 1e-4);
        assert!((normal_cdf(-1.0) - 0.158_655).abs() < 1e-5);
    }

    #[test]
    fn tpe_moves_towards_the_good_region() {
        // Loss (x - 0.8)^2 on one continuous parameter: after a few random observations the
        // suggestions must cluster near 0.8.
        let s = space(&["jitter_factor=0.0..1.0"]);
        let mut rng = WriterRng::seed_from_u64(7);
        let mut observed: Vec<Observation> = latin_hypercube(8, 1, &mut rng)
            .into_iter()
            .map(|p| Observation {
                loss: (p[0] - 0.8).powi(2),
                point: p,
            })
            .collect();
        for _ in 0..30 {
            let p = suggest(&s, &observed, &mut rng);
            observed.push(Observation {
                loss: (p[0] - 0.8).powi(2),
                point: p,
            });
        }
        let last: Vec<f64> = observed[observed.len() - 10..]
            .iter()
            .map(|o| o.point[0])
            .collect();
        let near = last.iter().filter(|x| (**x - 0.8).abs() < 0.15).count();
        assert!(near >= 6, "{last:?}");
    }

    #[test]
    fn tpe_prefers_the_good_choice() {
        let s = space(&["jitter=none,full,equal,decorrelated"]);
        let mut rng = WriterRng::seed_from_u64(3);
        let loss = |u: f64| if (u * 4.0) as usize == 2 { 0.0 } else { 1.0 };
        let mut observed: Vec<Observation> = (0..8)
            .map(|i| {
                let u = ((i % 4) as f64 + 0.5) / 4.0;
                Observation {
                    point: vec![u],
                    loss: loss(u),
                }
            })
            .collect();
        let mut picked = 0;
        for _ in 0..20 {
            let p = suggest(&s, &observed, &mut rng);
            picked += usize::from((p[0] * 4.0) as usize == 2);
            observed.push(Observation {
                loss: loss(p[0]),
                point: p,
            });
        }
        assert!(picked >= 12, "{picked}");
    }
}
