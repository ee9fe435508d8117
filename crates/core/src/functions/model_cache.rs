//! Deployed models (and stored ones asked for by id), decoded once and kept
//! for the statement and in a small process-wide cache.
//!
//! The cache is keyed by where the blob lives (the database file, or the
//! connection for in-memory and temporary databases, and the model's row)
//! and by what the blob says of itself (the random model id in its prefix,
//! its length and checksum): a blob copied into another database or another
//! row, id and all, is decoded from its own bytes, never served from the
//! cache of the first.

use std::sync::{Arc, Mutex};

use crate::catalog::{self, Active};
use crate::ml::Model;
use crate::{Arg, Db, Error, Kept};

/// Models kept at once; the least recently used goes first.
const CAPACITY: usize = 8;

#[derive(PartialEq, Eq)]
struct Key {
    /// The main database's file, or empty for in-memory and temporary ones.
    file: String,
    /// Set when `file` is empty: such a database is private to its connection.
    connection: u64,
    row: i64,
    uid: u128,
    length: i64,
    trailer: Vec<u8>,
}

static CACHE: Mutex<Vec<(Key, Arc<Model>)>> = Mutex::new(Vec::new());

/// Which model a prediction asks for: an experiment's deployed one, or a
/// stored model by id (deployed or not).
#[derive(Clone, Copy)]
pub enum Wanted<'a> {
    Experiment(&'a str),
    Id(i64),
}

impl<'a> Wanted<'a> {
    /// Argument 1 of the prediction functions: an experiment name or a model id.
    pub fn of(args: &[Arg<'a>]) -> Result<Wanted<'a>, Error> {
        match args.first() {
            Some(Arg::Text(experiment)) => Ok(Wanted::Experiment(experiment)),
            Some(Arg::Integer(id)) => Ok(Wanted::Id(*id)),
            other => Err(Error::InvalidArgument(format!(
                "argument 1 must be an experiment (text) or a model id (integer), not {}",
                other.map_or("missing", Arg::type_name)
            ))),
        }
    }
}

/// The model asked for: the one kept with this statement (unless a
/// deployment was made since), or the cached one, or decoded from its blob.
pub fn active(db: &mut dyn Db, wanted: Wanted<'_>) -> Result<Arc<Model>, Error> {
    let deployments = catalog::deployments_made();
    if let Some(kept) = db.statement_model() {
        if kept.deployments == deployments {
            return Ok(kept.model);
        }
    }
    let (_, model) = match wanted {
        Wanted::Experiment(experiment) => deployed(db, experiment)?,
        Wanted::Id(id) => {
            let (stored, experiment) = catalog::stored_model(db, id)?;
            (id, cached(db, stored, &experiment)?)
        }
    };
    db.keep_for_statement(Kept {
        model: Arc::clone(&model),
        deployments,
    });
    Ok(model)
}

fn key(db: &dyn Db, active: &Active, uid: u128) -> Key {
    Key {
        connection: if active.file.is_empty() {
            db.connection_id()
        } else {
            0
        },
        file: active.file.clone(),
        row: active.model_id,
        uid,
        length: active.length,
        trailer: active.trailer.clone(),
    }
}

/// The experiment's deployed model and its row in `sqml_models`, from the
/// process-wide cache or its blob (not the statement's copy).
pub fn deployed(db: &mut dyn Db, experiment: &str) -> Result<(i64, Arc<Model>), Error> {
    let active = catalog::active_model(db, experiment)?;
    let id = active.model_id;
    Ok((id, cached(db, active, experiment)?))
}

/// A stored model from the process-wide cache, or decoded from its blob.
fn cached(db: &mut dyn Db, active: Active, experiment: &str) -> Result<Arc<Model>, Error> {
    let id = active.model_id;
    let uid = active.loadable_uid(experiment)?;
    let key = key(db, &active, uid);
    let mut cache = CACHE
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner());
    if let Some(position) = cache.iter().position(|(k, _)| *k == key) {
        let entry = cache.remove(position);
        let model = Arc::clone(&entry.1);
        cache.push(entry);
        return Ok(model);
    }
    drop(cache);
    let blob = catalog::model_blob(db, id)?;
    let model = Model::from_blob(&blob)
        .map_err(|e| Error::Model(format!("model {id} of experiment '{experiment}': {e}")))?;
    if model.uid != uid || blob.len() as i64 != key.length || !blob.ends_with(&key.trailer) {
        return Err(Error::Model(format!(
            "model {id} changed while it was being read"
        )));
    }
    let model = Arc::new(model);
    let mut cache = CACHE
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner());
    if cache.len() >= CAPACITY {
        cache.remove(0);
    }
    cache.push((key, Arc::clone(&model)));
    Ok(model)
}
