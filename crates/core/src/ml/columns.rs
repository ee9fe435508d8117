//! The table as read: one raw column per feature candidate, its kind found
//! from the values themselves, and the target.
//!
//! A column is numeric while every value is an INTEGER, a REAL, NULL or
//! text that reads as a number (CSV imports store numbers as text; empty
//! text and "NA" count as NULL there); the first other text makes it categorical,
//! its earlier numbers becoming categories by their text. Categories are
//! held once each, rows as 4-byte codes into them.

use rustc_hash::FxHashMap;

use super::fingerprint::Fingerprint;
use super::labels::Label;
use super::Task;
use crate::{Arg, Error};

/// A row's code for NULL in a categorical column.
pub const NULL_CODE: u32 = u32::MAX;
/// A row's code for a category met after [`MAX_DISTINCT`] others: it can
/// only ever share the "other" slot, so it is not kept.
pub const OVERFLOW_CODE: u32 = u32::MAX - 1;
/// Distinct categories remembered per column while reading; this bounds the
/// memory of a column of 100,000 distinct values to that of 20,000.
pub const MAX_DISTINCT: usize = 20_000;
/// A text value longer than this is free text, not a category: its column
/// is left out (or refused, when the options ask for it).
pub const MAX_CATEGORY_BYTES: usize = 1_000;

pub enum Values {
    /// NaN for NULL.
    Numbers(Vec<f64>),
    /// `names` in the order first seen; `codes` index them, or are
    /// [`NULL_CODE`] or [`OVERFLOW_CODE`].
    Categories {
        names: Vec<Box<str>>,
        codes: Vec<u32>,
    },
    /// A value longer than [`MAX_CATEGORY_BYTES`] was met, in this row (1-based).
    LongText { row: usize, bytes: usize },
}

pub struct RawColumn {
    pub name: String,
    pub values: Values,
    lookup: FxHashMap<Box<str>, u32>,
    /// Every value so far a number exactly one more than the row before.
    counter: bool,
    last: f64,
}

impl RawColumn {
    fn new(name: String, capacity: usize) -> Result<RawColumn, Error> {
        let mut numbers = Vec::new();
        crate::memory::reserve(&mut numbers, capacity)?;
        Ok(RawColumn {
            name,
            values: Values::Numbers(numbers),
            lookup: FxHashMap::default(),
            counter: true,
            last: f64::NAN,
        })
    }

    /// True for a numeric column that counts the rows: no NULL, each value
    /// one more than the one before, over at least [`COUNTER_MIN_ROWS`].
    pub fn is_row_counter(&self) -> bool {
        matches!(&self.values, Values::Numbers(v) if v.len() >= COUNTER_MIN_ROWS)
            && self.counter
            && !self.last.is_nan()
    }

    fn push(&mut self, arg: &Arg<'_>, row: usize) -> Result<(), Error> {
        let number = match *arg {
            Arg::Null => None,
            Arg::Integer(i) => Some(i as f64),
            Arg::Real(r) if r.is_finite() => Some(r),
            Arg::Real(r) => {
                return Err(Error::InvalidArgument(format!(
                    "column '{}' holds {r} in row {row}; numbers must be finite",
                    self.name
                )))
            }
            Arg::Blob(b) => {
                return Err(Error::InvalidArgument(format!(
                    "column '{}' holds a {}-byte blob in row {row}; features are numbers or text \
                     (leave the column out with {{\"exclude\": [\"{}\"]}})",
                    self.name,
                    b.len(),
                    self.name
                )))
            }
            Arg::Text(t) => {
                if let Values::Numbers(_) = self.values {
                    match read_number(t) {
                        Some(v) => v,
                        None => {
                            self.become_categorical();
                            return self.push(arg, row);
                        }
                    }
                } else {
                    return self.push_text(t, row);
                }
            }
        };
        match &mut self.values {
            Values::Numbers(values) => {
                values.push(number.unwrap_or(f64::NAN));
                Ok(())
            }
            Values::Categories { .. } => match number {
                None => {
                    self.push_code(NULL_CODE);
                    Ok(())
                }
                Some(v) => self.push_text(&number_text(v), row),
            },
            Values::LongText { .. } => Ok(()),
        }
    }

    /// Follows the row-counter rule over every row read, those left out for
    /// a NULL target included (a counter counts the table's rows).
    fn count(&mut self, arg: &Arg<'_>, first: bool) {
        let v = match *arg {
            Arg::Integer(i) => i as f64,
            Arg::Real(r) => r,
            _ => f64::NAN,
        };
        self.counter &= first || v == self.last + 1.0;
        self.last = v;
    }

    fn push_code(&mut self, code: u32) {
        if let Values::Categories { codes, .. } = &mut self.values {
            codes.push(code);
        }
    }

