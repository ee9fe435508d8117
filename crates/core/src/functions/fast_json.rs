//! Feature rows read from JSON text straight into a row buffer: no map or
//! value tree per row. Anything unusual (an unknown or missing name, a value
//! that is not a number) makes it give up, and the caller words the error
//! with the slower, thorough reader in `features.rs`.

use std::fmt;

use serde::de::{self, DeserializeSeed, MapAccess, SeqAccess, Visitor};

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
        self.out.fill(f64::NAN);
        while let Some(key) = map.next_key::<Key<'de>>()? {
            let column = self
                .model
                .feature_column(key.as_str())
                .ok_or_else(give_up)?;
            let value: f64 = map.next_value()?;
            if !value.is_finite() {
                return Err(give_up());
            }
            self.out[column] = value;
        }
        if self.out.iter().any(|v| v.is_nan()) {
            return Err(give_up());
        }
        Ok(())
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
        for slot in self.out.iter_mut() {
            let value: f64 = seq.next_element()?.ok_or_else(give_up)?;
            if !value.is_finite() {
                return Err(give_up());
            }
            *slot = value;
        }
        match seq.next_element::<de::IgnoredAny>()? {
            None => Ok(()),
            Some(_) => Err(give_up()),
        }
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
