//! A column's preprocessing as the model stores it, and how a value is
//! applied to it at prediction (and to the training rows).
//!
//! A row goes through two steps. [`ColumnPlan::resolve`] turns a value as
//! given (number, text or NULL) into a *cell*: the number itself with NULL
//! filled in, or a category's code, where `categories.len()` is the shared
//! "other" code of every category not kept. [`ColumnPlan::encode`] then
//! writes the cell's slots (one, or one per category for one-hot) and
//! scales them.

use rustc_hash::FxHashMap;
use serde::{Deserialize, Serialize};

use super::columns::{number_text, read_number};
use crate::Error;

/// Categories listed by `describe`; the count is always given.
const DESCRIBED_CATEGORIES: usize = 100;

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

    /// Writes a cell's slots, scaled (the training matrices are written
    /// by `matrix::encode_rows`, the same way).
    pub fn encode(&self, cell: f64, out: &mut [f64]) {
        match &self.encoding {
            Encoding::Native | Encoding::Ordinal => out[0] = cell,
            Encoding::OneHot => {
                out.fill(0.0);
                out[(cell as usize).min(self.other())] = 1.0;
            }
            Encoding::Target { outputs, table } => {
                let code = (cell as usize).min(self.other());
                out.copy_from_slice(&table[code * outputs..(code + 1) * outputs]);
            }
        }
        for ((v, shift), divide) in out.iter_mut().zip(&self.shift).zip(&self.divide) {
            *v = (*v - shift) / divide;
        }
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
        // A text column encoded `native` is split on as categories.
        if !categorical && !matches!(self.encoding, Encoding::Native) {
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
            d["categories"] = self
                .categories
                .iter()
                .take(DESCRIBED_CATEGORIES)
                .cloned()
                .collect();
            d["categories_kept"] = self.categories.len().into();
        }
        d
    }
}

/// Per slot of `active` (the matrix's columns), whether it holds the code
/// of a text column encoded `native`, which trees on histograms split on as
/// categories.
pub fn native_categories(plans: &[ColumnPlan], active: &[usize]) -> Vec<bool> {
    let slots: Vec<bool> = plans
        .iter()
        .flat_map(|p| {
            let native = p.kind == Kind::Categorical && p.encoding == Encoding::Native;
            std::iter::repeat_n(native, p.slots())
        })
        .collect();
    active.iter().map(|&j| slots[j]).collect()
}

/// A column the model does not learn from, and why.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LeftOut {
    pub name: String,
    pub reason: String,
}
