//! The preprocess stage: which columns a model learns from, and for each a
//! [`ColumnPlan`] (encoding, imputation, scaling; see `plan.rs`) fitted on
//! the training rows, then both parts of the rows encoded and scaled.

use ndarray::Array2;
use rustc_hash::FxHashMap;

use super::algorithms::{residuals, Inputs};
use super::columns::{Table, Values, NULL_CODE};
use super::matrix::{encode_rows, only_columns, slot_columns, without_target_slots, Source};
use super::options::{ColumnOptions, EncodeOption, ImputeOption, ScaleOption, TrainOptions};
use super::plan::{ColumnPlan, Encoding, Kind, LeftOut};
use super::scaling::{fit_scaling, mode, quantile, scale_in_place};
use super::target_encoding::{order_by_target, outputs, target_tables, TrainTarget};
use crate::control::{Control, Phase};
use crate::Error;

/// Categories kept per one-hot column (the rest share one more column):
/// the matrix is at most `33` columns wide per text column.
pub const MAX_ONE_HOT: usize = 32;
/// Categories kept per ordinal column; the rest share one code.
pub const MAX_CODES: usize = 255;
/// Categories kept per `native` column: with the code they share, every
/// code is a bin below the histograms' missing one (255).
pub const MAX_NATIVE_CODES: usize = 254;
/// Categories kept per target-encoded column (one number each in the model).
pub const MAX_TARGET_CODES: usize = super::columns::MAX_DISTINCT + 1;
/// Trees' default codes: a category needs this many training rows for a
/// code of its own (fewer rows make a mean target that is mostly noise).
pub const MIN_CODE_ROWS: usize = 5;
/// A text column is an identifier when this share of its non-NULL training
/// values occur once each.
pub const IDENTIFIER_SHARE: f64 = 0.95;
/// ... over at least this many non-NULL training values.
pub const IDENTIFIER_MIN_ROWS: usize = 10;

