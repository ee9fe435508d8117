//! Deployed models, decoded once and kept by model id (a random id stored in
//! each blob, so a cached model is never served for another database's row).

use std::sync::{Arc, Mutex};

use crate::catalog;
use crate::ml::Model;
use crate::{Db, Error};

/// Models kept at once; the least recently used goes first.
const CAPACITY: usize = 8;

static CACHE: Mutex<Vec<Arc<Model>>> = Mutex::new(Vec::new());

/// The experiment's deployed model: the one kept with this statement, or the
/// cached one, or decoded from its blob.
pub fn active(db: &mut dyn Db, experiment: &str) -> Result<Arc<Model>, Error> {
    if let Some(model) = db.statement_model() {
        return Ok(model);
    }
    let model = lookup(db, experiment)?;
    db.keep_for_statement(Arc::clone(&model));
    Ok(model)
}

fn lookup(db: &mut dyn Db, experiment: &str) -> Result<Arc<Model>, Error> {
    let active = catalog::active_model(db, experiment)?;
    let id = active.model_id;
    let uid = active.loadable_uid(experiment)?;
    let mut cache = CACHE
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner());
    if let Some(position) = cache.iter().position(|m| m.uid == uid) {
        let model = cache.remove(position);
        cache.push(Arc::clone(&model));
        return Ok(model);
    }
    drop(cache);
    let blob = catalog::model_blob(db, id)?;
    let model = Model::from_blob(&blob)
        .map_err(|e| Error::Model(format!("model {id} of experiment '{experiment}': {e}")))?;
    if model.uid != uid {
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
    cache.push(Arc::clone(&model));
    Ok(model)
}
