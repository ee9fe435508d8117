//! `sqml_debug([command])`: how this build was put together (`'algorithms'`
//! lists every algorithm with its crate and settings), and a self-test
//! of the error path (`sqml_debug('panic')` panics on purpose, so anyone can
//! check that a panic comes back as a SQL error instead of killing the host).

use serde_json::json;

use crate::ml::algorithms::ALGORITHMS;
use crate::ml::hyperparams::describe as describe_param;
use crate::{Arg, Db, Error, Value, FUNCTIONS};

const COMMANDS: &str = "'algorithms', 'panic'";

pub fn run(db: &mut dyn Db, args: &[Arg<'_>]) -> Result<Value, Error> {
    match args.first() {
        None => {
            let names: Vec<&str> = FUNCTIONS.iter().map(|f| f.name).collect();
            let report = json!({
                "version": crate::VERSION,
                "door": db.door(),
                "functions": names,
                "model_loads": crate::stats::model_loads(),
            });
            Ok(Value::Text(report.to_string()))
        }
        Some(Arg::Text("algorithms")) => {
            let algorithms: Vec<_> = ALGORITHMS
                .iter()
                .map(|a| {
                    json!({
                        "name": a.name,
                        "prediction_type": a.task.name(),
                        "library": a.library,
                        "estimator": a.estimator,
                        "hyperparams": a.params.iter().map(describe_param).collect::<Vec<_>>(),
                    })
                })
                .collect();
            Ok(Value::Text(serde_json::Value::from(algorithms).to_string()))
        }
        Some(Arg::Text("panic")) => panic!("sqml_debug('panic') was asked to panic"),
        Some(other) => Err(Error::InvalidArgument(format!(
            "unknown command {}; available: {COMMANDS}",
            describe(other)
        ))),
    }
}

fn describe(arg: &Arg<'_>) -> String {
    match arg {
        Arg::Text(text) => format!("'{text}'"),
        other => format!("of type {}", other.type_name()),
    }
}
