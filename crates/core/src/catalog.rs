//! The model catalog: experiments, runs, models, metrics and deployments, in
//! tables of the user's database, laid out as sqlite-ml 0.1.2 lays them out.

use std::sync::atomic::{AtomicU64, Ordering};

use crate::ml::model::{Model, FORMAT_VERSION, OLDEST_VERSION};
use crate::port::query_optional;
use crate::sql::in_write_transaction;
use crate::{Arg, Db, Error, Value};

const SCHEMA: &[&str] = &[
    "CREATE TABLE IF NOT EXISTS main.sqml_experiments (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        created_at DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
        updated_at DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
        name TEXT NOT NULL UNIQUE,
        prediction_type TEXT NOT NULL
    )",
    "CREATE TABLE IF NOT EXISTS main.sqml_runs (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
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
    "CREATE TABLE IF NOT EXISTS main.sqml_models (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        created_at DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
        updated_at DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
        run_id INTEGER NOT NULL REFERENCES sqml_runs(id),
        library TEXT NOT NULL,
        data BLOB NOT NULL
    )",
    "CREATE TABLE IF NOT EXISTS main.sqml_metrics (
        id INTEGER PRIMARY KEY,
        created_at DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
        updated_at DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
        model_id INTEGER NOT NULL REFERENCES sqml_models(id),
        name TEXT NOT NULL,
        value REAL NOT NULL
    )",
    "CREATE TABLE IF NOT EXISTS main.sqml_deployments (
        id INTEGER PRIMARY KEY,
        created_at DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
        updated_at DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
        experiment_id INTEGER REFERENCES sqml_experiments(id),
        model_id INTEGER REFERENCES sqml_models(id),
        active BOOLEAN NOT NULL DEFAULT FALSE
    )",
    // One row per candidate of a hyperparameter search, in the order tried.
    "CREATE TABLE IF NOT EXISTS main.sqml_search_results (
        id INTEGER PRIMARY KEY,
        created_at DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
        run_id INTEGER NOT NULL REFERENCES sqml_runs(id),
        candidate INTEGER NOT NULL,
        params TEXT NOT NULL,
        hyperparams TEXT NOT NULL,
        mean_score REAL NOT NULL,
        std_score REAL NOT NULL,
        fold_scores TEXT NOT NULL,
        rank INTEGER NOT NULL
    )",
    "CREATE INDEX IF NOT EXISTS main.sqml_search_results_run ON sqml_search_results(run_id)",
    // The catalog's lookups (the active model, a run's score in the
    // overview) follow these references; without indexes they scan.
    "CREATE INDEX IF NOT EXISTS main.sqml_deployments_active
        ON sqml_deployments(experiment_id, active)",
    "CREATE INDEX IF NOT EXISTS main.sqml_runs_experiment ON sqml_runs(experiment_id)",
    "CREATE INDEX IF NOT EXISTS main.sqml_models_run ON sqml_models(run_id)",
    "CREATE INDEX IF NOT EXISTS main.sqml_metrics_model ON sqml_metrics(model_id, name)",
    "CREATE VIEW IF NOT EXISTS main.sqml_runs_overview AS
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

/// Columns this project added to sqlite-ml 0.1.2's tables; rows written
/// before they were added hold NULL there.
const ADDED_COLUMNS: &[(&str, &str, &str)] = &[
    ("sqml_deployments", "strategy", "TEXT"),
    // The effective hyperparameters, as a JSON object.
    ("sqml_runs", "hyperparams", "TEXT"),
    ("sqml_runs", "seed", "INTEGER"),
    // {"rows": ..., "hash": ...} of the data read.
    ("sqml_runs", "fingerprint", "TEXT"),
];

