//! From a table to a scored model: read the rows into one matrix, split,
//! scale, fit, score.

use ndarray::{Array2, Axis};
use rayon::prelude::*;

use super::algorithms::{is_class, AlgorithmSpec, Target};
use super::labels::{Classes, Label};
use super::metrics::{self, Metrics};
use super::model::{Header, Model};
use super::scaler::StandardScaler;
use super::split::{split, SplitStrategy};
use super::Task;
use crate::sql::{quote, Relation};
use crate::{Arg, Db, Error};

pub struct TrainingData {
    pub feature_names: Vec<String>,
    pub x: Array2<f64>,
    pub target: TargetColumn,
}

pub enum TargetColumn {
    Values(Vec<f64>),
    Labels(Vec<Label>),
}

/// Reads every row of `relation`: the `target` column and every other column
/// as a feature, into one contiguous row-major matrix.
pub fn read(
    db: &mut dyn Db,
    relation: &Relation,
    target: &str,
    task: Task,
) -> Result<TrainingData, Error> {
    let feature_names: Vec<String> = relation
        .columns
        .iter()
        .filter(|c| *c != target)
        .cloned()
        .collect();
    if feature_names.is_empty() {
        return Err(Error::InvalidArgument(format!(
            "{} '{}' has no column besides the target '{target}'; at least one feature is needed",
            relation.kind, relation.name
        )));
    }
    let select: Vec<String> = feature_names
        .iter()
        .chain([&target.to_string()])
        // `+` makes each an expression: on Python's sqlite3 a converter
        // registered for the column's declared type (detect_types) would
        // otherwise turn its values into Python objects before we see them.
        .map(|c| format!("+{}", quote(c)))
        .collect();
    let sql = format!("SELECT {} FROM {}", select.join(", "), relation.qualified());
    let width = feature_names.len();
    // A table's row count first, so that the matrix is allocated once at its
    // size: grown by doubling, it would briefly take up to three times that.
    let expected_rows = match relation.kind.as_str() {
        "table" => {
            let count = format!("SELECT count(*) FROM {}", relation.qualified());
            match crate::port::query_scalar(db, &count, &[]) {
                Ok(crate::Value::Integer(n)) => usize::try_from(n).unwrap_or(0),
                _ => 0,
            }
        }
        _ => 0,
    };
    let mut values: Vec<f64> = Vec::with_capacity(expected_rows.saturating_mul(width));
    let mut numbers = Vec::new();
    let mut labels = Vec::new();
    let mut row_number = 0usize;
    // The column a NULL stopped the read in, so that its NULLs can be counted.
    let mut null_in: Option<&str> = None;
    let read = db.query(&sql, &[], &mut |row| {
        row_number += 1;
        for (i, arg) in row[..width].iter().enumerate() {
            let column = feature_names[i].as_str();
            values.push(
                number(arg)
                    .ok_or_else(|| bad_value(&mut null_in, column, row_number, arg, "features"))?,
            );
        }
        let arg = &row[width];
        match task {
            Task::Regression => numbers.push(number(arg).ok_or_else(|| {
                bad_value(&mut null_in, target, row_number, arg, "regression targets")
            })?),
            Task::Classification => {
                labels.push(Label::from_arg(arg).ok_or_else(|| {
                    bad_value(&mut null_in, target, row_number, arg, "class labels")
                })?)
            }
        }
        Ok(())
    });
    if let Err(err) = read {
        return Err(match null_in {
            Some(column) => null_count(db, relation, column).unwrap_or(err),
            None => err,
        });
    }
    let rows = values.len() / width;
    let x = Array2::from_shape_vec((rows, width), values).map_err(|e| Error::Sql(e.to_string()))?;
    let target = match task {
        Task::Regression => TargetColumn::Values(numbers),
        Task::Classification => TargetColumn::Labels(labels),
    };
    Ok(TrainingData {
        feature_names,
        x,
        target,
    })
}

/// A NULL is reported with how many the column holds, so that one query
/// tells the user the size of the problem.
fn null_count(db: &mut dyn Db, relation: &Relation, column: &str) -> Option<Error> {
    let sql = format!(
        "SELECT count(*) FROM {} WHERE {} IS NULL",
        relation.qualified(),
        quote(column)
    );
    match crate::port::query_scalar(db, &sql, &[]) {
        Ok(crate::Value::Integer(count)) => Some(Error::InvalidArgument(format!(
            "column '{column}' holds {count} NULL value{}; training needs a value in every row \
             (filter them out with a view, or fill them in)",
            if count == 1 { "" } else { "s" }
        ))),
        _ => None,
    }
}

