//! A trained model and its blob format.
//!
//! Layout: magic `SQMLMDL\0`, format version (u16 LE), a random 128-bit
//! model id (unique across databases, so a cache can key on it; readers get
//! it from the first bytes without reading the whole blob), header length
//! (u32 LE), header (postcard), payload length (u64 LE), payload (the algorithm's
//! own postcard encoding), CRC-32 of everything before it (u32 LE). Decoding
//! checks each part before using it and never executes anything.

use std::collections::HashMap;
use std::panic::{catch_unwind, AssertUnwindSafe};

use ndarray::Array2;
use serde::{Deserialize, Serialize};

use super::algorithms::{self, Fitted};
use super::plan::{Cell, ColumnPlan, Encoding, Kind, LeftOut, Lookup};
use super::scaler::StandardScaler;
use super::{Classes, Label, Task};
use crate::control::Control;
use crate::{Error, Value};

const MAGIC: &[u8; 8] = b"SQMLMDL\0";
/// 2: trees are sqlite-ml's own (`tree.rs`), no longer smartcore's.
/// 3: tree nodes are 16 bytes (`value`, `feature`, `left`; `left == 0` is a leaf).
/// 4: a preprocessing plan per column (text categories, NULLs) in the header;
///    version 3 blobs are read too.
pub const FORMAT_VERSION: u16 = 4;
/// The oldest version this build reads.
pub const OLDEST_VERSION: u16 = 3;
/// Bytes before the header: magic, version and model id.
pub const PREFIX_LEN: usize = 8 + 2 + 16;

/// What a blob says about its model before the estimator itself.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Header {
    pub algorithm: String,
    pub task: Task,
    pub library: String,
    /// The columns the model takes, in order, each with its preprocessing.
    pub columns: Vec<ColumnPlan>,
    /// Columns of the table the model does not take, and why; a JSON
    /// object naming them at prediction is not an error.
    pub left_out: Vec<LeftOut>,
    /// Every column read for the training, in order: those in `columns`
    /// and those left out by the defaults (constant, identifier, free
    /// text). A feature array may give all of them or just `columns`.
    pub inputs: Vec<String>,
    pub target: String,
    /// The encoded slots the estimator sees, in order: those that vary in
    /// the training rows.
    pub active: Vec<usize>,
    /// Classification only: the class labels, in class-index order.
    pub classes: Option<Classes>,
    /// Row counts of the training; unknown for blobs of format version 3.
    pub rows: Option<Rows>,
}

#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Rows {
    pub training: u64,
    pub test: u64,
    /// Rows left out because their target is NULL.
    pub null_target: u64,
}

/// The header of format version 3: numeric features, one standard scaler.
#[derive(Deserialize)]
struct HeaderV3 {
    algorithm: String,
    task: Task,
    library: String,
    feature_names: Vec<String>,
    target: String,
    scaler: StandardScaler,
    active_features: Vec<usize>,
    classes: Option<Classes>,
}

impl HeaderV3 {
    /// The same model in today's terms: each feature a numeric column
    /// scaled as before, NULL refused as before.
    fn upgrade(self) -> Result<Header, Error> {
        let n = self.feature_names.len();
        if self.scaler.mean.len() != n || self.scaler.scale.len() != n {
            return Err(corrupt("the header's feature count and scaler disagree"));
        }
        let inputs = self.feature_names.clone();
        let columns = self
            .feature_names
            .into_iter()
            .enumerate()
            .map(|(j, name)| ColumnPlan {
                name,
                kind: Kind::Numeric,
                categories: Vec::new(),
                encoding: Encoding::Native,
                impute: "error".into(),
                fill: None,
                scale: "standard".into(),
                shift: vec![self.scaler.mean[j]],
                divide: vec![self.scaler.scale[j]],
                missing: 0,
            })
            .collect();
        Ok(Header {
            algorithm: self.algorithm,
            task: self.task,
            library: self.library,
            columns,
            left_out: Vec::new(),
            inputs,
            target: self.target,
            active: self.active_features,
            classes: self.classes,
            rows: None,
        })
    }
}

