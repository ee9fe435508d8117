//! From a table to a scored model, in stages that each hand one value to
//! the next: read the columns as they are, split, preprocess (fitted on
//! the training rows), fit, score.

use ndarray::ArrayView2;

use super::algorithms::{is_class, matrix_bytes, AlgorithmSpec, Size, Target};
use super::columns::{Table, TargetColumn};
use super::fingerprint::Fingerprint;
use super::hyperparams::Settings;
use super::labels::Classes;
use super::metrics::{self, Metrics};
use super::model::{Header, Model, Rows};
use super::options::{SearchOptions, TrainOptions};
use super::plan::{native_categories, LeftOut};
use super::preprocess::{self, Prepared};
use super::search::{cross_validate, Labels, Scored};
use super::split::split;
use super::target_encoding::TrainTarget;
use super::Task;
use crate::control::{Control, Phase, Watch};
use crate::memory::Budget;
use crate::sql::{quote, Relation};
use crate::{Arg, Db, Error};

/// The columns read and what was decided about the table before reading it.
pub struct TrainingData {
    pub table: Table,
    /// The table's INTEGER PRIMARY KEY, a rowid alias.
    pub identifier: Option<String>,
    /// Columns not read: excluded by the options, or not among their features.
    pub not_read: Vec<LeftOut>,
}

/// The feature candidates: the options' features, or every column but the
/// target and the excluded ones. Names in the options must be columns.
fn candidates(
    relation: &Relation,
    target: &str,
    options: &TrainOptions,
) -> Result<(Vec<String>, Vec<LeftOut>), Error> {
    let known = |name: &str, key: &str| -> Result<(), Error> {
        if name == target {
            return Err(Error::InvalidArgument(format!(
                "option '{key}' names the target column '{target}'; a model cannot learn its \
                 target from itself"
            )));
        }
        if !relation.columns.iter().any(|c| c == name) {
            return Err(Error::InvalidArgument(format!(
                "option '{key}' names '{name}', which is not a column of {} '{}'; columns: {}",
                relation.kind,
                relation.name,
                relation.columns.join(", ")
            )));
        }
        Ok(())
    };
    for name in options.features.iter().flatten() {
        known(name, "features")?;
    }
    for name in &options.exclude {
        known(name, "exclude")?;
    }
    for (name, _) in &options.preprocess {
        known(name, "preprocess")?;
        if options.exclude.contains(name) {
            return Err(Error::InvalidArgument(format!(
                "column '{name}' is both excluded and given a preprocess"
            )));
        }
        if options.features.as_ref().is_some_and(|f| !f.contains(name)) {
            return Err(Error::InvalidArgument(format!(
                "column '{name}' has a preprocess but is not among the options' features"
            )));
        }
    }
    let mut not_read = Vec::new();
    let names: Vec<String> = match &options.features {
        Some(features) => {
            for c in relation.columns.iter().filter(|c| *c != target) {
                if !features.contains(c) {
                    not_read.push(LeftOut {
                        name: c.clone(),
                        reason: "not among the options' features".into(),
                    });
                }
            }
            features.clone()
        }
        None => relation
            .columns
            .iter()
            .filter(|c| *c != target)
            .filter(|c| {
                let excluded = options.exclude.contains(c);
                if excluded {
                    not_read.push(LeftOut {
                        name: c.to_string(),
                        reason: "excluded by the options".into(),
                    });
                }
                !excluded
            })
            .cloned()
            .collect(),
    };
    if names.is_empty() {
        return Err(Error::InvalidArgument(format!(
            "{} '{}' has no column besides the target '{target}'{}; at least one feature is needed",
            relation.kind,
            relation.name,
            if not_read.is_empty() {
                ""
            } else {
                " that is not excluded"
            }
        )));
    }
    Ok((names, not_read))
}

/// The table's INTEGER PRIMARY KEY column, if it has one.
fn integer_primary_key(db: &mut dyn Db, relation: &Relation) -> Result<Option<String>, Error> {
    if relation.kind != "table" {
        return Ok(None);
    }
    let mut keys: Vec<(String, String)> = Vec::new();
    db.query(
        "SELECT +name, upper(+type) FROM pragma_table_info(?1, ?2) WHERE pk > 0",
        &[
            crate::Value::from(relation.name.as_str()),
            crate::Value::from(relation.schema.as_str()),
        ],
        &mut |row| {
            if let [Arg::Text(name), Arg::Text(kind)] = row {
                keys.push((name.to_string(), kind.to_string()));
            }
            Ok(())
        },
    )?;
    Ok(match keys.as_slice() {
        [(name, kind)] if kind == "INTEGER" => Some(name.clone()),
        _ => None,
    })
}

