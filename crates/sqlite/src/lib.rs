//! The SQLite door: registers every `sqml_*` function on a rusqlite
//! connection. The standalone extension calls [`register`] from its entry
//! point; with the `loadable_extension` feature every SQLite call goes through
//! the host's API table.

mod port;

use rusqlite::functions::{Context, FunctionFlags};
use rusqlite::types::{ToSqlOutput, Value as SqlValue, ValueRef};
use rusqlite::Connection;
use sqlite_ml_core::{Arg, FunctionSpec, Value, FUNCTIONS};

pub use port::RusqliteDb;

/// Registers every function of the core's table on `conn`. It writes
/// nothing: the catalog is created by the first call that writes.
pub fn register(conn: &Connection) -> rusqlite::Result<()> {
    let connection_id = sqlite_ml_core::next_connection_id();
    for spec in FUNCTIONS {
        for &arity in spec.arities {
            conn.create_scalar_function(spec.name, arity, flags(spec), move |ctx| {
                invoke(spec, ctx, connection_id)
            })
            .map_err(|err| {
                rusqlite::Error::UserFunctionError(
                    format!("registering {}: {err}", spec.name).into(),
                )
            })?;
        }
    }
    Ok(())
}

fn flags(spec: &FunctionSpec) -> FunctionFlags {
    let mut flags = FunctionFlags::SQLITE_UTF8;
    if spec.flags.deterministic {
        flags |= FunctionFlags::SQLITE_DETERMINISTIC;
    }
    if spec.flags.direct_only {
        flags |= FunctionFlags::SQLITE_DIRECTONLY;
    }
    flags
}

fn invoke(
    spec: &'static FunctionSpec,
    ctx: &Context<'_>,
    connection_id: u64,
) -> rusqlite::Result<ToSqlOutput<'static>> {
    let args = (0..ctx.len())
        .map(|i| arg(spec, i, ctx.get_raw(i)))
        .collect::<Result<Vec<_>, _>>()?;
    // SAFETY: the connection is only used for the duration of this call, on
    // the thread SQLite called us from, as SQLite's own API allows.
    let conn = unsafe { ctx.get_connection()? };
    let mut db = RusqliteDb::in_call(&conn, ctx, connection_id);
    match sqlite_ml_core::call(spec, &mut db, &args) {
        Ok(value) => Ok(ToSqlOutput::Owned(to_sql(value))),
        Err(message) => Err(rusqlite::Error::UserFunctionError(message.into())),
    }
}

fn arg<'a>(spec: &FunctionSpec, index: usize, value: ValueRef<'a>) -> rusqlite::Result<Arg<'a>> {
    Ok(match value {
        ValueRef::Null => Arg::Null,
        ValueRef::Integer(i) => Arg::Integer(i),
        ValueRef::Real(r) => Arg::Real(r),
        ValueRef::Text(bytes) => Arg::Text(std::str::from_utf8(bytes).map_err(|_| {
            rusqlite::Error::UserFunctionError(
                format!(
                    "{}: argument {} is not valid UTF-8 text",
                    spec.name,
                    index + 1
                )
                .into(),
            )
        })?),
        ValueRef::Blob(bytes) => Arg::Blob(bytes),
    })
}

pub(crate) fn to_sql(value: Value) -> SqlValue {
    match value {
        Value::Null => SqlValue::Null,
        Value::Integer(i) => SqlValue::Integer(i),
        Value::Real(r) => SqlValue::Real(r),
        Value::Text(t) => SqlValue::Text(t),
        Value::Blob(b) => SqlValue::Blob(b),
    }
}

#[cfg(test)]
mod test {
    use super::*;

    fn conn() -> Connection {
        let conn = Connection::open_in_memory().unwrap();
        register(&conn).unwrap();
        conn
    }

    fn query_text(conn: &Connection, sql: &str) -> rusqlite::Result<String> {
        conn.query_row(sql, [], |row| row.get(0))
    }

    #[test]
    fn version_reports_the_libraries_and_the_host_sqlite() {
        let conn = conn();
        let report: serde_json::Value =
            serde_json::from_str(&query_text(&conn, "SELECT sqml_version()").unwrap()).unwrap();
        assert_eq!(report["version"], sqlite_ml_core::VERSION);
        assert_eq!(report["sqlite"], rusqlite::version());
        for library in ["linfa", "smartcore", "rusqlite"] {
            let version = report[library].as_str().unwrap();
            assert!(version.split('.').count() == 3, "{library}: {version}");
        }
    }

    #[test]
    fn a_panic_becomes_an_error_named_after_the_function() {
        let conn = conn();
        let err = query_text(&conn, "SELECT sqml_debug('panic')").unwrap_err();
        let message = err.to_string();
        assert!(
            message.starts_with("sqml_debug: internal error"),
            "{message}"
        );
        // The connection is still usable afterwards.
        assert!(query_text(&conn, "SELECT sqml_version()").is_ok());
    }

    #[test]
    fn errors_start_with_the_function_name_and_list_what_is_allowed() {
        let conn = conn();
        let message = query_text(&conn, "SELECT sqml_debug('nope')")
            .unwrap_err()
            .to_string();
        assert_eq!(
            message,
            "sqml_debug: unknown command 'nope'; available: 'algorithms', 'panic'"
        );
    }

    #[test]
    fn debug_names_the_door_and_every_function() {
        let conn = conn();
        let report: serde_json::Value =
            serde_json::from_str(&query_text(&conn, "SELECT sqml_debug()").unwrap()).unwrap();
        assert_eq!(report["door"], "sqlite");
        let names: Vec<&str> = FUNCTIONS.iter().map(|f| f.name).collect();
        assert_eq!(report["functions"], serde_json::json!(names));
    }

    #[test]
    fn a_nul_in_a_message_is_escaped_so_the_message_survives() {
        let conn = conn();
        let err = query_text(&conn, "SELECT sqml_debug(char(97, 0, 98))").unwrap_err();
        assert_eq!(
            err.to_string(),
            "sqml_debug: unknown command 'a\\0b'; available: 'algorithms', 'panic'"
        );
    }

    #[test]
    fn invalid_utf8_text_is_an_error_not_a_panic() {
        let conn = conn();
        let message = query_text(&conn, "SELECT sqml_debug(CAST(x'ff' AS TEXT))")
            .unwrap_err()
            .to_string();
        assert_eq!(message, "sqml_debug: argument 1 is not valid UTF-8 text");
    }
}
