//! Hyperparameters: each algorithm declares its own once ([`Param`]), named
//! as scikit-learn names them. From that one declaration come the checks of
//! the options' `hyperparams`, the values the estimator reads
//! ([`Settings`]), what is stored on the run, and the README's table.

use serde_json::{json, Map, Value as Json};

use crate::json::json_type;
use crate::Error;

pub struct Param {
    pub name: &'static str,
    pub kind: Kind,
    /// One line, as the README's table shows it.
    pub meaning: &'static str,
}

/// A hyperparameter's type, default and allowed values. Every range is
/// closed and bounded, so that no setting asks for unbounded time or memory.
pub enum Kind {
    Int {
        default: i64,
        min: i64,
        max: i64,
    },
    /// An integer, or null for "no limit".
    IntOrNone {
        default: Option<i64>,
        min: i64,
        max: i64,
    },
    Float {
        default: f64,
        min: f64,
        max: f64,
    },
    /// As `Float`, but the lower bound itself is not allowed.
    PositiveFloat {
        default: f64,
        max: f64,
    },
    Bool {
        default: bool,
    },
    Choice {
        default: &'static str,
        values: &'static [&'static str],
    },
    /// A list of integers (`hidden_layer_sizes`).
    Ints {
        default: &'static [i64],
        min: i64,
        max: i64,
        max_len: usize,
    },
    /// A list of positive numbers (`alphas`).
    Floats {
        default: &'static [f64],
        max: f64,
        max_len: usize,
    },
    /// `max_features`: a count (integer), a fraction (a number in (0, 1]),
    /// `"sqrt"`, `"log2"`, or null for all of them.
    Features {
        default: Features,
    },
}

#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Features {
    All,
    Sqrt,
    Log2,
    Count(usize),
    Fraction(f64),
}

/// The most features a split may draw, as a count.
const MAX_FEATURE_COUNT: i64 = 1_000_000;

impl Features {
    /// How many of `features` a split tries: at least one, at most all.
    pub fn of(self, features: usize) -> usize {
        let n = features as f64;
        let count = match self {
            Features::All => features,
            Features::Sqrt => n.sqrt() as usize,
            Features::Log2 => n.log2() as usize,
            Features::Count(c) => c,
            Features::Fraction(f) => (f * n) as usize,
        };
        count.clamp(1, features.max(1))
    }

    fn to_json(self) -> Json {
        match self {
            Features::All => Json::Null,
            Features::Sqrt => json!("sqrt"),
            Features::Log2 => json!("log2"),
            Features::Count(c) => json!(c),
            Features::Fraction(f) => json!(f),
        }
    }

    fn parse(value: &Json) -> Option<Features> {
        match value {
            Json::Null => Some(Features::All),
            Json::String(s) if s == "sqrt" => Some(Features::Sqrt),
            Json::String(s) if s == "log2" => Some(Features::Log2),
            Json::Number(n) => match (n.as_i64(), n.as_f64()) {
                (Some(c), _) if (1..=MAX_FEATURE_COUNT).contains(&c) => {
                    Some(Features::Count(c as usize))
                }
                (None, Some(f)) if f > 0.0 && f <= 1.0 => Some(Features::Fraction(f)),
                _ => None,
            },
            _ => None,
        }
    }
}

impl Kind {
    pub fn default_value(&self) -> Json {
        match self {
            Kind::Int { default, .. } => json!(default),
            Kind::IntOrNone { default, .. } => json!(default),
            Kind::Float { default, .. } | Kind::PositiveFloat { default, .. } => json!(default),
            Kind::Bool { default } => json!(default),
            Kind::Choice { default, .. } => json!(default),
            Kind::Ints { default, .. } => json!(default),
            Kind::Floats { default, .. } => json!(default),
            Kind::Features { default } => default.to_json(),
        }
    }

