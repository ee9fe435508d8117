//! Per column preprocessing: which columns a model learns from, and for
//! each a [`ColumnPlan`] (encoding, imputation, scaling) fitted on the
//! training rows, stored in the model and applied the same way to every
//! row it predicts.
//!
//! A row goes through two steps. [`ColumnPlan::resolve`] turns a value as
//! given (number, text or NULL) into a *cell*: the number itself with NULL
//! filled in, or a category's code, where `categories.len()` is the shared
//! "other" code of every category not kept. [`ColumnPlan::encode`] then
//! writes the cell's slots (one, or one per category for one-hot) and
//! scales them.

use ndarray::Array2;
use rayon::prelude::*;
use rustc_hash::FxHashMap;
use serde::{Deserialize, Serialize};

use super::algorithms::Inputs;
use super::columns::{number_text, read_number, Table, Values, NULL_CODE};
use super::options::{ColumnOptions, EncodeOption, ImputeOption, ScaleOption, TrainOptions};
use super::scaler::StandardScaler;
use crate::Error;

/// Categories kept per one-hot column (the rest share one more column):
/// the matrix is at most `33` columns wide per text column.
pub const MAX_ONE_HOT: usize = 32;
/// Categories kept per coded column (ordinal or target); the rest share one code.
pub const MAX_CODES: usize = 255;
/// A text column is an identifier when this share of its non-NULL training
/// values occur once each.
pub const IDENTIFIER_SHARE: f64 = 0.95;
/// ... over at least this many non-NULL training values.
pub const IDENTIFIER_MIN_ROWS: usize = 10;
/// Folds of the out-of-fold target encoding of the training rows.
pub const TARGET_FOLDS: usize = 5;
/// Target encoding pulls a category's mean towards the overall mean as if
/// this many rows of the overall mean were added to each category.
pub const TARGET_SMOOTHING: f64 = 10.0;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Kind {
    Numeric,
    Categorical,
}

