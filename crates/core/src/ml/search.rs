//! Hyperparameter search: candidates from a grid (every combination, as
//! scikit-learn's GridSearchCV) or sampled from it (RandomizedSearchCV),
//! each scored by k-fold cross-validation on the training rows, the folds
//! stratified for classification. Every fit of every fold runs on the
//! thread pool at once; the best mean score wins, the first on ties.
//! Candidates that differ in `n_estimators` alone share one fit of a
//! forest per fold, the smaller forests being its first trees.

use ndarray::{Array2, ArrayView2, Axis};
use rand::seq::index;
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;
use rayon::prelude::*;
use serde_json::{json, Map, Value as Json};

use super::algorithms::{is_class, AlgorithmSpec, Fitted, Target};
use super::hyperparams::Settings;
use super::metrics;
use super::options::{SearchKind, SearchOptions, TrainOptions};
use crate::control::{Control, Phase};
use crate::Error;

/// The most fits (candidates times folds) one training may ask for.
pub const MAX_FITS: usize = 500;

/// The candidates of `search`, each validated against the algorithm's
/// declaration, before any row is read.
pub fn candidates(
    spec: &AlgorithmSpec,
    options: &TrainOptions,
    search: &SearchOptions,
) -> Result<Vec<Settings>, Error> {
    // Sorted by name, as scikit-learn's ParameterGrid iterates them.
    let mut axes: Vec<&(String, Vec<Json>)> = search.params.iter().collect();
    axes.sort_by(|a, b| a.0.cmp(&b.0));
    for (name, _) in &axes {
        if options.hyperparams.contains_key(name) {
            return Err(Error::InvalidArgument(format!(
                "hyperparameter '{name}' is both fixed in 'hyperparams' and searched in \
                 'search_params'; give it in one of them"
            )));
        }
    }
    let grid = axes
        .iter()
        .try_fold(1usize, |n, (_, values)| n.checked_mul(values.len()))
        .unwrap_or(usize::MAX);
    let count = match search.kind {
        SearchKind::Grid => grid,
        SearchKind::Random => search.n_iter.min(grid),
    };
    let fits = count.saturating_mul(search.cv);
    if fits > MAX_FITS {
        return Err(Error::InvalidArgument(format!(
            "the search asks for {count} candidates x {} folds = {fits} fits, more than the \
             {MAX_FITS} allowed; search fewer values{}",
            search.cv,
            match search.kind {
                SearchKind::Grid => " or use 'random' with an n_iter",
                SearchKind::Random => " or a smaller n_iter",
            }
        )));
    }
    let picks: Vec<usize> = match search.kind {
        SearchKind::Grid => (0..grid).collect(),
        SearchKind::Random => {
            let mut rng = ChaCha8Rng::seed_from_u64(options.seed);
            index::sample(&mut rng, grid, count).into_vec()
        }
    };
    picks
        .into_iter()
        .map(|pick| {
            let mut given = options.hyperparams.clone();
            // The last axis varies fastest, as in itertools.product.
            let mut rest = pick;
            for (name, values) in axes.iter().rev() {
                given.insert(name.clone(), values[rest % values.len()].clone());
                rest /= values.len();
            }
            Settings::new(spec.name, spec.params, &given, options.seed)
        })
        .collect()
}

/// Each training row's fold: contiguous blocks in row order (KFold), or
/// for classification each class's rows in contiguous blocks, so that every
/// fold holds each class in the same proportion (StratifiedKFold).
pub fn folds(rows: usize, classes: Option<&[usize]>, k: usize) -> Vec<usize> {
    let mut fold_of = vec![0; rows];
    let assign = |members: &[usize], fold_of: &mut [usize]| {
        let (size, extra) = (members.len() / k, members.len() % k);
        let mut at = 0;
        for fold in 0..k {
            let take = size + usize::from(fold < extra);
            for &r in &members[at..at + take] {
                fold_of[r] = fold;
            }
            at += take;
        }
    };
    match classes {
        None => assign(&(0..rows).collect::<Vec<_>>(), &mut fold_of),
        Some(y) => {
            let n_classes = y.iter().max().map_or(0, |&c| c + 1);
            let mut members = vec![Vec::new(); n_classes];
            for (r, &c) in y.iter().enumerate() {
                members[c].push(r);
            }
            // Each class's blocks start where the last class's ended, so that
            // small classes do not all fall in the first folds.
            let mut offset = 0;
            for members in members.iter().filter(|m| !m.is_empty()) {
                let mut shifted = vec![0; rows];
                assign(members, &mut shifted);
                for &r in members {
                    fold_of[r] = (shifted[r] + offset) % k;
                }
                offset += members.len() % k;
            }
        }
    }
    fold_of
}