/// Creates the catalog where it is missing, and brings one made by
/// sqlite-ml 0.1.2 or an earlier version of this project up to date: new
/// columns are added, existing rows keep their values.
pub fn ensure(db: &mut dyn Db) -> Result<(), Error> {
    for statement in SCHEMA {
        db.execute(statement, &[])?;
    }
    for (table, column, kind) in ADDED_COLUMNS {
        let present = query_optional(
            db,
            "SELECT 1 FROM pragma_table_info(?1, 'main') WHERE name = ?2",
            &[(*table).into(), (*column).into()],
        )?;
        if present.is_none() {
            // Names from the list above, never from the user.
            db.execute(
                &format!("ALTER TABLE main.{table} ADD COLUMN {column} {kind}"),
                &[],
            )?;
        }
    }
    // At most one active deployment per experiment, kept by the catalog
    // itself. A catalog edited by hand into two keeps the newest, which is
    // the one predictions already used.
    db.execute(
        "UPDATE main.sqml_deployments SET active = FALSE, updated_at = CURRENT_TIMESTAMP
          WHERE active AND id NOT IN
                (SELECT max(id) FROM main.sqml_deployments WHERE active GROUP BY experiment_id)",
        &[],
    )?;
    db.execute(
        "CREATE UNIQUE INDEX IF NOT EXISTS main.sqml_deployments_one_active
            ON sqml_deployments(experiment_id) WHERE active",
        &[],
    )?;
    db.execute(
        "CREATE VIEW IF NOT EXISTS main.sqml_deployed_models AS
        SELECT
            e.name AS experiment,
            d.model_id AS model_id,
            r.algorithm AS algorithm,
            (SELECT value FROM sqml_metrics s
              WHERE s.model_id = d.model_id AND s.name = 'score' ORDER BY s.id LIMIT 1) AS score,
            d.created_at AS deployed_at,
            d.strategy AS strategy
        FROM sqml_deployments d
        JOIN sqml_experiments e ON e.id = d.experiment_id
        LEFT JOIN sqml_models m ON m.id = d.model_id
        LEFT JOIN sqml_runs r ON r.id = m.run_id
        WHERE d.active",
        &[],
    )?;
    db.execute(
        "CREATE VIEW IF NOT EXISTS main.sqml_models_overview AS
        SELECT
            m.id AS model_id,
            e.name AS experiment,
            r.id AS run_id,
            r.algorithm AS algorithm,
            r.hyperparams AS hyperparams,
            (SELECT value FROM sqml_metrics s
              WHERE s.model_id = m.id AND s.name = 'score' ORDER BY s.id LIMIT 1) AS score,
            EXISTS (SELECT 1 FROM sqml_deployments d
                     WHERE d.model_id = m.id AND d.active) AS deployed,
            r.dataset AS dataset,
            r.seed AS seed,
            r.fingerprint AS fingerprint,
            m.created_at AS created_at
        FROM sqml_models m
        JOIN sqml_runs r ON r.id = m.run_id
        JOIN sqml_experiments e ON e.id = r.experiment_id",
        &[],
    )?;
    Ok(())
}

/// The catalog's tables; a database may hold them or none of them.
const TABLES: [&str; 6] = [
    "sqml_experiments",
    "sqml_runs",
    "sqml_models",
    "sqml_metrics",
    "sqml_deployments",
    "sqml_search_results",
];