/// Reads every row of `relation`: the target and the feature candidates,
/// each column's values as they are (see `columns.rs`).
pub fn read(
    db: &mut dyn Db,
    relation: &Relation,
    target: &str,
    task: Task,
    options: &TrainOptions,
    watch: &mut Watch,
    budget: &Budget,
) -> Result<TrainingData, Error> {
    let (names, not_read) = candidates(relation, target, options)?;
    let identifier = integer_primary_key(db, relation)?;
    let select: Vec<String> = names
        .iter()
        .chain([&target.to_string()])
        // `+` makes each an expression: on Python's sqlite3 a converter
        // registered for the column's declared type (detect_types) would
        // otherwise turn its values into Python objects before we see them.
        .map(|c| format!("+{}", quote(c)))
        .collect();
    let sql = format!("SELECT {} FROM {}", select.join(", "), relation.qualified());
    let width = names.len();
    // A table's row count first, so that each column is allocated once at
    // its size: grown by doubling, it would briefly take up to three times that.
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
    // A table's size is known before its rows are read; a view's is
    // checked as they come.
    let reading = "reading the table's columns";
    budget.check(Table::planned_bytes(expected_rows, width), reading)?;
    let mut table = Table::new(names, task, expected_rows)?;
    let mut row_number = 0usize;
    let total = (expected_rows > 0).then_some(expected_rows as u64);
    watch.begin(db, Phase::Reading, total)?;
    let control = watch.control.clone();
    db.query_watched(
        &sql,
        &[],
        &mut |row| {
            row_number += 1;
            if row_number % 65_536 == 0 {
                budget.check(table.bytes(), reading)?;
            }
            table.push(&row[..width], &row[width], target, row_number)
        },
        &mut |db| {
            control.advance(crate::ROWS_BETWEEN_CALLS as u64)?;
            watch.poll(db)
        },
    )?;
    table.finish();
    Ok(TrainingData {
        table,
        identifier,
        not_read,
    })
}

/// The most classes a classification target may have: a target with a
/// distinct value on every row is more likely a quantity than a class, and
/// the per-class work of the estimators would grow with the rows.
pub const MAX_CLASSES: usize = 1000;

pub struct Outcome {
    pub model: Model,
    pub metrics: Metrics,
    pub fingerprint: Fingerprint,
    /// The model's hyperparameters (a search's best candidate's).
    pub settings: Settings,
    /// Every candidate of a search, scored.
    pub search: Option<Vec<Scored>>,
}

/// What the fit stage does: one fit, or a search that ends in one.
pub enum Fitting {
    One(Settings),
    Search {
        candidates: Vec<Settings>,
        search: SearchOptions,
    },
}

impl Fitting {
    /// From the options, every candidate checked before a row is read.
    pub fn of(spec: &AlgorithmSpec, options: &TrainOptions) -> Result<Fitting, Error> {
        Ok(match &options.search {
            None => Fitting::One(spec.settings(options)?),
            Some(search) => Fitting::Search {
                candidates: super::search::candidates(spec, options, search)?,
                search: search.clone(),
            },
        })
    }

    /// The bytes the fit (or the search and its refit) allocates besides
    /// the matrix of `rows` x `features`, estimated from above.
    fn memory(&self, spec: &AlgorithmSpec, rows: usize, features: usize, outputs: usize) -> u64 {
        let threads = rayon::current_num_threads().max(1);
        let estimate = |rows: usize, settings: &Settings| {
            (spec.memory)(&Size {
                rows,
                features,
                outputs,
                threads,
                settings,
            })
        };
        match self {
            Fitting::One(settings) => estimate(rows, settings),
            Fitting::Search { candidates, search } => {
                let k = search.cv.max(2);
                let fold_rows = rows - rows / k;
                let largest = |rows: usize| {
                    candidates
                        .iter()
                        .map(|c| estimate(rows, c))
                        .max()
                        .unwrap_or(0)
                };
                // Each job holds its fold's rows (twice, when fits follow
                // the first) and test rows, and fits on them.
                let jobs = threads.min(candidates.len() * k) as u64;
                let job = 2 * matrix_bytes(fold_rows, features)
                    + matrix_bytes(rows - fold_rows, features)
                    + largest(fold_rows);
                (jobs * job).max(largest(rows))
            }
        }
    }