/// One candidate's cross-validation.
pub struct Scored {
    pub settings: Settings,
    pub fold_scores: Vec<f64>,
    pub mean: f64,
    pub std: f64,
    /// 1 for the best; equal means share a rank, as scikit-learn's.
    pub rank: usize,
}

/// The training target, borrowed by each fold.
pub enum Labels<'a> {
    Values(&'a [f64]),
    Classes { y: &'a [usize], n_classes: usize },
}

/// Scores every candidate on every fold of `x` (the preprocessed training
/// rows).
pub fn cross_validate(
    spec: &AlgorithmSpec,
    candidates: Vec<Settings>,
    x: ArrayView2<'_, f64>,
    labels: &Labels<'_>,
    k: usize,
    control: &Control,
) -> Result<Vec<Scored>, Error> {
    let rows = x.nrows();
    if k > rows {
        return Err(Error::InvalidArgument(format!(
            "search_args cv {k} is more folds than the {rows} training rows"
        )));
    }
    let fold_of = folds(
        rows,
        match labels {
            Labels::Classes { y, .. } => Some(y),
            Labels::Values(_) => None,
        },
        k,
    );
    let groups = sharing_trees(spec, &candidates)?;
    let jobs: Vec<(usize, usize)> = (0..groups.len())
        .flat_map(|g| (0..k).map(move |f| (g, f)))
        .collect();
    let mut scores = vec![0.0; candidates.len() * k];
    // A unit of progress is one candidate scored on one fold; the fits
    // themselves count nothing.
    control.begin(Phase::Searching, Some((candidates.len() * k) as u64));
    let fits = control.muted();
    let done: Vec<Vec<(usize, f64)>> = jobs
        .par_iter()
        .map(|&(g, fold)| {
            let train: Vec<usize> = (0..rows).filter(|&r| fold_of[r] != fold).collect();
            let test: Vec<usize> = (0..rows).filter(|&r| fold_of[r] == fold).collect();
            let part = Part {
                x,
                labels,
                train: &train,
                test: &test,
            };
            group_scores(spec, &candidates, &groups[g], &part, &fits, control).map(|s| {
                s.into_iter()
                    .map(|(c, score)| (c * k + fold, score))
                    .collect()
            })
        })
        .collect::<Result<_, Error>>()?;
    for (at, score) in done.into_iter().flatten() {
        scores[at] = score;
    }
    let mut scored: Vec<Scored> = candidates
        .into_iter()
        .zip(scores.chunks(k))
        .map(|(settings, fold_scores)| {
            let mean = fold_scores.iter().sum::<f64>() / k as f64;
            let variance = fold_scores.iter().map(|s| (s - mean).powi(2)).sum::<f64>() / k as f64;
            Scored {
                settings,
                fold_scores: fold_scores.to_vec(),
                mean,
                std: variance.sqrt(),
                rank: 0,
            }
        })
        .collect();
    let means: Vec<f64> = scored.iter().map(|s| s.mean).collect();
    for s in &mut scored {
        s.rank = 1 + means.iter().filter(|&&m| m > s.mean).count();
    }
    Ok(scored)
}

/// Candidates that differ in `n_estimators` alone, largest first: one fit
/// of the largest serves the others when the model can give its first
/// members (`Fitted::first`).
fn sharing_trees(spec: &AlgorithmSpec, candidates: &[Settings]) -> Result<Vec<Vec<usize>>, Error> {
    let counts = spec.params.iter().any(|p| p.name == "n_estimators");
    let mut groups: Vec<(String, Vec<(usize, usize)>)> = Vec::new();
    for (i, settings) in candidates.iter().enumerate() {
        let mut rest = settings.to_json();
        let n = match (counts, rest.as_object_mut()) {
            (true, Some(object)) => {
                object.remove("n_estimators");
                settings.usize("n_estimators")?
            }
            _ => 0,
        };
        let key = if counts {
            rest.to_string()
        } else {
            i.to_string()
        };
        match groups.iter_mut().find(|(k, _)| *k == key) {
            Some((_, members)) => members.push((n, i)),
            None => groups.push((key, vec![(n, i)])),
        }
    }
    Ok(groups
        .into_iter()
        .map(|(_, mut members)| {
            members.sort_by(|a, b| b.0.cmp(&a.0).then(a.1.cmp(&b.1)));
            members.into_iter().map(|(_, i)| i).collect()
        })
        .collect())
}

/// The training and test rows of one fold.
struct Part<'a, 'x, 'y> {
    x: ArrayView2<'x, f64>,
    labels: &'a Labels<'y>,
    train: &'a [usize],
    test: &'a [usize],
}

