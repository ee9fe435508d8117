//! The model catalog: experiments, runs, models, metrics and deployments, in
//! tables of the user's database, laid out as sqlite-ml 0.1.2 lays them out.

use crate::ml::model::{Model, FORMAT_VERSION};
use crate::port::query_optional;
use crate::sql::in_write_transaction;
use crate::{Arg, Db, Error, Value};

const SCHEMA: &[&str] = &[
    "CREATE TABLE IF NOT EXISTS sqml_experiments (
        id INTEGER PRIMARY KEY,
        created_at DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
        updated_at DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
        name TEXT NOT NULL UNIQUE,
        prediction_type TEXT NOT NULL
    )",
    "CREATE TABLE IF NOT EXISTS sqml_runs (
        id INTEGER PRIMARY KEY,
        created_at DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
        updated_at DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
        status TEXT NOT NULL,
        algorithm TEXT NOT NULL,
        dataset TEXT NOT NULL,
        target TEXT NOT NULL,
        test_size REAL NOT NULL,
        split_strategy TEXT NOT NULL,
        experiment_id INTEGER NOT NULL REFERENCES sqml_experiments(id)
    )",
    "CREATE TABLE IF NOT EXISTS sqml_models (
        id INTEGER PRIMARY KEY,
        created_at DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
        updated_at DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
        run_id INTEGER NOT NULL REFERENCES sqml_runs(id),
        library TEXT NOT NULL,
        data BLOB NOT NULL
    )",
    "CREATE TABLE IF NOT EXISTS sqml_metrics (
        id INTEGER PRIMARY KEY,
        created_at DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
        updated_at DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
        model_id INTEGER NOT NULL REFERENCES sqml_models(id),
        name TEXT NOT NULL,
        value REAL NOT NULL
    )",
    "CREATE TABLE IF NOT EXISTS sqml_deployments (
        id INTEGER PRIMARY KEY,
        created_at DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
        updated_at DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
        experiment_id INTEGER REFERENCES sqml_experiments(id),
        model_id INTEGER REFERENCES sqml_models(id),
        active BOOLEAN NOT NULL DEFAULT FALSE
    )",
    // The catalog's lookups (the active model, a run's score in the
    // overview) follow these references; without indexes they scan.
    "CREATE INDEX IF NOT EXISTS sqml_deployments_active
        ON sqml_deployments(experiment_id, active)",
    "CREATE INDEX IF NOT EXISTS sqml_runs_experiment ON sqml_runs(experiment_id)",
    "CREATE INDEX IF NOT EXISTS sqml_models_run ON sqml_models(run_id)",
    "CREATE INDEX IF NOT EXISTS sqml_metrics_model ON sqml_metrics(model_id, name)",
    "CREATE VIEW IF NOT EXISTS sqml_runs_overview AS
    SELECT
        sqml_runs.id AS run_id,
        sqml_experiments.name AS experiment,
        sqml_runs.created_at AS start_time,
        sqml_runs.status AS status,
        sqml_runs.algorithm AS algorithm,
        (SELECT sqml_metrics.value
           FROM sqml_models
           JOIN sqml_metrics ON sqml_metrics.model_id = sqml_models.id
          WHERE sqml_models.run_id = sqml_runs.id AND sqml_metrics.name = 'score'
          ORDER BY sqml_metrics.id LIMIT 1) AS score
    FROM sqml_runs
    JOIN sqml_experiments ON sqml_experiments.id = sqml_runs.experiment_id",
];

/// Creates the catalog where it is missing.
pub fn ensure(db: &mut dyn Db) -> Result<(), Error> {
    for statement in SCHEMA {
        db.execute(statement, &[])?;
    }
    Ok(())
}

/// Called when the functions are loaded: creates the catalog on a writable
/// database. On a read-only one (or while another connection holds the write
/// lock) it does nothing: prediction still works, and training creates the
/// catalog itself.
pub fn ensure_on_load(db: &mut dyn Db) {
    let _ = in_write_transaction(db, ensure);
}

pub struct Experiment {
    pub id: i64,
    pub prediction_type: String,
}

