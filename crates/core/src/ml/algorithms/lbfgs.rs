//! L-BFGS for smooth convex objectives (the logistic loss with an L2
//! penalty), stopping as scipy's L-BFGS-B does for scikit-learn: when no
//! gradient component exceeds `gtol`, when an iteration no longer lowers
//! the objective by more than a few ulps, or after `max_iter` iterations.
//!
//! Written here rather than taken from argmin (through linfa-logistic):
//! each evaluation of the objective is one pass over the rows that gives
//! the value and the gradient together, with a checkpoint within, and on
//! digits linfa-logistic's line search stopped after a few iterations.

use crate::control::Control;
use crate::Error;

/// Pairs of steps and gradient changes kept (scipy's default).
const MEMORY: usize = 10;
/// Halvings of a step before the line search gives up.
const MAX_HALVINGS: usize = 50;
/// Armijo's sufficient decrease.
const DECREASE: f64 = 1e-4;
/// scipy's `ftol` as scikit-learn sets it.
const FTOL: f64 = 64.0 * f64::EPSILON;

pub struct Stop {
    pub max_iter: usize,
    pub gtol: f64,
}

/// Minimises `objective` from `x` (left at the minimum found), where
/// `objective(x, gradient)` returns the value and writes the gradient.
/// Each iteration is one unit of `control`'s progress.
pub fn minimize(
    x: &mut [f64],
    stop: &Stop,
    control: &Control,
    mut objective: impl FnMut(&[f64], &mut [f64]) -> Result<f64, Error>,
) -> Result<(), Error> {
    let n = x.len();
    let mut gradient = vec![0.0; n];
    let mut value = objective(x, &mut gradient)?;
    let mut history: std::collections::VecDeque<(Vec<f64>, Vec<f64>, f64)> =
        std::collections::VecDeque::with_capacity(MEMORY);
    let (mut trial, mut trial_gradient) = (vec![0.0; n], vec![0.0; n]);
    for _ in 0..stop.max_iter {
        control.checkpoint()?;
        if largest(&gradient) <= stop.gtol {
            break;
        }
        let direction = two_loop(&gradient, &history);
        let slope = dot(&direction, &gradient);
        // The first step, along the gradient alone, is scaled to length 1.
        let mut step = if history.is_empty() {
            1.0 / dot(&gradient, &gradient).sqrt().max(1.0)
        } else {
            1.0
        };
        let mut accepted = None;
        for _ in 0..MAX_HALVINGS {
            for ((t, xi), d) in trial.iter_mut().zip(x.iter()).zip(&direction) {
                *t = xi + step * d;
            }
            let v = objective(&trial, &mut trial_gradient)?;
            if v.is_finite() && v <= value + DECREASE * step * slope {
                accepted = Some(v);
                break;
            }
            step /= 2.0;
        }
        let Some(new_value) = accepted else {
            break; // No step lowers the objective: as low as it goes in f64.
        };
        let s: Vec<f64> = trial.iter().zip(x.iter()).map(|(t, xi)| t - xi).collect();
        let y: Vec<f64> = trial_gradient
            .iter()
            .zip(&gradient)
            .map(|(a, b)| a - b)
            .collect();
        let curvature = dot(&s, &y);
        if curvature > 1e-10 * dot(&y, &y) {
            if history.len() == MEMORY {
                history.pop_front();
            }
            history.push_back((s, y, 1.0 / curvature));
        }
        x.copy_from_slice(&trial);
        gradient.copy_from_slice(&trial_gradient);
        let fell = (value - new_value) / value.abs().max(new_value.abs()).max(1.0);
        value = new_value;
        control.advance(1)?;
        if fell <= FTOL {
            break;
        }
    }
    Ok(())
}

/// The quasi-Newton direction: minus the inverse Hessian estimate times
/// the gradient (Nocedal and Wright, algorithm 7.4).
fn two_loop(
    gradient: &[f64],
    history: &std::collections::VecDeque<(Vec<f64>, Vec<f64>, f64)>,
) -> Vec<f64> {
    let mut q: Vec<f64> = gradient.iter().map(|g| -g).collect();
    let mut alphas = Vec::with_capacity(history.len());
    for (s, y, rho) in history.iter().rev() {
        let alpha = rho * dot(s, &q);
        for (qi, yi) in q.iter_mut().zip(y) {
            *qi -= alpha * yi;
        }
        alphas.push(alpha);
    }
    if let Some((s, y, _)) = history.back() {
        let scale = dot(s, y) / dot(y, y);
        q.iter_mut().for_each(|qi| *qi *= scale);
    }
    for ((s, y, rho), alpha) in history.iter().zip(alphas.iter().rev()) {
        let beta = rho * dot(y, &q);
        for (qi, si) in q.iter_mut().zip(s) {
            *qi += (alpha - beta) * si;
        }
    }
    q
}

fn dot(a: &[f64], b: &[f64]) -> f64 {
    a.iter().zip(b).map(|(x, y)| x * y).sum()
}

fn largest(values: &[f64]) -> f64 {
    values.iter().fold(0.0, |m, v| m.max(v.abs()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_the_minimum_of_an_ill_conditioned_quadratic() {
        let scales = [1.0, 10.0, 1000.0];
        let mut x = vec![5.0, -3.0, 2.0];
        let stop = Stop {
            max_iter: 200,
            gtol: 1e-10,
        };
        minimize(&mut x, &stop, &Control::new(), |x, g| {
            let mut value = 0.0;
            for i in 0..3 {
                let d = x[i] - i as f64;
                value += 0.5 * scales[i] * d * d;
                g[i] = scales[i] * d;
            }
            Ok(value)
        })
        .unwrap();
        for (i, xi) in x.iter().enumerate() {
            assert!((xi - i as f64).abs() < 1e-8, "{x:?}");
        }
    }

    #[test]
    fn stops_when_interrupted() {
        let control = Control::new();
        control.stop();
        let mut x = vec![1.0];
        let stop = Stop {
            max_iter: 10,
            gtol: 0.0,
        };
        let result = minimize(&mut x, &stop, &control, |x, g| {
            g[0] = 2.0 * x[0];
            Ok(x[0] * x[0])
        });
        assert!(matches!(result, Err(Error::Interrupted(_))));
    }
}
