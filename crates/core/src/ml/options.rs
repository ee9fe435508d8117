//! `sqml_train`'s options: a JSON object read once into [`TrainOptions`],
//! which the training pipeline receives whole.

use serde_json::{Map, Value as Json};

use super::split::{SplitStrategy, DEFAULT_SEED};
use crate::json::json_type;
use crate::Error;

/// The keys the options object may hold, as error messages list them.
pub const KEYS: &str = "test_size, split_strategy, features, exclude, preprocess, \
                        automatic_deploy, hyperparams, seed, search, search_params, search_args, \
                        max_memory";

#[derive(Debug, Clone, PartialEq)]
pub struct TrainOptions {
    pub test_size: f64,
    pub split: SplitStrategy,
    /// The columns to use, in that order; `None` lets the defaults choose.
    pub features: Option<Vec<String>>,
    /// Columns to leave out besides those the defaults leave out.
    pub exclude: Vec<String>,
    /// Per column, in the order given.
    pub preprocess: Vec<(String, ColumnOptions)>,
    /// False: the model is recorded, never deployed by the training itself.
    pub automatic_deploy: bool,
    /// The algorithm's settings as given; checked against its declaration
    /// (`hyperparams.rs`) once the algorithm is known.
    pub hyperparams: Map<String, Json>,
    /// Of the split and of every random choice of the fit.
    pub seed: u64,
    /// A hyperparameter search instead of one fit.
    pub search: Option<SearchOptions>,
    /// The memory budget in bytes, in place of the default share of what
    /// is available (see `memory.rs`).
    pub max_memory: Option<u64>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SearchKind {
    Grid,
    Random,
}

impl SearchKind {
    pub fn name(self) -> &'static str {
        match self {
            SearchKind::Grid => "grid",
            SearchKind::Random => "random",
        }
    }
}

/// `search`, `search_params` and `search_args`, read together.
#[derive(Debug, Clone, PartialEq)]
pub struct SearchOptions {
    pub kind: SearchKind,
    /// Each searched hyperparameter and its values, in the order given.
    pub params: Vec<(String, Vec<Json>)>,
    pub cv: usize,
    /// Candidates a random search draws from the grid.
    pub n_iter: usize,
}

/// scikit-learn's defaults: 5 folds, 10 random candidates.
const DEFAULT_CV: usize = 5;
const DEFAULT_N_ITER: usize = 10;
const MAX_CV: i64 = 20;
const MAX_N_ITER: i64 = 500;

impl Default for TrainOptions {
    fn default() -> Self {
        TrainOptions {
            test_size: 0.25,
            split: SplitStrategy::Shuffle,
            features: None,
            exclude: Vec::new(),
            preprocess: Vec::new(),
            automatic_deploy: true,
            hyperparams: Map::new(),
            seed: DEFAULT_SEED,
            search: None,
            max_memory: None,
        }
    }
}

/// One column's `preprocess` entry; what is not given is left to the defaults.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ColumnOptions {
    pub encode: Option<EncodeOption>,
    pub impute: Option<ImputeOption>,
    pub scale: Option<ScaleOption>,
}

#[derive(Debug, Clone, PartialEq)]
pub enum EncodeOption {
    Native,
    /// Categories coded 0, 1, ...: in the order given, or by frequency.
    Ordinal(Option<Vec<String>>),
    OneHot,
    Target,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ImputeOption {
    Error,
    Mean,
    Median,
    Mode,
    Min,
    Max,
    Zero,
    /// The NULL stays missing, for estimators that learn where it goes.
    Missing,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ScaleOption {
    Preserve,
    Standard,
    MinMax,
    MaxAbs,
    Robust,
}

const ENCODE_VALUES: &str =
    "native, ordinal, one_hot, target, {\"ordinal\": [categories in order]}";
const IMPUTE_VALUES: &str = "error, mean, median, mode, min, max, zero, missing";
const SCALE_VALUES: &str = "preserve, standard, min_max, max_abs, robust";

impl ImputeOption {
    pub fn name(self) -> &'static str {
        match self {
            ImputeOption::Error => "error",
            ImputeOption::Mean => "mean",
            ImputeOption::Median => "median",
            ImputeOption::Mode => "mode",
            ImputeOption::Min => "min",
            ImputeOption::Max => "max",
            ImputeOption::Zero => "zero",
            ImputeOption::Missing => "missing",
        }
    }
}

impl ScaleOption {
    pub fn name(self) -> &'static str {
        match self {
            ScaleOption::Preserve => "preserve",
            ScaleOption::Standard => "standard",
            ScaleOption::MinMax => "min_max",
            ScaleOption::MaxAbs => "max_abs",
            ScaleOption::Robust => "robust",
        }
    }
}