pub struct Model {
    pub uid: u128,
    pub header: Header,
    pub estimator: Box<dyn Fitted>,
    /// Each feature name's column, for reading JSON objects without a map per row.
    feature_index: HashMap<String, usize>,
    /// Per column, its kept categories' codes.
    lookups: Vec<Lookup>,
    /// The encoded width: every column's slots.
    width: usize,
    /// For each of `header.inputs`, its column in `header.columns`.
    input_columns: Vec<Option<usize>>,
    /// Each class label as a JSON object key (quoted, escaped, with its
    /// colon), made once per model for the probability functions; or why
    /// the labels cannot be keys.
    label_keys: Result<Vec<String>, String>,
}

/// A header of format `version` (version 3's upgraded).
fn decode_header(version: u16, bytes: &[u8]) -> Result<Header, Error> {
    match version {
        3 => postcard::from_bytes::<HeaderV3>(bytes)
            .map_err(|e| corrupt(format!("header: {e}")))?
            .upgrade(),
        _ => postcard::from_bytes(bytes).map_err(|e| corrupt(format!("header: {e}"))),
    }
}

fn corrupt(what: impl std::fmt::Display) -> Error {
    Error::Model(format!("not a valid sqlite-ml model blob: {what}"))
}

struct Reader<'a> {
    bytes: &'a [u8],
}

impl<'a> Reader<'a> {
    fn take(&mut self, n: usize, what: &str) -> Result<&'a [u8], Error> {
        if self.bytes.len() < n {
            return Err(corrupt(format!("truncated in the {what}")));
        }
        let (head, tail) = self.bytes.split_at(n);
        self.bytes = tail;
        Ok(head)
    }
}

impl Model {
    pub fn new(uid: u128, header: Header, estimator: Box<dyn Fitted>) -> Model {
        let feature_index: HashMap<String, usize> = header
            .columns
            .iter()
            .enumerate()
            .map(|(i, plan)| (plan.name.clone(), i))
            .collect();
        let lookups = header.columns.iter().map(ColumnPlan::lookup).collect();
        let width = header.columns.iter().map(ColumnPlan::slots).sum();
        let input_columns = header
            .inputs
            .iter()
            .map(|name| feature_index.get(name).copied())
            .collect();
        let label_keys = label_keys(&header);
        Model {
            uid,
            header,
            estimator,
            feature_index,
            lookups,
            width,
            input_columns,
            label_keys,
        }
    }

    /// The class labels as JSON object keys, in label order.
    pub fn label_keys(&self) -> Result<&[String], Error> {
        self.label_keys
            .as_deref()
            .map_err(|e| Error::InvalidArgument(e.clone()))
    }

    /// For each column read for the training, its column among the
    /// features, or None for one left out.
    pub fn input_columns(&self) -> &[Option<usize>] {
        &self.input_columns
    }

    /// The column of the feature called `name`.
    pub fn feature_column(&self, name: &str) -> Option<usize> {
        self.feature_index.get(name).copied()
    }

    pub fn n_features(&self) -> usize {
        self.header.columns.len()
    }

    pub fn feature_names(&self) -> impl Iterator<Item = &str> {
        self.header.columns.iter().map(|c| c.name.as_str())
    }

    /// True for a column of the training table the model leaves out: a JSON
    /// object may name it, and its value is not used.
    pub fn is_left_out(&self, name: &str) -> bool {
        self.header.left_out.iter().any(|l| l.name == name)
    }

    /// Column `column`'s value as given, as the cell [`Model::predict`] takes.
    pub fn resolve(&self, column: usize, cell: Cell<'_>) -> Result<f64, Error> {
        self.header.columns[column].resolve(&self.lookups[column], cell)
    }

    pub fn to_blob(&self) -> Result<Vec<u8>, Error> {
        let header = postcard::to_stdvec(&self.header)
            .map_err(|e| Error::Model(format!("cannot encode the model header: {e}")))?;
        let mut blob = Vec::with_capacity(PREFIX_LEN + 4 + header.len() + 8);
        blob.extend_from_slice(MAGIC);
        blob.extend_from_slice(&FORMAT_VERSION.to_le_bytes());
        blob.extend_from_slice(&self.uid.to_le_bytes());
        blob.extend_from_slice(&(header.len() as u32).to_le_bytes());
        blob.extend_from_slice(&header);
        // The payload's length goes before it: written once it is known.
        let length_at = blob.len();
        blob.extend_from_slice(&0u64.to_le_bytes());
        self.estimator.encode(&mut blob)?;
        let payload_len = (blob.len() - length_at - 8) as u64;
        blob[length_at..length_at + 8].copy_from_slice(&payload_len.to_le_bytes());
        let checksum = crc32fast::hash(&blob);
        blob.extend_from_slice(&checksum.to_le_bytes());
        Ok(blob)
    }