pub fn find_experiment(db: &mut dyn Db, name: &str) -> Result<Option<Experiment>, Error> {
    if !crate::sql::has_table(db, "sqml_experiments")? {
        return Ok(None);
    }
    let mut found = None;
    db.query(
        "SELECT id, prediction_type FROM sqml_experiments WHERE name = ?1",
        &[Value::from(name)],
        &mut |row| {
            if let [Arg::Integer(id), Arg::Text(kind)] = row {
                found = Some(Experiment {
                    id: *id,
                    prediction_type: kind.to_string(),
                });
            }
            Ok(())
        },
    )?;
    Ok(found)
}

/// Everything one successful training writes.
pub struct NewRun<'a> {
    pub experiment: &'a str,
    pub prediction_type: &'a str,
    pub algorithm: &'a str,
    pub dataset: &'a str,
    pub target: &'a str,
    pub test_size: f64,
    pub split_strategy: &'a str,
    pub library: &'a str,
    pub blob: Vec<u8>,
    pub metrics: &'a [(&'static str, f64)],
}

pub struct Recorded {
    pub run_id: i64,
    pub model_id: i64,
    pub deployed: bool,
}

/// Records a training in one savepoint, deploying the model when it is the
/// experiment's first, its score beats the active deployment's, or this
/// build cannot load the active one.
pub fn record(db: &mut dyn Db, run: NewRun<'_>) -> Result<Recorded, Error> {
    in_write_transaction(db, |db| {
        ensure(db)?;
        let experiment_id = match find_experiment(db, run.experiment)? {
            Some(existing) if existing.prediction_type != run.prediction_type => {
                return Err(different_type(
                    run.experiment,
                    &existing.prediction_type,
                    run.prediction_type,
                ));
            }
            Some(existing) => existing.id,
            None => {
                db.execute(
                    "INSERT INTO sqml_experiments (name, prediction_type) VALUES (?1, ?2)",
                    &[run.experiment.into(), run.prediction_type.into()],
                )?;
                db.last_insert_rowid()?
            }
        };
        db.execute(
            "INSERT INTO sqml_runs (status, algorithm, dataset, target, test_size, split_strategy, experiment_id)
             VALUES ('success', ?1, ?2, ?3, ?4, ?5, ?6)",
            &[
                run.algorithm.into(),
                run.dataset.into(),
                run.target.into(),
                run.test_size.into(),
                run.split_strategy.into(),
                experiment_id.into(),
            ],
        )?;
        let run_id = db.last_insert_rowid()?;
        db.execute(
            "INSERT INTO sqml_models (run_id, library, data) VALUES (?1, ?2, ?3)",
            &[run_id.into(), run.library.into(), Value::Blob(run.blob)],
        )?;
        let model_id = db.last_insert_rowid()?;
        for (name, value) in run.metrics {
            db.execute(
                "INSERT INTO sqml_metrics (model_id, name, value) VALUES (?1, ?2, ?3)",
                &[model_id.into(), (*name).into(), (*value).into()],
            )?;
        }
        let score = run
            .metrics
            .iter()
            .find(|(n, _)| *n == "score")
            .map(|(_, v)| *v);
        let active_score = query_optional(
            db,
            "SELECT (SELECT value FROM sqml_metrics WHERE model_id = d.model_id AND name = 'score')
               FROM sqml_deployments d
              WHERE d.experiment_id = ?1 AND d.active
              ORDER BY d.id DESC LIMIT 1",
            &[experiment_id.into()],
        )?;
        // A deployed model this build cannot load (a 0.1.2 pickle, an older
        // blob format) gives way to any new one: else training again, which
        // the load error advises, would not help when it scores no better.
        let active_unloadable = active_model(db, run.experiment)
            .is_ok_and(|active| active.loadable_uid(run.experiment).is_err());
        let deployed = match (active_score, score) {
            _ if active_unloadable => true,
            (None, _) => true, // the experiment's first deployment
            (Some(Value::Real(active)), Some(score)) => score > active,
            (Some(Value::Integer(active)), Some(score)) => score > active as f64,
            (Some(_), Some(score)) => !score.is_nan(),
            (Some(_), None) => false,
        };
        if deployed {
            db.execute(
                "UPDATE sqml_deployments SET active = FALSE, updated_at = CURRENT_TIMESTAMP
                  WHERE experiment_id = ?1 AND active",
                &[experiment_id.into()],
            )?;
            db.execute(
                "INSERT INTO sqml_deployments (experiment_id, model_id, active) VALUES (?1, ?2, TRUE)",
                &[experiment_id.into(), model_id.into()],
            )?;
        }
        Ok(Recorded {
            run_id,
            model_id,
            deployed,
        })
    })
}