impl TrainOptions {
    /// The options from a JSON object's text.
    pub fn parse(text: &str) -> Result<TrainOptions, Error> {
        let json: Json = serde_json::from_str(text).map_err(|e| {
            Error::InvalidArgument(format!(
                "options (argument 6) are not valid JSON ({e}); give a JSON object with any of: {KEYS}"
            ))
        })?;
        let Json::Object(object) = json else {
            return Err(Error::InvalidArgument(format!(
                "options (argument 6) must be a JSON object (or a number, the test_size), not {}; \
                 keys: {KEYS}",
                json_type(&json)
            )));
        };
        let mut options = TrainOptions::default();
        let mut search = (None, None, None);
        for (key, value) in &object {
            match key.as_str() {
                "test_size" => {
                    options.test_size = value
                        .as_f64()
                        .ok_or_else(|| wrong(key, "a number", value))?
                }
                "split_strategy" => {
                    let name = value.as_str().ok_or_else(|| wrong(key, "text", value))?;
                    options.split = SplitStrategy::parse(name)?;
                }
                "features" => options.features = Some(names(key, value)?),
                "exclude" => options.exclude = names(key, value)?,
                "preprocess" => options.preprocess = preprocess(value)?,
                "automatic_deploy" => {
                    options.automatic_deploy = value
                        .as_bool()
                        .ok_or_else(|| wrong(key, "true or false", value))?
                }
                "hyperparams" => {
                    options.hyperparams = value
                        .as_object()
                        .ok_or_else(|| {
                            wrong(key, "an object of hyperparameter names to values", value)
                        })?
                        .clone()
                }
                "seed" => {
                    options.seed = value.as_i64().filter(|s| *s >= 0).ok_or_else(|| {
                        wrong(key, "an integer from 0 to 9223372036854775807", value)
                    })? as u64
                }
                "max_memory" => {
                    let bytes = match value {
                        Json::Number(n) => n.as_u64().filter(|&b| b > 0),
                        Json::String(text) => crate::memory::parse_bytes(text),
                        _ => None,
                    };
                    options.max_memory = Some(bytes.ok_or_else(|| {
                        wrong(
                            key,
                            "a number of bytes, or text such as \"512MB\" or \"16GB\"",
                            value,
                        )
                    })?);
                }
                "search" => search.0 = Some(value),
                "search_params" => search.1 = Some(value),
                "search_args" => search.2 = Some(value),
                other => {
                    return Err(Error::InvalidArgument(format!(
                        "unknown option '{other}'; known options: {KEYS}"
                    )))
                }
            }
        }
        options.search = search_options(search)?;
        options.check()?;
        Ok(options)
    }

    /// An error unless the options make sense on their own (the columns
    /// they name are checked against the table later).
    pub fn check(&self) -> Result<(), Error> {
        if !(self.test_size > 0.0 && self.test_size < 1.0) {
            return Err(Error::InvalidArgument(format!(
                "test_size must be between 0 and 1 (exclusive), not {}",
                self.test_size
            )));
        }
        if let Some(features) = &self.features {
            if features.is_empty() {
                return Err(Error::InvalidArgument(
                    "option 'features' is empty; name at least one column".into(),
                ));
            }
            if !self.exclude.is_empty() {
                return Err(Error::InvalidArgument(
                    "give either 'features' (the columns to use) or 'exclude' (the columns to \
                     leave out), not both"
                        .into(),
                ));
            }
        }
        for list in [self.features.as_deref().unwrap_or(&[]), &self.exclude] {
            let mut seen: Vec<&str> = Vec::new();
            for name in list {
                if seen.contains(&name.as_str()) {
                    return Err(Error::InvalidArgument(format!(
                        "column '{name}' is named twice in the options"
                    )));
                }
                seen.push(name);
            }
        }
        Ok(())
    }

    pub fn column(&self, name: &str) -> Option<&ColumnOptions> {
        self.preprocess
            .iter()
            .find(|(column, _)| column == name)
            .map(|(_, options)| options)
    }
}

fn wrong(key: &str, expected: &str, value: &Json) -> Error {
    let shown = match value {
        Json::Number(n) => n.to_string(),
        other => json_type(other).to_string(),
    };
    Error::InvalidArgument(format!("option '{key}' must be {expected}, not {shown}"))
}