    pub fn from_blob(blob: &[u8]) -> Result<Model, Error> {
        let version = Self::version_and_uid(blob)?.0;
        if !(OLDEST_VERSION..=FORMAT_VERSION).contains(&version) {
            return Err(Error::Model(format!(
                "model blob format version {version} is not supported; this build reads versions \
                 {OLDEST_VERSION} to {FORMAT_VERSION}"
            )));
        }
        if blob.len() < PREFIX_LEN + 4 + 8 + 4 {
            return Err(corrupt("truncated in the header"));
        }
        let (body, checksum) = blob.split_at(blob.len() - 4);
        if crc32fast::hash(body).to_le_bytes() != checksum {
            return Err(corrupt("checksum mismatch (the blob is damaged)"));
        }
        let uid = u128::from_le_bytes(body[10..PREFIX_LEN].try_into().unwrap());
        let mut reader = Reader {
            bytes: &body[PREFIX_LEN..],
        };
        let header_len = u32::from_le_bytes(reader.take(4, "header length")?.try_into().unwrap());
        let header_bytes = reader.take(header_len as usize, "header")?;
        let header = decode_header(version, header_bytes)?;
        let payload_len = u64::from_le_bytes(reader.take(8, "payload length")?.try_into().unwrap());
        let payload_len = usize::try_from(payload_len).map_err(|_| corrupt("payload too large"))?;
        let payload = reader.take(payload_len, "payload")?;
        if !reader.bytes.is_empty() {
            return Err(corrupt("trailing bytes after the payload"));
        }
        header.check()?;
        let spec = algorithms::find(header.task, &header.algorithm)?;
        let shape = Shape {
            features: header.active.len(),
            classes: header.classes.as_ref().map(Classes::len),
        };
        let estimator = (spec.decode)(payload, &shape)
            .map_err(|e| corrupt(format!("{} payload: {e}", header.algorithm)))?;
        // The libraries' own structures cannot be checked field by field: a
        // blob altered behind its checksum is caught by its first prediction.
        let probe = Array2::zeros((1, header.active.len()));
        guarded(|| estimator.predict(probe.view())).map_err(|_| {
            corrupt(format!(
                "the {} estimator's data is inconsistent",
                header.algorithm
            ))
        })?;
        crate::stats::count_model_load();
        Ok(Model::new(uid, header, estimator))
    }

    /// The header alone, from a blob whose integrity is checked first: what
    /// a model takes, without decoding its estimator.
    pub fn header_of(blob: &[u8]) -> Result<Header, Error> {
        Self::check_integrity(blob)?;
        let version = Self::version_and_uid(blob)?.0;
        let mut reader = Reader {
            bytes: &blob[PREFIX_LEN..blob.len() - 4],
        };
        let header_len = u32::from_le_bytes(reader.take(4, "header length")?.try_into().unwrap());
        let header_bytes = reader.take(header_len as usize, "header")?;
        decode_header(version, header_bytes)
    }

    /// Checks what can be checked without decoding: the magic bytes, the
    /// format version and the checksum.
    pub fn check_integrity(blob: &[u8]) -> Result<(), Error> {
        let version = Self::version_and_uid(blob)?.0;
        if !(OLDEST_VERSION..=FORMAT_VERSION).contains(&version) {
            return Err(corrupt(format!("format version {version}")));
        }
        if blob.len() < PREFIX_LEN + 4 {
            return Err(corrupt("truncated in the header"));
        }
        let (body, checksum) = blob.split_at(blob.len() - 4);
        if crc32fast::hash(body).to_le_bytes() != checksum {
            return Err(corrupt("checksum mismatch (the blob is damaged)"));
        }
        Ok(())
    }