    /// What is allowed, as errors and the README say it.
    pub fn allowed(&self) -> String {
        match self {
            Kind::Int { min, max, .. } => format!("an integer from {min} to {max}"),
            Kind::IntOrNone { min, max, .. } => {
                format!("an integer from {min} to {max}, or null (no limit)")
            }
            Kind::Float { min, max, .. } => {
                format!("a number from {} to {}", number(*min), number(*max))
            }
            Kind::PositiveFloat { max, .. } => {
                format!("a number above 0, at most {}", number(*max))
            }
            Kind::Bool { .. } => "true or false".into(),
            Kind::Choice { values, .. } => format!("one of {}", quoted(values)),
            Kind::Ints {
                min,
                max,
                max_len: 1,
                ..
            } => format!("a list of one integer from {min} to {max}"),
            Kind::Ints {
                min, max, max_len, ..
            } => format!("a list of 1 to {max_len} integers, each from {min} to {max}"),
            Kind::Floats { max, max_len, .. } => format!(
                "a list of 1 to {max_len} numbers, each above 0 and at most {}",
                number(*max)
            ),
            Kind::Features { .. } => format!(
                "\"sqrt\", \"log2\", null (all), a count from 1 to {MAX_FEATURE_COUNT}, or a \
                 fraction above 0 and at most 1.0"
            ),
        }
    }

    /// The value as it is kept, or `None` when it is not allowed.
    fn check(&self, value: &Json) -> Option<Json> {
        let int_in = |v: &Json, min: i64, max: i64| v.as_i64().filter(|i| (min..=max).contains(i));
        match self {
            Kind::Int { min, max, .. } => int_in(value, *min, *max).map(Json::from),
            Kind::IntOrNone { min, max, .. } => match value {
                Json::Null => Some(Json::Null),
                v => int_in(v, *min, *max).map(Json::from),
            },
            Kind::Float { min, max, .. } => value
                .as_f64()
                .filter(|f| *f >= *min && *f <= *max)
                .map(Json::from),
            Kind::PositiveFloat { max, .. } => value
                .as_f64()
                .filter(|f| *f > 0.0 && *f <= *max)
                .map(Json::from),
            Kind::Bool { .. } => value.as_bool().map(Json::from),
            Kind::Choice { values, .. } => value
                .as_str()
                .filter(|s| values.contains(s))
                .map(Json::from),
            Kind::Ints {
                min, max, max_len, ..
            } => {
                let items = value
                    .as_array()
                    .filter(|a| !a.is_empty() && a.len() <= *max_len)?;
                items
                    .iter()
                    .map(|v| int_in(v, *min, *max).map(Json::from))
                    .collect::<Option<Vec<_>>>()
                    .map(Json::from)
            }
            Kind::Floats { max, max_len, .. } => {
                let items = value
                    .as_array()
                    .filter(|a| !a.is_empty() && a.len() <= *max_len)?;
                items
                    .iter()
                    .map(|v| {
                        v.as_f64()
                            .filter(|f| *f > 0.0 && *f <= *max)
                            .map(Json::from)
                    })
                    .collect::<Option<Vec<_>>>()
                    .map(Json::from)
            }
            Kind::Features { .. } => Features::parse(value).map(Features::to_json),
        }
    }
}

/// A bound as people write it: 1e12 rather than thirteen digits.
fn number(value: f64) -> String {
    let exponent = value.log10();
    if value >= 1e5 && exponent.fract() == 0.0 {
        format!("1e{exponent}")
    } else {
        value.to_string()
    }
}