fn number(arg: &Arg<'_>) -> Option<f64> {
    match *arg {
        Arg::Integer(i) => Some(i as f64),
        Arg::Real(r) if r.is_finite() => Some(r),
        _ => None,
    }
}

/// The error for a value that cannot be used; a NULL's column is kept in
/// `null_in` so that the caller can count that column's NULLs.
fn bad_value<'c>(
    null_in: &mut Option<&'c str>,
    column: &'c str,
    row: usize,
    arg: &Arg<'_>,
    what: &str,
) -> Error {
    if *arg == Arg::Null {
        *null_in = Some(column);
    }
    let shown = match arg {
        Arg::Null => "NULL".to_string(),
        Arg::Text(t) => format!("text '{}'", t.chars().take(40).collect::<String>()),
        Arg::Blob(b) => format!("a {}-byte blob", b.len()),
        Arg::Real(r) => format!("{r}"),
        Arg::Integer(i) => format!("{i}"),
    };
    let allowed = if what == "class labels" {
        "integers, reals or text"
    } else {
        "finite numbers"
    };
    Error::InvalidArgument(format!(
        "column '{column}' holds {shown} in row {row}; {what} must be {allowed}"
    ))
}

/// The most classes a classification target may have: a target with a
/// distinct value on every row is more likely a quantity than a class, and
/// the per-class work of the estimators would grow with the rows.
pub const MAX_CLASSES: usize = 1000;

pub struct Outcome {
    pub model: Model,
    pub metrics: Metrics,
}

/// Splits, scales (fitted on the training rows), fits and scores on the test rows.
pub fn fit(
    spec: &AlgorithmSpec,
    data: TrainingData,
    target_name: &str,
    test_size: f64,
    strategy: SplitStrategy,
) -> Result<Outcome, Error> {
    let TrainingData {
        feature_names,
        x,
        target,
    } = data;
    let rows = x.nrows();
    if rows < 2 {
        return Err(Error::InvalidArgument(format!(
            "the dataset has {rows} row{}; training needs at least 2",
            if rows == 1 { "" } else { "s" }
        )));
    }
    let (train_rows, test_rows) = split(rows, test_size, strategy)?;
    // The table's matrix is let go once split, and the split scaled in
    // place: at most two copies of the data are held at any time.
    let mut x_train = gather(&x, &train_rows);
    let mut x_test = gather(&x, &test_rows);
    drop(x);
    let (scaler, active_features) = StandardScaler::fit(x_train.view());
    if active_features.is_empty() {
        return Err(Error::InvalidArgument(format!(
            "every feature is constant in the training rows ({}); there is nothing to learn",
            feature_names.join(", ")
        )));
    }
    let keep = |x: Array2<f64>| {
        if active_features.len() < x.ncols() {
            x.select(Axis(1), &active_features)
        } else {
            x
        }
    };
    // Finite values can still overflow in the scaler's sums (1e308 and the like).
    for &j in &active_features {
        if !scaler.mean[j].is_finite() || !scaler.scale[j].is_finite() {
            return Err(Error::InvalidArgument(format!(
                "column '{}' holds values too large to scale (their mean or spread overflows); \
                 rescale the column (divide it by a power of ten) and train again",
                feature_names[j]
            )));
        }
    }
    scaler.transform_in_place(&mut x_train);
    scaler.transform_in_place(&mut x_test);
    let x_train = keep(x_train);
    let x_test = keep(x_test);
    let pick = |all: &[f64], rows: &[usize]| rows.iter().map(|&r| all[r]).collect::<Vec<_>>();
    // The estimator takes the training rows (see `FitFn`); the whole target
    // column and the row lists go before it runs, when memory peaks.
    let (estimator, metrics, classes) = match target {
        TargetColumn::Values(y) => {
            let (y_train, y_test) = (pick(&y, &train_rows), pick(&y, &test_rows));
            drop((y, train_rows, test_rows));
            let estimator = (spec.fit)(x_train, &Target::Values(&y_train))?;
            let predicted = estimator.predict(x_test.view())?;
            if predicted.iter().any(|p| !p.is_finite()) || y_test.iter().any(|y| !y.is_finite()) {
                return Err(Error::Estimator(format!(
                    "{} made predictions on the test rows that are not finite numbers \
                     (are the features or the target too large? rescale them)",
                    spec.name
                )));
            }
            let metrics = metrics::regression(&y_test, &predicted);
            if let Some((name, _)) = metrics.iter().find(|(_, v)| !v.is_finite()) {
                return Err(Error::Estimator(format!(
                    "the test rows' {name} is not a finite number (the target's values are too \
                     large or too spread out; rescale the target)"
                )));
            }
            (estimator, metrics, None)
        }
        TargetColumn::Labels(labels) => {
            let (classes, y) = Classes::encode(&labels, MAX_CLASSES).ok_or_else(|| {
                Error::InvalidArgument(format!(
                    "the target column '{target_name}' has more than {MAX_CLASSES} distinct values, \
                     more classes than a classification can have here; if it holds a quantity, \
                     train a 'regression' instead"
                ))
            })?;
            drop(labels);
            let y_train: Vec<usize> = train_rows.iter().map(|&r| y[r]).collect();
            let y_test: Vec<usize> = test_rows.iter().map(|&r| y[r]).collect();
            drop((y, train_rows, test_rows));
            let mut seen = y_train.clone();
            seen.sort_unstable();
            seen.dedup();
            if seen.len() < 2 {
                return Err(Error::InvalidArgument(format!(
                    "the training rows of '{target_name}' hold a single class ({}); classification needs at least two",
                    classes.labels[y_train[0]].to_json()
                )));
            }
            let target = Target::Classes {
                y: &y_train,
                n_classes: classes.len(),
            };
            let estimator = (spec.fit)(x_train, &target)?;
            let predicted = estimator.predict(x_test.view())?;
            let predicted = predicted
                .iter()
                .map(|&p| {
                    is_class(classes.len())(p)
                        .then_some(p as usize)
                        .ok_or_else(|| {
                            Error::Estimator(format!(
                                "{} predicted an unknown class {p}",
                                spec.name
                            ))
                        })
                })
                .collect::<Result<Vec<_>, _>>()?;
            (
                estimator,
                metrics::classification(&y_test, &predicted, classes.len()),
                Some(classes),
            )
        }
    };
    let header = Header {
        algorithm: spec.name.to_string(),
        task: spec.task,
        library: spec.library.to_string(),
        feature_names,
        target: target_name.to_string(),
        scaler,
        active_features,
        classes,
    };
    let model = Model::new(rand::random(), header, estimator);
    Ok(Outcome { model, metrics })
}

