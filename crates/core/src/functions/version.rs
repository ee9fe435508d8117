//! `sqml_version()`: what was built, and the SQLite it runs in.

use serde_json::json;

use crate::port::query_scalar;
use crate::{Arg, Db, Error, Value};

pub fn run(db: &mut dyn Db, _args: &[Arg<'_>]) -> Result<Value, Error> {
    let sqlite = match query_scalar(db, "SELECT sqlite_version()", &[])? {
        Value::Text(version) => version,
        other => return Err(Error::Sql(format!("sqlite_version() returned {other:?}"))),
    };
    let report = json!({
        "version": crate::VERSION,
        "linfa": env!("SQML_VERSION_LINFA"),
        "smartcore": env!("SQML_VERSION_SMARTCORE"),
        "rusqlite": env!("SQML_VERSION_RUSQLITE"),
        "ndarray": env!("SQML_VERSION_NDARRAY"),
        "sqlite": sqlite,
    });
    Ok(Value::Text(report.to_string()))
}