impl Kind {
    pub fn name(self) -> &'static str {
        match self {
            Kind::Numeric => "numeric",
            Kind::Categorical => "categorical",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum Encoding {
    /// The number as it is.
    Native,
    /// The category's code.
    Ordinal,
    /// One slot per kept category and one for the others.
    OneHot,
    /// The training rows' mean target per code, `outputs` values each (one
    /// for regression and two classes, one per class beyond).
    Target { outputs: usize, table: Vec<f64> },
}

impl Encoding {
    pub fn name(&self) -> &'static str {
        match self {
            Encoding::Native => "native",
            Encoding::Ordinal => "ordinal",
            Encoding::OneHot => "one_hot",
            Encoding::Target { .. } => "target",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ColumnPlan {
    pub name: String,
    pub kind: Kind,
    /// Categorical: the kept categories in code order (None is NULL).
    pub categories: Vec<Option<String>>,
    pub encoding: Encoding,
    /// How a NULL is filled: an impute option's name, "category" (NULL is a
    /// category of its own) or "error".
    pub impute: String,
    /// The cell a NULL becomes; None: NULL is an error.
    pub fill: Option<f64>,
    pub scale: String,
    /// Per slot: `(value - shift) / divide`.
    pub shift: Vec<f64>,
    pub divide: Vec<f64>,
    /// NULLs in the training rows.
    pub missing: u64,
}

/// A value as given to the model.
#[derive(Debug, Clone, Copy)]
pub enum Cell<'a> {
    Null,
    Number(f64),
    Text(&'a str),
}

/// Each kept category's code, for reading values at prediction.
pub type Lookup = FxHashMap<String, usize>;

impl ColumnPlan {
    pub fn slots(&self) -> usize {
        match &self.encoding {
            Encoding::Native | Encoding::Ordinal => 1,
            Encoding::OneHot => self.categories.len() + 1,
            Encoding::Target { outputs, .. } => *outputs,
        }
    }

    /// The code of every category not kept.
    pub fn other(&self) -> usize {
        self.categories.len()
    }

    pub fn lookup(&self) -> Lookup {
        self.categories
            .iter()
            .enumerate()
            .filter_map(|(code, c)| c.as_ref().map(|c| (c.clone(), code)))
            .collect()
    }

    /// A value as given, as this column's cell.
    pub fn resolve(&self, lookup: &Lookup, cell: Cell<'_>) -> Result<f64, Error> {
        let null = || {
            self.fill.ok_or_else(|| {
                Error::InvalidArgument(format!(
                    "feature '{}' is NULL, and the model was trained to refuse NULL there \
                     (impute 'error')",
                    self.name
                ))
            })
        };
        match (self.kind, cell) {
            (_, Cell::Null) => null(),
            (Kind::Numeric, Cell::Number(v)) => Ok(v),
            (Kind::Numeric, Cell::Text(t)) => match read_number(t) {
                Some(Some(v)) => Ok(v),
                Some(None) => null(),
                None => Err(Error::InvalidArgument(format!(
                    "feature '{}' is numeric, not text ('{}')",
                    self.name,
                    t.chars().take(40).collect::<String>()
                ))),
            },
            (Kind::Categorical, Cell::Text(t)) => {
                Ok(lookup.get(t).copied().unwrap_or(self.other()) as f64)
            }
            (Kind::Categorical, Cell::Number(v)) => {
                Ok(lookup.get(&number_text(v)).copied().unwrap_or(self.other()) as f64)
            }
        }
    }

    /// Writes a cell's slots, scaled; `fold` picks a training row's
    /// out-of-fold target table instead of the stored one.
    fn encode_with(&self, cell: f64, table: Option<&[f64]>, out: &mut [f64]) {
        match &self.encoding {
            Encoding::Native | Encoding::Ordinal => out[0] = cell,
            Encoding::OneHot => {
                out.fill(0.0);
                out[(cell as usize).min(self.other())] = 1.0;
            }
            Encoding::Target {
                outputs,
                table: stored,
            } => {
                let table = table.unwrap_or(stored);
                let code = (cell as usize).min(self.other());
                out.copy_from_slice(&table[code * outputs..(code + 1) * outputs]);
            }
        }
        for ((v, shift), divide) in out.iter_mut().zip(&self.shift).zip(&self.divide) {
            *v = (*v - shift) / divide;
        }
    }

    /// Writes a cell's slots, scaled.
    pub fn encode(&self, cell: f64, out: &mut [f64]) {
        self.encode_with(cell, None, out)
    }

    /// An error unless the plan's parts agree (a blob's header is checked so).
    pub fn check(&self) -> Result<(), String> {
        let slots = self.slots();
        if slots == 0 || self.shift.len() != slots || self.divide.len() != slots {
            return Err(format!(
                "column '{}': slots and scaling disagree",
                self.name
            ));
        }
        if let Encoding::Target { outputs, table } = &self.encoding {
            if *outputs == 0 || table.len() != (self.categories.len() + 1) * outputs {
                return Err(format!("column '{}': target table size", self.name));
            }
        }
        let categorical = self.kind == Kind::Categorical;
        if categorical == matches!(self.encoding, Encoding::Native) {
            return Err(format!(
                "column '{}': kind and encoding disagree",
                self.name
            ));
        }
        if let (true, Some(fill)) = (categorical, self.fill) {
            if !(fill >= 0.0 && fill <= self.other() as f64 && fill.fract() == 0.0) {
                return Err(format!("column '{}': NULL's code out of range", self.name));
            }
        }
        Ok(())
    }

    /// What the plan says, for `sqml_train`'s result and `sqml_model_info`.
    pub fn describe(&self) -> serde_json::Value {
        let mut d = serde_json::json!({
            "name": self.name,
            "kind": self.kind.name(),
            "encoding": self.encoding.name(),
            "impute": self.impute,
            "scale": self.scale,
            "missing": self.missing,
        });
        if self.kind == Kind::Categorical {
            d["categories"] = self.categories.iter().cloned().collect();
        }
        d
    }
}

/// A column the model does not learn from, and why.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LeftOut {
    pub name: String,
    pub reason: String,
}

/// What the target encoding learns from: the training rows' targets.
pub enum TrainTarget<'a> {
    Values(&'a [f64]),
    Classes { y: &'a [usize], n_classes: usize },
}

/// The encoded, scaled matrices and the plans that made them.
pub struct Prepared {
    pub plans: Vec<ColumnPlan>,
    pub left_out: Vec<LeftOut>,
    pub x_train: Array2<f64>,
    pub x_test: Array2<f64>,
    /// The encoded slots that vary in the training rows.
    pub active: Vec<usize>,
}

/// How one chosen column's rows become cells.
struct Source<'a> {
    values: &'a Values,
    /// Categorical: each dictionary code's cell.
    remap: Vec<f64>,
    /// The cell of NULL (and, categorical, of codes past the dictionary).
    null: f64,
    other: f64,
    /// Out-of-fold target tables, one per fold.
    folds: Vec<Vec<f64>>,
}

impl Source<'_> {
    fn cell(&self, row: usize) -> f64 {
        match self.values {
            Values::Numbers(v) => {
                let v = v[row];
                if v.is_nan() {
                    self.null
                } else {
                    v
                }
            }
            Values::Categories { codes, .. } => match codes[row] {
                NULL_CODE => self.null,
                code => self.remap.get(code as usize).copied().unwrap_or(self.other),
            },
            Values::LongText { .. } => 0.0,
        }
    }
}

/// Fits the plans on the training rows and encodes both parts.
/// `identifier` is the table's INTEGER PRIMARY KEY, if any.
#[allow(clippy::too_many_arguments)]
pub fn prepare(
    table: &Table,
    train: &[usize],
    test: &[usize],
    target: &TrainTarget<'_>,
    options: &TrainOptions,
    inputs: Inputs,
    identifier: Option<&str>,
    excluded: Vec<LeftOut>,
) -> Result<Prepared, Error> {
    let mut plans = Vec::new();
    let mut sources = Vec::new();
    let mut left_out = excluded;
    for column in &table.columns {
        let named = options
            .features
            .as_ref()
            .is_some_and(|f| f.contains(&column.name))
            || options.column(&column.name).is_some();
        let settings = options.column(&column.name).cloned().unwrap_or_default();
        let leave = |reason: &str| LeftOut {
            name: column.name.clone(),
            reason: reason.to_string(),
        };
        if !named && identifier == Some(column.name.as_str()) {
            left_out.push(leave(
                "identifier: the table's INTEGER PRIMARY KEY (its rowid)",
            ));
            continue;
        }
        if !named && column.is_row_counter() {
            left_out.push(leave(
                "identifier: a row counter (each value one more than the row before)",
            ));
            continue;
        }
        let fitted = match &column.values {
            Values::LongText { row, bytes } => {
                if named {
                    return Err(Error::InvalidArgument(format!(
                        "column '{}' holds a text of {bytes} bytes in row {row}; categories are at \
                         most {} bytes (free text is not a category)",
                        column.name,
                        super::columns::MAX_CATEGORY_BYTES
                    )));
                }
                left_out.push(leave(&format!(
                    "free text: a value of more than {} bytes",
                    super::columns::MAX_CATEGORY_BYTES
                )));
                continue;
            }
            Values::Numbers(values) => numeric(&column.name, values, train, test, &settings)
                .map(|p| Fitted::Plan(Box::new(p)))?,
            Values::Categories { names, codes } => categorical(
                &column.name,
                names,
                codes,
                train,
                test,
                &settings,
                inputs,
                named,
                target,
            )?,
        };
        match fitted {
            Fitted::LeftOut(reason) => left_out.push(leave(&reason)),
            Fitted::Plan(fitted) => {
                let (plan, remap) = *fitted;
                let source = Source {
                    values: &column.values,
                    null: plan.fill.unwrap_or(f64::NAN),
                    other: plan.other() as f64,
                    remap,
                    folds: Vec::new(),
                };
                if constant(&source, train) {
                    left_out.push(leave("constant in the training rows"));
                    continue;
                }
                plans.push(plan);
                sources.push(source);
            }
        }
    }
    if plans.is_empty() {
        let why: Vec<String> = left_out
            .iter()
            .map(|l| format!("'{}' ({})", l.name, l.reason))
            .collect();
        return Err(Error::InvalidArgument(format!(
            "no column is left to learn from; left out: {}. Name the columns to use with the \
             options {{\"features\": [...]}}",
            why.join(", ")
        )));
    }
    for (plan, source) in plans.iter_mut().zip(&mut sources) {
        if let Encoding::Target { .. } = plan.encoding {
            let (table, folds) = target_tables(plan, source, train, target);
            plan.encoding = Encoding::Target {
                outputs: outputs(target),
                table,
            };
            source.folds = folds;
        }
        plan.shift = vec![0.0; plan.slots()];
        plan.divide = vec![1.0; plan.slots()];
    }
    let mut x_train = encode_rows(&plans, &sources, train, true);
    let mut x_test = encode_rows(&plans, &sources, test, false);
    let active = fit_scaling(&mut plans, &x_train)?;
    scale_in_place(&plans, &mut x_train);
    scale_in_place(&plans, &mut x_test);
    Ok(Prepared {
        plans,
        left_out,
        x_train,
        x_test,
        active,
    })
}

enum Fitted {
    Plan(Box<(ColumnPlan, Vec<f64>)>),
    LeftOut(String),
}

fn refuse(column: &str, message: String) -> Error {
    Error::InvalidArgument(format!("preprocess of column '{column}': {message}"))
}

fn null_error(column: &str, nulls: usize, allowed: &str) -> Error {
    Error::InvalidArgument(format!(
        "column '{column}' holds {nulls} NULL value{} and its impute is 'error'; choose an \
         impute for it ({allowed})",
        if nulls == 1 { "" } else { "s" }
    ))
}

fn numeric(
    name: &str,
    values: &[f64],
    train: &[usize],
    test: &[usize],
    settings: &ColumnOptions,
) -> Result<(ColumnPlan, Vec<f64>), Error> {
    match &settings.encode {
        None | Some(EncodeOption::Native) => {}
        Some(_) => {
            return Err(refuse(
                name,
                "the column is numeric, so its encode can only be 'native' (ordinal, one_hot \
                 and target are for text categories)"
                    .into(),
            ))
        }
    }
    let impute = settings.impute.unwrap_or(ImputeOption::Mean);
    let mut known: Vec<f64> = train
        .iter()
        .map(|&r| values[r])
        .filter(|v| !v.is_nan())
        .collect();
    let missing = train.len() - known.len();
    let fill = match impute {
        ImputeOption::Error => {
            let nulls = missing + test.iter().filter(|&&r| values[r].is_nan()).count();
            if nulls > 0 {
                return Err(null_error(
                    name,
                    nulls,
                    "mean, median, mode, min, max, zero",
                ));
            }
            None
        }
        _ if known.is_empty() => Some(0.0),
        ImputeOption::Mean => Some(known.iter().sum::<f64>() / known.len() as f64),
        ImputeOption::Median => Some(quantile(&mut known, 0.5)),
        ImputeOption::Mode => Some(mode(&mut known)),
        ImputeOption::Min => Some(known.iter().copied().fold(f64::INFINITY, f64::min)),
        ImputeOption::Max => Some(known.iter().copied().fold(f64::NEG_INFINITY, f64::max)),
        ImputeOption::Zero => Some(0.0),
    };
    let plan = ColumnPlan {
        name: name.to_string(),
        kind: Kind::Numeric,
        categories: Vec::new(),
        encoding: Encoding::Native,
        impute: impute.name().to_string(),
        fill,
        scale: settings
            .scale
            .unwrap_or(ScaleOption::Standard)
            .name()
            .to_string(),
        shift: Vec::new(),
        divide: Vec::new(),
        missing: missing as u64,
    };
    Ok((plan, Vec::new()))
}

#[allow(clippy::too_many_arguments)]
fn categorical(
    name: &str,
    names: &[Box<str>],
    codes: &[u32],
    train: &[usize],
    test: &[usize],
    settings: &ColumnOptions,
    inputs: Inputs,
    named: bool,
    target: &TrainTarget<'_>,
) -> Result<Fitted, Error> {
    let encoding = match &settings.encode {
        None => match inputs {
            Inputs::Scaled => EncodeOption::OneHot,
            Inputs::Trees => EncodeOption::Ordinal(None),
        },
        Some(EncodeOption::Native) => {
            return Err(refuse(
                name,
                "the column holds text, so it needs an encoding: ordinal, one_hot or target \
                 ('native' keeps numbers as they are)"
                    .into(),
            ))
        }
        Some(other) => other.clone(),
    };
    let impute = match settings.impute {
        None => None,
        Some(i @ (ImputeOption::Error | ImputeOption::Mode)) => Some(i),
        Some(other) => {
            return Err(refuse(
                name,
                format!(
                    "impute '{}' needs numbers and the column holds text; allowed for text: \
                     mode, error (by default NULL is a category of its own)",
                    other.name()
                ),
            ))
        }
    };
    let mut counts = vec![0usize; names.len()];
    let (mut nulls, mut overflow) = (0usize, 0usize);
    for &r in train {
        match codes[r] {
            NULL_CODE => nulls += 1,
            code if (code as usize) < names.len() => counts[code as usize] += 1,
            _ => overflow += 1,
        }
    }
    let known = train.len() - nulls;
    let once = counts.iter().filter(|&&c| c == 1).count() + overflow;
    if !named && known >= IDENTIFIER_MIN_ROWS && once as f64 >= IDENTIFIER_SHARE * known as f64 {
        return Ok(Fitted::LeftOut(format!(
            "identifier: {once} of its {known} training values occur once each"
        )));
    }
    if impute == Some(ImputeOption::Error) {
        let all = nulls + test.iter().filter(|&&r| codes[r] == NULL_CODE).count();
        if all > 0 {
            return Err(null_error(
                name,
                all,
                "mode; or none, to keep NULL as a category",
            ));
        }
    }
    // Candidates by decreasing count, the first seen first on ties; NULL
    // is one of them unless it is imputed.
    let null_is_category = impute.is_none() && nulls > 0;
    let mut candidates: Vec<(usize, Option<usize>)> = counts
        .iter()
        .enumerate()
        .filter(|(_, &c)| c > 0)
        .map(|(code, &c)| (c, Some(code)))
        .collect();
    if null_is_category {
        candidates.push((nulls, None));
    }
    candidates.sort_by(|a, b| {
        b.0.cmp(&a.0)
            .then(a.1.unwrap_or(usize::MAX).cmp(&b.1.unwrap_or(usize::MAX)))
    });
    let cap = match encoding {
        EncodeOption::OneHot => MAX_ONE_HOT,
        _ => MAX_CODES,
    };
    let (categories, remap): (Vec<Option<String>>, Vec<f64>) = match &encoding {
        EncodeOption::Ordinal(Some(order)) => {
            let position: FxHashMap<&str, usize> = order
                .iter()
                .enumerate()
                .map(|(i, c)| (c.as_str(), i))
                .collect();
            if let Some(&(_, Some(code))) = candidates
                .iter()
                .find(|(_, code)| code.is_some_and(|c| !position.contains_key(&*names[c])))
            {
                return Err(refuse(
                    name,
                    format!(
                        "the training rows hold '{}', which its ordinal order does not list",
                        names[code]
                    ),
                ));
            }
            let remap = names
                .iter()
                .map(|n| position.get(&**n).map_or(order.len(), |&p| p) as f64)
                .collect();
            (order.iter().cloned().map(Some).collect(), remap)
        }
        _ => {
            candidates.truncate(cap);
            let other = candidates.len() as f64;
            let mut remap = vec![other; names.len()];
            let mut categories = Vec::with_capacity(candidates.len());
            for (kept, &(_, code)) in candidates.iter().enumerate() {
                if let Some(code) = code {
                    remap[code] = kept as f64;
                }
                categories.push(code.map(|c| names[c].to_string()));
            }
            (categories, remap)
        }
    };
    let other = categories.len() as f64;
    let fill = match impute {
        Some(ImputeOption::Error) => None,
        Some(_) => Some(
            counts
                .iter()
                .enumerate()
                .max_by(|a, b| a.1.cmp(b.1).then(b.0.cmp(&a.0)))
                .filter(|(_, &c)| c > 0)
                .map_or(other, |(code, _)| remap[code]),
        ),
        None => Some(
            categories
                .iter()
                .position(Option::is_none)
                .map_or(other, |p| p as f64),
        ),
    };
    let encoding_value = match encoding {
        EncodeOption::OneHot => Encoding::OneHot,
        EncodeOption::Target => Encoding::Target {
            outputs: outputs(target),
            table: Vec::new(),
        },
        _ => Encoding::Ordinal,
    };
    let default_scale = match (&encoding_value, inputs) {
        (Encoding::OneHot, _) | (_, Inputs::Trees) => ScaleOption::Preserve,
        _ => ScaleOption::Standard,
    };
    let plan = ColumnPlan {
        name: name.to_string(),
        kind: Kind::Categorical,
        categories,
        encoding: encoding_value,
        impute: impute.map_or("category", ImputeOption::name).to_string(),
        fill,
        scale: settings.scale.unwrap_or(default_scale).name().to_string(),
        shift: Vec::new(),
        divide: Vec::new(),
        missing: nulls as u64,
    };
    Ok(Fitted::Plan(Box::new((plan, remap))))
}

fn outputs(target: &TrainTarget<'_>) -> usize {
    match target {
        TrainTarget::Values(_) => 1,
        TrainTarget::Classes { n_classes, .. } if *n_classes <= 2 => 1,
        TrainTarget::Classes { n_classes, .. } => *n_classes,
    }
}

/// The mean target per code over all training rows (stored for
/// prediction) and per fold over the other folds' rows (for the training
/// rows themselves, so that no row's own target is in its code).
fn target_tables(
    plan: &ColumnPlan,
    source: &Source<'_>,
    train: &[usize],
    target: &TrainTarget<'_>,
) -> (Vec<f64>, Vec<Vec<f64>>) {
    let outputs = outputs(target);
    let codes = plan.other() + 1;
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
        let code = (source.cell(row) as usize).min(codes - 1);
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

/// True when every training row's cell is the same.
fn constant(source: &Source<'_>, train: &[usize]) -> bool {
    let mut cells = train.iter().map(|&r| source.cell(r));
    let Some(first) = cells.next() else {
        return true;
    };
    cells.all(|c| c == first || (c.is_nan() && first.is_nan()))
}

/// The rows' encoded (unscaled) slots, training rows with their fold's target tables.
fn encode_rows(
    plans: &[ColumnPlan],
    sources: &[Source<'_>],
    rows: &[usize],
    training: bool,
) -> Array2<f64> {
    let width: usize = plans.iter().map(ColumnPlan::slots).sum();
    let mut out = Array2::zeros((rows.len(), width));
    let slice = out.as_slice_mut().expect("a new array is contiguous");
    slice
        .par_chunks_mut(width)
        .zip(rows.par_iter())
        .enumerate()
        .for_each(|(position, (out_row, &row))| {
            let mut at = 0;
            for (plan, source) in plans.iter().zip(sources) {
                let slots = plan.slots();
                let table = match training && !source.folds.is_empty() {
                    true => Some(source.folds[position % TARGET_FOLDS].as_slice()),
                    false => None,
                };
                plan.encode_with(source.cell(row), table, &mut out_row[at..at + slots]);
                at += slots;
            }
        });
    out
}

/// Fits each slot's scaling on the (unscaled) training matrix; returns the
/// slots that vary there.
fn fit_scaling(plans: &mut [ColumnPlan], x: &Array2<f64>) -> Result<Vec<usize>, Error> {
    let (standard, varying) = StandardScaler::fit(x.view());
    let mut at = 0;
    for plan in plans.iter_mut() {
        for s in 0..plan.slots() {
            let j = at + s;
            let (shift, divide) = match plan.scale.as_str() {
                "standard" => (standard.mean[j], standard.scale[j]),
                "preserve" => (0.0, 1.0),
                other => {
                    let mut column = x.column(j).to_vec();
                    match other {
                        "min_max" => {
                            let min = column.iter().copied().fold(f64::INFINITY, f64::min);
                            let max = column.iter().copied().fold(f64::NEG_INFINITY, f64::max);
                            (min, nonzero(max - min))
                        }
                        "max_abs" => (0.0, nonzero(column.iter().fold(0.0, |m, v| v.abs().max(m)))),
                        _ => {
                            let q1 = quantile(&mut column, 0.25);
                            let q3 = quantile(&mut column, 0.75);
                            (quantile(&mut column, 0.5), nonzero(q3 - q1))
                        }
                    }
                }
            };
            if varying.contains(&j) && !(shift.is_finite() && divide.is_finite()) {
                return Err(Error::InvalidArgument(format!(
                    "column '{}' holds values too large to scale (their mean or spread \
                     overflows); rescale the column (divide it by a power of ten) and train again",
                    plan.name
                )));
            }
            plan.shift[s] = shift;
            plan.divide[s] = divide;
        }
        at += plan.slots();
    }
    Ok(varying)
}

fn nonzero(spread: f64) -> f64 {
    if spread > 0.0 && spread.is_finite() {
        spread
    } else {
        1.0
    }
}

fn scale_in_place(plans: &[ColumnPlan], x: &mut Array2<f64>) {
    let (shift, divide): (Vec<f64>, Vec<f64>) = plans
        .iter()
        .flat_map(|p| p.shift.iter().copied().zip(p.divide.iter().copied()))
        .unzip();
    if shift.iter().all(|&s| s == 0.0) && divide.iter().all(|&d| d == 1.0) {
        return;
    }
    let width = shift.len();
    if let Some(slice) = x.as_slice_mut() {
        slice.par_chunks_mut(width.max(1)).for_each(|row| {
            for ((v, s), d) in row.iter_mut().zip(&shift).zip(&divide) {
                *v = (*v - s) / d;
            }
        });
    }
}

/// The `q` quantile with linear interpolation between order statistics, as numpy's default.
fn quantile(values: &mut [f64], q: f64) -> f64 {
    if values.is_empty() {
        return 0.0;
    }
    values.sort_unstable_by(f64::total_cmp);
    let at = q * (values.len() - 1) as f64;
    let (low, high) = (at.floor() as usize, at.ceil() as usize);
    values[low] + (values[high] - values[low]) * (at - low as f64)
}

/// The most frequent value, the smallest on ties.
fn mode(values: &mut [f64]) -> f64 {
    values.sort_unstable_by(f64::total_cmp);
    let (mut best, mut best_count) = (values[0], 0);
    let mut i = 0;
    while i < values.len() {
        let mut j = i;
        while j < values.len() && values[j] == values[i] {
            j += 1;
        }
        if j - i > best_count {
            (best, best_count) = (values[i], j - i);
        }
        i = j;
    }
    best
}

#[cfg(test)]
mod test {
    use super::*;

    #[test]
    fn quantiles_and_mode_follow_numpy() {
        let mut v = vec![4.0, 1.0, 3.0, 2.0];
        assert_eq!(quantile(&mut v, 0.5), 2.5);
        assert_eq!(quantile(&mut v, 0.25), 1.75);
        assert_eq!(mode(&mut [3.0, 1.0, 3.0, 1.0, 2.0]), 1.0);
    }
}