/// True when the database has a catalog, false when it has none yet, and an
/// error when what carries a catalog name in `main` is not a plain table: a
/// view or virtual table there would run whatever it holds (an `sqml_*` call
/// that reads the catalog again, without end) each time the catalog is read.
pub fn exists(db: &mut dyn Db) -> Result<bool, Error> {
    let mut found = false;
    let mut foreign: Option<(String, String)> = None;
    db.query(
        "SELECT +name, +type, sql LIKE 'CREATE VIRTUAL%' FROM main.sqlite_master
          WHERE lower(name) IN (?1, ?2, ?3, ?4, ?5, ?6)",
        &TABLES.map(Value::from),
        &mut |row| {
            match row {
                [Arg::Text(name), Arg::Text(kind), virtual_table] => {
                    let kind = match virtual_table {
                        Arg::Integer(1) => "virtual table",
                        _ => kind,
                    };
                    if kind == "table" {
                        found |= name.eq_ignore_ascii_case("sqml_experiments");
                    } else if foreign.is_none() {
                        foreign = Some((name.to_string(), kind.to_string()));
                    }
                }
                _ => return Err(Error::Sql("unexpected row from sqlite_master".into())),
            }
            Ok(())
        },
    )?;
    if let Some((name, kind)) = foreign {
        return Err(Error::InvalidArgument(format!(
            "this database's catalog is not sqlite-ml's: main.{name} is a {kind}, not a table; \
             refusing to read it (a database made to run code when it is read?)"
        )));
    }
    Ok(found)
}

pub struct Experiment {
    pub id: i64,
    pub prediction_type: String,
}

pub fn find_experiment(db: &mut dyn Db, name: &str) -> Result<Option<Experiment>, Error> {
    if !exists(db)? {
        return Ok(None);
    }
    let mut found = None;
    db.query(
        "SELECT +id, +prediction_type FROM main.sqml_experiments WHERE name = ?1",
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
    /// The columns the model takes, in order: a deployed model is replaced
    /// automatically only by one that takes the same.
    pub inputs: &'a [String],
    pub automatic_deploy: bool,
    /// JSON texts: the effective hyperparameters, the data's fingerprint.
    pub hyperparams: String,
    pub seed: u64,
    pub fingerprint: String,
    /// A search's candidates, in the order tried.
    pub candidates: Vec<Candidate>,
}

/// One candidate of a search, its JSON columns as text.
pub struct Candidate {
    pub params: String,
    pub hyperparams: String,
    pub mean_score: f64,
    pub std_score: f64,
    pub fold_scores: String,
    pub rank: i64,
}

pub struct Recorded {
    pub run_id: i64,
    pub model_id: i64,
    pub deployed: bool,
    /// Why the model was deployed or not.
    pub reason: String,
}

/// Records a training in one savepoint, deploying the model as
/// [`crate::deployments::decide`] says. `report` builds the call's result
/// before the commit, so that nothing that can still fail comes after it.
pub fn record<T>(
    db: &mut dyn Db,
    run: NewRun<'_>,
    report: impl FnOnce(&mut dyn Db, &Recorded) -> Result<T, Error>,
) -> Result<T, Error> {
    in_write_transaction(db, |db| {
        exists(db)?;
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
                    "INSERT INTO main.sqml_experiments (name, prediction_type) VALUES (?1, ?2)",
                    &[run.experiment.into(), run.prediction_type.into()],
                )?;
                db.last_insert_rowid()?
            }
        };
        db.execute(
            "INSERT INTO main.sqml_runs (status, algorithm, dataset, target, test_size,
                                         split_strategy, experiment_id, hyperparams, seed,
                                         fingerprint)
             VALUES ('success', ?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
            &[
                run.algorithm.into(),
                run.dataset.into(),
                run.target.into(),
                run.test_size.into(),
                run.split_strategy.into(),
                experiment_id.into(),
                run.hyperparams.into(),
                (run.seed as i64).into(),
                run.fingerprint.into(),
            ],
        )?;
        let run_id = db.last_insert_rowid()?;
        for (i, c) in run.candidates.iter().enumerate() {
            db.execute(
                "INSERT INTO main.sqml_search_results (run_id, candidate, params, hyperparams,
                                                       mean_score, std_score, fold_scores, rank)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
                &[
                    run_id.into(),
                    (i as i64 + 1).into(),
                    c.params.as_str().into(),
                    c.hyperparams.as_str().into(),
                    c.mean_score.into(),
                    c.std_score.into(),
                    c.fold_scores.as_str().into(),
                    c.rank.into(),
                ],
            )?;
        }
        db.execute(
            "INSERT INTO main.sqml_models (run_id, library, data) VALUES (?1, ?2, ?3)",
            &[run_id.into(), run.library.into(), Value::Blob(run.blob)],
        )?;
        let model_id = db.last_insert_rowid()?;
        for (name, value) in run.metrics {
            db.execute(
                "INSERT INTO main.sqml_metrics (model_id, name, value) VALUES (?1, ?2, ?3)",
                &[model_id.into(), (*name).into(), (*value).into()],
            )?;
        }
        let score = run
            .metrics
            .iter()
            .find(|(n, _)| *n == "score")
            .map(|(_, v)| *v);
        let decision = crate::deployments::decide(
            db,
            run.experiment,
            run.inputs,
            run.automatic_deploy,
            score,
        )?;
        let deployed = decision.deploy;
        if deployed {
            crate::deployments::activate(db, experiment_id, model_id, "automatic")?;
        }
        let recorded = Recorded {
            run_id,
            model_id,
            deployed,
            reason: decision.reason,
        };
        let result = report(db, &recorded)?;
        Ok(result)
    })
}