fn search_options(
    (kind, params, args): (Option<&Json>, Option<&Json>, Option<&Json>),
) -> Result<Option<SearchOptions>, Error> {
    let Some(kind) = kind else {
        if params.is_some() || args.is_some() {
            return Err(Error::InvalidArgument(
                "'search_params' and 'search_args' go with 'search': \"grid\" or \"random\"".into(),
            ));
        }
        return Ok(None);
    };
    let kind = match kind.as_str() {
        Some("grid") => SearchKind::Grid,
        Some("random") => SearchKind::Random,
        _ => return Err(wrong("search", "\"grid\" or \"random\"", kind)),
    };
    let expected = "an object of hyperparameter names to non-empty lists of values";
    let Some(Json::Object(given)) = params else {
        return Err(Error::InvalidArgument(format!(
            "option 'search' needs 'search_params', {expected}, e.g. {{\"max_depth\": [4, 8]}}"
        )));
    };
    if given.is_empty() {
        return Err(Error::InvalidArgument(format!(
            "option 'search_params' is empty; give {expected}"
        )));
    }
    let params = given
        .iter()
        .map(|(name, values)| match values {
            Json::Array(values) if !values.is_empty() => Ok((name.clone(), values.clone())),
            Json::Array(_) => Err(Error::InvalidArgument(format!(
                "search_params '{name}' is an empty list; give at least one value"
            ))),
            other => Err(Error::InvalidArgument(format!(
                "search_params '{name}' must be a list of values, not {}",
                json_type(other)
            ))),
        })
        .collect::<Result<Vec<_>, _>>()?;
    let mut search = SearchOptions {
        kind,
        params,
        cv: DEFAULT_CV,
        n_iter: DEFAULT_N_ITER,
    };
    match args {
        None => {}
        Some(Json::Object(args)) => {
            for (key, value) in args {
                let bounded = |min: i64, max: i64| {
                    value
                        .as_i64()
                        .filter(|v| (min..=max).contains(v))
                        .map(|v| v as usize)
                        .ok_or_else(|| {
                            Error::InvalidArgument(format!(
                                "search_args '{key}' must be an integer from {min} to {max}, \
                                 not {value}"
                            ))
                        })
                };
                match key.as_str() {
                    "cv" => search.cv = bounded(2, MAX_CV)?,
                    "n_iter" if kind == SearchKind::Random => {
                        search.n_iter = bounded(1, MAX_N_ITER)?
                    }
                    "n_iter" => {
                        return Err(Error::InvalidArgument(
                            "search_args n_iter is for a random search; a grid search tries \
                             every combination"
                                .into(),
                        ))
                    }
                    other => {
                        return Err(Error::InvalidArgument(format!(
                            "unknown search_args key '{other}'; known: cv, n_iter"
                        )))
                    }
                }
            }
        }
        Some(other) => {
            return Err(wrong(
                "search_args",
                "an object such as {\"cv\": 5, \"n_iter\": 10}",
                other,
            ))
        }
    }
    Ok(Some(search))
}

fn names(key: &str, value: &Json) -> Result<Vec<String>, Error> {
    let expected = "an array of column names";
    let Json::Array(items) = value else {
        return Err(wrong(key, expected, value));
    };
    items
        .iter()
        .map(|item| {
            item.as_str()
                .map(str::to_string)
                .ok_or_else(|| wrong(key, expected, item))
        })
        .collect()
}

fn preprocess(value: &Json) -> Result<Vec<(String, ColumnOptions)>, Error> {
    let Json::Object(columns) = value else {
        return Err(wrong(
            "preprocess",
            "an object of column names to {\"encode\", \"impute\", \"scale\"}",
            value,
        ));
    };
    columns
        .iter()
        .map(|(column, settings)| Ok((column.clone(), column_options(column, settings)?)))
        .collect()
}

