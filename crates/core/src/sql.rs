//! Names from arguments, checked against the schema and quoted; never spliced.

use crate::port::query_scalar;
use crate::{Arg, Db, Error, Value};

/// `name` as a quoted SQL identifier: any string becomes exactly one name.
pub fn quote(name: &str) -> String {
    format!("\"{}\"", name.replace('"', "\"\""))
}

/// A table or view found in the schema.
#[derive(Debug, Clone)]
pub struct Relation {
    /// `main` or `temp`.
    pub schema: &'static str,
    /// The name as the schema spells it.
    pub name: String,
    pub kind: String,
    pub columns: Vec<String>,
}

impl Relation {
    /// `"schema"."name"`, for use in a statement.
    pub fn qualified(&self) -> String {
        format!("{}.{}", quote(self.schema), quote(&self.name))
    }
}

/// The table or view called `name` (SQLite compares names case-insensitively), if any.
pub fn find_relation(db: &mut dyn Db, name: &str) -> Result<Option<Relation>, Error> {
    for (schema, master) in [("main", "sqlite_master"), ("temp", "sqlite_temp_master")] {
        let mut found: Option<(String, String)> = None;
        let sql = format!(
            "SELECT name, type FROM {master} WHERE type IN ('table', 'view') AND name = ?1 COLLATE NOCASE"
        );
        db.query(&sql, &[Value::from(name)], &mut |row| {
            if let [Arg::Text(name), Arg::Text(kind)] = row {
                found = Some((name.to_string(), kind.to_string()));
            }
            Ok(())
        })?;
        if let Some((name, kind)) = found {
            let columns = columns(db, schema, &name)?;
            return Ok(Some(Relation {
                schema,
                name,
                kind,
                columns,
            }));
        }
    }
    Ok(None)
}

fn columns(db: &mut dyn Db, schema: &str, table: &str) -> Result<Vec<String>, Error> {
    let mut names = Vec::new();
    db.query(
        "SELECT name FROM pragma_table_info(?1, ?2) ORDER BY cid",
        &[Value::from(table), Value::from(schema)],
        &mut |row| {
            if let [Arg::Text(name)] = row {
                names.push(name.to_string());
            }
            Ok(())
        },
    )?;
    Ok(names)
}

/// True when the catalog tables exist in this database.
pub fn has_table(db: &mut dyn Db, name: &str) -> Result<bool, Error> {
    let count = query_scalar(
        db,
        "SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = ?1",
        &[Value::from(name)],
    )?;
    Ok(matches!(count, Value::Integer(n) if n > 0))
}

/// Runs `body` as one unit of writes. Outside a transaction it opens its
/// own with BEGIN IMMEDIATE (taking the write lock first, so that a
/// concurrent writer makes it wait for the busy timeout instead of failing
/// with a stale snapshot) and commits it. Inside the caller's transaction it
/// uses a savepoint: released on success, rolled back to on failure, leaving
/// the caller's own changes as they were.
pub fn in_write_transaction<T>(
    db: &mut dyn Db,
    body: impl FnOnce(&mut dyn Db) -> Result<T, Error>,
) -> Result<T, Error> {
    let own_transaction = db.is_autocommit()?;
    let (begin, commit, undo): (&str, &str, &[&str]) = if own_transaction {
        ("BEGIN IMMEDIATE", "COMMIT", &["ROLLBACK"])
    } else {
        (
            "SAVEPOINT sqml",
            "RELEASE sqml",
            &["ROLLBACK TO sqml", "RELEASE sqml"],
        )
    };
    db.execute(begin, &[]).map_err(read_only)?;
    let result = body(db).and_then(|value| {
        db.execute(commit, &[])?;
        Ok(value)
    });
    if result.is_err() {
        // Best effort: the error the caller sees is the one that made us stop.
        for statement in undo {
            let _ = db.execute(statement, &[]);
        }
    }
    result.map_err(read_only)
}

/// SQLite's "attempt to write a readonly database", said for this library.
fn read_only(err: Error) -> Error {
    match &err {
        Error::Sql(message) if message.contains("readonly database") => Error::InvalidArgument(
            "the database is read-only (opened with mode=ro or immutable=1, or a read-only file); \
             this function writes to it"
                .into(),
        ),
        _ => err,
    }
}

#[cfg(test)]
mod test {
    use super::quote;

    #[test]
    fn quoting_doubles_inner_quotes() {
        assert_eq!(
            quote("a\"; DROP TABLE t; --"),
            "\"a\"\"; DROP TABLE t; --\""
        );
    }
}