/// The encoded, scaled matrices and the plans that made them.
pub struct Prepared {
    pub plans: Vec<ColumnPlan>,
    pub left_out: Vec<LeftOut>,
    pub x_train: Array2<f64>,
    pub x_test: Array2<f64>,
    /// The encoded slots that vary in the training rows.
    pub active: Vec<usize>,
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
    control: &Control,
    memory: &dyn Fn(usize, usize, usize) -> Result<(), Error>,
) -> Result<Prepared, Error> {
    control.begin(Phase::Preprocessing, Some(table.columns.len() as u64));
    // The statistics do not depend on the rows' order, and in the table's
    // order every column is read in sequence instead of at random.
    let mut sorted = train.to_vec();
    sorted.sort_unstable();
    let mut plans = Vec::new();
    let mut sources = Vec::new();
    let mut left_out = excluded;
    for column in &table.columns {
        control.advance(1)?;
        let given = options.column(&column.name);
        let named = given.is_some()
            || options
                .features
                .as_ref()
                .is_some_and(|f| f.contains(&column.name));
        let settings = given.cloned().unwrap_or_default();
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
            Values::Numbers(values) => {
                numeric(&column.name, values, &sorted, test, &settings, inputs)
                    .map(|p| Fitted::Plan(Box::new(p)))?
            }
            Values::Categories { names, codes } => categorical(
                &column.name,
                names,
                codes,
                train,
                &sorted,
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
                if constant(&source, &sorted) {
                    left_out.push(leave(&if plan.kind == Kind::Categorical
                        && plan.categories.is_empty()
                    {
                        format!(
                            "no category has the {MIN_CODE_ROWS} training rows a code needs \
                             (every value would share one code)"
                        )
                    } else {
                        "constant in the training rows".to_string()
                    }));
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
    let columns = slot_columns(&plans, &sources, &sorted);
    drop(sorted);
    memory(train.len(), test.len(), columns.iter().flatten().count())?;
    let residual = match target {
        TrainTarget::Values(y) if inputs == Inputs::Scaled => {
            residual_target(&plans, &sources, train, &columns, y, control)?
        }
        _ => None,
    };
    let encoded_target = residual.as_deref().map(TrainTarget::Values);
    let encoded_target = encoded_target.as_ref().unwrap_or(target);
    for (plan, source) in plans.iter_mut().zip(&mut sources) {
        if let Encoding::Target { .. } = plan.encoding {
            let (table, folds) = target_tables(
                plan.other() + 1,
                |row| source.cell(row),
                train,
                encoded_target,
            );
            plan.encoding = Encoding::Target {
                outputs: outputs(target),
                table,
            };
            source.folds = folds;
        }
        plan.shift = vec![0.0; plan.slots()];
        plan.divide = vec![1.0; plan.slots()];
    }
    control.checkpoint()?;
    let x_train = encode_rows(&plans, &sources, train, true, &columns)?;
    control.checkpoint()?;
    let x_test = encode_rows(&plans, &sources, test, false, &columns)?;
    control.checkpoint()?;
    let varying = fit_scaling(&mut plans, &x_train, &columns)?;
    // The slots found constant only now (a target encoding's, rarely).
    let keep: Vec<usize> = varying.iter().filter_map(|&j| columns[j]).collect();
    let mut x_train = only_columns(x_train, &keep);
    let mut x_test = only_columns(x_test, &keep);
    let active = varying;
    scale_in_place(&plans, &mut x_train, &active);
    scale_in_place(&plans, &mut x_test, &active);
    Ok(Prepared {
        plans,
        left_out,
        x_train,
        x_test,
        active,
    })
}

/// For the scaled estimators (linear, or close to it), the target that a
/// target encoding learns: what a least-squares fit on the other slots
/// leaves unexplained. A category's code then adds what the other columns
/// do not already say; its plain mean target would mostly repeat them
/// (each hour's mean arrival delay in `flights` is mostly its departure
/// delay). None without target-encoded slots, or beside no other slot.
fn residual_target(
    plans: &[ColumnPlan],
    sources: &[Source<'_>],
    train: &[usize],
    columns: &[Option<usize>],
    y: &[f64],
    control: &Control,
) -> Result<Option<Vec<f64>>, Error> {
    if !plans
        .iter()
        .any(|p| matches!(p.encoding, Encoding::Target { .. }))
    {
        return Ok(None);
    }
    let others = without_target_slots(plans, columns);
    let x = encode_rows(plans, sources, train, true, &others)?;
    residuals(x.view(), y, control)
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
    inputs: Inputs,
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
    let impute = settings.impute.unwrap_or(match inputs {
        Inputs::Bins => ImputeOption::Missing,
        Inputs::Scaled | Inputs::Trees => ImputeOption::Mean,
    });
    let scale = settings.scale.unwrap_or(match impute {
        // Trees need no scale, and a spread is not defined over NULLs.
        ImputeOption::Missing => ScaleOption::Preserve,
        _ => ScaleOption::Standard,
    });
    if impute == ImputeOption::Missing {
        if inputs != Inputs::Bins {
            return Err(refuse(
                name,
                "impute 'missing' keeps NULL for estimators that learn where it goes \
                 (hist_gradient_boosting); choose another impute for this algorithm"
                    .into(),
            ));
        }
        if scale != ScaleOption::Preserve {
            return Err(refuse(
                name,
                "impute 'missing' keeps NULLs, so the column's scale must be 'preserve' \
                 (trees need no scale)"
                    .into(),
            ));
        }
    }
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
        ImputeOption::Missing => Some(f64::NAN),
    };
    let plan = ColumnPlan {
        name: name.to_string(),
        kind: Kind::Numeric,
        categories: Vec::new(),
        encoding: Encoding::Native,
        impute: impute.name().to_string(),
        fill,
        scale: scale.name().to_string(),
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
    sorted: &[usize],
    test: &[usize],
    settings: &ColumnOptions,
    inputs: Inputs,
    named: bool,
    target: &TrainTarget<'_>,
) -> Result<Fitted, Error> {
    // CART trees split codes by their order: by default the order is the
    // categories' mean target, so that one split can part high from low.
    // Trees on histograms split on sets of categories (`native`).
    let by_target = settings.encode.is_none() && inputs == Inputs::Trees;
    let mut encoding = match &settings.encode {
        None => match inputs {
            Inputs::Scaled => EncodeOption::OneHot,
            Inputs::Trees => EncodeOption::Ordinal(None),
            Inputs::Bins => EncodeOption::Native,
        },
        Some(EncodeOption::Native) if inputs != Inputs::Bins => {
            return Err(refuse(
                name,
                "the column holds text; 'native' (splits on sets of categories) is for \
                 hist_gradient_boosting, and this algorithm needs ordinal, one_hot or target"
                    .into(),
            ))
        }
        Some(other) => other.clone(),
    };
    let native = encoding == EncodeOption::Native;
    if native && settings.scale.is_some_and(|s| s != ScaleOption::Preserve) {
        return Err(refuse(
            name,
            "encode 'native' splits on the categories' codes, so the column's scale must be \
             'preserve'"
                .into(),
        ));
    }
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
    for &r in sorted {
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
    // More categories than one-hot keeps: by default their mean target is
    // worth more to a linear model than 32 of them and an "other".
    if settings.encode.is_none() && inputs == Inputs::Scaled && candidates.len() > MAX_ONE_HOT {
        encoding = EncodeOption::Target;
    }
    let cap = match encoding {
        EncodeOption::OneHot => MAX_ONE_HOT,
        EncodeOption::Target => MAX_TARGET_CODES,
        EncodeOption::Native => MAX_NATIVE_CODES,
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
            if by_target || (native && settings.encode.is_none()) {
                candidates.retain(|&(count, _)| count >= MIN_CODE_ROWS);
            }
            if by_target {
                order_by_target(&mut candidates, codes, train, target, names.len());
            }
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
        EncodeOption::Native => Encoding::Native,
        EncodeOption::OneHot => Encoding::OneHot,
        EncodeOption::Target => Encoding::Target {
            outputs: outputs(target),
            table: Vec::new(),
        },
        _ => Encoding::Ordinal,
    };
    let default_scale = match (&encoding_value, inputs) {
        (Encoding::OneHot, _) | (_, Inputs::Trees | Inputs::Bins) => ScaleOption::Preserve,
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

/// True when every training row's cell is the same.
fn constant(source: &Source<'_>, train: &[usize]) -> bool {
    let mut cells = train.iter().map(|&r| source.cell(r));
    let Some(first) = cells.next() else {
        return true;
    };
    cells.all(|c| c == first || (c.is_nan() && first.is_nan()))
}