/// Counts the deployments made in this process, so that a model kept for a
/// statement is looked up again once the statement itself deployed another.
static DEPLOYMENTS: AtomicU64 = AtomicU64::new(0);

pub fn deployment_made() {
    DEPLOYMENTS.fetch_add(1, Ordering::SeqCst);
}

/// How many deployments this process has made so far.
pub fn deployments_made() -> u64 {
    DEPLOYMENTS.load(Ordering::SeqCst)
}

pub fn different_type(experiment: &str, existing: &str, requested: &str) -> Error {
    Error::InvalidArgument(format!(
        "experiment '{experiment}' is a {existing} experiment; it cannot train a {requested} model \
         (use another experiment name)"
    ))
}

/// The active model of an experiment: its id and the first bytes of its blob
/// (enough for the format version and model id), its length and last bytes.
pub struct Active {
    pub model_id: i64,
    pub library: String,
    pub prefix: Vec<u8>,
    pub length: i64,
    /// The blob's last four bytes: its checksum.
    pub trailer: Vec<u8>,
    /// The main database's file; empty for in-memory and temporary ones.
    pub file: String,
}

impl Active {
    /// From a catalog row's library, blob prefix, length, trailer and file.
    fn of(model_id: i64, stored: &[Arg<'_>]) -> Active {
        let at = |i: usize| stored.get(i).unwrap_or(&Arg::Null);
        Active {
            model_id,
            library: text_or_empty(at(0)),
            prefix: bytes_or_empty(at(1)),
            length: match at(2) {
                Arg::Integer(n) => *n,
                _ => 0,
            },
            trailer: bytes_or_empty(at(3)),
            file: text_or_empty(at(4)),
        }
    }

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
        if !(OLDEST_VERSION..=FORMAT_VERSION).contains(&version) {
            return Err(Error::Model(format!(
                "model {id} of experiment '{experiment}' has format version {version}; this build \
                 reads versions {OLDEST_VERSION} to {FORMAT_VERSION}; train the experiment again"
            )));
        }
        Ok(uid)
    }
}

