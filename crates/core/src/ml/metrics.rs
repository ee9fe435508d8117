//! The metrics stored with each model, defined as scikit-learn defines them
//! (weighted averages over classes, 0 where a class was never predicted).

/// (name, value) pairs, `score` first.
pub type Metrics = Vec<(&'static str, f64)>;

pub fn regression(truth: &[f64], predicted: &[f64]) -> Metrics {
    let n = truth.len() as f64;
    let mean = truth.iter().sum::<f64>() / n;
    let ss_res: f64 = truth
        .iter()
        .zip(predicted)
        .map(|(t, p)| (t - p).powi(2))
        .sum();
    let ss_tot: f64 = truth.iter().map(|t| (t - mean).powi(2)).sum();
    // scikit-learn's r2_score: 1 for a perfect fit of a constant, 0 otherwise.
    let r2 = if ss_tot == 0.0 {
        if ss_res == 0.0 {
            1.0
        } else {
            0.0
        }
    } else {
        1.0 - ss_res / ss_tot
    };
    let mae = truth
        .iter()
        .zip(predicted)
        .map(|(t, p)| (t - p).abs())
        .sum::<f64>()
        / n;
    let rmse = (ss_res / n).sqrt();
    vec![("score", r2), ("r2", r2), ("mae", mae), ("rmse", rmse)]
}

pub fn classification(truth: &[usize], predicted: &[usize], n_classes: usize) -> Metrics {
    let n = truth.len() as f64;
    let accuracy = truth.iter().zip(predicted).filter(|(t, p)| t == p).count() as f64 / n;
    let mut true_positive = vec![0.0; n_classes];
    let mut predicted_count = vec![0.0; n_classes];
    let mut support = vec![0.0; n_classes];
    for (&t, &p) in truth.iter().zip(predicted) {
        support[t] += 1.0;
        predicted_count[p] += 1.0;
        if t == p {
            true_positive[t] += 1.0;
        }
    }
    let ratio = |a: f64, b: f64| if b == 0.0 { 0.0 } else { a / b };
    let (mut precision, mut recall, mut f1) = (0.0, 0.0, 0.0);
    for c in 0..n_classes {
        let p = ratio(true_positive[c], predicted_count[c]);
        let r = ratio(true_positive[c], support[c]);
        let weight = support[c] / n;
        precision += weight * p;
        recall += weight * r;
        f1 += weight * ratio(2.0 * p * r, p + r);
    }
    vec![
        ("score", accuracy),
        ("accuracy", accuracy),
        ("f1", f1),
        ("precision", precision),
        ("recall", recall),
    ]
}

#[cfg(test)]
mod test {
    use super::*;

    fn get(metrics: &Metrics, name: &str) -> f64 {
        metrics.iter().find(|(n, _)| *n == name).unwrap().1
    }

    #[test]
    fn regression_matches_scikit_learn() {
        // sklearn: r2_score([3,-0.5,2,7],[2.5,0,2,8]) = 0.9486081370449679,
        // mean_absolute_error = 0.5, root_mean_squared_error = 0.6123724356957945
        let m = regression(&[3.0, -0.5, 2.0, 7.0], &[2.5, 0.0, 2.0, 8.0]);
        assert!((get(&m, "r2") - 0.948_608_137_044_967_9).abs() < 1e-12);
        assert!((get(&m, "mae") - 0.5).abs() < 1e-12);
        assert!((get(&m, "rmse") - 0.612_372_435_695_794_5).abs() < 1e-12);
    }

    #[test]
    fn weighted_classification_metrics_match_scikit_learn() {
        // sklearn, y_true=[0,1,2,0,1,2], y_pred=[0,2,1,0,0,1], average="weighted":
        // precision 0.2222222222222222, recall 0.3333333333333333, f1 0.26666666666666666
        let m = classification(&[0, 1, 2, 0, 1, 2], &[0, 2, 1, 0, 0, 1], 3);
        assert!((get(&m, "accuracy") - 1.0 / 3.0).abs() < 1e-12);
        assert!((get(&m, "precision") - 0.222_222_222_222_222_2).abs() < 1e-12);
        assert!((get(&m, "recall") - 0.333_333_333_333_333_3).abs() < 1e-12);
        assert!((get(&m, "f1") - 0.266_666_666_666_666_66).abs() < 1e-12);
    }
}