    /// Every fit told which columns of the matrix are categorical.
    fn for_columns(mut self, categorical: &[bool]) -> Fitting {
        let all = match &mut self {
            Fitting::One(settings) => std::slice::from_mut(settings),
            Fitting::Search { candidates, .. } => candidates.as_mut_slice(),
        };
        for settings in all {
            settings.categorical = categorical.to_vec();
        }
        self
    }

    /// The settings of the model: the given ones, or the candidate whose
    /// cross-validation scores best.
    fn choose(
        self,
        spec: &AlgorithmSpec,
        x: ArrayView2<'_, f64>,
        labels: &Labels<'_>,
        control: &Control,
    ) -> Result<(Settings, Option<Vec<Scored>>), Error> {
        match self {
            Fitting::One(settings) => Ok((settings, None)),
            Fitting::Search { candidates, search } => {
                let scored = cross_validate(spec, candidates, x, labels, search.cv, control)?;
                let best = super::search::best(&scored);
                Ok((scored[best].settings.clone(), Some(scored)))
            }
        }
    }
}

/// Splits, preprocesses (fitted on the training rows), fits and scores on the test rows.
pub fn fit(
    spec: &AlgorithmSpec,
    fitting: Fitting,
    data: TrainingData,
    target_name: &str,
    options: &TrainOptions,
    control: &Control,
    budget: &Budget,
) -> Result<Outcome, Error> {
    let TrainingData {
        table,
        identifier,
        not_read,
    } = data;
    let rows = table.rows();
    if rows == 0 && table.null_target > 0 {
        return Err(Error::InvalidArgument(format!(
            "the target column '{target_name}' is NULL in every row ({}); there is nothing to \
             train on",
            table.null_target
        )));
    }
    if rows < 2 {
        return Err(Error::InvalidArgument(format!(
            "the dataset has {rows} row{} with a target; training needs at least 2",
            if rows == 1 { "" } else { "s" }
        )));
    }
    let classes = match &table.target {
        TargetColumn::Values(_) => None,
        TargetColumn::Labels(labels) => {
            Some(Classes::encode(labels, MAX_CLASSES).ok_or_else(|| {
                Error::InvalidArgument(format!(
                "the target column '{target_name}' has more than {MAX_CLASSES} distinct values, \
                 more classes than a classification can have here; if it holds a quantity, \
                 train a 'regression' instead"
            ))
            })?)
        }
    };
    let (train_rows, test_rows) = split(
        rows,
        options.test_size,
        options.split,
        classes.as_ref().map(|(_, y)| y.as_slice()),
        options.seed,
    )?;
    let pick = |all: &[f64], rows: &[usize]| rows.iter().map(|&r| all[r]).collect::<Vec<_>>();
    let pick_class = |y: &[usize], rows: &[usize]| rows.iter().map(|&r| y[r]).collect::<Vec<_>>();
    let (values, labels) = match (&table.target, &classes) {
        (TargetColumn::Values(y), _) => (Some((pick(y, &train_rows), pick(y, &test_rows))), None),
        (_, Some((classes, y))) => (
            None,
            Some((
                classes.clone(),
                pick_class(y, &train_rows),
                pick_class(y, &test_rows),
            )),
        ),
        _ => unreachable!("a label target has classes"),
    };
    drop(classes);
    let train_target = match (&values, &labels) {
        (Some((y, _)), _) => TrainTarget::Values(y),
        (_, Some((classes, y, _))) => TrainTarget::Classes {
            y,
            n_classes: classes.len(),
        },
        _ => unreachable!("one of the two is set"),
    };
    if let Some((classes, y_train, _)) = &labels {
        let mut seen = y_train.clone();
        seen.sort_unstable();
        seen.dedup();
        if seen.len() < 2 {
            return Err(Error::InvalidArgument(format!(
                "the training rows of '{target_name}' hold a single class ({}); classification needs at least two",
                classes.labels[y_train[0]].to_json()
            )));
        }
    }
    let raw = table.bytes();
    let outputs = labels.as_ref().map_or(1, |(classes, _, _)| classes.len());
    // Checked once the matrix's width is known, before it is made.
    let memory = |train: usize, test: usize, slots: usize| -> Result<(), Error> {
        let matrix = matrix_bytes(train + test, slots);
        budget.check(raw + matrix, "the table's columns and their encoded matrix")?;
        let fit = fitting.memory(spec, train, slots, outputs);
        budget.check(
            matrix + fit,
            &format!("{} on {train} rows x {slots} columns", spec.name),
        )
    };
    let prepared = preprocess::prepare(
        &table,
        &train_rows,
        &test_rows,
        &train_target,
        options,
        spec.inputs,
        identifier.as_deref(),
        not_read,
        control,
        &memory,
    )?;
    let null_target = table.null_target;
    let fingerprint = table.fingerprint;
    let inputs: Vec<String> = table.columns.iter().map(|c| c.name.clone()).collect();
    // The table's columns go once encoded: at most the raw columns and the
    // two encoded parts are held at once, and the raw ones go before the fit.
    drop(table);
    let Prepared {
        plans,
        left_out,
        x_train,
        x_test,
        active,
    } = prepared;
    if active.is_empty() {
        return Err(Error::InvalidArgument(
            "every feature is constant in the training rows; there is nothing to learn".into(),
        ));
    }
    let row_counts = Rows {
        training: train_rows.len() as u64,
        test: test_rows.len() as u64,
        null_target: null_target as u64,
    };
    drop((train_rows, test_rows));
    let fitting = fitting.for_columns(&native_categories(&plans, &active));
    let (settings, search) = match (&values, &labels) {
        (Some((y, _)), _) => fitting.choose(spec, x_train.view(), &Labels::Values(y), control)?,
        (_, Some((classes, y, _))) => fitting.choose(
            spec,
            x_train.view(),
            &Labels::Classes {
                y,
                n_classes: classes.len(),
            },
            control,
        )?,
        _ => unreachable!("one of the two is set"),
    };
    let settings = &settings;
    // The estimator takes the training rows (see `FitFn`).
    let (estimator, metrics, classes) = match (values, labels) {
        (Some((y_train, y_test)), _) => {
            control.begin(Phase::Fitting, None);
            let estimator = (spec.fit)(x_train, &Target::Values(&y_train), settings, control)?;
            control.begin(Phase::Scoring, Some(y_test.len() as u64));
            let predicted = estimator.predict_in(x_test.view(), control)?;
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
        (_, Some((classes, y_train, y_test))) => {
            let target = Target::Classes {
                y: &y_train,
                n_classes: classes.len(),
            };
            control.begin(Phase::Fitting, None);
            let estimator = (spec.fit)(x_train, &target, settings, control)?;
            control.begin(Phase::Scoring, Some(y_test.len() as u64));
            let predicted = estimator.predict_in(x_test.view(), control)?;
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
        _ => unreachable!("one of the two is set"),
    };
    let header = Header {
        algorithm: spec.name.to_string(),
        task: spec.task,
        library: spec.library.to_string(),
        columns: plans,
        left_out,
        inputs,
        target: target_name.to_string(),
        active,
        classes,
        rows: Some(row_counts),
    };
    let model = Model::new(rand::random(), header, estimator);
    Ok(Outcome {
        model,
        metrics,
        fingerprint,
        settings: settings.clone(),
        search,
    })
}

/// A bundled dataset as training data (every `step`-th row), for the tests.
#[cfg(test)]
pub fn bundled(name: &str, task: Task, step: usize) -> TrainingData {
    let data = crate::datasets::find(name).unwrap().read().unwrap();
    let width = data.feature_names.len() + 1;
    let mut table = Table::new(data.feature_names.clone(), task, 0).unwrap();
    for (i, row) in data.values.chunks(width).enumerate().step_by(step) {
        let features: Vec<Arg<'_>> = row[..width - 1].iter().map(|&v| Arg::Real(v)).collect();
        table
            .push(&features, &Arg::Real(row[width - 1]), "target", i + 1)
            .unwrap();
    }
    table.finish();
    TrainingData::of(table)
}

#[cfg(test)]
impl TrainingData {
    /// A finished table as training data: no primary key, every column read.
    pub fn of(table: Table) -> TrainingData {
        TrainingData {
            table,
            identifier: None,
            not_read: Vec::new(),
        }
    }
}