pub fn different_type(experiment: &str, existing: &str, requested: &str) -> Error {
    Error::InvalidArgument(format!(
        "experiment '{experiment}' is a {existing} experiment; it cannot train a {requested} model \
         (use another experiment name)"
    ))
}

/// The active model of an experiment: its id and the first bytes of its blob
/// (enough for the format version and model id).
pub struct Active {
    pub model_id: i64,
    pub library: String,
    pub prefix: Vec<u8>,
}

impl Active {
    /// The model id in the blob, or why this build cannot load the model.
    pub fn loadable_uid(&self, experiment: &str) -> Result<u128, Error> {
        let id = self.model_id;
        if self.library == "scikit-learn" {
            return Err(Error::Model(format!(
                "model {id} of experiment '{experiment}' was stored by sqlite-ml 0.1.2 (a scikit-learn pickle), \
                 which this version does not load; train the experiment again"
            )));
        }
        let (version, uid) = Model::version_and_uid(&self.prefix)
            .map_err(|e| Error::Model(format!("model {id} of experiment '{experiment}': {e}")))?;
        if version != FORMAT_VERSION {
            return Err(Error::Model(format!(
                "model {id} of experiment '{experiment}' has format version {version}; this build reads version {FORMAT_VERSION}; train the experiment again"
            )));
        }
        Ok(uid)
    }
}

pub fn active_model(db: &mut dyn Db, experiment: &str) -> Result<Active, Error> {
    let unknown = || Error::InvalidArgument(format!("unknown experiment '{experiment}'"));
    let mut found: Option<Option<Active>> = None;
    let looked_up = db.query(
        "SELECT m.id, m.library, substr(m.data, 1, ?2)
           FROM sqml_experiments e
           LEFT JOIN sqml_deployments d ON d.experiment_id = e.id AND d.active
           LEFT JOIN sqml_models m ON m.id = d.model_id
          WHERE e.name = ?1
          ORDER BY d.id DESC LIMIT 1",
        &[
            experiment.into(),
            (crate::ml::model::PREFIX_LEN as i64).into(),
        ],
        &mut |row| {
            found = Some(match row {
                [Arg::Integer(id), library, prefix] => Some(Active {
                    model_id: *id,
                    library: text_or_empty(library),
                    prefix: bytes_or_empty(prefix),
                }),
                _ => None,
            });
            Ok(())
        },
    );
    if let Err(err) = looked_up {
        // A database that never had a training has no catalog yet.
        return match crate::sql::has_table(db, "sqml_experiments")? {
            false => Err(unknown()),
            true => Err(err),
        };
    }
    match found {
        None => Err(unknown()),
        Some(None) => Err(Error::InvalidArgument(format!(
            "experiment '{experiment}' has no deployed model; train one with sqml_train first"
        ))),
        Some(Some(active)) => Ok(active),
    }
}

pub fn model_blob(db: &mut dyn Db, model_id: i64) -> Result<Vec<u8>, Error> {
    let mut found = None;
    db.query(
        "SELECT data FROM sqml_models WHERE id = ?1",
        &[model_id.into()],
        &mut |row| {
            found = row.first().map(bytes_or_empty);
            Ok(())
        },
    )?;
    found.ok_or_else(|| Error::Model(format!("model {model_id} is not in sqml_models")))
}

fn text_or_empty(arg: &Arg<'_>) -> String {
    match arg {
        Arg::Text(t) => t.to_string(),
        _ => String::new(),
    }
}

fn bytes_or_empty(arg: &Arg<'_>) -> Vec<u8> {
    match arg {
        Arg::Blob(b) => b.to_vec(),
        Arg::Text(t) => t.as_bytes().to_vec(),
        _ => Vec::new(),
    }
}