    /// The format version and model id from the first [`PREFIX_LEN`] bytes of a blob.
    pub fn version_and_uid(prefix: &[u8]) -> Result<(u16, u128), Error> {
        if prefix.len() < MAGIC.len() || &prefix[..MAGIC.len()] != MAGIC {
            return Err(corrupt("it does not start with the sqlite-ml magic bytes"));
        }
        if prefix.len() < PREFIX_LEN {
            return Err(corrupt("truncated in the header"));
        }
        let version = u16::from_le_bytes([prefix[8], prefix[9]]);
        Ok((
            version,
            u128::from_le_bytes(prefix[10..PREFIX_LEN].try_into().unwrap()),
        ))
    }

    /// Predicts one value per row of cells (one per column, as
    /// [`Model::resolve`] gives them): REAL for regression, the stored class
    /// label for classification.
    pub fn predict(&self, cells: Array2<f64>) -> Result<Vec<Value>, Error> {
        self.predict_in(cells, &Control::new())
    }

    /// [`Model::predict`], stopping at `control`'s checkpoints.
    pub fn predict_in(&self, cells: Array2<f64>, control: &Control) -> Result<Vec<Value>, Error> {
        if cells.ncols() != self.n_features() {
            return Err(Error::InvalidArgument(format!(
                "the model takes {} features, got {}",
                self.n_features(),
                cells.ncols()
            )));
        }
        if cells.nrows() == 0 {
            return Ok(Vec::new());
        }
        let x = self.encode(&cells);
        let raw = match x.nrows() {
            // One row stays on the calling thread: a hand-over would cost
            // more than the prediction.
            1 => guarded(|| self.estimator.predict(x.view()))?,
            _ => crate::threads::install(|| {
                guarded(|| self.estimator.predict_in(x.view(), control))
            })??,
        };
        if raw.len() != x.nrows() {
            return Err(Error::Model(format!(
                "{} returned {} predictions for {} rows",
                self.header.algorithm,
                raw.len(),
                x.nrows()
            )));
        }
        match &self.header.classes {
            None if raw.iter().any(|p| !p.is_finite()) => Err(Error::InvalidArgument(
                "the model's prediction for these features is not a finite number \
                 (a feature far outside the range the model was trained on?)"
                    .into(),
            )),
            None => Ok(raw.into_iter().map(Value::Real).collect()),
            Some(classes) => raw
                .into_iter()
                .map(|index| {
                    let label = (index >= 0.0 && index.fract() == 0.0)
                        .then(|| classes.labels.get(index as usize))
                        .flatten()
                        .ok_or_else(|| {
                            Error::Model(format!("the model predicted an unknown class {index}"))
                        })?;
                    Ok(label.to_value())
                })
                .collect(),
        }
    }
}

impl Model {
    /// Each row's probability of each class, in the order of the model's
    /// class labels. An error for a regression and for an estimator that
    /// has no probabilities.
    pub fn probabilities(&self, cells: Array2<f64>) -> Result<Array2<f64>, Error> {
        let algorithm = &self.header.algorithm;
        let Some(classes) = &self.header.classes else {
            return Err(Error::InvalidArgument(format!(
                "the model is a regression ({algorithm}): it predicts values, not classes, so \
                 it has no probabilities; use sqml_predict"
            )));
        };
        if cells.ncols() != self.n_features() {
            return Err(Error::InvalidArgument(format!(
                "the model takes {} features, got {}",
                self.n_features(),
                cells.ncols()
            )));
        }
        let k = classes.len();
        let x = self.encode(&cells);
        let found = match x.nrows() {
            1 => guarded(|| self.estimator.probabilities(x.view(), k))?,
            _ => {
                crate::threads::install(|| guarded(|| self.estimator.probabilities(x.view(), k)))??
            }
        };
        let probabilities = found.ok_or_else(|| {
            Error::InvalidArgument(format!(
                "{algorithm} has no probabilities (it gives a class, not a likelihood); train \
                 logistic_regression, random_forest, gradient_boosting, knn, mlp, or sgd with \
                 the hyperparameter loss 'log_loss', for them; or use sqml_predict"
            ))
        })?;
        if probabilities.dim() != (x.nrows(), k) || probabilities.iter().any(|p| !p.is_finite()) {
            return Err(Error::Model(format!(
                "{algorithm} returned probabilities of the wrong shape or not finite"
            )));
        }
        Ok(probabilities)
    }

