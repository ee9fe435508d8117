//! `sqml_load_dataset(name [, table])`: a bundled dataset into a table, replacing it.

use serde_json::json;

use super::args::{optional_text, text};
use crate::datasets;
use crate::sql::{find_relation, in_write_transaction, quote};
use crate::{Arg, Db, Error, Value};

pub fn run(db: &mut dyn Db, args: &[Arg<'_>]) -> Result<Value, Error> {
    let name = text(args, 0, "name")?;
    let spec = datasets::find(name)?;
    let default_table = format!("dataset_{name}");
    let table = optional_text(args, 1, "table")?.unwrap_or(&default_table);
    check_table_name(table)?;
    let data = spec.read()?;
    in_write_transaction(db, |db| {
        if let Some(existing) = find_relation(db, table)? {
            if existing.kind != "table" {
                return Err(Error::InvalidArgument(format!(
                    "'{}' is a {}; only a table is replaced",
                    existing.name, existing.kind
                )));
            }
            db.execute(&format!("DROP TABLE {}", existing.qualified()), &[])?;
        }
        let columns: Vec<String> = data
            .feature_names
            .iter()
            .map(|c| format!("{} REAL", quote(c)))
            .chain(["target REAL".to_string()])
            .collect();
        db.execute(
            &format!(
                "CREATE TABLE main.{} ({})",
                quote(table),
                columns.join(", ")
            ),
            &[],
        )?;
        let width = data.feature_names.len() + 1;
        let placeholders = vec!["?"; width].join(", ");
        let insert = format!("INSERT INTO main.{} VALUES ({placeholders})", quote(table));
        for row in data.values.chunks(width) {
            let params: Vec<Value> = row.iter().map(|&v| Value::Real(v)).collect();
            db.execute(&insert, &params)?;
        }
        Ok(())
    })?;
    let report = json!({
        "table": table,
        "feature_names": data.feature_names,
        "target_names": spec.target_names_json(),
        "size": data.rows(),
    });
    Ok(Value::Text(report.to_string()))
}

fn check_table_name(table: &str) -> Result<(), Error> {
    let lower = table.to_ascii_lowercase();
    if table.is_empty() {
        return Err(Error::InvalidArgument("table must not be empty".into()));
    }
    if lower.starts_with("sqlite_") || lower.starts_with("sqml_") {
        return Err(Error::InvalidArgument(format!(
            "table '{table}' is reserved (names starting with sqlite_ or sqml_ belong to SQLite and the catalog)"
        )));
    }
    Ok(())
}