/// The given rows of a matrix, in that order. Not ndarray's `select`, which
/// builds a 2-D view per row first (a quarter of the data again at 20
/// features); in parallel because shuffled rows are read out of cache beyond
/// a few hundred thousand, and two threads wait on memory at once.
fn gather(x: &Array2<f64>, rows: &[usize]) -> Array2<f64> {
    let width = x.ncols();
    let mut out = Array2::zeros((rows.len(), width));
    if width == 0 {
        return out;
    }
    let source = x.as_standard_layout();
    let source = source.as_slice().expect("standard layout is contiguous");
    let target = out.as_slice_mut().expect("a new array is contiguous");
    target
        .par_chunks_mut(width)
        .zip(rows.par_iter())
        .for_each(|(row, &r)| row.copy_from_slice(&source[r * width..(r + 1) * width]));
    out
}

/// A bundled dataset as training data (every `step`-th row), for the tests.
#[cfg(test)]
pub fn bundled(name: &str, task: Task, step: usize) -> TrainingData {
    let data = crate::datasets::find(name).unwrap().read().unwrap();
    let width = data.feature_names.len() + 1;
    let n = data.rows();
    let all = Array2::from_shape_vec((n, width), data.values).unwrap();
    let rows: Vec<usize> = (0..n).step_by(step).collect();
    let all = all.select(Axis(0), &rows);
    let x = all.slice(ndarray::s![.., ..width - 1]).to_owned();
    let y = all.column(width - 1).to_vec();
    let target = match task {
        Task::Regression => TargetColumn::Values(y),
        Task::Classification => TargetColumn::Labels(y.into_iter().map(Label::Real).collect()),
    };
    TrainingData {
        feature_names: data.feature_names,
        x,
        target,
    }
}

#[cfg(test)]
mod test {
    use super::*;

    #[test]
    fn gather_takes_rows_in_the_order_given_like_select() {
        let x = Array2::from_shape_fn((7, 3), |(r, c)| (r * 10 + c) as f64);
        let rows = [6, 0, 3, 3, 1];
        assert_eq!(gather(&x, &rows), x.select(Axis(0), &rows));
        assert_eq!(gather(&x, &[]).dim(), (0, 3));
    }
}