/// One fold's score of each candidate of a group (the largest first).
fn group_scores(
    spec: &AlgorithmSpec,
    candidates: &[Settings],
    group: &[usize],
    part: &Part<'_, '_, '_>,
    fits: &Control,
    control: &Control,
) -> Result<Vec<(usize, f64)>, Error> {
    let mut x_train: Array2<f64> = part.x.select(Axis(0), part.train);
    let x_test = part.x.select(Axis(0), part.test);
    let fit = |settings: &Settings, x_train: Array2<f64>| match *part.labels {
        Labels::Values(y) => {
            let y: Vec<f64> = part.train.iter().map(|&r| y[r]).collect();
            (spec.fit)(x_train, &Target::Values(&y), settings, fits)
        }
        Labels::Classes { y, n_classes } => {
            let y: Vec<usize> = part.train.iter().map(|&r| y[r]).collect();
            (spec.fit)(
                x_train,
                &Target::Classes { y: &y, n_classes },
                settings,
                fits,
            )
        }
    };
    // The rows go to the first fit; a copy stays only for fits that follow.
    let first_rows = if group.len() > 1 {
        x_train.clone()
    } else {
        std::mem::take(&mut x_train)
    };
    let largest = fit(&candidates[group[0]], first_rows)?;
    let mut scores = vec![(
        group[0],
        score(largest.as_ref(), x_test.view(), part, fits)?,
    )];
    control.advance(1)?;
    for &c in &group[1..] {
        let n = candidates[c].usize("n_estimators")?;
        let model = match largest.first(n) {
            Some(model) => model,
            None => fit(&candidates[c], x_train.clone())?,
        };
        scores.push((c, score(model.as_ref(), x_test.view(), part, fits)?));
        control.advance(1)?;
    }
    Ok(scores)
}

/// r2 or accuracy on the fold's test rows, as `sqml_train` scores.
fn score(
    model: &dyn Fitted,
    x_test: ArrayView2<'_, f64>,
    part: &Part<'_, '_, '_>,
    control: &Control,
) -> Result<f64, Error> {
    let predicted = model.predict_in(x_test, control)?;
    match *part.labels {
        Labels::Values(y) => {
            let truth: Vec<f64> = part.test.iter().map(|&r| y[r]).collect();
            Ok(metrics::regression(&truth, &predicted)[0].1)
        }
        Labels::Classes { y, n_classes } => {
            let valid = is_class(n_classes);
            let hits = predicted
                .iter()
                .zip(part.test)
                .filter(|(p, &r)| valid(**p) && **p as usize == y[r])
                .count();
            Ok(hits as f64 / part.test.len().max(1) as f64)
        }
    }
}

/// What the result says of a search: its kind, folds, and the best candidate.
pub fn summary(search: &SearchOptions, scored: &[Scored]) -> Json {
    let best = best(scored);
    json!({
        "search": search.kind.name(),
        "cv": search.cv,
        "candidates": scored.len(),
        "best_params": searched(search, &scored[best].settings),
        "best_cv_score": scored[best].mean,
        "best_cv_std": scored[best].std,
    })
}

/// The searched hyperparameters' values in a candidate.
pub fn searched(search: &SearchOptions, settings: &Settings) -> Json {
    let all = settings.to_json();
    let mut names: Vec<&String> = search.params.iter().map(|(n, _)| n).collect();
    names.sort();
    Json::Object(
        names
            .into_iter()
            .map(|n| (n.clone(), all.get(n).cloned().unwrap_or(Json::Null)))
            .collect::<Map<_, _>>(),
    )
}

/// The best candidate: the highest mean score, the first on ties.
pub fn best(scored: &[Scored]) -> usize {
    let mut best = 0;
    for (i, s) in scored.iter().enumerate() {
        if s.mean > scored[best].mean {
            best = i;
        }
    }
    best
}

#[cfg(test)]
mod test {
    use super::*;

    #[test]
    fn folds_are_contiguous_blocks_and_stratified_for_classes() {
        assert_eq!(folds(7, None, 3), [0, 0, 0, 1, 1, 2, 2]);
        let y = [0, 0, 0, 0, 1, 1, 0, 0, 1, 1];
        let fold_of = folds(10, Some(&y), 2);
        for fold in 0..2 {
            let of_class = |c| (0..10).filter(|&r| fold_of[r] == fold && y[r] == c).count();
            assert_eq!((of_class(0), of_class(1)), (3, 2));
        }
    }
}
