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

/// Runs `body` inside a savepoint: released on success (committing when no
/// transaction was open), rolled back to on failure, leaving the caller's own
/// changes in an open transaction untouched.
pub fn in_savepoint<T>(
    db: &mut dyn Db,
    body: impl FnOnce(&mut dyn Db) -> Result<T, Error>,
) -> Result<T, Error> {
    db.execute("SAVEPOINT sqml", &[])?;
    let result = body(db).and_then(|value| {
        db.execute("RELEASE sqml", &[])?;
        Ok(value)
    });
    if result.is_err() {
        // Best effort: the error the caller sees is the one that made us stop.
        let _ = db.execute("ROLLBACK TO sqml", &[]);
        let _ = db.execute("RELEASE sqml", &[]);
    }
    result
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