fn column_options(column: &str, value: &Json) -> Result<ColumnOptions, Error> {
    let in_column = |message: String| {
        Error::InvalidArgument(format!("preprocess of column '{column}': {message}"))
    };
    let Json::Object(settings) = value else {
        return Err(in_column(format!(
            "must be an object with any of encode, impute, scale, not {}",
            json_type(value)
        )));
    };
    let mut options = ColumnOptions::default();
    for (key, value) in settings {
        match key.as_str() {
            "encode" => options.encode = Some(encode(value).map_err(in_column)?),
            "impute" => {
                let impute = match value.as_str() {
                    Some("error") => ImputeOption::Error,
                    Some("mean") => ImputeOption::Mean,
                    Some("median") => ImputeOption::Median,
                    Some("mode") => ImputeOption::Mode,
                    Some("min") => ImputeOption::Min,
                    Some("max") => ImputeOption::Max,
                    Some("zero") => ImputeOption::Zero,
                    Some("missing") => ImputeOption::Missing,
                    _ => return Err(in_column(unknown_value("impute", value, IMPUTE_VALUES))),
                };
                options.impute = Some(impute);
            }
            "scale" => {
                let scale = match value.as_str() {
                    Some("preserve") => ScaleOption::Preserve,
                    Some("standard") => ScaleOption::Standard,
                    Some("min_max") => ScaleOption::MinMax,
                    Some("max_abs") => ScaleOption::MaxAbs,
                    Some("robust") => ScaleOption::Robust,
                    _ => return Err(in_column(unknown_value("scale", value, SCALE_VALUES))),
                };
                options.scale = Some(scale);
            }
            other => {
                return Err(in_column(format!(
                    "unknown key '{other}'; known keys: encode, impute, scale"
                )))
            }
        }
    }
    Ok(options)
}

fn unknown_value(key: &str, value: &Json, allowed: &str) -> String {
    let shown = match value {
        Json::String(s) => format!("'{s}'"),
        other => json_type(other).to_string(),
    };
    format!("unknown {key} {shown}; allowed: {allowed}")
}

fn encode(value: &Json) -> Result<EncodeOption, String> {
    match value {
        Json::String(name) => match name.as_str() {
            "native" => Ok(EncodeOption::Native),
            "ordinal" => Ok(EncodeOption::Ordinal(None)),
            "one_hot" => Ok(EncodeOption::OneHot),
            "target" => Ok(EncodeOption::Target),
            _ => Err(unknown_value("encode", value, ENCODE_VALUES)),
        },
        Json::Object(object) => ordinal_order(object),
        other => Err(unknown_value("encode", other, ENCODE_VALUES)),
    }
}

fn ordinal_order(object: &Map<String, Json>) -> Result<EncodeOption, String> {
    let bad = || {
        "an encode object must be {\"ordinal\": [\"first\", \"second\", ...]}, the categories in order".to_string()
    };
    let (Some(Json::Array(items)), 1) = (object.get("ordinal"), object.len()) else {
        return Err(bad());
    };
    let order: Vec<String> = items
        .iter()
        .map(|item| item.as_str().map(str::to_string).ok_or_else(bad))
        .collect::<Result<_, _>>()?;
    if order.is_empty() {
        return Err(bad());
    }
    for (i, category) in order.iter().enumerate() {
        if order[..i].contains(category) {
            return Err(format!("the ordinal order names '{category}' twice"));
        }
    }
    Ok(EncodeOption::Ordinal(Some(order)))
}

#[cfg(test)]
mod test {
    use super::*;

    #[test]
    fn every_key_is_read_into_its_typed_field() {
        let options = TrainOptions::parse(
            r#"{"test_size": 0.3, "split_strategy": "stratified", "exclude": ["a"],
                "preprocess": {"b": {"encode": {"ordinal": ["lo", "hi"]}, "impute": "mode", "scale": "robust"}}}"#,
        )
        .unwrap();
        assert_eq!(options.test_size, 0.3);
        assert_eq!(options.split, SplitStrategy::Stratified);
        assert_eq!(options.exclude, ["a"]);
        let b = options.column("b").unwrap();
        assert_eq!(
            b.encode,
            Some(EncodeOption::Ordinal(Some(vec!["lo".into(), "hi".into()])))
        );
        assert_eq!(b.impute, Some(ImputeOption::Mode));
        assert_eq!(b.scale, Some(ScaleOption::Robust));
    }

    #[test]
    fn errors_list_what_is_allowed() {
        let message = |text: &str| TrainOptions::parse(text).unwrap_err().to_string();
        assert!(message(r#"{"tset_size": 0.2}"#).contains(KEYS));
        assert!(message("[1]").contains("must be a JSON object"));
        assert!(message("{").contains("not valid JSON"));
        assert!(message(r#"{"preprocess": {"c": {"impute": "avg"}}}"#).contains(IMPUTE_VALUES));
        assert!(message(r#"{"preprocess": {"c": {"scale": 1}}}"#).contains("column 'c'"));
        assert!(message(r#"{"features": ["a"], "exclude": ["b"]}"#).contains("not both"));
        assert!(message(r#"{"test_size": 2}"#).contains("between 0 and 1"));
    }
}
