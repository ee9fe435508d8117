//! Which model of an experiment serves its predictions: the rule a training
//! deploys by, and `sqml_deploy`'s strategies. Every deployment is a row of
//! `sqml_deployments` with its strategy; at most one per experiment is
//! active (a unique index says so).

use serde_json::json;

use crate::catalog::{active_model, deployment_made, model_blob, Active};
use crate::ml::Model;
use crate::port::query_optional;
use crate::{Arg, Db, Error, Value};

/// The strategies of `sqml_deploy(experiment, strategy [, algorithm])`.
pub const STRATEGIES: &str = "best_score, most_recent, rollback";

pub struct Decision {
    pub deploy: bool,
    pub reason: String,
}

/// Whether a newly trained model replaces the experiment's deployed one:
/// when it is the first, when the deployed one cannot be loaded, or when it
/// takes the same columns and scores better. A model that takes other
/// columns would break every query written for the deployed one.
pub fn decide(
    db: &mut dyn Db,
    experiment: &str,
    inputs: &[String],
    automatic: bool,
    score: Option<f64>,
) -> Result<Decision, Error> {
    let decision = |deploy: bool, reason: String| Ok(Decision { deploy, reason });
    if !automatic {
        return decision(false, "automatic_deploy is false".into());
    }
    let active = match active_model(db, experiment) {
        Ok(active) => active,
        Err(Error::Model(_)) => {
            return decision(true, "the deployed model cannot be loaded".into());
        }
        Err(_) => return decision(true, "the experiment's first model".into()),
    };
    // A deployed model that cannot be loaded (a 0.1.2 pickle, an older
    // blob format, a damaged row) gives way to any new one: else training
    // again, which the load error advises, would not help.
    let header = match active.loadable_uid(experiment) {
        Ok(_) => model_blob(db, active.model_id).and_then(|blob| Model::header_of(&blob)),
        Err(e) => Err(e),
    };
    let Ok(header) = header else {
        return decision(true, "the deployed model cannot be loaded".into());
    };
    if header.inputs != inputs {
        return decision(
            false,
            format!(
                "it takes other columns ({}) than the deployed model {} ({}); deploy it with \
                 sqml_deploy(model_id)",
                inputs.join(", "),
                active.model_id,
                header.inputs.join(", ")
            ),
        );
    }
    let active_score = match score_of(db, active.model_id)? {
        Some(s) => s,
        None => return decision(true, "the deployed model has no score".into()),
    };
    match score {
        Some(s) if s > active_score => decision(
            true,
            format!(
                "its score {s} beats the deployed model {}'s {active_score}",
                active.model_id
            ),
        ),
        Some(s) => decision(
            false,
            format!(
                "its score {s} does not beat the deployed model {}'s {active_score}",
                active.model_id
            ),
        ),
        None => decision(false, "it has no score".into()),
    }
}

fn score_of(db: &mut dyn Db, model_id: i64) -> Result<Option<f64>, Error> {
    let score = query_optional(
        db,
        "SELECT +value FROM main.sqml_metrics WHERE model_id = ?1 AND name = 'score'
          ORDER BY id LIMIT 1",
        &[model_id.into()],
    )?;
    Ok(match score {
        Some(Value::Real(s)) if !s.is_nan() => Some(s),
        Some(Value::Integer(s)) => Some(s as f64),
        _ => None,
    })
}

/// Makes `model_id` the experiment's active deployment, recorded with its strategy.
pub fn activate(
    db: &mut dyn Db,
    experiment_id: i64,
    model_id: i64,
    strategy: &str,
) -> Result<(), Error> {
    db.execute(
        "UPDATE main.sqml_deployments SET active = FALSE, updated_at = CURRENT_TIMESTAMP
          WHERE experiment_id = ?1 AND active",
        &[experiment_id.into()],
    )?;
    db.execute(
        "INSERT INTO main.sqml_deployments (experiment_id, model_id, active, strategy)
         VALUES (?1, ?2, TRUE, ?3)",
        &[experiment_id.into(), model_id.into(), strategy.into()],
    )?;
    deployment_made();
    Ok(())
}

/// What `sqml_deploy` is asked to deploy.
pub enum Request<'a> {
    Model(i64),
    Strategy {
        experiment: &'a str,
        strategy: &'a str,
        algorithm: Option<&'a str>,
    },
}

/// One of an experiment's models: its id, algorithm and score.
struct Candidate {
    model_id: i64,
    algorithm: String,
    score: Option<f64>,
    library: String,
    prefix: Vec<u8>,
}

