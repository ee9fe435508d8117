//! Choosing a regularisation strength by k-fold cross-validation, for the
//! `*_cv` algorithms.

use ndarray::{ArrayView2, Axis};
use rand::seq::SliceRandom;
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;

use super::{Fitted, Target};
use crate::ml::metrics;
use crate::ml::split::SEED;
use crate::Error;

pub const FOLDS: usize = 5;

/// The candidate whose models score best on the held-out folds (mean r2 for
/// regression, mean accuracy for classification); ties go to the earlier one.
pub fn choose<C: Copy>(
    candidates: &[C],
    x: ArrayView2<'_, f64>,
    y: &Target<'_>,
    fit: impl Fn(C, ArrayView2<'_, f64>, &Target<'_>) -> Result<Box<dyn Fitted>, Error>,
) -> Result<C, Error> {
    let rows = x.nrows();
    let folds = FOLDS.min(rows);
    if folds < 2 || candidates.len() < 2 {
        return candidates
            .first()
            .copied()
            .ok_or_else(|| Error::Estimator("no candidates".into()));
    }
    let mut order: Vec<usize> = (0..rows).collect();
    order.shuffle(&mut ChaCha8Rng::seed_from_u64(SEED));
    let mut best: Option<(f64, C)> = None;
    for &candidate in candidates {
        let mut total = 0.0;
        for fold in 0..folds {
            let (train, test): (Vec<usize>, Vec<usize>) =
                order
                    .iter()
                    .enumerate()
                    .fold((vec![], vec![]), |(mut tr, mut te), (i, &r)| {
                        if i % folds == fold {
                            te.push(r)
                        } else {
                            tr.push(r)
                        }
                        (tr, te)
                    });
            let x_train = x.select(Axis(0), &train);
            let x_test = x.select(Axis(0), &test);
            total += match y {
                Target::Values(v) => {
                    let y_train: Vec<f64> = train.iter().map(|&r| v[r]).collect();
                    let y_test: Vec<f64> = test.iter().map(|&r| v[r]).collect();
                    let model = fit(candidate, x_train.view(), &Target::Values(&y_train))?;
                    metrics::regression(&y_test, &model.predict(x_test.view())?)[0].1
                }
                Target::Classes { y, n_classes } => {
                    let y_train: Vec<usize> = train.iter().map(|&r| y[r]).collect();
                    let y_test: Vec<usize> = test.iter().map(|&r| y[r]).collect();
                    let target = Target::Classes {
                        y: &y_train,
                        n_classes: *n_classes,
                    };
                    let model = fit(candidate, x_train.view(), &target)?;
                    let predicted = model.predict(x_test.view())?;
                    let hits = predicted
                        .iter()
                        .zip(&y_test)
                        .filter(|(p, t)| **p == **t as f64)
                        .count();
                    hits as f64 / y_test.len() as f64
                }
            };
        }
        let mean = total / folds as f64;
        if best.as_ref().is_none_or(|(score, _)| mean > *score) {
            best = Some((mean, candidate));
        }
    }
    Ok(best.expect("at least two candidates were scored").1)
}

/// 30 penalties from the smallest that zeroes every coefficient down to a
/// thousandth of it, on a log scale (scikit-learn's LassoCV uses 100).
pub fn alpha_grid(x: ArrayView2<'_, f64>, y: &[f64], l1_ratio: f64) -> Vec<f64> {
    let n = x.nrows() as f64;
    let mean = y.iter().sum::<f64>() / n;
    let centred: Vec<f64> = y.iter().map(|v| v - mean).collect();
    let alpha_max = x
        .axis_iter(Axis(1))
        .map(|column| {
            column
                .iter()
                .zip(&centred)
                .map(|(a, b)| a * b)
                .sum::<f64>()
                .abs()
        })
        .fold(0.0, f64::max)
        / (n * l1_ratio);
    let alpha_max = if alpha_max > 0.0 { alpha_max } else { 1.0 };
    (0..30)
        .map(|i| alpha_max * 10f64.powf(-3.0 * i as f64 / 29.0))
        .collect()
}
