//! Names from arguments, checked against the schema and quoted; never spliced.

use crate::{Arg, Db, Error, Value};

/// `name` as a quoted SQL identifier: any string becomes exactly one name.
pub fn quote(name: &str) -> String {
    format!("\"{}\"", name.replace('"', "\"\""))
}

/// A table or view found in the schema.
#[derive(Debug, Clone)]
pub struct Relation {
    /// The schema it is in: `main`, `temp` or an attached database's name.
    pub schema: String,
    /// The name as the schema spells it.
    pub name: String,
    pub kind: String,
    /// Every column a `SELECT *` returns, generated ones included.
    pub columns: Vec<String>,
}

impl Relation {
    /// `"schema"."name"`, for use in a statement.
    pub fn qualified(&self) -> String {
        format!("{}.{}", quote(&self.schema), quote(&self.name))
    }
}

/// The connection's schemas in the order SQLite searches them for a name
/// without one: `temp`, `main`, then the attached databases in the order
/// they were attached.
pub fn schemas(db: &mut dyn Db) -> Result<Vec<String>, Error> {
    let mut listed: Vec<(i64, String)> = Vec::new();
    db.query(
        "SELECT +seq, +name FROM pragma_database_list",
        &[],
        &mut |row| {
            if let [Arg::Integer(seq), Arg::Text(name)] = row {
                listed.push((*seq, name.to_string()));
            }
            Ok(())
        },
    )?;
    let temp_first = |(seq, name): &(i64, String)| (name != "temp", *seq);
    listed.sort_by_key(temp_first);
    Ok(listed.into_iter().map(|(_, name)| name).collect())
}

/// A name as the user wrote it: `t`, or `schema.t` when the part before the
/// first dot names one of the connection's schemas (otherwise the dot is
/// part of the name, as SQLite allows).
pub struct Name {
    pub schema: Option<String>,
    pub name: String,
}

/// `written` read against `schemas` (as [`schemas`] lists them).
pub fn parse_name(schemas: &[String], written: &str) -> Name {
    if let Some((prefix, rest)) = written.split_once('.') {
        if let Some(schema) = schemas.iter().find(|s| s.eq_ignore_ascii_case(prefix)) {
            return Name {
                schema: Some(schema.clone()),
                name: rest.to_string(),
            };
        }
    }
    Name {
        schema: None,
        name: written.to_string(),
    }
}

/// The table or view `written` names, resolved as SQLite resolves it: in its
/// schema when qualified, else the first schema (temp, main, attached) that
/// has it; names compare case-insensitively.
pub fn find_relation(db: &mut dyn Db, written: &str) -> Result<Option<Relation>, Error> {
    let schemas = schemas(db)?;
    let name = parse_name(&schemas, written);
    let search = match name.schema {
        Some(schema) => vec![schema],
        None => schemas,
    };
    for schema in search {
        let mut found: Option<(String, String)> = None;
        let sql = format!(
            "SELECT +name, +type FROM {}.sqlite_master WHERE type IN ('table', 'view') AND name = ?1 COLLATE NOCASE",
            quote(&schema)
        );
        db.query(&sql, &[Value::from(name.name.as_str())], &mut |row| {
            if let [Arg::Text(name), Arg::Text(kind)] = row {
                found = Some((name.to_string(), kind.to_string()));
            }
            Ok(())
        })?;
        if let Some((name, kind)) = found {
            let columns = columns(db, &schema, &name)?;
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

/// The columns `SELECT *` returns: hidden ones (of virtual tables) left
/// out, generated ones (hidden 2 and 3 in `table_xinfo`) kept.
fn columns(db: &mut dyn Db, schema: &str, table: &str) -> Result<Vec<String>, Error> {
    let mut names = Vec::new();
    db.query(
        "SELECT +name FROM pragma_table_xinfo(?1, ?2) WHERE hidden != 1 ORDER BY cid",
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

/// An error unless SQLite can return `text` as a result (it is within the
/// connection's length limit), checked before a write is committed: the
/// host's limit may be lower than the default.
pub fn check_result_fits(db: &mut dyn Db, text: &str) -> Result<(), Error> {
    db.query("SELECT length(?1)", &[Value::from(text)], &mut |_| Ok(()))
        .map_err(|err| {
            Error::InvalidArgument(format!(
                "the result ({} bytes) is larger than this connection allows ({err}); \
                 nothing was written",
                text.len()
            ))
        })
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

/// An error unless `schema` can be written, checked before long work that
/// ends in a write: a write made and rolled back at once (the schema's
/// `user_version` set to what it is), which fails on a read-only or
/// immutable database and on a `query_only` connection, and leaves nothing.
pub fn check_writable(db: &mut dyn Db, schema: &str) -> Result<(), Error> {
    const UNDONE: &str = "the write check is undone";
    let pragma = format!("PRAGMA {}.user_version", quote(schema));
    let result = in_write_transaction(db, |db| {
        let version = crate::port::query_scalar(db, &pragma, &[])?;
        let version = match version {
            Value::Integer(v) => v,
            _ => 0,
        };
        db.execute(&format!("{pragma} = {version}"), &[])?;
        Err::<(), _>(Error::Sql(UNDONE.into()))
    });
    match result {
        Err(Error::Sql(message)) if message == UNDONE => Ok(()),
        Err(err) => Err(err),
        Ok(()) => Ok(()),
    }
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
