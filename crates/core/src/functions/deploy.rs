//! `sqml_deploy(experiment, strategy [, algorithm])` and
//! `sqml_deploy(model_id)`: PostgresML's deploy, its strategies in
//! `deployments.rs`.

use super::args::{optional_text, text};
use crate::deployments::{self, Request, STRATEGIES};
use crate::sql::in_write_transaction;
use crate::{Arg, Db, Error, Value};

pub fn run(db: &mut dyn Db, args: &[Arg<'_>]) -> Result<Value, Error> {
    let request = match args.first() {
        Some(Arg::Integer(id)) => {
            if args.len() > 1 {
                return Err(Error::InvalidArgument(
                    "with a model id (argument 1), give no other argument".into(),
                ));
            }
            Request::Model(*id)
        }
        Some(Arg::Text(_)) => {
            if args.len() < 2 {
                return Err(Error::InvalidArgument(format!(
                    "give a strategy after the experiment ({STRATEGIES}), or a model id alone"
                )));
            }
            Request::Strategy {
                experiment: text(args, 0, "experiment")?,
                strategy: text(args, 1, "strategy")?,
                algorithm: optional_text(args, 2, "algorithm")?,
            }
        }
        other => {
            return Err(Error::InvalidArgument(format!(
                "argument 1 must be an experiment (text) or a model id (integer), not {}",
                other.map_or("missing", Arg::type_name)
            )))
        }
    };
    in_write_transaction(db, |db| deployments::deploy(db, request))
}