pub fn active_model(db: &mut dyn Db, experiment: &str) -> Result<Active, Error> {
    let unknown = || Error::InvalidArgument(format!("unknown experiment '{experiment}'"));
    let mut found: Option<Deployed> = None;
    // A database that never had a training has no catalog yet.
    if !exists(db)? {
        return Err(unknown());
    }
    // The model must come from one of the experiment's own runs: a
    // deployment row left pointing at a deleted model id, which a later
    // training of another experiment reused, must not serve that model.
    db.query(
        "SELECT +d.model_id, +m.id, +m.library, substr(m.data, 1, ?2), length(m.data), substr(m.data, -4),
                (SELECT +file FROM pragma_database_list WHERE name = 'main')
           FROM main.sqml_experiments e
           LEFT JOIN main.sqml_deployments d ON d.experiment_id = e.id AND d.active
           LEFT JOIN main.sqml_models m ON m.id = d.model_id
                AND m.run_id IN (SELECT id FROM main.sqml_runs WHERE experiment_id = e.id)
          WHERE e.name = ?1
          ORDER BY d.id DESC LIMIT 1",
        &[
            experiment.into(),
            (crate::ml::model::PREFIX_LEN as i64).into(),
        ],
        &mut |row| {
            found = Some(match row {
                [Arg::Null, ..] => Deployed::Nothing,
                [Arg::Integer(deployed), Arg::Null, ..] => Deployed::Missing(*deployed),
                [_, Arg::Integer(id), stored @ ..] => Deployed::Model(Active::of(*id, stored)),
                _ => Deployed::Nothing,
            });
            Ok(())
        },
    )?;
    match found {
        None => Err(unknown()),
        Some(Deployed::Nothing) => Err(Error::InvalidArgument(format!(
            "experiment '{experiment}' has no deployed model; train one with sqml_train first"
        ))),
        Some(Deployed::Missing(id)) => Err(Error::Model(format!(
            "the deployed model {id} of experiment '{experiment}' is not among its models \
             (deleted from sqml_models?); train the experiment again"
        ))),
        Some(Deployed::Model(active)) => Ok(active),
    }
}

/// Any stored model by id, deployed or not, as [`active_model`] gives the
/// deployed one; and its experiment's name.
pub fn stored_model(db: &mut dyn Db, model_id: i64) -> Result<(Active, String), Error> {
    let unknown = || {
        Error::InvalidArgument(format!(
            "unknown model {model_id} (no such id in sqml_models)"
        ))
    };
    if !exists(db)? {
        return Err(unknown());
    }
    let mut found = None;
    db.query(
        "SELECT +m.id, +m.library, substr(m.data, 1, ?2), length(m.data), substr(m.data, -4),
                (SELECT +file FROM pragma_database_list WHERE name = 'main'), +e.name
           FROM main.sqml_models m
           JOIN main.sqml_runs r ON r.id = m.run_id
           JOIN main.sqml_experiments e ON e.id = r.experiment_id
          WHERE m.id = ?1",
        &[
            model_id.into(),
            (crate::ml::model::PREFIX_LEN as i64).into(),
        ],
        &mut |row| {
            if let [Arg::Integer(id), stored @ .., experiment] = row {
                found = Some((Active::of(*id, stored), text_or_empty(experiment)));
            }
            Ok(())
        },
    )?;
    found.ok_or_else(unknown)
}

enum Deployed {
    Nothing,
    Missing(i64),
    Model(Active),
}

pub fn model_blob(db: &mut dyn Db, model_id: i64) -> Result<Vec<u8>, Error> {
    let mut found = None;
    db.query(
        "SELECT +data FROM main.sqml_models WHERE id = ?1",
        &[model_id.into()],
        &mut |row| {
            found = row.first().map(bytes_or_empty);
            Ok(())
        },
    )?;
    found.ok_or_else(|| Error::Model(format!("model {model_id} is not in sqml_models")))
}

/// The experiment a stored model was trained in, or None for no such model.
pub fn model_experiment(db: &mut dyn Db, model_id: i64) -> Result<Option<String>, Error> {
    if !exists(db)? {
        return Ok(None);
    }
    let mut found = None;
    db.query(
        "SELECT +e.name FROM main.sqml_models m
           JOIN main.sqml_runs r ON r.id = m.run_id
           JOIN main.sqml_experiments e ON e.id = r.experiment_id
          WHERE m.id = ?1",
        &[model_id.into()],
        &mut |row| {
            found = row.first().map(text_or_empty);
            Ok(())
        },
    )?;
    Ok(found)
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