/// Deploys what `request` names and returns what was deployed, as JSON.
pub fn deploy(db: &mut dyn Db, request: Request<'_>) -> Result<Value, Error> {
    let (experiment, strategy) = match &request {
        Request::Model(id) => (
            crate::catalog::model_experiment(db, *id)?.ok_or_else(|| {
                Error::InvalidArgument(format!("model {id} is not in sqml_models"))
            })?,
            "model_id",
        ),
        Request::Strategy {
            experiment,
            strategy,
            ..
        } => (experiment.to_string(), *strategy),
    };
    let found = crate::catalog::find_experiment(db, &experiment)?;
    let experiment_id = found
        .ok_or_else(|| Error::InvalidArgument(format!("unknown experiment '{experiment}'")))?
        .id;
    // An older catalog gets the strategy column before a deployment is written.
    crate::catalog::ensure(db)?;
    let models = candidates(db, experiment_id)?;
    let loadable = |c: &Candidate| as_active(c).loadable_uid(&experiment).is_ok();
    let chosen: &Candidate = match &request {
        Request::Model(id) => {
            let model = models.iter().find(|c| c.model_id == *id).ok_or_else(|| {
                Error::Model(format!("model {id} is not among its experiment's models"))
            })?;
            as_active(model).loadable_uid(&experiment)?;
            model
        }
        Request::Strategy {
            strategy,
            algorithm,
            ..
        } => {
            let of_algorithm = |c: &&Candidate| algorithm.is_none_or(|a| c.algorithm == a);
            let mut pool: Vec<&Candidate> = models.iter().filter(of_algorithm).collect();
            if pool.is_empty() {
                return Err(Error::InvalidArgument(match algorithm {
                    Some(a) => format!("experiment '{experiment}' has no {a} model"),
                    None => format!("experiment '{experiment}' has no model"),
                }));
            }
            match *strategy {
                "best_score" => {
                    pool.retain(|c| c.score.is_some());
                    pool.sort_by(|a, b| {
                        b.score
                            .unwrap_or(f64::NEG_INFINITY)
                            .total_cmp(&a.score.unwrap_or(f64::NEG_INFINITY))
                            .then(b.model_id.cmp(&a.model_id))
                    });
                }
                "most_recent" => pool.sort_by_key(|c| std::cmp::Reverse(c.model_id)),
                "rollback" => {
                    let previous = previous_deployment(db, experiment_id)?.ok_or_else(|| {
                        Error::InvalidArgument(format!(
                            "experiment '{experiment}' has no earlier deployment to roll back to"
                        ))
                    })?;
                    pool = models.iter().filter(|c| c.model_id == previous).collect();
                    if pool.is_empty() {
                        return Err(Error::Model(format!(
                            "the earlier deployment of experiment '{experiment}', model \
                             {previous}, is no longer among its models"
                        )));
                    }
                }
                other => {
                    return Err(Error::InvalidArgument(format!(
                        "unknown strategy '{other}'; strategies: {STRATEGIES} (or give a model \
                         id: sqml_deploy(model_id))"
                    )))
                }
            }
            let first = *pool.first().ok_or_else(|| {
                Error::InvalidArgument(format!("experiment '{experiment}' has no scored model"))
            })?;
            match pool.iter().copied().find(|c| loadable(c)) {
                Some(model) => model,
                None => {
                    as_active(first).loadable_uid(&experiment)?;
                    first
                }
            }
        }
    };
    let blob = model_blob(db, chosen.model_id)?;
    Model::check_integrity(&blob).map_err(|e| {
        Error::Model(format!(
            "model {} of experiment '{experiment}': {e}",
            chosen.model_id
        ))
    })?;
    let current = active_model(db, &experiment).ok().map(|a| a.model_id);
    if current != Some(chosen.model_id) {
        activate(db, experiment_id, chosen.model_id, strategy)?;
    }
    Ok(Value::Text(
        json!({
            "experiment": experiment,
            "model_id": chosen.model_id,
            "algorithm": chosen.algorithm,
            "strategy": strategy,
            "score": chosen.score,
        })
        .to_string(),
    ))
}

/// A candidate as the catalog's loadability check takes it.
fn as_active(c: &Candidate) -> Active {
    Active {
        model_id: c.model_id,
        library: c.library.clone(),
        prefix: c.prefix.clone(),
        length: 0,
        trailer: Vec::new(),
        file: String::new(),
    }
}

fn candidates(db: &mut dyn Db, experiment_id: i64) -> Result<Vec<Candidate>, Error> {
    let mut models = Vec::new();
    db.query(
        "SELECT +m.id, +r.algorithm, +m.library, substr(m.data, 1, ?2),
                (SELECT +value FROM main.sqml_metrics s
                  WHERE s.model_id = m.id AND s.name = 'score' ORDER BY s.id LIMIT 1)
           FROM main.sqml_models m JOIN main.sqml_runs r ON r.id = m.run_id
          WHERE r.experiment_id = ?1
          ORDER BY m.id",
        &[
            experiment_id.into(),
            (crate::ml::model::PREFIX_LEN as i64).into(),
        ],
        &mut |row| {
            if let [Arg::Integer(id), algorithm, library, prefix, score] = row {
                models.push(Candidate {
                    model_id: *id,
                    algorithm: text(algorithm),
                    library: text(library),
                    prefix: match prefix {
                        Arg::Blob(b) => b.to_vec(),
                        _ => Vec::new(),
                    },
                    score: match score {
                        Arg::Real(s) if !s.is_nan() => Some(*s),
                        Arg::Integer(s) => Some(*s as f64),
                        _ => None,
                    },
                });
            }
            Ok(())
        },
    )?;
    Ok(models)
}

fn text(arg: &Arg<'_>) -> String {
    match arg {
        Arg::Text(t) => t.to_string(),
        _ => String::new(),
    }
}

/// The model a rollback returns to. The deployment history read in order
/// is a stack: a deployment pushes its model, a rollback pops back to the
/// one before, so that rolling back again walks further back.
fn previous_deployment(db: &mut dyn Db, experiment_id: i64) -> Result<Option<i64>, Error> {
    let mut stack: Vec<i64> = Vec::new();
    db.query(
        "SELECT +model_id, +strategy FROM main.sqml_deployments
          WHERE experiment_id = ?1 AND model_id IS NOT NULL ORDER BY id",
        &[experiment_id.into()],
        &mut |row| {
            if let [Arg::Integer(model), strategy] = row {
                match strategy {
                    Arg::Text("rollback") if stack.len() >= 2 => {
                        stack.pop();
                    }
                    // The same model again is no new step back to take.
                    _ if stack.last() == Some(model) => {}
                    _ => stack.push(*model),
                }
            }
            Ok(())
        },
    )?;
    Ok(stack.len().checked_sub(2).map(|i| stack[i]))
}
