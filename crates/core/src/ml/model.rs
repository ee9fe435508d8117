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
use super::scaler::StandardScaler;
use super::{Classes, Task};
use crate::{Error, Value};

const MAGIC: &[u8; 8] = b"SQMLMDL\0";
/// 2: trees are sqlite-ml's own (`tree.rs`), no longer smartcore's.
/// 3: tree nodes are 16 bytes (`value`, `feature`, `left`; `left == 0` is a leaf).
pub const FORMAT_VERSION: u16 = 3;
/// Bytes before the header: magic, version and model id.
pub const PREFIX_LEN: usize = 8 + 2 + 16;

/// What a blob says about its model before the estimator itself.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Header {
    pub algorithm: String,
    pub task: Task,
    pub library: String,
    pub feature_names: Vec<String>,
    pub target: String,
    pub scaler: StandardScaler,
    /// The columns the estimator sees, in order: those that were not constant
    /// in the training rows (a constant column carries nothing to learn).
    pub active_features: Vec<usize>,
    /// Classification only: the class labels, in class-index order.
    pub classes: Option<Classes>,
}

pub struct Model {
    pub uid: u128,
    pub header: Header,
    pub estimator: Box<dyn Fitted>,
    /// Each feature name's column, for reading JSON objects without a map per row.
    feature_index: HashMap<String, usize>,
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
        let feature_index = header
            .feature_names
            .iter()
            .enumerate()
            .map(|(i, name)| (name.clone(), i))
            .collect();
        Model {
            uid,
            header,
            estimator,
            feature_index,
        }
    }

    /// The column of the feature called `name`.
    pub fn feature_column(&self, name: &str) -> Option<usize> {
        self.feature_index.get(name).copied()
    }

    pub fn n_features(&self) -> usize {
        self.header.feature_names.len()
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
        if version != FORMAT_VERSION {
            return Err(Error::Model(format!(
                "model blob format version {version} is not supported; this build reads version {FORMAT_VERSION}"
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
        let header: Header = postcard::from_bytes(reader.take(header_len as usize, "header")?)
            .map_err(|e| corrupt(format!("header: {e}")))?;
        let payload_len = u64::from_le_bytes(reader.take(8, "payload length")?.try_into().unwrap());
        let payload_len = usize::try_from(payload_len).map_err(|_| corrupt("payload too large"))?;
        let payload = reader.take(payload_len, "payload")?;
        if !reader.bytes.is_empty() {
            return Err(corrupt("trailing bytes after the payload"));
        }
        header.check()?;
        let spec = algorithms::find(header.task, &header.algorithm)?;
        let shape = Shape {
            features: header.active_features.len(),
            classes: header.classes.as_ref().map(Classes::len),
        };
        let estimator = (spec.decode)(payload, &shape)
            .map_err(|e| corrupt(format!("{} payload: {e}", header.algorithm)))?;
        // The libraries' own structures cannot be checked field by field: a
        // blob altered behind its checksum is caught by its first prediction.
        let probe = Array2::zeros((1, header.active_features.len()));
        guarded(|| estimator.predict(probe.view())).map_err(|_| {
            corrupt(format!(
                "the {} estimator's data is inconsistent",
                header.algorithm
            ))
        })?;
        crate::stats::count_model_load();
        Ok(Model::new(uid, header, estimator))
    }

    /// Checks what can be checked without decoding: the magic bytes, the
    /// format version and the checksum.
    pub fn check_integrity(blob: &[u8]) -> Result<(), Error> {
        let version = Self::version_and_uid(blob)?.0;
        if version != FORMAT_VERSION {
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

    /// Predicts one value per row of raw (unscaled) features: REAL for
    /// regression, the stored class label for classification.
    pub fn predict(&self, mut x: Array2<f64>) -> Result<Vec<Value>, Error> {
        if x.ncols() != self.n_features() {
            return Err(Error::InvalidArgument(format!(
                "the model takes {} features, got {}",
                self.n_features(),
                x.ncols()
            )));
        }
        if x.nrows() == 0 {
            return Ok(Vec::new());
        }
        self.header.scaler.transform_in_place(&mut x);
        if self.header.active_features.len() < self.n_features() {
            x = x.select(ndarray::Axis(1), &self.header.active_features);
        }
        let raw = match x.nrows() {
            // One row stays on the calling thread: a hand-over would cost
            // more than the prediction.
            1 => guarded(|| self.estimator.predict(x.view()))?,
            _ => crate::threads::install(|| guarded(|| self.estimator.predict(x.view())))??,
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
        let n = self.feature_names.len();
        if n == 0 || self.scaler.mean.len() != n || self.scaler.scale.len() != n {
            return Err(corrupt("the header's feature count and scaler disagree"));
        }
        let active = &self.active_features;
        let increasing = active.windows(2).all(|w| w[0] < w[1]);
        if active.is_empty() || !increasing || active.last().is_some_and(|&last| last >= n) {
            return Err(corrupt("the header's active features are out of range"));
        }
        match (self.task, &self.classes) {
            (Task::Classification, Some(classes)) if !classes.is_empty() => Ok(()),
            (Task::Regression, None) => Ok(()),
            _ => Err(corrupt("the header's prediction type and classes disagree")),
        }
    }
}