    /// The estimator's input: each row's cells encoded and scaled, the
    /// active slots only.
    fn encode(&self, cells: &Array2<f64>) -> Array2<f64> {
        let active = &self.header.active;
        let mut x = Array2::zeros((cells.nrows(), active.len()));
        let mut slots = vec![0.0; self.width];
        for (row, mut out) in cells.rows().into_iter().zip(x.rows_mut()) {
            let mut at = 0;
            for (plan, &cell) in self.header.columns.iter().zip(row) {
                let n = plan.slots();
                plan.encode(cell, &mut slots[at..at + n]);
                at += n;
            }
            for (o, &j) in out.iter_mut().zip(active) {
                *o = slots[j];
            }
        }
        x
    }
}

fn label_keys(header: &Header) -> Result<Vec<String>, String> {
    let labels = header
        .classes
        .as_ref()
        .map_or(&[][..], |c| c.labels.as_slice());
    let keys: Vec<String> = labels
        .iter()
        .map(|label| {
            let text = match label {
                Label::Text(t) => t.clone(),
                number => number.to_json().to_string(),
            };
            format!("{}:", serde_json::Value::from(text))
        })
        .collect();
    for (i, key) in keys.iter().enumerate() {
        if keys[..i].contains(key) {
            return Err(format!(
                "two class labels read as the same text {}; probabilities are keyed by the \
                 label's text, so give the target one type",
                key.trim_end_matches(':')
            ));
        }
    }
    Ok(keys)
}

/// Runs an estimator call; a panic in the library means its stored data is
/// inconsistent, which is a model error rather than an internal one.
fn guarded<T>(call: impl FnOnce() -> Result<T, Error>) -> Result<T, Error> {
    catch_unwind(AssertUnwindSafe(call)).unwrap_or_else(|_| {
        Err(Error::Model(
            "the model's estimator failed on its own data (the blob was altered after it was written)".into(),
        ))
    })
}

/// What the header promises of the estimator: each decoder checks every
/// count its own data carries against it before anything is allocated from
/// such a count (a class count altered behind a recomputed checksum must not
/// make the first prediction ask for terabytes).
pub struct Shape {
    /// The columns the estimator sees.
    pub features: usize,
    /// The class count, for classification.
    pub classes: Option<usize>,
}

impl Shape {
    /// An error unless the estimator's own counts are the header's.
    pub fn expect(&self, features: usize, classes: Option<usize>) -> Result<(), Error> {
        if features != self.features || classes != self.classes {
            return Err(Error::Model(format!(
                "the estimator is for {features} features and {classes:?} classes; \
                 the header says {} and {:?}",
                self.features, self.classes
            )));
        }
        Ok(())
    }
}

impl Header {
    /// Everything a header promises must hold before its model is used.
    fn check(&self) -> Result<(), Error> {
        if self.columns.is_empty() {
            return Err(corrupt("the header has no columns"));
        }
        for plan in &self.columns {
            plan.check().map_err(corrupt)?;
        }
        // The columns in order among the inputs, each once.
        let mut next = 0;
        for name in &self.inputs {
            if self.columns.get(next).is_some_and(|c| &c.name == name) {
                next += 1;
            }
        }
        if next != self.columns.len() {
            return Err(corrupt("the header's columns are not among its inputs"));
        }
        let width: usize = self.columns.iter().map(ColumnPlan::slots).sum();
        let active = &self.active;
        let increasing = active.windows(2).all(|w| w[0] < w[1]);
        if active.is_empty() || !increasing || active.last().is_some_and(|&last| last >= width) {
            return Err(corrupt("the header's active features are out of range"));
        }
        match (self.task, &self.classes) {
            (Task::Classification, Some(classes)) if !classes.is_empty() => Ok(()),
            (Task::Regression, None) => Ok(()),
            _ => Err(corrupt("the header's prediction type and classes disagree")),
        }
    }
}
