//! Choosing a regularisation strength by k-fold cross-validation, for the
//! `*_cv` algorithms.

use ndarray::{ArrayView2, Axis};
use rand::seq::SliceRandom;
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;

use super::gram::{self, Normal, Targets};
use super::{argmax, argmax_rows, Target};
use crate::control::Control;
use crate::ml::metrics;
use crate::Error;

/// The candidate whose models score best on the held-out folds (mean r2 for
/// regression, mean accuracy for classification); ties go to the earlier one.
/// Each fold's candidates are solved in order, each starting from the one
/// before: `solve` gets a candidate, a fold's training problem and the
/// previous coefficients (one vector per target column) to replace with
/// its own, so penalties listed from the strongest start warm.
pub fn choose<C: Copy>(
    candidates: &[C],
    (folds, seed): (usize, u64),
    x: ArrayView2<'_, f64>,
    y: &Target<'_>,
    control: &Control,
    solve: impl Fn(C, &Normal, &mut [Vec<f64>]) -> Result<(), Error>,
) -> Result<C, Error> {
    let rows = x.nrows();
    let folds = folds.min(rows);
    if folds < 2 || candidates.len() < 2 {
        return candidates
            .first()
            .copied()
            .ok_or_else(|| Error::Estimator("no candidates".into()));
    }
    let mut order: Vec<usize> = (0..rows).collect();
    order.shuffle(&mut ChaCha8Rng::seed_from_u64(seed));
    let mut fold_of = vec![0u8; rows];
    for (i, &r) in order.iter().enumerate() {
        fold_of[r] = (i % folds) as u8;
    }
    let targets = Targets::new(y);
    let mut totals = vec![0.0; candidates.len()];
    for (fold, training) in gram::fold_complements(x, &targets, &fold_of, folds, control)?
        .iter()
        .enumerate()
    {
        let test: Vec<usize> = (0..rows).filter(|&r| fold_of[r] as usize == fold).collect();
        let x_test = x.select(Axis(0), &test);
        let mut w = vec![vec![0.0; x.ncols()]; targets.columns()];
        for (total, &candidate) in totals.iter_mut().zip(candidates) {
            control.checkpoint()?;
            solve(candidate, training, &mut w)?;
            let outputs = w
                .iter()
                .enumerate()
                .map(|(t, w)| training.linear(t, w.clone()).outputs(x_test.view()))
                .collect::<Result<Vec<_>, _>>()?;
            *total += score(y, &test, &outputs);
        }
    }
    Ok(candidates[argmax(&totals)])
}

/// r2 of the `test` rows' targets, or the accuracy of the class each row's
/// outputs pick (one output: positive is the second class).
fn score(y: &Target<'_>, test: &[usize], outputs: &[Vec<f64>]) -> f64 {
    match y {
        Target::Values(v) => {
            let truth: Vec<f64> = test.iter().map(|&r| v[r]).collect();
            metrics::regression(&truth, &outputs[0])[0].1
        }
        Target::Classes { y, .. } => {
            let predicted = if outputs.len() == 1 {
                outputs[0].iter().map(|&o| f64::from(o > 0.0)).collect()
            } else {
                argmax_rows(outputs, test.len())
            };
            let hits = predicted
                .iter()
                .zip(test)
                .filter(|(p, &r)| **p == y[r] as f64)
                .count();
            hits as f64 / test.len() as f64
        }
    }
}

/// `count` penalties from the smallest that zeroes every coefficient down to
/// a thousandth of it, on a log scale (scikit-learn's LassoCV uses 100 by
/// default, this project 30).
pub fn alpha_grid(x: ArrayView2<'_, f64>, y: &[f64], l1_ratio: f64, count: usize) -> Vec<f64> {
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
    if count == 1 {
        return vec![alpha_max];
    }
    let last = (count - 1) as f64;
    (0..count)
        .map(|i| alpha_max * 10f64.powf(-3.0 * i as f64 / last))
        .collect()
}
