//! Target encoding: a category's mean target in the training rows, each
//! training row's from the other folds only, so that its own target is
//! never in its code; and the trees' codes ordered by that mean.

use super::columns::NULL_CODE;

/// Folds of the out-of-fold target encoding of the training rows.
pub const TARGET_FOLDS: usize = 5;
/// Target encoding pulls a category's mean towards the overall mean as if
/// this many rows of the overall mean were added to each category.
pub const TARGET_SMOOTHING: f64 = 10.0;

/// What the target encoding learns from: the training rows' targets.
pub enum TrainTarget<'a> {
    Values(&'a [f64]),
    Classes { y: &'a [usize], n_classes: usize },
}

/// Orders kept categories by the mean target of their training rows
/// (regression, and the share of the second class for two classes); many
/// classes keep the order by count. `None` is NULL's category.
pub fn order_by_target(
    candidates: &mut [(usize, Option<usize>)],
    codes: &[u32],
    train: &[usize],
    target: &TrainTarget<'_>,
    distinct: usize,
) {
    let value = |position: usize| match target {
        TrainTarget::Values(y) => Some(y[position]),
        TrainTarget::Classes { y, n_classes: 2 } => Some((y[position] == 1) as u8 as f64),
        TrainTarget::Classes { .. } => None,
    };
    if value(0).is_none() && !train.is_empty() {
        return;
    }
    // Sums per dictionary code, NULL's last.
    let mut sums = vec![0.0; distinct + 1];
    for (position, &row) in train.iter().enumerate() {
        let slot = match codes[row] {
            NULL_CODE => distinct,
            code if (code as usize) < distinct => code as usize,
            _ => continue,
        };
        sums[slot] += value(position).unwrap_or(0.0);
    }
    let mean =
        |&(count, code): &(usize, Option<usize>)| sums[code.unwrap_or(distinct)] / count as f64;
    candidates.sort_by(|a, b| mean(a).total_cmp(&mean(b)));
}

pub fn outputs(target: &TrainTarget<'_>) -> usize {
    match target {
        TrainTarget::Values(_) => 1,
        TrainTarget::Classes { n_classes, .. } if *n_classes <= 2 => 1,
        TrainTarget::Classes { n_classes, .. } => *n_classes,
    }
}

/// The mean target per code over all training rows (stored for
/// prediction) and per fold over the other folds' rows (for the training
/// rows themselves, so that no row's own target is in its code).
/// `cell` gives a training row's code, `codes` (the other code included) in all.
pub fn target_tables(
    codes: usize,
    cell: impl Fn(usize) -> f64,
    train: &[usize],
    target: &TrainTarget<'_>,
) -> (Vec<f64>, Vec<Vec<f64>>) {
    let outputs = outputs(target);
    let value = |position: usize, output: usize| -> f64 {
        match target {
            TrainTarget::Values(y) => y[position],
            TrainTarget::Classes { y, n_classes } if *n_classes <= 2 => {
                (y[position] == 1) as u8 as f64
            }
            TrainTarget::Classes { y, .. } => (y[position] == output) as u8 as f64,
        }
    };
    // Sums and counts per fold, then whole = sum over folds.
    let mut sums = vec![vec![0.0; codes * outputs]; TARGET_FOLDS];
    let mut counts = vec![vec![0.0; codes]; TARGET_FOLDS];
    for (position, &row) in train.iter().enumerate() {
        let fold = position % TARGET_FOLDS;
        let code = (cell(row) as usize).min(codes - 1);
        counts[fold][code] += 1.0;
        for o in 0..outputs {
            sums[fold][code * outputs + o] += value(position, o);
        }
    }
    let table = |skip: Option<usize>| -> Vec<f64> {
        let used = |f: &usize| Some(*f) != skip;
        let n: f64 = (0..TARGET_FOLDS)
            .filter(used)
            .map(|f| counts[f].iter().sum::<f64>())
            .sum();
        let mut out = vec![0.0; codes * outputs];
        for o in 0..outputs {
            let total: f64 = (0..TARGET_FOLDS)
                .filter(used)
                .map(|f| (0..codes).map(|c| sums[f][c * outputs + o]).sum::<f64>())
                .sum();
            let prior = if n > 0.0 { total / n } else { 0.0 };
            for c in 0..codes {
                let (s, k) = (0..TARGET_FOLDS)
                    .filter(used)
                    .fold((0.0, 0.0), |(s, k), f| {
                        (s + sums[f][c * outputs + o], k + counts[f][c])
                    });
                out[c * outputs + o] = (s + TARGET_SMOOTHING * prior) / (k + TARGET_SMOOTHING);
            }
        }
        out
    };
    let folds = (0..TARGET_FOLDS).map(|f| table(Some(f))).collect();
    (table(None), folds)
}