fn quoted(values: &[&str]) -> String {
    values
        .iter()
        .map(|v| format!("'{v}'"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// Every hyperparameter of an algorithm with its value (the defaults filled
/// in), the seed of its random choices, and which of the matrix's columns
/// hold category codes to split on as categories.
#[derive(Clone)]
pub struct Settings {
    params: &'static [Param],
    values: Vec<Json>,
    pub seed: u64,
    /// Per column of the matrix the fit is given, true for a text column
    /// encoded `native` (estimators on histograms only); empty when none is.
    pub categorical: Vec<bool>,
}

impl Settings {
    /// The defaults.
    pub fn defaults(params: &'static [Param], seed: u64) -> Settings {
        Settings {
            params,
            values: params.iter().map(|p| p.kind.default_value()).collect(),
            seed,
            categorical: Vec::new(),
        }
    }

    /// `given` over the defaults, each checked against its declaration.
    pub fn new(
        algorithm: &str,
        params: &'static [Param],
        given: &Map<String, Json>,
        seed: u64,
    ) -> Result<Settings, Error> {
        let mut settings = Settings::defaults(params, seed);
        for (name, value) in given {
            let Some(i) = params.iter().position(|p| p.name == name) else {
                return Err(Error::InvalidArgument(format!(
                    "unknown hyperparameter '{name}' for {algorithm}; {}",
                    listing(algorithm, params)
                )));
            };
            let kind = &params[i].kind;
            settings.values[i] = kind.check(value).ok_or_else(|| {
                let shown = match value {
                    Json::String(_) | Json::Number(_) | Json::Bool(_) => value.to_string(),
                    other => json_type(other).to_string(),
                };
                Error::InvalidArgument(format!(
                    "hyperparameter '{name}' of {algorithm} must be {}, not {shown}",
                    kind.allowed()
                ))
            })?;
        }
        Ok(settings)
    }

    /// The values by name, as the result and the catalog show them.
    pub fn to_json(&self) -> Json {
        Json::Object(
            self.params
                .iter()
                .zip(&self.values)
                .map(|(p, v)| (p.name.to_string(), v.clone()))
                .collect(),
        )
    }

    fn value(&self, name: &str) -> Result<&Json, Error> {
        self.params
            .iter()
            .position(|p| p.name == name)
            .map(|i| &self.values[i])
            .ok_or_else(|| Error::Estimator(format!("no hyperparameter '{name}' is declared")))
    }

    fn mismatch(name: &str) -> Error {
        Error::Estimator(format!("hyperparameter '{name}' is not of the type read"))
    }

    pub fn usize(&self, name: &str) -> Result<usize, Error> {
        self.value(name)?
            .as_u64()
            .map(|v| v as usize)
            .ok_or_else(|| Self::mismatch(name))
    }

    /// An `IntOrNone`: `None` is no limit.
    pub fn limit(&self, name: &str) -> Result<Option<usize>, Error> {
        match self.value(name)? {
            Json::Null => Ok(None),
            v => v
                .as_u64()
                .map(|v| Some(v as usize))
                .ok_or_else(|| Self::mismatch(name)),
        }
    }

    pub fn f64(&self, name: &str) -> Result<f64, Error> {
        self.value(name)?
            .as_f64()
            .ok_or_else(|| Self::mismatch(name))
    }

    pub fn bool(&self, name: &str) -> Result<bool, Error> {
        self.value(name)?
            .as_bool()
            .ok_or_else(|| Self::mismatch(name))
    }

    pub fn choice(&self, name: &str) -> Result<&str, Error> {
        self.value(name)?
            .as_str()
            .ok_or_else(|| Self::mismatch(name))
    }

    pub fn usizes(&self, name: &str) -> Result<Vec<usize>, Error> {
        self.value(name)?
            .as_array()
            .and_then(|a| a.iter().map(|v| v.as_u64().map(|v| v as usize)).collect())
            .ok_or_else(|| Self::mismatch(name))
    }

    pub fn f64s(&self, name: &str) -> Result<Vec<f64>, Error> {
        self.value(name)?
            .as_array()
            .and_then(|a| a.iter().map(Json::as_f64).collect())
            .ok_or_else(|| Self::mismatch(name))
    }

    pub fn features(&self, name: &str) -> Result<Features, Error> {
        Features::parse(self.value(name)?).ok_or_else(|| Self::mismatch(name))
    }
}

/// "hyperparameters: name (default), ...", or that there are none.
pub fn listing(algorithm: &str, params: &[Param]) -> String {
    if params.is_empty() {
        return format!("{algorithm} has no hyperparameters");
    }
    let names: Vec<String> = params
        .iter()
        .map(|p| format!("{} (default {})", p.name, p.kind.default_value()))
        .collect();
    format!("its hyperparameters: {}", names.join(", "))
}

/// A declaration as `sqml_debug('algorithms')` lists it.
pub fn describe(param: &Param) -> Json {
    json!({
        "name": param.name,
        "default": param.kind.default_value(),
        "allowed": param.kind.allowed(),
        "meaning": param.meaning,
    })
}

#[cfg(test)]
mod test {
    use super::*;

    const PARAMS: &[Param] = &[
        Param {
            name: "n_estimators",
            kind: Kind::Int {
                default: 100,
                min: 1,
                max: 1000,
            },
            meaning: "trees",
        },
        Param {
            name: "max_depth",
            kind: Kind::IntOrNone {
                default: None,
                min: 1,
                max: 64,
            },
            meaning: "depth",
        },
        Param {
            name: "max_features",
            kind: Kind::Features {
                default: Features::Sqrt,
            },
            meaning: "features per split",
        },
        Param {
            name: "hidden_layer_sizes",
            kind: Kind::Ints {
                default: &[100],
                min: 1,
                max: 4096,
                max_len: 4,
            },
            meaning: "units",
        },
    ];

    fn settings(text: &str) -> Result<Settings, Error> {
        let Json::Object(given) = serde_json::from_str(text).unwrap() else {
            panic!("an object")
        };
        Settings::new("forest", PARAMS, &given, 7)
    }

    #[test]
    fn given_values_replace_the_defaults() {
        let s = settings(r#"{"n_estimators": 5, "max_features": 0.5}"#).unwrap();
        assert_eq!(s.usize("n_estimators").unwrap(), 5);
        assert_eq!(s.limit("max_depth").unwrap(), None);
        assert_eq!(s.features("max_features").unwrap(), Features::Fraction(0.5));
        assert_eq!(s.usizes("hidden_layer_sizes").unwrap(), [100]);
        assert_eq!(s.seed, 7);
        assert_eq!(
            s.to_json().to_string(),
            r#"{"n_estimators":5,"max_depth":null,"max_features":0.5,"hidden_layer_sizes":[100]}"#
        );
    }

    #[test]
    fn errors_say_what_is_allowed() {
        let message = |text: &str| settings(text).err().unwrap().to_string();
        let unknown = message(r#"{"n_trees": 5}"#);
        assert!(unknown.contains("unknown hyperparameter 'n_trees' for forest"));
        assert!(unknown.contains("n_estimators (default 100)"));
        assert!(message(r#"{"n_estimators": 0}"#).contains("an integer from 1 to 1000, not 0"));
        assert!(message(r#"{"n_estimators": 2.5}"#).contains("not 2.5"));
        assert!(message(r#"{"max_depth": "deep"}"#).contains("or null"));
        assert!(message(r#"{"max_features": 1.5}"#).contains("fraction"));
        assert!(message(r#"{"hidden_layer_sizes": []}"#).contains("1 to 4 integers"));
        assert!(message(r#"{"hidden_layer_sizes": [10, 0]}"#).contains("each from 1"));
    }

    #[test]
    fn max_features_counts_at_least_one_and_at_most_all() {
        assert_eq!(Features::Sqrt.of(16), 4);
        assert_eq!(Features::Log2.of(1), 1);
        assert_eq!(Features::Count(50).of(10), 10);
        assert_eq!(Features::Fraction(0.01).of(10), 1);
        assert_eq!(Features::All.of(7), 7);
    }
}