    fn push_text(&mut self, text: &str, row: usize) -> Result<(), Error> {
        if text.len() > MAX_CATEGORY_BYTES {
            if !matches!(self.values, Values::LongText { .. }) {
                self.values = Values::LongText {
                    row,
                    bytes: text.len(),
                };
                self.lookup = FxHashMap::default();
            }
            return Ok(());
        }
        let Values::Categories { names, codes } = &mut self.values else {
            return Ok(());
        };
        let code = match self.lookup.get(text) {
            Some(&code) => code,
            None if names.len() < MAX_DISTINCT => {
                let code = names.len() as u32;
                names.push(text.into());
                self.lookup.insert(text.into(), code);
                code
            }
            None => OVERFLOW_CODE,
        };
        codes.push(code);
        Ok(())
    }

    /// The numbers read so far become categories (by their text), NaN NULL.
    fn become_categorical(&mut self) {
        let Values::Numbers(numbers) = std::mem::replace(
            &mut self.values,
            Values::Categories {
                names: Vec::new(),
                codes: Vec::new(),
            },
        ) else {
            return;
        };
        if let Values::Categories { codes, .. } = &mut self.values {
            codes.reserve(numbers.capacity());
        }
        self.counter = false;
        for v in numbers {
            if v.is_nan() {
                self.push_code(NULL_CODE);
            } else {
                // Numbers are short: this cannot turn the column into free text.
                let _ = self.push_text(&number_text(v), 0);
            }
        }
    }

    /// Drops the lookup once reading is done; categories stay in `names`.
    fn finish(&mut self) {
        self.lookup = FxHashMap::default();
    }
}

/// The fewest rows over which a column counts as a row counter.
pub const COUNTER_MIN_ROWS: usize = 10;

/// Texts that CSV files write for a missing number (R, pandas, UCI).
pub const MISSING_MARKERS: &[&str] = &[
    "NA", "N/A", "n/a", "NaN", "nan", "NULL", "null", "None", "?",
];

/// A number from text as CSV imports leave it: `Some(Some(v))` for digits
/// with sign, point or exponent, `Some(None)` (NULL) for empty text and
/// [`MISSING_MARKERS`], None for any other text ("inf" stays text).
pub fn read_number(text: &str) -> Option<Option<f64>> {
    let t = text.trim();
    if t.is_empty() || MISSING_MARKERS.contains(&t) {
        return Some(None);
    }
    let plausible = t.bytes().any(|b| b.is_ascii_digit())
        && t.bytes()
            .all(|b| b.is_ascii_digit() || matches!(b, b'+' | b'-' | b'.' | b'e' | b'E'));
    if !plausible {
        return None;
    }
    t.parse::<f64>().ok().filter(|v| v.is_finite()).map(Some)
}

/// A number as a category's text: integers without a fraction, so that 3
/// and 3.0 are one category, as SQLite compares them.
pub fn number_text(v: f64) -> String {
    if v.fract() == 0.0 && v.abs() < 1e15 {
        format!("{}", v as i64)
    } else {
        format!("{v}")
    }
}

pub enum TargetColumn {
    Values(Vec<f64>),
    Labels(Vec<Label>),
}

