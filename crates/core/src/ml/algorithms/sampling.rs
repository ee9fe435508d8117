//! Bootstrap samples for the ensembles, reproducible from a seed.

use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

pub fn rng(seed: u64) -> ChaCha8Rng {
    ChaCha8Rng::seed_from_u64(seed)
}

/// `n` row indices drawn uniformly with replacement.
pub fn bootstrap(rng: &mut ChaCha8Rng, n: usize) -> impl Iterator<Item = usize> + '_ {
    (0..n).map(move |_| rng.random_range(0..n))
}

/// `weights.len()` row indices drawn with replacement, each row with
/// probability proportional to its weight.
pub fn weighted_bootstrap(rng: &mut ChaCha8Rng, weights: &[f64]) -> Vec<usize> {
    let mut cumulative = Vec::with_capacity(weights.len());
    let mut total = 0.0;
    for &w in weights {
        total += w;
        cumulative.push(total);
    }
    (0..weights.len())
        .map(|_| {
            let u = rng.random::<f64>() * total;
            cumulative
                .partition_point(|&c| c <= u)
                .min(weights.len() - 1)
        })
        .collect()
}
