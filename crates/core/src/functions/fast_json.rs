//! Feature rows read from JSON text straight into a row buffer of cells
//! (see `Model::resolve`): no map or value tree per row. Anything unusual
//! (an unknown or missing name, a value the column cannot take) makes it
//! give up, and the caller words the error with the slower, thorough
//! reader in `features.rs`.

use std::fmt;

use serde::de::{self, DeserializeSeed, MapAccess, SeqAccess, Visitor};

use crate::ml::plan::Cell;
use crate::ml::Model;

/// Fills `out` (one slot per feature) from a JSON object or array; false
/// when the text is anything but a complete, well-formed row.
pub fn row(model: &Model, json: &str, out: &mut [f64]) -> bool {
    let mut deserializer = serde_json::Deserializer::from_str(json);
    RowSeed { model, out }
        .deserialize(&mut deserializer)
        .is_ok()
        && deserializer.end().is_ok()
}

/// Appends one row per element of a JSON array to `out`; false as for [`row`].
pub fn rows(model: &Model, json: &str, out: &mut Vec<f64>) -> bool {
    let mut deserializer = serde_json::Deserializer::from_str(json);
    RowsSeed { model, out }
        .deserialize(&mut deserializer)
        .is_ok()
        && deserializer.end().is_ok()
}

struct RowSeed<'a> {
    model: &'a Model,
    out: &'a mut [f64],
}

fn give_up<E: de::Error>() -> E {
    E::custom("not a plain feature row")
}

impl<'de> DeserializeSeed<'de> for RowSeed<'_> {
    type Value = ();

    fn deserialize<D: de::Deserializer<'de>>(self, deserializer: D) -> Result<(), D::Error> {
        deserializer.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for RowSeed<'_> {
    type Value = ();

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a JSON object or array of numbers")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        // Cells are never NaN: NaN marks a column not given yet.
        self.out.fill(f64::NAN);
        while let Some(key) = map.next_key::<Key<'de>>()? {
            let Some(column) = self.model.feature_column(key.as_str()) else {
                if self.model.is_left_out(key.as_str()) {
                    map.next_value::<de::IgnoredAny>()?;
                    continue;
                }
                return Err(give_up());
            };
            if !self.out[column].is_nan() {
                return Err(give_up());
            }
            self.out[column] = map.next_value_seed(CellSeed {
                model: self.model,
                column,
            })?;
        }
        if self.out.iter().any(|v| v.is_nan()) {
            return Err(give_up());
        }
        Ok(())
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
        for (column, slot) in self.out.iter_mut().enumerate() {
            let seed = CellSeed {
                model: self.model,
                column,
            };
            *slot = seq.next_element_seed(seed)?.ok_or_else(give_up)?;
        }
        match seq.next_element::<de::IgnoredAny>()? {
            None => Ok(()),
            Some(_) => Err(give_up()),
        }
    }
}

/// One value, resolved into its column's cell.
struct CellSeed<'a> {
    model: &'a Model,
    column: usize,
}

impl CellSeed<'_> {
    fn cell<E: de::Error>(&self, cell: Cell<'_>) -> Result<f64, E> {
        match cell {
            Cell::Number(v) if !v.is_finite() => Err(give_up()),
            _ => self.model.resolve(self.column, cell).map_err(|_| give_up()),
        }
    }
}

impl<'de> DeserializeSeed<'de> for CellSeed<'_> {
    type Value = f64;

    fn deserialize<D: de::Deserializer<'de>>(self, deserializer: D) -> Result<f64, D::Error> {
        deserializer.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for CellSeed<'_> {
    type Value = f64;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a number, text or null")
    }

    fn visit_i64<E: de::Error>(self, v: i64) -> Result<f64, E> {
        self.cell(Cell::Number(v as f64))
    }

    fn visit_u64<E: de::Error>(self, v: u64) -> Result<f64, E> {
        self.cell(Cell::Number(v as f64))
    }

    fn visit_f64<E: de::Error>(self, v: f64) -> Result<f64, E> {
        self.cell(Cell::Number(v))
    }

    fn visit_str<E: de::Error>(self, v: &str) -> Result<f64, E> {
        self.cell(Cell::Text(v))
    }

    fn visit_unit<E: de::Error>(self) -> Result<f64, E> {
        self.cell(Cell::Null)
    }
}

struct RowsSeed<'a> {
    model: &'a Model,
    out: &'a mut Vec<f64>,
}

impl<'de> DeserializeSeed<'de> for RowsSeed<'_> {
    type Value = ();

    fn deserialize<D: de::Deserializer<'de>>(self, deserializer: D) -> Result<(), D::Error> {
        deserializer.deserialize_seq(self)
    }
}

impl<'de> Visitor<'de> for RowsSeed<'_> {
    type Value = ();

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a JSON array of feature rows")
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
        let width = self.model.n_features();
        loop {
            let start = self.out.len();
            self.out.resize(start + width, 0.0);
            let seed = RowSeed {
                model: self.model,
                out: &mut self.out[start..],
            };
            if seq.next_element_seed(seed)?.is_none() {
                self.out.truncate(start);
                return Ok(());
            }
        }
    }
}

/// A JSON object key, borrowed from the text unless it holds escapes.
enum Key<'de> {
    Borrowed(&'de str),
    Owned(String),
}

impl Key<'_> {
    fn as_str(&self) -> &str {
        match self {
            Key::Borrowed(s) => s,
            Key::Owned(s) => s,
        }
    }
}

impl<'de> de::Deserialize<'de> for Key<'de> {
    fn deserialize<D: de::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct KeyVisitor;
        impl<'de> Visitor<'de> for KeyVisitor {
            type Value = Key<'de>;

            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a feature name")
            }

            fn visit_borrowed_str<E: de::Error>(self, s: &'de str) -> Result<Key<'de>, E> {
                Ok(Key::Borrowed(s))
            }

            fn visit_str<E: de::Error>(self, s: &str) -> Result<Key<'de>, E> {
                Ok(Key::Owned(s.to_owned()))
            }
        }
        deserializer.deserialize_str(KeyVisitor)
    }
}