impl TargetColumn {
    pub fn len(&self) -> usize {
        match self {
            TargetColumn::Values(v) => v.len(),
            TargetColumn::Labels(l) => l.len(),
        }
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// The rows read: a column per feature candidate and the target, for the
/// rows whose target is not NULL.
pub struct Table {
    pub columns: Vec<RawColumn>,
    pub target: TargetColumn,
    /// Rows left out because their target is NULL.
    pub null_target: usize,
    /// Of every row read, the NULL targets' too.
    pub fingerprint: Fingerprint,
}

impl Table {
    pub fn rows(&self) -> usize {
        self.target.len()
    }

    /// The bytes the columns hold, about: what a budget counts.
    pub fn bytes(&self) -> u64 {
        let columns: usize = self
            .columns
            .iter()
            .map(|c| match &c.values {
                Values::Numbers(v) => v.capacity() * 8,
                Values::Categories { names, codes } => {
                    codes.capacity() * 4 + names.iter().map(|n| n.len() * 2 + 48).sum::<usize>()
                }
                Values::LongText { .. } => 0,
            })
            .sum();
        let target = match &self.target {
            TargetColumn::Values(v) => v.capacity() * 8,
            TargetColumn::Labels(l) => l.capacity() * std::mem::size_of::<Label>(),
        };
        (columns + target) as u64
    }

    /// What a table of `rows` rows and `width` feature columns holds, about,
    /// before it is read (numbers in every column).
    pub fn planned_bytes(rows: usize, width: usize) -> u64 {
        rows as u64 * (width as u64 * 8 + std::mem::size_of::<Label>() as u64)
    }

    /// Starts an empty table for these columns, sized for `rows` (an
    /// error where the allocator has not the room).
    pub fn new(names: Vec<String>, task: Task, rows: usize) -> Result<Table, Error> {
        let target = match task {
            Task::Regression => {
                let mut values = Vec::new();
                crate::memory::reserve(&mut values, rows)?;
                TargetColumn::Values(values)
            }
            Task::Classification => {
                let mut labels = Vec::new();
                crate::memory::reserve(&mut labels, rows)?;
                TargetColumn::Labels(labels)
            }
        };
        Ok(Table {
            columns: names
                .into_iter()
                .map(|n| RawColumn::new(n, rows))
                .collect::<Result<_, _>>()?,
            target,
            null_target: 0,
            fingerprint: Fingerprint::default(),
        })
    }

    /// Adds one row: the features, then the target (`row` is 1-based, for messages).
    pub fn push(
        &mut self,
        features: &[Arg<'_>],
        target: &Arg<'_>,
        target_name: &str,
        row: usize,
    ) -> Result<(), Error> {
        self.fingerprint.add_row(features, target);
        for (column, arg) in self.columns.iter_mut().zip(features) {
            column.count(arg, row == 1);
        }
        let bad_target = |what: &str| {
            Error::InvalidArgument(format!(
                "the target column '{target_name}' holds {} in row {row}; {what}",
                shown(target)
            ))
        };
        match &mut self.target {
            TargetColumn::Values(values) => {
                let value = match *target {
                    Arg::Null => None,
                    Arg::Integer(i) => Some(i as f64),
                    Arg::Real(r) if r.is_finite() => Some(r),
                    Arg::Text(t) => read_number(t)
                        .ok_or_else(|| bad_target("regression targets must be numbers"))?,
                    _ => return Err(bad_target("regression targets must be finite numbers")),
                };
                match value {
                    Some(v) => values.push(v),
                    None => {
                        self.null_target += 1;
                        return Ok(());
                    }
                }
            }
            TargetColumn::Labels(labels) => match Label::from_arg(target) {
                Some(label) => labels.push(label),
                None if *target == Arg::Null => {
                    self.null_target += 1;
                    return Ok(());
                }
                None => return Err(bad_target("class labels must be integers, reals or text")),
            },
        }
        for (column, arg) in self.columns.iter_mut().zip(features) {
            column.push(arg, row)?;
        }
        Ok(())
    }

    pub fn finish(&mut self) {
        for column in &mut self.columns {
            column.finish();
        }
    }
}

fn shown(arg: &Arg<'_>) -> String {
    match arg {
        Arg::Null => "NULL".to_string(),
        Arg::Text(t) => format!("text '{}'", t.chars().take(40).collect::<String>()),
        Arg::Blob(b) => format!("a {}-byte blob", b.len()),
        Arg::Real(r) => format!("{r}"),
        Arg::Integer(i) => format!("{i}"),
    }
}

#[cfg(test)]
mod test {
    use super::*;

    fn column(values: &[Arg<'_>]) -> RawColumn {
        let mut column = RawColumn::new("c".into(), 0).unwrap();
        for (i, v) in values.iter().enumerate() {
            column.count(v, i == 0);
            column.push(v, i + 1).unwrap();
        }
        column
    }

    #[test]
    fn numbers_as_text_stay_numbers_and_other_text_makes_categories() {
        let c = column(&[
            Arg::Integer(1),
            Arg::Text(" 2.5 "),
            Arg::Text(""),
            Arg::Null,
        ]);
        let Values::Numbers(v) = &c.values else {
            panic!("numeric")
        };
        assert_eq!(&v[..2], &[1.0, 2.5]);
        assert!(v[2].is_nan() && v[3].is_nan());
        let c = column(&[Arg::Integer(3), Arg::Null, Arg::Text("a"), Arg::Real(3.0)]);
        let Values::Categories { names, codes } = &c.values else {
            panic!("categorical")
        };
        assert_eq!(names.iter().map(|n| &**n).collect::<Vec<_>>(), ["3", "a"]);
        assert_eq!(codes, &[0, NULL_CODE, 1, 0]);
        assert!(read_number("inf").is_none() && read_number("1e5") == Some(Some(1e5)));
    }

    #[test]
    fn counters_long_text_and_blobs() {
        let counting: Vec<Arg<'_>> = (5..20).map(Arg::Integer).collect();
        assert!(column(&counting).is_row_counter());
        let mut gap = counting.clone();
        gap[3] = Arg::Integer(100);
        assert!(!column(&gap).is_row_counter());
        let long = "x".repeat(MAX_CATEGORY_BYTES + 1);
        let c = column(&[Arg::Text("a"), Arg::Text(&long)]);
        assert!(matches!(c.values, Values::LongText { row: 2, .. }));
        let mut c = RawColumn::new("pic".into(), 0).unwrap();
        let err = c.push(&Arg::Blob(&[1, 2]), 7).unwrap_err().to_string();
        assert!(err.contains("'pic'") && err.contains("row 7"), "{err}");
    }

    #[test]
    fn distinct_categories_are_bounded() {
        let mut c = RawColumn::new("c".into(), 0).unwrap();
        for i in 0..MAX_DISTINCT + 10 {
            c.push(&Arg::Text(&format!("v{i}")), i + 1).unwrap();
        }
        let Values::Categories { names, codes } = &c.values else {
            panic!("categorical")
        };
        assert_eq!(names.len(), MAX_DISTINCT);
        assert_eq!(codes.iter().filter(|&&c| c == OVERFLOW_CODE).count(), 10);
    }
}
